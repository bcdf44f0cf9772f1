"""Reads for action plans and tertial reports: pages, lists, coverage and reminders.

Each function costs a fixed number of queries whatever the number of units,
indicators or actions.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Count, Prefetch, Q
from django.utils.formats import date_format
from django.utils.translation import gettext

from goals.models import Goal, GoalItem, Strategy, SubMeasure
from goals.selectors import strategy_get_active
from measures import periods as P
from measures.models import Indicator, IndicatorValue, Target
from measures.selectors import unit_period_values
from measures.status import Status, TargetResolver, evaluate_stored
from org import access
from org.models import OrgUnit, OrgUnitClosure, RoleAssignment

from .models import (
    ACTION_FIELDS,
    Action,
    ActionPlan,
    AreaSummary,
    IndicatorComment,
    ParticipationConfirmation,
    ReportEvent,
    RepresentativeRemark,
    TertialReport,
    TertialRound,
)

# --- The representatives' own voice -----------------------------------------------------


def _confirmations() -> Prefetch:
    """An action's confirmations by representatives, with who confirmed (one query)."""
    return Prefetch(
        "confirmations",
        queryset=ParticipationConfirmation.objects.select_related("user").order_by(
            "confirmed_at", "pk"
        ),
    )


def representative_remarks(
    *, unit: OrgUnit, year: int, tertial: int | None = None
) -> list[RepresentativeRemark]:
    """The representatives' remarks on a plan (``tertial`` None) or a report, oldest first."""
    return list(
        RepresentativeRemark.objects.filter(unit=unit, year=year, tertial=tertial)
        .select_related("author")
        .order_by("created_at", "pk")
    )


@dataclass(frozen=True)
class UnitParticipation:
    """Whether the employee representatives took part in a unit's plan for a year.

    ``confirmed_actions``: the plan's actions a representative confirmed;
    ``remarks``: the representatives' remarks on the plan (not on tertial reports);
    ``checked_actions``: actions whose leader ticked «representatives took part».
    """

    unit_id: int
    has_plan: bool
    action_count: int
    confirmed_actions: int
    remarks: int
    checked_actions: int

    @property
    def took_part(self) -> bool:
        """A representative confirmed an action or remarked (the leader's tick alone is not)."""
        return self.has_plan and (self.confirmed_actions > 0 or self.remarks > 0)


def representative_participation(
    *, units: Iterable[OrgUnit | int], year: int
) -> dict[int, UnitParticipation]:
    """Per unit (by id): did the representatives take part in its plan for ``year``?

    The contract, for the council report and HR's overview:

    - Every unit given is a key, also one without a plan (``has_plan`` False,
      ``took_part`` False). A unit's own plan only: a unit above does not inherit the
      confirmations of the units below it.
    - «Its plan for the year» is the unit's action plan of ``year`` under the *active*
      strategy; with no active strategy no unit has a plan.
    - ``took_part`` is True when a representative (anyone then holding the confirmation
      or remark; the services let only the unit's representatives write them) has
      confirmed at least one of the plan's actions, or written at least one remark on the
      plan of the year. Remarks on the year's tertial reports do not count here, and
      neither does the leader's «representatives took part» checkbox (counted apart,
      ``checked_actions``, for comparison).
    - No access check: the caller decides who may see the answer (it holds no indicator
      value, only counts of actions and remarks). Four queries whatever the number of units.

    ``representative_participation_share`` turns the answer into the share of units.
    """
    unit_ids = sorted({u if isinstance(u, int) else u.pk for u in units})
    strategy = strategy_get_active()
    plans: dict[int, Any] = {}
    remark_counts: dict[int, int] = {}
    if strategy is not None and unit_ids:
        plans = {
            row["unit_id"]: row
            for row in ActionPlan.objects.filter(strategy=strategy, year=year, unit_id__in=unit_ids)
            .annotate(
                action_count=Count("actions", distinct=True),
                confirmed=Count(
                    "actions", filter=Q(actions__confirmations__isnull=False), distinct=True
                ),
                checked=Count(
                    "actions",
                    filter=Q(actions__representatives_took_part=True),
                    distinct=True,
                ),
            )
            .values("unit_id", "action_count", "confirmed", "checked")
        }
        remark_counts = dict(
            RepresentativeRemark.objects.filter(
                unit_id__in=list(plans), year=year, tertial__isnull=True
            )
            .values("unit_id")
            .annotate(n=Count("pk"))
            .values_list("unit_id", "n")
        )
    result = {}
    for unit_id in unit_ids:
        plan = plans.get(unit_id)
        result[unit_id] = UnitParticipation(
            unit_id=unit_id,
            has_plan=plan is not None,
            action_count=plan["action_count"] if plan else 0,
            confirmed_actions=plan["confirmed"] if plan else 0,
            remarks=remark_counts.get(unit_id, 0),
            checked_actions=plan["checked"] if plan else 0,
        )
    return result


