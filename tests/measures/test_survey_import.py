"""10-FAKTOR results imported per unit and year: stored, checked, protected below 5."""

import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from hr.services import ImportSource
from measures.models import Indicator, IndicatorValue, SurveyResult
from measures.services import (
    indicators_load_seeded,
    reported_value_save,
    reported_values_import,
    survey_results_import,
)
from org.models import OrgUnit

from .builders import build_units

pytestmark = pytest.mark.django_db

HEADER = "unit;factor;score;respondents"


@pytest.fixture
def units():
    return build_units(
        [
            {"code": "K", "level": "kommune"},
            {"code": "HV", "parent_code": "K", "level": "tjenesteomrade"},
            {"code": "SH", "parent_code": "HV", "level": "virksomhet"},
            {"code": "SK", "parent_code": "K", "level": "virksomhet"},
        ]
    )


@pytest.fixture
def seeded(seeded_strategies):
    indicators_load_seeded()
    return {i.slug: i for i in Indicator.objects.all()}


@pytest.fixture
def hr(django_user_model):
    return django_user_model.objects.create_user(username="hr-user", password="pw-123456")


def csv_source(*lines: str, name: str = "10faktor.csv") -> ImportSource:
    return ImportSource(name=name, content=("\n".join(lines) + "\n").encode())


def stored(slug: str, unit: str, year: int = 2026) -> IndicatorValue:
    return IndicatorValue.objects.get(indicator__slug=slug, unit__code=unit, period=str(year))


def nothing_written() -> bool:
    return not SurveyResult.objects.exists() and not IndicatorValue.objects.exists()


# --- The happy path ----------------------------------------------------------------------


def test_an_import_stores_results_and_values_with_their_respondents(seeded, units, hr):
    source = csv_source(
        "\ufeffUnit ; Factor;Score;Respondents",
        "K;Mestringsklima;4,1;40",
        "HV;mestringsklima;4.0;22",
        "SH;tifaktor_mestringsklima;3,9;12",
        "SK;Mestringsklima;4,3;18",
        "K;Autonomi;3,8;40",
    )

    result = survey_results_import(source=source, year=2026, by=hr)

    assert result.errors == []
    assert (result.rows, result.created, result.updated, result.unchanged) == (5, 5, 0, 0)
    assert result.withheld == 0
    value = stored("tifaktor_mestringsklima", "SH")
    assert (value.value, value.n_persons, value.suppressed, value.granularity) == (
        3.9,
        12,
        False,
        "year",
    )
    assert value.entered_by == hr
    assert stored("tifaktor_autonomi", "K").value == 3.8
    assert SurveyResult.objects.count() == 5


def test_importing_again_updates_changed_results_only(seeded, units, hr):
    survey_results_import(
        source=csv_source(HEADER, "K;Autonomi;3,8;40", "SK;Autonomi;4,0;18"), year=2026, by=hr
    )

    result = survey_results_import(
        source=csv_source(HEADER, "K;Autonomi;3,8;40", "SK;Autonomi;4,2;18"), year=2026, by=hr
    )

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert stored("tifaktor_autonomi", "SK").value == 4.2
    assert IndicatorValue.objects.count() == 2


def test_an_import_reads_an_excel_workbook(seeded, units, hr):
    book = openpyxl.Workbook()
    book.active.append(["unit", "factor", "score", "respondents"])
    book.active.append(["SK", "Rolleklarhet", 4.25, 9])
    data = io.BytesIO()
    book.save(data)

    result = survey_results_import(
        source=ImportSource(name="10faktor.xlsx", content=data.getvalue()), year=2025, by=hr
    )

    assert result.errors == []
    assert (stored("tifaktor_rolleklarhet", "SK", 2025).value, result.rows) == (4.25, 1)


# --- Bad input: a message naming file, line and field; nothing written --------------------


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("XX;Autonomi;4,0;9", "unit", "ukjent enhet «XX»"),
        ("SK;Trivsel;4,0;9", "factor", "ukjent faktor «Trivsel»"),
        ("SK;Autonomi;fire;9", "score", "«fire» er ikke et tall."),
        ("SK;Autonomi;5,5;9", "score", "må være mellom 1 og 5 (er 5,5)."),
        ("SK;Autonomi;;9", "score", "en verdi er påkrevd."),
        ("SK;Autonomi;4,0;0", "respondents", "«0» er ikke et helt antall respondenter"),
        ("SK;Autonomi;4,0;9,5", "respondents", "«9,5» er ikke et helt antall respondenter"),
        ("SK;Autonomi;4,0;-3", "respondents", "«-3» er ikke et helt antall respondenter"),
    ],
)
def test_a_bad_row_is_named_by_file_line_and_field_and_nothing_is_written(
    seeded, units, hr, row, column, message
):
    source = csv_source(HEADER, "K;Autonomi;4,0;40", row)

    result = survey_results_import(source=source, year=2026, by=hr)

    assert [(e.file, e.line, e.column) for e in result.errors] == [("10faktor.csv", 3, column)]
    assert message in str(result.errors[0])
    assert str(result.errors[0]).startswith(f"10faktor.csv:3: {column}: ")
    assert nothing_written()


