"""Reads of stored indicator values (pages, exports and the API never compute)."""

from collections.abc import Sequence

from django.db.models import QuerySet

from . import periods as P
from .models import IndicatorValue

EXPORT_FIELDS = (
    "indicator",
    "unit",
    "period",
    "granularity",
    "value",
    "numerator",
    "denominator",
    "n_persons",
    "suppressed",
    "target",
    "status",
)


def indicator_value_list(
    *,
    indicators: Sequence[str] = (),
    unit_code: str | None = None,
    granularity: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> QuerySet[IndicatorValue]:
    """Stored values, filtered, in a stable order (indicator, unit, granularity, period).

    ``start``/``end`` are period labels; a value is included when its period lies
    within ``[start of start, end of end]``.
    """
    values = IndicatorValue.objects.select_related("indicator", "unit")
    if indicators:
        values = values.filter(indicator__slug__in=indicators)
    if unit_code:
        values = values.filter(unit__code=unit_code)
    if granularity:
        values = values.filter(granularity=granularity)
    if start:
        values = values.filter(period_start__gte=P.parse(start).start)
    if end:
        values = values.filter(period_end__lte=P.parse(end).end)
    return values.order_by(
        "indicator__order", "indicator__slug", "unit__code", "granularity", "period_start"
    )
