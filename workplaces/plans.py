"""Writes for action plans (handlingsplaner) and their actions (tiltak).

Every function asks the one gate (``access.ensure_can_edit_plans``) first, and records
``by`` as the history user, so the audit trail is right also outside a request
(commands, shell, tests).

Concurrent edits are detected by ``Action.version``: a form carries the version it
was opened with, and a save against a newer version raises ``ConflictError``
instead of overwriting. Any change to a plan's actions also bumps ``ActionPlan.version``.
"""

import datetime as dt
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from goals.models import Goal
from goals.selectors import strategy_get_active

from . import access
from .models import ACTION_FIELDS, Action, ActionPlan, OrgUnit, RoleAssignment


class ConflictError(Exception):
    """Someone else saved the action since the form was opened; nothing was written."""

    def __init__(self, *, current: Action) -> None:
        super().__init__(f"action {current.pk} is at version {current.version}")
        self.current = current
        self.version = current.version


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


def _locked(action: Action) -> Action:
    return Action.objects.select_for_update().select_related("plan", "goal").get(pk=action.pk)


@transaction.atomic
def plan_get_or_create(*, unit: OrgUnit, year: int, by: AbstractBaseUser) -> ActionPlan:
    """The unit's plan for ``year`` under the active strategy, created when missing."""
    access.ensure_can_edit_plans(by, unit)
    strategy = strategy_get_active()
    if strategy is None:
        raise ValidationError(_("There is no active strategy to plan under."))
    plan = ActionPlan.objects.filter(unit=unit, strategy=strategy, year=year).first()
    if plan is None:
        plan = ActionPlan(unit=unit, strategy=strategy, year=year)
        plan._history_user = by
        plan.save()
    return plan


@transaction.atomic
def action_create(
    *, plan: ActionPlan, by: AbstractBaseUser, goal: Goal, title: str, **fields: Any
) -> Action:
    """Add an action (tiltak) under one of the strategy's goals."""
    access.ensure_can_edit_plans(by, plan.unit)
    action = Action(plan=plan, goal=goal, title=title)
    _set_fields(action, fields)
    _validate_action(plan=plan, action=action)
    action._history_user = by
    action.save()
    _plan_touched(plan)
    return action


@transaction.atomic
def action_update(*, action: Action, by: AbstractBaseUser, version: int, **fields: Any) -> Action:
    """Save changes made to ``version`` of the action; ``ConflictError`` if it is stale."""
    access.ensure_can_edit_plans(by, action.plan.unit)
    current = _locked(action)
    if current.version != version:
        raise ConflictError(current=current)
    _set_fields(current, fields)
    _validate_action(plan=current.plan, action=current)
    current.version += 1
    current._history_user = by
    current.save()
    _plan_touched(current.plan)
    return current


@transaction.atomic
def action_delete(*, action: Action, by: AbstractBaseUser, version: int) -> None:
    """Delete the action if nobody changed it since ``version``; else ``ConflictError``."""
    access.ensure_can_edit_plans(by, action.plan.unit)
    current = _locked(action)
    if current.version != version:
        raise ConflictError(current=current)
    current._history_user = by
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
def plan_copy_unfinished(*, plan: ActionPlan, by: AbstractBaseUser) -> list[Action]:
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
        copy._history_user = by
        copy.save()
        copies.append(copy)
    if copies:
        _plan_touched(plan)
    return copies


# --- Role assignments (who leads or represents which unit) ------------------------------


def _ensure_hr(user: AbstractBaseUser) -> None:
    if not access.is_hr(user):
        raise PermissionDenied


@transaction.atomic
def role_assignment_create(
    *, user: AbstractBaseUser, unit: OrgUnit, role: str, by: AbstractBaseUser
) -> RoleAssignment:
    """Give ``user`` a role on ``unit`` (and the units below it); HR only."""
    _ensure_hr(by)
    if RoleAssignment.objects.filter(user=user, unit=unit, role=role).exists():
        raise ValidationError(_("The user already has this role on this unit."))
    assignment = RoleAssignment(user=user, unit=unit, role=role)
    assignment.full_clean()
    assignment._history_user = by
    assignment.save()
    return assignment


@transaction.atomic
def role_assignment_delete(*, assignment: RoleAssignment, by: AbstractBaseUser) -> None:
    """Remove a role assignment; HR only. The history keeps it."""
    _ensure_hr(by)
    assignment._history_user = by
    assignment.delete()
