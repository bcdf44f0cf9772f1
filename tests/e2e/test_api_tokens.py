"""HR creates an API token in the browser, sees the key once and revokes it; axe-core checks."""

import re

import pytest
from playwright.sync_api import expect

from api.models import ApiToken, token_hash
from demo.services import demo_users_ensure
from tests.measures.builders import build_units

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hr_user(settings, migrated_roles):
    """The demo users, and units to limit a token to."""
    settings.DEMO_MODE = True
    demo_users_ensure()
    build_units(
        [
            {"code": "K", "name": "Kommune", "level": "kommune"},
            {"code": "V1", "name": "Sykehjem 1", "parent_code": "K", "level": "virksomhet"},
        ]
    )


def test_hr_creates_and_revokes_a_token(page, hr_user, assert_accessible):
    page.goto("/accounts/login/")
    page.get_by_label("Brukernavn").fill("hr")
    page.get_by_label("Passord").fill("demo")
    page.get_by_role("button", name="Logg inn").click()
    page.goto("/api/tokens/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)

    # A form error (unknown unit) is shown accessibly too.
    page.locator("#id_name").fill("Datasjøen")
    page.locator("#id_units").fill("V1 NOPE")
    page.locator("form.mb-5 button[type=submit]").click()
    expect(page.get_by_text("NOPE")).to_be_visible()
    assert_accessible(page)
    assert not ApiToken.objects.exists()

    page.locator("#id_units").fill("V1")
    page.locator("#id_can_write").check()
    page.locator("form.mb-5 button[type=submit]").click()
    key = page.locator("#new-token").input_value()
    assert re.fullmatch(r"stg_[A-Za-z0-9_-]{43}", key)
    token = ApiToken.objects.get()
    assert token.key_hash == token_hash(key)
    assert (token.name, token.can_write) == ("Datasjøen", True)
    expect(page.get_by_role("row", name=re.compile("Datasjøen"))).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name=re.compile("Datasjøen")).click()
    expect(page.locator("#new-token")).to_have_count(0)
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert key not in page.content()
    assert_accessible(page)
