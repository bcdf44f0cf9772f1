"""Reads for action plans and tertial reports: pages, lists, coverage and reminders.

Each function costs a fixed number of queries whatever the number of units,
indicators or actions.
"""

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Count, Max, Prefetch, Q
from django.utils import timezone
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
    ACTION_HISTORY,
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


@dataclass(frozen=True)
class PlanIndicator:
    """An indicator of a goal with the unit's latest stored value, its target and status.

    ``value`` is None when the reader may not see the unit's figures, or there is none.
    """

    indicator: Indicator
    value: IndicatorValue | None
    target: Target | None
    status: Status

    @property
    def period(self) -> P.Period | None:
        return P.parse(self.value.period) if self.value is not None else None


@dataclass
class GoalSection:
    """One goal on the plan page: its actions and the prompts for writing new ones.

    ``indicators``: the indicators that follow the goal, with the unit's figures, so
    that the leader plans with them in view.
    """

    goal: Goal
    actions: list[Action]
    leaders_shall: list[GoalItem]
    reflection_questions: list[GoalItem]
    indicators: list[PlanIndicator] = field(default_factory=list)


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


def strategy_indicator_links(*, strategy_id: int) -> set[tuple[int, int]]:
    """(goal id, indicator id) of every indicator that follows a goal of the strategy.

    Directly, or through one of the goal's sub-measures. Two queries.
    """
    links = set(
        Indicator.goals.through.objects.filter(goal__strategy_id=strategy_id).values_list(
            "goal_id", "indicator_id"
        )
    )
    links |= set(
        Indicator.sub_measures.through.objects.filter(
            submeasure__goal__strategy_id=strategy_id
        ).values_list("submeasure__goal_id", "indicator_id")
    )
    return links


def strategy_indicators(*, strategy_id: int) -> list[Indicator]:
    """The indicators that follow a goal of the strategy, in order (what actions may name)."""
    ids = {i for _goal, i in strategy_indicator_links(strategy_id=strategy_id)}
    return list(Indicator.objects.filter(pk__in=ids).order_by("order", "slug"))


def unit_latest_values(*, unit: OrgUnit, indicator_ids: Iterable[int]) -> dict[int, IndicatorValue]:
    """Per indicator, the unit's latest stored value of the finest granularity it has.

    A suppressed value stays suppressed (the latest period is not skipped for an
    earlier shown one). Two queries.
    """
    ids = list(indicator_ids)
    if not ids:
        return {}
    latest = (
        IndicatorValue.objects.filter(unit=unit, indicator_id__in=ids)
        .values("indicator_id", "granularity")
        .annotate(start=Max("period_start"))
    )
    chosen: dict[int, tuple[str, dt.date]] = {}
    for row in latest:
        current = chosen.get(row["indicator_id"])
        rank = P.FINEST_FIRST.index(row["granularity"])
        if current is None or rank < P.FINEST_FIRST.index(current[0]):
            chosen[row["indicator_id"]] = (row["granularity"], row["start"])
    if not chosen:
        return {}
    wanted = Q(pk__in=[])
    for indicator_id, (granularity, start) in chosen.items():
        wanted |= Q(indicator_id=indicator_id, granularity=granularity, period_start=start)
    return {v.indicator_id: v for v in IndicatorValue.objects.filter(wanted, unit=unit)}


def _plan_indicators(
    *, unit: OrgUnit, strategy: Strategy, with_values: bool
) -> tuple[set[tuple[int, int]], list[PlanIndicator]]:
    """The strategy's goal links, and its indicators with the unit's figures.

    ``with_values`` False (a reader who may not see the unit's figures, such as a
    representative) reads no value: each indicator has its target only.
    """
    links = strategy_indicator_links(strategy_id=strategy.pk)
    indicators = list(
        Indicator.objects.filter(pk__in={i for _g, i in links}).order_by("order", "slug")
    )
    values = (
        unit_latest_values(unit=unit, indicator_ids=[i.pk for i in indicators])
        if with_values
        else {}
    )
    resolver = TargetResolver(unit_ids=[unit.pk])
    today = timezone.localdate()
    rows = []
    for indicator in indicators:
        value = values.get(indicator.pk)
        on = value.period_end if value is not None else today
        target = resolver.resolve(indicator_id=indicator.pk, unit_id=unit.pk, on=on)
        rows.append(
            PlanIndicator(
                indicator=indicator,
                value=value,
                target=target,
                status=evaluate_stored(value, target),
            )
        )
    return links, rows


