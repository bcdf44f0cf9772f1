"""Views of action plans and their actions: thin, they ask ``org.access`` and call services.

Every view that takes a unit code asks the gate: a user who may not read the unit's
plans gets 403, whatever URL they guess; anonymous users are sent to the login page.
"""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from goals.models import Strategy
from goals.selectors import strategy_get_active
from measures import health_data
from measures.models import HealthDataAccess
from org import access
from org.access import hr_required, plans_required
from org.models import OrgUnit

from .. import services as plans
from ..forms import (
    ActionForm,
    ParticipationForm,
    PlanListFilterForm,
    RemarkForm,
    VersionForm,
    action_initial,
    add_service_errors,
    with_new_submission_key,
)
from ..models import Action, ActionPlan
from ..selectors import plan_action_get, plan_find, plan_history, plan_list_rows, plan_page


def _unit(request: HttpRequest, unit_code: str, year: int, *, edit: bool = False) -> OrgUnit:
    try:
        plans.plan_year_validate(year)  # the same years as the API
    except ValidationError as exc:
        raise Http404 from exc
    unit = get_object_or_404(OrgUnit, code=unit_code)
    if edit:
        access.ensure_can_edit_plans(request.user, unit)
    else:
        access.ensure_can_read_plans(request.user, unit)
    return unit


def _strategy() -> Strategy:
    strategy = strategy_get_active()
    if strategy is None:
        raise Http404
    return strategy


def _plan(unit: OrgUnit, year: int) -> ActionPlan:
    plan = plan_find(unit=unit, year=year, strategy=_strategy())
    if plan is None:
        raise Http404
    return plan


def _plan_url(unit: OrgUnit, year: int, anchor: str = "") -> str:
    url = reverse("plans:plan-detail", args=[unit.code, year])
    return f"{url}#{anchor}" if anchor else url


@plans_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    """The units whose plans the user may read, with the year's plan and its participation.

    ``?year=`` chooses the year (this year by default), ``?tillitsvalgte=ja|nei`` keeps the
    units whose plan the representatives did, or did not, take part in.
    """
    this_year = timezone.localdate().year
    form = PlanListFilterForm(request.GET or None, this_year=this_year)
    year, representatives = this_year, ""
    if form.is_valid():
        year = int(form.cleaned_data["year"] or this_year)
        representatives = form.cleaned_data["tillitsvalgte"]
    return render(
        request,
        "plans/plan_list.html",
        {
            "year": year,
            "form": form,
            "filtered": bool(representatives),
            "rows": plan_list_rows(user=request.user, year=year, representatives=representatives),
        },
    )


@login_required
@require_GET
def plan_detail(request: HttpRequest, unit_code: str, year: int) -> HttpResponse:
    """The plan: per goal its actions and indicators, and the «Ledere skal» list as prompts.

    The indicators' figures are shown only to readers who may see the unit's figures
    (HR and its leaders, not its representatives); a view of them is logged.
    """
    unit = _unit(request, unit_code, year)
    return render_plan(request, unit=unit, year=year)


