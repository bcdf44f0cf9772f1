"""Validating and writing a batch: row rules, cross-row rules, all-or-nothing, upserts."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

import hr.services as hr_import_package
from hr.models import AbsenceSpell, Employment, ImportJob
from hr.services import ImportSource, hr_import
from measures.models import Recompute
from measures.tasks import recompute
from org.models import OrgUnit, OrgUnitClosure

from .hr_import_helpers import (
    absences,
    counts,
    employments,
    example_sources,
    import_example,
    messages,
    run,
    snapshot,
    units,
)

pytestmark = pytest.mark.django_db

NEW_UNIT = "X1,Ny avdeling,SH,avdeling,ja"
NEW_EMPLOYMENT = "E9,P9,1980-01-01,M,SK,100,2024-01-01,,,fast,Lærer"
NEW_ABSENCE = "A9,E6,2024-05-06,2024-05-07,100,egenmeldt"
LEVELS = "kommune, tjenesteomrade, virksomhet, avdeling"
END_REASONS = "alderspensjon, afp, uforetrygd, oppsigelse, dodsfall, annet"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def example():
    """The spec example in the database: units K, HV, SH, SK; E1–E8; A1–A6."""
    return import_example()


# --- Row rules ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (",Navn,K,avdeling,nei", "code: a value is required."),
        ("X1,,K,avdeling,nei", "name: a value is required."),
        ("X1,Navn,K,,nei", "level: a value is required."),
        ("X1,Navn,K,seksjon,nei", f"level: “seksjon” is not one of: {LEVELS}."),
        ("X1,Navn,X1,avdeling,nei", "parent_code: a unit cannot be its own parent."),
        (f"{'X' * 51},Navn,K,avdeling,nei", "code: is longer than 50 characters."),
        (f"X1,{'n' * 201},K,avdeling,nei", "name: is longer than 200 characters."),
    ],
)
def test_unit_row_rules(example, row, expected):
    before = snapshot()

    result = run(units(row))

    assert messages(result) == [f"orgunits.csv:2: {expected}"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (",P9,1980-01-01,M,SK,100,2024-01-01,,,fast,", "employment_id: a value is required."),
        ("E9,,1980-01-01,M,SK,100,2024-01-01,,,fast,", "person_id: a value is required."),
        ("E9,P9,,M,SK,100,2024-01-01,,,fast,", "birth_date: a value is required."),
        (
            "E9,P9,1980-13-01,M,SK,100,2024-01-01,,,fast,",
            "birth_date: “1980-13-01” is not a date: use YYYY-MM-DD or DD.MM.YYYY.",
        ),
        ("E9,P9,1980-01-01,X,SK,100,2024-01-01,,,fast,", "gender: “X” is not one of: K, M."),
        ("E9,P9,1980-01-01,M,,100,2024-01-01,,,fast,", "unit_code: a value is required."),
        ("E9,P9,1980-01-01,M,SK,,2024-01-01,,,fast,", "position_pct: a value is required."),
        (
            "E9,P9,1980-01-01,M,SK,0,2024-01-01,,,fast,",
            "position_pct: must be more than 0 and at most 100 (is 0).",
        ),
        (
            'E9,P9,1980-01-01,M,SK,"100,5",2024-01-01,,,fast,',
            "position_pct: must be more than 0 and at most 100 (is 100,5).",
        ),
        (
            "E9,P9,1980-01-01,M,SK,-20,2024-01-01,,,fast,",
            "position_pct: must be more than 0 and at most 100 (is -20).",
        ),
        ("E9,P9,1980-01-01,M,SK,80%,2024-01-01,,,fast,", "position_pct: “80%” is not a number."),
        ("E9,P9,1980-01-01,M,SK,100,,,,fast,", "start_date: a value is required."),
        (
            "E9,P9,1980-01-01,M,SK,100,2024-01-01,2023-12-31,annet,fast,",
            "end_date: the end date is before the start date (2024-01-01).",
        ),
        (
            "E9,P9,1980-01-01,M,SK,100,2024-01-01,2024-06-30,,fast,",
            "end_reason: a value is required when end_date is set.",
        ),
        (
            "E9,P9,1980-01-01,M,SK,100,2024-01-01,,annet,fast,",
            "end_reason: must be empty when end_date is empty (ongoing).",
        ),
        (
            "E9,P9,1980-01-01,M,SK,100,2024-01-01,2024-06-30,pensjon,fast,",
            f"end_reason: “pensjon” is not one of: {END_REASONS}.",
        ),
        (
            "E9,P9,1980-01-01,M,SK,100,2024-01-01,,,vikar,",
            "employment_type: “vikar” is not one of: fast, midlertidig.",
        ),
        (
            f"E9,P9,1980-01-01,M,SK,100,2024-01-01,,,fast,{'t' * 201}",
            "job_title: is longer than 200 characters.",
        ),
    ],
)
def test_employment_row_rules(example, row, expected):
    before = snapshot()

    result = run(employments(row))

    assert messages(result) == [f"employments.csv:2: {expected}"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (",E6,2024-05-06,2024-05-07,100,egenmeldt", "absence_id: a value is required."),
        ("A9,,2024-05-06,2024-05-07,100,egenmeldt", "employment_id: a value is required."),
        ("A9,E6,,2024-05-07,100,egenmeldt", "start_date: a value is required."),
        ("A9,E6,2024-05-06,,100,egenmeldt", "end_date: a value is required."),
        (
            "A9,E6,2024-05-06,2024-05-05,100,egenmeldt",
            "end_date: the end date is before the start date (2024-05-06).",
        ),
        ("A9,E6,2024-05-06,2024-05-07,,egenmeldt", "grade_pct: a value is required."),
        (
            "A9,E6,2024-05-06,2024-05-07,0,egenmeldt",
            "grade_pct: must be more than 0 and at most 100 (is 0).",
        ),
        (
            "A9,E6,2024-05-06,2024-05-07,101,egenmeldt",
            "grade_pct: must be more than 0 and at most 100 (is 101).",
        ),
        ("A9,E6,2024-05-06,2024-05-07,100,", "kind: a value is required."),
        (
            "A9,E6,2024-05-06,2024-05-07,100,sykmeldt",
            "kind: “sykmeldt” is not one of: egenmeldt, legemeldt.",
        ),
    ],
)
def test_absence_row_rules(example, row, expected):
    before = snapshot()

    result = run(absences(row))

    assert messages(result) == [f"absences.csv:2: {expected}"]
    assert snapshot() == before


def test_one_row_may_break_several_rules_and_all_are_reported(example):
    result = run(employments("E9,,1980-02-30,F,SK,200,2024-01-01,,annet,vikar,"))

    assert messages(result) == [
        "employments.csv:2: person_id: a value is required.",
        "employments.csv:2: birth_date: “1980-02-30” is not a date: use YYYY-MM-DD or DD.MM.YYYY.",
        "employments.csv:2: gender: “F” is not one of: K, M.",
        "employments.csv:2: position_pct: must be more than 0 and at most 100 (is 200).",
        "employments.csv:2: employment_type: “vikar” is not one of: fast, midlertidig.",
        "employments.csv:2: end_reason: must be empty when end_date is empty (ongoing).",
    ]


def test_choices_are_case_insensitive_and_optional_columns_default(example):
    result = run(
        units("X1,Ny avdeling,SH,Avdeling,"),
        employments('E9,P9,1980-01-01,k,X1,"99,5",2024-01-01,2024-06-30,Oppsigelse,,'),
    )

    assert messages(result) == []
    unit = OrgUnit.objects.get(code="X1")
    assert (unit.level, unit.shift_based, unit.parent.code) == ("avdeling", False, "SH")
    employment = Employment.objects.get(employment_id="E9")
    assert (
        employment.gender,
        employment.position_pct,
        employment.end_reason,
        employment.employment_type,
        employment.job_title,
    ) == ("K", 99.5, "oppsigelse", "fast", "")


# --- Cross-row rules ----------------------------------------------------------------


def test_unknown_unit_code_employment_id_and_parent_code(example):
    before = snapshot()

    result = run(
        units("X1,Ny avdeling,ZZ,avdeling,nei"),
        employments("E9,P9,1980-01-01,M,YY,100,2024-01-01,,,fast,"),
        absences("A9,E99,2024-05-06,2024-05-07,100,egenmeldt"),
    )

    assert messages(result) == [
        "orgunits.csv:2: parent_code: unknown parent unit ZZ: it is neither in orgunits nor in "
        "the database.",
        "employments.csv:2: unit_code: unknown unit YY: it is neither in orgunits nor in the "
        "database.",
        "absences.csv:2: employment_id: unknown employment E99: it is neither in employments "
        "nor in the database.",
    ]
    assert snapshot() == before


def test_references_to_rows_in_the_same_batch_are_known_even_in_a_new_database():
    result = run(
        units(
            "K,Kommune,,kommune,nei", "HV,Helse,K,tjenesteomrade,nei", NEW_UNIT.replace("SH", "HV")
        ),
        employments(NEW_EMPLOYMENT.replace("SK", "X1")),
        absences(NEW_ABSENCE.replace("E6", "E9")),
    )

    assert messages(result) == []
    assert AbsenceSpell.objects.get().employment.unit.parent.code == "HV"


def test_a_reference_to_a_row_that_is_bad_for_another_reason_is_not_reported_again(example):
    result = run(
        units("X1,Ny avdeling,SH,seksjon,ja"),
        employments("E9,P9,1980-01-01,M,X1,100,2024-01-01,,,fast,"),
    )

    assert messages(result) == [f"orgunits.csv:2: level: “seksjon” is not one of: {LEVELS}."]


def test_a_duplicate_id_is_listed_once_and_every_occurrence_is_rejected(example):
    result = run(
        units(NEW_UNIT, "X1,Annen avdeling,SH,avdeling,nei"),
        employments(
            NEW_EMPLOYMENT, "E10,P10,1980-01-01,M,SK,100,2024-01-01,,,fast,", NEW_EMPLOYMENT
        ),
        absences(NEW_ABSENCE, NEW_ABSENCE),
        skip_invalid=True,
    )

    assert messages(result) == [
        "orgunits.csv:2: code: X1 appears 2 times in this file (lines 2, 3).",
        "employments.csv:2: employment_id: E9 appears 2 times in this file (lines 2, 4).",
        "absences.csv:2: absence_id: A9 appears 2 times in this file (lines 2, 3).",
    ]
    # The other occurrences are rejected too, pointing at the first.
    assert [(row.file, row.line, [str(e) for e in row.errors]) for row in result.rejected] == [
        (
            "orgunits.csv",
            2,
            ["orgunits.csv:2: code: X1 appears 2 times in this file (lines 2, 3)."],
        ),
        (
            "orgunits.csv",
            3,
            ["orgunits.csv:3: code: X1 appears more than once in this file: see line 2."],
        ),
        (
            "employments.csv",
            2,
            ["employments.csv:2: employment_id: E9 appears 2 times in this file (lines 2, 4)."],
        ),
        (
            "employments.csv",
            4,
            [
                "employments.csv:4: employment_id: E9 appears more than once in this file: "
                "see line 2."
            ],
        ),
        (
            "absences.csv",
            2,
            ["absences.csv:2: absence_id: A9 appears 2 times in this file (lines 2, 3)."],
        ),
        (
            "absences.csv",
            3,
            ["absences.csv:3: absence_id: A9 appears more than once in this file: see line 2."],
        ),
    ]
    assert result.counts["employments.csv"] == counts(created=1, rejected=2)
    assert not Employment.objects.filter(employment_id="E9").exists()


def test_a_person_with_two_birth_dates_in_the_batch_is_reported_on_each_row(example):
    result = run(
        employments(
            "E9,P9,1980-01-01,M,SK,50,2024-01-01,,,fast,",
            "E10,P9,1981-01-01,M,SH,50,2024-01-01,,,fast,",
        )
    )

    assert messages(result) == [
        "employments.csv:2: birth_date: person P9 has another birth date, 1981-01-01, in "
        "employments.csv line 3.",
        "employments.csv:3: birth_date: person P9 has another birth date, 1980-01-01, in "
        "employments.csv line 2.",
    ]


def test_a_birth_date_differing_from_the_persons_stored_employments_is_reported(example):
    result = run(employments("E9,P2,1985-06-02,K,SK,10,2024-01-01,,,fast,"))

    assert messages(result) == [
        "employments.csv:2: birth_date: person P2 has another birth date, 1985-06-01, in "
        "stored employment E2."
    ]


def test_a_birth_date_may_be_corrected_on_all_of_a_persons_employments(example):
    result = run(
        employments(
            "E2,P2,1985-06-02,K,SH,75,2015-01-01,,,fast,Helsefagarbeider",
            "E3,P2,1985-06-02,K,SK,25,2023-01-01,,,midlertidig,Assistent",
        )
    )

    assert messages(result) == []
    assert result.counts == {"employments.csv": counts(updated=2)}
    assert set(Employment.objects.filter(person_id="P2").values_list("birth_date", flat=True)) == {
        dt.date(1985, 6, 2)
    }


def test_overlapping_spells_in_the_batch_are_reported_on_both(example):
    result = run(
        absences(
            "A9,E6,2024-05-06,2024-05-10,100,egenmeldt",
            "A10,E7,2024-05-06,2024-05-10,100,egenmeldt",
            "A11,E6,2024-05-10,2024-05-12,100,legemeldt",
            "A12,E6,2024-05-13,2024-05-14,100,legemeldt",
        )
    )

    assert messages(result) == [
        "absences.csv:2: start_date: the spell overlaps spell A11 (2024-05-10 to 2024-05-12, "
        "absences.csv line 4) of the same employment.",
        "absences.csv:4: start_date: the spell overlaps spell A9 (2024-05-06 to 2024-05-10, "
        "absences.csv line 2) of the same employment.",
    ]


def test_a_spell_overlapping_a_stored_spell_of_the_employment_is_reported(example):
    result = run(absences("A9,E2,2024-04-02,2024-04-03,100,egenmeldt"))

    assert messages(result) == [
        "absences.csv:2: start_date: the spell overlaps spell A2 (2024-03-25 to 2024-04-02, "
        "the database) of the same employment."
    ]


def test_a_spell_replaced_by_id_does_not_overlap_its_old_self(example):
    result = run(absences("A2,E2,2024-03-26,2024-04-05,100,legemeldt"))

    assert messages(result) == []
    assert result.counts == {"absences.csv": counts(updated=1)}
    assert AbsenceSpell.objects.get(absence_id="A2").end_date == dt.date(2024, 4, 5)


def test_a_spell_moved_to_another_employment_frees_its_old_days(example):
    result = run(
        absences(
            "A2,E3,2024-03-25,2024-04-02,100,legemeldt",
            "A9,E2,2024-03-25,2024-04-02,50,legemeldt",
        )
    )

    assert messages(result) == []
    assert AbsenceSpell.objects.get(absence_id="A2").employment.employment_id == "E3"


def test_a_new_parent_that_makes_a_cycle_is_reported(example):
    before = snapshot()

    result = run(units("HV,Helse og velferd,SH,tjenesteomrade,nei"))

    assert messages(result) == [
        "orgunits.csv:2: parent_code: the unit tree would have a cycle: HV → SH → HV."
    ]
    assert snapshot() == before


def test_a_cycle_among_new_units_is_reported_on_each(example):
    result = run(units("X1,En,X2,avdeling,nei", "X2,To,X1,avdeling,nei"))

    assert messages(result) == [
        "orgunits.csv:2: parent_code: the unit tree would have a cycle: X1 → X2 → X1.",
        "orgunits.csv:3: parent_code: the unit tree would have a cycle: X1 → X2 → X1.",
    ]


def test_a_second_root_is_reported(example):
    result = run(units("N,Nabokommune,,kommune,nei"))

    assert messages(result) == [
        "orgunits.csv:2: parent_code: more than one root unit (without parent_code): K, N. "
        "There must be exactly one, the municipality."
    ]


def test_two_roots_in_a_new_batch_are_reported_on_both():
    result = run(units("A,Kommune A,,kommune,nei", "B,Kommune B,,kommune,nei"))

    assert messages(result) == [
        "orgunits.csv:2: parent_code: more than one root unit (without parent_code): A, B. "
        "There must be exactly one, the municipality.",
        "orgunits.csv:3: parent_code: more than one root unit (without parent_code): A, B. "
        "There must be exactly one, the municipality.",
    ]
    assert OrgUnit.objects.count() == 0


def test_the_tree_may_get_a_new_root_above_the_old_one(example):
    result = run(units("N,Ny kommune,,kommune,nei", "K,Eksempel kommune,N,tjenesteomrade,nei"))

    assert messages(result) == []
    assert OrgUnit.objects.get(parent=None).code == "N"
    assert OrgUnitClosure.objects.filter(ancestor__code="N").count() == 5


# --- All or nothing -----------------------------------------------------------------


def test_a_batch_with_several_bad_rows_lists_every_one_and_writes_nothing(example):
    before = snapshot()
    jobs = ImportJob.objects.count()

    result = run(
        units(NEW_UNIT, "X2,Avdeling to,SH,rom,nei"),
        employments(
            NEW_EMPLOYMENT,
            "E10,P10,1980-01-01,M,SK,0,2024-01-01,,,fast,",
            "E11,P11,1980-01-01,M,SK,50,2024-01-01,2024-02-01,,fast,",
        ),
        absences(NEW_ABSENCE, "A10,E404,2024-05-06,2024-05-07,100,egenmeldt"),
    )

    assert messages(result) == [
        f"orgunits.csv:3: level: “rom” is not one of: {LEVELS}.",
        "employments.csv:3: position_pct: must be more than 0 and at most 100 (is 0).",
        "employments.csv:4: end_reason: a value is required when end_date is set.",
        "absences.csv:3: employment_id: unknown employment E404: it is neither in employments "
        "nor in the database.",
    ]
    assert not result.succeeded
    assert snapshot() == before
    assert ImportJob.objects.count() == jobs + 1
    job = ImportJob.objects.get(pk=result.job.pk)
    assert job.status == ImportJob.Status.FAILED
    assert job.errors[0] == {
        "file": "orgunits.csv",
        "line": 3,
        "column": "level",
        "reason": f"“rom” is not one of: {LEVELS}.",
    }
    assert len(job.errors) == 4
    assert job.counts == {
        "orgunits.csv": counts(rows=2, rejected=1),
        "employments.csv": counts(rows=3, rejected=2),
        "absences.csv": counts(rows=2, rejected=1),
    }
    assert job.first_month_touched is None
    assert job.finished_at is not None


def test_a_file_level_problem_refuses_the_batch_even_when_skipping_invalid_rows(example):
    before = snapshot()

    result = run(
        employments(NEW_EMPLOYMENT),
        ImportSource(name="absences.csv", content=b"absence_id;employment_id\nA9;E9\n"),
        skip_invalid=True,
    )

    assert messages(result) == [
        "absences.csv:1: start_date: the required column is missing.",
        "absences.csv:1: end_date: the required column is missing.",
        "absences.csv:1: grade_pct: the required column is missing.",
        "absences.csv:1: kind: the required column is missing.",
    ]
    assert not result.succeeded
    assert snapshot() == before


def test_the_stored_errors_of_a_job_are_capped(example, monkeypatch):
    monkeypatch.setattr(hr_import_package, "MAX_STORED_ERRORS", 2)

    result = run(units("A,,K,avdeling,nei", "B,,K,avdeling,nei", "C,,K,avdeling,nei"))

    assert len(result.errors) == 3
    assert result.job.errors[2] == {
        "file": "",
        "line": None,
        "column": "",
        "reason": "… and 1 more errors.",
    }
    assert len(result.job.errors) == 3


def test_an_unexpected_error_marks_the_job_failed_and_writes_nothing(example, monkeypatch):
    before = snapshot()

    def broken(**kwargs):
        OrgUnit.objects.filter(code="K").update(name="half-written")
        raise RuntimeError("disk full")

    monkeypatch.setattr(hr_import_package, "write_batch", broken)

    result = run(units(NEW_UNIT))

    assert snapshot() == before
    assert not result.succeeded
    reason = (
        "The import stopped with an internal error: nothing was imported. Try again; if it "
        "happens again, tell the administrator (the error is in the server's log)."
    )
    assert messages(result) == [f": {reason}"]
    job = ImportJob.objects.order_by("-pk").first()
    assert job.status == ImportJob.Status.FAILED
    assert job.errors == [{"file": "", "line": None, "column": "", "reason": reason}]
    assert job.first_month_touched is None


# --- Skipping invalid rows ----------------------------------------------------------


def test_skip_invalid_writes_the_valid_rows_and_rejects_the_bad_ones_and_their_dependents(example):
    result = run(
        units(NEW_UNIT, "X2,Avdeling to,SH,rom,nei"),
        employments(
            NEW_EMPLOYMENT,
            "E10,P10,1980-01-01,M,X2,100,2024-01-01,,,fast,",
            "E11,P11,1980-01-01,M,X1,0,2024-01-01,,,fast,",
        ),
        absences(
            "A9,E9,2024-05-06,2024-05-07,100,egenmeldt",
            "A10,E10,2024-05-06,2024-05-07,100,egenmeldt",
        ),
        skip_invalid=True,
    )

    assert messages(result) == [
        f"orgunits.csv:3: level: “rom” is not one of: {LEVELS}.",
        "employments.csv:3: unit_code: unit X2 was rejected (orgunits.csv line 3).",
        "employments.csv:4: position_pct: must be more than 0 and at most 100 (is 0).",
        "absences.csv:3: employment_id: employment E10 was rejected (employments.csv line 3).",
    ]
    assert result.succeeded
    assert result.counts == {
        "orgunits.csv": counts(created=1, rejected=1),
        "employments.csv": counts(created=1, rejected=2),
        "absences.csv": counts(created=1, rejected=1),
    }
    assert OrgUnit.objects.filter(code__in=["X1", "X2"]).count() == 1
    assert set(Employment.objects.values_list("employment_id", flat=True)) == {
        "E1",
        "E2",
        "E3",
        "E4",
        "E5",
        "E6",
        "E7",
        "E8",
        "E9",
    }
    assert AbsenceSpell.objects.filter(absence_id__in=["A9", "A10"]).count() == 1
    assert [(row.file, row.line, row.values["employment_id"]) for row in result.rejected[1:3]] == [
        ("employments.csv", 3, "E10"),
        ("employments.csv", 4, "E11"),
    ]
    assert result.job.status == ImportJob.Status.SUCCEEDED
    assert len(result.job.errors) == 4


def test_skip_invalid_keeps_rows_whose_rejected_unit_is_already_stored(example):
    result = run(
        units("SK,Skolen,K,skole,nei"),
        employments("E9,P9,1980-01-01,M,SK,100,2024-01-01,,,fast,"),
        skip_invalid=True,
    )

    assert messages(result) == [f"orgunits.csv:2: level: “skole” is not one of: {LEVELS}."]
    assert Employment.objects.get(employment_id="E9").unit.code == "SK"
    assert OrgUnit.objects.get(code="SK").level == "virksomhet"


def test_skip_invalid_rechecks_birth_dates_against_the_stored_rows_that_stay(example):
    # The correction of P2's birth date is complete only with both rows; E3's is bad.
    result = run(
        employments(
            "E2,P2,1985-06-02,K,SH,75,2015-01-01,,,fast,Helsefagarbeider",
            "E3,P2,1985-06-02,K,SK,0,2023-01-01,,,midlertidig,Assistent",
        ),
        skip_invalid=True,
    )

    assert messages(result) == [
        "employments.csv:2: birth_date: person P2 has another birth date, 1985-06-01, in "
        "stored employment E3.",
        "employments.csv:3: position_pct: must be more than 0 and at most 100 (is 0).",
    ]
    assert Employment.objects.get(employment_id="E2").birth_date == dt.date(1985, 6, 1)


def test_skip_invalid_with_nothing_valid_succeeds_and_changes_nothing(example):
    before = snapshot()

    result = run(units("X1,,SH,avdeling,nei"), skip_invalid=True)

    assert result.succeeded
    assert result.counts == {"orgunits.csv": counts(rejected=1)}
    assert result.job.first_month_touched is None
    assert snapshot() == before


# --- Upserts ------------------------------------------------------------------------


def test_importing_the_same_batch_again_writes_nothing(example):
    before = snapshot()

    with CaptureQueriesContext(connection) as queries:
        result = hr_import(sources=example_sources(), user=None, source="command")

    assert result.succeeded
    assert result.counts == {
        "orgunits.csv": counts(unchanged=4),
        "employments.csv": counts(unchanged=8),
        "absences.csv": counts(unchanged=6),
    }
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].split()[0] in {"INSERT", "UPDATE", "DELETE"}
        and "workplaces_importjob" not in q["sql"]
    ]
    assert writes == []
    assert snapshot() == before
    assert result.job.first_month_touched is None


def test_a_row_with_a_known_id_replaces_that_record_and_nothing_is_deleted(example):
    result = run(employments("E6,P4,1970-09-09,K,SH,80,2005-08-01,,,fast,Lektor"))

    assert result.counts == {"employments.csv": counts(updated=1)}
    e6 = Employment.objects.get(employment_id="E6")
    assert (e6.unit.code, e6.position_pct, e6.job_title) == ("SH", 80.0, "Lektor")
    assert Employment.objects.count() == 8
    assert AbsenceSpell.objects.count() == 6
    assert OrgUnit.objects.count() == 4


def test_updates_write_every_field_including_empty_dates(example):
    result = run(
        employments(
            "E1,P1,1960-02-29,K,SH,100,2010-01-01,,,fast,Sykepleier",
            "E2,P2,1985-06-01,K,SK,60,2015-01-02,2024-12-31,oppsigelse,midlertidig,",
        ),
        absences("A3,E4,2024-02-20,2024-03-11,40,egenmeldt"),
    )

    assert result.counts == {
        "employments.csv": counts(updated=2),
        "absences.csv": counts(updated=1),
    }
    assert list(
        Employment.objects.filter(employment_id__in=["E1", "E2"]).values_list(
            "unit__code",
            "position_pct",
            "start_date",
            "end_date",
            "end_reason",
            "employment_type",
            "job_title",
        )
    ) == [
        ("SH", 100.0, dt.date(2010, 1, 1), None, "", "fast", "Sykepleier"),
        ("SK", 60.0, dt.date(2015, 1, 2), dt.date(2024, 12, 31), "oppsigelse", "midlertidig", ""),
    ]
    a3 = AbsenceSpell.objects.get(absence_id="A3")
    assert (a3.end_date, a3.grade_pct, a3.kind) == (dt.date(2024, 3, 11), 40.0, "egenmeldt")


def test_unit_changes_are_written_parents_first_with_history_and_a_rebuilt_tree(
    example, django_user_model
):
    user = django_user_model.objects.create_user(username="hr-import")

    result = hr_import(
        sources=[
            units(
                "X2,Underavdeling,X1,avdeling,nei",
                NEW_UNIT,
                "SK,Skolen,HV,virksomhet,nei",
            )
        ],
        user=user,
        source="web",
    )

    assert result.counts == {"orgunits.csv": counts(created=2, updated=1)}
    assert OrgUnit.objects.get(code="X2").parent.code == "X1"
    assert set(
        OrgUnitClosure.objects.filter(descendant__code="X2").values_list("ancestor__code", "depth")
    ) == {("X2", 0), ("X1", 1), ("SH", 2), ("HV", 3), ("K", 4)}
    assert OrgUnitClosure.objects.filter(ancestor__code="HV", descendant__code="SK").exists()
    history = OrgUnit.history.filter(code__in=["X1", "X2", "SK"], history_user=user)
    assert sorted(history.values_list("code", "history_type")) == [
        ("SK", "~"),
        ("X1", "+"),
        ("X2", "+"),
    ]
    assert set(history.values_list("history_change_reason", flat=True)) == {
        f"HR import {result.job.pk}"
    }


# --- What changed: first month touched and the recompute ----------------------------


def test_the_first_import_touches_every_month_since_the_first_absence_data():
    # Employments start in 2005, but indicators begin with the absence data (Jan 2024).
    result = import_example()

    assert result.job.first_month_touched == dt.date(2024, 1, 1)


@pytest.mark.parametrize(
    ("batch", "expected"),
    [
        (lambda: absences(NEW_ABSENCE), dt.date(2024, 5, 1)),
        # E5 moves its start from 2024-03-01 to 2024-04-15: March changes too.
        (
            lambda: employments("E5,P3,1990-01-10,M,SH,80,2024-04-15,,,fast,Helsefagarbeider"),
            dt.date(2024, 3, 1),
        ),
        # E5 is closed in June (the monthly export's usual change): June onwards only.
        (
            lambda: employments(
                "E5,P3,1990-01-10,M,SH,80,2024-03-01,2024-06-20,oppsigelse,fast,Helsefagarbeider"
            ),
            dt.date(2024, 6, 1),
        ),
        # E1's end moves from 2024-03-15 to 2024-05-31: from the earlier end, March.
        (
            lambda: employments(
                "E1,P1,1960-02-29,K,SH,100,2010-01-01,2024-05-31,alderspensjon,fast,Sykepleier"
            ),
            dt.date(2024, 3, 1),
        ),
        # E5 closed and its position changed: from its start.
        (
            lambda: employments(
                "E5,P3,1990-01-10,M,SH,60,2024-03-01,2024-06-20,oppsigelse,fast,Helsefagarbeider"
            ),
            dt.date(2024, 3, 1),
        ),
        (lambda: employments(NEW_EMPLOYMENT), dt.date(2024, 1, 1)),
        (lambda: absences("A3,E4,2024-01-15,2024-03-10,50,legemeldt"), dt.date(2024, 1, 1)),
        # A unit re-flagged as shift-based changes every month with employments.
        (lambda: units("SK,Skolen,K,virksomhet,ja"), dt.date(2024, 1, 1)),
        (lambda: units(NEW_UNIT), dt.date(2024, 1, 1)),
        # A new name changes no indicator.
        (lambda: units("SK,Byskolen,K,virksomhet,nei"), None),
    ],
)
def test_first_month_touched(example, batch, expected):
    result = run(batch())

    assert messages(result) == []
    assert ImportJob.objects.get(pk=result.job.pk).first_month_touched == expected


def test_a_unit_in_an_empty_database_touches_no_month():
    result = run(units("K,Kommune,,kommune,nei"))

    assert result.counts == {"orgunits.csv": counts(created=1)}
    assert result.job.first_month_touched is None


def test_the_recompute_is_queued_after_commit_from_the_first_month_touched(
    example, django_capture_on_commit_callbacks, monkeypatch
):
    calls = []
    monkeypatch.setattr(recompute, "delay", lambda **kwargs: calls.append(kwargs))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = run(absences(NEW_ABSENCE))

    # The recompute is recorded with the import (it survives a crash after the commit)
    owed = Recompute.objects.get(import_job=result.job)
    assert (owed.start, owed.status) == (dt.date(2024, 5, 1), Recompute.Status.PENDING)
    assert ImportJob.objects.get(pk=result.job.pk).recompute_pending is True
    # and queued only after the commit
    assert calls == []
    assert len(callbacks) == 1
    callbacks[0]()
    assert calls == [{"recompute_id": owed.pk}]


@pytest.mark.parametrize(
    "batch",
    [
        lambda: example_sources(),
        lambda: [units("SK,Byskolen,K,virksomhet,nei")],
        lambda: [employments("E9,P9,1980-01-01,M,SK,0,2024-01-01,,,fast,")],
    ],
)
def test_no_recompute_is_queued_when_no_indicator_can_change(
    example, django_capture_on_commit_callbacks, batch
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        hr_import(sources=batch(), user=None, source="command")

    assert callbacks == []


# --- Scale --------------------------------------------------------------------------


def test_a_large_batch_takes_a_bounded_number_of_queries(example, django_assert_max_num_queries):
    employment_rows = [f"N{i},Q{i},1980-01-01,K,SH,100,2020-01-01,,,fast," for i in range(3000)]
    absence_rows = [
        f"B{i},N{i},2024-01-0{1 + i % 3},2024-01-0{4 + i % 3},100,egenmeldt" for i in range(3000)
    ]

    # SQLite takes at most 999 parameters a query, so ~90 employments an INSERT;
    # one query a row would be 6,000.
    with django_assert_max_num_queries(100):
        result = run(employments(*employment_rows), absences(*absence_rows))

    assert messages(result) == []
    assert result.counts["absences.csv"] == counts(created=3000)

    with django_assert_max_num_queries(40):
        again = run(employments(*employment_rows), absences(*absence_rows))

    assert again.counts["absences.csv"] == counts(unchanged=3000)
