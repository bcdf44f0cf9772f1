"""A leader writes, submits and confirms a tertial report; HR sees the unit covered."""

import re

import pytest
from playwright.sync_api import expect

from org import roles
from tests import factories
from tests.dashboards.dashboard_data import build_municipality, user_with_role

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def people(migrated_roles, django_user_model):
    units = build_municipality()
    user_with_role(django_user_model, "leader", roles.LEADER, units["SH"])
    user_with_role(django_user_model, "hr-user", roles.HR)
    return units


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill("secret-pw-1")
    page.get_by_role("button", name="Logg inn").click()


def test_a_leader_submits_and_hr_sees_the_unit_covered(
    browser, live_server, people, assert_accessible
):
    factories.round_opened(2024, 2)
    leader = browser.new_context(base_url=live_server.url, locale="nb-NO").new_page()
    log_in(leader, "leader")
    leader.get_by_role("link", name="Tertialrapporter").click()
    expect(leader.get_by_role("heading", level=1)).to_have_text("Tertialrapporter")
    assert_accessible(leader)

    leader.goto("/tertialrapporter/SH/2024/T2/")
    expect(leader.get_by_role("heading", level=1)).to_have_text(
        "Tertialrapport: Sykehjemmet, 2. tertial 2024"
    )
    expect(leader.get_by_text("Nær mål")).to_be_visible()
    assert_accessible(leader)
    comment = leader.get_by_label("Kommentar til Sykefravær")
    comment.focus()
    leader.keyboard.type("Én langtidssykemeldt; oppfølging pågår.")
    leader.get_by_role("button", name="Send inn").click()
    expect(leader.get_by_text("Når du sender inn, låses det som vises nedenfor")).to_be_visible()
    leader.get_by_role("button", name="Bekreft og send inn").click()

    expect(leader.get_by_text("Rapporten er sendt inn til gjennomgang.")).to_be_visible()
    expect(leader.get_by_text(re.compile("Sendt inn av leader"))).to_be_visible()
    expect(leader.get_by_text("Én langtidssykemeldt; oppfølging pågår.")).to_be_visible()
    assert_accessible(leader)
    leader.context.close()

    hr = browser.new_context(base_url=live_server.url, locale="nb-NO").new_page()
    log_in(hr, "hr-user")
    hr.goto("/dashboard/?expand=all")
    coverage = hr.get_by_role("table", name=re.compile("Hvilke enheter som har handlingsplan"))
    expect(coverage.get_by_role("row", name=re.compile("Sykehjemmet"))).to_contain_text("Sendt inn")
    expect(coverage.get_by_role("row", name=re.compile("Skolen"))).to_contain_text("Ikke påbegynt")
    assert_accessible(hr)
    hr.context.close()


def test_a_representative_reads_the_report_without_figures_and_hr_reads_the_access_log(
    browser, live_server, people, django_user_model, assert_accessible, tmp_path
):
    user_with_role(django_user_model, "rep", roles.REPRESENTATIVE, people["SH"])
    rep = browser.new_context(base_url=live_server.url, locale="nb-NO").new_page()
    log_in(rep, "rep")
    rep.goto("/tertialrapporter/SH/2024/T2/")
    expect(rep.get_by_text("Tallene vises for ledere og HR.").first).to_be_visible()
    expect(rep.locator(".cell-value")).to_have_count(0)
    assert_accessible(rep)
    rep.screenshot(path=str(tmp_path / "representative-report.png"), full_page=True)

    hr = browser.new_context(base_url=live_server.url, locale="nb-NO").new_page()
    log_in(hr, "hr-user")
    hr.goto("/units/SH1/")
    expect(hr.get_by_text("Skjult (under 5 personer)").first).to_be_visible()
    hr.goto("/indicators/")
    hr.get_by_role("link", name="Tilgangslogg for helsedata").click()
    expect(hr.get_by_role("heading", level=1)).to_have_text("Tilgangslogg for helsedata")
    expect(hr.get_by_role("cell", name="/units/SH1/")).to_be_visible()
    assert_accessible(hr)
    hr.set_viewport_size({"width": 390, "height": 844})
    assert hr.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    hr.screenshot(path=str(tmp_path / "access-log.png"), full_page=True)