@dataclass(frozen=True)
class ParticipationShare:
    """Of the units with a plan, how many the representatives took part in."""

    took_part: int
    with_plan: int

    @property
    def share(self) -> float | None:
        """``took_part / with_plan`` (0–1); None when no unit has a plan (no share to state)."""
        return self.took_part / self.with_plan if self.with_plan else None


def representative_participation_share(
    participation: Mapping[int, UnitParticipation],
) -> ParticipationShare:
    """The share of units whose plan the representatives took part in.

    The denominator is the units *with a plan for the year* (a unit without a plan is
    left out, not counted as a «no»); the numerator those of them with ``took_part``.
    Pass the answer of ``representative_participation`` for the units in question.
    """
    with_plan = [p for p in participation.values() if p.has_plan]
    return ParticipationShare(
        took_part=sum(1 for p in with_plan if p.took_part), with_plan=len(with_plan)
    )


# --- Action plans -----------------------------------------------------------------------

# KS's employer policy: its reflection questions are shown as general prompts on every plan.
KS_STRATEGY_SLUG = "ks-arbeidsgiverpolitikk"


@dataclass
class PlanListRow:
    unit: OrgUnit
    plan: ActionPlan | None
    action_count: int
    # Whether the employee representatives took part (confirmations, remarks, tick).
    participation: "UnitParticipation"


# The plan list's filter on the representatives' participation.
REPRESENTATIVES_TOOK_PART = "ja"
REPRESENTATIVES_DID_NOT = "nei"


def plan_list_rows(*, user: access.User, year: int, representatives: str = "") -> list[PlanListRow]:
    """The units whose plans ``user`` may read, with their plan for ``year`` (six queries).

    ``representatives``: ``REPRESENTATIVES_TOOK_PART`` keeps the units with a plan the
    representatives took part in, ``REPRESENTATIVES_DID_NOT`` those with a plan they did
    not; anything else keeps every unit.
    """
    units = list(access.plan_units(user).order_by("code"))
    strategy = strategy_get_active()
    plans: dict[int, ActionPlan] = {}
    if strategy is not None and units:
        plans = {
            plan.unit_id: plan
            for plan in ActionPlan.objects.filter(
                strategy=strategy, year=year, unit__in=[unit.pk for unit in units]
            )
        }
    participation = representative_participation(units=units, year=year)
    rows = [
        PlanListRow(
            unit=unit,
            plan=plans.get(unit.pk),
            action_count=participation[unit.pk].action_count,
            participation=participation[unit.pk],
        )
        for unit in units
    ]
    if representatives == REPRESENTATIVES_TOOK_PART:
        rows = [row for row in rows if row.participation.took_part]
    elif representatives == REPRESENTATIVES_DID_NOT:
        rows = [row for row in rows if row.plan and not row.participation.took_part]
    return rows


