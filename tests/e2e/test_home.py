"""The home page in the browser: a leader lands on it after login and opens the open
round's report from it; HR sees the round's progress; a representative without a unit
is told how to get one. Desktop and phone width, axe clean."""

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from org import roles
from plans.services import round_open
from tests.dashboards.dashboard_data import build_municipality, user_with_role

pytestmark = pytest.mark.django_db(transaction=True)

# Screenshots for a person to look at (kept when E2E_SCREENSHOTS names a folder).
SHOTS = os.environ.get("E2E_SCREENSHOTS", "")
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def people(migrated_roles, django_user_model):
    units = build_municipality()
    user_with_role(django_user_model, "leader", roles.LEADER, units["SH"])
    user_with_role(django_user_model, "other", roles.LEADER, units["SK"])
    user_with_role(django_user_model, "hr-user", roles.HR)
    user_with_role(django_user_model, "rep", roles.REPRESENTATIVE)
    deadline = timezone.localdate() + dt.timedelta(days=12)
    round_open(year=2024, tertial=2, by=None, deadline=deadline)
    return deadline


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill("secret-pw-1")
    page.get_by_role("button", name="Logg inn").click()


def check_both_widths(page, name: str, tmp_path: Path, assert_accessible) -> None:
    """axe clean and a screenshot at desktop width; no sideways scrolling at 390 px."""
    assert_accessible(page)
    folder = Path(SHOTS) if SHOTS else tmp_path
    page.screenshot(path=str(folder / f"{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)
    page.screenshot(path=str(folder / f"{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_leader_lands_on_the_home_and_opens_the_rounds_report(
    browser, live_server, people, assert_accessible, tmp_path
):
    page = browser.new_context(base_url=live_server.url, locale="nb-NO").new_page()
    log_in(page, "leader")

    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Min side")
    unit = page.get_by_role("article", name="Sykehjemmet")
    figures = unit.get_by_role("table", name="Nøkkeltall mot mål, 2. tertial 2024")
    expect(figures.get_by_role("row", name=re.compile("Sykefravær"))).to_contain_text(
        "11,1 % ● Nær mål < 11 %"
    )
    expect(unit.get_by_text("✗ Ikke påbegynt", exact=True)).to_be_visible()
    expect(page.get_by_text("Skolen")).to_have_count(0)
    check_both_widths(page, "home-leader", tmp_path, assert_accessible)

    link = f"Tertialrapport 2. tertial 2024 – frist {date_format(people, 'j. F')}"
    unit.get_by_role("link", name=link).click()

    expect(page).to_have_url(f"{live_server.url}/tertialrapporter/SH/2024/T2/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sykehjemmet, 2. tertial 2024")
    page.context.close()


def test_hrs_home_shows_the_rounds_progress(
    browser, live_server, people, assert_accessible, tmp_path
):
    page = browser.new_context(base_url=live_server.url, locale="nb-NO").new_page()
    log_in(page, "hr-user")

    expect(
        page.get_by_role("heading", level=2, name="Tertialrapporter, 2. tertial 2024")
    ).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"0 av 2 levert, 0 utkast, 2 ikke påbegynt"))
    ).to_be_visible()
    progress = page.get_by_role("table", name="Framdrift per tjenesteområde")
    expect(progress.get_by_role("row", name=re.compile("Helse og velferd"))).to_contain_text("1")
    check_both_widths(page, "home-hr", tmp_path, assert_accessible)
    page.context.close()


def test_a_representative_without_a_unit_is_told_how_to_get_one(
    browser, live_server, people, assert_accessible, tmp_path
):
    page = browser.new_context(base_url=live_server.url, locale="nb-NO").new_page()
    log_in(page, "rep")

    expect(page.get_by_role("heading", name="Du er ikke tildelt noen enhet ennå")).to_be_visible()
    expect(page.get_by_text(re.compile("Be HR om å tildele deg enheten din"))).to_be_visible()
    check_both_widths(page, "home-representative", tmp_path, assert_accessible)

    response = page.goto("/plans/")
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Du har ikke tilgang til denne siden")
    expect(page.get_by_role("navigation", name="Hovedmeny")).to_be_visible()
    assert_accessible(page)
    page.context.close()
