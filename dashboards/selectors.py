"""Reads of the pages that show figures: the dashboard, unit pages, «Alt henger sammen»
and the council's tertial report. They read stored values only (``measures``)."""

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Max, Q, QuerySet

from goals.models import Goal, Strategy
from measures import periods as P
from measures.formatting import decimals
from measures.models import Indicator, IndicatorValue, Target
from measures.selectors import (
    DASHBOARD_INDICATORS,
    ValueWithStatus,
    stored_periods,
    values_with_status,
)
from measures.status import Status, TargetResolver, evaluate_stored
from org import access
from org.models import OrgUnit, OrgUnitClosure, RoleAssignment
from org.selectors import unit_ancestors
from plans.models import ActionPlan, TertialReport, TertialRound
from plans.selectors import (
    RoundProgress,
    explained_statuses,
    reporting_units,
    round_open_latest,
    round_progress,
    strategy_indicator_links,
)

from .projection import (
    Projection,
    Strength,
    correlation_strength,
    month_index,
    month_start,
    pearson,
    project_target,
)


@dataclass(frozen=True)
class DashboardCell:
    """One indicator of one unit: this period's value with status, and last year's."""

    indicator: Indicator
    current: ValueWithStatus | None
    last_year: IndicatorValue | None
    # The period of ``current`` when it is not the one viewed: a reported indicator's
    # latest yearly value (a 10-FAKTOR survey) shown in the periods after it.
    carried_from: str = ""

    @property
    def trend(self) -> str | None:
        """``up``, ``down`` or ``same`` against last year, at the precision shown.

        None when either value is missing or suppressed.
        """
        if self.current is None or self.last_year is None:
            return None
        now, before = self.current.value.value, self.last_year.value
        if now is None or before is None:
            return None
        places = decimals(self.indicator.unit_of_measure)
        now, before = round(now, places), round(before, places)
        if now > before:
            return "up"
        return "down" if now < before else "same"


# The deepest indentation the CSS has a rule for (static/css/dashboard.css).
MAX_INDENT = 16


@dataclass
class DashboardRow:
    """A unit of the tree with its cells; ``depth`` counts from the top of the view.

    ``shown``: the row is on the page (a top row, or its parent is shown and open);
    only shown rows have cells. ``open``: the rows below it are shown.
    """

    unit: OrgUnit
    depth: int
    parent: "DashboardRow | None"
    cells: list[DashboardCell]
    children: list["DashboardRow"] = field(default_factory=list)
    shown: bool = True
    open: bool = True

    @property
    def indent(self) -> int:
        """The indentation step of the row's name (``data-depth``; the CSS has 0–16)."""
        return min(self.depth, MAX_INDENT)

    def subtree(self) -> Iterator["DashboardRow"]:
        """This row and every row below it, depth first."""
        yield self
        for child in self.children:
            yield from child.subtree()


@dataclass(frozen=True)
class Dashboard:
    period: P.Period
    last_year: P.Period
    indicators: list[Indicator]
    roots: list[DashboardRow]
    resolver: TargetResolver

    @property
    def rows(self) -> list[DashboardRow]:
        """Every row in tree order (each unit followed by the units below it)."""
        return [row for root in self.roots for row in root.subtree()]

    @property
    def shown_rows(self) -> list[DashboardRow]:
        """The rows on the page, in tree order."""
        return [row for row in self.rows if row.shown]

    def row_of(self, unit_id: int) -> DashboardRow | None:
        """The row of the unit with primary key ``unit_id``, if it is in the view."""
        return next((row for row in self.rows if row.unit.pk == unit_id), None)

    @property
    def has_values(self) -> bool:
        """Whether any cell has a stored value for the period."""
        return any(cell.current for row in self.rows for cell in row.cells)


