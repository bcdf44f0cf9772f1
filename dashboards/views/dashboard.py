"""The indicator dashboard, its exports and the council's tertial report (thin views).

Who sees which units is decided by ``org.access`` only. The dashboard shows the
top of the unit tree and the units opened; the rows below a unit come from
``dashboard_rows`` when it is opened (or from ``?open=`` links without JavaScript).
Rendered pages are cached per access scope, parameters and data version
(``dashboards.cache``).
"""

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET

from goals.selectors import strategy_get_active
from measures import periods as P
from measures.health_data import health_data_view
from measures.models import Granularity, HealthDataAccess
from measures.selectors import stored_periods
from org import access
from org.access import indicators_required
from org.models import OrgUnit
from org.selectors import unit_ancestors, unit_in_subtree
from plans.selectors import plan_coverage

from .. import cache as page_cache
from .. import selectors
from ..cells import cell_html, tree_rows
from ..exports import write_dashboard_csv, write_dashboard_xlsx

# At most this many units may be opened through ``?open=`` (the no-JavaScript links).
OPEN_LIMIT = 50


@dataclass(frozen=True)
class DashboardParams:
    """The dashboard's GET parameters, normalised: what a cached page depends on."""

    granularity: str
    period_label: str  # as asked for; "" when absent or not a period
    area: OrgUnit | None
    open_codes: tuple[str, ...]  # units opened by the no-JavaScript links, sorted
    expand_all: bool
    period_text: str = ""  # the period parameter as sent, when it is not a period

    def key_parts(self) -> tuple[object, ...]:
        """The parameters as parts of a cache key."""
        area = self.area.code if self.area else ""
        return (
            self.granularity,
            self.period_label,
            area,
            self.open_codes,
            self.expand_all,
            self.period_text,
        )


def _dashboard_params(request: HttpRequest) -> DashboardParams:
    """Read and check the parameters: 404 for an unknown area, 403 for one not allowed."""
    text = request.GET.get("period", "").strip()
    try:
        asked: P.Period | None = P.parse(text)
    except ValueError:
        asked = None
    # A period without a period type is of its own type (``?period=2026`` is the year).
    granularity = request.GET.get("granularity") or (asked.granularity if asked else P.TERTIAL)
    if granularity not in P.GRANULARITIES:
        granularity = P.TERTIAL
    area = None
    if code := request.GET.get("area", ""):
        area = OrgUnit.objects.filter(code=code).first()
        if area is None:
            raise Http404
        if not access.can_view_unit_indicators(request.user, area):
            raise PermissionDenied
    codes = {code.strip() for value in request.GET.getlist("open") for code in value.split(",")}
    return DashboardParams(
        granularity=granularity,
        period_label=asked.label if asked else "",
        # Shown back in a message: bounded, like any text from the address.
        period_text="" if asked else text[:20],
        area=area,
        open_codes=tuple(sorted(code for code in codes if 0 < len(code) <= 50))[:OPEN_LIMIT],
        expand_all=request.GET.get("expand") == "all",
    )


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
    open_codes: tuple[str, ...] = ()
    # The period asked for that has no stored values or is not a period (shown in a
    # message instead of another period's figures).
    unavailable: str = ""

    def query(self, **changes: str) -> str:
        """The query string of this view (for exports and links), with ``changes``."""
        params = {
            "granularity": self.granularity,
            "period": self.period.label if self.period else "",
            "area": self.area.code if self.area else "",
        }
        params.update(changes)
        return urlencode({k: v for k, v in params.items() if v})


def _dashboard_filter(
    request: HttpRequest, params: DashboardParams | None = None
) -> DashboardFilter:
    """Read the filter: the period asked for, or without one the latest one.

    A period that is not a period, or has no stored values, is not replaced by another
    one: the page says so (``unavailable``) and shows no figures. Changing the period
    type without JavaScript sends the old period along, so a period of another type
    chooses the latest period of the new type that starts by its end. The stored
    periods and the service areas come through the page cache.
    """
    params = params or _dashboard_params(request)
    version = page_cache.request_data_version(request)
    periods = page_cache.cached(
        page_cache.page_key("periods", version.indicators, params.granularity),
        lambda: stored_periods(granularity=params.granularity, with_reported=True),
    )
    period, unavailable = (periods[0] if periods else None), ""
    if params.period_text:
        period, unavailable = None, params.period_text
    elif params.period_label:
        asked = P.parse(params.period_label)
        if asked.granularity == params.granularity:
            period = next((p for p in periods if p == asked), None)
            unavailable = "" if period else asked.label
        else:
            period = next((p for p in periods if p.start <= asked.end), period)
    units = access.indicator_units(request.user)
    areas = page_cache.cached(
        page_cache.page_key("areas", version.indicators, page_cache.access_scope(request.user)),
        lambda: selectors.service_area_list(units=units),
    )
    return DashboardFilter(
        units=units,
        granularity=params.granularity,
        periods=periods,
        period=period,
        areas=areas,
        area=params.area,
        expand_all=params.expand_all,
        open_codes=params.open_codes,
        unavailable=unavailable,
    )


def _dashboard(chosen: DashboardFilter) -> selectors.Dashboard | None:
    if chosen.period is None:
        return None
    return selectors.dashboard_get(units=chosen.units, period=chosen.period, within=chosen.area)


# --- The dashboard ---------------------------------------------------------------------


