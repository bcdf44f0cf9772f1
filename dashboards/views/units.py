"""The unit page and «Alt henger sammen»: thin views over ``dashboards.selectors``."""

import datetime as dt
import re

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.formats import date_format, number_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from measures import periods as P
from measures.formatting import (
    change_kind,
    decimals,
    format_target,
    format_value,
    status_badge,
    value_text,
)
from measures.health_data import health_data_view
from measures.models import HealthDataAccess, IndicatorValue
from org import access
from org.access import indicators_required
from org.models import OrgUnit
from org.selectors import unit_get
from plans.selectors import ActionEffect, Window, WindowGap, unit_action_effects

from .. import cache as page_cache
from ..projection import PROJECTION_HORIZON_MONTHS, Outcome, Projection, Strength
from ..selectors import (
    CORRELATION_LEVELS,
    UnitIndicator,
    WorkplaceCorrelation,
    correlation_periods,
    unit_children_ranking,
    unit_overview,
    workplace_correlation,
)


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


def _trend_chart(row: UnitIndicator, marks: list[dict[str, object]]) -> dict[str, object]:
    """The data island of one trend chart (read by static/js/unit_charts.js).

    ``marks``: the actions' starts and deadlines, by the index of their period.
    """
    return {
        "kind": "trend",
        "labels": [period_label(item.value) for item in row.series],
        "values": [None if item.value.suppressed else item.value.value for item in row.series],
        "targets": [item.target.value if item.target else None for item in row.series],
        "valueLabel": row.indicator.name,
        "targetLabel": _("Target"),
        "unit": row.indicator.unit_of_measure,
        "marks": marks,
    }


# --- Actions on the charts, before and after ------------------------------------------------


def _series_index(row: UnitIndicator, day: dt.date) -> int | None:
    """The index of the series' period that contains ``day``; None outside the chart."""
    for index, item in enumerate(row.series):
        if item.value.period_start <= day <= item.value.period_end:
            return index
    return None


def _action_marks(row: UnitIndicator, effects: list[ActionEffect]) -> list[dict[str, object]]:
    """Each action's start and deadline that fall in the chart, as chart marks."""
    marks: list[dict[str, object]] = []
    for effect in effects:
        title = effect.action.title
        for kind, day, text in (
            ("start", effect.start, _("Start: %(title)s")),
            ("end", effect.end, _("Deadline: %(title)s")),
        ):
            index = _series_index(row, day) if day is not None else None
            if index is not None:
                marks.append({"index": index, "kind": kind, "label": text % {"title": title}})
    return marks


def _window_months(window: Window) -> str:
    if window.first is None:
        return ""
    first = date_format(window.first.start, "YEAR_MONTH_FORMAT")
    if window.last is None or window.last == window.first:
        return first
    return f"{first}–{date_format(window.last.start, 'YEAR_MONTH_FORMAT')}"


_GAP_TEXT = {
    WindowGap.HIDDEN: gettext_lazy("Not enough data: a month is hidden (small group)."),
    WindowGap.MISSING: gettext_lazy("Not enough data: a month has no value."),
    WindowGap.NOT_STARTED: gettext_lazy("No month since the start has a value yet."),
    WindowGap.NO_MONTHS: gettext_lazy("Not enough data: the indicator has no monthly values."),
}


def window_text(window: Window | None, unit_of_measure: str) -> str:
    """«7,8 % (januar 2025–desember 2025)», or why there is no figure."""
    if window is None:
        return _("No baseline period given.")
    if window.mean is None:
        return str(_GAP_TEXT[WindowGap(window.gap)])
    return f"{format_value(window.mean, unit_of_measure)} ({_window_months(window)})"


def change_text(effect: ActionEffect) -> str:
    """«+0,4 prosentpoeng (worse)»: after minus before, and what that means; else empty."""
    change = effect.change
    if change is None:
        return ""
    indicator = effect.indicator
    places = decimals(indicator.unit_of_measure)
    shown = round(change, places)
    unit = _("percentage points") if indicator.unit_of_measure == "%" else indicator.unit_of_measure
    number = number_format(abs(shown), decimal_pos=places, force_grouping=True)
    sign = "+" if shown > 0 else ("−" if shown < 0 else "±")
    figure = f"{sign}{number}\N{NO-BREAK SPACE}{unit}".rstrip()
    meaning = {
        "same": _("unchanged"),
        "higher": _("higher"),
        "lower": _("lower"),
        "better": _("better"),
        "worse": _("worse"),
    }[change_kind(shown, indicator)]
    return f"{figure} ({meaning})"


