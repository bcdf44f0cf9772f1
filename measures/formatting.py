"""Indicator values and targets as people read them: «7,8 %», «3 000», «< 6 %».

Numbers follow the active language (bokmål: decimal comma, non-breaking space between
thousands). Exports keep full precision and do not use this module.
"""

from django.utils.formats import number_format

from .models import Target

# Units of measure that count persons: whole numbers, no unit after the number.
COUNT_UNITS = frozenset({"personer"})


def decimals(unit_of_measure: str) -> int:
    """Decimal places shown for an indicator: none for counts, one otherwise."""
    return 0 if unit_of_measure in COUNT_UNITS else 1


def _with_unit(value: float, places: int, unit_of_measure: str) -> str:
    text = number_format(round(value, places), decimal_pos=places, force_grouping=True)
    if unit_of_measure in COUNT_UNITS or not unit_of_measure:
        return text
    return f"{text}\N{NO-BREAK SPACE}{unit_of_measure}"


def format_value(value: float | None, unit_of_measure: str) -> str:
    """``7,8 %``, ``3 000``, ``63,2 år``; empty for no value."""
    if value is None:
        return ""
    return _with_unit(value, decimals(unit_of_measure), unit_of_measure)


def format_target(target: Target | None, unit_of_measure: str) -> str:
    """``< 6 %``, ``≥ 50 %``, ``< 8,5 %``; empty without a target."""
    if target is None:
        return ""
    places = 0 if float(target.value).is_integer() else decimals(unit_of_measure)
    value = _with_unit(target.value, places, unit_of_measure)
    return f"{target.get_comparator_display()}\N{NO-BREAK SPACE}{value}"
