"""Reads for workplaces."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.db.models import Count, Prefetch, QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext

from goals.models import Goal, GoalItem, Strategy, SubMeasure
from goals.selectors import strategy_get_active

from . import access
from .models import ACTION_FIELDS, Action, ActionPlan, ImportJob, OrgUnit, RoleAssignment

COUNT_KEYS = ("rows", "created", "updated", "unchanged", "rejected")


@dataclass
class ImportJobRow:
    job: ImportJob
    # The counts summed over the job's files.
    totals: dict[str, int]


def import_job_totals(*, job: ImportJob) -> dict[str, int]:
    return {key: sum(counts.get(key, 0) for counts in job.counts.values()) for key in COUNT_KEYS}


def import_job_list_recent(*, limit: int = 20) -> list[ImportJobRow]:
    """The latest HR imports, newest first, with who ran them (one query)."""
    jobs = ImportJob.objects.select_related("user").order_by("-created_at", "-pk")[:limit]
    return [ImportJobRow(job=job, totals=import_job_totals(job=job)) for job in jobs]


def import_job_get(*, pk: int) -> ImportJob:
    return ImportJob.objects.select_related("user").get(pk=pk)


# --- Action plans -----------------------------------------------------------------------

# KS's employer policy: its reflection questions are shown as general prompts on every plan.
KS_STRATEGY_SLUG = "ks-arbeidsgiverpolitikk"


@dataclass
class PlanListRow:
    unit: OrgUnit
    plan: ActionPlan | None
    action_count: int


def plan_list_rows(*, user: AbstractBaseUser | AnonymousUser, year: int) -> list[PlanListRow]:
    """The units whose plans ``user`` may read, with their plan for ``year`` (two queries)."""
    units = list(access.plan_units(user).order_by("code"))
    strategy = strategy_get_active()
    plans: dict[int, ActionPlan] = {}
    if strategy is not None and units:
        plans = {
            plan.unit_id: plan
            for plan in ActionPlan.objects.filter(
                strategy=strategy, year=year, unit__in=[unit.pk for unit in units]
            ).annotate(action_count=Count("actions"))
        }
    return [
        PlanListRow(
            unit=unit,
            plan=plans.get(unit.pk),
            action_count=plans[unit.pk].action_count if unit.pk in plans else 0,
        )
        for unit in units
    ]


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
    return PlanPage(unit, year, strategy, plan, sections, ks_questions, copyable.count())


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


def _display(field: models.Field, value: object, names: dict[str, dict[int, str]]) -> str:
    if value is None or value == "":
        return "–"
    if field.name in names:
        return names[field.name].get(value, str(value))  # type: ignore[arg-type]
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, dt.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


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
    fields = [Action._meta.get_field(name) for name in ACTION_FIELDS]
    entries = []
    previous = None
    for record in records:
        if previous is not None and previous.id != record.id:
            previous = None
        changes = []
        for field in fields:
            new = getattr(record, field.attname)
            old = getattr(previous, field.attname) if previous is not None else None
            if record.history_type == "-":
                continue
            if previous is None and new in (None, "", False):
                continue
            if previous is None or old != new:
                changes.append(
                    FieldChange(
                        field=str(field.verbose_name),
                        old=_display(field, old, names) if previous is not None else "",
                        new=_display(field, new, names),
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


def role_assignment_list() -> QuerySet[RoleAssignment]:
    """Every role assignment, by user and unit (one query)."""
    return RoleAssignment.objects.select_related("user", "unit").order_by(
        "user__username", "unit__code", "role"
    )
