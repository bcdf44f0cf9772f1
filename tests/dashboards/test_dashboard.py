"""The dashboard at /dashboard/ and its exports: access, content, periods, query bounds."""

import csv
import html
import io
import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pytest_django.asserts import assertInHTML

from goals.services import strategies_load_seeded
from measures.models import Indicator
from measures.services import indicators_load_seeded
from org import roles
from org.models import OrgUnit
from plans.models import TertialReport

from .dashboard_data import build_municipality, user_with_role

pytestmark = pytest.mark.django_db

URL = "/dashboard/"


@pytest.fixture
def leader_client(client, django_user_model, units):
    """The leader of Sykehjemmet (SH), who may see SH and its department SH1 only."""
    client.force_login(user_with_role(django_user_model, "leader", roles.LEADER, units["SH"]))
    return client


def cells(page: str, unit: OrgUnit) -> list[str]:
    """The text of the indicator cells of ``unit``'s row, whitespace collapsed."""
    row = re.search(rf'<tr id="unit-row-{unit.pk}"[^>]*>(.*?)</tr>', page, re.DOTALL)
    assert row, f"no row for {unit.code}"
    return [text_of(cell) for cell in re.findall(r"<td>(.*?)</td>", row[1], re.DOTALL)]


def text_of(fragment: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", " ", fragment)).replace("\xa0", " ")
    return " ".join(text.split())


def toggle(page: str, unit: OrgUnit) -> tuple[str, str | None] | None:
    """``aria-expanded`` and ``aria-controls`` of the button in ``unit``'s row, if any."""
    row = re.search(rf'<tr id="unit-row-{unit.pk}"[^>]*>(.*?)</tr>', page, re.DOTALL)
    button = re.search(r"<button[^>]*>", row[1])
    if not button:
        return None
    expanded = re.search(r'aria-expanded="(\w+)"', button[0])
    controls = re.search(r'aria-controls="([^"]*)"', button[0])
    return expanded[1], controls[1] if controls else None


def toggle_link(page: str, unit: OrgUnit) -> str | None:
    """The href of the no-JavaScript link that opens or closes ``unit``, if any."""
    row = re.search(rf'<tr id="unit-row-{unit.pk}"[^>]*>(.*?)</tr>', page, re.DOTALL)
    link = re.search(r'<a class="tree-toggle[^"]*" data-tree-link href="([^"]*)"', row[1])
    return html.unescape(link[1]) if link else None


def unit_rows(page: str) -> list[str]:
    """The unit codes of the table's rows, in order, from their links."""
    return re.findall(r'<a href="/units/([^/]+)/">', page)


def test_the_urls():
    assert reverse("dashboards:dashboard") == URL
    assert reverse("dashboards:dashboard-export-csv") == "/dashboard/export.csv"
    assert reverse("dashboards:dashboard-export-xlsx") == "/dashboard/export.xlsx"


@pytest.mark.parametrize("url", [URL, "/dashboard/export.csv", "/dashboard/export.xlsx"])
def test_anonymous_users_are_sent_to_the_login_page(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("url", [URL, "/dashboard/export.csv", "/dashboard/export.xlsx"])
def test_a_representative_and_a_leader_without_units_are_refused(
    client, django_user_model, units, url
):
    representative = user_with_role(django_user_model, "rep", roles.REPRESENTATIVE, units["SH"])
    unassigned_leader = user_with_role(django_user_model, "new-leader", roles.LEADER)

    for user in [representative, unassigned_leader]:
        client.force_login(user)
        assert client.get(url).status_code == 403


def test_hr_sees_every_unit_in_tree_order(hr_client, units):
    response = hr_client.get(URL, {"expand": "all"})

    assert response.status_code == 200
    page = response.content.decode()
    assert unit_rows(page) == ["K", "HV", "SH", "SH1", "OU", "SK"]
    assertInHTML('<option value="HV">Helse og velferd</option>', page)
    assertInHTML('<option value="OU">Oppvekst</option>', page)


def test_only_the_root_and_the_service_areas_are_on_the_page(hr_client, units):
    page = hr_client.get(URL).content.decode()

    assert unit_rows(page) == ["K", "HV", "OU"]
    assert " hidden>" not in re.sub(r"<(button|a)[^>]*>", "", page)
    assert toggle(page, units["K"]) == (
        "true",
        f"unit-row-{units['HV'].pk} unit-row-{units['OU'].pk}",
    )
    # HV's rows are not on the page: the script fetches them; no aria-controls yet.
    assert toggle(page, units["HV"]) == ("false", None)
    assert 'data-rows-url="/dashboard/rows/HV/?granularity=tertial&amp;period=2024-T2"' in page
    # Without JavaScript, a link opens HV (the top row is always open).
    assert toggle_link(page, units["HV"]) == (
        f"?granularity=tertial&period=2024-T2&open=HV#unit-row-{units['HV'].pk}"
    )
    assert toggle_link(page, units["K"]) is None


def test_units_open_without_javascript_through_links(hr_client, units):
    page = hr_client.get(URL, {"open": "HV"}).content.decode()

    assert unit_rows(page) == ["K", "HV", "SH", "OU"]
    assert toggle(page, units["HV"]) == ("true", f"unit-row-{units['SH'].pk}")
    assert toggle(page, units["SH"]) == ("false", None)
    # SH's link opens it too; HV's closes HV (and everything below it).
    assert toggle_link(page, units["SH"]) == (
        f"?granularity=tertial&period=2024-T2&open=HV%2CSH#unit-row-{units['SH'].pk}"
    )
    assert toggle_link(page, units["HV"]) == (
        f"?granularity=tertial&period=2024-T2#unit-row-{units['HV'].pk}"
    )
    # The form keeps the open units when the period changes.
    assertInHTML('<input type="hidden" name="open" value="HV">', page)

    page = hr_client.get(URL, {"open": "HV,SH"}).content.decode()

    assert unit_rows(page) == ["K", "HV", "SH", "SH1", "OU"]
    assert toggle_link(page, units["HV"]) == (
        f"?granularity=tertial&period=2024-T2#unit-row-{units['HV'].pk}"
    )
    # A unit whose parent is closed stays off the page; unknown codes are ignored.
    page = hr_client.get(URL, {"open": ["SH", "NOPE"]}).content.decode()

    assert unit_rows(page) == ["K", "HV", "OU"]


def test_show_all_levels_works_without_javascript(hr_client, units):
    page = hr_client.get(URL, {"expand": "all"}).content.decode()

    assert " hidden>" not in re.sub(r"<button[^>]*>", "", page)
    assert [toggle(page, units[code])[0] for code in ["K", "HV", "SH", "OU"]] == ["true"] * 4
    assert toggle(page, units["SH"]) == ("true", f"unit-row-{units['SH1'].pk}")
    assert "data-tree-link" not in page
    assertInHTML('<input type="hidden" name="expand" value="all">', page)


def test_a_leader_sees_only_the_units_they_lead(leader_client, units):
    page = leader_client.get(URL).content.decode()

    assert unit_rows(page) == ["SH", "SH1"]
    assert "Helse og velferd" not in page
    assert "Oppvekst" not in page
    # No service area is visible to them, so there is nothing to filter by.
    assert 'name="area"' not in page


@pytest.mark.parametrize("code", ["HV", "OU", "K", "SK"])
def test_a_leader_gets_403_for_units_outside_their_subtree(leader_client, units, code):
    for url in [URL, "/dashboard/export.csv", "/dashboard/export.xlsx"]:
        assert leader_client.get(url, {"area": code}).status_code == 403


def test_a_leader_may_narrow_to_a_unit_of_their_own(leader_client, units):
    page = leader_client.get(URL, {"area": "SH1"}).content.decode()

    assert unit_rows(page) == ["SH1"]


def test_an_unknown_area_is_404(hr_client):
    assert hr_client.get(URL, {"area": "NOPE"}).status_code == 404


def test_the_service_area_filter_shows_one_subtree(hr_client, units):
    page = hr_client.get(URL, {"area": "HV", "expand": "all"}).content.decode()

    assert unit_rows(page) == ["HV", "SH", "SH1"]
    page = hr_client.get(URL, {"area": "HV"}).content.decode()
    assert unit_rows(page) == ["HV", "SH"]
    assertInHTML('<option value="HV" selected>Helse og velferd</option>', page)
    # The area is the top of the view: its children are shown.
    assert f'<tr id="unit-row-{units["SH"].pk}">' in page


def test_cells_show_value_status_target_and_trend(hr_client, units):
    page = hr_client.get(URL, {"open": "OU"}).content.decode()

    # Sykefravær, Langtidsfravær, Antall ansatte come first (Indicator.order).
    assert cells(page, units["K"])[:3] == [
        "6,7 % ✗ Ikke nådd mål < 6 % → i fjor 6,7 % uendret fra 6,7 % i fjor",
        "6,7 % – Ingen mål → i fjor 6,7 % uendret fra 6,7 % i fjor",
        "15 – Ingen mål → i fjor 15 uendret fra 15 i fjor",
    ]
    assert cells(page, units["HV"])[0] == (
        "11,1 % ● Nær mål < 11 % ↑ i fjor 0,0 % opp fra 0,0 % i fjor"
    )
    assert cells(page, units["SK"])[0] == (
        "0,0 % ✓ Nådd mål < 6 % ↓ i fjor 16,7 % ned fra 16,7 % i fjor"
    )


def test_status_is_text_and_icon_not_colour_alone(hr_client, units):
    page = hr_client.get(URL).content.decode()

    assertInHTML(
        '<span class="status status-near"><span aria-hidden="true">●</span> Nær</span>', page
    )
    assertInHTML(
        '<span class="status status-missed"><span aria-hidden="true">✗</span> Ikke nådd</span>',
        page,
    )
    assertInHTML(
        '<span class="status status-met"><span aria-hidden="true">✓</span> Nådd</span>', page
    )


def test_suppressed_cells_say_so_and_show_no_number(hr_client, units, settings):
    settings.SUPPRESSION_MIN_PERSONS = 5

    page = hr_client.get(URL, {"expand": "all"}).content.decode()

    sh1 = cells(page, units["SH1"])
    assert sh1[0] == "Skjult (under 5 personer)"
    assert sh1[2] == "3 – Ingen mål → i fjor 3 uendret fra 3 i fjor"  # counts are never hidden
    # Turnus share: no shift-based unit below SH1, so no value at all.
    assert sh1[4] == "Ingen verdi"


def test_the_default_period_is_the_latest_stored_tertial(hr_client):
    page = hr_client.get(URL).content.decode()

    assertInHTML('<option value="tertial" selected>Tertial</option>', page)
    assertInHTML('<option value="2024-T2" selected>2. tertial 2024</option>', page)
    assert "Nøkkelindikatorer per enhet, 2. tertial 2024." in page


@pytest.mark.parametrize(
    ("params", "selected", "name"),
    [
        ({"granularity": "month"}, "2024-08", "August 2024"),
        ({"granularity": "year"}, "2023", "2023"),  # 2024 has not ended
        ({"granularity": "tertial", "period": "2023-T3"}, "2023-T3", "3. tertial 2023"),
        # A period of another granularity (the form sent the old one): the latest.
        ({"granularity": "month", "period": "2024-T2"}, "2024-08", "August 2024"),
        ({"granularity": "decade"}, "2024-T2", "2. tertial 2024"),
    ],
)
def test_the_period_selector(hr_client, params, selected, name):
    page = hr_client.get(URL, params).content.decode()

    assertInHTML(f'<option value="{selected}" selected>{name}</option>', page)
    assert f"Nøkkelindikatorer per enhet, {name}." in page


def test_an_earlier_period_compares_with_its_own_last_year(hr_client, units):
    page = hr_client.get(URL, {"period": "2023-T2", "open": "OU"}).content.decode()

    # 2022 has no values: no arrow.
    assert cells(page, units["SK"])[0] == "16,7 % ✗ Ikke nådd mål < 6 %"


def test_hr_gets_a_link_to_the_tertial_report_and_a_leader_does_not(
    hr_client, client, django_user_model, units
):
    assert '<a href="/reports/2024/T2/">' in hr_client.get(URL).content.decode()
    assert '<a href="/reports/2024/T2/">' in (
        hr_client.get(URL, {"granularity": "month", "period": "2024-05"}).content.decode()
    )
    leader = user_with_role(django_user_model, "leader-2", roles.LEADER, units["HV"])
    client.force_login(leader)
    assert "/reports/" not in client.get(URL).content.decode()


def test_goals_of_the_active_strategy_with_their_indicators_for_the_top_unit(hr_client, units):
    strategies_load_seeded()
    indicators_load_seeded()
    # Goal 5 followed by no indicator.
    Indicator.goals.through.objects.filter(goal__number=5).delete()
    Indicator.sub_measures.through.objects.filter(submeasure__goal__number=5).delete()

    page = hr_client.get(URL).content.decode()

    assert "Strategiens mål: Kommunen" in page
    goal_3 = page.split("Mål 3: Øke arbeidsdeltakelsen")[1].split("<h3")[0]
    assert text_of(goal_3).startswith(
        "Sykefravær: 6,7 % ✗ Ikke nådd mål < 6 % Korttidsfravær (1–16 dager): 0,0 % – Ingen mål"
    )
    goal_1 = page.split("Mål 1: Ta i bruk, videreutvikle og beholde kompetanse")[1].split("<h3")[0]
    assert text_of(goal_1).startswith("Turnover: 0,0 % – Ingen mål")
    goal_5 = page.split("Mål 5: Bygge gode arbeidsfellesskap")[1].split("</section>")[0]
    assert text_of(goal_5) == "Ingen indikator følger dette målet ennå."


def test_a_leaders_goal_section_is_for_their_own_unit(leader_client, units):
    strategies_load_seeded()
    indicators_load_seeded()

    page = leader_client.get(URL).content.decode()

    assert "Strategiens mål: Sykehjemmet" in page
    assert "Sykefravær: 11,1 % ● Nær mål < 11 %" in text_of(page)


def test_plan_coverage_shows_plans_and_submitted_reports_of_the_shown_units(hr_client, units):
    from tests.plans.report_helpers import plan_with_action, submitted_report

    plan_with_action(units["HV"], 2024)
    submitted_report(units["HV"], 2024, 2)
    TertialReport.objects.create(unit=units["OU"], year=2024, tertial=2)

    page = hr_client.get(URL).content.decode()

    section = page.split('<h2 id="plans-heading">')[1].split("</section>")[0]
    rows = re.findall(r'<tr id="coverage-row-\d+">(.*?)</tr>', section, re.DOTALL)
    assert [text_of(row) for row in rows] == [
        "Kommunen ✗ Ingen plan ✗ Ikke påbegynt",
        "Helse og velferd ✓ Har plan ✓ Sendt inn, venter på gjennomgang",
        "Oppvekst ✗ Ingen plan ✎ Utkast",
    ]
    assert "Handlingsplan 2024" in section
    assert "Tertialrapport 2024-T2" in section


def test_units_link_to_their_unit_page(hr_client):
    page = hr_client.get(URL, {"open": "HV"}).content.decode()

    assertInHTML('<a href="/units/SH/">Sykehjemmet</a>', page)


# --- The rows below a unit (fetched by the tree's script) ------------------------------


def rows_url(code: str) -> str:
    return reverse("dashboards:dashboard-rows", args=[code])


def test_the_rows_below_a_unit_are_a_fragment_like_the_pages_rows(hr_client, units, settings):
    settings.SUPPRESSION_MIN_PERSONS = 5
    assert rows_url("HV") == "/dashboard/rows/HV/"

    response = hr_client.get(rows_url("HV"), {"granularity": "tertial", "period": "2024-T2"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    fragment = response.content.decode()
    assert fragment.lstrip().startswith("<tr")
    assert unit_rows(fragment) == ["SH"]
    assert 'data-depth="2"' in fragment
    assert toggle(fragment, units["SH"]) == ("false", None)
    assert 'data-rows-url="/dashboard/rows/SH/?granularity=tertial&amp;period=2024-T2"' in (
        fragment
    )
    assert toggle_link(fragment, units["SH"]) == (
        f"?granularity=tertial&period=2024-T2&open=HV%2CSH#unit-row-{units['SH'].pk}"
    )
    page = hr_client.get(URL, {"expand": "all"}).content.decode()
    assert cells(fragment, units["SH"]) == cells(page, units["SH"])
    below_sh = hr_client.get(rows_url("SH")).content.decode()
    assert unit_rows(below_sh) == ["SH1"]
    assert cells(below_sh, units["SH1"])[0] == "Skjult (under 5 personer)"
    assert hr_client.get(rows_url("SH1")).content.decode().strip() == ""  # a leaf


def test_the_rows_follow_the_period(hr_client, units):
    fragment = hr_client.get(rows_url("OU"), {"period": "2023-T2"}).content.decode()

    assert cells(fragment, units["SK"])[0] == "16,7 % ✗ Ikke nådd mål < 6 %"


def test_a_leader_may_open_only_units_in_their_subtree(leader_client, units):
    assert unit_rows(leader_client.get(rows_url("SH")).content.decode()) == ["SH1"]
    for code in ["K", "HV", "OU", "SK"]:
        assert leader_client.get(rows_url(code)).status_code == 403
    assert leader_client.get(rows_url("NOPE")).status_code == 404
    assert leader_client.get(rows_url("SH"), {"area": "HV"}).status_code == 403


def test_a_unit_outside_the_chosen_area_is_404(hr_client, units):
    assert hr_client.get(rows_url("SH"), {"area": "OU"}).status_code == 404
    assert hr_client.get(rows_url("SH"), {"area": "NOPE"}).status_code == 404
    assert unit_rows(hr_client.get(rows_url("SH"), {"area": "HV"}).content.decode()) == ["SH1"]


def test_the_rows_are_refused_to_anonymous_users_and_representatives(
    client, django_user_model, units
):
    response = client.get(rows_url("HV"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    client.force_login(user_with_role(django_user_model, "rep", roles.REPRESENTATIVE, units["SH"]))
    assert client.get(rows_url("SH")).status_code == 403


def test_without_stored_values_the_page_says_so(client, django_user_model):
    client.force_login(user_with_role(django_user_model, "hr-user", roles.HR))

    page = client.get(URL).content.decode()

    assert "Ingen indikatorverdier er lagret for enhetene dine ennå." in page
    assertInHTML('<option value="">Ingen lagrede verdier</option>', page)


def test_the_navigation_links_the_dashboard_for_those_who_may_see_it(
    client, django_user_model, units
):
    link = '<a class="nav-link" href="/dashboard/">Dashbord</a>'
    client.force_login(user_with_role(django_user_model, "hr-user", roles.HR))
    assertInHTML(link, client.get("/").content.decode())
    client.force_login(user_with_role(django_user_model, "leader", roles.LEADER, units["SK"]))
    assertInHTML(link, client.get("/").content.decode())
    client.force_login(user_with_role(django_user_model, "rep", roles.REPRESENTATIVE, units["SK"]))
    assert "/dashboard/" not in client.get("/").content.decode()


# --- Query bounds ----------------------------------------------------------------------


@pytest.mark.parametrize("extra_departments", [0, 34])
def test_hr_dashboard_queries_do_not_grow_with_the_tree(
    client, django_user_model, django_assert_max_num_queries, extra_departments
):
    build_municipality(extra_departments=extra_departments)
    strategies_load_seeded()
    indicators_load_seeded()
    assert OrgUnit.objects.count() == 6 + extra_departments
    client.force_login(user_with_role(django_user_model, "hr-user", roles.HR))

    with django_assert_max_num_queries(QUERIES_HR):
        response = client.get(URL, {"expand": "all"})

    assert len(unit_rows(response.content.decode())) == 6 + extra_departments


@pytest.mark.parametrize("extra_departments", [0, 34])
def test_leader_dashboard_and_export_queries_do_not_grow_with_the_tree(
    client, django_user_model, django_assert_max_num_queries, extra_departments
):
    units = build_municipality(extra_departments=extra_departments)
    strategies_load_seeded()
    indicators_load_seeded()
    client.force_login(user_with_role(django_user_model, "leader", roles.LEADER, units["OU"]))

    with django_assert_max_num_queries(QUERIES_LEADER):
        response = client.get(URL, {"area": "SK"})
    with django_assert_max_num_queries(QUERIES_EXPORT):
        client.get("/dashboard/export.csv", {"area": "SK"})

    assert len(unit_rows(response.content.decode())) == 1 + extra_departments


@pytest.mark.parametrize("extra_departments", [1, 34])
def test_the_rows_below_a_unit_need_the_same_queries_whatever_their_number(
    client, django_user_model, django_assert_max_num_queries, extra_departments
):
    build_municipality(extra_departments=extra_departments)
    client.force_login(user_with_role(django_user_model, "hr-user", roles.HR))

    with django_assert_max_num_queries(QUERIES_ROWS):
        response = client.get("/dashboard/rows/SK/")

    assert len(unit_rows(response.content.decode())) == extra_departments


# A first request (nothing cached): session and user 2, access 2–4, nav 1–2, the data
# version 2, periods 2, service areas 1, the dashboard 6 (units, indicators, values,
# last year's values, targets, ancestors), the goals 6, plan coverage 2 (plans,
# reports). The rows below a unit: the unit, the path above it, and the dashboard's.
# Each includes the one insert of the health-data access log. HR's pages also ask for
# the owed recomputes (the notice of figures not up to date): 1.
QUERIES_HR = 24
QUERIES_LEADER = 26
QUERIES_EXPORT = 18
QUERIES_ROWS = 17


# --- Exports ---------------------------------------------------------------------------

HEADER = (
    "unit,unit_name,level,indicator,indicator_name,period,value,n_persons,suppressed,"
    "target,status,last_year_value"
)


def test_csv_export_has_one_row_per_unit_and_indicator_of_the_view(leader_client, settings):
    settings.SUPPRESSION_MIN_PERSONS = 5

    response = leader_client.get("/dashboard/export.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="dashboard-2024-T2.csv"'
    lines = response.content.decode().splitlines()
    assert lines[0] == HEADER
    assert len(lines) == 1 + 2 * 7
    assert lines[1] == (
        "SH,Sykehjemmet,virksomhet,sick_leave_pct,Sykefravær,2024-T2,11.11111111111111,9,false,"
        "11,near,0"
    )
    assert "SH1,Avdeling 1,avdeling,sick_leave_pct,Sykefravær,2024-T2,,,true,11,none," in lines
    assert (
        "SH1,Avdeling 1,avdeling,full_time_share_shift,Andel heltidsansatte i turnus,2024-T2,"
        ",,false,,none,"
    ) in lines


def test_csv_export_uses_the_same_filters_as_the_page(hr_client):
    response = hr_client.get(
        "/dashboard/export.csv", {"granularity": "year", "period": "2023", "area": "OU"}
    )

    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response["Content-Disposition"] == 'attachment; filename="dashboard-2023-OU.csv"'
    assert {(r["unit"], r["period"]) for r in rows} == {("OU", "2023"), ("SK", "2023")}
    sick = next(r for r in rows if r["unit"] == "SK" and r["indicator"] == "sick_leave_pct")
    # One of six persons sick for one tertial of the year: about 5.5 %.
    assert (sick["target"], sick["status"], sick["last_year_value"]) == ("6", "met", "")


def test_xlsx_export_holds_the_same_rows_as_numbers(hr_client):
    response = hr_client.get("/dashboard/export.xlsx", {"area": "HV"})

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="dashboard-2024-T2-HV.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(HEADER.split(","))
    assert len(rows) == 1 + 3 * 7
    assert rows[1] == (
        "HV",
        "Helse og velferd",
        "tjenesteomrade",
        "sick_leave_pct",
        "Sykefravær",
        "2024-T2",
        pytest.approx(100 / 9),
        9,
        False,
        11,
        "near",
        0,
    )


def test_exports_without_stored_values_have_only_the_header(client, django_user_model):
    client.force_login(user_with_role(django_user_model, "hr-user", roles.HR))

    assert client.get("/dashboard/export.csv").content.decode() == HEADER + "\n"
    sheet = load_workbook(io.BytesIO(client.get("/dashboard/export.xlsx").content)).active
    assert list(sheet.iter_rows(values_only=True)) == [tuple(HEADER.split(","))]
