"""The council's tertial report at /reports/<year>/T<n>/: HR only, one page per area."""

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from org import roles
from org.models import OrgUnit

from .dashboard_data import build_municipality, user_with_role
from .test_dashboard import text_of

pytestmark = pytest.mark.django_db

URL = "/reports/2024/T2/"


def sections(page: str) -> list[str]:
    """The report's pages (sections that print on their own page)."""
    return re.findall(r'<section class="report-page"[^>]*>(.*?)</section>', page, re.DOTALL)


def table_rows(fragment: str) -> list[str]:
    """The text of each body row of the tables in ``fragment``."""
    bodies = "".join(re.findall(r"<tbody>(.*?)</tbody>", fragment, re.DOTALL))
    return [text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", bodies, re.DOTALL)]


def test_the_url():
    assert reverse("dashboards:tertial-report", args=[2024, 2]) == URL


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={URL}"


@pytest.mark.parametrize("role", [roles.LEADER, roles.REPRESENTATIVE])
def test_only_hr_may_see_the_report(client, django_user_model, units, role):
    client.force_login(user_with_role(django_user_model, "someone", role, units["K"]))

    assert client.get(URL).status_code == 403


@pytest.mark.parametrize("url", ["/reports/2024/T4/", "/reports/2024/T0/", "/reports/0/T1/"])
def test_a_tertial_that_does_not_exist_is_404(hr_client, url):
    assert hr_client.get(url).status_code == 404


def test_the_summary_comes_first_then_one_page_per_service_area(hr_client):
    page = hr_client.get(URL).content.decode()

    summary, *areas = sections(page)
    assert '<h1 id="report-heading">Tertialrapport: 2. tertial 2024</h1>' in summary
    assert [re.search(r"<h2[^>]*>(.*?)</h2>", area)[1] for area in areas] == [
        "Helse og velferd",
        "Oppvekst",
    ]


def test_the_summary_has_the_municipalitys_values_targets_and_status(hr_client):
    summary = sections(hr_client.get(URL).content.decode())[0]

    assert "<h2>Sammendrag: Kommunen</h2>" in summary
    rows = table_rows(summary)
    assert rows[:3] == [
        "Sykefravær 6,7 % < 6 % ✗ Ikke nådd 6,7 %",
        "Langtidsfravær (over 16 dager) 6,7 % – – Ingen mål 6,7 %",
        "Antall ansatte 15 – – Ingen mål 15",
    ]
    # How many units below the municipality have each status (met, near, missed, none).
    assert rows[7] == "Sykefravær 2 2 0 1"
    assert rows[8] == "Langtidsfravær (over 16 dager) 0 0 0 5"


def test_each_area_page_has_its_units_with_target_and_status(hr_client, settings):
    settings.SUPPRESSION_MIN_PERSONS = 5

    health, schools = sections(hr_client.get(URL).content.decode())[1:]

    assert ">Status per enhet i Helse og velferd, 2. tertial 2024</caption>" in health
    rows = table_rows(health)
    assert [row.split(" Tjenesteområde")[0].split(" Virksomhet")[0] for row in rows][:2] == [
        "Helse og velferd",
        "Sykehjemmet",
    ]
    assert rows[0].startswith(
        "Helse og velferd Tjenesteområde 11,1 % ● Nær mål < 11 % ↑ i fjor 0,0 % "
        "opp fra 0,0 % i fjor"
    )
    assert rows[2].startswith("Avdeling 1 Avdeling Skjult (under 5 personer)")
    assert len(rows) == 3
    assert [row.split(" ")[0] for row in table_rows(schools)] == ["Oppvekst", "Skolen"]


def test_the_report_prints_one_page_per_area():
    css = Path(finders.find("css/dashboard.css")).read_text(encoding="utf-8")

    print_rules = css.split("@media print")[1]
    assert ".report-page {\n    break-after: page;" in print_rules


def test_the_report_links_back_to_the_dashboard_and_offers_printing(hr_client):
    page = hr_client.get(URL).content.decode()

    assert '<a href="/dashboard/?granularity=tertial&amp;period=2024-T2">' in page
    assert "data-print hidden>Skriv ut</button>" in page


def test_a_tertial_without_values_says_so(hr_client):
    page = hr_client.get("/reports/2021/T1/").content.decode()

    assert "Ingen indikatorverdier er lagret for dette tertialet." in page
    assert len(sections(page)) == 1


@pytest.mark.parametrize("extra_departments", [0, 34])
def test_report_queries_do_not_grow_with_the_tree(
    client, django_user_model, django_assert_max_num_queries, extra_departments
):
    build_municipality(extra_departments=extra_departments)
    client.force_login(user_with_role(django_user_model, "hr-user", roles.HR))

    with django_assert_max_num_queries(12):
        page = client.get(URL).content.decode()

    assert len(table_rows(sections(page)[2])) == 2 + extra_departments
    assert OrgUnit.objects.count() == 6 + extra_departments


def test_each_area_page_charts_its_units_sick_leave_against_the_areas_target(hr_client, units):
    page = hr_client.get(URL).content.decode()

    island = re.search(
        rf'<script id="report-chart-{units["HV"].pk}" type="application/json">(.*?)</script>',
        page,
        re.DOTALL,
    )
    chart = json.loads(island.group(1))
    assert (chart["kind"], chart["labels"], chart["target"]) == ("bars", ["Sykehjemmet"], 11)
    assert len(chart["values"]) == 1
    assert "vendor/chartjs/chart.umd.min.js" in page
