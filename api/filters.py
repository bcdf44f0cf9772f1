"""Query filters (django-filter). Units are given by code, indicators by slug."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from django_filters.widgets import BaseCSVWidget

from goals.models import Goal, Strategy, SubMeasure
from hr.models import ImportJob
from measures import periods as P
from measures.models import Granularity, Indicator, IndicatorValue, Target
from org.models import OrgUnit, OrgUnitClosure
from plans.models import Action, ActionPlan, TertialReport


class IdFilter(filters.NumberFilter):
    """An object's id: a whole number within the database's range (else 400)."""

    field_class = forms.IntegerField

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


def in_subtree(queryset: QuerySet, field: str, code: str) -> QuerySet:
    """Rows whose unit (``field``) is the unit ``code`` or below it."""
    below = OrgUnitClosure.objects.filter(ancestor__code=code).values("descendant_id")
    return queryset.filter(**{f"{field}__in": below})


class SubtreeFilterMixin(filters.FilterSet):
    subtree = filters.CharFilter(
        method="filter_subtree", label="Unit code: that unit and every unit below it."
    )
    subtree_field = "unit_id"

    def filter_subtree(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return in_subtree(queryset, self.subtree_field, value)


class StrategyFilter(filters.FilterSet):
    class Meta:
        model = Strategy
        fields = ["is_active", "slug"]


class GoalFilter(filters.FilterSet):
    strategy = filters.CharFilter(field_name="strategy__slug", label="Strategy slug.")

    class Meta:
        model = Goal
        fields = ["strategy"]


class SubMeasureFilter(filters.FilterSet):
    goal = IdFilter()

    class Meta:
        model = SubMeasure
        fields = ["goal"]


class UnitFilter(SubtreeFilterMixin):
    parent = filters.CharFilter(field_name="parent__code", label="Parent unit code.")
    subtree_field = "pk"

    class Meta:
        model = OrgUnit
        fields = ["parent", "level", "shift_based"]


class IndicatorFilter(filters.FilterSet):
    goals = IdFilter(label="Goal id.")
    sub_measures = IdFilter(label="Sub-measure id.")

    class Meta:
        model = Indicator
        fields = ["kind", "goals", "sub_measures"]


class TargetFilter(filters.FilterSet):
    indicator = filters.CharFilter(field_name="indicator__slug", label="Indicator slug.")
    unit = filters.CharFilter(field_name="unit__code", label="Unit code.")

    class Meta:
        model = Target
        fields = ["indicator", "unit"]


def _period(value: str) -> P.Period:
    try:
        return P.parse(value)
    except ValueError:
        raise ValidationError(
            _("«%(value)s» is not a period: use 2024-03, 2024-T2 or 2024.") % {"value": value}
        ) from None


class PeriodField(forms.CharField):
    """A period label, checked with the other query parameters (400 names the field)."""

    def clean(self, value: str | None) -> str:
        value = super().clean(value)
        if value:
            _period(value)
        return value


class PeriodFilter(filters.CharFilter):
    field_class = PeriodField

    def __init__(self, *, bound: str, **kwargs: object) -> None:
        self.bound = bound
        super().__init__(**kwargs)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        if not value:
            return qs
        period = _period(value)
        if self.bound == "start":
            return qs.filter(period_start__gte=period.start)
        return qs.filter(period_end__lte=period.end)


class RepeatedCSVWidget(BaseCSVWidget, forms.TextInput):
    """``?indicator=a&indicator=b`` and ``?indicator=a,b`` alike (and mixed)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> list[str] | None:
        if name not in data:
            return None
        values = data.getlist(name) if hasattr(data, "getlist") else [data[name]]
        return [part.strip() for value in values for part in value.split(",") if part.strip()]


class IndicatorValueFilter(SubtreeFilterMixin):
    """The filters of ``export_indicators``, plus ``subtree``.

    ``indicator`` may be repeated (or comma-separated); ``from``/``to`` are period
    labels and include every period lying within them.
    """

    indicator = filters.BaseInFilter(
        method="filter_indicator", label="Indicator slug(s).", widget=RepeatedCSVWidget
    )
    unit = filters.CharFilter(method="filter_unit", label="Unit code (that unit only).")
    granularity = filters.ChoiceFilter(choices=Granularity.choices)

    class Meta:
        model = IndicatorValue
        fields = ["indicator", "unit", "granularity"]

    # Slugs and codes are looked up first, so that the values are filtered by id and
    # the planner can use the (indicator, unit, granularity, period) index.
    def filter_indicator(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        ids = list(Indicator.objects.filter(slug__in=value).values_list("pk", flat=True))
        return queryset.filter(indicator_id__in=ids)

    def filter_unit(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        ids = list(OrgUnit.objects.filter(code=value).values_list("pk", flat=True))
        return queryset.filter(unit_id__in=ids)


# «from» is a Python keyword, so these two filters are added by name.
IndicatorValueFilter.base_filters["from"] = PeriodFilter(
    bound="start", field_name="period_start", label="First period: 2024-03, 2024-T2 or 2024."
)
IndicatorValueFilter.base_filters["to"] = PeriodFilter(
    bound="end", field_name="period_end", label="Last period: 2024-03, 2024-T2 or 2024."
)


class PlanFilter(SubtreeFilterMixin):
    unit = filters.CharFilter(field_name="unit__code", label="Unit code.")
    year = IdFilter(max_value=9999)

    class Meta:
        model = ActionPlan
        fields = ["unit", "year"]


class ActionFilter(SubtreeFilterMixin):
    unit = filters.CharFilter(field_name="plan__unit__code", label="Unit code.")
    year = IdFilter(field_name="plan__year", max_value=9999)
    plan = IdFilter()
    goal = IdFilter()
    subtree_field = "plan__unit_id"

    class Meta:
        model = Action
        fields = ["plan", "unit", "year", "goal", "status"]


class TertialReportFilter(SubtreeFilterMixin):
    unit = filters.CharFilter(field_name="unit__code", label="Unit code.")
    year = IdFilter(max_value=9999)
    tertial = IdFilter(max_value=3)

    class Meta:
        model = TertialReport
        fields = ["unit", "year", "tertial", "state"]


class ImportJobFilter(filters.FilterSet):
    class Meta:
        model = ImportJob
        fields = ["status", "source"]
