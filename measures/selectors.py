"""Reads of stored indicator values (pages, exports and the API never compute)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet

from . import periods as P
from .models import IndicatorValue, Target
from .status import Status, TargetResolver, evaluate

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


@dataclass(frozen=True)
class ValueWithStatus:
    """A stored value with the target that applies to it and its status."""

    value: IndicatorValue
    target: Target | None
    status: Status


def values_with_status(
    values: Iterable[IndicatorValue], *, resolver: TargetResolver | None = None
) -> list[ValueWithStatus]:
    """Attach target and status to stored values (two extra queries in all).

    Pass ``resolver`` to share one across several calls on a page.
    """
    values = list(values)
    resolver = resolver or TargetResolver(unit_ids={v.unit_id for v in values})
    result = []
    for value in values:
        target = resolver.resolve(
            indicator_id=value.indicator_id, unit_id=value.unit_id, on=value.period_end
        )
        status = evaluate(value.value, suppressed=value.suppressed, target=target)
        result.append(ValueWithStatus(value=value, target=target, status=status))
    return result
