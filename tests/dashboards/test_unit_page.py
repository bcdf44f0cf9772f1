"""The unit page /units/<code>/: access, targets and status, ranking, projection, queries."""

import re

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from dashboards.projection import Outcome, project_target
from measures.models import IndicatorValue
from measures.services import indicators_ensure, target_save
from org import roles
from org.models import OrgUnit

from .unit_data import build_unit_tree, user_with_role

pytestmark = pytest.mark.django_db


def url(code: str) -> str:
    return reverse("dashboards:unit-detail", kwargs={"code": code})


@pytest.fixture
def tree():
    build_unit_tree(children=3, months=12)


@pytest.fixture
def hr_client(client, django_user_model):
    client.force_login(user_with_role(django_user_model, "hr-user", roles.HR))
    return client


def monthly_values(slug: str, code: str) -> list[IndicatorValue]:
    return list(
        IndicatorValue.objects.filter(
            indicator__slug=slug, unit__code=code, granularity="month"
        ).order_by("period_start")
    )


def ranking_order(html: str) -> list[str]:
    """The unit names of the ranking table, top to bottom."""
    table = html.split('id="underenheter"', 1)[1].split("</table>", 1)[0]
    return re.findall(r'<a href="/units/[^/]+/">([^<]+)</a>', table)


def test_the_url_is_units_code():
    assert url("A1") == "/units/A1/"


def test_anonymous_users_are_sent_to_the_login_page(client, tree):
    response = client.get(url("A"))

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/units/A/"


def test_hr_sees_every_unit(hr_client, tree):
    assert [hr_client.get(url(code)).status_code for code in ["K", "A", "A3", "B"]] == [200] * 4


def test_a_leader_sees_their_unit_and_below_and_nothing_else(client, django_user_model, tree):
    client.force_login(user_with_role(django_user_model, "leder-a", roles.LEADER, "A"))

    assert [client.get(url(code)).status_code for code in ["A", "A1", "A3"]] == [200] * 3
    assert [client.get(url(code)).status_code for code in ["K", "B"]] == [403, 403]


def test_a_leaders_breadcrumb_links_only_units_they_may_see(client, django_user_model, tree):
    client.force_login(user_with_role(django_user_model, "leder-a", roles.LEADER, "A"))

    html = client.get(url("A1")).content.decode()

    assert '<a href="/units/A/">Alfa</a>' in html
    assert 'href="/units/K/"' not in html
    assert "Kommunen" in html
    assert '<li class="breadcrumb-item active" aria-current="page">Avd 1</li>' in html


@pytest.mark.parametrize("role", [roles.REPRESENTATIVE, roles.LEADER])
def test_representatives_and_unassigned_users_are_refused(client, django_user_model, tree, role):
    # A representative of A, and a leader without any unit.
    unit = "A" if role == roles.REPRESENTATIVE else None
    client.force_login(user_with_role(django_user_model, "someone", role, unit))

    assert client.get(url("A")).status_code == 403
    assert client.get(url("A1")).status_code == 403


def test_an_unknown_code_is_404(hr_client, tree):
    assert hr_client.get(url("NOPE")).status_code == 404


def test_the_page_shows_value_target_status_and_projection(hr_client, tree):
    indicators = indicators_ensure()
    k = OrgUnit.objects.get(code="K")
    sick = monthly_values("sick_leave_pct", "A")
    # Half of December's sick leave: missed now, reached soon at the falling trend.
    goal = round(sick[-1].value / 2, 2)
    target_save(indicator=indicators["sick_leave_pct"], unit=k, comparator="<", value=goal)
    target_save(indicator=indicators["full_time_share"], unit=k, comparator=">=", value=80)
    target_save(indicator=indicators["headcount"], unit=k, comparator=">=", value=10)
    expected = project_target(
        [(v.period_start, v.value) for v in sick], comparator="<", target=goal
    )
    assert expected.outcome == Outcome.REACHED  # the data falls as intended

    html = hr_client.get(url("A")).content.decode()

    with translation.override("nb"):
        month = date_format(expected.month, "YEAR_MONTH_FORMAT")
    assert "<h1>Alfa</h1>" in html
    assert f"Målet nås ved denne trenden i {month}." in html
    assert "✗</span> Ikke nådd" in html
    assert "Målet nås ikke ved denne trenden." in html  # full-time share: flat at 61,5 %
    assert "61,5\N{NO-BREAK SPACE}%" in html  # 8 of 13 persons (Avd 1 and Avd 3)
    assert "≥\N{NO-BREAK SPACE}80\N{NO-BREAK SPACE}%" in html
    assert "Målet er nådd." in html  # headcount 13 ≥ 10
    assert "✓</span> Nådd" in html
    assert "–</span> Ingen mål" in html  # e.g. årsverk
    assert "desember 2024" in html


def test_a_small_unit_shows_hidden_values(hr_client, tree):
    html = hr_client.get(url("A3")).content.decode()

    assert "Skjult (under 5 personer)" in html
    assert "100,0\N{NO-BREAK SPACE}%" not in html  # both persons full-time, withheld


def test_the_children_are_ranked_best_first_with_hidden_ones_last(hr_client, tree):
    html = hr_client.get(url("A")).content.decode()

    # Sick leave (the default; lower is better): Avd 1 is shown; Avd 3 is hidden (2
    # persons), and Avd 2 with it (the smallest sibling: Alfa minus Avd 1 and Avd 2
    # would be Avd 3).
    assert ranking_order(html) == ["Avd 1", "Avd 2", "Avd 3"]
    table = html.split('id="underenheter"', 1)[1].split("</table>", 1)[0]
    assert "Skjult (under 5 personer)" in table
    assert "Skjult (verner en liten gruppe)" in table


def test_the_ranking_follows_the_chosen_indicator(hr_client, tree):
    html = hr_client.get(url("A"), {"rangering": "full_time_share"}).content.decode()

    assert ranking_order(html) == ["Avd 1", "Avd 2", "Avd 3"]  # higher is better
    assert '<option value="full_time_share" selected>' in html


def test_each_chart_has_a_data_island_and_a_table(hr_client, tree):
    html = hr_client.get(url("A")).content.decode()

    assert '<canvas data-chart="chart-data-sick_leave_pct"' in html
    assert '<script id="chart-data-sick_leave_pct" type="application/json">' in html
    assert "Vis tall for Sykefravær" in html
    # Twelve months plus the header row in the sick-leave table.
    section = html.split('id="indikator-sick_leave_pct"', 1)[1].split("</section>", 1)[0]
    assert section.count("<tr>") == 13
    assert "vendor/chartjs/chart.umd.min.js" in html


@pytest.mark.parametrize(("children", "months"), [(3, 6), (9, 24)])
def test_the_page_needs_the_same_queries_whatever_the_size(
    hr_client, django_assert_max_num_queries, children, months
):
    build_unit_tree(children=children, months=months)
    target_save(
        indicator=indicators_ensure()["sick_leave_pct"],
        unit=OrgUnit.objects.get(code="K"),
        comparator="<",
        value=1,
    )

    # 17: the unit's actions that name indicators (none here: one query).
    with django_assert_max_num_queries(17):
        response = hr_client.get(url("A"))

    assert response.status_code == 200
    assert len(ranking_order(response.content.decode())) == children
