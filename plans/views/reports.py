"""Tertial report pages (thin views): list, form, submit and confirm, reopen, missing reports.

Who may read or edit which unit is decided by ``org.access`` only; a leader who
guesses another unit's URL gets 403, an unknown unit or tertial 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from measures import health_data
from measures import periods as P
from measures.models import HealthDataAccess
from org import access
from org.access import hr_required, plans_required
from org.models import OrgUnit

from .. import selectors
from .. import services as reports
from ..forms import (
    ConfirmSubmitForm,
    ParticipationForm,
    RemarkForm,
    TertialReportForm,
    add_service_errors,
    new_submission_key,
    with_new_submission_key,
)
from ..models import TertialReport
from .actions import mark_own_confirmations

# The missing-reports page offers this many ended tertials to choose from.
MISSING_CHOICES = 6


def _unit_and_tertial(request: HttpRequest, unit_code: str, year: int, tertial: int) -> OrgUnit:
    """The unit, if ``request.user`` may read its reports; 404 for a tertial not begun."""
    unit = get_object_or_404(OrgUnit, code=unit_code)
    access.ensure_can_read_plans(request.user, unit)
    try:
        reports.report_period_validate(year, tertial)  # the same tertials as the API
    except ValidationError as exc:
        raise Http404 from exc
    return unit


def _report_url(unit: OrgUnit, year: int, tertial: int) -> str:
    return reverse(
        "plans:tertial-report-edit",
        kwargs={"unit_code": unit.code, "year": year, "tertial": tertial},
    )


@plans_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    """The reports of the units the user may read: this tertial and the last ended one."""
    user = request.user
    today = timezone.localdate()
    tertials = [P.tertial_of(today), P.last_ended_tertial(today)]
    rows = selectors.report_list_for_user(user=user, tertials=tertials)
    table = [
        {
            "unit": row.unit,
            "cells": [
                {
                    "year": year,
                    "tertial": tertial,
                    "report": row.reports.get((year, tertial)),
                    "url": _report_url(row.unit, year, tertial),
                }
                for year, tertial in tertials
            ],
        }
        for row in rows
    ]
    return render(
        request,
        "plans/report_list.html",
        {
            "tertials": [P.tertial(y, t) for y, t in tertials],
            "table": table,
            "reviews": bool(access.reviewed_unit_ids(user)),
        },
    )


def _state_context(unit: OrgUnit, year: int, tertial: int, report: TertialReport | None) -> dict:
    """What the page says about the report's state and the round (two queries at most)."""
    found = selectors.round_find(year=year, tertial=tertial)
    return {
        "round": found,
        "round_closed": found is not None and found.state == found.State.CLOSED,
        "round_open": found is not None and found.state == found.State.OPEN,
        "reviewers": selectors.leaders_above(unit=unit)
        if report is None or report.state != TertialReport.State.APPROVED
        else [],
    }


def _explain_text(item: selectors.ReportIndicator) -> str:
    if not item.explanation_required:
        return ""
    if item.status == "near":
        return _("Must be explained: the target is nearly met")
    return _("Must be explained: the target is not met")


