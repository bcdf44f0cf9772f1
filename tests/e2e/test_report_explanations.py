"""A missed target must be explained before the report can be submitted, and submitting
asks for confirmation (issue 15).

K's sick leave in 2024-T2 is 6,7 % against the target < 6: missed (dashboard_data).
"""

import re

import pytest
from playwright.sync_api import expect

from measures.models import Indicator
from org import roles
from plans.models import ReportEvent, TertialReport
from tests import factories
from tests.dashboards.dashboard_data import build_municipality, user_with_role

from .test_reports import log_in

pytestmark = pytest.mark.django_db(transaction=True)

REPORT = "/tertialrapporter/K/2024/T2/"


@pytest.fixture
def world(migrated_roles, django_user_model):
    units = build_municipality()
    user_with_role(django_user_model, "chief", roles.LEADER, units["K"])
    factories.round_opened(2024, 2)
    factories.ActionFactory(
        plan=factories.ActionPlanFactory(unit=units["K"], year=2024), title="Nærværsprosjekt"
    )
    return units


def narrow(page, tmp_path, name: str) -> None:
    """At 390 px nothing scrolls sideways; keep screenshots (390 px and desktop)."""
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(tmp_path / f"{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)


def test_a_leader_explains_a_missed_target_confirms_and_submits(
    page, world, assert_accessible, tmp_path
):
    sick = Indicator.objects.get(slug="sick_leave_pct")
    log_in(page, "chief")
    page.goto(REPORT)
    row = page.get_by_role("region", name="Sykefravær")
    expect(row.get_by_text("Må forklares: målet er ikke nådd")).to_be_visible()
    assert_accessible(page)
    narrow(page, tmp_path, "report-form")

    # Submit with nothing explained: told what is missing, next to each field.
    page.get_by_role("button", name="Send inn").click()
    expect(page.get_by_role("heading", name="Dette mangler")).to_be_visible()
    comment = page.get_by_label("Kommentar til Sykefravær")
    expect(comment).to_have_attribute("aria-invalid", "true")
    expect(comment).to_have_accessible_description(
        re.compile("Sykefravær har ikke nådd målet: forklar hvorfor i en kommentar.")
    )
    actions = page.get_by_role("group", name="Tiltak fra planen for Sykefravær")
    expect(actions).to_have_accessible_description(
        re.compile("velg minst ett tiltak fra planen, eller si hvorfor")
    )
    assert TertialReport.objects.get().state == "draft"
    assert_accessible(page)
    narrow(page, tmp_path, "report-refused")

    # The summary's link leads to the field.
    page.get_by_role("link", name=re.compile("forklar hvorfor i en kommentar")).click()
    expect(page).to_have_url(re.compile(f"#id_comment_{sick.pk}$"))
    comment.fill("Langtidsfravær i to enheter; oppfølging pågår.")
    actions.get_by_label(re.compile("Nærværsprosjekt")).check()
    page.get_by_role("button", name="Send inn").click()

    # The confirmation shows what will be locked and who reviews it.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Send inn tertialrapporten: Kommunen, 2. tertial 2024"
    )
    expect(page.get_by_text("Langtidsfravær i to enheter; oppfølging pågår.")).to_be_visible()
    expect(page.get_by_role("listitem").filter(has_text="Nærværsprosjekt")).to_be_visible()
    expect(page.get_by_text("HR går gjennom rapporten")).to_be_visible()
    assert TertialReport.objects.get().state == "draft"
    assert_accessible(page)
    narrow(page, tmp_path, "report-confirm")

    page.get_by_role("button", name="Bekreft og send inn").click()

    expect(page.get_by_text("Rapporten er sendt inn til gjennomgang.")).to_be_visible()
    expect(page.get_by_text("Sendt inn, venter på gjennomgang")).to_be_visible()
    expect(page.locator("textarea")).to_have_count(0)
    assert_accessible(page)
    narrow(page, tmp_path, "report-submitted")
    report = TertialReport.objects.get()
    assert report.state == "submitted"
    assert list(report.comments.get(indicator=sick).actions.values_list("title", flat=True)) == [
        "Nærværsprosjekt"
    ]
    assert ReportEvent.objects.filter(report=report, kind="submitted").count() == 1
