"""Template tags for indicator values and status, over ``measures.formatting``.

``{{ value|indicator_value:indicator }}``, ``{% indicator_status status target indicator %}``,
``{% indicator_figure item %}`` (a value with status), ``{% status_badge item %}``.
"""

from django import template
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext

from measures import formatting
from measures import periods as P
from measures.formatting import format_target, format_value
from measures.models import Indicator, Target

register = template.Library()


@register.filter
def indicator_value(value: float | None, indicator: Indicator) -> str:
    """A stored number in the indicator's unit of measure, e.g. ``7,8 %``; else empty."""
    if not isinstance(value, int | float):
        return ""
    return format_value(value, indicator.unit_of_measure)


@register.filter
def indicator_target(target: Target | None, indicator: Indicator) -> str:
    """A target as comparator and number, e.g. ``< 6 %``; empty without a target."""
    if not isinstance(target, Target):
        return ""
    return format_target(target, indicator.unit_of_measure)


@register.filter
def period_name(period: P.Period) -> str:
    """«Mars 2024», «2. tertial 2024», «2024»."""
    if period.granularity == P.MONTH:
        return capfirst(date_format(period.start, "YEAR_MONTH_FORMAT"))
    if period.granularity == P.TERTIAL:
        number = P.tertial_number(period.start)
        return gettext("Tertial %(number)s, %(year)s") % {
            "number": number,
            "year": period.start.year,
        }
    return str(period.start.year)


@register.simple_tag
def indicator_status(status: str, target: Target | None, indicator: Indicator) -> SafeString:
    """Status as icon + text + colour, then the target."""
    return formatting.status_html(status, target, indicator)


@register.simple_tag
def indicator_figure(item: object) -> SafeString:
    """A value with its status; ``item`` has ``indicator``, ``value``, ``status``, ``target``.

    ``value`` is the stored ``IndicatorValue`` (or None), as in the tertial report's rows.
    """
    return formatting.figure_html(
        indicator=item.indicator,  # type: ignore[attr-defined]
        value=item.value,  # type: ignore[attr-defined]
        status=item.status,  # type: ignore[attr-defined]
        target=item.target,  # type: ignore[attr-defined]
    )


@register.simple_tag
def indicator_value_html(value: object | None, indicator: Indicator) -> SafeString:
    """A stored ``IndicatorValue``'s figure, «Hidden (…)» or «No value», styled."""
    return formatting.value_html(value or None, indicator)  # type: ignore[arg-type]


@register.simple_tag
def status_badge(item: object | None) -> SafeString:
    """Status as a pill; ``item`` is a ``ValueWithStatus`` or nothing."""
    if item is None or item == "":
        return formatting.status_badge(None, None)
    return formatting.status_badge(item.status, item.target)  # type: ignore[attr-defined]


@register.filter
def value_text(item: object | None, indicator: Indicator) -> str:
    """A ``ValueWithStatus`` as plain text: the figure, «Hidden (…)» or «No value»."""
    value = getattr(item, "value", None) if item else None
    return formatting.value_text(value, indicator)
