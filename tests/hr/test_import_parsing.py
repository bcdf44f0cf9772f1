"""Reading HR files: encodings, delimiters, headers, numbers, dates, folders, workbooks."""

import datetime as dt
import io

import openpyxl
import pytest
from django.utils import translation

from hr.models import AbsenceSpell, Employment
from hr.services import ImportSource
from hr.services.validation import parse_date
from org.models import OrgUnit

from .hr_import_helpers import (
    ABSENCES,
    EMPLOYMENTS,
    EXAMPLE,
    EXAMPLE_UNITS,
    UNITS,
    counts,
    csv_file,
    last_job,
    messages,
    run,
    units,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_the_spec_example_imports_completely():
    result = run(
        *[
            ImportSource.from_path(EXAMPLE / f"{k}.csv")
            for k in ["orgunits", "employments", "absences"]
        ]
    )

    assert messages(result) == []
    assert result.succeeded
    assert OrgUnit.objects.count() == 4
    assert Employment.objects.count() == 8
    assert AbsenceSpell.objects.count() == 6
    e2 = Employment.objects.get(employment_id="E3")
    assert (e2.person_id, e2.unit.code, e2.position_pct, e2.employment_type, e2.job_title) == (
        "P2",
        "SK",
        25.0,
        "midlertidig",
        "Assistent",
    )
    assert OrgUnit.objects.get(code="SH").shift_based is True


def test_a_byte_order_mark_is_ignored():
    source = ImportSource(
        name="orgunits.csv", content=b"\xef\xbb\xbf" + f"{UNITS}\n{EXAMPLE_UNITS[0]}\n".encode()
    )

    result = run(source)

    assert messages(result) == []
    assert OrgUnit.objects.get().code == "K"


def test_semicolons_decimal_commas_and_norwegian_dates_are_read():
    batch = [
        units(*EXAMPLE_UNITS),
        csv_file(
            "employments.csv",
            EMPLOYMENTS.replace(",", ";"),
            "E1;P1;29.02.1960;K;SH;80,5;1.3.2024;31.12.2024;annet;fast;Sykepleier, natt",
        ),
    ]

    result = run(*batch)

    assert messages(result) == []
    employment = Employment.objects.get()
    assert employment.position_pct == 80.5
    assert employment.birth_date == dt.date(1960, 2, 29)
    assert employment.start_date == dt.date(2024, 3, 1)
    assert employment.end_date == dt.date(2024, 12, 31)
    assert employment.job_title == "Sykepleier, natt"


def test_headers_are_case_insensitive_trimmed_in_any_order_and_extra_columns_ignored():
    source = csv_file(
        "orgunits.csv",
        " LEVEL ,Comment,  Code,Name , shift_BASED",
        "kommune,the root,K,Eksempel kommune,JA",
    )

    result = run(source)

    assert messages(result) == []
    unit = OrgUnit.objects.get()
    assert (unit.code, unit.name, unit.level, unit.parent, unit.shift_based) == (
        "K",
        "Eksempel kommune",
        "kommune",
        None,
        True,
    )


def test_empty_lines_are_skipped_and_lines_are_physical_line_numbers():
    source = csv_file(
        "orgunits.csv",
        "",
        UNITS,
        "K,Eksempel kommune,,kommune,nei",
        "",
        ",,,,",
        'HV,"Helse og',
        'velferd",K,tjenesteomrade,nei',
        "SH,Sykehjemmet,HV,fylke,nei",
    )

    result = run(source)

    assert messages(result) == [
        # A line break inside a quoted value is a control character (spec: tab excepted).
        "orgunits.csv:6: name: contains the control character U+000A: text must not contain "
        "control characters (tab excepted).",
        "orgunits.csv:8: level: “fylke” is not one of: kommune, tjenesteomrade, virksomhet, "
        "avdeling.",
    ]
    assert result.counts == {"orgunits.csv": counts(rows=3, rejected=2)}


def test_a_windows_1252_file_is_refused_with_a_message_to_resave_it_as_utf8():
    source = csv_file("orgunits.csv", UNITS, "K,Bø kommune,,kommune,nei", encoding="cp1252")

    result = run(source)

    assert messages(result) == [
        "orgunits.csv:2: the file is not UTF-8 encoded (byte 0xF8 cannot be read). Save it "
        "again as UTF-8, e.g. in Excel as “CSV UTF-8”: exports in Windows-1252 must be "
        "re-saved."
    ]
    assert not result.succeeded
    assert OrgUnit.objects.count() == 0


def test_the_encoding_message_is_in_norwegian_for_norwegian_users():
    source = csv_file("orgunits.csv", UNITS, "K,Bø kommune,,kommune,nei", encoding="cp1252")

    with translation.override("nb"):
        result = run(source)

    assert "UTF-8" in result.errors[0].reason
    assert "Windows-1252" in result.errors[0].reason
    assert "lagre" in result.errors[0].reason.lower()


def test_a_missing_required_column_is_named_with_its_file():
    source = csv_file(
        "employments.csv", "employment_id,person_id,unit_code,start_date", "E1,P1,K,2024-01-01"
    )

    result = run(source)

    assert messages(result) == [
        "employments.csv:1: birth_date: the required column is missing.",
        "employments.csv:1: position_pct: the required column is missing.",
    ]
    assert result.counts == {"employments.csv": counts(rows=1, rejected=1)}


def test_an_empty_file_needs_a_header():
    result = run(ImportSource(name="absences.csv", content=b"\n\n"))

    assert messages(result) == ["absences.csv: the file is empty: a header row is required."]


def test_a_header_only_file_is_an_empty_batch():
    result = run(units())

    assert messages(result) == []
    assert result.succeeded
    assert result.counts == {"orgunits.csv": counts()}
    assert result.job.first_month_touched is None


def test_a_row_with_more_values_than_the_header_is_rejected():
    result = run(units("K,Eksempel kommune,,kommune,nei,surplus"))

    assert messages(result) == [
        "orgunits.csv:2: the row has 6 values but the header has 5 columns."
    ]


def test_a_malformed_quote_is_reported_with_its_line():
    result = run(
        units("K,Eksempel kommune,,kommune,nei", 'HV,"Helse" og velferd,K,tjenesteomrade,nei')
    )

    assert messages(result) == [
        "orgunits.csv:3: the file cannot be read as CSV (',' expected after '\"')."
    ]


def test_unknown_file_names_are_refused_naming_the_expected_ones():
    result = run(units(*EXAMPLE_UNITS), csv_file("ansatte.csv", "a,b", "1,2"))

    assert messages(result) == [
        "ansatte.csv: unknown file name: expected orgunits.csv, employments.csv, absences.csv, "
        "or one .xlsx workbook with those sheets."
    ]
    assert OrgUnit.objects.count() == 0


def test_the_same_file_twice_is_refused():
    result = run(
        units(*EXAMPLE_UNITS), ImportSource(name="Orgunits.CSV", content=f"{UNITS}\n".encode())
    )

    assert messages(result) == [
        "Orgunits.CSV: orgunits is already in this batch (orgunits.csv); give each file only once."
    ]


def test_a_folder_expands_to_its_batch_files_and_other_files_are_left_alone(tmp_path):
    for kind in ["orgunits", "employments", "absences"]:
        (tmp_path / f"{kind}.csv").write_bytes((EXAMPLE / f"{kind}.csv").read_bytes())
    (tmp_path / "README.md").write_text("Exported 2024-05-01")

    result = run(ImportSource.from_path(tmp_path))

    assert messages(result) == []
    assert list(result.counts) == [
        f"{tmp_path}/{k}.csv" for k in ["orgunits", "employments", "absences"]
    ]
    assert result.job.files == [
        f"{tmp_path}/{k}.csv" for k in ["absences", "employments", "orgunits"]
    ]
    assert Employment.objects.count() == 8


def test_an_unknown_csv_file_in_a_folder_is_refused(tmp_path):
    (tmp_path / "orgunits.csv").write_text(f"{UNITS}\n{EXAMPLE_UNITS[0]}\n")
    (tmp_path / "expected.csv").write_text("indicator,unit\n")

    result = run(ImportSource.from_path(tmp_path))

    assert messages(result) == [
        f"{tmp_path}/expected.csv: unknown file name: expected orgunits.csv, employments.csv, "
        "absences.csv, or one .xlsx workbook with those sheets."
    ]
    assert OrgUnit.objects.count() == 0


def test_a_missing_path_is_reported(tmp_path):
    result = run(ImportSource.from_path(tmp_path / "orgunits.csv"))

    assert messages(result) == [f"{tmp_path}/orgunits.csv: file not found."]


def workbook(
    sheets: dict[str, list[list]], formats: dict[tuple[str, str], str] | None = None
) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    for (title, cell), number_format in (formats or {}).items():
        book[title][cell].number_format = number_format
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_workbook_has_one_sheet_per_file_with_typed_cells():
    data = workbook(
        {
            "orgunits": [UNITS.split(","), *[row.split(",") for row in EXAMPLE_UNITS]],
            "Employments": [
                EMPLOYMENTS.split(","),
                [],
                [
                    1001,
                    "P1",
                    dt.datetime(1960, 2, 29),  # noqa: DTZ001 - Excel dates are naive
                    "K",
                    "SH",
                    0.805,
                    "01.03.2024",
                    None,
                    None,
                    None,
                    None,
                ],
            ],
            "absences": [
                ABSENCES.split(","),
                ["A1", 1001, dt.date(2024, 3, 4), dt.date(2024, 3, 5), 50, "egenmeldt"],
            ],
            "Ark1": [],
        },
        formats={("Employments", "F3"): "0.0%"},
    )

    result = run(ImportSource(name="hr.xlsx", content=data))

    assert messages(result) == []
    assert result.counts == {
        "hr.xlsx[orgunits]": counts(created=4),
        "hr.xlsx[Employments]": counts(created=1),
        "hr.xlsx[absences]": counts(created=1),
    }
    employment = Employment.objects.get()
    assert (employment.employment_id, employment.birth_date, employment.position_pct) == (
        "1001",
        dt.date(1960, 2, 29),
        80.5,
    )
    assert employment.start_date == dt.date(2024, 3, 1)
    assert AbsenceSpell.objects.get().grade_pct == 50.0
    assert result.job.files == ["hr.xlsx"]


def test_xlsx_errors_name_the_sheet_and_its_row_number():
    data = workbook(
        {
            "orgunits": [UNITS.split(","), [], ["K", "Eksempel kommune", None, "by", "nei"]],
            "Personer": [["person_id"], ["P1"]],
        }
    )

    result = run(ImportSource(name="hr.xlsx", content=data))

    assert messages(result) == [
        "hr.xlsx[Personer]: unknown sheet: expected the sheets orgunits, employments, absences.",
        "hr.xlsx[orgunits]:3: level: “by” is not one of: kommune, tjenesteomrade, virksomhet, "
        "avdeling.",
    ]


def test_a_file_that_is_not_a_workbook_is_refused():
    result = run(ImportSource(name="hr.xlsx", content=b"code,name\n"))

    assert messages(result) == [
        "hr.xlsx: the file is not an Excel workbook (.xlsx) that can be read."
    ]
    assert last_job().status == "failed"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ja", True),
        ("JA", True),
        ("nei", False),
        ("Nei", False),
        ("true", True),
        ("False", False),
        ("1", True),
        ("0", False),
        ("", False),
    ],
)
def test_shift_based_accepts_yes_no_in_three_spellings(value, expected):
    result = run(units(f"K,Eksempel kommune,,kommune,{value}"))

    assert messages(result) == []
    assert OrgUnit.objects.get().shift_based is expected


def test_shift_based_rejects_other_words():
    result = run(units("K,Eksempel kommune,,kommune,kanskje"))

    assert messages(result) == [
        "orgunits.csv:2: shift_based: “kanskje” is not yes or no: use ja/nei, true/false or 1/0."
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-02-29", dt.date(2024, 2, 29)),
        ("29.02.2024", dt.date(2024, 2, 29)),
        ("1.3.2024", dt.date(2024, 3, 1)),
        ("2023-02-29", None),
        ("31.04.2024", None),
        ("2024/03/01", None),
        ("01-03-2024", None),
        ("20240301", None),
        ("2024-3-1", None),
    ],
)
def test_dates_are_iso_or_norwegian(text, expected):
    assert parse_date(text) == expected
