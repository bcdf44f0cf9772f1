"""Reading a batch: CSV files, folders and XLSX workbooks → tables of raw text rows.

Parsing rules: spec/hr-import.md, "Parsing rules". Nothing here knows what a column
means; ``validation`` turns the text into typed records.
"""

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from django.utils.translation import gettext as _

# The three files of a batch, in the order they are validated and written.
KINDS = ("orgunits", "employments", "absences")
EXPECTED_FILES = "orgunits.csv, employments.csv, absences.csv"


@dataclass(frozen=True)
class ImportSource:
    """One file of a batch: a display name and its bytes or its path.

    A path may be a folder; it stands for the batch files inside it.
    """

    name: str
    content: bytes | Path

    @classmethod
    def from_path(cls, path: str | Path) -> "ImportSource":
        return cls(name=str(path), content=Path(path))


@dataclass(frozen=True)
class ImportIssue:
    """One problem: ``file:line: column: reason`` (line and column may be empty)."""

    file: str
    line: int | None
    column: str
    reason: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return (
            f"{where}: {self.column}: {self.reason}" if self.column else f"{where}: {self.reason}"
        )

    def as_dict(self) -> dict[str, str | int | None]:
        return {"file": self.file, "line": self.line, "column": self.column, "reason": self.reason}


@dataclass
class RawRow:
    """One non-empty data row: column (normalised header) → trimmed text."""

    line: int
    values: dict[str, str]
    # (column, reason) found while reading, e.g. more values than header columns.
    problems: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Table:
    """The rows of one batch file (a CSV file or one sheet of a workbook)."""

    kind: str
    name: str
    columns: list[str]
    header_line: int
    rows: list[RawRow]


@dataclass
class ReadResult:
    tables: dict[str, Table] = field(default_factory=dict)
    # Every file of the batch, a folder's files in its place.
    files: list[str] = field(default_factory=list)
    # File-level problems: unreadable file, unknown name, missing column …
    errors: list[ImportIssue] = field(default_factory=list)
    # Kinds whose file could not be read: references to them cannot be checked.
    broken: set[str] = field(default_factory=set)


def read_sources(sources: Iterable[ImportSource]) -> ReadResult:
    """Read every source of a batch; folders expand to the batch files they hold."""
    result = ReadResult()
    for source in _expand(sources, result):
        data = _bytes_of(source, result)
        if data is None:
            continue
        suffix = Path(source.name).suffix.lower()
        if suffix == ".xlsx":
            tables = _read_workbook(source.name, data, result)
        else:
            kind = Path(source.name).stem.strip().lower()
            table = _read_csv(kind, source.name, data, result)
            tables = [table] if table else []
        for table in tables:
            _add_table(result, table)
    return result


def read_one_table(source: ImportSource, *, kind: str) -> tuple[Table | None, list[ImportIssue]]:
    """Read a file that holds one table: a CSV file, or a workbook with one sheet of data.

    The same parsing rules as a batch (spec/hr-import.md, "Parsing rules"); ``kind``
    names the table in messages. Returns the table (None when the file cannot be
    read) and the file-level problems.
    """
    result = ReadResult()
    data = _bytes_of(source, result)
    if data is None:
        return None, result.errors
    if Path(source.name).suffix.lower() != ".xlsx":
        return _read_csv(kind, source.name, data, result), result.errors
    sheets = []
    for title, records in _workbook_sheets(source.name, data, result):
        if any(any(value.strip() for value in values) for _line, values in records):
            sheets.append((title, records))
    if len(sheets) > 1:
        _file_error(
            result,
            source.name,
            _("the workbook has data on more than one sheet (%(sheets)s): use one sheet.")
            % {"sheets": ", ".join(title for title, _records in sheets)},
        )
        return None, result.errors
    if not sheets:
        if result.errors:  # not a workbook
            return None, result.errors
        return _table(kind, source.name, [], result), result.errors
    title, records = sheets[0]
    return _table(kind, f"{source.name}[{title}]", records, result), result.errors


def _bytes_of(source: ImportSource, result: ReadResult) -> bytes | None:
    """The file's bytes; None (and a problem in ``result``) when it cannot be read."""
    if not isinstance(source.content, Path):
        return source.content
    try:
        return source.content.read_bytes()
    except OSError as exc:
        _file_error(
            result,
            source.name,
            _("cannot read the file (%(error)s).")
            % {"error": exc.strerror or exc.__class__.__name__},
        )
        return None


def _expand(sources: Iterable[ImportSource], result: ReadResult) -> Iterator[ImportSource]:
    """Yield batch files: a folder's CSV/XLSX files, and every named file.

    In a folder, other files (a README, ``.DS_Store``) are left alone; a CSV or XLSX
    file with an unknown name is an error, as it probably is a misnamed export.
    """
    for source in sources:
        path = source.content
        if isinstance(path, Path) and path.is_dir():
            for child in sorted(path.iterdir()):
                if child.is_file() and child.suffix.lower() in {".csv", ".xlsx"}:
                    name = f"{source.name.rstrip('/')}/{child.name}"
                    result.files.append(name)
                    yield from _known(ImportSource(name, child), result)
            continue
        result.files.append(source.name)
        if isinstance(path, Path) and not path.exists():
            _file_error(result, source.name, _("file not found."))
            continue
        yield from _known(source, result)