@dataclass
class GoalSection:
    """One goal on the plan page: its actions and the prompts for writing new ones."""

    goal: Goal
    actions: list[Action]
    leaders_shall: list[GoalItem]
    reflection_questions: list[GoalItem]


@dataclass
class PlanPage:
    unit: OrgUnit
    year: int
    strategy: Strategy | None
    plan: ActionPlan | None
    sections: list[GoalSection]
    # KS's goals («grep») with their reflection questions, as general prompts.
    ks_questions: list[tuple[Goal, list[GoalItem]]]
    # Unfinished actions of last year's plan not yet copied into this one.
    copyable_count: int
    # The employee representatives' remarks on the plan of the year.
    remarks: list[RepresentativeRemark] = field(default_factory=list)


def plan_page(*, unit: OrgUnit, year: int) -> PlanPage:
    """The unit's plan for ``year`` under the active strategy, actions grouped by goal.

    A fixed number of queries whatever the number of goals and actions.
    """
    strategy = strategy_get_active()
    if strategy is None:
        return PlanPage(unit, year, None, None, [], [], 0)
    prompt_kinds = [GoalItem.Kind.LEADERS_SHALL, GoalItem.Kind.REFLECTION_QUESTION]
    goals = list(
        Goal.objects.filter(strategy=strategy)
        .prefetch_related(
            Prefetch(
                "items",
                queryset=GoalItem.objects.filter(kind__in=prompt_kinds).order_by("order"),
            )
        )
        .order_by("order", "number")
    )
    plan = ActionPlan.objects.filter(unit=unit, strategy=strategy, year=year).first()
    by_goal: dict[int, list[Action]] = {}
    if plan is not None:
        for action in (
            Action.objects.filter(plan=plan)
            .select_related("sub_measure")
            .prefetch_related(_confirmations())
            .order_by("goal_id", "deadline", "pk")
        ):
            by_goal.setdefault(action.goal_id, []).append(action)
    sections = [
        GoalSection(
            goal=goal,
            actions=by_goal.get(goal.pk, []),
            leaders_shall=[i for i in goal.items.all() if i.kind == GoalItem.Kind.LEADERS_SHALL],
            reflection_questions=[
                i for i in goal.items.all() if i.kind == GoalItem.Kind.REFLECTION_QUESTION
            ],
        )
        for goal in goals
    ]
    ks_questions: list[tuple[Goal, list[GoalItem]]] = []
    if strategy.slug != KS_STRATEGY_SLUG:
        ks_goals = (
            Goal.objects.filter(strategy__slug=KS_STRATEGY_SLUG)
            .prefetch_related(
                Prefetch(
                    "items",
                    queryset=GoalItem.objects.filter(
                        kind=GoalItem.Kind.REFLECTION_QUESTION
                    ).order_by("order"),
                )
            )
            .order_by("order", "number")
        )
        ks_questions = [(goal, list(goal.items.all())) for goal in ks_goals]
        ks_questions = [(goal, items) for goal, items in ks_questions if items]
    copyable = Action.objects.filter(
        plan__unit=unit, plan__strategy=strategy, plan__year=year - 1
    ).exclude(status=Action.Status.DONE)
    if plan is not None:
        copyable = copyable.exclude(
            pk__in=Action.objects.filter(plan=plan, copied_from__isnull=False).values("copied_from")
        )
    return PlanPage(
        unit,
        year,
        strategy,
        plan,
        sections,
        ks_questions,
        copyable.count(),
        representative_remarks(unit=unit, year=year),
    )


def plan_find(*, unit: OrgUnit, year: int, strategy: Strategy) -> ActionPlan | None:
    """The unit's plan for ``year`` under ``strategy``; None when it has none."""
    return ActionPlan.objects.filter(unit=unit, strategy=strategy, year=year).first()


def plan_action_get(*, plan: ActionPlan, pk: int) -> Action:
    """An action of ``plan`` (``Action.DoesNotExist`` for another plan's action)."""
    return Action.objects.select_related("plan__unit", "goal", "sub_measure").get(plan=plan, pk=pk)


