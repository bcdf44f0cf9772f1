"""The council report's page and its access: /reports/<year>/T<n>/ and /reports/<year>/.

HR only, as before; the downloads (PDF, DOCX) follow the same rule. The files are read
back in ``test_council_report_files``.
"""

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from measures.models import HealthDataAccess
from org import roles
from org.models import OrgUnit
from tests.factories import user_with_role

from .council_data import (
    ACTION,
    AREA_SUMMARY,
    DRAFT_MARKER,
    MARKER,
    SUPPRESSED_FIGURE,
    UNIT_SUMMARY,
    build_council_round,
)
from .dashboard_data import build_municipality
from .test_dashboard import text_of

pytestmark = pytest.mark.django_db

URL = "/reports/2024/T2/"
EVERY_URL = [
    URL,
    "/reports/2024/T2.pdf",
    "/reports/2024/T2.docx",
    "/reports/2024/",
    "/reports/2024.pdf",
    "/reports/2024.docx",
]


def sections(page: str) -> list[str]:
    """The report's sections (each prints on a page of its own)."""
    return re.findall(r'<section class="report-page[^"]*"[^>]*>(.*?)</section>', page, re.DOTALL)


def table_rows(fragment: str) -> list[str]:
    """The text of each body row of the tables in ``fragment``."""
    bodies = "".join(re.findall(r"<tbody>(.*?)</tbody>", fragment, re.DOTALL))
    return [text_of(row) for row in re.findall(r"<tr>(.*?)</tr>", bodies, re.DOTALL)]


@pytest.fixture
def council(client):
    units = build_council_round()
    client.force_login(user_with_role("hr-council", roles.HR))
    return units


def test_the_urls():
    assert [
        reverse("dashboards:tertial-report", args=[2024, 2]),
        reverse("dashboards:tertial-report-pdf", args=[2024, 2]),
        reverse("dashboards:tertial-report-docx", args=[2024, 2]),
        reverse("dashboards:year-report", args=[2024]),
        reverse("dashboards:year-report-pdf", args=[2024]),
        reverse("dashboards:year-report-docx", args=[2024]),
    ] == EVERY_URL


@pytest.mark.parametrize("url", EVERY_URL)
def test_anonymous_users_are_sent_to_the_login_page(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


@pytest.mark.parametrize("role", [roles.LEADER, roles.REPRESENTATIVE])
@pytest.mark.parametrize("url", EVERY_URL)
def test_only_hr_may_see_the_report_or_download_it(client, units, role, url):
    # A leader of one unit (or a representative covering it) is refused the page and
    # its files alike, and nothing is logged as an access to health data.
    client.force_login(user_with_role("someone", role, units["SH"]))

    response = client.get(url)

    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert not HealthDataAccess.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "/reports/2024/T4/",
        "/reports/2024/T0/",
        "/reports/0/T1/",
        "/reports/0/",
        "/reports/2024/T4.pdf",
        "/reports/2024/T0.docx",
        "/reports/0.pdf",
        "/reports/10000.docx",
    ],
)
def test_a_tertial_or_year_that_does_not_exist_is_404(hr_client, url):
    assert hr_client.get(url).status_code == 404


def test_the_page_has_the_front_page_one_section_per_area_and_the_method(client, council):
    response = client.get(URL)

    page = response.content.decode()
    assert response["Cache-Control"] == "no-store, private"
    front, *areas, method = sections(page)
    assert '<h1 id="report-heading">Tertialrapport: 2. tertial 2024</h1>' in page
    assert "Kommunen: status per mål" in front
    assert [re.search(r"<h2[^>]*>(.*?)</h2>", area)[1] for area in areas] == [
        "Helse og velferd",
        "Oppvekst",
    ]
    assert ">Metode</h2>" in method
    assert "Vern av små grupper" in method
    assert "Et tall som bygger på færre enn 5 personer vises aldri" in method


