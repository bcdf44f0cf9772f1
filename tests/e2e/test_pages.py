import re

import pytest
from playwright.sync_api import expect

from demo.services import demo_users_ensure
from goals.models import Strategy
from goals.services import strategies_load_seeded

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(settings, migrated_roles):
    settings.DEMO_MODE = True
    strategies_load_seeded()
    demo_users_ensure()


def test_front_page_shows_the_five_goals_and_is_accessible(page, demo, assert_accessible):
    page.goto("/")

    expect(page.get_by_role("heading", level=1)).to_contain_text("Organisasjonsstrategi")
    expect(page.locator("li.card h3")).to_have_count(5)
    expect(page.get_by_text("få ned sykefraværet")).to_be_visible()
    assert_accessible(page)


def test_goal_lists_open_from_the_keyboard(page, demo):
    page.goto("/")
    goal_3 = page.locator("#goal-3")
    summary = goal_3.locator("summary", has_text="Ledere skal")
    item = goal_3.get_by_text("legge til rette for så store stillinger som mulig")
    expect(item).to_be_hidden()

    summary.focus()
    page.keyboard.press("Enter")

    expect(item).to_be_visible()


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page, demo):
    page.goto("/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Hopp til hovedinnhold")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator("main")).to_be_focused()


def test_demo_user_logs_in_and_out(page, demo, assert_accessible):
    page.goto("/accounts/login/")
    assert_accessible(page)

    page.get_by_label("Brukernavn").fill("hr")
    page.get_by_label("Passord").fill("demo")
    page.get_by_role("button", name="Logg inn").click()

    expect(page.get_by_text("Logget inn som hr")).to_be_visible()
    expect(page.get_by_role("link", name="Administrasjon")).to_be_visible()
    page.get_by_role("button", name="Logg ut").click()
    expect(page.get_by_role("link", name="Logg inn")).to_be_visible()


def test_wrong_password_shows_an_error_and_stays_accessible(page, demo, assert_accessible):
    page.goto("/accounts/login/")
    page.get_by_label("Brukernavn").fill("hr")
    page.get_by_label("Passord").fill("feil")
    page.get_by_role("button", name="Logg inn").click()

    expect(page.get_by_role("alert")).to_contain_text("korrekt brukernavn og passord")
    assert_accessible(page)


def test_strategy_pages_are_accessible(page, demo, assert_accessible):
    page.goto("/strategies/")
    assert_accessible(page)
    page.get_by_role("link", name="Arbeidsgiverpolitisk plattform").click()

    expect(page).to_have_url(re.compile(r"/strategies/\d+/$"))
    expect(page.get_by_text("Strategielement 1: Ledelse og medarbeiderskap")).to_be_visible()
    assert_accessible(page)
    ks = Strategy.objects.get(slug="ks-arbeidsgiverpolitikk")
    page.goto(f"/strategies/{ks.pk}/")
    assert_accessible(page)