def _known(source: ImportSource, result: ReadResult) -> Iterator[ImportSource]:
    name = Path(source.name)
    suffix = name.suffix.lower()
    if suffix == ".xlsx" or (suffix == ".csv" and name.stem.strip().lower() in KINDS):
        yield source
        return
    _file_error(
        result,
        source.name,
        _("unknown file name: expected %(files)s, or one .xlsx workbook with those sheets.")
        % {"files": EXPECTED_FILES},
    )


def _file_error(
    result: ReadResult,
    name: str,
    reason: str,
    *,
    line: int | None = None,
    column: str = "",
    kind: str | None = None,
) -> None:
    result.errors.append(ImportIssue(file=name, line=line, column=column, reason=reason))
    if kind:
        result.broken.add(kind)


def _add_table(result: ReadResult, table: Table) -> None:
    previous = result.tables.get(table.kind)
    if previous is not None:
        _file_error(
            result,
            table.name,
            _("%(kind)s is already in this batch (%(other)s); give each file only once.")
            % {"kind": table.kind, "other": previous.name},
            kind=table.kind,
        )
        return
    result.tables[table.kind] = table


def _read_csv(kind: str, name: str, data: bytes, result: ReadResult) -> Table | None:
    try:
        # utf-8-sig drops a byte-order mark (Excel's "CSV UTF-8" writes one).
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        _file_error(
            result,
            name,
            _(
                "the file is not UTF-8 encoded (byte 0x%(byte)02X cannot be read). Save it "
                "again as UTF-8, e.g. in Excel as “CSV UTF-8”: exports in Windows-1252 "
                "must be re-saved."
            )
            % {"byte": data[exc.start]},
            line=line,
            kind=kind,
        )
        return None
    delimiter = _detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    previous_line = 0
    try:
        for record in reader:
            start = previous_line + 1
            previous_line = reader.line_num
            records.append((start, record))
    except csv.Error as exc:
        _file_error(
            result,
            name,
            _("the file cannot be read as CSV (%(error)s).") % {"error": exc},
            line=previous_line + 1,
            kind=kind,
        )
        return None
    return _table(kind, name, records, result)


def _detect_delimiter(text: str) -> str:
    """``;`` or ``,``: whichever the header line has more of (Norwegian Excel uses ``;``)."""
    for line in text.splitlines():
        if line.strip():
            return ";" if line.count(";") > line.count(",") else ","
    return ","


def _workbook_sheets(
    name: str, data: bytes, result: ReadResult
) -> list[tuple[str, list[tuple[int, list[str]]]]]:
    """Every sheet of a workbook: its title and its rows as text, numbered from 1.

    A file that is not a workbook is a problem in ``result`` and has no sheets.
    """
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        _file_error(result, name, _("the file is not an Excel workbook (.xlsx) that can be read."))
        return []
    try:
        return [
            (
                sheet.title,
                [
                    (number, [_cell_text(cell) for cell in row])
                    for number, row in enumerate(sheet.iter_rows(min_row=1), start=1)
                ],
            )
            for sheet in workbook.worksheets
        ]
    finally:
        workbook.close()


def _read_workbook(name: str, data: bytes, result: ReadResult) -> list[Table]:
    errors_before = len(result.errors)
    sheets = _workbook_sheets(name, data, result)
    if len(result.errors) > errors_before:
        result.broken.update(KINDS)
        return []
    tables = []
    for title, records in sheets:
        kind = title.strip().lower()
        sheet_name = f"{name}[{title}]"
        if kind not in KINDS:
            # Excel's default empty sheet ("Ark1") is harmless; data in an unknown
            # sheet is not.
            if any(any(values) for _, values in records):
                _file_error(
                    result,
                    sheet_name,
                    _("unknown sheet: expected the sheets %(sheets)s.")
                    % {"sheets": ", ".join(KINDS)},
                )
            continue
        table = _table(kind, sheet_name, records, result)
        if table:
            tables.append(table)
    return tables


def _cell_text(cell: object) -> str:
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        # A cell shown as "80 %" holds 0.8.
        if "%" in (getattr(cell, "number_format", "") or ""):
            value = value * 100
        value = round(float(value), 9)
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _table(
    kind: str, name: str, records: list[tuple[int, list[str]]], result: ReadResult
) -> Table | None:
    """Header (the first non-empty row) and data rows; empty rows are skipped."""
    rows = [(line, values) for line, values in records if any(v.strip() for v in values)]
    if not rows:
        _file_error(result, name, _("the file is empty: a header row is required."), kind=kind)
        return None
    header_line, header = rows[0]
    columns = [column.strip().lower() for column in header]
    seen: set[str] = set()
    for column in columns:
        if column and column in seen:
            _file_error(
                result,
                name,
                _("the column appears more than once in the header."),
                line=header_line,
                column=column,
                kind=kind,
            )
        seen.add(column)
    width = len(columns)
    data_rows = []
    for line, values in rows[1:]:
        row = RawRow(
            line=line,
            values={
                column: value.strip()
                for column, value in zip(columns, values, strict=False)
                if column
            },
        )
        extra = [value for value in values[width:] if value.strip()]
        if extra:
            row.problems.append(
                (
                    "",
                    _("the row has %(count)d values but the header has %(width)d columns.")
                    % {"count": len(values), "width": width},
                )
            )
        data_rows.append(row)
    return Table(
        kind=kind,
        name=name,
        columns=[c for c in columns if c],
        header_line=header_line,
        rows=data_rows,
    )
