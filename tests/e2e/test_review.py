"""The leader above reviews a submitted report: sends it back, the leader sees why, the
report is resubmitted, and the leader above approves it."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from measures import periods as P
from measures.models import Indicator
from org import roles
from plans import services
from plans.models import TertialReport
from tests import factories
from tests.dashboards.dashboard_data import build_municipality, user_with_role
from tests.plans.test_rounds import store_month_value

pytestmark = pytest.mark.django_db(transaction=True)

REVIEW = "/tertialrapporter/gjennomgang/HV/2024/T2/"


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill("secret-pw-1")
    page.get_by_role("button", name="Logg inn").click()


def explained_and_submitted(report, leader, sick_leave):
    report = services.report_save(
        report=report,
        by=leader,
        version=report.version,
        summary="Et krevende tertial",
        comments={sick_leave.pk: "Én langtidssykemeldt."},
        prioritised_action_ids=[],
        no_action_reasons={sick_leave.pk: "Sykemeldingen er ikke arbeidsrelatert."},
    )
    return services.report_submit(report=report, by=leader, version=report.version)


def test_the_leader_above_returns_and_then_approves(
    browser, live_server, migrated_roles, django_user_model, assert_accessible, tmp_path
):
    units = build_municipality()
    leader = user_with_role(django_user_model, "leader", roles.LEADER, units["SH"])
    user_with_role(django_user_model, "area", roles.LEADER, units["HV"])
    sick_leave = Indicator.objects.get(slug="sick_leave_pct")
    factories.round_opened(2024, 2)
    report = services.report_get_or_create(unit=units["SH"], year=2024, tertial=2, by=leader)
    explained_and_submitted(report, leader, sick_leave)

    area = browser.new_context(base_url=live_server.url, locale="nb-NO").new_page()
    log_in(area, "area")
    area.goto("/tertialrapporter/")
    area.get_by_role("link", name="Gå gjennom rapportene fra enhetene under").click()
    area.goto(REVIEW)
    expect(area.get_by_role("heading", level=1)).to_have_text(
        "Gjennomgang: Helse og velferd, 2. tertial 2024"
    )
    section = area.locator("section", has=area.get_by_role("heading", name="Sykehjemmet"))
    expect(section).to_contain_text("Én langtidssykemeldt.")
    expect(section).to_contain_text("Sykemeldingen er ikke arbeidsrelatert.")
    assert_accessible(area)
    area.screenshot(path=str(tmp_path / "review-desktop.png"), full_page=True)
    area.set_viewport_size({"width": 390, "height": 844})
    area.screenshot(path=str(tmp_path / "review-390.png"), full_page=True)
    area.set_viewport_size({"width": 1280, "height": 900})

    # Sending back without a comment is refused; with one it goes back to the leader.
    section.get_by_role("button", name="Send tilbake").click()
    expect(area.get_by_text("Si hva lederen skal endre").first).to_be_visible()
    section = area.locator("section", has=area.get_by_role("heading", name="Sykehjemmet"))
    section.get_by_label("Hva skal endres?").fill("Beskriv oppfølgingen konkret.")
    section.get_by_role("button", name="Send tilbake").click()
    expect(
        area.get_by_text("Rapporten fra Sykehjemmet er sendt tilbake til lederen.")
    ).to_be_visible()
    assert TertialReport.objects.get(pk=report.pk).state == "returned"

    unit_leader = browser.new_context(base_url=live_server.url, locale="nb-NO").new_page()
    log_in(unit_leader, "leader")
    unit_leader.goto("/tertialrapporter/SH/2024/T2/")
    expect(unit_leader.get_by_text("Beskriv oppfølgingen konkret.").first).to_be_visible()
    unit_leader.context.close()

    explained_and_submitted(TertialReport.objects.get(pk=report.pk), leader, sick_leave)
    area.goto(REVIEW)
    section = area.locator("section", has=area.get_by_role("heading", name="Sykehjemmet"))
    section.get_by_role("button", name="Godkjenn").click()
    expect(area.get_by_text("Rapporten fra Sykehjemmet er godkjent.")).to_be_visible()
    section = area.locator("section", has=area.get_by_role("heading", name="Sykehjemmet"))
    expect(section).to_contain_text("Godkjent")
    section.get_by_text("Historikk").click()
    expect(section).to_contain_text("Beskriv oppfølgingen konkret.")
    assert_accessible(area)
    assert TertialReport.objects.get(pk=report.pk).state == "approved"
    area.context.close()


def test_hr_opens_a_round_and_moves_its_deadline(
    browser, live_server, migrated_roles, django_user_model, assert_accessible, tmp_path
):
    units = build_municipality()
    # The last ended tertial's figures exist: its round is offered.
    last = P.tertial(*P.last_ended_tertial(timezone.localdate())).end
    store_month_value(units["K"], last.year, last.month)
    user_with_role(django_user_model, "hr-user", roles.HR)
    hr = browser.new_context(base_url=live_server.url, locale="nb-NO").new_page()
    log_in(hr, "hr-user")
    hr.goto("/tertialrapporter/")
    hr.get_by_role("link", name="Tertialrunder").click()
    expect(hr.get_by_text("Ingen runde er åpen.")).to_be_visible()
    assert_accessible(hr)

    hr.get_by_role("button", name="Åpne runden").click()
    expect(hr.get_by_text("er åpnet.")).to_be_visible()
    expect(hr.get_by_text("0 av 0 levert, 0 utkast, 0 ikke påbegynt")).to_be_visible()
    expect(hr.get_by_role("row", name="automatisk")).to_have_count(0)
    deadline = hr.get_by_label("Frist")
    deadline.fill("2099-01-01")
    hr.get_by_role("button", name="Endre fristen").click()
    expect(hr.get_by_text("Fristen må være innen ett år")).to_be_visible()
    assert_accessible(hr)
    hr.screenshot(path=str(tmp_path / "rounds-desktop.png"), full_page=True)
    hr.set_viewport_size({"width": 390, "height": 844})
    hr.screenshot(path=str(tmp_path / "rounds-390.png"), full_page=True)
    hr.context.close()
