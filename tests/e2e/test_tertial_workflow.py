"""The tertial follow-up from end to end, as issue 15 describes it, in Chromium.

A leader lands on the home, opens the open round's report from it, tries to submit with
a target not met and unexplained and is told what is missing, explains it with a comment
and an action, confirms; the leader above is told, sends it back with a comment; the
leader is told, fixes it and resubmits; the leader above approves. Mails go out as in
embedded mode (tasks run in the process) and are read from Django's outbox.
"""

import datetime as dt
import re

import pytest
from django.core import mail
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from org import roles
from plans.models import ReportEvent, TertialReport
from plans.services import round_open
from strategi.celery import app as celery_app
from tests import factories
from tests.dashboards.dashboard_data import build_municipality, user_with_role

pytestmark = pytest.mark.django_db(transaction=True)

SITE = "https://strategi.example.no"


@pytest.fixture
def world(migrated_roles, django_user_model, settings, monkeypatch):
    # SH's sick leave in 2024-T2 is 11.1 % against < 11: near the target. Here near
    # targets must be explained too (REPORT_EXPLAIN_STATUSES), as a municipality may set.
    settings.REPORT_EXPLAIN_STATUSES = ["missed", "near"]
    settings.SITE_URL = SITE
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    units = build_municipality()
    leader = user_with_role(django_user_model, "leader", roles.LEADER, units["SH"])
    area = user_with_role(django_user_model, "area", roles.LEADER, units["HV"])
    for user in (leader, area):
        user.email = f"{user.username}@example.no"
        user.save()
    factories.ActionFactory(
        plan=factories.ActionPlanFactory(unit=units["SH"], year=2024), title="Nærværsprosjekt"
    )
    deadline = timezone.localdate() + dt.timedelta(days=14)
    round_open(year=2024, tertial=2, by=None, deadline=deadline)
    mail.outbox.clear()
    return deadline


def log_in(browser, live_server, username: str):
    page = browser.new_context(base_url=live_server.url, locale="nb-NO").new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill("secret-pw-1")
    page.get_by_role("button", name="Logg inn").click()
    return page


def mails_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


def submit_with_confirmation(page) -> None:
    page.get_by_role("button", name="Send inn").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Send inn tertialrapporten")
    page.get_by_role("button", name="Bekreft og send inn").click()
    expect(page.get_by_text("Rapporten er sendt inn til gjennomgang.")).to_be_visible()


def review_section(page):
    return page.locator("section", has=page.get_by_role("heading", name="Sykehjemmet"))


def test_a_report_goes_from_the_home_through_review_and_back_to_approval(
    browser, live_server, world, assert_accessible
):
    deadline = world
    # The leader lands on the home and opens the round's report from it.
    leader = log_in(browser, live_server, "leader")
    expect(leader.get_by_role("heading", level=1)).to_have_text("Min side")
    unit = leader.get_by_role("article", name="Sykehjemmet")
    assert_accessible(leader)
    unit.get_by_role(
        "link", name=f"Tertialrapport 2. tertial 2024 – frist {date_format(deadline, 'j. F')}"
    ).click()
    expect(leader.get_by_role("heading", level=1)).to_contain_text("Sykehjemmet, 2. tertial 2024")

    # Submitting with the target unexplained: told what is missing, next to the field.
    leader.get_by_role("button", name="Send inn").click()
    expect(leader.get_by_role("heading", name="Dette mangler")).to_be_visible()
    comment = leader.get_by_label("Kommentar til Sykefravær")
    expect(comment).to_have_attribute("aria-invalid", "true")
    assert_accessible(leader)
    assert TertialReport.objects.get().state == "draft"
    assert mail.outbox == []

    # Explained with a comment and an action of the plan, then confirmed.
    comment.fill("Langtidsfravær hos to; oppfølging pågår.")
    leader.get_by_role("group", name="Tiltak fra planen for Sykefravær").get_by_label(
        re.compile("Nærværsprosjekt")
    ).check()
    submit_with_confirmation(leader)
    assert TertialReport.objects.get().state == "submitted"

    # The leader above is told, with a link that works from a mail program.
    (told,) = mails_to("area@example.no")
    assert f"{SITE}/tertialrapporter/" in told.body
    assert "Sykehjemmet" in told.body

    # The leader above reads it on the review page and sends it back with a comment.
    area = log_in(browser, live_server, "area")
    area.goto("/tertialrapporter/gjennomgang/HV/2024/T2/")
    section = review_section(area)
    expect(section).to_contain_text("Langtidsfravær hos to; oppfølging pågår.")
    expect(section).to_contain_text("Nærværsprosjekt")
    assert_accessible(area)
    section.get_by_label("Hva skal endres?").fill("Skriv hva dere gjør de neste ukene.")
    section.get_by_role("button", name="Send tilbake").click()
    expect(area.get_by_text("Rapporten fra Sykehjemmet er sendt tilbake")).to_be_visible()

    # The leader is told why, fixes the report and submits it again.
    (returned,) = mails_to("leader@example.no")
    assert "Skriv hva dere gjør de neste ukene." in returned.body
    leader.goto("/")
    expect(leader.get_by_text("Skriv hva dere gjør de neste ukene.").first).to_be_visible()
    leader.goto("/tertialrapporter/SH/2024/T2/")
    expect(leader.get_by_text("Sendt tilbake av area").first).to_be_visible()
    assert_accessible(leader)
    leader.get_by_label("Kommentar til Sykefravær").fill(
        "Langtidsfravær hos to; tett oppfølging hver uke og tilrettelegging i turnus."
    )
    submit_with_confirmation(leader)
    assert len(mails_to("area@example.no")) == 2

    # The leader above approves it; the leader is told.
    area.goto("/tertialrapporter/gjennomgang/HV/2024/T2/")
    review_section(area).get_by_role("button", name="Godkjenn").click()
    expect(area.get_by_text("Rapporten fra Sykehjemmet er godkjent.")).to_be_visible()
    assert_accessible(area)
    report = TertialReport.objects.get()
    assert report.state == "approved"
    assert len(mails_to("leader@example.no")) == 2
    assert list(ReportEvent.objects.filter(report=report).values_list("kind", flat=True)) == [
        "submitted",
        "returned",
        "submitted",
        "approved",
    ]
    leader.context.close()
    area.context.close()