def dashboard_get(
    *,
    units: QuerySet[OrgUnit],
    period: P.Period,
    within: OrgUnit | None = None,
    indicators: Sequence[str] = DASHBOARD_INDICATORS,
    open_ids: Collection[int] | None = None,
) -> Dashboard:
    """The unit tree × key indicators for one period, with status and last year's value.

    ``units`` are the units the user may see (``access.indicator_units``); ``within``
    narrows them to one subtree. A unit whose parent is not shown becomes a root.
    ``open_ids``: the units whose children are shown besides the roots' (None: every
    row is shown). Values and targets are read for the shown rows only. Six queries
    whatever the number of units: units, indicators, this period's values, last year's,
    and the target resolver's two.
    """
    if within is not None:
        subtree = OrgUnitClosure.objects.filter(ancestor=within).values("descendant_id")
        units = units.filter(pk__in=subtree)
    unit_list = list(units.order_by("code"))
    indicator_list = list(Indicator.objects.filter(slug__in=indicators).order_by("order", "slug"))
    last_year = P.same_period_last_year(period)

    rows: dict[int, DashboardRow] = {
        unit.pk: DashboardRow(unit=unit, depth=0, parent=None, cells=[]) for unit in unit_list
    }
    roots: list[DashboardRow] = []
    # Parents sort before children only by chance of their codes, so link in two passes.
    for unit in unit_list:
        row = rows[unit.pk]
        parent = rows.get(unit.parent_id) if unit.parent_id else None
        if parent is None:
            roots.append(row)
        else:
            row.parent = parent
            parent.children.append(row)
    shown_ids = []
    for root in roots:
        for row in root.subtree():
            if row.parent is not None:
                row.depth = row.parent.depth + 1
                row.shown = row.parent.shown and row.parent.open
                row.open = open_ids is None or row.unit.pk in open_ids
            if row.shown:
                shown_ids.append(row.unit.pk)

    def values_of(of: P.Period) -> QuerySet[IndicatorValue]:
        return IndicatorValue.objects.filter(
            granularity=of.granularity,
            period=of.label,
            indicator__in=[i.pk for i in indicator_list],
            unit__in=shown_ids,
        )

    resolver = TargetResolver(unit_ids=shown_ids)
    current = {
        (v.value.unit_id, v.value.indicator_id): v
        for v in values_with_status(values_of(period), resolver=resolver)
    }
    previous = {(v.unit_id, v.indicator_id): v for v in values_of(last_year)}
    for unit_id in shown_ids:
        rows[unit_id].cells = [
            DashboardCell(
                indicator=indicator,
                current=current.get((unit_id, indicator.pk)),
                last_year=previous.get((unit_id, indicator.pk)),
            )
            for indicator in indicator_list
        ]
    return Dashboard(
        period=period,
        last_year=last_year,
        indicators=indicator_list,
        roots=roots,
        resolver=resolver,
    )


@dataclass(frozen=True)
class GoalIndicators:
    """A goal of the strategy with the indicators that follow it, for one unit."""

    goal: Goal
    cells: list[DashboardCell]


def values_or_latest_survey(
    values: QuerySet[IndicatorValue], *, period: P.Period
) -> dict[tuple[int, int], IndicatorValue]:
    """Of ``values``, per (unit id, indicator id): the value of ``period``; for a reported
    indicator without one, its latest yearly value up to the period's end (the
    10-FAKTOR survey of a year, shown in the year and the tertials and months after it
    until a newer survey; its ``period`` then says which year). One query.
    """
    found: dict[tuple[int, int], IndicatorValue] = {}
    rows = values.filter(
        Q(granularity=period.granularity, period=period.label)
        | Q(
            granularity=P.YEAR,
            indicator__kind=Indicator.Kind.REPORTED,
            period_start__lte=period.end,
        )
    ).order_by("period_start")
    for value in rows:
        key = (value.unit_id, value.indicator_id)
        if key not in found or found[key].period != period.label:
            found[key] = value
    return found


def strategy_indicators(
    *, strategy: Strategy
) -> tuple[list[Goal], set[tuple[int, int]], list[Indicator]]:
    """The strategy's goals, the (goal id, indicator id) pairs of the indicators that
    follow a goal (directly or through a sub-measure), and those indicators in order.

    Four queries.
    """
    goals = list(Goal.objects.filter(strategy=strategy).order_by("order", "number"))
    links = strategy_indicator_links(strategy_id=strategy.pk)
    indicators = list(
        Indicator.objects.filter(pk__in={i for _, i in links}).order_by("order", "slug")
    )
    return goals, links, indicators


