"""The council report of a tertial or a year: the page, its PDF and its DOCX (thin views).

HR only, like the dashboard's exports of every unit; each successful response is
recorded as an access to health data and is never cached (``health_data_view``).
All three come from one selector (``dashboards.council.selectors.council_report``).
"""

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from measures.health_data import health_data_view
from measures.models import HealthDataAccess
from org import access
from org.access import hr_required

from ..council.pdf import council_report_pdf
from ..council.selectors import CouncilReport, council_report
from ..council.word import council_report_docx

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _report(request: HttpRequest, year: int, number: int | None) -> CouncilReport:
    """The report, or 404 for a tertial or year that does not exist."""
    if number is not None and not 1 <= number <= 3:
        raise Http404
    if not dt.MINYEAR < year <= dt.MAXYEAR:
        raise Http404
    return council_report(
        units=access.indicator_units(request.user),
        year=year,
        tertial=number,
        today=timezone.localdate(),
    )


def _file_name(year: int, number: int | None, extension: str) -> str:
    """``rapport-kommunestyret-2026-T2.pdf``: ASCII, no quote, the same in any language."""
    period = f"{year}-T{number}" if number else str(year)
    return f"rapport-kommunestyret-{period}.{extension}"


def _download(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _page(request: HttpRequest, report: CouncilReport, name: str) -> HttpResponse:
    args = [report.year, report.tertial] if report.tertial else [report.year]
    return render(
        request,
        "dashboards/council_report.html",
        {
            "report": report,
            "pdf_url": reverse(f"dashboards:{name}-pdf", args=args),
            "docx_url": reverse(f"dashboards:{name}-docx", args=args),
        },
    )


@require_GET
@hr_required
@health_data_view(HealthDataAccess.Route.PAGE)
def tertial_report(request: HttpRequest, year: int, number: int) -> HttpResponse:
    """The council's report of a tertial: status per goal, then one section per area."""
    return _page(request, _report(request, year, number), "tertial-report")


@require_GET
@hr_required
@health_data_view(HealthDataAccess.Route.EXPORT)
def tertial_report_pdf(request: HttpRequest, year: int, number: int) -> HttpResponse:
    report = _report(request, year, number)
    return _download(council_report_pdf(report), "application/pdf", _file_name(year, number, "pdf"))


@require_GET
@hr_required
@health_data_view(HealthDataAccess.Route.EXPORT)
def tertial_report_docx(request: HttpRequest, year: int, number: int) -> HttpResponse:
    report = _report(request, year, number)
    return _download(council_report_docx(report), DOCX_TYPE, _file_name(year, number, "docx"))


@require_GET
@hr_required
@health_data_view(HealthDataAccess.Route.PAGE)
def year_report(request: HttpRequest, year: int) -> HttpResponse:
    """The council's report of a year: the year's values and every round's texts."""
    return _page(request, _report(request, year, None), "year-report")


@require_GET
@hr_required
@health_data_view(HealthDataAccess.Route.EXPORT)
def year_report_pdf(request: HttpRequest, year: int) -> HttpResponse:
    report = _report(request, year, None)
    return _download(council_report_pdf(report), "application/pdf", _file_name(year, None, "pdf"))


@require_GET
@hr_required
@health_data_view(HealthDataAccess.Route.EXPORT)
def year_report_docx(request: HttpRequest, year: int) -> HttpResponse:
    report = _report(request, year, None)
    return _download(council_report_docx(report), DOCX_TYPE, _file_name(year, None, "docx"))