def test_a_unit_and_factor_twice_is_refused_on_both_lines(seeded, units, hr):
    source = csv_source(HEADER, "SK;Autonomi;4,0;9", "SK;tifaktor_autonomi;4,1;9")

    result = survey_results_import(source=source, year=2026, by=hr)

    assert [(e.line, e.column) for e in result.errors] == [(2, "factor"), (3, "factor")]
    assert "Autonomi for enhet SK finnes mer enn én gang i filen (linje 2, 3)." in str(
        result.errors[0]
    )
    assert nothing_written()


def test_a_missing_column_is_refused(seeded, units, hr):
    result = survey_results_import(
        source=csv_source("unit;factor;score", "SK;Autonomi;4,0"), year=2026, by=hr
    )

    assert [str(e) for e in result.errors] == [
        "10faktor.csv:1: respondents: den påkrevde kolonnen mangler."
    ]
    assert nothing_written()


def test_a_unit_with_fewer_respondents_than_the_units_below_it_is_refused(seeded, units, hr):
    # Rows of a unit's own respondents only (not its subtree's) cannot be protected.
    source = csv_source(HEADER, "K;Autonomi;4,0;10", "HV;Autonomi;4,1;8", "SK;Autonomi;3,9;6")

    result = survey_results_import(source=source, year=2026, by=hr)

    assert [str(e) for e in result.errors] == [
        "10faktor.csv:2: respondents: enhet K har 10 respondenter, færre enn de 14 i enhetene "
        "under den til sammen: hver rad skal være resultatet for enheten med alt under seg."
    ]
    assert nothing_written()


def test_the_respondents_are_checked_against_results_stored_before(seeded, units, hr):
    survey_results_import(source=csv_source(HEADER, "K;Autonomi;4,0;10"), year=2026, by=hr)

    result = survey_results_import(
        source=csv_source(HEADER, "SK;Autonomi;4,0;12"), year=2026, by=hr
    )

    assert [(e.line, e.column) for e in result.errors] == [(2, "respondents")]
    assert SurveyResult.objects.count() == 1
    assert IndicatorValue.objects.count() == 1


def test_a_year_out_of_range_is_refused(seeded, units, hr):
    result = survey_results_import(source=csv_source(HEADER, "SK;Autonomi;4,0;9"), year=1999, by=hr)

    assert [str(e) for e in result.errors] == [
        "10faktor.csv: Undersøkelsesåret må være mellom 2000 og "
        f"{__import__('datetime').date.today().year} (er 1999)."
    ]
    assert nothing_written()


def test_a_file_that_is_not_a_table_is_refused(seeded, units, hr):
    result = survey_results_import(
        source=ImportSource(name="10faktor.xlsx", content=b"not a workbook"), year=2026, by=hr
    )

    assert result.errors and result.errors[0].file == "10faktor.xlsx"
    assert nothing_written()


def test_the_file_row_cap_applies(seeded, units, hr, settings):
    settings.HR_IMPORT_MAX_ROWS = 2
    source = csv_source(HEADER, *["SK;Autonomi;4,0;9"] * 3)

    result = survey_results_import(source=source, year=2026, by=hr)

    assert len(result.errors) == 1 and "HR_IMPORT_MAX_ROWS" in str(result.errors[0])
    assert nothing_written()


# --- Protection below 5 respondents ----------------------------------------------------------


def test_a_result_of_fewer_than_5_respondents_is_kept_but_its_value_withheld(seeded, units, hr):
    source = csv_source(HEADER, "SK;Autonomi;2,1;4", "SH;Autonomi;4,0;5")

    result = survey_results_import(source=source, year=2026, by=hr)

    assert result.errors == []
    assert SurveyResult.objects.get(unit__code="SK").score == 2.1
    small = stored("tifaktor_autonomi", "SK")
    assert (small.value, small.suppressed, small.complementary, small.n_persons) == (
        None,
        True,
        False,
        4,
    )
    assert stored("tifaktor_autonomi", "SH").value == 4.0


