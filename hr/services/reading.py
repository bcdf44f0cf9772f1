"""Reading a batch: CSV files, folders and XLSX workbooks → tables of raw text rows.

Parsing rules: spec/hr-import.md, "Parsing rules". Nothing here knows what a column
means; ``validation`` turns the text into typed records.

Memory follows what a file really holds, never what it claims: CSV files are read line
by line (from disk for the command), a workbook's declared size is checked before its
rows are read and its rows are read as they are (openpyxl would pad them up to the
declared dimension), and every limit ends the file with one file-level problem:
``HR_IMPORT_MAX_ROWS`` rows per file, ``MAX_COLUMNS`` columns, ``MAX_LINE_BYTES`` per
CSV line, ``HR_IMPORT_MAX_XLSX_MB`` uncompressed per workbook and
``MAX_COMPRESSION_RATIO`` per workbook part. Every other way a workbook can be broken
(bad XML, a zip that is not a workbook, a truncated file, a bad shared-string index,
an XML entity bomb) is a file-level problem too.
"""

import codecs
import csv
import io
import logging
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

# The three files of a batch, in the order they are validated and written.
KINDS = ("orgunits", "employments", "absences")
EXPECTED_FILES = "orgunits.csv, employments.csv, absences.csv"

# A batch file has a dozen columns; a row with more than this many values is not an
# export of ours (and would cost memory for nothing).
MAX_COLUMNS = 200
# The longest CSV line (a row of a dozen short fields is some 200 bytes).
MAX_LINE_BYTES = 1024 * 1024
# Excel's own limits: a workbook that claims more is not from a spreadsheet program.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
# A part of a workbook that is more than this many times larger unpacked than packed
# is a zip bomb: real sheets pack 5–15 times (repeated rows of one value some 30).
MAX_COMPRESSION_RATIO = 100
# Parts smaller than this are not checked for their ratio (tiny parts pack badly or
# very well, and cannot hurt).
RATIO_CHECKED_FROM_BYTES = 1024 * 1024

# Control characters (Unicode category Cc) except tab: spec/hr-import.md, "Parsing rules".
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")

logger = logging.getLogger(__name__)


def max_rows() -> int:
    """The most data rows one file of a batch may have (``HR_IMPORT_MAX_ROWS``)."""
    return int(settings.HR_IMPORT_MAX_ROWS)


def control_character_name(text: str) -> str | None:
    """``U+0000`` for the first control character (tab excepted) in ``text``; else None."""
    match = CONTROL_CHARACTERS.search(text)
    return f"U+{ord(match.group()):04X}" if match else None


def control_character_problem(character: str) -> str:
    """The problem of a value with the control character ``character`` (``U+0000``)."""
    return _(
        "contains the control character %(character)s: text must not contain control "
        "characters (tab excepted)."
    ) % {"character": character}


def without_control_characters(text: str) -> str:
    """``text`` with each control character shown as ``U+XXXX`` (for messages)."""
    return CONTROL_CHARACTERS.sub(lambda m: f"U+{ord(m.group()):04X}", text)


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
    """One problem: ``file:line: column: reason`` (line and column may be empty).

    Names come from files (a file name, a header): a control character in them is
    shown as ``U+XXXX``, so a message can always be stored and shown (PostgreSQL
    refuses NUL in text and JSON).
    """

    file: str
    line: int | None
    column: str
    reason: str

    def __post_init__(self) -> None:
        for name in ("file", "column", "reason"):
            value = getattr(self, name)
            if CONTROL_CHARACTERS.search(value):
                object.__setattr__(self, name, without_control_characters(value))

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