def plan_page(*, unit: OrgUnit, year: int, with_values: bool = False) -> PlanPage:
    """The unit's plan for ``year`` under the active strategy, actions grouped by goal.

    Each goal comes with the indicators that follow it; ``with_values`` reads the
    unit's latest stored figures for them (only for readers who may see them,
    ``access.can_view_unit_indicators``). A fixed number of queries whatever the
    number of goals, indicators and actions.
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
            .prefetch_related(
                Prefetch("indicators", queryset=Indicator.objects.order_by("order", "slug")),
                _confirmations(),
            )
            .order_by("goal_id", "deadline", "pk")
        ):
            by_goal.setdefault(action.goal_id, []).append(action)
    links, indicators = _plan_indicators(unit=unit, strategy=strategy, with_values=with_values)
    sections = [
        GoalSection(
            goal=goal,
            actions=by_goal.get(goal.pk, []),
            leaders_shall=[i for i in goal.items.all() if i.kind == GoalItem.Kind.LEADERS_SHALL],
            reflection_questions=[
                i for i in goal.items.all() if i.kind == GoalItem.Kind.REFLECTION_QUESTION
            ],
            indicators=[row for row in indicators if (goal.pk, row.indicator.pk) in links],
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
    # The indicators each record named (the many-to-many history), in one query.
    named: dict[int, set[int]] = defaultdict(set)
    m2m_history = ACTION_HISTORY.m2m_models[Action._meta.get_field("indicators")]
    for history_id, indicator_id in m2m_history.objects.filter(
        history_id__in=[r.history_id for r in records]
    ).values_list("history_id", "indicator_id"):
        named[history_id].add(indicator_id)
    indicator_names = dict(Indicator.objects.values_list("pk", "name"))
    indicators_label = str(Action._meta.get_field("indicators").verbose_name)

    def names_of(ids: set[int]) -> str:
        return ", ".join(sorted(indicator_names.get(i, str(i)) for i in ids)) or "–"

    entries = []
    previous = None
    for record in records:
        if previous is not None and previous.id != record.id:
            previous = None
        changes = []
        now_named = named.get(record.history_id, set())
        before_named: set[int] = (
            named.get(previous.history_id, set()) if previous is not None else set()
        )
        if record.history_type != "-" and now_named != before_named:
            changes.append(
                FieldChange(
                    field=indicators_label,
                    old=names_of(before_named) if previous is not None else "",
                    new=names_of(now_named),
                )
            )
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


def tertials_with_figures(tertials: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """Of ``tertials`` (year, number), those whose last month has computed values (one query):
    the tertial's figures exist, so its round may open."""
    last_months: dict[str, tuple[int, int]] = {}
    granularity = ""
    for year, tertial in tertials:
        end = P.tertial(year, tertial).end
        month = P.month(end.year, end.month)
        last_months[month.label] = (year, tertial)
        granularity = month.granularity
    if not last_months:
        return set()
    found = (
        IndicatorValue.objects.filter(
            indicator__kind=Indicator.Kind.COMPUTED,
            granularity=granularity,
            period__in=list(last_months),
        )
        .values_list("period", flat=True)
        .distinct()
    )
    return {last_months[label] for label in found}


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


