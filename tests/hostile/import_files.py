"""Hostile HR import files, built in memory: workbook bombs, broken workbooks, bad rows."""

import io
import re
import zipfile

import openpyxl

from tests.hr.hr_import_helpers import ABSENCES, EMPLOYMENTS, UNITS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(sheets: dict[str, list[str]]) -> bytes:
    """A real .xlsx file: one sheet per entry, its rows given as CSV lines."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, lines in sheets.items():
        sheet = book.create_sheet(title)
        for line in lines:
            sheet.append(line.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def units_workbook() -> bytes:
    """A workbook with one valid unit below the spec example's root K."""
    return workbook({"orgunits": [UNITS, "X1,Ny avdeling,SH,avdeling,nei"]})


def repacked(data: bytes, **changes: bytes | None) -> bytes:
    """The zip ``data`` with some parts replaced (``None`` removes a part).

    Part names are given with ``/`` as ``__`` (``xl__workbook_xml`` is ``xl/workbook.xml``).
    """
    parts = {name.replace("__", "/").replace("_xml", ".xml"): v for name, v in changes.items()}
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = parts.pop(info.filename, source.read(info.filename))
            if content is not None:
                target.writestr(info.filename, content)
        for name, content in parts.items():
            if content is not None:
                target.writestr(name, content)
    return buffer.getvalue()


def sheet_xml(data: bytes) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()


def with_dimension(data: bytes, ref: str) -> bytes:
    """The workbook with its first sheet claiming the dimension ``ref`` (e.g. A1:F2000000)."""
    xml = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>', sheet_xml(data))
    assert f'<dimension ref="{ref}"/>' in xml
    return repacked(data, xl__worksheets__sheet1_xml=xml.encode())


def dimension_bomb(ref: str, last_row: int, *, rows: list[str] | None = None) -> bytes:
    """A small workbook whose sheet claims the dimension ``ref`` and has one more value at
    row ``last_row``: openpyxl pads every row in between to the claimed width (the bomb of
    issue 14: a 130 KB file took 51 s and 1.5 GB)."""
    book = workbook({"orgunits": rows or [UNITS, "X1,Ny avdeling,SH,avdeling,nei"]})
    xml = sheet_xml(with_dimension(book, ref)).replace(
        "</sheetData>",
        f'<row r="{last_row}"><c r="A{last_row}" t="inlineStr"><is><t>x</t></is></c></row>'
        "</sheetData>",
    )
    return repacked(
        book,
        xl__worksheets__sheet1_xml=re.sub(
            r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>', xml
        ).encode(),
    )


def with_sheet_data(data: bytes, rows_xml: str) -> bytes:
    """The workbook with its first sheet's rows replaced by ``rows_xml``."""
    xml = re.sub(
        r"<sheetData>.*</sheetData>|<sheetData\s*/>",
        f"<sheetData>{rows_xml}</sheetData>",
        sheet_xml(data),
        flags=re.S,
    )
    return repacked(data, xl__worksheets__sheet1_xml=xml.encode())


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'
        for i in range(1, 10)
    )
    + "]>\n"
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    "</sheetData></worksheet>"
)


def malformed_workbooks() -> dict[str, bytes]:
    """Every way of breaking a workbook found in issue 14, and a few more."""
    good = units_workbook()
    rows = (
        '<row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c></row>'
        '<row r="2"><c r="A2" t="s"><v>999</v></c></row>'
    )
    zip_of_text = io.BytesIO()
    with zipfile.ZipFile(zip_of_text, "w") as other:
        other.writestr("readme.txt", "not a workbook")
    return {
        "bad sheet XML": repacked(good, xl__worksheets__sheet1_xml=b"<worksheet><sheetData><row"),
        "bad workbook XML": repacked(good, xl__workbook_xml=b"<workbook xmlns=<<>"),
        "no workbook part": repacked(good, xl__workbook_xml=None),
        "bad shared-string index": with_sheet_data(good, rows),
        "a zip that is not a workbook": zip_of_text.getvalue(),
        "a truncated workbook": good[: len(good) // 2],
        "not a zip at all": b"code,name\nK,Kommune\n",
        "an XML entity bomb (billion laughs)": repacked(
            good, xl__worksheets__sheet1_xml=BILLION_LAUGHS.encode()
        ),
    }


def zip_bomb() -> bytes:
    """A workbook whose sheet unpacks to 1,000 times its packed size (40 MB of spaces)."""
    xml = sheet_xml(units_workbook()).replace("<sheetData>", "<sheetData>" + " " * 40_000_000)
    return repacked(units_workbook(), xl__worksheets__sheet1_xml=xml.encode())


def csv_bytes(header: str, *rows: str) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def units_csv(*rows: str) -> bytes:
    return csv_bytes(UNITS, *rows)


def employments_csv(*rows: str) -> bytes:
    return csv_bytes(EMPLOYMENTS, *rows)


def absences_csv(*rows: str) -> bytes:
    return csv_bytes(ABSENCES, *rows)
