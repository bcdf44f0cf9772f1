"""HR opens the dashboard, opens the unit tree from the keyboard, changes period, and
reads the tertial report; every page checked by axe-core."""

import re

import pytest
from playwright.sync_api import expect

from org import roles
from tests.dashboards.dashboard_data import build_municipality, user_with_role

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hr_user(migrated_roles, django_user_model):
    build_municipality()
    return user_with_role(django_user_model, "hr-user", roles.HR)


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill("secret-pw-1")
    page.get_by_role("button", name="Logg inn").click()


def test_hr_opens_the_tree_from_the_keyboard_and_switches_period(page, hr_user, assert_accessible):
    log_in(page, "hr-user")
    page.get_by_role("link", name="Dashbord").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Dashbord")
    table = page.get_by_role("table", name=re.compile("Nøkkelindikatorer per enhet"))
    expect(table).to_contain_text("2. tertial 2024")
    expect(table.get_by_role("link", name="Helse og velferd")).to_be_visible()
    nursing_home = table.get_by_role("link", name="Sykehjemmet")
    department = table.get_by_role("link", name="Avdeling 1")
    expect(nursing_home).to_be_hidden()
    assert_accessible(page)

    health = page.get_by_role("button", name="Vis underenheter: Helse og velferd")
    expect(health).to_have_attribute("aria-expanded", "false")
    health.focus()
    page.keyboard.press("Enter")

    # The rows below «Helse og velferd» were fetched and put under it.
    expect(health).to_have_attribute("aria-expanded", "true")
    expect(nursing_home).to_be_visible()
    expect(health).to_have_attribute("aria-controls", re.compile(r"^unit-row-\d+$"))
    expect(department).to_have_count(0)
    expect(health).to_be_focused()
    page.get_by_role("button", name="Vis underenheter: Sykehjemmet").focus()
    page.keyboard.press("Space")
    expect(department).to_be_visible()
    expect(table.get_by_role("row", name=re.compile("Avdeling 1"))).to_contain_text(
        "Skjult (under 5 personer)"
    )
    assert_accessible(page)

    # Closing an area closes everything below it.
    health.focus()
    page.keyboard.press("Enter")
    expect(nursing_home).to_be_hidden()
    page.keyboard.press("Enter")
    expect(nursing_home).to_be_visible()
    expect(department).to_be_hidden()

    page.get_by_label("Periodetype").select_option("month")
    page.get_by_role("button", name="Vis", exact=True).click()

    expect(page.get_by_label("Periode", exact=True)).to_have_value("2024-08")
    expect(table).to_contain_text("August 2024")
    page.get_by_label("Periode", exact=True).select_option("2024-05")
    page.get_by_label("Tjenesteområde", exact=True).select_option("HV")
    page.get_by_role("button", name="Vis", exact=True).click()

    expect(table).to_contain_text("Mai 2024")
    expect(table.get_by_role("link", name="Oppvekst")).to_have_count(0)
    expect(table.get_by_role("link", name="Sykehjemmet")).to_be_visible()
    assert_accessible(page)


def test_the_tree_opens_and_closes_without_javascript(page, hr_user, assert_accessible):
    # No script file loads (as when scripts fail or are blocked); axe can still run.
    page.route("**/*.js", lambda route: route.abort())
    log_in(page, "hr-user")
    page.goto("/dashboard/")
    table = page.get_by_role("table", name=re.compile("Nøkkelindikatorer per enhet"))
    nursing_home = table.get_by_role("link", name="Sykehjemmet", exact=True)
    department = table.get_by_role("link", name="Avdeling 1", exact=True)
    expect(nursing_home).to_have_count(0)
    # The script's buttons stay hidden; links open and close the units instead.
    expect(page.get_by_role("button", name="Vis underenheter: Helse og velferd")).to_have_count(0)

    page.get_by_role("link", name="Vis underenheter: Helse og velferd").click()

    expect(page).to_have_url(re.compile(r"open=HV"))
    expect(nursing_home).to_be_visible()
    page.get_by_role("link", name="Vis underenheter: Sykehjemmet").click()
    expect(department).to_be_visible()
    assert_accessible(page)

    # Another period keeps the open units.
    page.get_by_label("Periode", exact=True).select_option("2024-T1")
    page.get_by_role("button", name="Vis", exact=True).click()
    expect(table).to_contain_text("1. tertial 2024")
    expect(department).to_be_visible()

    # Closing «Helse og velferd» closes everything below it.
    table.locator("a[data-tree-link]").first.click()
    expect(nursing_home).to_have_count(0)
    expect(department).to_have_count(0)


def test_hr_reads_the_tertial_report(page, hr_user, assert_accessible):
    log_in(page, "hr-user")
    page.goto("/dashboard/")

    page.get_by_role("link", name="Tertialrapport for kommunestyret (2024-T2)").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Tertialrapport: 2. tertial 2024")
    expect(page.get_by_role("heading", level=2)).to_have_text(
        ["Innhold", "Kommunen: status per mål", "Helse og velferd", "Oppvekst", "Metode"]
    )
    areas = page.get_by_role("table", name="Tallene i diagrammet: Sykefravær per tjenesteområde")
    expect(areas.get_by_role("row", name=re.compile("^Helse og velferd"))).to_contain_text(
        "11,1 % ● Nær"
    )
    health = page.get_by_role(
        "table", name="Helse og velferd: indikatorer mot mål, 2. tertial 2024"
    )
    expect(health.get_by_role("row", name=re.compile("^Sykefravær"))).to_contain_text("● Nær")
    expect(page.get_by_role("link", name="Last ned som PDF")).to_have_attribute(
        "href", "/reports/2024/T2.pdf"
    )
    expect(page.get_by_role("button", name="Skriv ut")).to_be_visible()
    assert_accessible(page)
