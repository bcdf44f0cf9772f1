"""Cells of every CSV and XLSX file the app writes: data, never formulas.

A spreadsheet program runs a text cell that starts with ``=``, ``+``, ``-`` or ``@``
as a formula (and tab or carriage return can hide such a start), so a unit named
``=cmd|' /C calc'!A0`` in an export would be a command on the reader's machine (OWASP
"CSV Injection"). Every export (indicator exports, the dashboard's, the API's CSV, the
import's rejected rows) writes its cells through this module: text that starts with one
of those characters gets a leading ``'``, which spreadsheets show as text and which
survives a round trip through Excel. Numbers stay numbers (a negative number is not
text). XLSX cells also drop the control characters that the format cannot hold (Excel
refuses the file, openpyxl raises), instead of failing the export.

Not an app: imported by the apps' export code (``hr``, ``measures``, ``dashboards``).
"""

import re
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# https://owasp.org/www-community/attacks/CSV_Injection
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel's sheet titles: at most 31 characters, none of these.
_SHEET_TITLE_REFUSED = re.compile(r"[\\/*?:\[\]]")


def text_cell(text: str) -> str:
    """A text cell that a spreadsheet shows as text: ``'`` before a formula's start."""
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def xlsx_text(text: str) -> str:
    """A text cell for XLSX: without the characters the format refuses, never a formula."""
    return text_cell(ILLEGAL_CHARACTERS_RE.sub("", text))


def xlsx_value(value: Any) -> Any:
    """One XLSX cell's value: text neutralised, numbers, booleans and empty cells as they are."""
    if isinstance(value, str):
        return xlsx_text(value)
    return value


def csv_row(cells: Iterable[Any]) -> list[Any]:
    """A CSV row whose text cells are neutralised; numbers are written as they are.

    Give numbers as numbers: a number already formatted as text (``"-1.5"``) would be
    neutralised like any text (``measures.exports.csv_cells`` formats its own).
    """
    return [text_cell(cell) if isinstance(cell, str) else cell for cell in cells]


def xlsx_sheet_title(title: str) -> str:
    """A sheet title Excel accepts (no ``\\ / * ? : [ ]``, control characters, 31 characters)."""
    cleaned = _SHEET_TITLE_REFUSED.sub("-", ILLEGAL_CHARACTERS_RE.sub("", title)).strip("'")
    return cleaned[:31] or "data"


def xlsx_workbook(title: str) -> tuple[Workbook, WriteOnlyWorksheet]:
    """A streaming (write-only) workbook with one sheet of a safe title."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(xlsx_sheet_title(title))
    return workbook, sheet


def xlsx_append(sheet: WriteOnlyWorksheet, cells: Iterable[Any]) -> None:
    """Append a row of cells to a write-only sheet, each through ``xlsx_value``."""
    sheet.append([xlsx_value(cell) for cell in cells])
