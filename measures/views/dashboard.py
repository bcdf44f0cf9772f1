"""The indicator dashboard, its exports and the council's tertial report (thin views).

Who sees which units is decided by ``workplaces.access`` only. The dashboard shows the
top of the unit tree and the units opened; the rows below a unit come from
``dashboard_rows`` when it is opened (or from ``?open=`` links without JavaScript).
Rendered pages are cached per access scope, parameters and data version
(``measures.cache``).
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
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from goals.selectors import strategy_get_active
from measures import cache as page_cache
from measures import periods as P
from measures import selectors
from measures.exports import write_dashboard_csv, write_dashboard_xlsx
from measures.formatting import format_target, format_value
from measures.models import Granularity, Indicator, Target
from measures.status import Status
from strategi.decorators import access_required
from workplaces import access
from workplaces.models import OrgUnit, OrgUnitClosure
from workplaces.report_selectors import plan_coverage

View = Callable[..., HttpResponse]


indicators_required = access_required(access.can_view_indicators)
hr_required = access_required(access.is_hr)

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

    def key_parts(self) -> tuple[object, ...]:
        """The parameters as parts of a cache key."""
        area = self.area.code if self.area else ""
        return (self.granularity, self.period_label, area, self.open_codes, self.expand_all)


def _dashboard_params(request: HttpRequest) -> DashboardParams:
    """Read and check the parameters: 404 for an unknown area, 403 for one not allowed."""
    granularity = request.GET.get("granularity", P.TERTIAL)
    if granularity not in P.GRANULARITIES:
        granularity = P.TERTIAL
    try:
        label = P.parse(request.GET.get("period", "")).label
    except ValueError:
        label = ""
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
        period_label=label,
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
    """Read the filter; an unknown or mismatched period falls back to the latest one.

    Changing the granularity without JavaScript sends the old period along, so a
    period of another granularity is not an error. The stored periods and the service
    areas come through the page cache.
    """
    params = params or _dashboard_params(request)
    version = page_cache.request_data_version(request)
    periods = page_cache.cached(
        page_cache.page_key("periods", version.indicators, params.granularity),
        lambda: selectors.stored_periods(granularity=params.granularity),
    )
    period = next(
        (p for p in periods if p.label == params.period_label), periods[0] if periods else None
    )
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
    )


def _dashboard(chosen: DashboardFilter) -> selectors.Dashboard | None:
    if chosen.period is None:
        return None
    return selectors.dashboard_get(units=chosen.units, period=chosen.period, within=chosen.area)


# --- Cells and rows as HTML (formatted here: a template per cell is too slow) -----------

_STATUS_BADGES = {
    Status.MET: ("status-met", "✓", gettext_lazy("Met")),
    Status.NEAR: ("status-near", "●", gettext_lazy("Near")),
    Status.MISSED: ("status-missed", "✗", gettext_lazy("Not met")),
}

_TREND = {
    "up": ("↑", gettext_lazy("up from %(before)s last year")),
    "down": ("↓", gettext_lazy("down from %(before)s last year")),
    "same": ("→", gettext_lazy("unchanged from %(before)s last year")),
}


def status_html(status: str, target: Target | None, indicator: Indicator) -> SafeString:
    """Status as icon + text + colour (never colour alone), then the target.

    The same markup as ``measures/_dashboard_status.html``.
    """
    parts = []
    if status in _STATUS_BADGES:
        css, icon, text = _STATUS_BADGES[status]
        parts.append(
            format_html(
                '<span class="status {}"><span aria-hidden="true">{}</span> {}</span>',
                css,
                icon,
                text,
            )
        )
    elif target is None:
        parts.append(
            format_html(
                '<span class="status status-none"><span aria-hidden="true">–</span> {}</span>',
                _("No target"),
            )
        )
    if target is not None:
        parts.append(
            format_html(
                '<span class="target">{} {}</span>',
                _("target"),
                format_target(target, indicator.unit_of_measure),
            )
        )
    return mark_safe("\n".join(parts))  # noqa: S308 -- each part built by format_html


def cell_html(
    cell: selectors.DashboardCell, *, suppression_min: int, trend: bool = True
) -> SafeString:
    """One indicator of one unit: value, status, and (``trend``) the change since last year.

    The same markup as ``measures/_dashboard_cell.html``.
    """
    current, indicator = cell.current, cell.indicator
    if current is not None and current.value.suppressed:
        return format_html(
            '<span class="cell-suppressed">{}</span>',
            _("Hidden (fewer than %(n)s persons)") % {"n": suppression_min},
        )
    if current is None or current.value.value is None:
        return format_html('<span class="cell-empty">{}</span>', _("No value"))
    parts = [
        format_html(
            '<span class="cell-value">{}</span>',
            format_value(current.value.value, indicator.unit_of_measure),
        ),
        status_html(current.status, current.target, indicator),
    ]
    direction = cell.trend if trend else None
    if direction is not None and cell.last_year is not None:
        before = format_value(cell.last_year.value, indicator.unit_of_measure)
        arrow, spoken = _TREND[direction]
        parts.append(
            format_html(
                '<span class="trend"><span aria-hidden="true">{} {}</span>'
                '<span class="visually-hidden">{}</span></span>',
                arrow,
                _("last year %(before)s") % {"before": before},
                str(spoken) % {"before": before},
            )
        )
    return mark_safe("\n".join(parts))  # noqa: S308 -- each part built by format_html


@dataclass(frozen=True)
class TreeRow:
    """A row of the dashboard's unit tree, ready for ``_dashboard_rows.html``.

    ``controls``: the ids of the rows below it when they are on the page. ``link``: the
    no-JavaScript toggle (this page with the unit opened or closed), if any.
    ``rows_url``: where the script fetches the rows below it.
    """

    row: selectors.DashboardRow
    cells: list[SafeString]
    controls: str
    link: str
    rows_url: str


def tree_rows(
    rows: list[selectors.DashboardRow],
    *,
    chosen: DashboardFilter,
    open_codes: set[str],
    suppression_min: int,
) -> list[TreeRow]:
    """The rows shown, with their cells as HTML and the targets of their toggles."""
    query = chosen.query()
    result = []
    for row in rows:
        controls = link = rows_url = ""
        if row.children:
            rows_url = f"{reverse('dashboard-rows', args=[row.unit.code])}?{query}"
            if row.open:
                controls = " ".join(f"unit-row-{child.unit.pk}" for child in row.children)
            # A top row is always open; with every level shown there is nothing to open.
            if row.parent is not None and not chosen.expand_all:
                if row.open:
                    codes = open_codes - {r.unit.code for r in row.subtree()}
                else:
                    codes = open_codes | {row.unit.code}
                link = f"?{chosen.query(open=','.join(sorted(codes)))}#unit-row-{row.unit.pk}"
        result.append(
            TreeRow(
                row=row,
                cells=[cell_html(cell, suppression_min=suppression_min) for cell in row.cells],
                controls=controls,
                link=link,
                rows_url=rows_url,
            )
        )
    return result


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
    suppression_min = settings.SUPPRESSION_MIN_PERSONS
    strategy = strategy_get_active()
    goals = []
    if board and board.roots and strategy:
        goals = [
            (
                item,
                [
                    (cell.indicator, cell_html(cell, suppression_min=suppression_min, trend=False))
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
        number = (end.month - 1) // 4 + 1
        report = {"year": end.year, "number": number, "label": P.tertial(end.year, number).label}
    rows, coverage = [], []
    if board:
        shown = board.shown_rows
        rows = tree_rows(
            shown,
            chosen=chosen,
            open_codes=set(chosen.open_codes),
            suppression_min=suppression_min,
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
        "measures/dashboard_content.html",
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
    return render(request, "measures/dashboard.html", {"content": mark_safe(content)})  # noqa: S308


def _rows_fragment(request: HttpRequest, params: DashboardParams, unit: OrgUnit) -> str:
    """The rows below ``unit`` as ``<tr>`` elements; "" when it is not on the page."""
    chosen = _dashboard_filter(request, params)
    if chosen.period is None:
        return ""
    path = selectors.unit_ancestors(unit=unit)
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
        suppression_min=settings.SUPPRESSION_MIN_PERSONS,
    )
    return render_to_string("measures/_dashboard_rows.html", {"rows": rows}, request=request)


@require_GET
@indicators_required
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
    if (
        params.area is not None
        and not OrgUnitClosure.objects.filter(ancestor=params.area, descendant=unit).exists()
    ):
        raise Http404
    version = page_cache.request_data_version(request)
    key = page_cache.page_key(
        "dashboard-rows",
        page_cache.access_scope(request.user),
        version.indicators,
        unit.code,
        *params.key_parts()[:3],
    )
    html = page_cache.cached(key, lambda: _rows_fragment(request, params, unit))
    return HttpResponse(html, content_type="text/html; charset=utf-8")


# --- Exports and the tertial report ----------------------------------------------------


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
