"""Writes for action plans (handlingsplaner), their actions (tiltak) and tertial reports.

Every function asks the one gate (``org.access``) first, and records ``by`` as the
history user, so the audit trail is right also outside a request (commands, shell,
tests).

Concurrent edits are detected by a ``version`` on actions and reports: a form carries
the version it was opened with, and a save against another version raises
``ConflictError`` instead of overwriting a colleague's work (``_locked``). Any change to
a plan's actions also bumps ``ActionPlan.version``.

Concurrent first saves are safe too: a plan or report that does not exist yet is
created once (``_get_or_create``, the unique constraint decides), and a form's or API
client's submission key makes a repeated submission return the first one's result
(``submit_once``). The rules on what may be written (years, tertials, dates, text
lengths, control characters) live here, so the web and the API answer alike.
"""

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from goals.models import Goal
from goals.selectors import strategy_get_active
from measures import periods as P
from measures.models import Indicator
from org import access
from org.models import OrgUnit
from strategi.celery import enqueue_on_commit
from strategi.db import advisory_xact_lock, history_user_set

from . import selectors
from .models import (
    ACTION_FIELDS,
    ACTION_HISTORY,
    Action,
    ActionPlan,
    AreaSummary,
    Capacity,
    IndicatorComment,
    ParticipationConfirmation,
    ReportEvent,
    RepresentativeRemark,
    SubmissionKey,
    TertialReport,
    TertialRound,
)

Versioned = TypeVar("Versioned", Action, TertialReport, TertialRound)
Row = TypeVar("Row", bound=models.Model)
T = TypeVar("T")

# --- What may be written (the web and the API follow the same rules) -----------------------

# Plans exist from this year, and at most this many years ahead of the current one.
PLAN_FIRST_YEAR = 2000
PLAN_YEARS_AHEAD = 5
# Tertial reports exist from this year, for tertials that have begun.
REPORT_FIRST_YEAR = 2000
# The longest texts, in characters (titles and names are limited by their columns).
ACTION_DESCRIPTION_MAX = 5000
REPORT_SUMMARY_MAX = 20000
REPORT_COMMENT_MAX = 5000
# An action's dates lie from 1 January of this year to the end of the plan's year + 5.
ACTION_DATE_FIRST_YEAR = 2000
# C0 and C1 control characters and DEL; tab and line breaks are text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def plan_last_year(today: dt.date | None = None) -> int:
    """The last year a plan may be made for (``PLAN_YEARS_AHEAD`` from this year)."""
    return (today or timezone.localdate()).year + PLAN_YEARS_AHEAD


def plan_year_validate(year: int) -> None:
    """``ValidationError`` (field ``year``) unless plans may exist for ``year``."""
    last = plan_last_year()
    if not PLAN_FIRST_YEAR <= year <= last:
        raise ValidationError(
            {
                "year": _("Plans are made for the years %(first)s to %(last)s.")
                % {"first": PLAN_FIRST_YEAR, "last": last}
            }
        )


def report_period_validate(year: int, tertial: int) -> None:
    """``ValidationError`` unless a report may exist for the tertial: it has begun."""
    if not 1 <= tertial <= 3:
        raise ValidationError({"tertial": _("A year has the tertials 1, 2 and 3.")})
    if year < REPORT_FIRST_YEAR:
        raise ValidationError(
            {"year": _("Reports exist from %(first)s.") % {"first": REPORT_FIRST_YEAR}}
        )
    if year > dt.MAXYEAR or P.tertial(year, tertial).start > timezone.localdate():
        raise ValidationError(
            {
                "tertial": _(
                    "Tertial %(tertial)s of %(year)s has not begun: a report is written "
                    "from the tertial's first day."
                )
                % {"tertial": tertial, "year": year}
            }
        )


def text_problem(text: str, *, limit: int | None = None) -> str | None:
    """What is wrong with a text a user wrote, or None: too long, or a control character."""
    if limit is not None and len(text) > limit:
        return _("Write at most %(limit)s characters (this text has %(length)s).") % {
            "limit": limit,
            "length": len(text),
        }
    found = _CONTROL.search(text)
    if found:
        return _(
            "The text contains a control character (U+%(code)04X) at character %(position)s, "
            "which cannot be saved. Remove it, e.g. by typing the text again there."
        ) % {"code": ord(found.group()), "position": found.start() + 1}
    return None


def _field_limit(model: type[models.Model], name: str) -> int | None:
    return model._meta.get_field(name).max_length  # type: ignore[union-attr]


