"""The representative confirms their participation and remarks in the browser; the
leader then sees both. axe clean on every page; nothing scrolls sideways at 390 px."""

import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from demo.services import demo_users_ensure
from goals.services import strategies_load_seeded
from measures import periods as P
from org.models import RoleAssignment
from plans.models import ParticipationConfirmation, RepresentativeRemark
from tests import factories
from tests.measures.builders import build_units

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
# Screenshots for a person to look at (kept when E2E_SCREENSHOTS names a folder).
SHOTS = os.environ.get("E2E_SCREENSHOTS", "")
PLAN_REMARK = "Vi var med fra starten og støtter tiltaket."
REPORT_REMARK = "Tallene er gjennomgått med oss i AMU."


@pytest.fixture
def nursing_home(settings, migrated_roles):
    """«leder» leads Sykehjem 1, «tillitsvalgt» represents it; the plan has one action."""
    settings.DEMO_MODE = True
    demo_users_ensure()
    strategies_load_seeded()
    units = build_units(
        [
            {"code": "K", "name": "Kommune", "level": "kommune"},
            {"code": "V1", "name": "Sykehjem 1", "parent_code": "K", "level": "virksomhet"},
        ]
    )
    users = get_user_model().objects
    for username, role in (
        ("leder", RoleAssignment.Role.LEADER),
        ("tillitsvalgt", RoleAssignment.Role.REPRESENTATIVE),
    ):
        RoleAssignment.objects.create(
            user=users.get(username=username), unit=units["V1"], role=role
        )
    year = timezone.localdate().year
    return factories.ActionFactory(
        plan=factories.ActionPlanFactory(unit=units["V1"], year=year),
        title="Kartlegge ønsket stillingsstørrelse",
        by=users.get(username="leder"),
    )


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill("demo")
    page.get_by_role("button", name="Logg inn").click()


def no_sideways_scroll(page, name: str, folder: Path) -> None:
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(folder / f"{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_the_representative_confirms_and_remarks_and_the_leader_sees_it(
    page, browser, live_server, nursing_home, assert_accessible, tmp_path
):
    folder = Path(SHOTS) if SHOTS else tmp_path
    action = nursing_home
    year = timezone.localdate().year
    report_year, tertial = P.last_ended_tertial(timezone.localdate())
    log_in(page, "tillitsvalgt")
    page.get_by_role("link", name="Handlingsplaner").first.click()
    page.get_by_role("link", name="Sykehjem 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Handlingsplan {year} – Sykehjem 1")
    assert_accessible(page)

    row = page.locator(f"#action-{action.pk}")
    expect(row).to_contain_text("Ikke bekreftet av tillitsvalgt")
    row.get_by_label("Som").select_option("verneombud")
    row.get_by_role("button", name="Bekreft deltakelse").click()
    expect(page.get_by_role("alert").or_(page.locator(".alert")).first).to_contain_text(
        "Du har bekreftet at du deltok"
    )
    expect(page.locator(f"#action-{action.pk}")).to_contain_text(
        "Bekreftet av tillitsvalgt (verneombud)"
    )
    page.get_by_role("textbox", name="Merknad").fill(PLAN_REMARK)
    page.get_by_role("button", name="Legg til merknad").click()
    expect(page.locator("#remarks")).to_contain_text(PLAN_REMARK)
    assert_accessible(page)
    no_sideways_scroll(page, "plan-representative", folder)

    page.goto(f"/tertialrapporter/V1/{report_year}/T{tertial}/")
    expect(page.locator("#participation")).to_contain_text("Bekreftet av tillitsvalgt")
    page.get_by_role("textbox", name="Merknad").fill(REPORT_REMARK)
    page.get_by_role("button", name="Legg til merknad").click()
    expect(page.locator("#remarks")).to_contain_text(REPORT_REMARK)
    assert_accessible(page)
    no_sideways_scroll(page, "report-representative", folder)

    assert ParticipationConfirmation.objects.filter(action=action).count() == 1
    assert RepresentativeRemark.objects.count() == 2

    # The leader, in a session of their own, sees the confirmation and both remarks.
    leader_context = browser.new_context(base_url=live_server.url, locale="nb-NO")
    leader = leader_context.new_page()
    log_in(leader, "leder")
    leader.goto(f"/plans/V1/{year}/")
    expect(leader.locator(f"#action-{action.pk}")).to_contain_text(
        "Bekreftet av tillitsvalgt (verneombud)"
    )
    expect(leader.locator("#remarks")).to_contain_text(PLAN_REMARK)
    expect(leader.get_by_role("button", name="Bekreft deltakelse")).to_have_count(0)
    assert_accessible(leader)
    no_sideways_scroll(leader, "plan-leader", folder)
    leader.goto(f"/tertialrapporter/V1/{report_year}/T{tertial}/")
    expect(leader.locator("#remarks")).to_contain_text(REPORT_REMARK)
    assert_accessible(leader)
    leader_context.close()
