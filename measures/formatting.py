"""Indicator values, targets and status as people read them: «7,8 %», «3 000», «< 6 %».

Numbers follow the active language (bokmål: decimal comma, non-breaking space between
thousands). Exports keep full precision and do not use this module.

This is the one renderer of a value and its status: pages call these functions, and
templates call them through the ``indicator_format`` tags (a template per table cell
is too slow for the dashboard). Status is always icon + text + colour, never colour
alone.
"""

from typing import Any

from django.conf import settings
from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Indicator, IndicatorValue, Target
from .status import Status

# Units of measure that count persons: whole numbers, no unit after the number.
COUNT_UNITS = frozenset({"personer"})


def decimals(unit_of_measure: str) -> int:
    """Decimal places shown for an indicator: none for counts of persons, one otherwise."""
    return 0 if unit_of_measure in COUNT_UNITS else 1


def change_kind(change: float, indicator: Indicator) -> str:
    """What a change (after minus before, at the precision shown) means for ``indicator``:
    "same"; "higher" or "lower" for an indicator without a direction; else "better" or
    "worse"."""
    if change == 0:
        return "same"
    up = change > 0
    if indicator.direction == Indicator.Direction.NEUTRAL:
        return "higher" if up else "lower"
    return "better" if up == (indicator.direction == Indicator.Direction.HIGHER) else "worse"


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


def hidden_text(value: IndicatorValue | None = None) -> str:
    """What a suppressed value shows instead of its figure (never its group size).

    Withheld by the complementary rule: built from enough persons, but hidden so that
    no subtraction reveals a smaller group next to it.
    """
    if value is not None and value.complementary:
        return _("Hidden (protects a small group)")
    return _("Hidden (fewer than %(n)s persons)") % {"n": settings.SUPPRESSION_MIN_PERSONS}


def value_text(value: IndicatorValue | None, indicator: Indicator) -> str:
    """A stored value as plain text: its figure, «Hidden (…)» or «No value»."""
    if value is not None and value.suppressed:
        return hidden_text(value)
    if value is not None and value.value is not None:
        return format_value(value.value, indicator.unit_of_measure)
    return _("No value")


# --- Markup -----------------------------------------------------------------------------

_STATUS: dict[str, tuple[str, str, Any]] = {
    Status.MET: ("met", "✓", gettext_lazy("Met")),
    Status.NEAR: ("near", "●", gettext_lazy("Near")),
    Status.MISSED: ("missed", "✗", gettext_lazy("Not met")),
}
_BADGE_COLOURS = {
    "met": "border-success-subtle bg-success-subtle text-success-emphasis",
    "near": "border-warning-subtle bg-warning-subtle text-warning-emphasis",
    "missed": "border-danger-subtle bg-danger-subtle text-danger-emphasis",
}


def status_label(status: str, target: Target | None) -> tuple[str, str]:
    """Status as (icon, text) for plain text: «✓», «Nådd»; without one «Ingen status» or
    «Ingen mål» (the council report's PDF and DOCX)."""
    if status in _STATUS:
        _css, icon, text = _STATUS[status]
        return icon, str(text)
    return "–", str(_("No status") if target is not None else _("No target"))


def status_html(status: str, target: Target | None, indicator: Indicator) -> SafeString:
    """Status as icon + text + colour, then the target (tables: dashboard, reports)."""
    parts = []
    if status in _STATUS:
        css, icon, text = _STATUS[status]
        parts.append(
            format_html(
                '<span class="status status-{}"><span aria-hidden="true">{}</span> {}</span>',
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
    return format_html_join("\n", "{}", ((part,) for part in parts))


def status_badge(status: str | None, target: Target | None) -> SafeString:
    """Status as a pill: icon + text + colour (the unit page)."""
    text: Any
    if status is not None and status in _STATUS:
        css, icon, text = _STATUS[status]
        colours = _BADGE_COLOURS[css]
    else:
        colours, icon = "bg-light text-body", "–"
        text = _("No status") if status is not None and target else _("No target")
    return format_html(
        '<span class="badge rounded-pill border {}"><span aria-hidden="true">{}</span> {}</span>',
        colours,
        icon,
        text,
    )


def value_html(value: IndicatorValue | None, indicator: Indicator) -> SafeString:
    """A stored value's figure, or «Hidden (…)», or «No value», as a styled span."""
    if value is not None and value.suppressed:
        return format_html('<span class="cell-suppressed">{}</span>', hidden_text(value))
    if value is None or value.value is None:
        return format_html('<span class="cell-empty">{}</span>', _("No value"))
    return format_html(
        '<span class="cell-value">{}</span>', format_value(value.value, indicator.unit_of_measure)
    )


def figure_html(
    *,
    indicator: Indicator,
    value: IndicatorValue | None,
    status: str,
    target: Target | None,
    after: SafeString | str = "",
) -> SafeString:
    """A stored value with its status when it is shown (a table cell).

    ``after`` (e.g. the dashboard's trend) follows a shown figure.
    """
    figure = value_html(value, indicator)
    if value is None or value.suppressed or value.value is None:
        return figure
    parts = [figure, status_html(status, target, indicator)]
    if after:
        parts.append(format_html("{}", after))
    return format_html_join("\n", "{}", ((part,) for part in parts))
