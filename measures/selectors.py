"""Reads of stored indicator values (pages, exports and the API never compute)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q, QuerySet

from org.models import OrgUnit
from strategi.db import as_date

from . import periods as P
from .definitions import dashboard_slugs
from .models import HealthDataAccess, Indicator, IndicatorValue, Target
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


# --- Periods and values for the pages ---------------------------------------------------

# The key indicators of the dashboard and the council's tertial report (``"dashboard"`` in
# indicators.json); shown in ``Indicator.order``.
DASHBOARD_INDICATORS = dashboard_slugs()


def stored_periods(
    *,
    granularity: str,
    indicators: Sequence[str] = DASHBOARD_INDICATORS,
    with_reported: bool = False,
) -> list[P.Period]:
    """The periods of ``granularity`` with stored values of ``indicators``, newest first.

    ``with_reported`` adds every reported indicator: the dashboard shows them (per goal),
    so a year with only 10-FAKTOR results — the running year, whose computed yearly
    figures come when it has ended — is a period to choose.

    Two queries: the indicators, then one that walks the (granularity, period_start,
    indicator) index from period to period (a "skip scan"): a few index look-ups per
    period, whatever the number of stored values.
    """
    chosen = Q(slug__in=indicators)
    if with_reported:
        chosen |= Q(kind=Indicator.Kind.REPORTED)
    indicator_ids = list(Indicator.objects.filter(chosen).values_list("pk", flat=True))
    if not indicator_ids:
        return []
    q = connection.ops.quote_name
    ids = ", ".join(["%s"] * len(indicator_ids))
    # The ids are passed as values: with a subquery instead, PostgreSQL scans the table.
    newest_before = (
        f"SELECT MAX({q('period_start')}) FROM {q(IndicatorValue._meta.db_table)} "  # noqa: S608
        f"WHERE {q('granularity')} = %s AND {q('indicator_id')} IN ({ids})"
    )
    sql = (
        f"WITH RECURSIVE starts(start) AS ({newest_before} "  # noqa: S608 - names from the model
        f"UNION ALL SELECT ({newest_before} AND {q('period_start')} < starts.start) "
        "FROM starts WHERE starts.start IS NOT NULL) "
        "SELECT start FROM starts WHERE start IS NOT NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [granularity, *indicator_ids, granularity, *indicator_ids])
        starts = [row[0] for row in cursor.fetchall()]
    return [P.starting(granularity, as_date(start)) for start in starts]


def unit_period_values(
    *, unit: OrgUnit, period: P.Period, indicator_ids: Iterable[int]
) -> dict[int, IndicatorValue]:
    """The stored values of ``unit`` in ``period`` for the indicators, by indicator id."""
    return {
        value.indicator_id: value
        for value in IndicatorValue.objects.filter(
            unit=unit,
            granularity=period.granularity,
            period=period.label,
            indicator_id__in=list(indicator_ids),
        )
    }


# --- Reported indicators -------------------------------------------------------------


def indicator_list_with_links() -> QuerySet[Indicator]:
    """Every indicator, in order, with the goals and sub-measures it follows."""
    return Indicator.objects.prefetch_related(
        "goals__strategy", "sub_measures__goal__strategy"
    ).order_by("order", "slug")


def reported_indicator_get(*, pk: int) -> Indicator:
    """A reported indicator (``Indicator.DoesNotExist`` for computed ones)."""
    return Indicator.objects.get(pk=pk, kind=Indicator.Kind.REPORTED)


def reported_value_list_recent(*, limit: int = 20) -> list[IndicatorValue]:
    """The reported values most recently entered or imported, newest first."""
    return list(
        IndicatorValue.objects.filter(indicator__kind=Indicator.Kind.REPORTED)
        .select_related("indicator", "unit", "entered_by")
        .order_by("-computed_at", "-pk")[:limit]
    )


def health_data_access_list_recent(*, username: str = "") -> QuerySet[HealthDataAccess]:
    """The access log, newest first; only ``username``'s views when given."""
    records = HealthDataAccess.objects.order_by("-at", "-pk")
    return records.filter(username=username) if username else records
