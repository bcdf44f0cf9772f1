"""The dashboard's cells and rows as HTML (a template per cell is too slow).

A cell is ``measures.formatting.figure_html`` (value and status, the one renderer of
those) with the change since last year after it.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from measures.formatting import figure_html, format_value

from .selectors import DashboardCell, DashboardRow

if TYPE_CHECKING:
    from .views.dashboard import DashboardFilter

_TREND = {
    "up": ("↑", gettext_lazy("up from %(before)s last year")),
    "down": ("↓", gettext_lazy("down from %(before)s last year")),
    "same": ("→", gettext_lazy("unchanged from %(before)s last year")),
}


def cell_html(cell: DashboardCell, *, trend: bool = True) -> SafeString:
    """One indicator of one unit: value, status, and (``trend``) the change since last year."""
    current, indicator = cell.current, cell.indicator
    after: SafeString | str = ""
    direction = cell.trend if trend else None
    if direction is not None and cell.last_year is not None:
        before = format_value(cell.last_year.value, indicator.unit_of_measure)
        arrow, spoken = _TREND[direction]
        after = format_html(
            '<span class="trend"><span aria-hidden="true">{} {}</span>'
            '<span class="visually-hidden">{}</span></span>',
            arrow,
            _("last year %(before)s") % {"before": before},
            str(spoken) % {"before": before},
        )
    return figure_html(
        indicator=indicator,
        value=current.value if current else None,
        status=current.status if current else "none",
        target=current.target if current else None,
        after=after,
    )


@dataclass(frozen=True)
class TreeRow:
    """A row of the dashboard's unit tree, ready for ``_dashboard_rows.html``.

    ``controls``: the ids of the rows below it when they are on the page. ``link``: the
    no-JavaScript toggle (this page with the unit opened or closed), if any.
    ``rows_url``: where the script fetches the rows below it.
    """

    row: DashboardRow
    cells: list[SafeString]
    controls: str
    link: str
    rows_url: str


def tree_rows(
    rows: list[DashboardRow],
    *,
    chosen: "DashboardFilter",
    open_codes: set[str],
) -> list[TreeRow]:
    """The rows shown, with their cells as HTML and the targets of their toggles."""
    query = chosen.query()
    result = []
    for row in rows:
        controls = link = rows_url = ""
        if row.children:
            rows_url = f"{reverse('dashboards:dashboard-rows', args=[row.unit.code])}?{query}"
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
                cells=[cell_html(cell) for cell in row.cells],
                controls=controls,
                link=link,
                rows_url=rows_url,
            )
        )
    return result
