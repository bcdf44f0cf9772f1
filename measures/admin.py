"""Indicators, targets and values in the administration, as clients of the services.

A form checks its input with the service's own rules (``target_validate``,
``reported_indicator_validate``) so that a refusal shows on the form; saving and
deleting call the services, which check again under their locks. Computed indicators
belong to the spec and stored values to the engine: both are read-only here.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from strategi.admin import HistoryAdmin, ReadOnlyAdmin

from .forms import REPORTED_INDICATOR_FIELDS
from .models import Indicator, IndicatorValue, Target
from .services import (
    reported_indicator_delete,
    reported_indicator_save,
    reported_indicator_validate,
    target_delete,
    target_save,
    target_validate,
)

INDICATOR_FIELDS = (*REPORTED_INDICATOR_FIELDS, "order", "goals", "sub_measures")


class ReportedIndicatorAdminForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = INDICATOR_FIELDS

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "slug" in data:
            try:
                reported_indicator_validate(
                    slug=data["slug"],
                    scale_min=data.get("scale_min"),
                    scale_max=data.get("scale_max"),
                    indicator=self.instance,
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    """Reported indicators are added, changed and deleted here; computed ones only read."""

    form = ReportedIndicatorAdminForm
    list_display = ["slug", "name", "kind", "unit_of_measure", "direction", "order"]
    list_filter = ["kind", "direction"]
    search_fields = ["slug", "name"]
    filter_horizontal = ["sub_measures", "goals"]

    def _computed(self, obj: Indicator | None) -> bool:
        return obj is not None and obj.kind == Indicator.Kind.COMPUTED

    def get_fields(self, request: HttpRequest, obj: Indicator | None = None) -> list[str]:
        fields = list(INDICATOR_FIELDS)
        return [*fields, "kind", "suppressible"] if self._computed(obj) else fields

    def has_change_permission(self, request: HttpRequest, obj: Indicator | None = None) -> bool:
        return not self._computed(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Indicator | None = None) -> bool:
        return not self._computed(obj) and super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Indicator, form: Any, change: bool) -> None:
        data = form.cleaned_data
        saved = reported_indicator_save(
            slug=data["slug"],
            name=data["name"],
            description=data["description"],
            unit_of_measure=data["unit_of_measure"],
            direction=data["direction"],
            scale_min=data["scale_min"],
            scale_max=data["scale_max"],
            order=data["order"],
            goals=data["goals"],
            sub_measures=data["sub_measures"],
            indicator=Indicator.objects.get(pk=obj.pk) if change else None,
            by=request.user,
        )
        obj.pk = saved.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The service has set the goals and sub-measures already."""

    def delete_model(self, request: HttpRequest, obj: Indicator) -> None:
        reported_indicator_delete(indicator=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Indicator]) -> None:
        for indicator in queryset:
            reported_indicator_delete(indicator=indicator, by=request.user)


class TargetAdminForm(forms.ModelForm):
    class Meta:
        model = Target
        fields = ["indicator", "unit", "comparator", "value", "margin", "valid_from", "valid_to"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("indicator") and data.get("unit"):
            try:
                target_validate(
                    indicator=data["indicator"],
                    unit=data["unit"],
                    margin=data.get("margin") or 0.0,
                    valid_from=data.get("valid_from"),
                    valid_to=data.get("valid_to"),
                    target=self.instance,
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


@admin.register(Target)
class TargetAdmin(HistoryAdmin):
    form = TargetAdminForm
    list_display = ["indicator", "unit", "comparator", "value", "margin", "valid_from", "valid_to"]
    list_filter = ["indicator"]
    list_select_related = ["indicator", "unit"]
    autocomplete_fields = ["unit"]

    def save_model(self, request: HttpRequest, obj: Target, form: Any, change: bool) -> None:
        data = form.cleaned_data
        saved = target_save(
            indicator=data["indicator"],
            unit=data["unit"],
            comparator=data["comparator"],
            value=data["value"],
            margin=data["margin"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
            target=Target.objects.get(pk=obj.pk) if change else None,
            by=request.user,
        )
        obj.pk = saved.pk

    def delete_model(self, request: HttpRequest, obj: Target) -> None:
        target_delete(target=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Target]) -> None:
        for target in queryset:
            target_delete(target=target, by=request.user)


@admin.register(IndicatorValue)
class IndicatorValueAdmin(ReadOnlyAdmin, admin.ModelAdmin):
    """Read-only: computed values come from the engine, reported ones from their forms."""

    list_display = ["indicator", "unit", "period", "value", "n_persons", "suppressed"]
    list_filter = ["granularity", "indicator"]
    list_select_related = ["indicator", "unit"]
    search_fields = ["unit__code", "period"]
    show_full_result_count = False