def _dashboard_content(request: HttpRequest, params: DashboardParams) -> str:
    """The dashboard below the navigation, as HTML (the caller caches it)."""
    chosen = _dashboard_filter(request, params)
    board = None
    if chosen.period is not None:
        open_ids = None
        if not chosen.expand_all:
            open_ids = set(
                OrgUnit.objects.filter(code__in=chosen.open_codes).values_list("pk", flat=True)
            )
        board = selectors.dashboard_get(
            units=chosen.units, period=chosen.period, within=chosen.area, open_ids=open_ids
        )
    strategy = strategy_get_active()
    goals = []
    if board and board.roots and strategy:
        goals = [
            (
                item,
                [
                    (cell.indicator, cell_html(cell, trend=False), cell.carried_from)
                    for cell in item.cells
                ],
            )
            for item in selectors.goal_indicator_status(
                strategy=strategy,
                unit=board.roots[0].unit,
                period=board.period,
                resolver=board.resolver,
            )
        ]
    report = None
    if chosen.period:
        # The tertial the chosen period ends in (a year: its third tertial).
        end = chosen.period.end
        number = P.tertial_number(end)
        report = {"year": end.year, "number": number, "label": P.tertial(end.year, number).label}
    rows, coverage = [], []
    if board:
        shown = board.shown_rows
        rows = tree_rows(
            shown,
            chosen=chosen,
            open_codes=set(chosen.open_codes),
        )
        if report:
            # Plans and tertial reports of the rows shown (two queries): a plan with
            # actions for the year, and the report of the tertial the period ends in.
            by_unit = plan_coverage(
                unit_ids=[row.unit.pk for row in shown],
                plan_year=report["year"],
                year=report["year"],
                tertial=report["number"],
            )
            coverage = [(row, by_unit[row.unit.pk]) for row in shown]
    return render_to_string(
        "dashboards/dashboard_content.html",
        {
            "chosen": chosen,
            "board": board,
            "rows": rows,
            "strategy": strategy,
            "goals": goals,
            "report": report,
            "coverage": coverage,
            "granularities": Granularity.choices,
        },
        request=request,
    )


@require_GET
@indicators_required
@health_data_view(HealthDataAccess.Route.PAGE)
def dashboard(request: HttpRequest) -> HttpResponse:
    """The unit tree × key indicators with status and trend; goals; plan coverage."""
    params = _dashboard_params(request)
    version = page_cache.request_data_version(request)
    key = page_cache.page_key(
        "dashboard",
        page_cache.access_scope(request.user),
        version.indicators,
        version.plans,
        *params.key_parts(),
    )
    content = page_cache.cached(key, lambda: _dashboard_content(request, params))
    # The content was rendered by our own template (escaped there).
    return render(request, "dashboards/dashboard.html", {"content": mark_safe(content)})  # noqa: S308


def _rows_fragment(request: HttpRequest, params: DashboardParams, unit: OrgUnit) -> str:
    """The rows below ``unit`` as ``<tr>`` elements; "" when it is not on the page."""
    chosen = _dashboard_filter(request, params)
    if chosen.period is None:
        return ""
    path = unit_ancestors(unit=unit)
    board = selectors.dashboard_get(
        units=chosen.units,
        period=chosen.period,
        within=chosen.area,
        open_ids={a.pk for a in path} | {unit.pk},
    )
    row = board.row_of(unit.pk)
    if row is None or not row.shown:
        return ""
    # The units opened to get here (the top rows are always open).
    opened = {
        a.code for a in path if (above := board.row_of(a.pk)) and above.parent is not None
    } | {unit.code}
    rows = tree_rows(
        row.children,
        chosen=chosen,
        open_codes=opened,
    )
    return render_to_string("dashboards/_dashboard_rows.html", {"rows": rows}, request=request)


@require_GET
@indicators_required
@health_data_view(HealthDataAccess.Route.PAGE)
def dashboard_rows(request: HttpRequest, code: str) -> HttpResponse:
    """The rows below one unit of the dashboard, for its tree to insert (HTML fragment).

    The dashboard's parameters apply. 404 for an unknown unit or one outside the chosen
    area; 403 for a unit the user may not see.
    """
    unit = OrgUnit.objects.filter(code=code).first()
    if unit is None:
        raise Http404
    if not access.can_view_unit_indicators(request.user, unit):
        raise PermissionDenied
    params = _dashboard_params(request)
    if params.area is not None and not unit_in_subtree(unit=unit, root=params.area):
        raise Http404
    version = page_cache.request_data_version(request)
    key = page_cache.page_key(
        "dashboard-rows",
        page_cache.access_scope(request.user),
        version.indicators,
        unit.code,
        *params.key_parts()[:3],
        params.period_text,
    )
    html = page_cache.cached(key, lambda: _rows_fragment(request, params, unit))
    return HttpResponse(html, content_type="text/html; charset=utf-8")


# --- Exports ---------------------------------------------------------------------------


def _export_name(chosen: DashboardFilter, extension: str) -> str:
    parts = ["dashboard", chosen.period.label if chosen.period else "empty"]
    if chosen.area:
        parts.append(chosen.area.code)
    # A header may hold no quote or line break, whatever a unit code holds.
    return re.sub(r"[^A-Za-z0-9._-]", "_", "-".join(parts)) + "." + extension


@require_GET
@indicators_required
@health_data_view(HealthDataAccess.Route.EXPORT)
def dashboard_export_csv(request: HttpRequest) -> HttpResponse:
    """The dashboard's rows as CSV: one line per unit × indicator, same filters."""
    chosen = _dashboard_filter(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_export_name(chosen, "csv")}"'
    write_dashboard_csv(_dashboard(chosen), response)
    return response


@require_GET
@indicators_required
@health_data_view(HealthDataAccess.Route.EXPORT)
def dashboard_export_xlsx(request: HttpRequest) -> HttpResponse:
    """The dashboard's rows as an Excel workbook, same filters."""
    chosen = _dashboard_filter(request)
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{_export_name(chosen, "xlsx")}"'
    write_dashboard_xlsx(_dashboard(chosen), response)
    return response