def _effect_rows(effects: list[ActionEffect]) -> list[dict[str, object]]:
    rows = []
    for effect in effects:
        unit = effect.indicator.unit_of_measure
        rows.append(
            {
                "title": effect.action.title,
                "status": effect.action.get_status_display(),
                "plan_year": effect.action.plan.year,
                "start": date_format(effect.start, "SHORT_DATE_FORMAT") if effect.start else "–",
                "end": date_format(effect.end, "SHORT_DATE_FORMAT") if effect.end else "–",
                "before": window_text(effect.before, unit),
                "after": window_text(effect.after, unit) if effect.start else "",
                "change": change_text(effect),
            }
        )
    return rows


def _period_notes(row: UnitIndicator, marks: list[dict[str, object]]) -> list[str]:
    """Per period of the series: the actions that started or are due in it."""
    notes: list[list[str]] = [[] for _item in row.series]
    for mark in marks:
        notes[int(mark["index"])].append(str(mark["label"]))  # type: ignore[call-overload]
    return ["; ".join(items) for items in notes]


_SLUG = re.compile(r"^[-a-z0-9_]{1,100}$")


def _unit_content(request: HttpRequest, unit: OrgUnit, ranked_by: str) -> dict[str, object]:
    """The unit's ancestors and its page below the heading as HTML (the caller caches it).

    Nothing in it depends on who asks (anyone who may see a unit may see the units
    below it); the breadcrumb, which does, is rendered per request from the ancestors.
    """
    overview = unit_overview(unit=unit)
    effects = unit_action_effects(unit=unit)
    rows = []
    for row in overview.indicators:
        row_effects = effects.get(row.indicator.pk, [])
        marks = _action_marks(row, row_effects)
        notes = _period_notes(row, marks)
        rows.append(
            {
                "row": row,
                "anchor": f"indikator-{row.indicator.slug}",
                "chart_id": f"chart-data-{row.indicator.slug}",
                "chart": _trend_chart(row, marks) if row.series else None,
                "has_marks": bool(marks),
                "periods": [
                    (
                        period_label(item.value),
                        value_text(item.value, row.indicator),
                        format_target(item.target, row.indicator.unit_of_measure),
                        status_badge(item.status, item.target),
                        note,
                    )
                    for item, note in zip(row.series, notes, strict=True)
                ],
                "latest_period": period_label(row.latest.value) if row.latest else "",
                "projection": projection_text(row.projection),
                "actions": _effect_rows(row_effects),
            }
        )
    rankable = [row for row in overview.indicators if row.latest] if overview.children else []
    chosen = next((r for r in rankable if r.indicator.slug == ranked_by), None)
    chosen = chosen or next((r for r in rankable if r.latest.target), None)
    chosen = chosen or (rankable[0] if rankable else None)
    body = render_to_string(
        "dashboards/unit_content.html",
        {
            "unit": unit,
            "rows": rows,
            "children": overview.children,
            "rankable": rankable,
            "ranked": chosen,
            "ranked_period": period_label(chosen.latest.value) if chosen else "",
            "ranking": unit_children_ranking(overview=overview, row=chosen) if chosen else [],
        },
        request=request,
    )
    return {"ancestors": overview.ancestors, "body": body}


@indicators_required
@require_GET
@health_data_view(HealthDataAccess.Route.PAGE)
def unit_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One unit: every indicator with target, status, trend and projection; the children.

    The page below the heading is cached per unit, ranking and data version
    (``dashboards.cache``).
    """
    try:
        unit = unit_get(code=code)
    except OrgUnit.DoesNotExist as exc:
        raise Http404 from exc
    if not access.can_view_unit_indicators(request.user, unit):
        raise PermissionDenied
    ranked_by = request.GET.get("rangering", "")
    ranked_by = ranked_by if _SLUG.match(ranked_by) else ""
    version = page_cache.request_data_version(request)
    # The actions on the charts come from the plans.
    key = page_cache.page_key("unit", version.indicators, version.plans, unit.pk, ranked_by)
    content = page_cache.cached(key, lambda: _unit_content(request, unit, ranked_by))
    ancestors = content["ancestors"]
    linked = access.unit_ids_with_indicators(request.user, (a.pk for a in ancestors))
    return render(
        request,
        "dashboards/unit_detail.html",
        {
            "unit": unit,
            "breadcrumb": [(a, a.pk in linked) for a in ancestors],
            # Rendered by our own template (escaped there).
            "body": mark_safe(content["body"]),  # noqa: S308
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


@indicators_required
@require_GET
@health_data_view(HealthDataAccess.Route.PAGE)
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
        "dashboards/sammenheng.html",
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
