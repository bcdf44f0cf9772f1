"""A leader names what an action should move, and the unit page marks it: axe clean."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from goals.models import Goal
from goals.services import strategies_load_seeded
from measures.services import indicators_load_seeded
from org import roles
from tests.dashboards.unit_data import build_unit_tree, user_with_role

from .test_unit_page import log_in

pytestmark = pytest.mark.django_db(transaction=True)

SCREENSHOT = "/tmp/i16-actions-unit-chart.png"  # noqa: S108 - looked at by hand


@pytest.fixture
def hr_user(migrated_roles, django_user_model):
    return user_with_role(django_user_model, "hr-e2e", roles.HR)


def test_an_action_names_an_indicator_and_shows_on_its_chart(page, hr_user, assert_accessible):
    strategies_load_seeded()
    indicators_load_seeded()
    build_unit_tree(children=3, months=12)
    log_in(page, "hr-e2e")

    goal = Goal.objects.get(strategy__is_active=True, number=3)
    page.goto(reverse("plans:action-create", args=["A", 2024]) + f"?goal={goal.pk}")
    page.get_by_role("textbox", name="Tiltak").fill("Nærværssamtaler")
    page.get_by_label("Sykefravær", exact=True).check()
    page.get_by_label("Utgangspunkt (periode)").fill("2024-13")
    page.get_by_label("Frist").fill("2024-10-31")
    page.get_by_role("button", name="Lagre").click()
    # The service's message on the field, linked to it; the choices are kept.
    expect(page.get_by_text("Skriv utgangsperioden som en måned")).to_be_visible()
    expect(page.get_by_label("Sykefravær", exact=True)).to_be_checked()
    assert_accessible(page)
    page.get_by_label("Utgangspunkt (periode)").fill("2024-05")
    page.get_by_role("button", name="Lagre").click()
    expect(page.get_by_text("Tiltaket «Nærværssamtaler» er lagret.")).to_be_visible()
    expect(page.get_by_text("Utgangspunkt: 2024-05")).to_be_visible()
    assert_accessible(page)

    page.goto("/units/A/")
    selector = 'canvas[data-chart="chart-data-sick_leave_pct"]'
    page.wait_for_function(f"Chart.getChart(document.querySelector('{selector}')) !== undefined")
    marks = page.evaluate(
        f"Chart.getChart(document.querySelector('{selector}')).options.plugins.actionMarks.marks"
    )
    assert [(m["kind"], m["label"]) for m in marks] == [
        ("start", "Start: Nærværssamtaler"),
        ("end", "Frist: Nærværssamtaler"),
    ]
    page.locator("#indikator-sick_leave_pct").screenshot(path=SCREENSHOT)
    page.get_by_text("Vis tall for Sykefravær", exact=True).click()
    table = page.get_by_role("table", name="Sykefravær: verdi, mål og status per periode")
    expect(table.get_by_role("row", name="juni 2024")).to_contain_text("Start: Nærværssamtaler")
    expect(table.get_by_role("row", name="oktober 2024")).to_contain_text("Frist: Nærværssamtaler")
    effects = page.get_by_role("table", name="Tiltak som skal påvirke Sykefravær")
    expect(effects.get_by_role("row", name="Nærværssamtaler")).to_contain_text("Ikke nok data")
    assert_accessible(page)
