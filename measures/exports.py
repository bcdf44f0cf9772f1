"""The export format of spec/indicators.md ("Export format"): CSV, XLSX and JSON."""

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import IO, Any

from strategi.spreadsheet import text_cell, xlsx_append, xlsx_workbook

from .models import IndicatorValue
from .selectors import EXPORT_FIELDS
from .status import TargetResolver, evaluate


def format_number(number: float | int | None) -> str:
    """``.`` as decimal separator, full precision, integers without a fraction."""
    if number is None:
        return ""
    if isinstance(number, float) and number.is_integer():
        return str(int(number))
    return repr(number) if isinstance(number, float) else str(number)


# The stored columns an export record is made of (``values()`` names).
RECORD_COLUMNS = (
    "indicator_id",
    "unit_id",
    "period_end",
    "indicator__slug",
    "unit__code",
    "period",
    "granularity",
    "value",
    "numerator",
    "denominator",
    "n_persons",
    "suppressed",
)


def export_record(value: IndicatorValue, resolver: TargetResolver) -> dict[str, Any]:
    """One export row as Python values (None where withheld or undefined)."""
    row = {
        "indicator_id": value.indicator_id,
        "unit_id": value.unit_id,
        "period_end": value.period_end,
        "indicator__slug": value.indicator.slug,
        "unit__code": value.unit.code,
        "period": value.period,
        "granularity": value.granularity,
        "value": value.value,
        "numerator": value.numerator,
        "denominator": value.denominator,
        "n_persons": value.n_persons,
        "suppressed": value.suppressed,
    }
    return export_record_from_row(row, resolver)


def export_record_from_row(row: Mapping[str, Any], resolver: TargetResolver) -> dict[str, Any]:
    """The export row of a stored value read with ``values(*RECORD_COLUMNS)``.

    ``target`` is the applicable target's number (its comparator is in the indicator's
    definition of the target); ``status`` is met, near, missed or none. Reading rows
    instead of model instances keeps large pages (the API) cheap.
    """
    target = resolver.resolve(
        indicator_id=row["indicator_id"], unit_id=row["unit_id"], on=row["period_end"]
    )
    return {
        "indicator": row["indicator__slug"],
        "unit": row["unit__code"],
        "period": row["period"],
        "granularity": row["granularity"],
        "value": row["value"],
        "numerator": row["numerator"],
        "denominator": row["denominator"],
        # A withheld value's group size is withheld too: n of 1–4 persons says who they
        # are, and the sizes of withheld cells would add up to the hidden one's.
        "n_persons": None if row["suppressed"] else row["n_persons"],
        "suppressed": row["suppressed"],
        "target": target.value if target else None,
        "status": evaluate(row["value"], suppressed=row["suppressed"], target=target).value,
    }


def csv_cells(record: dict[str, Any], fields: Sequence[str] = EXPORT_FIELDS) -> list[str]:
    """A record's cells in the export format: ``true``/``false``, full-precision numbers.

    Text cells (unit codes and names) are neutralised against formulas
    (``strategi.spreadsheet``); numbers are not text, so ``-1.5`` stays ``-1.5``.
    """
    cells = []
    for name in fields:
        item = record[name]
        if isinstance(item, bool):
            cells.append("true" if item else "false")
        elif isinstance(item, int | float) or item is None:
            cells.append(format_number(item))
        else:
            cells.append(text_cell(str(item)))
    return cells


def write_csv(values: Iterable[IndicatorValue], stream: IO[str]) -> int:
    resolver = TargetResolver()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(EXPORT_FIELDS)
    count = 0
    for value in values:
        writer.writerow(csv_cells(export_record(value, resolver)))
        count += 1
    return count


def csv_lines(values: Iterable[IndicatorValue], *, rows_per_chunk: int = 1000) -> Iterator[str]:
    """The CSV export in chunks of lines, exactly as ``write_csv`` (for streaming HTTP)."""
    resolver = TargetResolver()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_FIELDS)
    for count, value in enumerate(values, start=1):
        writer.writerow(csv_cells(export_record(value, resolver)))
        if count % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_json(values: Iterable[IndicatorValue], stream: IO[str]) -> int:
    resolver = TargetResolver()
    records = [export_record(v, resolver) for v in values]
    json.dump(records, stream, ensure_ascii=False, indent=1)
    stream.write("\n")
    return len(records)


def write_xlsx(values: Iterable[IndicatorValue], stream: IO[bytes]) -> int:
    resolver = TargetResolver()
    workbook, sheet = xlsx_workbook("indicators")
    xlsx_append(sheet, EXPORT_FIELDS)
    count = 0
    for value in values:
        record = export_record(value, resolver)
        xlsx_append(sheet, (record[name] for name in EXPORT_FIELDS))
        count += 1
    workbook.save(stream)
    return count