def goal_indicator_status(
    *, strategy: Strategy, unit: OrgUnit, period: P.Period, resolver: TargetResolver
) -> list[GoalIndicators]:
    """Per goal: the indicators that follow it (directly or through a sub-measure).

    Each with its value and status for ``unit`` in ``period`` (a reported indicator's
    latest yearly value when it has none in the period). Five queries: goals,
    the two kinds of links, indicators, values. ``resolver`` must know ``unit``.
    """
    goals, links, indicators = strategy_indicators(strategy=strategy)
    found = values_or_latest_survey(
        IndicatorValue.objects.filter(unit=unit, indicator__in=indicators), period=period
    )
    current: dict[int, ValueWithStatus] = {
        item.value.indicator_id: item
        for item in values_with_status(found.values(), resolver=resolver)
    }
    return [
        GoalIndicators(
            goal=goal,
            cells=[
                DashboardCell(
                    indicator=i,
                    current=current.get(i.pk),
                    last_year=None,
                    carried_from=(
                        current[i.pk].value.period
                        if i.pk in current and current[i.pk].value.period != period.label
                        else ""
                    ),
                )
                for i in indicators
                if (goal.pk, i.pk) in links
            ],
        )
        for goal in goals
    ]


def service_area_list(*, units: QuerySet[OrgUnit]) -> list[OrgUnit]:
    """The service areas (tjenesteområder) among ``units``, for the dashboard's filter."""
    return list(units.filter(level=OrgUnit.Level.SERVICE_AREA).order_by("code"))


# --- Unit pages (issue 4) --------------------------------------------------------------

UNIT_TREND_MONTHS = 24
# Indicators with only yearly values (expected_retirement_age) show this many years.
UNIT_TREND_YEARS = 5


@dataclass(frozen=True)
class UnitIndicator:
    """One indicator of a unit page: its recent series, the latest value and a projection."""

    indicator: Indicator
    series: list[ValueWithStatus]  # oldest first, one granularity
    projection: Projection | None  # only for monthly series with a target and a value

    @property
    def latest(self) -> ValueWithStatus | None:
        return self.series[-1] if self.series else None


@dataclass(frozen=True)
class UnitOverview:
    unit: OrgUnit
    ancestors: list[OrgUnit]  # from the root down, without the unit itself
    children: list[OrgUnit]
    indicators: list[UnitIndicator]
    resolver: TargetResolver  # for the unit and its children, to share with the ranking


@dataclass(frozen=True)
class ChildRank:
    """A child unit in the ranking; ``rank`` is None for withheld or missing values."""

    unit: OrgUnit
    value: ValueWithStatus | None
    rank: int | None


def unit_overview(*, unit: OrgUnit, months: int = UNIT_TREND_MONTHS) -> UnitOverview:
    """Every indicator of ``unit`` over its last ``months`` months with values.

    A fixed number of queries whatever the size of the tree or the history: ancestors,
    children, indicators, the latest period, the unit's values, and the resolver's two.
    """
    ancestors = unit_ancestors(unit=unit)
    children = list(OrgUnit.objects.filter(parent=unit).order_by("name", "code"))
    indicators = list(Indicator.objects.order_by("order", "slug"))
    resolver = TargetResolver(unit_ids=[unit.pk, *(child.pk for child in children)])
    # The window ends with the unit's latest month (a year's value ends in December,
    # even while the year is still running).
    latest = IndicatorValue.objects.filter(unit=unit).aggregate(
        month=Max("period_end", filter=Q(granularity=P.MONTH)), any=Max("period_end")
    )
    latest_end = latest["month"] or latest["any"]
    by_indicator: dict[int, dict[str, list[IndicatorValue]]] = defaultdict(
        lambda: defaultdict(list)
    )
    if latest_end is not None:
        window_start = month_start(month_index(latest_end) - months + 1)
        values = IndicatorValue.objects.filter(unit=unit).filter(
            Q(granularity__in=[P.MONTH, P.TERTIAL], period_start__gte=window_start)
            | Q(
                granularity=P.YEAR,
                period_start__gte=dt.date(latest_end.year - UNIT_TREND_YEARS + 1, 1, 1),
            )
        )
        for value in values.order_by("period_start"):
            by_indicator[value.indicator_id][value.granularity].append(value)
    rows = []
    for indicator in indicators:
        series_by_granularity = by_indicator.get(indicator.pk, {})
        granularity = next((g for g in P.FINEST_FIRST if series_by_granularity.get(g)), None)
        series = (
            values_with_status(series_by_granularity[granularity], resolver=resolver)
            if granularity
            else []
        )
        rows.append(
            UnitIndicator(indicator=indicator, series=series, projection=_unit_projection(series))
        )
    return UnitOverview(
        unit=unit, ancestors=ancestors, children=children, indicators=rows, resolver=resolver
    )