def has_reporting_units_below(unit: OrgUnit) -> bool:
    """Whether a unit strictly below ``unit`` reports: only then has it an area to summarise."""
    return (
        reporting_units()
        .filter(
            pk__in=OrgUnitClosure.objects.filter(ancestor=unit, depth__gt=0).values("descendant_id")
        )
        .exists()
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


# --- Actions and the indicators they should move ---------------------------------------------

# The months before an action's start that its «before» figure covers.
BEFORE_MONTHS = 12


class WindowGap(enum.StrEnum):
    """Why a window of months has no figure (empty: it has one)."""

    NONE = ""
    HIDDEN = "hidden"  # a month is hidden (suppressed)
    MISSING = "missing"  # a month has no stored value
    NOT_STARTED = "not_started"  # no month since the start has a value yet
    NO_MONTHS = "no_months"  # the unit has no monthly values of the indicator


@dataclass(frozen=True)
class Window:
    """The mean of an indicator's monthly values over the months ``first`` to ``last``.

    ``mean`` is None, with the reason in ``gap``, unless every month of the window has
    a stored, shown value.
    """

    first: P.Period | None
    last: P.Period | None
    mean: float | None
    gap: str = WindowGap.NONE

    @property
    def months(self) -> int:
        if self.first is None or self.last is None:
            return 0
        return len(list(P.months_between(self.first.start, self.last.start)))


@dataclass(frozen=True)
class ActionEffect:
    """An action that names an indicator: when it started and ends, before and after.

    ``start`` is the day after the action's baseline period (None without one);
    ``end`` its deadline. ``before``: the ``BEFORE_MONTHS`` months before the start;
    ``after``: the months from the start to the unit's latest month of the indicator.
    """

    action: Action
    indicator: Indicator
    start: dt.date | None
    end: dt.date | None
    before: Window | None
    after: Window | None

    @property
    def change(self) -> float | None:
        """After minus before, when both have a figure."""
        if self.before is None or self.after is None:
            return None
        if self.before.mean is None or self.after.mean is None:
            return None
        return self.after.mean - self.before.mean


def action_start(action: Action) -> dt.date | None:
    """The day an action starts: the day after its baseline period (None without one)."""
    if not action.baseline_period:
        return None
    try:
        return P.parse(action.baseline_period).end + dt.timedelta(days=1)
    except ValueError:  # not written by the services
        return None


def _month_before(period: P.Period, count: int) -> P.Period:
    index = period.start.year * 12 + period.start.month - 1 - count
    return P.month(index // 12, index % 12 + 1)


def monthly_window(values: dict[str, IndicatorValue], *, first: P.Period, last: P.Period) -> Window:
    """The mean of the stored monthly ``values`` (by month label) from ``first`` to ``last``.

    Only shown values count, and only a window whose every month has one gets a
    figure. A hidden month (fewer than 5 persons, or withheld by the complementary
    rule) is not skipped: the mean of the rest would be presented as the window's
    figure although it is not, and a reader who also knew the whole window's figure
    (the year's value, another page's mean) could subtract the shown months from it
    and find the hidden one. So one hidden or missing month gives no figure at all.
    """
    months = list(P.months_between(first.start, last.start))
    found = [values.get(month.label) for month in months]
    if any(v is not None and v.suppressed for v in found):
        return Window(first, last, None, WindowGap.HIDDEN)
    shown = [v.value for v in found if v is not None and v.value is not None]
    if len(shown) < len(months):
        return Window(first, last, None, WindowGap.MISSING)
    return Window(first, last, sum(shown) / len(shown))


def unit_action_effects(*, unit: OrgUnit) -> dict[int, list[ActionEffect]]:
    """Per indicator id: the unit's actions (all years) that name it, by start.

    Before and after are computed from the unit's stored monthly values only (see
    ``monthly_window``). Three queries whatever the number of actions and months:
    actions, their indicators, the monthly values.
    """
    actions = list(
        Action.objects.filter(plan__unit=unit, indicators__isnull=False)
        .distinct()
        .select_related("plan")
        .prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.order_by("order", "slug"))
        )
        .order_by("plan__year", "pk")
    )
    if not actions:
        return {}
    indicator_ids = {i.pk for a in actions for i in a.indicators.all()}
    starts = [s for a in actions if (s := action_start(a)) is not None]
    by_indicator: dict[int, dict[str, IndicatorValue]] = defaultdict(dict)
    if starts:
        first_month = _month_before(P.starting(P.MONTH, min(starts)), BEFORE_MONTHS)
        for value in IndicatorValue.objects.filter(
            unit=unit,
            indicator_id__in=indicator_ids,
            granularity=P.MONTH,
            period_start__gte=first_month.start,
        ):
            by_indicator[value.indicator_id][value.period] = value
    effects: dict[int, list[ActionEffect]] = defaultdict(list)
    for action in actions:
        start = action_start(action)
        for indicator in action.indicators.all():
            before = after = None
            if start is not None:
                before, after = _before_after(by_indicator.get(indicator.pk, {}), start)
            effects[indicator.pk].append(
                ActionEffect(
                    action=action,
                    indicator=indicator,
                    start=start,
                    end=action.deadline,
                    before=before,
                    after=after,
                )
            )
    for rows in effects.values():
        rows.sort(key=lambda e: (e.start or dt.date.max, e.action.pk))
    return dict(effects)


def _before_after(values: dict[str, IndicatorValue], start: dt.date) -> tuple[Window, Window]:
    start_month = P.starting(P.MONTH, start)
    before_first = _month_before(start_month, BEFORE_MONTHS)
    before_last = _month_before(start_month, 1)
    if not values:
        gap = WindowGap.NO_MONTHS
        return Window(before_first, before_last, None, gap), Window(start_month, None, None, gap)
    before = monthly_window(values, first=before_first, last=before_last)
    latest = P.parse(max(values, key=lambda label: values[label].period_start))
    if latest.start < start_month.start:
        return before, Window(start_month, None, None, WindowGap.NOT_STARTED)
    return before, monthly_window(values, first=start_month, last=latest)
