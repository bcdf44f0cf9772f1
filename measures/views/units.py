"""The unit page and «Alt henger sammen»: thin views over ``measures.selectors``."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from strategi.decorators import access_required
from workplaces import access
from workplaces.models import OrgUnit

from .. import periods as P
from ..models import IndicatorValue
from ..projection import PROJECTION_HORIZON_MONTHS, Outcome, Projection, Strength
from ..selectors import (
    CORRELATION_LEVELS,
    UnitIndicator,
    WorkplaceCorrelation,
    correlation_periods,
    unit_children_ranking,
    unit_get,
    unit_overview,
    workplace_correlation,
)

indicator_viewer_required = access_required(access.can_view_indicators)


def period_label(value: IndicatorValue) -> str:
    """«mars 2024» for a month; tertials and years keep their labels (2024-T2, 2024)."""
    if value.granularity == P.MONTH:
        return date_format(value.period_start, "YEAR_MONTH_FORMAT")
    return value.period


def projection_text(projection: Projection | None) -> str:
    if projection is None:
        return ""
    if projection.outcome == Outcome.MET:
        return _("The target is met.")
    if projection.outcome == Outcome.REACHED:
        return _("At this trend the target is reached in %(month)s.") % {
            "month": date_format(projection.month, "YEAR_MONTH_FORMAT")
        }
    if projection.outcome == Outcome.BEYOND:
        return _("At this trend the target is not reached within %(years)s years.") % {
            "years": PROJECTION_HORIZON_MONTHS // 12
        }
    if projection.outcome == Outcome.NEVER:
        return _("At this trend the target is not reached.")
    return _("Too few monthly values to draw a trend.")


def _trend_chart(row: UnitIndicator) -> dict[str, object]:
    """The data island of one trend chart (read by static/js/unit_charts.js)."""
    return {
        "kind": "trend",
        "labels": [period_label(item.value) for item in row.series],
        "values": [None if item.value.suppressed else item.value.value for item in row.series],
        "targets": [item.target.value if item.target else None for item in row.series],
        "valueLabel": row.indicator.name,
        "targetLabel": _("Target"),
        "unit": row.indicator.unit_of_measure,
    }


@indicator_viewer_required
@require_GET
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One unit: every indicator with target, status, trend and projection; the children."""
    try:
        unit = unit_get(code=code)
    except OrgUnit.DoesNotExist as exc:
        raise Http404 from exc
    if not access.can_view_unit_indicators(request.user, unit):
        raise PermissionDenied
    overview = unit_overview(unit=unit)
    linked = access.unit_ids_with_indicators(request.user, (a.pk for a in overview.ancestors))
    rows = [
        {
            "row": row,
            "anchor": f"indikator-{row.indicator.slug}",
            "chart_id": f"chart-data-{row.indicator.slug}",
            "chart": _trend_chart(row) if row.series else None,
            "periods": [(period_label(item.value), item) for item in row.series],
            "latest_period": period_label(row.latest.value) if row.latest else "",
            "projection": projection_text(row.projection),
        }
        for row in overview.indicators
    ]
    rankable = [row for row in overview.indicators if row.latest] if overview.children else []
    chosen = next((r for r in rankable if r.indicator.slug == request.GET.get("rangering")), None)
    chosen = chosen or next((r for r in rankable if r.latest.target), None)
    chosen = chosen or (rankable[0] if rankable else None)
    return render(
        request,
        "measures/unit_detail.html",
        {
            "unit": unit,
            "breadcrumb": [(a, a.pk in linked) for a in overview.ancestors],
            "rows": rows,
            "children": overview.children,
            "rankable": rankable,
            "ranked": chosen,
            "ranked_period": period_label(chosen.latest.value) if chosen else "",
            "ranking": unit_children_ranking(overview=overview, row=chosen) if chosen else [],
            "min_persons": settings.SUPPRESSION_MIN_PERSONS,
        },
    )


def correlation_text(result: WorkplaceCorrelation) -> str:
    """A plain-language reading of r (what the sign and size mean, and what they do not)."""
    if result.r is None:
        return _("Too few units with shown values to compute a correlation (at least 3 needed).")
    values = {"r": number_format(result.r, decimal_pos=2), "n": len(result.points)}
    if result.strength == Strength.NONE:
        return (
            _(
                "There is practically no correlation between full-time share and sick leave "
                "(r = %(r)s, n = %(n)s units)."
            )
            % values
        )
    if result.r < 0:
        text = {
            Strength.WEAK: _("There is a weak negative correlation (r = %(r)s, n = %(n)s units)."),
            Strength.MODERATE: _(
                "There is a moderate negative correlation (r = %(r)s, n = %(n)s units)."
            ),
            Strength.STRONG: _(
                "There is a strong negative correlation (r = %(r)s, n = %(n)s units)."
            ),
        }[result.strength] % values
        meaning = _("Units with a higher full-time share tend to have less sick leave.")
    else:
        text = {
            Strength.WEAK: _("There is a weak positive correlation (r = %(r)s, n = %(n)s units)."),
            Strength.MODERATE: _(
                "There is a moderate positive correlation (r = %(r)s, n = %(n)s units)."
            ),
            Strength.STRONG: _(
                "There is a strong positive correlation (r = %(r)s, n = %(n)s units)."
            ),
        }[result.strength] % values
        meaning = _("Units with a higher full-time share tend to have more sick leave.")
    return f"{text} {meaning}"


@indicator_viewer_required
@require_GET
def sammenheng(request: HttpRequest) -> HttpResponse:
    """«Alt henger sammen»: full-time share against sick leave, one point per workplace."""
    periods, default = correlation_periods()
    period = next((p for p in periods if p.label == request.GET.get("period")), default)
    level = request.GET.get("level")
    level = level if level in CORRELATION_LEVELS else OrgUnit.Level.ENTERPRISE
    result = (
        workplace_correlation(user=request.user, period=period, level=level) if period else None
    )
    chart = None
    if result and result.points:
        chart = {
            "kind": "scatter",
            "points": [
                {
                    "x": point.full_time_share,
                    "y": point.sick_leave_pct,
                    "headcount": point.headcount,
                    "label": point.unit.name,
                }
                for point in result.points
            ],
            "xLabel": _("Full-time share (%)"),
            "yLabel": _("Sick leave (%)"),
            "headcountLabel": _("Employees"),
        }
    return render(
        request,
        "measures/sammenheng.html",
        {
            "periods": periods,
            "period": period,
            "levels": [(value, OrgUnit.Level(value).label) for value in CORRELATION_LEVELS],
            "level": level,
            "result": result,
            "text": correlation_text(result) if result else "",
            "chart": chart,
        },
    )