def render_report_page(
    request: HttpRequest,
    *,
    unit: OrgUnit,
    year: int,
    tertial: int,
    report: TertialReport | None,
    form: TertialReportForm | None = None,
    problem: str = "",
    status: int = 200,
    remark_form: RemarkForm | None = None,
) -> HttpResponse:
    # Representatives read the leader's comments, never the figures (personvern).
    show_figures = access.can_view_unit_indicators(request.user, unit)
    indicators = selectors.report_indicators(
        unit=unit, year=year, tertial=tertial, report=report, with_values=show_figures
    )
    has_plan, actions = selectors.plan_actions_for_report(unit=unit, year=year)
    mark_own_confirmations(actions, request.user)
    speaks = access.can_speak_as_representative(request.user, unit)
    state = _state_context(unit, year, tertial, report)
    can_edit = access.can_edit_plans(request.user, unit)
    editable = can_edit and (report is None or report.editable) and not state["round_closed"]
    if editable and form is None:
        chosen = list(report.prioritised_actions.values_list("pk", flat=True)) if report else []
        initial = {
            "version": report.version if report else 1,
            "summary": report.summary if report else "",
            "prioritised_actions": chosen,
        }
        initial |= TertialReportForm.initial_for(indicators)
        form = TertialReportForm(initial=initial, indicators=indicators, actions=actions)
    elif form is not None:
        form.indicators = indicators
    by_id = {a.pk: a for a in actions}
    chosen_ids = set(report.prioritised_actions.values_list("pk", flat=True)) if report else set()
    use_form = form if editable else None
    rows = []
    for row in indicators:
        pk = row.indicator.pk
        rows.append(
            {
                "item": row,
                "explain": _explain_text(row),
                "actions": [by_id[i] for i in sorted(row.action_ids) if i in by_id],
                "field": use_form[TertialReportForm.comment_name(pk)] if use_form else None,
                "actions_field": use_form[TertialReportForm.actions_name(pk)]
                if use_form and has_plan and actions
                else None,
                "reason_field": use_form[TertialReportForm.reason_name(pk)] if use_form else None,
            }
        )
    error_summary = []
    if use_form is not None and use_form.is_bound:
        error_summary = [
            {"message": message, "anchor": use_form.error_anchor(name)}
            for name, problems in use_form.errors.items()
            if name != "__all__"
            for message in problems
        ]
    response = render(
        request,
        "plans/report_form.html",
        {
            "unit": unit,
            "period": P.tertial(year, tertial),
            "year": year,
            "tertial": tertial,
            "report": report,
            "rows": rows,
            "has_plan": has_plan,
            "actions": actions,
            "prioritised": [a for a in actions if a.pk in chosen_ids],
            "form": use_form,
            "error_summary": error_summary,
            "problem": problem,
            "is_hr_user": access.is_hr(request.user),
            "show_figures": show_figures,
            "is_representative": speaks,
            "period_back": f"T{tertial}",
            "remarks": selectors.representative_remarks(unit=unit, year=year, tertial=tertial),
            "remark_form": (remark_form or RemarkForm())
            if speaks and not state["round_closed"]
            else None,
            "participation_form": ParticipationForm() if speaks else None,
            **state,
        },
        status=status,
    )
    if show_figures and status == 200:
        health_data.record(request, HealthDataAccess.Route.PAGE, unit.code)
    return health_data.no_store(response)