def _unit_projection(series: list[ValueWithStatus]) -> Projection | None:
    """The projection of a monthly series whose latest value has a target and a status."""
    latest = series[-1] if series else None
    if latest is None or latest.status == Status.NONE or latest.target is None:
        return None
    if latest.value.granularity != P.MONTH:
        return None
    return project_target(
        [
            (item.value.period_start, item.value.value)
            for item in series
            if item.value.value is not None and not item.value.suppressed
        ],
        comparator=latest.target.comparator,
        target=latest.target.value,
    )


def unit_children_ranking(*, overview: UnitOverview, row: UnitIndicator) -> list[ChildRank]:
    """The children of the unit ranked by ``row``'s indicator in the unit's latest period.

    Best first by the indicator's direction (highest first when it has none); withheld
    values come after the ranked ones, children without a value last. One query.
    """
    latest = row.latest
    if latest is None or not overview.children:
        return []
    stored = IndicatorValue.objects.filter(
        unit__parent=overview.unit,
        indicator=row.indicator,
        granularity=latest.value.granularity,
        period=latest.value.period,
    )
    by_unit = {
        item.value.unit_id: item for item in values_with_status(stored, resolver=overview.resolver)
    }
    ranked = [
        (child, by_unit[child.pk], number)
        for child in overview.children
        if child.pk in by_unit and (number := by_unit[child.pk].value.value) is not None
    ]
    lower_first = row.indicator.direction == Indicator.Direction.LOWER
    ranked.sort(key=lambda item: item[2] if lower_first else -item[2])
    result = [ChildRank(unit=c, value=v, rank=i) for i, (c, v, _n) in enumerate(ranked, start=1)]
    withheld = [c for c in overview.children if c.pk in by_unit and by_unit[c.pk].value.suppressed]
    result += [ChildRank(unit=c, value=by_unit[c.pk], rank=None) for c in withheld]
    ranked_or_withheld = {r.unit.pk for r in result}
    result += [
        ChildRank(unit=c, value=by_unit.get(c.pk), rank=None)
        for c in overview.children
        if c.pk not in ranked_or_withheld
    ]
    return result


# --- "Alt henger sammen": full-time share against sick leave -------------------------

CORRELATION_LEVELS = (OrgUnit.Level.ENTERPRISE, OrgUnit.Level.DEPARTMENT)


@dataclass(frozen=True)
class CorrelationPoint:
    unit: OrgUnit
    full_time_share: float
    sick_leave_pct: float
    headcount: float


@dataclass(frozen=True)
class WorkplaceCorrelation:
    points: list[CorrelationPoint]
    excluded: int  # units left out because a value is withheld (spec: Privacy)
    r: float | None  # Pearson's r; None with too few points

    @property
    def strength(self) -> Strength | None:
        return None if self.r is None else correlation_strength(self.r)


def correlation_periods() -> tuple[list[P.Period], P.Period | None]:
    """Years and tertials with sick-leave values, newest first, and the default one.

    The default is the latest year, or failing that tertial, that has ended by the
    latest month with values; else the newest period there is. Two queries.
    """
    stored = IndicatorValue.objects.filter(indicator__slug="sick_leave_pct")
    labels = (
        stored.filter(granularity__in=[P.YEAR, P.TERTIAL])
        .values_list("period", flat=True)
        .distinct()
    )
    choices = sorted((P.parse(label) for label in labels), key=lambda p: (p.end, p.start))
    choices.reverse()
    last_month_end = stored.filter(granularity=P.MONTH).aggregate(latest=Max("period_end"))[
        "latest"
    ]
    for granularity in (P.YEAR, P.TERTIAL):
        for period in choices:
            if (
                period.granularity == granularity
                and last_month_end
                and period.end <= last_month_end
            ):
                return choices, period
    return choices, choices[0] if choices else None


