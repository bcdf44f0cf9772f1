"""The council report's bar charts as SVG: the same markup on the page and in the PDF.

Horizontal bars, one per unit, each with a tick at its own target (targets differ per
service area). Only figures that are published are drawn (``Figure.number``); a
withheld value is a gap labelled «Skjult». No style attributes or scripts: the page's
Content Security Policy allows neither, and WeasyPrint does not need them. The chart
is an image with a title; its data table follows it in every output.
"""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from .selectors import Chart

WIDTH = 640
LABEL_WIDTH = 230  # unit names, right-aligned before the bars
BAR_AREA = 300  # the longest bar or target
ROW = 22
TOP = 8
BOTTOM = 26  # the legend
FONT = 11
LABEL_CHARS = 30  # longer unit names are shortened here (the table has them in full)
BAR_COLOUR = "#3d6fa6"
TARGET_COLOUR = "#111"
TEXT_COLOUR = "#222"
MUTED_COLOUR = "#555"


def _n(number: float) -> str:
    """A coordinate for an attribute (one decimal, a point, whatever the language)."""
    return f"{number:.1f}"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def bar_chart_svg(chart: Chart, *, element_id: str = "") -> SafeString:
    """The chart as an ``<svg>`` element with a ``<title>``; empty without bars."""
    if not chart.bars:
        return SafeString("")
    numbers = [bar.value.number for bar in chart.bars if bar.value.number is not None]
    numbers += [bar.target for bar in chart.bars if bar.target is not None]
    top = max([n for n in numbers if n > 0], default=1.0) * 1.05
    scale = BAR_AREA / top
    height = TOP + ROW * len(chart.bars) + BOTTOM
    x0 = LABEL_WIDTH + 8
    rows = []
    for index, bar in enumerate(chart.bars):
        y = TOP + index * ROW
        middle = y + ROW / 2 + FONT / 3
        rows.append(
            format_html(
                '<text x="{}" y="{}" text-anchor="end" font-size="{}" fill="{}">{}</text>',
                LABEL_WIDTH,
                _n(middle),
                FONT,
                TEXT_COLOUR,
                _short(bar.label),
            )
        )
        end = float(x0)
        if bar.value.number is not None:
            width = max(bar.value.number, 0) * scale
            end = x0 + width
            rows.append(
                format_html(
                    '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"></rect>',
                    x0,
                    _n(y + 4),
                    _n(width),
                    ROW - 8,
                    BAR_COLOUR,
                )
            )
            label = f"{bar.value.text} {bar.status_icon}"
            colour = TEXT_COLOUR
        else:
            label = _("Hidden") if bar.value.suppressed else _("No value")
            colour = MUTED_COLOUR
        if bar.target is not None:
            tick = x0 + max(bar.target, 0) * scale
            rows.append(
                format_html(
                    '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2"></line>',
                    _n(tick),
                    _n(y + 1),
                    _n(tick),
                    _n(y + ROW - 1),
                    TARGET_COLOUR,
                )
            )
            end = max(end, tick)
        rows.append(
            format_html(
                '<text x="{}" y="{}" font-size="{}" fill="{}">{}</text>',
                _n(end + 6),
                _n(middle),
                FONT,
                colour,
                label,
            )
        )
    legend_y = TOP + ROW * len(chart.bars) + 16
    legend = format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="2"></line>'
        '<text x="{}" y="{}" font-size="{}" fill="{}">{}</text>',
        x0,
        legend_y - 10,
        x0,
        legend_y + 2,
        TARGET_COLOUR,
        x0 + 6,
        legend_y,
        FONT - 1,
        MUTED_COLOUR,
        _("Target of the unit. ✓ met, ● near, ✗ not met."),
    )
    axis = format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"></line>',
        x0,
        TOP,
        x0,
        TOP + ROW * len(chart.bars),
        MUTED_COLOUR,
    )
    title_id = f"{element_id}-title" if element_id else ""
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="council-chart" viewBox="0 0 {} {}" '
        'width="{}" height="{}" role="img"{}{} font-family="DejaVu Sans, Arial, sans-serif">'
        "<title{}>{}</title>{}{}{}</svg>",
        WIDTH,
        height,
        WIDTH,
        height,
        format_html(' id="{}"', element_id) if element_id else "",
        format_html(' aria-labelledby="{}"', title_id) if title_id else "",
        format_html(' id="{}"', title_id) if title_id else "",
        _("Bar chart: %(title)s. The figures are in the table below.") % {"title": chart.title},
        axis,
        format_html_join("", "{}", ((row,) for row in rows)),
        legend,
    )
