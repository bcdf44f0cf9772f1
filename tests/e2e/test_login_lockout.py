"""A guessed password in the browser: after ten tries the login page says why, accessibly."""

import pytest
from playwright.sync_api import expect

from org import roles
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_tenth_wrong_password_locks_out_with_a_clear_message(
    page, migrated_roles, assert_accessible
):
    factories.user_with_role("ola", roles.HR)
    page.goto("/accounts/login/")

    for attempt in range(10):
        page.get_by_label("Brukernavn").fill("ola")
        page.get_by_label("Passord").fill(f"gjett-{attempt}")
        page.get_by_role("button", name="Logg inn").click()
        page.wait_for_load_state()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("For mange mislykkede innlogginger for dette brukernavnet")
    expect(alert).to_contain_text("Vent 15 minutter")
    expect(page.get_by_label("Brukernavn")).to_have_value("ola")
    assert_accessible(page)
