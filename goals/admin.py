from django.contrib import admin

from strategi.admin import HistoryAdmin

from .models import Goal, GoalItem, Strategy, SubMeasure, Value


class ValueInline(admin.TabularInline):
    model = Value
    extra = 0


class GoalInline(admin.TabularInline):
    model = Goal
    extra = 0
    fields = ["number", "title", "order"]
    show_change_link = True


class SubMeasureInline(admin.TabularInline):
    model = SubMeasure
    extra = 0


class GoalItemInline(admin.TabularInline):
    model = GoalItem
    extra = 0


@admin.register(Strategy)
class StrategyAdmin(HistoryAdmin):
    list_display = ["name", "owner", "valid_from", "valid_to", "is_active"]
    list_filter = ["is_active", "owner"]
    search_fields = ["name", "owner", "vision"]
    prepopulated_fields = {"slug": ["owner", "name"]}
    inlines = [ValueInline, GoalInline]


@admin.register(Value)
class ValueAdmin(HistoryAdmin):
    list_display = ["name", "strategy", "order"]
    list_filter = ["strategy"]
    list_select_related = ["strategy"]


@admin.register(Goal)
class GoalAdmin(HistoryAdmin):
    list_display = ["number", "title", "strategy"]
    list_filter = ["strategy"]
    list_select_related = ["strategy"]
    search_fields = ["title", "description"]
    inlines = [SubMeasureInline, GoalItemInline]


@admin.register(SubMeasure)
class SubMeasureAdmin(HistoryAdmin):
    list_display = ["title", "goal", "order"]
    list_filter = ["goal__strategy"]
    list_select_related = ["goal", "goal__strategy"]
    search_fields = ["title"]


@admin.register(GoalItem)
class GoalItemAdmin(HistoryAdmin):
    list_display = ["text", "kind", "goal", "order"]
    list_filter = ["kind", "goal__strategy"]
    list_select_related = ["goal", "goal__strategy"]
    search_fields = ["text"]