def test_the_front_page_has_the_status_per_goal_and_the_plans(client, council):
    front = sections(client.get(URL).content.decode())[0]

    rows = table_rows(front)
    # Goals: met, near, not met, no status, actions of the year.
    assert rows[2] == "3. Øke arbeidsdeltakelsen 0 0 1 9 2"
    assert "Sykefravær 11,1 % < 6 % ✗ Ikke nådd 5,6 % ↑ Dårligere enn i fjor" in rows
    assert "Turnover 0,0 % – – Ingen mål 0,0 % → Som i fjor" in rows
    assert "Enheter med handlingsplan for 2024: 2 av 4 (50 %)." in front
    # Two units have a plan, and no representative has confirmed one yet.
    assert "Enheter der tillitsvalgte har bekreftet planen: 0\xa0%." in front


def test_each_area_has_indicators_chart_summary_comments_and_plans(client, council):
    health, schools = sections(client.get(URL).content.decode())[1:3]

    assert "Sykefravær 11,1 % < 11 % ● Nær 0,0 % ↑ Dårligere enn i fjor" in table_rows(health)
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="council-chart"' in health
    assert "Sykehjemmet 11,1 % ● Nær" in table_rows(health)
    assert AREA_SUMMARY in health
    assert MARKER in health
    assert ACTION in health
    assert "Enheter med handlingsplan for 2024: 1 av 2 (50 %)." in health
    # Oppvekst has no area summary: its units' summaries stand in for it.
    assert UNIT_SUMMARY in schools
    assert "Barnehagen Skjult (under 5 personer) – Ingen status" in table_rows(schools)
    assert "Ingen tiltak, fordi: Enkeltstående langtidsfravær" in schools


def test_the_page_shows_no_suppressed_figure_and_no_draft(client, council):
    page = client.get(URL).content.decode()

    assert SUPPRESSED_FIGURE not in page
    assert DRAFT_MARKER not in page
    assert "Skjult (under 5 personer)" in page


def test_the_page_links_to_its_files_and_back_to_the_dashboard(client, council):
    page = client.get(URL).content.decode()

    assert 'href="/reports/2024/T2.pdf" download>Last ned som PDF</a>' in page
    assert 'href="/reports/2024/T2.docx" download>Last ned som Word (DOCX)</a>' in page
    assert '<a href="/dashboard/?granularity=tertial&amp;period=2024-T2">' in page
    assert '<a href="/reports/2024/">Årsrapporten 2024</a>' in page
    assert "data-print hidden>Skriv ut</button>" in page


def test_the_year_page_has_the_years_values_and_every_rounds_texts(client, council):
    page = client.get("/reports/2024/").content.decode()

    assert '<h1 id="report-heading">Årsrapport 2024</h1>' in page
    assert 'href="/reports/2024.pdf"' in page and 'href="/reports/2024.docx"' in page
    assert '<a href="/dashboard/?granularity=year&amp;period=2024">' in page
    assert "<h4>2. tertial 2024</h4>" in page  # the area summaries per round
    assert "<h4>1. tertial 2024</h4>" in page
    assert MARKER in page
    assert ">2023</th>" in page  # last year's column
    assert SUPPRESSED_FIGURE not in page


def test_a_period_without_values_says_so(hr_client):
    page = hr_client.get("/reports/2021/T1/").content.decode()

    assert "Ingen indikatorverdier er lagret for denne perioden." in page


def test_the_page_is_logged_as_an_access_to_health_data(client, council):
    client.get(URL)

    record = HealthDataAccess.objects.get()
    assert (record.route, record.path, record.user.username) == ("page", URL, "hr-council")


@pytest.mark.parametrize("extra_departments", [0, 34])
def test_report_queries_do_not_grow_with_the_tree(
    client, django_assert_max_num_queries, extra_departments
):
    build_municipality(extra_departments=extra_departments)
    client.force_login(user_with_role("hr-user", roles.HR))

    with django_assert_max_num_queries(30):
        page = client.get(URL).content.decode()

    schools = sections(page)[2]
    assert "Sykefravær per enhet i Oppvekst" in schools
    assert OrgUnit.objects.count() == 6 + extra_departments


def test_the_report_prints_upright_on_a4_one_section_per_page():
    css = Path(finders.find("css/dashboard.css")).read_text(encoding="utf-8")

    assert "@page {\n  size: A4;\n" in css
    print_rules = css.split("@media print")[1]
    assert ".report-page {\n    break-after: page;" in print_rules