def _get_or_create(
    model: type[Row], lookup: Mapping[str, Any], make: Callable[[], Row]
) -> tuple[Row, bool]:
    """The row matching ``lookup``, else ``make()``'s new row; whether it was created.

    Safe under concurrency: two requests that both find nothing both insert, in a
    savepoint each; the unique constraint lets one through and the other reads its row.
    (On PostgreSQL the second INSERT waits for the first transaction and fails when it
    commits, so the row is then visible; on SQLite writers take turns.) Retried a few
    times: an IntegrityError whose row is not there to read was another problem.
    """
    for _attempt in range(3):
        found = model._default_manager.filter(**lookup).first()
        if found is not None:
            return found, False
        try:
            with transaction.atomic():
                row = make()
                row.save()
            return row, True
        except IntegrityError:
            if not model._default_manager.filter(**lookup).exists():
                raise
    return model._default_manager.get(**lookup), False


class ConflictError(Exception):
    """Someone else saved the action or report since it was read; nothing was written.

    ``current`` is the stored object, ``version`` its version.
    """

    def __init__(self, *, current: models.Model) -> None:
        self.current = current
        self.version: int = current.version  # type: ignore[attr-defined]
        super().__init__(f"{current._meta.model_name} {current.pk} is at version {self.version}")


class ReportSubmittedError(Exception):
    """A submitted or approved report is read-only until it is returned or reopened."""


class RoundClosedError(Exception):
    """The tertial's round is closed: its reports can no longer be changed."""


class RoundNotOpenError(Exception):
    """The tertial's round has not opened: a report can be drafted, not yet submitted."""


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


def _round_locked(report: TertialReport) -> TertialRound | None:
    """The report's round, locked for this transaction: HR cannot close it meanwhile."""
    return (
        TertialRound.objects.select_for_update()
        .filter(year=report.year, tertial=report.tertial)
        .first()
    )


def _refuse_submitted(report: TertialReport) -> None:
    if not report.editable:
        raise ReportSubmittedError
    round_ = _round_locked(report)
    if round_ is not None and round_.state == TertialRound.State.CLOSED:
        raise RoundClosedError


def _refuse_unless_round_open(report: TertialReport) -> None:
    """Submitting needs an editable report in the tertial's open round (its figures exist)."""
    if not report.editable:
        raise ReportSubmittedError
    round_ = _round_locked(report)
    if round_ is not None and round_.state == TertialRound.State.CLOSED:
        raise RoundClosedError
    if round_ is None:
        raise RoundNotOpenError


# --- Submitting once ---------------------------------------------------------------------

# A submission key is kept this long: a repeat after that is a new submission.
SUBMISSION_KEY_HOURS = 24
SUBMISSION_KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


class SubmissionKeyReusedError(Exception):
    """The key was used before for another submission (other content or another form)."""

    def __init__(self, earlier: SubmissionKey) -> None:
        self.earlier = earlier
        super().__init__(f"submission key {earlier.key!r} was used for {earlier.scope}")


@dataclass(frozen=True)
class Submitted(Generic[T]):
    """The outcome of ``submit_once``.

    ``result`` is what ``perform`` returned, or None when this was a repeat
    (``replayed``); ``object_id`` and ``location`` are the first submission's.
    """

    result: T | None
    object_id: int | None
    location: str
    replayed: bool


