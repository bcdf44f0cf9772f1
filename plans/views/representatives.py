"""The employee representatives' own voice (thin views): confirm participation, remarks.

Only a representative of the unit (``org.access.can_speak_as_representative``) may post
here; the services ask the gate again. Each form comes back to the page it was sent
from: the plan, or the tertial report named by ``back`` («T1»–«T3»).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from org import access
from org.models import OrgUnit

from .. import selectors
from .. import services as plans
from ..forms import ParticipationForm, RemarkForm, add_service_errors
from ..models import Action, RepresentativeRemark
from .actions import render_plan, submitted_again
from .reports import render_report_page

BACK_TO_REPORT = {"T1": 1, "T2": 2, "T3": 3}


def _speaking_unit(request: HttpRequest, unit_code: str) -> OrgUnit:
    unit = get_object_or_404(OrgUnit, code=unit_code)
    access.ensure_can_speak_as_representative(request.user, unit)
    return unit


def _back_url(request: HttpRequest, unit: OrgUnit, year: int, anchor: str) -> str:
    tertial = BACK_TO_REPORT.get(request.POST.get("back", ""))
    if tertial is None:
        url = reverse("plans:plan-detail", args=[unit.code, year])
    else:
        url = reverse("plans:tertial-report-edit", args=[unit.code, year, tertial])
    return f"{url}#{anchor}"


def _action(unit: OrgUnit, year: int, pk: int) -> Action:
    try:
        return Action.objects.select_related("plan__unit").get(
            pk=pk, plan__unit=unit, plan__year=year
        )
    except Action.DoesNotExist as exc:
        raise Http404 from exc


@login_required
@require_POST
def participation_confirm(request: HttpRequest, unit_code: str, year: int, pk: int) -> HttpResponse:
    """«Bekreft deltakelse»: the representative confirms they took part in the action."""
    unit = _speaking_unit(request, unit_code)
    action = _action(unit, year, pk)
    form = ParticipationForm(request.POST)
    capacity = form.cleaned_data["capacity"] if form.is_valid() else ""
    if not capacity:
        messages.error(request, _("Choose tillitsvalgt or verneombud."))
    else:
        _confirmation, created = plans.participation_confirm(
            action=action, by=request.user, capacity=capacity
        )
        if created:
            messages.success(
                request,
                _("You have confirmed your participation in «%(title)s».")
                % {"title": action.title},
            )
        else:
            messages.info(request, _("You had already confirmed your participation."))
    return redirect(_back_url(request, unit, year, f"action-{action.pk}"))


@login_required
@require_POST
def participation_withdraw(
    request: HttpRequest, unit_code: str, year: int, pk: int
) -> HttpResponse:
    """The representative takes back their own confirmation."""
    unit = _speaking_unit(request, unit_code)
    action = _action(unit, year, pk)
    if plans.participation_withdraw(action=action, by=request.user):
        messages.success(
            request,
            _("Your confirmation of «%(title)s» is withdrawn.") % {"title": action.title},
        )
    else:
        messages.info(request, _("You had not confirmed your participation."))
    return redirect(_back_url(request, unit, year, f"action-{action.pk}"))


def _remark_add(
    request: HttpRequest, *, unit: OrgUnit, year: int, tertial: int | None
) -> HttpResponse:
    form = RemarkForm(request.POST)
    if form.is_valid():

        def perform() -> tuple[RepresentativeRemark, int, str]:
            remark = plans.representative_remark_add(
                unit=unit,
                year=year,
                tertial=tertial,
                by=request.user,
                text=form.cleaned_data["text"],
                capacity=form.cleaned_data["capacity"],
            )
            return remark, remark.pk, ""

        try:
            submitted = plans.submit_once(
                by=request.user,
                key=form.submission_key(),
                scope=f"remark:{unit.pk}:{year}:{tertial or ''}",
                content=form.content(),
                perform=perform,
            )
        except plans.SubmissionKeyReusedError:
            form = submitted_again(form, request.POST, RemarkForm)  # type: ignore[arg-type]
        except plans.RoundClosedError:
            messages.error(
                request, _("The round for this tertial is closed: remarks can no longer be added.")
            )
            return redirect(_remarks_url(unit, year, tertial))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if submitted.replayed:
                messages.info(request, _("The form was sent twice; it was saved once."))
            else:
                messages.success(request, _("Your remark is saved."))
            return redirect(_remarks_url(unit, year, tertial))
    if tertial is None:
        return render_plan(request, unit=unit, year=year, remark_form=form, status=400)
    report = selectors.report_find(unit=unit, year=year, tertial=tertial)
    return render_report_page(
        request,
        unit=unit,
        year=year,
        tertial=tertial,
        report=report,
        remark_form=form,
        status=400,
    )


def _remarks_url(unit: OrgUnit, year: int, tertial: int | None) -> str:
    if tertial is None:
        url = reverse("plans:plan-detail", args=[unit.code, year])
    else:
        url = reverse("plans:tertial-report-edit", args=[unit.code, year, tertial])
    return f"{url}#remarks"


@login_required
@require_POST
def plan_remark_add(request: HttpRequest, unit_code: str, year: int) -> HttpResponse:
    """A representative's remark on the unit's plan for ``year``."""
    unit = _speaking_unit(request, unit_code)
    try:
        plans.plan_year_validate(year)
    except ValidationError as exc:
        raise Http404 from exc
    return _remark_add(request, unit=unit, year=year, tertial=None)


@login_required
@require_POST
def report_remark_add(
    request: HttpRequest, unit_code: str, year: int, tertial: int
) -> HttpResponse:
    """A representative's remark on the unit's tertial report (whatever its state)."""
    unit = _speaking_unit(request, unit_code)
    try:
        plans.report_period_validate(year, tertial)
    except ValidationError as exc:
        raise Http404 from exc
    return _remark_add(request, unit=unit, year=year, tertial=tertial)


@login_required
@require_POST
def remark_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """The author deletes their own remark."""
    remark = get_object_or_404(RepresentativeRemark.objects.select_related("unit"), pk=pk)
    if remark.author_id != request.user.pk:
        raise PermissionDenied
    try:
        plans.representative_remark_delete(remark=remark, by=request.user)
    except plans.RoundClosedError:
        messages.error(
            request, _("The round for this tertial is closed: its remarks can no longer change.")
        )
    else:
        messages.success(request, _("Your remark is deleted."))
    return redirect(_remarks_url(remark.unit, remark.year, remark.tertial))
