"""Reported indicators: definitions, entered values, file imports and the demo values."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from demo.services import reported_demo_values, tifaktor_survey_year
from goals.models import Goal
from hr.services import ImportSource
from measures.engine import recompute_range
from measures.models import Indicator, IndicatorValue, SurveyResult
from measures.services import (
    indicators_ensure,
    indicators_load_seeded,
    reported_indicator_save,
    reported_value_save,
    reported_values_import,
)

from .builders import build_units

pytestmark = pytest.mark.django_db

TIFAKTOR = [
    "tifaktor_indre_motivasjon",
    "tifaktor_mestringstro",
    "tifaktor_autonomi",
    "tifaktor_bruk_av_kompetanse",
    "tifaktor_mestringsorientert_ledelse",
    "tifaktor_rolleklarhet",
    "tifaktor_relevant_kompetanseutvikling",
    "tifaktor_fleksibilitetsvilje",
    "tifaktor_mestringsklima",
    "tifaktor_prososial_motivasjon",
]
HEADER = "indicator,unit,period,value"


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


def csv_source(*lines: str, name: str = "verdier.csv") -> ImportSource:
    return ImportSource(name=name, content=("\n".join(lines) + "\n").encode())


def stored(slug: str, unit: str, period: str) -> IndicatorValue:
    return IndicatorValue.objects.get(indicator__slug=slug, unit__code=unit, period=period)


# --- Seeded definitions ----------------------------------------------------------------


def test_the_ten_factors_are_seeded_as_reported_indicators_on_a_1_to_5_scale(seeded):
    factors = Indicator.objects.filter(slug__startswith="tifaktor_").order_by("order")

    assert list(factors.values_list("slug", flat=True)) == TIFAKTOR
    assert list(factors.values_list("name", flat=True))[:3] == [
        "Indre motivasjon",
        "Mestringstro",
        "Autonomi",
    ]
    assert {
        (i.kind, i.unit_of_measure, i.direction, i.scale_min, i.scale_max) for i in factors
    } == {("reported", "skår 1–5", "higher", 1.0, 5.0)}
    assert all("10-faktor" in i.description for i in factors)


def test_the_factors_and_the_other_reported_indicators_follow_stavangers_goals(seeded):
    def follows(slug: str) -> tuple[list[int], list[str]]:
        indicator = seeded[slug]
        goals = indicator.goals.filter(strategy__slug="stavanger-organisasjonsstrategi")
        return (
            sorted(goals.values_list("number", flat=True)),
            sorted(indicator.sub_measures.values_list("title", flat=True)),
        )

    assert follows("tifaktor_rolleklarhet") == (
        [],
        ["avklare roller og ansvar", "tydeliggjøre oppgaver og ansvar"],
    )
    assert follows("tifaktor_mestringsorientert_ledelse") == ([5], [])
    assert follows("tifaktor_bruk_av_kompetanse") == ([1], [])
    assert follows("tifaktor_relevant_kompetanseutvikling") == (
        [],
        ["etablere arenaer for systematisk læring"],
    )
    assert follows("tifaktor_fleksibilitetsvilje") == ([4], [])
    assert follows("apprentices") == ([], ["samarbeide med utdanningsinstitusjoner"])
    assert follows("leader_programme_share") == ([1], [])
    assert (seeded["apprentices"].kind, seeded["apprentices"].scale_min) == ("reported", 0.0)
    assert (seeded["leader_programme_share"].scale_max, seeded["leader_programme_share"].kind) == (
        100.0,
        "reported",
    )


def test_every_goal_of_stavangers_strategy_has_an_indicator(seeded):
    goals = Goal.objects.filter(strategy__slug="stavanger-organisasjonsstrategi")

    without = [
        goal.number
        for goal in goals
        if not (goal.indicators.exists() or Indicator.objects.filter(sub_measures__goal=goal))
    ]

    assert goals.count() == 5
    assert without == []


def test_loading_again_keeps_hrs_edits_and_links_of_a_seeded_reported_indicator(seeded):
    autonomy = seeded["tifaktor_autonomi"]
    reported_indicator_save(
        indicator=autonomy,
        slug="tifaktor_autonomi",
        name="Autonomi (10-faktor)",
        unit_of_measure="skår 1–5",
        direction="higher",
        scale_min=1,
        scale_max=5,
        goals=[Goal.objects.get(strategy__slug="ks-arbeidsgiverpolitikk", number=1)],
    )

    result = indicators_load_seeded()

    autonomy.refresh_from_db()
    assert (result.created, result.updated, result.links) == (0, 0, 0)
    assert autonomy.name == "Autonomi (10-faktor)"
    assert [str(g) for g in autonomy.goals.all()] == ["1. Å våge"]
    assert autonomy.sub_measures.count() == 0


def test_indicators_ensure_still_creates_only_the_computed_indicators():
    indicators = indicators_ensure()

    assert len(indicators) == 14
    assert not Indicator.objects.filter(kind="reported").exists()


def test_the_engine_leaves_reported_values_alone(seeded, units, hr):
    reported_value_save(
        indicator=seeded["tifaktor_autonomi"], unit=units["K"], period="2024", value=4.1, by=hr
    )

    recompute_range(start="2024-01", end="2024-12", today=dt.date(2025, 3, 1))

    assert stored("tifaktor_autonomi", "K", "2024").value == 4.1


def test_load_indicators_reports_the_reported_ones_as_created(seeded_strategies):
    out = io.StringIO()
    call_command("load_indicators", stdout=out)

    assert Indicator.objects.filter(kind="reported").count() == 12
    assert out.getvalue().startswith("Indicators: 26 created, 0 updated, ")


# --- Reported indicators defined by HR ---------------------------------------------------


def test_hr_creates_a_reported_indicator_linked_to_a_goal(seeded):
    goal = Goal.objects.get(strategy__slug="stavanger-organisasjonsstrategi", number=4)

    indicator = reported_indicator_save(
        slug="ideas_tested",
        name="Idéer testet",
        description="Antall idéer testet i perioden.",
        unit_of_measure="antall",
        direction="higher",
        scale_min=0,
        goals=[goal],
    )

    assert (indicator.kind, indicator.suppressible, indicator.scale_min, indicator.scale_max) == (
        "reported",
        False,
        0.0,
        None,
    )
    assert list(indicator.goals.all()) == [goal]
    assert indicator.order == max(Indicator.objects.values_list("order", flat=True))


def test_a_computed_indicator_cannot_be_changed_or_its_short_name_taken(seeded):
    with pytest.raises(ValidationError) as changed:
        reported_indicator_save(
            indicator=seeded["sick_leave_pct"],
            slug="sick_leave_pct",
            name="Sykefravær",
            unit_of_measure="%",
            direction="lower",
        )
    with pytest.raises(ValidationError) as taken:
        reported_indicator_save(
            slug="turnover_pct", name="Turnover", unit_of_measure="%", direction="lower"
        )

    assert changed.value.messages == [
        "Beregnede indikatorer er definert av spesifikasjonen og kan ikke endres her."
    ]
    assert taken.value.message_dict == {
        "slug": ["Dette kortnavnet tilhører en indikator som beregnes fra HR-data."]
    }
    assert Indicator.objects.get(slug="sick_leave_pct").kind == "computed"


def test_a_scale_must_be_increasing_and_keep_the_stored_values_inside(seeded, units, hr):
    autonomy = seeded["tifaktor_autonomi"]
    reported_value_save(indicator=autonomy, unit=units["K"], period="2024", value=4.5, by=hr)
    fields = {
        "slug": "tifaktor_autonomi",
        "name": "Autonomi",
        "unit_of_measure": "skår",
        "direction": "higher",
    }

    with pytest.raises(ValidationError) as reversed_scale:
        reported_indicator_save(indicator=autonomy, scale_min=5, scale_max=1, **fields)
    with pytest.raises(ValidationError) as too_narrow:
        reported_indicator_save(indicator=autonomy, scale_min=1, scale_max=4, **fields)

    assert reversed_scale.value.message_dict == {
        "scale_max": ["Høyeste verdi må være over laveste verdi."]
    }
    assert too_narrow.value.message_dict == {
        "scale_max": ["1 lagret verdi ligger utenfor denne skalaen."]
    }
    autonomy.refresh_from_db()
    assert (autonomy.scale_min, autonomy.scale_max) == (1.0, 5.0)


# --- Entered values -----------------------------------------------------------------------


def test_a_value_is_stored_for_the_unit_and_period_with_who_entered_it(seeded, units, hr):
    value = reported_value_save(
        indicator=seeded["tifaktor_mestringsklima"],
        unit=units["SH"],
        period="2025",
        value=4.2,
        by=hr,
    )

    assert (value.granularity, value.period, value.period_start, value.period_end) == (
        "year",
        "2025",
        dt.date(2025, 1, 1),
        dt.date(2025, 12, 31),
    )
    assert (value.value, value.n_persons, value.suppressed, value.entered_by) == (
        4.2,
        None,
        False,
        hr,
    )
    assert value.computed_at is not None


@pytest.mark.parametrize(
    ("period", "granularity", "start", "end"),
    [
        ("2025-T1", "tertial", dt.date(2025, 1, 1), dt.date(2025, 4, 30)),
        ("2025-03", "month", dt.date(2025, 3, 1), dt.date(2025, 3, 31)),
    ],
)
def test_tertials_and_months_are_periods_too(seeded, units, hr, period, granularity, start, end):
    value = reported_value_save(
        indicator=seeded["apprentices"], unit=units["K"], period=period, value=12, by=hr
    )

    assert (value.granularity, value.period_start, value.period_end) == (granularity, start, end)


def test_entering_again_replaces_the_value_and_its_author_and_keeps_other_periods(
    seeded, units, hr, django_user_model
):
    other = django_user_model.objects.create_user(username="hr-2", password="pw-123456")
    climate = seeded["tifaktor_mestringsklima"]
    reported_value_save(indicator=climate, unit=units["SH"], period="2024", value=3.9, by=hr)
    first = reported_value_save(
        indicator=climate, unit=units["SH"], period="2025", value=4.0, by=hr
    )

    second = reported_value_save(
        indicator=climate, unit=units["SH"], period="2025", value=4.3, by=other
    )

    assert second.pk == first.pk
    assert (second.value, second.entered_by) == (4.3, other)
    assert second.computed_at >= first.computed_at
    assert list(
        IndicatorValue.objects.filter(indicator=climate).values_list(
            "period", "value", "entered_by"
        )
    ) == [("2024", 3.9, hr.pk), ("2025", 4.3, other.pk)]


def test_a_value_outside_the_scale_is_refused_and_nothing_stored(seeded, units, hr):
    with pytest.raises(ValidationError) as error:
        reported_value_save(
            indicator=seeded["tifaktor_autonomi"], unit=units["K"], period="2025", value=5.5, by=hr
        )

    assert error.value.message_dict == {"value": ["Må være mellom 1 og 5 (er 5,5)."]}
    assert not IndicatorValue.objects.exists()


def test_a_bad_period_and_a_computed_indicator_are_refused(seeded, units, hr):
    with pytest.raises(ValidationError) as error:
        reported_value_save(
            indicator=seeded["sick_leave_pct"], unit=units["K"], period="2025-13", value=5, by=hr
        )

    assert error.value.message_dict == {
        "indicator": [
            "Sykefravær beregnes fra HR-data: bare rapporterte indikatorer kan få "
            "verdier registrert eller importert."
        ],
        "period": [
            "«2025-13» er ikke en periode: bruk 2025 (år), 2025-T1 (tertial) eller 2025-03 (måned)."
        ],
    }
    assert not IndicatorValue.objects.exists()


# --- Imported values ---------------------------------------------------------------------


def test_an_import_stores_every_row(seeded, units, hr):
    source = csv_source(
        "\ufeffIndicator ; UNIT;Period;Value",
        "tifaktor_autonomi;K;2025;4,1",
        "",
        "tifaktor_autonomi;SH;2025;3.9",
        "apprentices;HV;2025-T2;42",
    )

    result = reported_values_import(source=source, by=hr)

    assert result.errors == []
    assert (result.rows, result.created, result.updated, result.unchanged) == (3, 3, 0, 0)
    assert stored("tifaktor_autonomi", "K", "2025").value == 4.1
    assert stored("tifaktor_autonomi", "SH", "2025").value == 3.9
    assert stored("apprentices", "HV", "2025-T2").granularity == "tertial"
    assert set(IndicatorValue.objects.values_list("entered_by", flat=True)) == {hr.pk}


def test_importing_again_replaces_changed_values_only(seeded, units, hr, django_user_model):
    other = django_user_model.objects.create_user(username="hr-2", password="pw-123456")
    reported_values_import(
        source=csv_source(HEADER, "tifaktor_autonomi,K,2025,4.1", "tifaktor_autonomi,SH,2025,3.9"),
        by=hr,
    )

    result = reported_values_import(
        source=csv_source(HEADER, "tifaktor_autonomi,K,2025,4.1", "tifaktor_autonomi,SH,2025,4.0"),
        by=other,
    )

    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert stored("tifaktor_autonomi", "K", "2025").entered_by == hr
    assert (
        stored("tifaktor_autonomi", "SH", "2025").value,
        stored("tifaktor_autonomi", "SH", "2025").entered_by,
    ) == (4.0, other)
    assert IndicatorValue.objects.count() == 2


def test_an_import_reads_an_excel_workbook(seeded, units, hr):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Ark1"
    sheet.append(["indicator", "unit", "period", "value"])
    sheet.append(["tifaktor_rolleklarhet", "SK", 2025, 4.25])
    sheet.append(["leader_programme_share", "K", "2025", 0.6])
    sheet["D3"].number_format = "0 %"
    data = io.BytesIO()
    book.save(data)

    result = reported_values_import(
        source=ImportSource(name="verdier.xlsx", content=data.getvalue()), by=hr
    )

    assert result.errors == []
    assert stored("tifaktor_rolleklarhet", "SK", "2025").value == 4.25
    assert stored("leader_programme_share", "K", "2025").value == 60.0


def test_every_bad_row_is_reported_and_nothing_is_written(seeded, units, hr):
    source = csv_source(
        HEADER,
        "tifaktor_autonomi,K,2025,4.1",  # 2: fine, but the file has bad rows
        "tifaktor_ukjent,K,2025,4.1",  # 3
        "sick_leave_pct,K,2025,5.0",  # 4
        "tifaktor_autonomi,XX,2025,4.1",  # 5
        "tifaktor_autonomi,SH,2025-T4,4.1",  # 6
        "tifaktor_autonomi,SK,2025,5.5",  # 7
        "tifaktor_autonomi,SK,2025,fire",  # 8
        "tifaktor_mestringsklima,SH,2025,4.0",  # 9
        "tifaktor_mestringsklima,SH,2025,4.2",  # 10
        "apprentices,,2025,-1",  # 11
    )

    result = reported_values_import(source=source, by=hr)

    assert [str(error) for error in result.errors] == [
        "verdier.csv:3: indicator: ukjent indikator «tifaktor_ukjent»: den finnes ikke i "
        "listen over indikatorer.",
        "verdier.csv:4: indicator: sick_leave_pct beregnes fra HR-data: bare rapporterte "
        "indikatorer kan få verdier registrert eller importert.",
        "verdier.csv:5: unit: ukjent enhet «XX»: den finnes ikke i databasen.",
        "verdier.csv:6: period: «2025-T4» er ikke en periode: bruk 2025 (år), 2025-T1 "
        "(tertial) eller 2025-03 (måned).",
        "verdier.csv:7: value: må være mellom 1 og 5 (er 5.5).",
        "verdier.csv:7: period: tifaktor_autonomi for enhet SK i 2025 forekommer mer enn én "
        "gang i denne filen (linje 7, 8).",
        "verdier.csv:8: value: «fire» er ikke et tall.",
        "verdier.csv:8: period: tifaktor_autonomi for enhet SK i 2025 forekommer mer enn én "
        "gang i denne filen (linje 7, 8).",
        "verdier.csv:9: period: tifaktor_mestringsklima for enhet SH i 2025 forekommer mer "
        "enn én gang i denne filen (linje 9, 10).",
        "verdier.csv:10: period: tifaktor_mestringsklima for enhet SH i 2025 forekommer mer "
        "enn én gang i denne filen (linje 9, 10).",
        "verdier.csv:11: unit: en verdi er påkrevd.",
        "verdier.csv:11: value: må være minst 0 (er -1).",
    ]
    assert result.rows == 10
    assert not result.succeeded
    assert not IndicatorValue.objects.exists()


def test_a_missing_column_is_reported_on_the_header_line_and_nothing_written(seeded, units, hr):
    result = reported_values_import(
        source=csv_source("\n", "indicator;unit;value", "tifaktor_autonomi;K;4,1"), by=hr
    )

    assert [str(error) for error in result.errors] == [
        "verdier.csv:3: period: den påkrevde kolonnen mangler."
    ]
    assert not IndicatorValue.objects.exists()


def test_a_file_that_is_not_utf8_is_refused_with_its_name(seeded, units, hr):
    source = ImportSource(
        name="verdier.csv", content=f"{HEADER}\ntifaktor_autonomi,Bømlo,2025,4\n".encode("cp1252")
    )

    result = reported_values_import(source=source, by=hr)

    assert len(result.errors) == 1
    assert str(result.errors[0]).startswith("verdier.csv:2: filen er ikke UTF-8-kodet")
    assert not IndicatorValue.objects.exists()


def test_a_row_with_more_values_than_columns_is_refused(seeded, units, hr):
    result = reported_values_import(
        source=csv_source(HEADER, "tifaktor_autonomi,K,2025,4,1"), by=hr
    )

    assert [str(error) for error in result.errors] == [
        "verdier.csv:2: raden har 5 verdier, men overskriftsraden har 4 kolonner."
    ]
    assert not IndicatorValue.objects.exists()


def test_a_workbook_with_data_on_two_sheets_is_refused(seeded, units, hr):
    book = openpyxl.Workbook()
    book.active.append(["indicator", "unit", "period", "value"])
    book.create_sheet("Mer").append(["tifaktor_autonomi", "K", "2025", 4])
    data = io.BytesIO()
    book.save(data)

    result = reported_values_import(
        source=ImportSource(name="verdier.xlsx", content=data.getvalue()), by=hr
    )

    assert [str(error) for error in result.errors] == [
        "verdier.xlsx: arbeidsboken har data på mer enn ett ark (Sheet, Mer): bruk ett ark."
    ]
    assert not IndicatorValue.objects.exists()


# --- Demo ------------------------------------------------------------------------------


def test_the_demo_imports_the_ten_factors_for_every_virksomhet_and_the_units_above(seeded, units):
    written = reported_demo_values(seed=7, today=dt.date(2026, 5, 4))

    results = SurveyResult.objects.all()
    assert written == 40 == results.count()
    assert set(results.values_list("unit__code", flat=True)) == {"K", "HV", "SH", "SK"}
    assert set(results.values_list("year", flat=True)) == {2026}
    assert all(3.8 <= v <= 4.4 for v in results.values_list("score", flat=True))
    values = IndicatorValue.objects.filter(indicator__slug__startswith="tifaktor_")
    assert set(values.values_list("period", "granularity")) == {("2026", "year")}
    assert set(values.values_list("entered_by", flat=True)) == {None}
    for slug in TIFAKTOR:
        by_unit = {r.unit.code: r for r in results.filter(indicator__slug=slug)}
        # A unit above is the respondent-weighted mean of the virksomheter below it.
        sh, sk = by_unit["SH"], by_unit["SK"]
        assert by_unit["K"].respondents == sh.respondents + sk.respondents
        assert by_unit["K"].score == round(
            (sh.score * sh.respondents + sk.score * sk.respondents)
            / (sh.respondents + sk.respondents),
            1,
        )
        assert by_unit["HV"].respondents == sh.respondents


def test_the_demo_is_the_same_for_the_same_seed_and_differs_for_another(seeded, units):
    def scores() -> list[tuple[float, int]]:
        return list(
            SurveyResult.objects.order_by("indicator__order", "unit__code").values_list(
                "score", "respondents"
            )
        )

    reported_demo_values(seed=7, year=2025)
    first = scores()
    reported_demo_values(seed=7, year=2025)
    again = scores()
    reported_demo_values(seed=8, year=2025)

    assert first == again
    assert scores() != first
    assert IndicatorValue.objects.count() == 40


def test_the_last_survey_year_turns_over_in_march():
    assert tifaktor_survey_year(dt.date(2026, 2, 28)) == 2025
    assert tifaktor_survey_year(dt.date(2026, 3, 1)) == 2026