def _fingerprint(content: Any) -> str:
    """A digest of what was submitted (model instances by primary key)."""

    def plain(value: Any) -> Any:
        if isinstance(value, models.Model):
            return value.pk
        if isinstance(value, Mapping):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple | set | frozenset):
            items = [plain(v) for v in value]
            return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
        if isinstance(value, models.QuerySet):
            return sorted(value.values_list("pk", flat=True))
        return value

    text = json.dumps(plain(content), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def submit_once(
    *,
    by: User,
    key: str,
    scope: str,
    content: Any,
    perform: Callable[[], tuple[T, int | None, str]],
) -> Submitted[T]:
    """Run ``perform`` once per submission ``key``; a repeat returns the first's result.

    A double-clicked form, or an API client that retries after a timeout, sends the same
    key twice: the second gets the first's ``object_id`` and ``location`` and nothing is
    written again. ``perform`` returns (its result, the object's id, where to find it);
    it runs in the same transaction as the key's claim, so when it fails the key is free
    again, and a concurrent repeat waits for the first to finish (the unique key) and
    then replays it. The key is kept in the database, so this holds across processes.
    ``SubmissionKeyReusedError`` when the key was used for other ``content`` or another
    ``scope`` (what is submitted where). An empty ``key`` just performs.
    """
    if not key:
        result, object_id, location = perform()
        return Submitted(result=result, object_id=object_id, location=location, replayed=False)
    if not SUBMISSION_KEY_PATTERN.match(key):
        raise ValidationError(
            _("A submission key is 1 to 100 letters (a-z, A-Z), digits, «.», «_», «:» or «-».")
        )
    fingerprint = _fingerprint(content)
    scope = scope[: SubmissionKey._meta.get_field("scope").max_length]
    with transaction.atomic():
        SubmissionKey.objects.filter(
            user=by, created_at__lt=timezone.now() - dt.timedelta(hours=SUBMISSION_KEY_HOURS)
        ).delete()
        try:
            with transaction.atomic():
                claim = SubmissionKey.objects.create(
                    user=by, key=key, scope=scope, fingerprint=fingerprint
                )
        except IntegrityError:
            earlier = SubmissionKey.objects.get(user=by, key=key)
            if (earlier.scope, earlier.fingerprint) != (scope, fingerprint):
                raise SubmissionKeyReusedError(earlier) from None
            return Submitted(
                result=None,
                object_id=earlier.object_id,
                location=earlier.location,
                replayed=True,
            )
        result, object_id, location = perform()
        claim.object_id = object_id
        claim.location = location[: SubmissionKey._meta.get_field("location").max_length]
        claim.save(update_fields=["object_id", "location"])
    return Submitted(result=result, object_id=object_id, location=location, replayed=False)


# --- Action plans and actions --------------------------------------------------------------


def _date_problem(day: dt.date | None, *, last: dt.date) -> str | None:
    first = dt.date(ACTION_DATE_FIRST_YEAR, 1, 1)
    if day is None or first <= day <= last:
        return None
    return _("Give a date from %(first)s to %(last)s.") % {
        "first": date_format(first, "SHORT_DATE_FORMAT"),
        "last": date_format(last, "SHORT_DATE_FORMAT"),
    }


def _validate_action(
    *, plan: ActionPlan, action: Action, indicators: Sequence[Indicator] = ()
) -> None:
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
    limits = {
        "title": _field_limit(Action, "title"),
        "responsible": _field_limit(Action, "responsible"),
        "description": ACTION_DESCRIPTION_MAX,
    }
    for name, limit in limits.items():
        problem = text_problem(getattr(action, name), limit=limit)
        if problem and name not in errors:
            errors[name] = problem
    # Far-off dates are typing errors (and a year past 9998 cannot be copied on).
    last = dt.date(plan.year + PLAN_YEARS_AHEAD, 12, 31)
    for name in ("deadline", "representatives_took_part_on"):
        problem = _date_problem(getattr(action, name), last=last)
        if problem and name not in errors:
            errors[name] = problem
    errors.update(_indicator_problems(plan=plan, action=action, indicators=indicators))
    if errors:
        raise ValidationError(errors)


def _indicator_problems(
    *, plan: ActionPlan, action: Action, indicators: Sequence[Indicator]
) -> dict[str, str]:
    """The indicators follow the plan's strategy; the baseline is a period, with them.

    Normalises ``action.baseline_period`` (stripped) on the way.
    """
    errors: dict[str, str] = {}
    allowed = {i.pk for i in selectors.strategy_indicators(strategy_id=plan.strategy_id)}
    foreign = [i.name for i in indicators if i.pk not in allowed]
    if foreign:
        errors["indicators"] = _(
            "Choose indicators that follow a goal of the plan's strategy (not: %(names)s)."
        ) % {"names": ", ".join(foreign)}
    action.baseline_period = (action.baseline_period or "").strip()
    if not action.baseline_period:
        return errors
    try:
        period = P.parse(action.baseline_period)
    except ValueError:
        errors["baseline_period"] = _(
            "Write the baseline period as a month (2025-12), a tertial (2025-T3) or a year (2025)."
        )
        return errors
    last_year = plan.year + PLAN_YEARS_AHEAD
    if not ACTION_DATE_FIRST_YEAR <= period.start.year <= last_year:
        errors["baseline_period"] = _("Give a baseline period from %(first)s to %(last)s.") % {
            "first": ACTION_DATE_FIRST_YEAR,
            "last": last_year,
        }
    elif not indicators:
        errors["baseline_period"] = _(
            "Give a baseline period only when the action names an indicator it should move."
        )
    action.baseline_period = period.label
    return errors


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
def plan_ensure(*, unit: OrgUnit, year: int, by: User) -> tuple[ActionPlan, bool]:
    """The unit's plan for ``year`` under the active strategy, and whether it was created.

    Concurrent first calls create one plan and all return it.
    """
    access.ensure_can_edit_plans(by, unit)
    plan_year_validate(year)
    strategy = strategy_get_active()
    if strategy is None:
        raise ValidationError(_("There is no active strategy to plan under."))

    def make() -> ActionPlan:
        plan = ActionPlan(unit=unit, strategy=strategy, year=year)
        history_user_set(plan, by)
        return plan

    return _get_or_create(ActionPlan, {"unit": unit, "strategy": strategy, "year": year}, make)


def plan_get_or_create(*, unit: OrgUnit, year: int, by: User) -> ActionPlan:
    """The unit's plan for ``year`` under the active strategy, created when missing."""
    return plan_ensure(unit=unit, year=year, by=by)[0]


def _save_with_indicators(
    action: Action, *, indicators: Sequence[Indicator] | None, created: bool
) -> None:
    """Save the action and its indicators with one history record (which names them)."""
    action.skip_history_when_saving = True  # type: ignore[attr-defined]
    try:
        action.save()
        if indicators is not None:
            action.indicators.set(indicators)
    finally:
        del action.skip_history_when_saving  # type: ignore[attr-defined]
    ACTION_HISTORY.create_historical_record(action, "+" if created else "~")


@transaction.atomic
def action_create(
    *,
    plan: ActionPlan,
    by: User,
    goal: Goal,
    title: str,
    indicators: Sequence[Indicator] = (),
    **fields: Any,
) -> Action:
    """Add an action (tiltak) under one of the strategy's goals.

    ``indicators``: what it should move (indicators that follow a goal of the plan's
    strategy); ``baseline_period`` (among ``fields``): the period measured before it.
    """
    access.ensure_can_edit_plans(by, plan.unit)
    action = Action(plan=plan, goal=goal, title=title)
    _set_fields(action, fields)
    indicators = list(indicators)
    _validate_action(plan=plan, action=action, indicators=indicators)
    history_user_set(action, by)
    _save_with_indicators(action, indicators=indicators, created=True)
    _plan_touched(plan)
    return action


@transaction.atomic
def action_update(
    *,
    action: Action,
    by: User,
    version: int,
    indicators: Sequence[Indicator] | None = None,
    **fields: Any,
) -> Action:
    """Save changes made to ``version`` of the action; ``ConflictError`` if it is stale.

    ``indicators`` None keeps the action's indicators.
    """
    access.ensure_can_edit_plans(by, action.plan.unit)
    current = _locked(Action, action.pk, version, related=("plan", "goal"))
    _set_fields(current, fields)
    chosen = list(current.indicators.all()) if indicators is None else list(indicators)
    _validate_action(plan=current.plan, action=current, indicators=chosen)
    current.version += 1
    history_user_set(current, by)
    _save_with_indicators(current, indicators=indicators, created=False)
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
    indicators, baseline period, description and responsible, has its deadline moved
    one year on (so it stays the
    same point in the plan year), and does not claim that the representatives took
    part: that must be recorded again for the new plan. Idempotent: an action already
    copied into this plan is not copied again.
    """
    access.ensure_can_edit_plans(by, plan.unit)
    # One copy at a time per plan: two concurrent copies would both find nothing copied.
    ActionPlan.objects.select_for_update().filter(pk=plan.pk).first()
    already = Action.objects.filter(plan=plan, copied_from__isnull=False).values("copied_from")
    originals = (
        Action.objects.filter(
            plan__unit_id=plan.unit_id, plan__strategy_id=plan.strategy_id, plan__year=plan.year - 1
        )
        .exclude(status=Action.Status.DONE)
        .exclude(pk__in=already)
        .prefetch_related("indicators")
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
            baseline_period=original.baseline_period,
            copied_from=original,
        )
        history_user_set(copy, by)
        _save_with_indicators(copy, indicators=list(original.indicators.all()), created=True)
        copies.append(copy)
    if copies:
        _plan_touched(plan)
    return copies


# --- Tertial reports ------------------------------------------------------------------------


@transaction.atomic
def report_ensure(
    *, unit: OrgUnit, year: int, tertial: int, by: User
) -> tuple[TertialReport, bool]:
    """The unit's report of the tertial, and whether it was created (a new draft).

    Only a tertial that has begun has a report (``report_period_validate``).
    Concurrent first calls create one report and all return it.
    """
    access.ensure_can_edit_plans(by, unit)
    report_period_validate(year, tertial)

    def make() -> TertialReport:
        report = TertialReport(unit=unit, year=year, tertial=tertial)
        history_user_set(report, by)
        return report

    return _get_or_create(TertialReport, {"unit": unit, "year": year, "tertial": tertial}, make)


def report_get_or_create(*, unit: OrgUnit, year: int, tertial: int, by: User) -> TertialReport:
    """The unit's report of the tertial; a new draft when there is none yet."""
    return report_ensure(unit=unit, year=year, tertial=tertial, by=by)[0]


def _validate_report_texts(
    *, summary: str, comments: Mapping[int, str], field_prefix: str = "comment_"
) -> None:
    errors: dict[str, str] = {}
    problem = text_problem(summary, limit=REPORT_SUMMARY_MAX)
    if problem:
        errors["summary"] = problem
    for indicator_id, text in comments.items():
        problem = text_problem(text, limit=REPORT_COMMENT_MAX)
        if problem:
            errors[f"{field_prefix}{indicator_id}"] = problem
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def report_save(
    *,
    report: TertialReport,
    by: User,
    version: int,
    summary: str,
    comments: Mapping[int, str],
    prioritised_action_ids: Sequence[int],
    indicator_action_ids: Mapping[int, Sequence[int]] | None = None,
    no_action_reasons: Mapping[int, str] | None = None,
) -> TertialReport:
    """Save a draft: the summary, a comment per indicator, the prioritised actions.

    ``indicator_action_ids`` and ``no_action_reasons`` (per indicator id) say what the
    leader does about an indicator: actions of the unit's plan, or why none; an
    indicator left out of them keeps what it had.

    Raises ``ConflictError`` when ``version`` is not the stored one,
    ``ReportSubmittedError`` for a submitted or approved report, ``RoundClosedError``
    when the tertial's round is closed, and ``ValidationError`` when an action is not
    in the unit's plan of the report's year.
    """
    access.ensure_can_edit_plans(by, report.unit)
    current = _locked(TertialReport, report.pk, version, first=_refuse_submitted)
    indicator_action_ids = indicator_action_ids or {}
    no_action_reasons = no_action_reasons or {}
    _validate_report_texts(summary=summary, comments=comments)
    _validate_report_texts(summary="", comments=no_action_reasons, field_prefix="no_action_reason_")
    wanted = set(prioritised_action_ids)
    per_indicator = {i: set(ids) for i, ids in indicator_action_ids.items()}
    every = wanted.union(*per_indicator.values())
    allowed = set(
        Action.objects.filter(
            pk__in=every, plan__unit_id=current.unit_id, plan__year=current.year
        ).values_list("pk", flat=True)
    )
    foreign = _("Choose only actions from the unit's action plan for %(year)s.") % {
        "year": current.year
    }
    errors = {}
    if wanted - allowed:
        errors["prioritised_actions"] = foreign
    for indicator_id, ids in per_indicator.items():
        if ids - allowed:
            errors[f"actions_{indicator_id}"] = foreign
    if errors:
        raise ValidationError(errors)
    existing = {c.indicator_id: c for c in current.comments.prefetch_related("actions")}
    for indicator_id in set(comments) | set(per_indicator) | set(no_action_reasons):
        text = comments.get(indicator_id)
        text = None if text is None else text.strip()
        reason = no_action_reasons.get(indicator_id)
        reason = None if reason is None else reason.strip()
        chosen = per_indicator.get(indicator_id)
        comment = existing.get(indicator_id)
        if comment is None:
            if not (text or reason or chosen):
                continue
            comment = IndicatorComment.objects.create(
                report=current,
                indicator_id=indicator_id,
                text=text or "",
                no_action_reason=reason or "",
            )
            if chosen:
                comment.actions.set(chosen)
            continue
        changed = []
        if text is not None and comment.text != text:
            comment.text = text
            changed.append("text")
        if reason is not None and comment.no_action_reason != reason:
            comment.no_action_reason = reason
            changed.append("no_action_reason")
        if changed:
            comment.save(update_fields=changed)
        if chosen is not None and {a.pk for a in comment.actions.all()} != chosen:
            comment.actions.set(chosen)
    if set(current.prioritised_actions.values_list("pk", flat=True)) != wanted:
        current.prioritised_actions.set(wanted)
    current.summary = summary.strip()
    current.version += 1
    current.save(update_fields=["summary", "version"])
    return current


class UnexplainedError(ValidationError):
    """Indicators that must be explained are not: ``lacking`` says what each lacks.

    A ``ValidationError`` whose fields are ``comment_<id>`` and ``actions_<id>``, so a
    form and the API name the indicator and the missing part.
    """

    def __init__(self, *, lacking: Mapping[int, list[str]], names: Mapping[int, str]) -> None:
        self.lacking = dict(lacking)
        errors: dict[str, str] = {}
        for indicator_id, problems in lacking.items():
            name = names.get(indicator_id, str(indicator_id))
            if selectors.LACKS_COMMENT in problems:
                errors[f"comment_{indicator_id}"] = _(
                    "%(indicator)s has missed its target: explain why in a comment."
                ) % {"indicator": name}
            if selectors.LACKS_ACTION in problems:
                errors[f"actions_{indicator_id}"] = _(
                    "%(indicator)s has missed its target: choose at least one action from "
                    "the plan, or say why there is none."
                ) % {"indicator": name}
        super().__init__(errors)


def _event(report: TertialReport, kind: str, by: User | None, comment: str = "") -> ReportEvent:
    """Record a transition; those it concerns are told by a task after the commit.

    When the task queue cannot be reached, the sweep (``report_events_notify_pending``,
    beat every 15 minutes) tells them: the event stays without ``notified_at``.
    """
    from .tasks import report_event_notify  # the tasks import this module

    event = ReportEvent.objects.create(report=report, kind=kind, by=by, comment=comment)
    enqueue_on_commit(report_event_notify, event.pk, on_unreachable=_beat_catches_up)
    return event


def _beat_catches_up() -> None:
    """Nothing to record when a notice task cannot be queued: beat's sweep finds it."""


@transaction.atomic
def report_submit(*, report: TertialReport, by: User, version: int) -> TertialReport:
    """Submit the report: it becomes read-only and counts as delivered.

    Only while the tertial's round is open (``RoundNotOpenError`` before it opens: the
    figures to explain do not exist yet; ``RoundClosedError`` after it closed). Every
    indicator that missed its target (``REPORT_EXPLAIN_STATUSES``) must have a
    comment and an action or a reason for none, else ``UnexplainedError``. The leaders
    above are told (``ReportEvent``).
    """
    access.ensure_can_edit_plans(by, report.unit)
    current = _locked(TertialReport, report.pk, version, first=_refuse_unless_round_open)
    rows = selectors.report_indicators(
        unit=current.unit, year=current.year, tertial=current.tertial, report=current
    )
    lacking = selectors.report_unexplained(rows)
    if lacking:
        raise UnexplainedError(
            lacking=lacking, names={row.indicator.pk: row.indicator.name for row in rows}
        )
    current.state = TertialReport.State.SUBMITTED
    current.submitted_at = timezone.now()
    current.submitted_by = by
    current.version += 1
    history_user_set(current, by)
    current.save(update_fields=["state", "submitted_at", "submitted_by", "version"])
    _event(current, ReportEvent.Kind.SUBMITTED, by)
    return current


class ReportStateError(Exception):
    """The report is not in a state that allows this transition (e.g. approving a draft)."""


class OwnReportError(PermissionDenied):
    """No one approves or returns a report they submitted, or one of a unit they lead."""


def _reviewable(by: User) -> Callable[[TertialReport], None]:
    """The rules of a review that hold whatever the version: a submitted report, in a
    round that is not closed, reviewed by someone else than its own leaders."""

    def check(report: TertialReport) -> None:
        if report.state != TertialReport.State.SUBMITTED:
            raise ReportStateError
        if not access.may_review_report(by, report.unit, report.submitted_by_id):
            raise OwnReportError
        round_ = _round_locked(report)
        if round_ is not None and round_.state == TertialRound.State.CLOSED:
            raise RoundClosedError

    return check


@transaction.atomic
def report_approve(
    *, report: TertialReport, by: User, version: int, comment: str = ""
) -> TertialReport:
    """The leader above (or HR) approves a submitted report; its leaders are told.

    ``OwnReportError`` for the report's own leader or submitter, ``RoundClosedError``
    once HR has closed the round.
    """
    access.ensure_can_review(by, report.unit)
    current = _locked(TertialReport, report.pk, version, first=_reviewable(by))
    problem = text_problem(comment, limit=REPORT_COMMENT_MAX)
    if problem:
        raise ValidationError({"comment": problem})
    current.state = TertialReport.State.APPROVED
    current.reviewed_at = timezone.now()
    current.reviewed_by = by
    current.review_comment = comment.strip()
    current.version += 1
    history_user_set(current, by)
    current.save(update_fields=["state", "reviewed_at", "reviewed_by", "review_comment", "version"])
    _event(current, ReportEvent.Kind.APPROVED, by, comment.strip())
    return current


@transaction.atomic
def report_return(*, report: TertialReport, by: User, version: int, comment: str) -> TertialReport:
    """The leader above (or HR) sends a submitted report back with a comment.

    It is the unit's leader's to change again (``RETURNED``, edited as a draft), and
    they are told why. A comment is required. The same refusals as ``report_approve``.
    """
    access.ensure_can_review(by, report.unit)
    current = _locked(TertialReport, report.pk, version, first=_reviewable(by))
    comment = comment.strip()
    problem = text_problem(comment, limit=REPORT_COMMENT_MAX)
    if problem or not comment:
        raise ValidationError(
            {"comment": problem or _("Say what the leader should change before resubmitting.")}
        )
    current.state = TertialReport.State.RETURNED
    current.reviewed_at = timezone.now()
    current.reviewed_by = by
    current.review_comment = comment
    current.version += 1
    history_user_set(current, by)
    current.save(update_fields=["state", "reviewed_at", "reviewed_by", "review_comment", "version"])
    _event(current, ReportEvent.Kind.RETURNED, by, comment)
    return current


@transaction.atomic
def report_reopen(*, report: TertialReport, by: User) -> TertialReport:
    """HR only: a submitted or approved report back to draft, so the leader can change it."""
    access.ensure_hr(by)
    current = TertialReport.objects.select_for_update().get(pk=report.pk)
    if current.editable:
        return current
    current.state = TertialReport.State.DRAFT
    current.submitted_at = None
    current.submitted_by = None
    # A reopened report is a draft again: an earlier approval or return no longer holds.
    current.reviewed_at = None
    current.reviewed_by = None
    current.review_comment = ""
    current.version += 1
    history_user_set(current, by)
    current.save(
        update_fields=[
            "state",
            "submitted_at",
            "submitted_by",
            "reviewed_at",
            "reviewed_by",
            "review_comment",
            "version",
        ]
    )
    _event(current, ReportEvent.Kind.REOPENED, by)
    return current


@transaction.atomic
def area_summary_save(
    *, unit: OrgUnit, year: int, tertial: int, by: User, version: int, text: str
) -> AreaSummary:
    """The reviewer's summary of ``unit``'s subtree for the round (the area's text).

    Written by a leader of the unit (who reviews the units below it) or HR. ``version``
    0 for the first save; ``ConflictError`` when another save came in between.
    """
    if not (access.is_hr(by) or unit.pk in access.led_unit_ids(by)):
        raise PermissionDenied
    report_period_validate(year, tertial)
    problem = text_problem(text, limit=REPORT_SUMMARY_MAX)
    if problem:
        raise ValidationError({"text": problem})
    if not selectors.has_reporting_units_below(unit):
        raise ValidationError(
            {
                "text": _("No unit below %(unit)s reports, so it has no area to summarise.")
                % {"unit": unit.name}
            }
        )

    def make() -> AreaSummary:
        return AreaSummary(unit=unit, year=year, tertial=tertial, version=0, updated_by=by)

    summary, _created = _get_or_create(
        AreaSummary, {"unit": unit, "year": year, "tertial": tertial}, make
    )
    current = AreaSummary.objects.select_for_update().get(pk=summary.pk)
    if current.version != version:
        raise ConflictError(current=current)
    current.text = text.strip()
    current.updated_by = by
    current.version += 1
    history_user_set(current, by)
    current.save()
    return current


# --- The representatives' own voice ----------------------------------------------------------

# The longest remark, in characters.
REMARK_MAX = 5000


def _capacity_validate(capacity: str) -> None:
    if capacity not in Capacity.values:
        raise ValidationError({"capacity": _("Choose tillitsvalgt or verneombud.")})


@transaction.atomic
def participation_confirm(
    *, action: Action, by: User, capacity: str = Capacity.UNION
) -> tuple[ParticipationConfirmation, bool]:
    """An employee representative confirms they took part in the action; whether it is new.

    Only a representative of the action's unit (assigned to it or a unit above) may.
    One confirmation per person and action: confirming again returns the first one
    unchanged (a double click, or a second tab). It does not touch the leader's
    «representatives took part» checkbox, nor the action's version.
    """
    access.ensure_can_speak_as_representative(by, action.plan.unit)
    _capacity_validate(capacity)

    def make() -> ParticipationConfirmation:
        confirmation = ParticipationConfirmation(action=action, user=by, capacity=capacity)
        history_user_set(confirmation, by)
        return confirmation

    return _get_or_create(ParticipationConfirmation, {"action": action, "user": by}, make)


@transaction.atomic
def participation_withdraw(*, action: Action, by: User) -> bool:
    """The representative withdraws their own confirmation; whether there was one.

    A representative can only withdraw their own (another's is not theirs to take back);
    the history keeps the withdrawn confirmation.
    """
    access.ensure_can_speak_as_representative(by, action.plan.unit)
    found = ParticipationConfirmation.objects.select_for_update().filter(action=action, user=by)
    withdrawn = False
    for confirmation in found:
        history_user_set(confirmation, by)
        confirmation.delete()
        withdrawn = True
    return withdrawn


@transaction.atomic
def representative_remark_add(
    *,
    unit: OrgUnit,
    year: int,
    by: User,
    text: str,
    tertial: int | None = None,
    capacity: str = Capacity.UNION,
) -> RepresentativeRemark:
    """An employee representative's remark on the unit's plan (``tertial`` None) or report.

    A remark on a report may be written whatever the report's state (before the leader
    has started it, as a draft, submitted, returned or approved): it is the
    representative's voice, not part of the leader's report, so submitting does not
    lock it. Once the tertial's round is closed the round is final, and a remark on it is
    refused (``RoundClosedError``), as the leader's changes are.
    """
    access.ensure_can_speak_as_representative(by, unit)
    _capacity_validate(capacity)
    if tertial is None:
        plan_year_validate(year)
    else:
        report_period_validate(year, tertial)
        if TertialRound.objects.filter(
            year=year, tertial=tertial, state=TertialRound.State.CLOSED
        ).exists():
            raise RoundClosedError
    text = text.strip()
    problem = text_problem(text, limit=REMARK_MAX)
    if problem or not text:
        raise ValidationError({"text": problem or _("Write the remark.")})
    remark = RepresentativeRemark(
        unit=unit, year=year, tertial=tertial, author=by, capacity=capacity, text=text
    )
    history_user_set(remark, by)
    remark.save()
    return remark


@transaction.atomic
def representative_remark_delete(*, remark: RepresentativeRemark, by: User) -> None:
    """The author deletes their own remark (the history keeps it).

    Only its author, and only while they still represent the unit; a remark on a closed
    round stays (``RoundClosedError``).
    """
    if remark.author_id != by.pk:
        raise PermissionDenied
    access.ensure_can_speak_as_representative(by, remark.unit)
    if (
        remark.tertial is not None
        and TertialRound.objects.filter(
            year=remark.year, tertial=remark.tertial, state=TertialRound.State.CLOSED
        ).exists()
    ):
        raise RoundClosedError
    history_user_set(remark, by)
    remark.delete()


# --- Rounds ------------------------------------------------------------------------------


# The advisory lock of opening rounds (one at a time: the older open ones close).
ROUND_LOCK_ID = 7_301_015


def _deadline_problem(deadline: dt.date, opened: dt.date) -> str | None:
    if deadline < opened:
        return _("The deadline cannot be before the round opened.")
    if deadline > opened + dt.timedelta(days=366):
        return _("The deadline must be within a year of the round's opening.")
    return None


@transaction.atomic
def round_open(
    *, year: int, tertial: int, by: User | None, deadline: dt.date | None = None
) -> TertialRound:
    """Open the tertial's round (or open it again); ``by`` None: the recompute opened it.

    Only an ended tertial (``ValidationError`` otherwise). The deadline is ``deadline``
    or ``ROUND_DEADLINE_DAYS`` from today. Every other open round closes: leaders report
    in one round at a time.
    """
    if by is not None:
        access.ensure_hr(by)
    report_period_validate(year, tertial)
    today = timezone.localdate()
    if P.tertial(year, tertial).end >= today:
        raise ValidationError(
            {"tertial": _("A round opens for an ended tertial: its figures do not exist yet.")}
        )
    deadline = deadline or today + dt.timedelta(days=settings.ROUND_DEADLINE_DAYS)
    problem = _deadline_problem(deadline, today)
    if problem:
        raise ValidationError({"deadline": problem})
    advisory_xact_lock(ROUND_LOCK_ID)
    current = TertialRound.objects.select_for_update().filter(year=year, tertial=tertial).first()
    if current is not None and current.state == TertialRound.State.OPEN:
        return current
    if current is None:
        current = TertialRound(year=year, tertial=tertial)
    current.state = TertialRound.State.OPEN
    current.opened_at = timezone.now()
    current.opened_by = by
    current.deadline = deadline
    current.closed_at = None
    current.closed_by = None
    current.version += 0 if current.pk is None else 1
    history_user_set(current, by)
    current.save()
    # One round at a time, whichever is opened: a newer open round closes too.
    others = TertialRound.objects.filter(state=TertialRound.State.OPEN).exclude(pk=current.pk)
    for stale in others.select_for_update():
        _round_close(stale, by)
    from .tasks import round_notices  # the tasks import this module

    # The leaders are told at once; when the queue is down, beat's morning run does it.
    enqueue_on_commit(round_notices, on_unreachable=_beat_catches_up)
    return current


def _round_close(round_: TertialRound, by: User | None) -> None:
    round_.state = TertialRound.State.CLOSED
    round_.closed_at = timezone.now()
    round_.closed_by = by
    round_.version += 1
    history_user_set(round_, by)
    round_.save()


@transaction.atomic
def round_close(*, round_: TertialRound, by: User, version: int) -> TertialRound:
    """HR closes the round: its reports can no longer be changed (HR may open it again)."""
    access.ensure_hr(by)
    current = _locked(TertialRound, round_.pk, version)
    if current.state == TertialRound.State.OPEN:
        _round_close(current, by)
    return current


@transaction.atomic
def round_deadline_set(
    *, round_: TertialRound, by: User, version: int, deadline: dt.date
) -> TertialRound:
    """HR moves the round's deadline (reminders follow the new date)."""
    access.ensure_hr(by)
    current = _locked(TertialRound, round_.pk, version)
    problem = _deadline_problem(deadline, timezone.localtime(current.opened_at).date())
    if problem:
        raise ValidationError({"deadline": problem})
    current.deadline = deadline
    current.version += 1
    history_user_set(current, by)
    current.save(update_fields=["deadline", "version"])
    return current


def round_open_when_figures_exist(*, today: dt.date | None = None) -> TertialRound | None:
    """Open the last ended tertial's round once its last month has computed figures.

    Called after every recompute (``measures.signals.figures_stored``) and by the
    daily notice task. Only the tertial before the running one opens by itself (an
    import of old data opens no old round), and only once: a round HR closed stays
    closed. Returns the round it opened, if any.
    """
    today = today or timezone.localdate()
    year, tertial = P.tertial_before(*P.tertial_of(today))
    if TertialRound.objects.filter(year=year, tertial=tertial).exists():
        return None
    if (year, tertial) not in selectors.tertials_with_figures([(year, tertial)]):
        return None
    return round_open(year=year, tertial=tertial, by=None)