def render_plan(
    request: HttpRequest,
    *,
    unit: OrgUnit,
    year: int,
    remark_form: RemarkForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The plan page; ``remark_form`` a representative's remark sent back with its errors.

    The indicators' figures are shown only to readers who may see the unit's figures
    (HR and its leaders, not its representatives); a view of them is logged.
    """
    show_figures = access.can_view_unit_indicators(request.user, unit)
    page = plan_page(unit=unit, year=year, with_values=show_figures)
    speaks = access.can_speak_as_representative(request.user, unit)
    mark_own_confirmations(
        [action for section in page.sections for action in section.actions], request.user
    )
    response = render(
        request,
        "plans/plan_detail.html",
        {
            "page": page,
            "can_edit": access.can_edit_plans(request.user, unit),
            "is_hr": access.is_hr(request.user),
            "show_figures": show_figures,
            "is_representative": speaks,
            "remark_form": (remark_form or RemarkForm()) if speaks else None,
            "participation_form": ParticipationForm() if speaks else None,
        },
        status=status,
    )
    if show_figures and status == 200:
        health_data.record(request, HealthDataAccess.Route.PAGE, unit.code)
    return health_data.no_store(response)


def mark_own_confirmations(actions: list[Action], user: object) -> None:
    """Set ``confirmed_by_me`` on each action (from its prefetched confirmations)."""
    for action in actions:
        action.confirmed_by_me = any(  # type: ignore[attr-defined]
            c.user_id == getattr(user, "pk", None) for c in action.confirmations.all()
        )


def submitted_again(form: forms.Form, data: object, make: Callable[[object], forms.Form]) -> Any:
    """The form again with a fresh key, after its key was used for other content."""
    form = make(with_new_submission_key(data))
    form.is_valid()
    form.add_error(
        None,
        _(
            "This form was already saved once, with other content. What you see here has "
            "not been saved: check it, and save again to save it too."
        ),
    )
    return form


def _saved_message(request: HttpRequest, submitted: plans.Submitted, title: str) -> None:
    if submitted.replayed:
        messages.info(request, _("The form was sent twice; it was saved once."))
    else:
        messages.success(request, _("The action «%(title)s» is saved.") % {"title": title})


@login_required
@require_http_methods(["GET", "POST"])
def action_create(request: HttpRequest, unit_code: str, year: int) -> HttpResponse:
    """A new action; the plan is created with it when the unit has none for the year."""
    unit = _unit(request, unit_code, year, edit=True)
    strategy = _strategy()
    if request.method == "POST":
        form = ActionForm(request.POST, strategy=strategy)
        if form.is_valid():

            def perform() -> tuple[Action, int, str]:
                plan = plans.plan_get_or_create(unit=unit, year=year, by=request.user)
                action = plans.action_create(plan=plan, by=request.user, **form.action_fields())
                return action, action.pk, _plan_url(unit, year, f"goal-{action.goal.number}")

            try:
                submitted = plans.submit_once(
                    by=request.user,
                    key=form.submission_key(),
                    scope=f"action-create:{unit.pk}:{year}",
                    content=form.content(),
                    perform=perform,
                )
            except plans.SubmissionKeyReusedError:
                form = submitted_again(
                    form, request.POST, lambda data: ActionForm(data, strategy=strategy)
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                _saved_message(request, submitted, form.cleaned_data["title"])
                return redirect(submitted.location)
    else:
        form = ActionForm(strategy=strategy, initial={"goal": request.GET.get("goal")})
    return render(
        request,
        "plans/action_form.html",
        {"form": form, "unit": unit, "year": year, "action": None, "conflict": None},
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, unit_code: str, year: int, pk: int) -> HttpResponse:
    """Edit an action; a save against a stale version shows the conflict, overwriting nothing."""
    unit = _unit(request, unit_code, year, edit=True)
    plan = _plan(unit, year)
    try:
        action = plan_action_get(plan=plan, pk=pk)
    except Action.DoesNotExist as exc:
        raise Http404 from exc
    conflict = None
    if request.method == "POST":
        form = ActionForm(request.POST, strategy=plan.strategy)
        if form.is_valid():

            def perform() -> tuple[Action, int, str]:
                saved = plans.action_update(
                    action=action,
                    by=request.user,
                    version=form.cleaned_data["version"] or 0,
                    **form.action_fields(),
                )
                return saved, saved.pk, _plan_url(unit, year, f"goal-{saved.goal.number}")

            try:
                # A double click sends the same version twice: the second is no conflict.
                submitted = plans.submit_once(
                    by=request.user,
                    key=form.submission_key(),
                    scope=f"action-edit:{action.pk}",
                    content=form.content(),
                    perform=perform,
                )
            except plans.ConflictError as exc:
                conflict = exc.current
                # Keep what the user wrote; a second save, made knowingly, may overwrite.
                data = request.POST.copy()
                data["version"] = str(conflict.version)
                form = ActionForm(data, strategy=plan.strategy)
                form.is_valid()
            except plans.SubmissionKeyReusedError:
                form = submitted_again(
                    form, request.POST, lambda data: ActionForm(data, strategy=plan.strategy)
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            except Action.DoesNotExist:
                messages.error(request, _("Someone else has deleted the action."))
                return redirect(_plan_url(unit, year))
            else:
                _saved_message(request, submitted, form.cleaned_data["title"])
                return redirect(submitted.location)
    else:
        form = ActionForm(strategy=plan.strategy, initial=action_initial(action))
    return render(
        request,
        "plans/action_form.html",
        {"form": form, "unit": unit, "year": year, "action": action, "conflict": conflict},
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_delete(request: HttpRequest, unit_code: str, year: int, pk: int) -> HttpResponse:
    unit = _unit(request, unit_code, year, edit=True)
    plan = _plan(unit, year)
    try:
        action = plan_action_get(plan=plan, pk=pk)
    except Action.DoesNotExist as exc:
        if request.method == "POST":
            # Deleted already: by a double click, or by someone else. Nothing to do.
            messages.info(request, _("The action has been deleted."))
            return redirect(_plan_url(unit, year))
        raise Http404 from exc
    conflict = None
    form = VersionForm(initial={"version": action.version})
    if request.method == "POST":
        form = VersionForm(request.POST)
        if form.is_valid():
            try:
                plans.action_delete(
                    action=action, by=request.user, version=form.cleaned_data["version"]
                )
            except plans.ConflictError as exc:
                conflict = action = exc.current
                form = VersionForm(initial={"version": conflict.version})
            except Action.DoesNotExist:
                return redirect(_plan_url(unit, year))
            else:
                messages.success(
                    request, _("The action «%(title)s» is deleted.") % {"title": action.title}
                )
                return redirect(_plan_url(unit, year))
    return render(
        request,
        "plans/action_delete.html",
        {"form": form, "unit": unit, "year": year, "action": action, "conflict": conflict},
    )


@login_required
@require_POST
def plan_copy(request: HttpRequest, unit_code: str, year: int) -> HttpResponse:
    """Copy last year's unfinished actions into this year's plan."""
    unit = _unit(request, unit_code, year, edit=True)
    try:
        plan = plans.plan_get_or_create(unit=unit, year=year, by=request.user)
    except ValidationError as exc:
        raise Http404 from exc
    copies = plans.plan_copy_unfinished(plan=plan, by=request.user)
    if copies:
        messages.success(
            request,
            ngettext(
                "%(count)d unfinished action copied from last year.",
                "%(count)d unfinished actions copied from last year.",
                len(copies),
            )
            % {"count": len(copies)},
        )
    else:
        messages.info(request, _("There were no unfinished actions from last year to copy."))
    return redirect(_plan_url(unit, year))


@hr_required
@require_GET
def history(request: HttpRequest, unit_code: str, year: int) -> HttpResponse:
    """Who changed what in the plan and its actions (HR only)."""
    unit = _unit(request, unit_code, year)
    plan = plan_find(unit=unit, year=year, strategy=_strategy())
    return render(
        request,
        "plans/plan_history.html",
        {
            "unit": unit,
            "year": year,
            "entries": plan_history(plan=plan) if plan is not None else [],
        },
    )