def derivable_small_groups(slug: str) -> list[str]:
    """What an attacker who knows every published score and respondent count learns.

    A unit's score × respondents is the sum of the units' below it and of its own
    respondents' (a row is the subtree's result). Unknown are the withheld values and
    the units' own respondents; every law with one unknown is solved, to a fixpoint. A
    leak is a solved unknown about 1–4 respondents.
    """
    results = {r.unit_id: r for r in SurveyResult.objects.filter(indicator__slug=slug, year=2026)}
    published = {
        v.unit_id
        for v in IndicatorValue.objects.filter(indicator__slug=slug, suppressed=False)
        if v.value is not None
    }
    codes = dict(OrgUnit.objects.values_list("pk", "code"))
    parents = dict(OrgUnit.objects.values_list("pk", "parent_id"))

    def nearest_above(unit_id):
        parent = parents[unit_id]
        while parent is not None and parent not in results:
            parent = parents[parent]
        return parent

    laws = []  # (total, parts); cells are ("unit", pk) or ("own", pk)
    persons = {("unit", pk): r.respondents for pk, r in results.items()}
    for pk in results:
        kids = [k for k in results if nearest_above(k) == pk]
        if not kids:
            continue
        own = results[pk].respondents - sum(results[k].respondents for k in kids)
        parts = [("unit", k) for k in kids]
        if own:
            persons[("own", pk)] = own
            parts.append(("own", pk))
        laws.append((("unit", pk), parts))
    known = {("unit", pk) for pk in published}
    leaks, changed = [], True
    while changed:
        changed = False
        for total, parts in laws:
            unknown = [c for c in (total, *parts) if c not in known]
            if len(unknown) == 1:
                known.add(unknown[0])
                changed = True
                if 0 < persons[unknown[0]] < 5:
                    leaks.append(f"{unknown[0][0]} {codes[unknown[0][1]]}")
    return leaks


def test_no_withheld_score_follows_from_the_published_ones(seeded, units, hr):
    # SK has 4 respondents; K's 20 are HV's 16 and SK's 4: without more withheld,
    # SK's score = (20 × K − 16 × HV) / 4. And HV = SH (HV has no own respondents).
    source = csv_source(
        HEADER,
        "K;Autonomi;4,0;20",
        "HV;Autonomi;4,2;16",
        "SH;Autonomi;4,2;16",
        "SK;Autonomi;3,2;4",
    )

    result = survey_results_import(source=source, year=2026, by=hr)

    assert result.errors == []
    assert derivable_small_groups("tifaktor_autonomi") == []
    assert stored("tifaktor_autonomi", "SK").suppressed
    withheld = IndicatorValue.objects.filter(suppressed=True, complementary=True)
    assert withheld.exists()
    assert all(v.value is None for v in withheld)
    # The scores themselves are kept for the next import.
    assert SurveyResult.objects.filter(score__isnull=False).count() == 4


def test_an_own_group_of_fewer_than_5_respondents_is_protected_too(seeded, units, hr):
    # K's own respondents (not in HV or SK) are 2: K − HV − SK would give their score.
    source = csv_source(
        HEADER, "K;Autonomi;4,0;24", "HV;Autonomi;4,1;11", "SH;Autonomi;4,1;6", "SK;Autonomi;3,9;11"
    )

    survey_results_import(source=source, year=2026, by=hr)

    assert derivable_small_groups("tifaktor_autonomi") == []


# --- Values the survey import owns ------------------------------------------------------------


def test_a_value_of_an_imported_survey_cannot_be_entered_over(seeded, units, hr):
    survey_results_import(source=csv_source(HEADER, "SK;Autonomi;3,2;4"), year=2026, by=hr)
    autonomi = Indicator.objects.get(slug="tifaktor_autonomi")

    with pytest.raises(ValidationError) as raised:
        reported_value_save(indicator=autonomi, unit=units["SK"], period="2026", value=3.2, by=hr)
    result = reported_values_import(
        source=csv_source("indicator;unit;period;value", "tifaktor_autonomi;SK;2026;3,2"), by=hr
    )

    assert "kommer fra 10-FAKTOR-importen" in str(raised.value)
    assert [(e.line, e.column) for e in result.errors] == [(2, "value")]
    assert stored("tifaktor_autonomi", "SK").value is None
