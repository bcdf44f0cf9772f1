"""Writes for action plans (handlingsplaner), their actions (tiltak) and tertial reports.

Every function asks the one gate (``org.access``) first, and records ``by`` as the
history user, so the audit trail is right also outside a request (commands, shell,
tests).

Concurrent edits are detected by a ``version`` on actions and reports: a form carries
the version it was opened with, and a save against another version raises
``ConflictError`` instead of overwriting a colleague's work (``_locked``). Any change to
a plan's actions also bumps ``ActionPlan.version``.
"""

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import models, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from goals.models import Goal
from goals.selectors import strategy_get_active
from measures import periods as P
from org import access
from org.models import OrgUnit
from strategi.db import history_user_set

from .models import ACTION_FIELDS, Action, ActionPlan, IndicatorComment, TertialReport

if TYPE_CHECKING:
    from .selectors import Reminder

Versioned = TypeVar("Versioned", Action, TertialReport)


class ConflictError(Exception):
    """Someone else saved the action or report since it was read; nothing was written.

    ``current`` is the stored object, ``version`` its version.
    """

    def __init__(self, *, current: models.Model) -> None:
        self.current = current
        self.version: int = current.version  # type: ignore[attr-defined]
        super().__init__(f"{current._meta.model_name} {current.pk} is at version {self.version}")


class ReportSubmittedError(Exception):
    """A submitted report is read-only until HR reopens it."""


def _locked(
    model: type[Versioned],
    pk: int,
    version: int,
    *,
    related: Sequence[str] = (),
    first: Callable[[Versioned], None] | None = None,
) -> Versioned:
    """The row, locked for this transaction; ``ConflictError`` unless it is at ``version``.

    The one optimistic-lock check of actions and reports. ``first`` checks a rule that
    holds whatever the version (a submitted report is read-only) before it.
    """
    current = model.objects.select_for_update().select_related(*related).get(pk=pk)
    if first is not None:
        first(current)
    if current.version != version:
        raise ConflictError(current=current)
    return current


def _refuse_submitted(report: TertialReport) -> None:
    if report.state == TertialReport.State.SUBMITTED:
        raise ReportSubmittedError


# --- Action plans and actions --------------------------------------------------------------


def _validate_action(*, plan: ActionPlan, action: Action) -> None:
    """The goal belongs to the plan's strategy, the sub-measure to the goal, etc."""
    errors: dict[str, str] = {}
    if action.goal.strategy_id != plan.strategy_id:
        errors["goal"] = _("The goal is not part of the plan's strategy.")
    elif action.sub_measure is not None and action.sub_measure.goal_id != action.goal_id:
        errors["sub_measure"] = _("The sub-measure belongs to another goal.")
    if action.representatives_took_part_on and not action.representatives_took_part:
        errors["representatives_took_part_on"] = _(
            "Give a date only when the employee representatives took part."
        )
    if not action.title.strip():
        errors["title"] = _("Give the action a title.")
    if errors:
        raise ValidationError(errors)


