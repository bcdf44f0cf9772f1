"""The export format of spec/indicators.md ("Export format"): CSV, XLSX and JSON."""

import csv
import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

from openpyxl import Workbook

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


def export_record(value: IndicatorValue, resolver: TargetResolver) -> dict[str, Any]:
    """One export row as Python values (None where withheld or undefined).

    ``target`` is the applicable target's number (its comparator is in the indicator's
    definition of the target); ``status`` is met, near, missed or none.
    """
    target = resolver.resolve(
        indicator_id=value.indicator_id, unit_id=value.unit_id, on=value.period_end
    )
    return {
        "indicator": value.indicator.slug,
        "unit": value.unit.code,
        "period": value.period,
        "granularity": value.granularity,
        "value": value.value,
        "numerator": value.numerator,
        "denominator": value.denominator,
        "n_persons": value.n_persons,
        "suppressed": value.suppressed,
        "target": target.value if target else None,
        "status": evaluate(value.value, suppressed=value.suppressed, target=target).value,
    }


def _csv_cells(record: dict[str, Any]) -> list[str]:
    cells = []
    for name in EXPORT_FIELDS:
        item = record[name]
        if isinstance(item, bool):
            cells.append("true" if item else "false")
        elif isinstance(item, int | float) or item is None:
            cells.append(format_number(item))
        else:
            cells.append(str(item))
    return cells


def write_csv(values: Iterable[IndicatorValue], stream: IO[str]) -> int:
    resolver = TargetResolver()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(EXPORT_FIELDS)
    count = 0
    for value in values:
        writer.writerow(_csv_cells(export_record(value, resolver)))
        count += 1
    return count


def csv_lines(values: Iterable[IndicatorValue]) -> Iterator[str]:
    """The CSV export line by line (for streaming HTTP responses)."""
    resolver = TargetResolver()
    yield ",".join(EXPORT_FIELDS) + "\n"
    for value in values:
        yield ",".join(_csv_cells(export_record(value, resolver))) + "\n"


def write_json(values: Iterable[IndicatorValue], stream: IO[str]) -> int:
    resolver = TargetResolver()
    records = [export_record(v, resolver) for v in values]
    json.dump(records, stream, ensure_ascii=False, indent=1)
    stream.write("\n")
    return len(records)


def write_xlsx(values: Iterable[IndicatorValue], stream: IO[bytes]) -> int:
    resolver = TargetResolver()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("indicators")
    sheet.append(list(EXPORT_FIELDS))
    count = 0
    for value in values:
        record = export_record(value, resolver)
        sheet.append([record[name] for name in EXPORT_FIELDS])
        count += 1
    workbook.save(stream)
    return count
