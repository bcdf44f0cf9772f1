"""Reads for tertial reports: the report page, the lists, the dashboard's coverage.

Each function costs a fixed number of queries whatever the number of units,
indicators or actions.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from measures import periods as P
from measures.models import Indicator, IndicatorValue, Target
from measures.status import Status, TargetResolver, evaluate

from . import access
from .models import Action, ActionPlan, OrgUnit, RoleAssignment, TertialReport


def report_find(*, unit: OrgUnit, year: int, tertial: int) -> TertialReport | None:
    """The unit's report of the tertial, with who submitted it; None when not started."""
    return (
        TertialReport.objects.select_related("submitted_by")
        .filter(unit=unit, year=year, tertial=tertial)
        .first()
    )


@dataclass(frozen=True)
class ReportIndicator:
    """An indicator with a target for the unit, its stored tertial value, the comment."""

    indicator: Indicator
    target: Target
    value: IndicatorValue | None
    status: Status
    comment: str


def report_indicators(
    *, unit: OrgUnit, year: int, tertial: int, report: TertialReport | None
) -> list[ReportIndicator]:
    """Every indicator with a target for ``unit`` at the tertial's end, in order.

    The value is the stored tertial value (``YYYY-Tn``); a suppressed value stays
    suppressed. Five queries: the resolver's two, indicators, values, comments.
    """
    period = P.tertial(year, tertial)
    resolver = TargetResolver(unit_ids=[unit.pk])
    indicators = list(Indicator.objects.order_by("order", "slug"))
    targets = {
        i.pk: t
        for i in indicators
        if (t := resolver.resolve(indicator_id=i.pk, unit_id=unit.pk, on=period.end))
    }
    values = {
        v.indicator_id: v
        for v in IndicatorValue.objects.filter(
            unit=unit,
            granularity=P.TERTIAL,
            period=period.label,
            indicator_id__in=list(targets),
        )
    }
    comments: dict[int, str] = {}
    if report is not None:
        comments = dict(report.comments.values_list("indicator_id", "text"))
    rows = []
    for indicator in indicators:
        target = targets.get(indicator.pk)
        if target is None:
            continue
        value = values.get(indicator.pk)
        status = evaluate(
            value.value if value else None,
            suppressed=bool(value and value.suppressed),
            target=target,
        )
        rows.append(
            ReportIndicator(
                indicator=indicator,
                target=target,
                value=value,
                status=status,
                comment=comments.get(indicator.pk, ""),
            )
        )
    return rows


def plan_actions_for_report(*, unit: OrgUnit, year: int) -> tuple[bool, list[Action]]:
    """Whether the unit has an action plan for ``year``, and its actions (two queries)."""
    has_plan = ActionPlan.objects.filter(unit=unit, year=year).exists()
    actions = list(
        Action.objects.filter(plan__unit=unit, plan__year=year)
        .select_related("goal")
        .order_by("goal__order", "goal__number", "pk")
    )
    return has_plan, actions


# --- Lists -------------------------------------------------------------------------------


@dataclass
class ReportListRow:
    unit: OrgUnit
    # (year, tertial) → the report, when started
    reports: dict[tuple[int, int], TertialReport] = field(default_factory=dict)


def report_list_for_user(
    *, user: access.User, tertials: list[tuple[int, int]]
) -> list[ReportListRow]:
    """The units whose reports ``user`` may read and that report, with their reports.

    A unit reports when it has a leader; a leader's or representative's own units are
    listed too. Two queries (plus the access gate's).
    """
    units = (
        access.plan_units(user)
        .filter(
            Q(assignments__role=RoleAssignment.Role.LEADER)
            | Q(assignments__user_id=getattr(user, "pk", None))
        )
        .distinct()
        .order_by("code")
    )
    rows = {unit.pk: ReportListRow(unit=unit) for unit in units}
    wanted = Q(pk__in=[])
    for year, tertial in tertials:
        wanted |= Q(year=year, tertial=tertial)
    for report in TertialReport.objects.filter(wanted, unit_id__in=list(rows)):
        rows[report.unit_id].reports[(report.year, report.tertial)] = report
    return list(rows.values())


@dataclass(frozen=True)
class MissingReport:
    unit: OrgUnit
    leaders: list[str]
    report: TertialReport | None  # a draft, or None when not started


def missing_report_list(*, year: int, tertial: int) -> list[MissingReport]:
    """Units with an assigned leader but no submitted report for the tertial (3 queries)."""
    assignments = (
        RoleAssignment.objects.filter(role=RoleAssignment.Role.LEADER)
        .exclude(
            unit_id__in=TertialReport.objects.filter(
                year=year, tertial=tertial, state=TertialReport.State.SUBMITTED
            ).values("unit_id")
        )
        .select_related("unit", "user")
        .order_by("unit__code", "user__username")
    )
    leaders: dict[int, list[str]] = defaultdict(list)
    units: dict[int, OrgUnit] = {}
    for assignment in assignments:
        units[assignment.unit_id] = assignment.unit
        name = assignment.user.get_full_name() or assignment.user.get_username()
        leaders[assignment.unit_id].append(name)
    drafts = {
        r.unit_id: r
        for r in TertialReport.objects.filter(year=year, tertial=tertial, unit_id__in=list(units))
    }
    return [
        MissingReport(unit=unit, leaders=leaders[pk], report=drafts.get(pk))
        for pk, unit in units.items()
    ]


# --- Dashboard coverage ------------------------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    has_plan: bool
    report_state: str | None  # TertialReport.State, None when not started


def plan_coverage(
    *, unit_ids: list[int], plan_year: int, year: int, tertial: int
) -> dict[int, Coverage]:
    """Per unit: an action plan with actions for ``plan_year``, the tertial report's state.

    Two queries whatever the number of units.
    """
    with_plan = set(
        Action.objects.filter(plan__unit_id__in=unit_ids, plan__year=plan_year)
        .values_list("plan__unit_id", flat=True)
        .distinct()
    )
    states = dict(
        TertialReport.objects.filter(unit_id__in=unit_ids, year=year, tertial=tertial).values_list(
            "unit_id", "state"
        )
    )
    return {pk: Coverage(has_plan=pk in with_plan, report_state=states.get(pk)) for pk in unit_ids}


# --- Reminders ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminder:
    """One leader with an e-mail address and the units of theirs still without a report."""

    email: str
    name: str
    units: list[OrgUnit]
    year: int
    tertial: int


def reminder_list(*, year: int, tertial: int) -> list[Reminder]:
    """Active leaders with an e-mail address whose assigned units lack a submitted report.

    One query; a leader of several such units is one reminder listing them all.
    """
    assignments = (
        RoleAssignment.objects.filter(
            role=RoleAssignment.Role.LEADER, user__is_active=True, user__email__gt=""
        )
        .exclude(
            unit_id__in=TertialReport.objects.filter(
                year=year, tertial=tertial, state=TertialReport.State.SUBMITTED
            ).values("unit_id")
        )
        .select_related("unit", "user")
        .order_by("user__username", "unit__code")
    )
    by_user: dict[int, list[RoleAssignment]] = defaultdict(list)
    for assignment in assignments:
        by_user[assignment.user_id].append(assignment)
    return [
        Reminder(
            email=rows[0].user.email,
            name=rows[0].user.get_full_name() or rows[0].user.get_username(),
            units=[row.unit for row in rows],
            year=year,
            tertial=tertial,
        )
        for rows in by_user.values()
    ]