def workplace_correlation(
    *, user: access.User, period: P.Period, level: str
) -> WorkplaceCorrelation:
    """Full-time share against sick leave for the units at ``level`` that ``user`` may see.

    One query for the values (plus the access gate's). A unit is a point when both
    values are there and shown; units with a withheld value are counted in ``excluded``.
    """
    units = access.indicator_units(user).filter(level=level)
    stored = IndicatorValue.objects.filter(
        indicator__slug__in=["full_time_share", "sick_leave_pct", "headcount"],
        granularity=period.granularity,
        period=period.label,
        unit__in=units,
    ).select_related("unit", "indicator")
    by_unit: dict[int, dict[str, IndicatorValue]] = defaultdict(dict)
    unit_by_id: dict[int, OrgUnit] = {}
    for value in stored:
        by_unit[value.unit_id][value.indicator.slug] = value
        unit_by_id[value.unit_id] = value.unit
    points, excluded = [], 0
    for unit_id, values in by_unit.items():
        share, sick = values.get("full_time_share"), values.get("sick_leave_pct")
        if (share and share.suppressed) or (sick and sick.suppressed):
            excluded += 1
            continue
        if share is None or sick is None or share.value is None or sick.value is None:
            continue
        headcount = values.get("headcount")
        points.append(
            CorrelationPoint(
                unit=unit_by_id[unit_id],
                full_time_share=share.value,
                sick_leave_pct=sick.value,
                headcount=headcount.value if headcount and headcount.value is not None else 0.0,
            )
        )
    points.sort(key=lambda point: (point.unit.name, point.unit.code))
    r = pearson([p.full_time_share for p in points], [p.sick_leave_pct for p in points])
    return WorkplaceCorrelation(points=points, excluded=excluded, r=r)


# The indicator the council report charts per service area and per unit.
REPORT_CHART_INDICATOR = "sick_leave_pct"


# --- The home page («Min side») --------------------------------------------------------


@dataclass(frozen=True)
class HomeFigure:
    """A key indicator of a unit in a tertial: value, target, status."""

    indicator: Indicator
    value: IndicatorValue | None
    target: Target | None
    status: Status


@dataclass(frozen=True)
class HomeUnit:
    """A unit the user leads: key figures, this year's plan, the open round's report."""

    unit: OrgUnit
    figures: list[HomeFigure]
    plan_exists: bool
    plan_actions: int
    report: TertialReport | None  # the open round's report; None: not started


@dataclass(frozen=True)
class LeaderHome:
    units: list[HomeUnit]
    period: P.Period | None  # the tertial the figures are of
    plan_year: int
    round: TertialRound | None


def _assigned_units(user: access.User, role: str) -> list[OrgUnit]:
    """The units ``user`` is assigned to with ``role`` (not the units below), by code."""
    if user.pk is None:
        return []
    return list(
        OrgUnit.objects.filter(
            pk__in=RoleAssignment.objects.filter(user_id=user.pk, role=role).values("unit_id")
        ).order_by("code")
    )


def latest_tertial_with_values() -> P.Period | None:
    """The newest tertial with stored values of the key indicators (two queries)."""
    periods = stored_periods(granularity=P.TERTIAL)
    return periods[0] if periods else None


def home_leader(*, user: access.User, today: dt.date) -> LeaderHome:
    """The units ``user`` leads, each with its key figures against target for the latest
    tertial with values, this year's plan and the open round's report.

    Figures only of the units the gate lets ``user`` see. About ten queries whatever the
    number of units.
    """
    units = _assigned_units(user, RoleAssignment.Role.LEADER)
    round_ = round_open_latest()
    unit_ids = [u.pk for u in units]
    if not units:
        return LeaderHome(units=[], period=None, plan_year=today.year, round=round_)
    period = latest_tertial_with_values()
    visible = access.unit_ids_with_indicators(user, unit_ids)
    figures: dict[int, list[HomeFigure]] = defaultdict(list)
    if period is not None and visible:
        indicators = list(
            Indicator.objects.filter(slug__in=DASHBOARD_INDICATORS).order_by("order", "slug")
        )
        values = {
            (v.unit_id, v.indicator_id): v
            for v in IndicatorValue.objects.filter(
                unit_id__in=visible,
                granularity=period.granularity,
                period=period.label,
                indicator_id__in=[i.pk for i in indicators],
            )
        }
        resolver = TargetResolver(unit_ids=visible)
        for unit in units:
            if unit.pk not in visible:
                continue
            for indicator in indicators:
                target = resolver.resolve(indicator_id=indicator.pk, unit_id=unit.pk, on=period.end)
                if target is None:
                    continue
                value = values.get((unit.pk, indicator.pk))
                status = evaluate_stored(value, target)
                figures[unit.pk].append(HomeFigure(indicator, value, target, status))
    plans = dict(
        ActionPlan.objects.filter(unit_id__in=unit_ids, year=today.year)
        .annotate(n=Count("actions"))
        .values_list("unit_id", "n")
    )
    reports: dict[int, TertialReport] = {}
    if round_ is not None:
        reports = {
            r.unit_id: r
            for r in TertialReport.objects.filter(
                unit_id__in=unit_ids, year=round_.year, tertial=round_.tertial
            )
        }
    return LeaderHome(
        units=[
            HomeUnit(
                unit=unit,
                figures=figures.get(unit.pk, []),
                plan_exists=unit.pk in plans,
                plan_actions=plans.get(unit.pk, 0),
                report=reports.get(unit.pk),
            )
            for unit in units
        ],
        period=period,
        plan_year=today.year,
        round=round_,
    )


