"""The indicator dashboard, its exports and the council's tertial report (thin views).

Who sees which units is decided by ``workplaces.access`` only.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from goals.selectors import strategy_get_active
from measures import periods as P
from measures import selectors
from measures.exports import write_dashboard_csv, write_dashboard_xlsx
from measures.models import Granularity
from strategi.decorators import access_required
from workplaces import access
from workplaces.models import OrgUnit
from workplaces.report_selectors import plan_coverage

View = Callable[..., HttpResponse]


indicators_required = access_required(access.can_view_indicators)
hr_required = access_required(access.is_hr)


@dataclass(frozen=True)
class DashboardFilter:
    """The dashboard's GET parameters, checked: granularity, period, service area."""

    units: QuerySet[OrgUnit]  # the units the user may see (access.indicator_units)
    granularity: str
    periods: list[P.Period]
    period: P.Period | None
    areas: list[OrgUnit]
    area: OrgUnit | None
    expand_all: bool

    def query(self, **changes: str) -> str:
        """The query string of this view (for exports and links), with ``changes``."""
        params = {
            "granularity": self.granularity,
            "period": self.period.label if self.period else "",
            "area": self.area.code if self.area else "",
        }
        params.update(changes)
        return urlencode({k: v for k, v in params.items() if v})


def _dashboard_filter(request: HttpRequest) -> DashboardFilter:
    """Read the filter; an unknown or mismatched period falls back to the latest one.

    Changing the granularity without JavaScript sends the old period along, so a
    period of another granularity is not an error.
    """
    granularity = request.GET.get("granularity", P.TERTIAL)
    if granularity not in P.GRANULARITIES:
        granularity = P.TERTIAL
    periods = selectors.stored_periods(granularity=granularity)
    label = request.GET.get("period", "")
    period = next((p for p in periods if p.label == label), periods[0] if periods else None)
    area = None
    if code := request.GET.get("area", ""):
        area = OrgUnit.objects.filter(code=code).first()
        if area is None:
            raise Http404
        if not access.can_view_unit_indicators(request.user, area):
            raise PermissionDenied
    units = access.indicator_units(request.user)
    return DashboardFilter(
        units=units,
        granularity=granularity,
        periods=periods,
        period=period,
        areas=selectors.service_area_list(units=units),
        area=area,
        expand_all=request.GET.get("expand") == "all",
    )


def _dashboard(chosen: DashboardFilter) -> selectors.Dashboard | None:
    if chosen.period is None:
        return None
    return selectors.dashboard_get(units=chosen.units, period=chosen.period, within=chosen.area)


@require_GET
@indicators_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The unit tree × key indicators with status and trend; goals; plan coverage."""
    chosen = _dashboard_filter(request)
    board = _dashboard(chosen)
    strategy = strategy_get_active()
    goals = []
    if board and board.roots and strategy:
        goals = selectors.goal_indicator_status(
            strategy=strategy,
            unit=board.roots[0].unit,
            period=board.period,
            resolver=board.resolver,
        )
    report = None
    if chosen.period:
        # The tertial the chosen period ends in (a year: its third tertial).
        end = chosen.period.end
        number = (end.month - 1) // 4 + 1
        report = {"year": end.year, "number": number, "label": P.tertial(end.year, number).label}
    coverage = []
    if board and report:
        # Plans and tertial reports of the rows shown (two queries): a plan with actions
        # for the year, and the report of the tertial the chosen period ends in.
        shown = [row for row in board.rows if row.depth <= 1 or chosen.expand_all]
        by_unit = plan_coverage(
            unit_ids=[row.unit.pk for row in shown],
            plan_year=report["year"],
            year=report["year"],
            tertial=report["number"],
        )
        coverage = [(row, by_unit[row.unit.pk]) for row in shown]
    return render(
        request,
        "measures/dashboard.html",
        {
            "chosen": chosen,
            "board": board,
            "strategy": strategy,
            "goals": goals,
            "report": report,
            "coverage": coverage,
            "suppression_min": settings.SUPPRESSION_MIN_PERSONS,
            "granularities": Granularity.choices,
        },
    )


def _export_name(chosen: DashboardFilter, extension: str) -> str:
    parts = ["dashboard", chosen.period.label if chosen.period else "empty"]
    if chosen.area:
        parts.append(chosen.area.code)
    return "-".join(parts) + "." + extension


@require_GET
@indicators_required
def dashboard_export_csv(request: HttpRequest) -> HttpResponse:
    """The dashboard's rows as CSV: one line per unit × indicator, same filters."""
    chosen = _dashboard_filter(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name(chosen, "csv")}"'
    write_dashboard_csv(_dashboard(chosen), response)
    return response


@require_GET
@indicators_required
def dashboard_export_xlsx(request: HttpRequest) -> HttpResponse:
    """The dashboard's rows as an Excel workbook, same filters."""
    chosen = _dashboard_filter(request)
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name(chosen, "xlsx")}"'
    write_dashboard_xlsx(_dashboard(chosen), response)
    return response


@require_GET
@hr_required
def tertial_report(request: HttpRequest, year: int, number: int) -> HttpResponse:
    """The council's tertial report: the municipality first, then one page per area."""
    if not (1 <= number <= 3 and dt.MINYEAR < year <= dt.MAXYEAR):
        raise Http404
    period = P.tertial(year, number)
    board = selectors.dashboard_get(units=access.indicator_units(request.user), period=period)
    return render(
        request,
        "measures/tertial_report.html",
        {
            "board": board,
            "number": number,
            "year": year,
            "status_counts": selectors.dashboard_status_counts(board),
            "areas": selectors.tertial_report_areas(board),
            "suppression_min": settings.SUPPRESSION_MIN_PERSONS,
        },
    )
