"""HR reads a unit page and «Alt henger sammen» in the browser: charts, tables, axe clean."""

import pytest
from playwright.sync_api import expect

from measures.services import indicators_ensure, target_save
from org import roles
from org.models import OrgUnit
from tests.dashboards.unit_data import build_unit_tree, build_workplaces, user_with_role

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hr_user(migrated_roles, django_user_model):
    return user_with_role(django_user_model, "hr-e2e", roles.HR)


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill("secret-pw-1")
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_text(f"Logget inn som {username}")).to_be_visible()


def test_hr_opens_a_unit_page_with_charts_and_tables(page, hr_user, assert_accessible):
    build_unit_tree(children=3, months=12)
    target_save(
        indicator=indicators_ensure()["sick_leave_pct"],
        unit=OrgUnit.objects.get(code="K"),
        comparator="<",
        value=0.5,
        margin=0.2,
    )
    log_in(page, "hr-e2e")

    page.goto("/units/A/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Alfa")
    canvas = page.locator('canvas[data-chart="chart-data-sick_leave_pct"]')
    expect(canvas).to_be_visible()
    page.wait_for_function(
        "document.querySelectorAll('canvas[data-chart]').length > 0 && "
        "[...document.querySelectorAll('canvas[data-chart]')]"
        ".every((c) => Chart.getChart(c) !== undefined)"
    )
    assert page.evaluate("Chart.getChart(document.querySelector('canvas')) !== undefined")
    assert (
        page.evaluate(
            "Chart.getChart(document.querySelector('canvas[data-chart=\"chart-data-sick_leave_pct\"]'))"
            ".data.datasets.length"
        )
        == 2
    )  # the values and the target line

    page.get_by_text("Vis tall for Sykefravær", exact=True).click()
    table = page.get_by_role("table", name="Sykefravær: verdi, mål og status per periode")
    expect(table).to_be_visible()
    expect(table.get_by_role("row")).to_have_count(13)
    expect(table.get_by_role("row", name="desember 2024")).to_be_visible()
    ranking = page.get_by_role("table", name="Underenhetene rangert etter Sykefravær")
    expect(ranking.get_by_role("row")).to_have_count(4)
    assert_accessible(page)

    page.get_by_label("Ranger etter").select_option("full_time_share")
    page.get_by_role("button", name="Vis", exact=True).click()
    expect(page.get_by_role("table", name="Underenhetene rangert etter Andel")).to_be_visible()
    page.get_by_role("link", name="Avd 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Avd 1")
    assert_accessible(page)


def test_hr_reads_alt_henger_sammen(page, hr_user, assert_accessible):
    build_workplaces()
    log_in(page, "hr-e2e")

    page.get_by_role("link", name="Alt henger sammen").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Alt henger sammen")
    page.wait_for_function(
        "Chart.getChart(document.querySelector('canvas[data-chart]')) !== undefined"
    )
    assert (
        page.evaluate(
            "Chart.getChart(document.querySelector('canvas[data-chart]')).data.datasets[0].data.length"
        )
        == 4
    )
    expect(page.get_by_text("1 enhet utelatt fordi tallene er skjult.")).to_be_visible()
    points = page.get_by_role("table", name="Punktene i diagrammet")
    expect(points.get_by_role("row")).to_have_count(5)
    assert_accessible(page)