def _render_refused(
    request: HttpRequest,
    *,
    unit: OrgUnit,
    year: int,
    tertial: int,
    error: ValidationError,
    problem: str = "",
) -> HttpResponse:
    """The form as stored, with each unexplained indicator's problems next to its fields."""
    report = selectors.report_find(unit=unit, year=year, tertial=tertial)
    indicators = selectors.report_indicators(unit=unit, year=year, tertial=tertial, report=report)
    _has_plan, actions = selectors.plan_actions_for_report(unit=unit, year=year)
    data: dict = {
        "version": report.version if report else 1,
        "summary": report.summary if report else "",
        "prioritised_actions": list(report.prioritised_actions.values_list("pk", flat=True))
        if report
        else [],
        "submission": new_submission_key(),
    }
    data |= TertialReportForm.initial_for(indicators)
    form = TertialReportForm(data, indicators=indicators, actions=actions)
    form.is_valid()
    form.add_unexplained(error)
    return render_report_page(
        request,
        unit=unit,
        year=year,
        tertial=tertial,
        report=report,
        form=form,
        status=400,
        problem=problem
        or _(
            "The draft has been saved, but it cannot be submitted yet: every indicator that "
            "must be explained needs a comment, and an action or a reason why there is none."
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_edit(request: HttpRequest, unit_code: str, year: int, tertial: int) -> HttpResponse:
    """The report form (GET); saving a draft (POST)."""
    unit = _unit_and_tertial(request, unit_code, year, tertial)
    report = selectors.report_find(unit=unit, year=year, tertial=tertial)
    if request.method == "GET":
        return render_report_page(request, unit=unit, year=year, tertial=tertial, report=report)
    return _save(request, unit=unit, year=year, tertial=tertial, submit=False)


@login_required
@require_POST
def report_submit(request: HttpRequest, unit_code: str, year: int, tertial: int) -> HttpResponse:
    """ "Submit" on the form: save the draft, then ask to confirm (or say what is missing)."""
    unit = _unit_and_tertial(request, unit_code, year, tertial)
    return _save(request, unit=unit, year=year, tertial=tertial, submit=True)


def _confirm_url(unit: OrgUnit, year: int, tertial: int) -> str:
    return reverse(
        "plans:tertial-report-confirm",
        kwargs={"unit_code": unit.code, "year": year, "tertial": tertial},
    )


@login_required
@require_http_methods(["GET", "POST"])
def report_confirm(request: HttpRequest, unit_code: str, year: int, tertial: int) -> HttpResponse:
    """The confirmation step: what will be locked (GET); the submission itself (POST)."""
    unit = _unit_and_tertial(request, unit_code, year, tertial)
    access.ensure_can_edit_plans(request.user, unit)
    report = selectors.report_find(unit=unit, year=year, tertial=tertial)
    context = {"unit": unit, "year": year, "tertial": tertial}
    if report is None or not report.editable:
        return redirect(_report_url(unit, year, tertial))
    found = selectors.round_find(year=year, tertial=tertial)
    if found is None or found.state != found.State.OPEN:
        messages.error(request, _round_not_open_message())
        return redirect(_report_url(unit, year, tertial))
    if request.method == "GET":
        return _render_confirm(
            request,
            **context,
            report=report,
            form=ConfirmSubmitForm(initial={"version": report.version}),
        )
    form = ConfirmSubmitForm(request.POST)
    if not form.is_valid():
        return _render_confirm(request, **context, report=report, form=form, status=400)

    def perform() -> tuple[TertialReport, int, str]:
        submitted = reports.report_submit(
            report=report, by=request.user, version=form.cleaned_data["version"]
        )
        return submitted, submitted.pk, _report_url(unit, year, tertial)

    try:
        done = reports.submit_once(
            by=request.user,
            key=form.submission_key(),
            scope=f"report-submit:{unit.pk}:{year}:{tertial}",
            content=form.content(),
            perform=perform,
        )
    except reports.UnexplainedError as error:
        return _render_refused(
            request,
            **context,
            error=error,
            problem=_(
                "The report has not been submitted: every indicator that must be explained "
                "needs a comment, and an action or a reason why there is none."
            ),
        )
    except (reports.ConflictError, reports.SubmissionKeyReusedError):
        report = selectors.report_find(unit=unit, year=year, tertial=tertial)
        return render_report_page(
            request, **context, report=report, status=409, problem=_conflict_message()
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _render_confirm(request, **context, report=report, form=form, status=400)
    except reports.RoundNotOpenError:
        messages.error(request, _round_not_open_message())
        return redirect(_report_url(unit, year, tertial))
    except (reports.RoundClosedError, reports.ReportSubmittedError):
        return redirect(_report_url(unit, year, tertial))
    if done.replayed:
        messages.info(request, _("The form was sent twice; it was submitted once."))
    else:
        messages.success(request, _("The report has been submitted for review."))
    return redirect(done.location)


def _render_confirm(
    request: HttpRequest,
    *,
    unit: OrgUnit,
    year: int,
    tertial: int,
    report: TertialReport,
    form: ConfirmSubmitForm,
    status: int = 200,
) -> HttpResponse:
    show_figures = access.can_view_unit_indicators(request.user, unit)
    indicators = selectors.report_indicators(
        unit=unit, year=year, tertial=tertial, report=report, with_values=show_figures
    )
    _has_plan, actions = selectors.plan_actions_for_report(unit=unit, year=year)
    by_id = {a.pk: a for a in actions}
    chosen_ids = set(report.prioritised_actions.values_list("pk", flat=True))
    response = render(
        request,
        "plans/report_confirm.html",
        {
            "unit": unit,
            "period": P.tertial(year, tertial),
            "year": year,
            "tertial": tertial,
            "report": report,
            "form": form,
            "rows": [
                {
                    "item": row,
                    "explain": _explain_text(row),
                    "actions": [by_id[i] for i in sorted(row.action_ids) if i in by_id],
                }
                for row in indicators
            ],
            "prioritised": [a for a in actions if a.pk in chosen_ids],
            "reviewers": selectors.leaders_above(unit=unit),
            "show_figures": show_figures,
        },
        status=status,
    )
    if show_figures and status == 200:
        health_data.record(request, HealthDataAccess.Route.PAGE, unit.code)
    return health_data.no_store(response)


def _save(
    request: HttpRequest, *, unit: OrgUnit, year: int, tertial: int, submit: bool
) -> HttpResponse:
    """Save the draft; for "Submit", go on to the confirmation when nothing is missing."""
    access.ensure_can_edit_plans(request.user, unit)
    report = selectors.report_find(unit=unit, year=year, tertial=tertial)
    indicators = selectors.report_indicators(unit=unit, year=year, tertial=tertial, report=report)
    _has_plan, actions = selectors.plan_actions_for_report(unit=unit, year=year)
    form = TertialReportForm(request.POST, indicators=indicators, actions=actions)
    context = {"unit": unit, "year": year, "tertial": tertial}
    if not form.is_valid():
        return render_report_page(request, **context, report=report, form=form, status=400)

    def perform() -> tuple[TertialReport, int, str]:
        # A report not yet started is created here with version 1, the version a form
        # opened on a missing report carries: of two such forms, the second conflicts.
        started = report or reports.report_get_or_create(
            unit=unit, year=year, tertial=tertial, by=request.user
        )
        saved = reports.report_save(
            report=started,
            by=request.user,
            version=form.cleaned_data["version"],
            summary=form.cleaned_data["summary"],
            comments=form.comments(),
            prioritised_action_ids=[a.pk for a in form.cleaned_data["prioritised_actions"]],
            indicator_action_ids=form.indicator_actions(),
            no_action_reasons=form.no_action_reasons(),
        )
        return saved, saved.pk, _report_url(unit, year, tertial)

    try:
        # A double click sends the same version twice: the second is no conflict.
        saved = reports.submit_once(
            by=request.user,
            key=form.submission_key(),
            scope=f"report-save:{unit.pk}:{year}:{tertial}",
            content=form.content(),
            perform=perform,
        )
    except reports.ConflictError:
        report = selectors.report_find(unit=unit, year=year, tertial=tertial)
        return render_report_page(
            request, **context, report=report, form=form, status=409, problem=_conflict_message()
        )
    except reports.RoundClosedError:
        report = selectors.report_find(unit=unit, year=year, tertial=tertial)
        return render_report_page(
            request,
            **context,
            report=report,
            status=409,
            problem=_(
                "The tertial's round is closed: its reports can no longer be changed. "
                "HR can open the round again."
            ),
        )
    except reports.ReportSubmittedError:
        report = selectors.report_find(unit=unit, year=year, tertial=tertial)
        return render_report_page(
            request,
            **context,
            report=report,
            status=409,
            problem=_(
                "The report has been submitted and can no longer be changed. HR can reopen it."
            ),
        )
    except reports.SubmissionKeyReusedError:
        form = TertialReportForm(
            with_new_submission_key(request.POST), indicators=indicators, actions=actions
        )
        form.is_valid()
        form.add_error(
            None,
            _(
                "This form was already saved once, with other content. What you see here has "
                "not been saved: check it, and save again to save it too."
            ),
        )
        return render_report_page(request, **context, report=report, form=form, status=409)
    except ValidationError as error:
        add_service_errors(form, error)
        return render_report_page(request, **context, report=report, form=form, status=400)
    if submit:
        found = selectors.round_find(year=year, tertial=tertial)
        if found is None or found.state != found.State.OPEN:
            messages.info(request, _("The draft has been saved."))
            messages.error(request, _round_not_open_message())
            return redirect(saved.location)
        stored = selectors.report_find(unit=unit, year=year, tertial=tertial)
        rows = selectors.report_indicators(unit=unit, year=year, tertial=tertial, report=stored)
        lacking = selectors.report_unexplained(rows)
        if lacking:
            error = reports.UnexplainedError(
                lacking=lacking, names={row.indicator.pk: row.indicator.name for row in rows}
            )
            return _render_refused(request, **context, error=error)
        return redirect(_confirm_url(unit, year, tertial))
    if saved.replayed:
        messages.info(request, _("The form was sent twice; it was saved once."))
    else:
        messages.success(request, _("The draft has been saved."))
    return redirect(saved.location)


def _round_not_open_message() -> str:
    return _(
        "The report cannot be submitted yet: the round for this tertial opens when its "
        "figures are ready (or when HR opens it). You can save a draft until then."
    )


def _conflict_message() -> str:
    return _(
        "Someone else saved this report while you were writing, so your changes have not "
        "been saved. Copy your text, reload the page to see the latest version, and make "
        "your changes again."
    )


@hr_required
@require_POST
def report_reopen(request: HttpRequest, unit_code: str, year: int, tertial: int) -> HttpResponse:
    """HR: a submitted report back to draft."""
    unit = _unit_and_tertial(request, unit_code, year, tertial)
    report = selectors.report_find(unit=unit, year=year, tertial=tertial)
    if report is None:
        raise Http404
    reports.report_reopen(report=report, by=request.user)
    messages.success(request, _("The report has been reopened; the leader can change it again."))
    return redirect(_report_url(unit, year, tertial))


@hr_required
@require_GET
def missing_reports(request: HttpRequest) -> HttpResponse:
    """HR: units with a leader but no submitted report for a tertial (default: last ended)."""
    latest = P.last_ended_tertial(timezone.localdate())
    choices = [latest]
    for _i in range(MISSING_CHOICES - 1):
        choices.append(P.tertial_before(*choices[-1]))
    periods = [P.tertial(y, t) for y, t in choices]
    period = periods[0]
    try:
        asked = P.parse(request.GET.get("tertial", ""))
    except ValueError:
        asked = None
    # Any ended tertial may be asked for; the list offers the latest ones.
    if asked and asked.granularity == P.TERTIAL and asked.end <= periods[0].end:
        period = asked
        if asked not in periods:
            periods.append(asked)
    year, tertial = P.tertial_of(period.start)
    return render(
        request,
        "plans/missing_reports.html",
        {
            "periods": periods,
            "period": period,
            "rows": selectors.missing_report_list(year=year, tertial=tertial),
            "year": year,
            "tertial": tertial,
        },
    )