@dataclass(frozen=True)
class UnexplainedUnit:
    """A reporting unit that missed targets in a round and has not delivered its report."""

    unit: OrgUnit
    indicators: list[Indicator]  # those it must explain
    report: TertialReport | None  # a draft or a returned report; None: not started


@dataclass(frozen=True)
class HrHome:
    round: TertialRound | None
    total: RoundProgress | None
    areas: list[RoundProgress]
    unexplained: list[UnexplainedUnit]


def units_missed_unexplained(*, year: int, tertial: int) -> list[UnexplainedUnit]:
    """Reporting units without a delivered report whose indicators missed their targets.

    A delivered report cannot lack an explanation (``report_submit`` refuses it), so the
    units that still owe one are those not delivered with an indicator whose status
    requires one (``REPORT_EXPLAIN_STATUSES``). Six queries whatever the size.
    """
    reports = {r.unit_id: r for r in TertialReport.objects.filter(year=year, tertial=tertial)}
    units = [
        u
        for u in reporting_units().order_by("code")
        if not (u.pk in reports and reports[u.pk].delivered)
    ]
    if not units:
        return []
    period = P.tertial(year, tertial)
    indicators = {i.pk: i for i in Indicator.objects.order_by("order", "slug")}
    values = IndicatorValue.objects.filter(
        unit_id__in=[u.pk for u in units],
        granularity=period.granularity,
        period=period.label,
    )
    resolver = TargetResolver(unit_ids=[u.pk for u in units])
    statuses = explained_statuses()
    missed: dict[int, list[Indicator]] = defaultdict(list)
    for value in values:
        target = resolver.resolve(
            indicator_id=value.indicator_id, unit_id=value.unit_id, on=period.end
        )
        status = evaluate_stored(value, target)
        if status in statuses:
            missed[value.unit_id].append(indicators[value.indicator_id])
    order = list(indicators)
    return [
        UnexplainedUnit(
            unit=unit,
            indicators=sorted(missed[unit.pk], key=lambda i: order.index(i.pk)),
            report=reports.get(unit.pk),
        )
        for unit in units
        if missed.get(unit.pk)
    ]


def home_hr() -> HrHome:
    """The open round's progress (total, per service area) and the units that missed
    targets without an explanation yet."""
    round_ = round_open_latest()
    if round_ is None:
        return HrHome(round=None, total=None, areas=[], unexplained=[])
    total, areas = round_progress(year=round_.year, tertial=round_.tertial)
    return HrHome(
        round=round_,
        total=total,
        areas=areas,
        unexplained=units_missed_unexplained(year=round_.year, tertial=round_.tertial),
    )


@dataclass(frozen=True)
class RepresentedPlan:
    unit: OrgUnit
    plan_exists: bool
    plan_actions: int


def home_representative(*, user: access.User, year: int) -> list[RepresentedPlan]:
    """The units ``user`` covers as employee representative, with their plan for ``year``.

    No indicator values: a representative may not see them. Two queries.
    """
    units = _assigned_units(user, RoleAssignment.Role.REPRESENTATIVE)
    plans = dict(
        ActionPlan.objects.filter(unit_id__in=[u.pk for u in units], year=year)
        .annotate(n=Count("actions"))
        .values_list("unit_id", "n")
    )
    return [
        RepresentedPlan(unit=u, plan_exists=u.pk in plans, plan_actions=plans.get(u.pk, 0))
        for u in units
    ]
