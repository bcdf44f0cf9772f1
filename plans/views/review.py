"""Review up the tree (thin views): the leader above, or HR, reads the reports of the
units below a unit for a tertial, approves or returns them, and writes the area's summary.

Who may review is decided by ``org.access`` (``can_review``); the services check it again.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from measures import health_data
from measures import periods as P
from measures.models import HealthDataAccess
from org import access
from org.access import access_required
from org.models import OrgUnit

from .. import selectors, services
from ..forms import AreaSummaryForm, ReviewForm
from ..models import TertialReport


def _may_open(user: access.User) -> bool:
    return access.is_hr(user) or bool(access.led_unit_ids(user))


review_required = access_required(_may_open)


def _area(request: HttpRequest, unit_code: str, year: int, tertial: int) -> OrgUnit:
    """The reviewed unit: HR, or a leader of it or of a unit above; 404 for a tertial not
    begun."""
    unit = get_object_or_404(OrgUnit, code=unit_code)
    if not (access.is_hr(request.user) or unit.pk in access.led_unit_ids(request.user)):
        raise PermissionDenied
    try:
        services.report_period_validate(year, tertial)
    except ValidationError as exc:
        raise Http404 from exc
    return unit


def review_url(unit: OrgUnit, year: int, tertial: int) -> str:
    return reverse(
        "plans:review", kwargs={"unit_code": unit.code, "year": year, "tertial": tertial}
    )


@review_required
@require_GET
def review_index(request: HttpRequest) -> HttpResponse:
    """The units the user reviews in the latest open round (straight there when one)."""
    round_ = selectors.round_open_latest()
    units = selectors.reviewed_units(user=request.user)
    if round_ is not None and len(units) == 1:
        return redirect(review_url(units[0], round_.year, round_.tertial))
    return render(
        request,
        "plans/review_index.html",
        {
            "round": round_,
            "period": P.tertial(round_.year, round_.tertial) if round_ else None,
            "links": [{"unit": u, "url": review_url(u, round_.year, round_.tertial)} for u in units]
            if round_
            else [],
        },
    )


def _render(
    request: HttpRequest,
    *,
    unit: OrgUnit,
    year: int,
    tertial: int,
    forms: dict[tuple[str, int], ReviewForm] | None = None,
    summary_form: AreaSummaryForm | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    page = selectors.review_page(unit=unit, year=year, tertial=tertial)
    closed = page.round is not None and page.round.state == page.round.State.CLOSED
    forms = forms or {}
    rows = []
    for row in page.rows:
        report = row.report
        submitted = report is not None and report.state == TertialReport.State.SUBMITTED
        own = submitted and not access.may_review_report(
            request.user, row.unit, report.submitted_by_id if report else None
        )
        reviewable = submitted and not closed and not own
        rows.append(
            {
                "row": row,
                "own": own,
                "approve": forms.get(("approve", report.pk))
                or ReviewForm(initial={"version": report.version}, prefix=f"a{report.pk}")
                if reviewable and report
                else None,
                "return": forms.get(("return", report.pk))
                or ReviewForm(
                    initial={"version": report.version}, prefix=f"r{report.pk}", required=True
                )
                if reviewable and report
                else None,
            }
        )
    may_summarise = access.is_hr(request.user) or unit.pk in access.led_unit_ids(request.user)
    if summary_form is None and may_summarise:
        summary_form = AreaSummaryForm(
            initial={
                "version": page.summary.version if page.summary else 0,
                "text": page.summary.text if page.summary else "",
            }
        )
    response = render(
        request,
        "plans/review.html",
        {
            "page": page,
            "unit": unit,
            "period": P.tertial(year, tertial),
            "rows": rows,
            "summary_form": summary_form if may_summarise else None,
            "problem": problem,
        },
        status=status,
    )
    if status == 200:
        health_data.record(request, HealthDataAccess.Route.PAGE, unit.code)
    return health_data.no_store(response)


@review_required
@require_GET
def review(request: HttpRequest, unit_code: str, year: int, tertial: int) -> HttpResponse:
    """The reports of the units below ``unit`` for the tertial, with the review forms."""
    unit = _area(request, unit_code, year, tertial)
    return _render(request, unit=unit, year=year, tertial=tertial)


def _conflict() -> str:
    return _(
        "The report changed while you were reading it (it was resubmitted, reviewed by "
        "someone else, or reopened). Nothing has been saved: read it again below."
    )


def _own_report() -> str:
    return _(
        "You cannot approve or send back a report you submitted yourself or of a unit you "
        "lead: it is reviewed by the leader above, or by HR."
    )


def _round_closed() -> str:
    return _(
        "The round for this tertial is closed, so its reports can no longer be approved or "
        "sent back. HR can open the round again."
    )


@review_required
@require_POST
def review_decide(
    request: HttpRequest, unit_code: str, year: int, tertial: int, pk: int, decision: str
) -> HttpResponse:
    """Approve (``decision`` "approve") or return ("return") one report below ``unit``."""
    unit = _area(request, unit_code, year, tertial)
    report = get_object_or_404(
        TertialReport.objects.select_related("unit"), pk=pk, year=year, tertial=tertial
    )
    access.ensure_can_review(request.user, report.unit)
    if not selectors.is_below(unit=report.unit, ancestor=unit):
        raise Http404
    returning = decision == "return"
    prefix = f"{'r' if returning else 'a'}{report.pk}"
    form = ReviewForm(request.POST, prefix=prefix, required=returning)
    context = {"unit": unit, "year": year, "tertial": tertial}
    if not form.is_valid():
        return _render(request, **context, forms={(decision, report.pk): form}, status=400)
    change = services.report_return if returning else services.report_approve
    try:
        change(
            report=report,
            by=request.user,
            version=form.cleaned_data["version"],
            comment=form.cleaned_data["comment"],
        )
    except (services.ConflictError, services.ReportStateError):
        return _render(request, **context, problem=_conflict(), status=409)
    except services.OwnReportError:
        return _render(request, **context, problem=_own_report(), status=403)
    except services.RoundClosedError:
        return _render(request, **context, problem=_round_closed(), status=409)
    except ValidationError as error:
        for message in error.message_dict.get("comment", []):
            form.add_error("comment", message)
        return _render(request, **context, forms={(decision, report.pk): form}, status=400)
    if returning:
        messages.success(
            request,
            _("The report of %(unit)s has been sent back to its leader.")
            % {"unit": report.unit.name},
        )
    else:
        messages.success(
            request, _("The report of %(unit)s has been approved.") % {"unit": report.unit.name}
        )
    return redirect(review_url(unit, year, tertial) + f"#unit-{report.unit.pk}")


@review_required
@require_POST
def area_summary(request: HttpRequest, unit_code: str, year: int, tertial: int) -> HttpResponse:
    """Save the area's own summary for the tertial."""
    unit = _area(request, unit_code, year, tertial)
    form = AreaSummaryForm(request.POST)
    context = {"unit": unit, "year": year, "tertial": tertial}
    if not form.is_valid():
        return _render(request, **context, summary_form=form, status=400)
    try:
        services.area_summary_save(
            unit=unit,
            year=year,
            tertial=tertial,
            by=request.user,
            version=form.cleaned_data["version"],
            text=form.cleaned_data["text"],
        )
    except services.ConflictError:
        form.add_error(
            None,
            _(
                "Someone else saved the summary while you were writing, so yours has not "
                "been saved. Copy your text, reload the page, and make your changes again."
            ),
        )
        return _render(request, **context, summary_form=form, status=409)
    except ValidationError as error:
        for message in error.message_dict.get("text", []):
            form.add_error("text", message)
        return _render(request, **context, summary_form=form, status=400)
    messages.success(request, _("The area's summary has been saved."))
    return redirect(review_url(unit, year, tertial) + "#summary")
