"""The demo leader writes the action plan in the browser; a stale second session conflicts."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from demo.services import demo_users_ensure
from goals.services import strategies_load_seeded
from org.models import RoleAssignment
from plans.models import Action
from tests.measures.builders import build_units

pytestmark = pytest.mark.django_db(transaction=True)

TITLE = "Kartlegge ønsket stillingsstørrelse"


@pytest.fixture
def leader_of_a_nursing_home(settings, migrated_roles):
    """The demo users; «leder» leads Sykehjem 1 (V1) under the seeded strategies."""
    settings.DEMO_MODE = True
    demo_users_ensure()
    strategies_load_seeded()
    units = build_units(
        [
            {"code": "K", "name": "Kommune", "level": "kommune"},
            {"code": "V1", "name": "Sykehjem 1", "parent_code": "K", "level": "virksomhet"},
        ]
    )
    from django.contrib.auth import get_user_model

    RoleAssignment.objects.create(
        user=get_user_model().objects.get(username="leder"),
        unit=units["V1"],
        role=RoleAssignment.Role.LEADER,
    )


def log_in_as_leader(page) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Brukernavn").fill("leder")
    page.get_by_label("Passord").fill("demo")
    page.get_by_role("button", name="Logg inn").click()


def test_leader_adds_an_action_under_goal_3_and_a_stale_session_gets_the_conflict(
    page, browser, live_server, leader_of_a_nursing_home, assert_accessible
):
    year = timezone.localdate().year
    log_in_as_leader(page)
    page.get_by_role("link", name="Handlingsplaner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Handlingsplaner {year}")
    assert_accessible(page)

    page.get_by_role("link", name="Sykehjem 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Handlingsplan {year} – Sykehjem 1")
    goal_3 = page.locator("#goal-3")
    goal_3.get_by_text("Til hjelp: hva ledere skal gjøre").click()
    expect(goal_3.get_by_text("legge til rette for så store stillinger som mulig")).to_be_visible()
    assert_accessible(page)

    # The form by keyboard alone: focus the link, Enter, type, Tab on, Enter on «Lagre».
    page.get_by_role(
        "link", name=re.compile(r"^Legg til tiltak\W+3\. Øke arbeidsdeltakelsen$")
    ).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nytt tiltak")
    expect(page.locator("#id_goal")).to_have_value(str(_goal_3_pk()))
    assert_accessible(page)
    page.get_by_role("textbox", name="Tiltak").focus()
    page.keyboard.type(TITLE)
    page.keyboard.press("Tab")
    page.keyboard.type("Samtale med alle deltidsansatte")
    page.get_by_label("Ansvarlig").fill("Kari Nordmann")
    page.get_by_role("button", name="Lagre").focus()
    page.keyboard.press("Enter")

    expect(page.get_by_text(f"Tiltaket «{TITLE}» er lagret.")).to_be_visible()
    table = page.get_by_role("table", name="Tiltak under mål 3")
    expect(table.get_by_role("row", name=TITLE)).to_contain_text("Kari Nordmann")
    expect(table.get_by_role("row", name=TITLE)).to_contain_text("Planlagt")
    assert_accessible(page)

    # A second session opens the same action, then the first saves a change.
    other = browser.new_context(base_url=live_server.url, locale="nb-NO").new_page()
    try:
        log_in_as_leader(other)
        other.goto(page.url.split("#")[0])
        other.get_by_role("link", name=re.compile(f"^Rediger\\W+«{TITLE}»$")).click()
        expect(other.get_by_role("heading", level=1)).to_have_text("Endre tiltak")

        page.get_by_role("link", name=re.compile(f"^Rediger\\W+«{TITLE}»$")).click()
        page.get_by_label("Status").select_option(label="Pågår")
        page.get_by_role("button", name="Lagre").click()
        expect(page.get_by_text(f"Tiltaket «{TITLE}» er lagret.")).to_be_visible()

        other.get_by_label("Ansvarlig").fill("Ola Nordmann")
        other.get_by_role("button", name="Lagre").click()
        expect(
            other.get_by_role("alert").get_by_text("Noen andre har endret tiltaket mens du skrev.")
        ).to_be_visible()
        expect(other.get_by_label("Ansvarlig")).to_have_value("Ola Nordmann")
        assert_accessible(other)
    finally:
        other.context.close()

    action = Action.objects.get()
    assert (action.status, action.responsible, action.version) == ("pagar", "Kari Nordmann", 2)


def _goal_3_pk() -> int:
    from goals.models import Goal

    return Goal.objects.get(strategy__is_active=True, number=3).pk
