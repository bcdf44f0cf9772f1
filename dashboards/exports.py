"""The dashboard's view as a file (CSV or XLSX), with the same filters as the page.

Numbers are written as in the spec's export format (``measures.exports``); text cells
(unit and indicator names) are data, never formulas (``strategi.spreadsheet``).
"""

import csv
from collections.abc import Iterator
from typing import IO, Any

from measures.exports import csv_cells
from strategi.spreadsheet import xlsx_append, xlsx_workbook

from .selectors import Dashboard

DASHBOARD_EXPORT_FIELDS = (
    "unit",
    "unit_name",
    "level",
    "indicator",
    "indicator_name",
    "period",
    "value",
    "n_persons",
    "suppressed",
    "target",
    "status",
    "last_year_value",
)


def dashboard_records(dashboard: Dashboard | None) -> Iterator[dict[str, Any]]:
    """One record per unit × indicator of the dashboard, in tree order.

    A unit without a stored value has an empty value and status ``none``; last year's
    value is empty where it was not stored or was suppressed. No dashboard (nothing
    stored yet): no records.
    """
    for row in dashboard.rows if dashboard else []:
        for cell in row.cells:
            current = cell.current
            stored = current.value if current else None
            yield {
                "unit": row.unit.code,
                "unit_name": row.unit.name,
                "level": row.unit.level,
                "indicator": cell.indicator.slug,
                "indicator_name": cell.indicator.name,
                "period": dashboard.period.label,
                "value": stored.value if stored else None,
                "n_persons": stored.n_persons if stored and not stored.suppressed else None,
                "suppressed": stored.suppressed if stored else False,
                "target": current.target.value if current and current.target else None,
                "status": current.status.value if current else "none",
                "last_year_value": cell.last_year.value if cell.last_year else None,
            }


def write_dashboard_csv(dashboard: Dashboard | None, stream: IO[str]) -> int:
    """The dashboard export as CSV (numbers as in the spec's export format)."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(DASHBOARD_EXPORT_FIELDS)
    count = 0
    for record in dashboard_records(dashboard):
        writer.writerow(csv_cells(record, DASHBOARD_EXPORT_FIELDS))
        count += 1
    return count


def write_dashboard_xlsx(dashboard: Dashboard | None, stream: IO[bytes]) -> int:
    """The dashboard export as an XLSX workbook (one sheet named after the period)."""
    workbook, sheet = xlsx_workbook(dashboard.period.label if dashboard else "dashboard")
    xlsx_append(sheet, DASHBOARD_EXPORT_FIELDS)
    count = 0
    for record in dashboard_records(dashboard):
        xlsx_append(sheet, (record[name] for name in DASHBOARD_EXPORT_FIELDS))
        count += 1
    workbook.save(stream)
    return count