class _FileProblem(Exception):
    """A problem that ends the reading of a file; reported as a file-level problem."""

    def __init__(self, reason: str, *, line: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line


def read_sources(sources: Iterable[ImportSource]) -> ReadResult:
    """Read every source of a batch; folders expand to the batch files they hold."""
    result = ReadResult()
    for source in _expand(sources, result):
        suffix = Path(source.name).suffix.lower()
        if suffix == ".xlsx":
            tables = _read_workbook(source, result)
        else:
            kind = Path(source.name).stem.strip().lower()
            table = _read_csv(kind, source, result)
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
    if Path(source.name).suffix.lower() != ".xlsx":
        table = _read_csv(kind, source, result)
        _refuse_control_characters(table)
        return table, result.errors
    tables = [
        (title, table)
        for title, table in _workbook_tables(source, result, kind_of=lambda _title: kind)
        if table is not None
    ]
    if result.errors:
        return None, result.errors
    if len(tables) > 1:
        _file_error(
            result,
            source.name,
            _("the workbook has data on more than one sheet (%(sheets)s): use one sheet.")
            % {"sheets": ", ".join(title for title, _table in tables)},
        )
        return None, result.errors
    if not tables:
        _file_error(result, source.name, _("the file is empty: a header row is required."))
        return None, result.errors
    table = tables[0][1]
    _refuse_control_characters(table)
    return table, result.errors


def _refuse_control_characters(table: Table | None) -> None:
    """A problem on each row for each value with a control character, and the character
    replaced by U+FFFD, so that no caller looks such a value up (PostgreSQL refuses NUL)."""
    if table is None:
        return
    for row in table.rows:
        for column, value in row.values.items():
            if control := control_character_name(value):
                row.problems.append((column, control_character_problem(control)))
                row.values[column] = CONTROL_CHARACTERS.sub("\ufffd", value)


def _open(source: ImportSource) -> IO[bytes]:
    """The file's bytes as a stream: a file on disk is read as it is needed."""
    if isinstance(source.content, Path):
        return source.content.open("rb")
    return io.BytesIO(source.content)


def _cannot_read(result: ReadResult, name: str, exc: OSError, *, kind: str | None) -> None:
    _file_error(
        result,
        name,
        _("cannot read the file (%(error)s).") % {"error": exc.strerror or exc.__class__.__name__},
        kind=kind,
    )


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


# --- CSV ------------------------------------------------------------------------------


def _bounded_lines(stream: IO[bytes]) -> Iterator[bytes]:
    """The stream's lines (ending in LF), none longer than ``MAX_LINE_BYTES``.

    ``readline`` with a limit: a file of one endless line is not read whole first.
    """
    number = 0
    while line := stream.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(line) > MAX_LINE_BYTES:
            raise _FileProblem(
                _("the line is longer than %(size)s bytes: this is not a CSV export.")
                % {"size": number_format(MAX_LINE_BYTES, force_grouping=True)},
                line=number,
            )
        yield line


class _CsvLines:
    """The text lines of a CSV stream, decoded as UTF-8 one line at a time.

    Counts the lines it has given out (a lone CR ends a line too, as in universal
    newlines mode), so that a problem names the right line.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.given = 0

    def __iter__(self) -> Iterator[str]:
        first = True
        for raw in _bounded_lines(self.stream):
            if first:
                # Excel's "CSV UTF-8" writes a byte-order mark.
                raw = raw.removeprefix(codecs.BOM_UTF8)
                first = False
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise _FileProblem(
                    _(
                        "the file is not UTF-8 encoded (byte 0x%(byte)02X cannot be read). Save "
                        "it again as UTF-8, e.g. in Excel as “CSV UTF-8”: exports in "
                        "Windows-1252 must be re-saved."
                    )
                    % {"byte": raw[exc.start]},
                    line=self.given + 1 + _lone_crs(raw[: exc.start]),
                ) from exc
            if "\r" not in text or (text.endswith("\r\n") and text.count("\r") == 1):
                self.given += 1
                yield text
                continue
            # A CR that does not end the line (old Mac files) ends a line as well.
            for piece in _CR_LINES.findall(text):
                if piece:
                    self.given += 1
                    yield piece


def _lone_crs(data: bytes) -> int:
    return data.count(b"\r") - data.count(b"\r\n")


_CR_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")


def _read_csv(kind: str, source: ImportSource, result: ReadResult) -> Table | None:
    try:
        stream = _open(source)
    except OSError as exc:
        _cannot_read(result, source.name, exc, kind=kind)
        return None
    with stream:
        try:
            delimiter = _detect_delimiter(stream)
            table = _table(kind, source.name, _csv_records(stream, delimiter), result)
        except _FileProblem as problem:
            _file_error(result, source.name, problem.reason, line=problem.line, kind=kind)
            return None
        except OSError as exc:
            _cannot_read(result, source.name, exc, kind=kind)
            return None
    if table is None:
        _file_error(
            result, source.name, _("the file is empty: a header row is required."), kind=kind
        )
    return table


def _csv_records(stream: IO[bytes], delimiter: str) -> Iterator[tuple[int, list[str]]]:
    lines = _CsvLines(stream)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    previous_line = 0
    try:
        for record in reader:
            # Lines with nothing but the line break come through as empty pieces of
            # _CR_LINES's last match; the reader skips them.
            start = previous_line + 1
            previous_line = lines.given
            yield start, record
    except csv.Error as exc:
        raise _FileProblem(
            _("the file cannot be read as CSV (%(error)s).") % {"error": exc},
            line=previous_line + 1,
        ) from exc


def _detect_delimiter(stream: IO[bytes]) -> str:
    """``;`` or ``,``: whichever the header line has more of (Norwegian Excel uses ``;``).

    Reads up to the first non-empty line and rewinds the stream.
    """
    delimiter = ","
    for line in _bounded_lines(stream):
        if line.strip():
            delimiter = ";" if line.count(b";") > line.count(b",") else ","
            break
    stream.seek(0)
    return delimiter


# --- XLSX ------------------------------------------------------------------------------


def _read_workbook(source: ImportSource, result: ReadResult) -> list[Table]:
    def kind_of(title: str) -> str | None:
        kind = title.strip().lower()
        return kind if kind in KINDS else None

    tables = []
    for _title, table in _workbook_tables(source, result, kind_of=kind_of):
        if table is None:
            continue
        if table.kind not in KINDS:
            # Excel's default empty sheet ("Ark1") is harmless; data in an unknown
            # sheet is not.
            if table.rows or table.columns:
                _file_error(
                    result,
                    table.name,
                    _("unknown sheet: expected the sheets %(sheets)s.")
                    % {"sheets": ", ".join(KINDS)},
                )
            continue
        tables.append(table)
    return tables


def _workbook_tables(
    source: ImportSource, result: ReadResult, *, kind_of: Callable[[str], str | None]
) -> Iterator[tuple[str, Table | None]]:
    """Each sheet of a workbook as (title, table); the table is None for an empty sheet.

    ``kind_of(title)`` names the table a sheet holds (None: a sheet that should not be
    there, yielded with kind ""). An empty sheet of a batch kind, or one whose reading
    ends with a problem (too many rows …), is reported and its kind marked broken. A
    workbook that cannot be opened or read at all is one file-level problem, and
    every kind is marked broken (no reference can be checked against it).
    """
    name = source.name
    try:
        stream = _open(source)
    except OSError as exc:
        _cannot_read(result, name, exc, kind=None)
        result.broken.update(KINDS)
        return
    with stream:
        try:
            _check_package(stream)
            yield from _sheets(name, stream, result, kind_of)
        except _FileProblem as problem:
            _file_error(result, name, problem.reason, line=problem.line)
            result.broken.update(KINDS)
        except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
            # Bad sheet or workbook XML, a bad shared-string index, a truncated zip, an
            # XML entity bomb (defusedxml) …: all "this file cannot be read".
            logger.info("The workbook %s cannot be read.", name, exc_info=True)
            _file_error(
                result, name, _("the file is not an Excel workbook (.xlsx) that can be read.")
            )
            result.broken.update(KINDS)


def _check_package(stream: IO[bytes]) -> None:
    """Refuse a zip that unpacks to an absurd size, before openpyxl reads any of it.

    The sizes in a zip's directory can be trusted as upper bounds: ``zipfile`` never
    unpacks more than an entry declares (and then fails its checksum).
    """
    try:
        package = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
        raise _FileProblem(
            _("the file is not an Excel workbook (.xlsx) that can be read.")
        ) from exc
    limit_mb = int(settings.HR_IMPORT_MAX_XLSX_MB)
    total = 0
    for info in package.infolist():
        total += info.file_size
        if (
            info.file_size > RATIO_CHECKED_FROM_BYTES
            and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1)
        ):
            raise _FileProblem(
                _(
                    "the workbook's part %(part)s unpacks to %(ratio)s times its packed size "
                    "(at most %(max)d times is accepted): the file is refused as a zip bomb."
                )
                % {
                    "part": info.filename,
                    "ratio": number_format(
                        info.file_size // max(info.compress_size, 1), force_grouping=True
                    ),
                    "max": MAX_COMPRESSION_RATIO,
                }
            )
    if total > limit_mb * 1024 * 1024:
        raise _FileProblem(
            _(
                "the workbook unpacks to %(size)s MB, and at most %(limit)s MB is accepted "
                "(HR_IMPORT_MAX_XLSX_MB). Export the files as CSV instead."
            )
            % {
                "size": number_format(total // (1024 * 1024), force_grouping=True),
                "limit": number_format(limit_mb, force_grouping=True),
            }
        )
    stream.seek(0)


def _sheets(
    name: str, stream: IO[bytes], result: ReadResult, kind_of: Callable[[str], str | None]
) -> Iterator[tuple[str, Table | None]]:
    from openpyxl import load_workbook

    workbook = load_workbook(stream, read_only=True, data_only=True)
    try:
        for sheet in workbook.worksheets:
            _check_dimension(sheet)
            # openpyxl pads the rows up to the declared dimension (a sheet can claim a
            # million rows and hold ten): read only the rows that are there.
            sheet.reset_dimensions()
            sheet_name = f"{name}[{sheet.title}]"
            kind = kind_of(sheet.title)
            try:
                table = _table(kind or "", sheet_name, _sheet_records(sheet), result)
            except _FileProblem as problem:
                _file_error(result, sheet_name, problem.reason, line=problem.line, kind=kind)
                continue
            if table is None and kind in KINDS:
                _file_error(
                    result,
                    sheet_name,
                    _("the file is empty: a header row is required."),
                    kind=kind,
                )
            yield sheet.title, table
    finally:
        workbook.close()


def _check_dimension(sheet: Any) -> None:
    """Refuse a sheet whose declared dimension is beyond what Excel allows."""
    rows, columns = sheet.max_row or 0, sheet.max_column or 0
    if rows > EXCEL_MAX_ROWS or columns > EXCEL_MAX_COLUMNS:
        raise _FileProblem(
            _(
                "the sheet %(sheet)s claims %(rows)s rows and %(columns)s columns, more than "
                "a workbook can hold (%(max_rows)s rows, %(max_columns)s columns): the file "
                "is damaged or made to harm."
            )
            % {
                "sheet": sheet.title,
                "rows": number_format(rows, force_grouping=True),
                "columns": number_format(columns, force_grouping=True),
                "max_rows": number_format(EXCEL_MAX_ROWS, force_grouping=True),
                "max_columns": number_format(EXCEL_MAX_COLUMNS, force_grouping=True),
            }
        )


def _sheet_records(sheet: Any) -> Iterator[tuple[int, list[str]]]:
    for number, row in enumerate(sheet.iter_rows(min_row=1), start=1):
        if number > EXCEL_MAX_ROWS:
            raise _FileProblem(
                _("the sheet has rows beyond row %(max)s, which a workbook cannot hold.")
                % {"max": number_format(EXCEL_MAX_ROWS, force_grouping=True)}
            )
        if not row:
            continue  # a row that is not there (openpyxl fills the gaps)
        if len(row) > MAX_COLUMNS:
            raise _FileProblem(_too_many_columns(len(row)), line=number)
        yield number, [_cell_text(cell) for cell in row]


def _too_many_columns(count: int) -> str:
    return _("the row has %(count)s columns; a batch file has at most %(max)d.") % {
        "count": number_format(count, force_grouping=True),
        "max": MAX_COLUMNS,
    }


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


# --- Tables -----------------------------------------------------------------------------


def _table(
    kind: str, name: str, records: Iterable[tuple[int, list[str]]], result: ReadResult
) -> Table | None:
    """Header (the first non-empty row) and data rows; empty rows are skipped.

    None for a file without any content. Raises ``_FileProblem`` for a file that cannot
    be a batch file (too many rows or columns); a header with a control character or a
    column named twice is a problem in ``result`` (the kind is broken).
    """
    limit = max_rows()
    header_line = 0
    columns: list[str] = []
    data_rows: list[RawRow] = []
    for line, values in records:
        if len(values) > MAX_COLUMNS:
            raise _FileProblem(_too_many_columns(len(values)), line=line)
        if not any(value.strip() for value in values):
            continue
        if not header_line:
            header_line, columns = line, [column.strip().lower() for column in values]
            continue
        if len(data_rows) >= limit:
            raise _FileProblem(
                _(
                    "the file has more than %(max)s rows, the most an import takes from one "
                    "file (HR_IMPORT_MAX_ROWS). Split it into several imports."
                )
                % {"max": number_format(limit, force_grouping=True)},
                line=line,
            )
        data_rows.append(_raw_row(line, values, columns))
    if not header_line:
        return None
    seen: set[str] = set()
    for column in columns:
        if control := control_character_name(column):
            _file_error(
                result,
                name,
                _("the column name has the control character %(character)s.")
                % {"character": control},
                line=header_line,
                column=column,
                kind=kind,
            )
        elif column and column in seen:
            _file_error(
                result,
                name,
                _("the column appears more than once in the header."),
                line=header_line,
                column=column,
                kind=kind,
            )
        seen.add(column)
    return Table(
        kind=kind,
        name=name,
        columns=[c for c in columns if c],
        header_line=header_line,
        rows=data_rows,
    )


def _raw_row(line: int, values: list[str], columns: list[str]) -> RawRow:
    row = RawRow(
        line=line,
        values={
            column: value.strip() for column, value in zip(columns, values, strict=False) if column
        },
    )
    width = len(columns)
    if any(value.strip() for value in values[width:]):
        row.problems.append(
            (
                "",
                _("the row has %(count)d values but the header has %(width)d columns.")
                % {"count": len(values), "width": width},
            )
        )
    return row
