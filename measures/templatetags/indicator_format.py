"""Template filters for indicator values: ``{{ value|indicator_value:indicator }}``."""

from django import template
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext

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
        number = (period.start.month - 1) // 4 + 1
        return gettext("Tertial %(number)s, %(year)s") % {
            "number": number,
            "year": period.start.year,
        }
    return str(period.start.year)
