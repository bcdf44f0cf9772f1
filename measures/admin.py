from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Indicator, IndicatorValue, Target


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "kind", "unit_of_measure", "direction", "order"]
    list_filter = ["kind", "direction"]
    search_fields = ["slug", "name"]
    filter_horizontal = ["sub_measures", "goals"]


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    list_display = ["indicator", "unit", "comparator", "value", "margin", "valid_from", "valid_to"]
    list_filter = ["indicator"]
    list_select_related = ["indicator", "unit"]
    autocomplete_fields = ["unit"]


@admin.register(IndicatorValue)
class IndicatorValueAdmin(admin.ModelAdmin):
    """Read-only: computed values come from the engine, reported ones from their forms."""

    list_display = ["indicator", "unit", "period", "value", "n_persons", "suppressed"]
    list_filter = ["granularity", "indicator"]
    list_select_related = ["indicator", "unit"]
    search_fields = ["unit__code", "period"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False