@dataclass
class FieldChange:
    field: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    when: dt.datetime
    who: str
    kind: str  # "+" created, "~" changed, "-" deleted
    what: str  # the plan, or the action's title
    changes: list[FieldChange]


def _display(field: models.Field, value: Any, names: dict[str, dict[int, str]]) -> str:
    if value is None or value == "":
        return "–"
    if field.name in names:
        return names[field.name].get(value, str(value))
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, dt.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def _concrete(model: type[models.Model], name: str) -> models.Field:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)  # noqa: S101 - a column, not a relation
    return field


def plan_history(*, plan: ActionPlan) -> list[HistoryEntry]:
    """Who changed what in the plan and its actions (also deleted ones), newest first.

    Consecutive records of one action are compared field by field in Python: a fixed
    number of queries however long the history.
    """
    records = list(
        Action.history.filter(plan_id=plan.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    names = {
        "goal": dict(Goal.objects.filter(strategy_id=plan.strategy_id).values_list("pk", "title")),
        "sub_measure": dict(
            SubMeasure.objects.filter(goal__strategy_id=plan.strategy_id).values_list("pk", "title")
        ),
    }
    fields = [_concrete(Action, name) for name in ACTION_FIELDS]
    entries = []
    previous = None
    for record in records:
        if previous is not None and previous.id != record.id:
            previous = None
        changes = []
        for model_field in fields:
            new = getattr(record, model_field.attname)
            old: Any = getattr(previous, model_field.attname) if previous is not None else None
            if record.history_type == "-":
                continue
            if previous is None and new in (None, "", False):
                continue
            if previous is None or old != new:
                changes.append(
                    FieldChange(
                        field=str(model_field.verbose_name),
                        old=_display(model_field, old, names) if previous is not None else "",
                        new=_display(model_field, new, names),
                    )
                )
        if record.history_type != "~" or changes:
            entries.append(_entry(record, record.title, changes))
        previous = record
    for record in ActionPlan.history.filter(id=plan.pk).select_related("history_user"):
        if record.history_type == "+":
            entries.append(_entry(record, str(plan), []))
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


def _entry(record: Any, what: str, changes: list[FieldChange]) -> HistoryEntry:
    user = record.history_user
    return HistoryEntry(
        when=record.history_date,
        who=user.get_username() if user is not None else gettext("system"),
        kind=record.history_type,
        what=what,
        changes=changes,
    )


# --- Tertial reports ------------------------------------------------------------------------


def report_find(*, unit: OrgUnit, year: int, tertial: int) -> TertialReport | None:
    """The unit's report of the tertial, with who submitted it; None when not started."""
    return (
        TertialReport.objects.select_related("submitted_by")
        .filter(unit=unit, year=year, tertial=tertial)
        .first()
    )


@dataclass(frozen=True)
class ReportIndicator:
    """An indicator with a target for the unit, its stored tertial value, the comment.

    ``action_ids`` and ``no_action_reason``: what the leader does about it (the
    explanation a missed target requires, ``explanation_required``).
    """

    indicator: Indicator
    target: Target
    value: IndicatorValue | None
    status: Status
    comment: str
    action_ids: frozenset[int] = frozenset()
    no_action_reason: str = ""

    @property
    def explanation_required(self) -> bool:
        return self.status in explained_statuses()


def report_indicators(
    *,
    unit: OrgUnit,
    year: int,
    tertial: int,
    report: TertialReport | None,
    with_values: bool = True,
) -> list[ReportIndicator]:
    """Every indicator with a target for ``unit`` at the tertial's end, in order.

    The value is the stored tertial value (``YYYY-Tn``); a suppressed value stays
    suppressed. ``with_values`` False (a reader who may not see the unit's
    indicators, such as a representative) reads no value: every row has none.
    Five queries: the resolver's two, indicators, values, comments.
    """
    period = P.tertial(year, tertial)
    resolver = TargetResolver(unit_ids=[unit.pk])
    indicators = list(Indicator.objects.order_by("order", "slug"))
    targets = {
        i.pk: t
        for i in indicators
        if (t := resolver.resolve(indicator_id=i.pk, unit_id=unit.pk, on=period.end))
    }
    values = (
        unit_period_values(unit=unit, period=period, indicator_ids=targets) if with_values else {}
    )
    comments: dict[int, IndicatorComment] = {}
    if report is not None:
        comments = {c.indicator_id: c for c in report.comments.prefetch_related("actions")}
    rows = []
    for indicator in indicators:
        target = targets.get(indicator.pk)
        if target is None:
            continue
        value = values.get(indicator.pk)
        status = evaluate_stored(value, target)
        comment = comments.get(indicator.pk)
        rows.append(
            ReportIndicator(
                indicator=indicator,
                target=target,
                value=value,
                status=status,
                comment=comment.text if comment else "",
                action_ids=frozenset(a.pk for a in comment.actions.all())
                if comment
                else frozenset(),
                no_action_reason=comment.no_action_reason if comment else "",
            )
        )
    return rows


def explained_statuses() -> frozenset[Status]:
    """The statuses whose indicators a report must explain (``REPORT_EXPLAIN_STATUSES``)."""
    return frozenset(Status(s) for s in settings.REPORT_EXPLAIN_STATUSES)


# What an indicator that must be explained lacks (the keys of ``report_unexplained``).
LACKS_COMMENT = "comment"
LACKS_ACTION = "action"


def report_unexplained(rows: list[ReportIndicator]) -> dict[int, list[str]]:
    """Per indicator that must be explained and is not: what it lacks.

    A missed target (or near, by ``REPORT_EXPLAIN_STATUSES``) needs a comment, and at
    least one action of the unit's plan or a reason why there is none.
    """
    lacking: dict[int, list[str]] = {}
    for row in rows:
        if not row.explanation_required:
            continue
        problems = []
        if not row.comment.strip():
            problems.append(LACKS_COMMENT)
        if not row.action_ids and not row.no_action_reason.strip():
            problems.append(LACKS_ACTION)
        if problems:
            lacking[row.indicator.pk] = problems
    return lacking


def plan_actions_for_report(*, unit: OrgUnit, year: int) -> tuple[bool, list[Action]]:
    """Whether the unit has an action plan for ``year``, and its actions (two queries)."""
    has_plan = ActionPlan.objects.filter(unit=unit, year=year).exists()
    actions = list(
        Action.objects.filter(plan__unit=unit, plan__year=year)
        .select_related("goal")
        .prefetch_related(_confirmations())
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
                year=year, tertial=tertial, state__in=TertialReport.DELIVERED
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


# --- Rounds ------------------------------------------------------------------------------


def round_find(*, year: int, tertial: int) -> TertialRound | None:
    """The round of the tertial, when it has been opened (one query)."""
    return TertialRound.objects.filter(year=year, tertial=tertial).first()


def round_open_latest() -> TertialRound | None:
    """The latest open round, the one leaders are asked to report in (one query)."""
    return (
        TertialRound.objects.filter(state=TertialRound.State.OPEN)
        .order_by("-year", "-tertial")
        .first()
    )


def round_list() -> list[TertialRound]:
    """Every round, the latest first (one query)."""
    return list(TertialRound.objects.select_related("opened_by", "closed_by"))


def reporting_units() -> models.QuerySet[OrgUnit]:
    """The units that report in a round: those with an assigned leader."""
    return OrgUnit.objects.filter(
        pk__in=RoleAssignment.objects.filter(role=RoleAssignment.Role.LEADER).values("unit_id")
    )


@dataclass
class RoundProgress:
    """How far a round has come among some units: submitted (or approved), drafts, none."""

    unit: OrgUnit | None  # the service area; None for the whole municipality
    units: int = 0
    delivered: int = 0
    approved: int = 0
    drafts: int = 0  # started, or returned to the leader

    @property
    def not_started(self) -> int:
        return self.units - self.delivered - self.drafts


def round_progress(*, year: int, tertial: int) -> tuple[RoundProgress, list[RoundProgress]]:
    """The round's progress in the whole municipality and per service area (3 queries).

    A reporting unit counts in the service area above it (or that it is); a unit above
    the service areas counts only in the total.
    """
    units = list(reporting_units().order_by("code"))
    states = dict(
        TertialReport.objects.filter(
            year=year, tertial=tertial, unit_id__in=[u.pk for u in units]
        ).values_list("unit_id", "state")
    )
    areas = {
        row.descendant_id: row.ancestor
        for row in OrgUnitClosure.objects.filter(
            descendant_id__in=[u.pk for u in units],
            ancestor__level=OrgUnit.Level.SERVICE_AREA,
        ).select_related("ancestor")
    }
    total = RoundProgress(unit=None)
    by_area: dict[int, RoundProgress] = {}
    for unit in units:
        area = areas.get(unit.pk)
        counters = [total]
        if area is not None:
            counters.append(by_area.setdefault(area.pk, RoundProgress(unit=area)))
        state = states.get(unit.pk)
        for progress in counters:
            progress.units += 1
            if state in TertialReport.DELIVERED:
                progress.delivered += 1
            if state == TertialReport.State.APPROVED:
                progress.approved += 1
            if state in TertialReport.EDITABLE:
                progress.drafts += 1
    return total, sorted(by_area.values(), key=lambda p: p.unit.name if p.unit else "")


def leaders_above(*, unit: OrgUnit) -> list[Any]:
    """The active leaders of the nearest unit above ``unit`` that has any (one query).

    They review the unit's reports and are told when one is submitted or overdue.
    """
    rows = (
        RoleAssignment.objects.filter(
            role=RoleAssignment.Role.LEADER,
            user__is_active=True,
            unit_id__in=OrgUnitClosure.objects.filter(descendant=unit, depth__gt=0).values(
                "ancestor_id"
            ),
        )
        .annotate(
            depth=models.Subquery(
                OrgUnitClosure.objects.filter(
                    descendant=unit, ancestor_id=models.OuterRef("unit_id")
                ).values("depth")[:1]
            )
        )
        .select_related("user")
        .order_by("depth", "user__username")
    )
    nearest: int | None = None
    users = []
    for row in rows:
        if nearest is None:
            nearest = row.depth
        if row.depth != nearest:
            break
        users.append(row.user)
    return users


def unit_leaders(*, unit: OrgUnit) -> list[Any]:
    """The active users assigned as leaders of ``unit`` itself (one query)."""
    return [
        row.user
        for row in RoleAssignment.objects.filter(
            unit=unit, role=RoleAssignment.Role.LEADER, user__is_active=True
        )
        .select_related("user")
        .order_by("user__username")
    ]


# --- Review up the tree --------------------------------------------------------------------


@dataclass
class ReviewRow:
    """A reporting unit below the reviewed unit: its report (if started), and the
    indicators it missed or commented on (``missed``)."""

    unit: OrgUnit
    report: TertialReport | None
    missed: list[ReportIndicator] = field(default_factory=list)
    events: list[ReportEvent] = field(default_factory=list)
    prioritised: list[Action] = field(default_factory=list)
    action_titles: dict[int, str] = field(default_factory=dict)


@dataclass
class ReviewPage:
    unit: OrgUnit
    year: int
    tertial: int
    rows: list[ReviewRow]
    summary: AreaSummary | None
    round: TertialRound | None


def review_page(*, unit: OrgUnit, year: int, tertial: int) -> ReviewPage:
    """The reports of every reporting unit strictly below ``unit`` for the tertial.

    Each row holds the report (with its comments, chosen actions and event log) and the
    indicators whose status must be explained (missed, or as configured) or that the
    leader commented on, with value and target. A fixed number of queries whatever the
    size of the tree.
    """
    period = P.tertial(year, tertial)
    units = list(
        reporting_units()
        .filter(
            pk__in=OrgUnitClosure.objects.filter(ancestor=unit, depth__gt=0).values("descendant_id")
        )
        .order_by("code")
    )
    unit_ids = [u.pk for u in units]
    reports = {
        r.unit_id: r
        for r in TertialReport.objects.filter(year=year, tertial=tertial, unit_id__in=unit_ids)
        .select_related("submitted_by", "reviewed_by")
        .prefetch_related(
            Prefetch("comments", queryset=IndicatorComment.objects.prefetch_related("actions")),
            Prefetch(
                "events",
                queryset=ReportEvent.objects.select_related("by").order_by("at", "pk"),
            ),
            Prefetch("prioritised_actions", queryset=Action.objects.order_by("pk")),
        )
    }
    indicators = list(Indicator.objects.order_by("order", "slug"))
    resolver = TargetResolver(unit_ids=unit_ids)
    values: dict[tuple[int, int], IndicatorValue] = {
        (v.unit_id, v.indicator_id): v
        for v in IndicatorValue.objects.filter(
            unit_id__in=unit_ids, granularity=period.granularity, period=period.label
        )
    }
    explain = explained_statuses()
    rows = []
    for member in units:
        report = reports.get(member.pk)
        comments = {c.indicator_id: c for c in report.comments.all()} if report else {}
        row = ReviewRow(unit=member, report=report)
        if report is not None:
            row.events = list(report.events.all())
            row.prioritised = list(report.prioritised_actions.all())
        for indicator in indicators:
            target = resolver.resolve(indicator_id=indicator.pk, unit_id=member.pk, on=period.end)
            if target is None:
                continue
            value = values.get((member.pk, indicator.pk))
            status = evaluate_stored(value, target)
            comment = comments.get(indicator.pk)
            if status not in explain and comment is None:
                continue
            chosen = list(comment.actions.all()) if comment else []
            row.action_titles.update({a.pk: a.title for a in chosen})
            row.missed.append(
                ReportIndicator(
                    indicator=indicator,
                    target=target,
                    value=value,
                    status=status,
                    comment=comment.text if comment else "",
                    action_ids=frozenset(a.pk for a in chosen),
                    no_action_reason=comment.no_action_reason if comment else "",
                )
            )
        rows.append(row)
    summary = AreaSummary.objects.filter(unit=unit, year=year, tertial=tertial).first()
    return ReviewPage(
        unit=unit,
        year=year,
        tertial=tertial,
        rows=rows,
        summary=summary,
        round=round_find(year=year, tertial=tertial),
    )


def reviewed_units(*, user: access.User) -> list[OrgUnit]:
    """The units whose subtree ``user`` reviews: those they are assigned to lead that have
    a reporting unit below (HR: every unit with one). One query (plus the HR check)."""
    below = OrgUnitClosure.objects.filter(
        depth__gt=0, descendant_id__in=reporting_units().values("pk")
    ).values("ancestor_id")
    units = OrgUnit.objects.filter(pk__in=below)
    if not access.is_hr(user):
        led = RoleAssignment.objects.filter(
            user_id=getattr(user, "id", None) or 0, role=RoleAssignment.Role.LEADER
        )
        units = units.filter(pk__in=led.values("unit_id"))
    return list(units.order_by("code"))


def is_below(*, unit: OrgUnit, ancestor: OrgUnit) -> bool:
    """Whether ``unit`` is strictly below ``ancestor`` (one query)."""
    return OrgUnitClosure.objects.filter(ancestor=ancestor, descendant=unit, depth__gt=0).exists()