def _set_fields(action: Action, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(ACTION_FIELDS)
    if unknown:
        raise TypeError(f"unknown action fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(action, name, value)


def _plan_touched(plan: ActionPlan) -> None:
    # A plain UPDATE: the actions' own history records what changed, so the plan's
    # history is not flooded with one record per action edit.
    ActionPlan.objects.filter(pk=plan.pk).update(
        version=F("version") + 1, updated_at=timezone.now()
    )


@transaction.atomic
def plan_get_or_create(*, unit: OrgUnit, year: int, by: User) -> ActionPlan:
    """The unit's plan for ``year`` under the active strategy, created when missing."""
    access.ensure_can_edit_plans(by, unit)
    strategy = strategy_get_active()
    if strategy is None:
        raise ValidationError(_("There is no active strategy to plan under."))
    plan = ActionPlan.objects.filter(unit=unit, strategy=strategy, year=year).first()
    if plan is None:
        plan = ActionPlan(unit=unit, strategy=strategy, year=year)
        history_user_set(plan, by)
        plan.save()
    return plan


@transaction.atomic
def action_create(*, plan: ActionPlan, by: User, goal: Goal, title: str, **fields: Any) -> Action:
    """Add an action (tiltak) under one of the strategy's goals."""
    access.ensure_can_edit_plans(by, plan.unit)
    action = Action(plan=plan, goal=goal, title=title)
    _set_fields(action, fields)
    _validate_action(plan=plan, action=action)
    history_user_set(action, by)
    action.save()
    _plan_touched(plan)
    return action


@transaction.atomic
def action_update(*, action: Action, by: User, version: int, **fields: Any) -> Action:
    """Save changes made to ``version`` of the action; ``ConflictError`` if it is stale."""
    access.ensure_can_edit_plans(by, action.plan.unit)
    current = _locked(Action, action.pk, version, related=("plan", "goal"))
    _set_fields(current, fields)
    _validate_action(plan=current.plan, action=current)
    current.version += 1
    history_user_set(current, by)
    current.save()
    _plan_touched(current.plan)
    return current


@transaction.atomic
def action_delete(*, action: Action, by: User, version: int) -> None:
    """Delete the action if nobody changed it since ``version``; else ``ConflictError``."""
    access.ensure_can_edit_plans(by, action.plan.unit)
    current = _locked(Action, action.pk, version, related=("plan", "goal"))
    history_user_set(current, by)
    current.delete()
    _plan_touched(current.plan)


def _next_year(day: dt.date | None) -> dt.date | None:
    if day is None:
        return None
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@transaction.atomic
def plan_copy_unfinished(*, plan: ActionPlan, by: User) -> list[Action]:
    """Copy last year's unfinished actions of the unit into ``plan``; returns the copies.

    Only actions of last year's plan under the same strategy are copied (other
    strategies have other goals). A copy starts as «planlagt», keeps goal, sub-measure,
    description and responsible, has its deadline moved one year on (so it stays the
    same point in the plan year), and does not claim that the representatives took
    part: that must be recorded again for the new plan. Idempotent: an action already
    copied into this plan is not copied again.
    """
    access.ensure_can_edit_plans(by, plan.unit)
    already = Action.objects.filter(plan=plan, copied_from__isnull=False).values("copied_from")
    originals = (
        Action.objects.filter(
            plan__unit_id=plan.unit_id, plan__strategy_id=plan.strategy_id, plan__year=plan.year - 1
        )
        .exclude(status=Action.Status.DONE)
        .exclude(pk__in=already)
        .order_by("goal__order", "pk")
    )
    copies = []
    for original in originals:
        copy = Action(
            plan=plan,
            goal_id=original.goal_id,
            sub_measure_id=original.sub_measure_id,
            title=original.title,
            description=original.description,
            responsible=original.responsible,
            deadline=_next_year(original.deadline),
            status=Action.Status.PLANNED,
            copied_from=original,
        )
        history_user_set(copy, by)
        copy.save()
        copies.append(copy)
    if copies:
        _plan_touched(plan)
    return copies


# --- Tertial reports ------------------------------------------------------------------------


@transaction.atomic
def report_get_or_create(*, unit: OrgUnit, year: int, tertial: int, by: User) -> TertialReport:
    """The unit's report of the tertial; a new draft when there is none yet."""
    access.ensure_can_edit_plans(by, unit)
    P.tertial(year, tertial)  # ValueError for a tertial that does not exist
    report, _created = TertialReport.objects.get_or_create(unit=unit, year=year, tertial=tertial)
    return report


@transaction.atomic
def report_save(
    *,
    report: TertialReport,
    by: User,
    version: int,
    summary: str,
    comments: Mapping[int, str],
    prioritised_action_ids: Sequence[int],
) -> TertialReport:
    """Save a draft: the summary, a comment per indicator, the prioritised actions.

    Raises ``ConflictError`` when ``version`` is not the stored one,
    ``ReportSubmittedError`` for a submitted report, and ``ValidationError`` when a
    prioritised action is not in the unit's plan of the report's year.
    """
    access.ensure_can_edit_plans(by, report.unit)
    current = _locked(TertialReport, report.pk, version, first=_refuse_submitted)
    wanted = set(prioritised_action_ids)
    allowed = set(
        Action.objects.filter(
            pk__in=wanted, plan__unit_id=current.unit_id, plan__year=current.year
        ).values_list("pk", flat=True)
    )
    if wanted - allowed:
        raise ValidationError(
            {
                "prioritised_actions": _(
                    "Choose only actions from the unit's action plan for %(year)s."
                )
                % {"year": current.year}
            }
        )
    existing = {c.indicator_id: c for c in current.comments.all()}
    for indicator_id, text in comments.items():
        text = text.strip()
        comment = existing.get(indicator_id)
        if comment is None:
            if text:
                IndicatorComment.objects.create(
                    report=current, indicator_id=indicator_id, text=text
                )
        elif comment.text != text:
            comment.text = text
            comment.save(update_fields=["text"])
    if set(current.prioritised_actions.values_list("pk", flat=True)) != wanted:
        current.prioritised_actions.set(wanted)
    current.summary = summary.strip()
    current.version += 1
    current.save(update_fields=["summary", "version"])
    return current


@transaction.atomic
def report_submit(*, report: TertialReport, by: User, version: int) -> TertialReport:
    """Submit the report: it becomes read-only and counts as delivered."""
    access.ensure_can_edit_plans(by, report.unit)
    current = _locked(TertialReport, report.pk, version, first=_refuse_submitted)
    current.state = TertialReport.State.SUBMITTED
    current.submitted_at = timezone.now()
    current.submitted_by = by
    current.version += 1
    current.save(update_fields=["state", "submitted_at", "submitted_by", "version"])
    return current


@transaction.atomic
def report_reopen(*, report: TertialReport, by: User) -> TertialReport:
    """HR only: a submitted report back to draft, so the leader can change it."""
    access.ensure_hr(by)
    current = TertialReport.objects.select_for_update().get(pk=report.pk)
    if current.state == TertialReport.State.DRAFT:
        return current
    current.state = TertialReport.State.DRAFT
    current.submitted_at = None
    current.submitted_by = None
    current.version += 1
    current.save(update_fields=["state", "submitted_at", "submitted_by", "version"])
    return current


def tertial_report_reminders_send(*, reminders: "Sequence[Reminder]") -> int:
    """Send one e-mail per reminder (in the site's language); returns how many were sent."""
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for reminder in reminders:
            period = _("Tertial %(number)s, %(year)s") % {
                "number": reminder.tertial,
                "year": reminder.year,
            }
            lines = [
                _("Hello %(name)s,") % {"name": reminder.name},
                "",
                _("These units of yours have not submitted their tertial report for %(period)s:")
                % {"period": period},
                "",
                *[
                    f"- {unit.name}: "
                    + reverse(
                        "plans:tertial-report-edit",
                        kwargs={
                            "unit_code": unit.code,
                            "year": reminder.year,
                            "tertial": reminder.tertial,
                        },
                    )
                    for unit in reminder.units
                ],
                "",
                _("Please write and submit the reports in Strategi."),
            ]
            messages.append(
                EmailMessage(
                    subject=_("Reminder: tertial report for %(period)s") % {"period": period},
                    body="\n".join(lines),
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[reminder.email],
                )
            )
    if not messages:
        return 0
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
