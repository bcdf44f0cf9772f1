"""«Alt henger sammen» /dashboard/sammenheng/: correlation, withheld units, access."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.formats import number_format

from dashboards.projection import pearson
from measures.models import IndicatorValue
from org import roles

from .unit_data import build_workplaces, user_with_role

pytestmark = pytest.mark.django_db
URL = "/dashboard/sammenheng/"


@pytest.fixture
def workplaces():
    build_workplaces()


@pytest.fixture
def hr_client(client, django_user_model):
    client.force_login(user_with_role(django_user_model, "hr-user", roles.HR))
    return client


def table_units(html: str) -> list[str]:
    table = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return re.findall(r'<a href="/units/[^/]+/">([^<]+)</a>', table)


def year_value(slug: str, code: str) -> float:
    return IndicatorValue.objects.get(indicator__slug=slug, unit__code=code, period="2024").value


def test_the_url_is_dashboard_sammenheng():
    assert reverse("dashboards:sammenheng") == URL


def test_hr_sees_the_correlation_of_the_shown_units_and_how_many_were_left_out(
    hr_client, workplaces
):
    codes = ["V1", "V2", "V3", "V4"]
    r = pearson(
        [year_value("full_time_share", c) for c in codes],
        [year_value("sick_leave_pct", c) for c in codes],
    )
    assert r < -0.5  # the data is built that way
    with translation.override("nb"):
        shown = number_format(r, decimal_pos=2)

    html = hr_client.get(URL).content.decode()

    assert "<h1>Alt henger sammen</h1>" in html
    assert '<option value="2024" selected>' in html  # the latest complete year
    assert f"Det er en sterk negativ sammenheng (r = {shown}, n = 4 enheter)." in html
    assert "Enheter med høyere heltidsandel har gjerne lavere sykefravær." in html
    assert "1 enhet utelatt fordi tallene er skjult." in html
    assert table_units(html) == ["Virksomhet 1", "Virksomhet 2", "Virksomhet 3", "Virksomhet 4"]
    assert "Virksomhet 5" not in html
    assert '<script id="chart-data-sammenheng" type="application/json">' in html


def test_a_tertial_can_be_chosen(hr_client, workplaces):
    html = hr_client.get(URL, {"period": "2024-T1", "level": "virksomhet"}).content.decode()

    assert '<option value="2024-T1" selected>' in html
    assert "Heltidsandel og sykefravær, 2024-T1" in html


def test_the_department_level_has_too_few_units_here(hr_client, workplaces):
    html = hr_client.get(URL, {"level": "avdeling"}).content.decode()

    assert '<option value="avdeling" selected>' in html
    assert "For få enheter med synlige tall til å beregne en sammenheng (minst 3 trengs)." in html


def test_a_leader_sees_only_their_own_units(client, django_user_model, workplaces):
    client.force_login(user_with_role(django_user_model, "leder-v2", roles.LEADER, "V2"))

    html = client.get(URL).content.decode()

    assert table_units(html) == ["Virksomhet 2"]
    assert "Virksomhet 1" not in html
    assert "For få enheter med synlige tall" in html


def test_representatives_are_refused_and_anonymous_users_sent_to_log_in(
    client, django_user_model, workplaces
):
    response = client.get(URL)
    assert (response.status_code, response["Location"]) == (
        302,
        "/accounts/login/?next=/dashboard/sammenheng/",
    )

    client.force_login(user_with_role(django_user_model, "tv", roles.REPRESENTATIVE, "V1"))
    assert client.get(URL).status_code == 403


def test_without_values_the_page_says_so(hr_client):
    html = hr_client.get(URL).content.decode()

    assert "Ingen verdier ennå." in html


def test_the_page_needs_a_fixed_number_of_queries(
    hr_client, workplaces, django_assert_max_num_queries
):
    with django_assert_max_num_queries(9):
        response = hr_client.get(URL)

    assert response.status_code == 200
