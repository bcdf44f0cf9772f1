"""Tags of the council report's templates (the page and the PDF share them)."""

from typing import Any

from django import template

from dashboards.council.charts import bar_chart_svg
from dashboards.council.selectors import Chart, CouncilReport, IndicatorLine, PlanStatus

register = template.Library()


@register.inclusion_tag("dashboards/council/_indicator_table.html")
def council_indicator_table(
    lines: list[IndicatorLine], report: CouncilReport, caption: str = ""
) -> dict[str, Any]:
    """Indicators as rows: value, target, status as text, last year, trend."""
    return {"lines": lines, "report": report, "caption": caption}


@register.inclusion_tag("dashboards/council/_chart.html")
def council_chart(chart: Chart) -> dict[str, Any]:
    """A bar chart (SVG) followed by its data table."""
    return {"chart": chart, "svg": bar_chart_svg(chart, element_id=chart.anchor)}


@register.inclusion_tag("dashboards/council/_plan_table.html")
def council_plan_table(plan: PlanStatus, caption: str = "") -> dict[str, Any]:
    """The year's actions per goal by status, and the units with a plan."""
    return {"plan": plan, "caption": caption}
