"""10-FAKTOR results on the dashboard, the unit page, the API and the exports; the year
picker and periods that have no figures (issue 16)."""

import csv
import io
import re

import pytest
from pytest_django.asserts import assertInHTML

from goals.services import strategies_load_seeded
from hr.services import ImportSource
from measures.selectors import stored_periods
from measures.services import indicators_load_seeded, survey_results_import
from org import roles

from .dashboard_data import user_with_role
from .test_dashboard import text_of

pytestmark = pytest.mark.django_db

URL = "/dashboard/"
# SH1 has 3 respondents: kept, never shown. K = HV + OU, HV = SH, SH = SH1 + 11 own.
SURVEY_2024 = """unit;factor;score;respondents
K;Mestringsklima;4,1;30
HV;Mestringsklima;4,0;14
SH;Mestringsklima;4,0;14
SH1;Mestringsklima;2,3;3
OU;Mestringsklima;4,2;16
SK;Mestringsklima;4,2;16
"""


@pytest.fixture
def survey(units, hr_client):
    strategies_load_seeded()
    indicators_load_seeded()
    result = survey_results_import(
        source=ImportSource(name="10faktor-2024.csv", content=SURVEY_2024.encode()),
        year=2024,
        by=None,
    )
    assert result.errors == []
    return result


def goal_5(page: str) -> str:
    """Mestringsklima's entry in goal 5 of the goal section, as text."""
    section = page.split("Mål 5: Bygge gode arbeidsfellesskap")[1].split("</section>")[0]
    entry = re.search(
        r"<li><span class=\"fw-semibold\">Mestringsklima:</span>(.*?)</li>", section, re.DOTALL
    )
    assert entry, "Mestringsklima is not in goal 5"
    return text_of(entry[1])


def test_the_year_picker_offers_a_running_year_that_has_survey_results(hr_client, survey):
    # 2024 has not ended: no computed yearly figures, but its survey is stored.
    page = hr_client.get(URL, {"granularity": "year"}).content.decode()

    assertInHTML('<option value="2024" selected>2024</option>', page)
    assertInHTML('<option value="2023">2023</option>', page)
    assert [p.label for p in stored_periods(granularity="year", with_reported=True)] == [
        "2024",
        "2023",
    ]


def test_a_year_asked_for_without_a_period_type_is_that_year(hr_client, survey):
    page = hr_client.get(URL, {"period": "2024"}).content.decode()

    assertInHTML('<option value="year" selected>År</option>', page)
    assertInHTML('<option value="2024" selected>2024</option>', page)
    assert "Ingen nøkkelindikatorer er lagret for 2024." in page
    assert goal_5(page) == "4,1 skår 1–5 – Ingen mål"
    assert "(tall for 2024)" not in goal_5(page)


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({"period": "2019"}, "2019"),
        ({"granularity": "year", "period": "2031"}, "2031"),
        ({"granularity": "tertial", "period": "2022-T1"}, "2022-T1"),
        ({"period": "abc"}, "abc"),
    ],
)
def test_a_period_without_figures_is_said_so_and_no_other_period_is_shown(
    hr_client, survey, params, shown
):
    page = hr_client.get(URL, params).content.decode()

    alert = re.search(
        r'<div class="alert alert-warning" role="alert" id="period-unavailable">(.*?)</div>',
        page,
        re.DOTALL,
    )
    assert alert, "no message"
    assert text_of(alert[1]) == (
        f"! Det finnes ingen tall for «{shown}». Velg en av periodene i listen over."
    )
    assert "Nøkkelindikatorer per enhet," not in page
    assert "Strategiens mål" not in page
    assert " selected>2024" not in page


def test_the_survey_reaches_the_goals_in_the_year_and_the_tertials_after_it(hr_client, survey):
    year = hr_client.get(URL, {"granularity": "year", "period": "2024"}).content.decode()
    tertial = hr_client.get(URL, {"period": "2024-T2"}).content.decode()
    before = hr_client.get(URL, {"granularity": "year", "period": "2023"}).content.decode()

    assert goal_5(year) == "4,1 skår 1–5 – Ingen mål"
    assert goal_5(tertial) == "4,1 skår 1–5 – Ingen mål (tall for 2024)"
    # A survey is not shown before its year.
    assert goal_5(before) == "Ingen verdi"


def test_a_leader_sees_a_small_groups_result_hidden(client, django_user_model, units, survey):
    client.force_login(user_with_role(django_user_model, "leader", roles.LEADER, units["SH1"]))

    page = client.get(URL, {"period": "2024"}).content.decode()

    assert goal_5(page) == "Skjult (under 5 personer)"
    assert "2,3" not in text_of(page)


def test_the_unit_page_shows_the_survey_with_its_year_and_hides_a_small_group(
    hr_client, units, survey
):
    big = text_of(hr_client.get("/units/SH/").content.decode())
    small = hr_client.get("/units/SH1/").content.decode()

    assert "2024 4,0 skår 1–5" in big
    assert "2024 Skjult (under 5 personer) – Ingen mål" in text_of(small)
    assert "2,3" not in text_of(small)


def test_the_api_and_the_exports_withhold_a_small_groups_result(hr_client, units, survey):
    api = hr_client.get(
        "/api/v1/indicator-values/", {"indicator": "tifaktor_mestringsklima", "unit": "SH1"}
    ).json()
    records = api["results"] if isinstance(api, dict) else api
    dashboard_csv = hr_client.get(
        "/dashboard/export.csv", {"granularity": "year", "period": "2024"}
    ).content.decode()

    assert [(r["unit"], r["value"], r["n_persons"], r["suppressed"]) for r in records] == [
        ("SH1", None, None, True)
    ]
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("export_indicators", "--indicator", "tifaktor_mestringsklima", stdout=out)
    rows = {r["unit"]: r for r in csv.DictReader(io.StringIO(out.getvalue()))}
    assert (rows["SH1"]["value"], rows["SH1"]["n_persons"], rows["SH1"]["suppressed"]) == (
        "",
        "",
        "true",
    )
    assert rows["SH"]["value"] == "4" and rows["SH"]["n_persons"] == "14"
    assert "2.3" not in out.getvalue() and "2,3" not in dashboard_csv


def test_the_documented_example_file_imports(units, hr_client):
    from pathlib import Path

    strategies_load_seeded()
    indicators_load_seeded()
    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "10-faktor-2026.csv"

    result = survey_results_import(source=ImportSource.from_path(example), year=2026, by=None)

    assert (result.errors, result.rows, result.created) == ([], 12, 12)
    assert result.withheld >= 2  # SH1's 3 respondents, on both factors
