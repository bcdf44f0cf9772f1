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


def test_hr_sees_a_token_whose_units_are_gone_and_revokes_it(page, hr_user, assert_accessible):
    # Given a token limited to V1, and V1 deleted since (outside the app)
    from django.contrib.auth import get_user_model

    from api.services import token_create
    from org.models import OrgUnit

    hr = get_user_model().objects.get(username="hr")
    token, _raw = token_create(name="Gammel klient", by=hr, units=[OrgUnit.objects.get(code="V1")])
    OrgUnit.objects.get(code="V1").delete()

    # When HR opens the tokens page
    page.goto("/accounts/login/")
    page.get_by_label("Brukernavn").fill("hr")
    page.get_by_label("Passord").fill("demo")
    page.get_by_role("button", name="Logg inn").click()
    page.goto("/api/tokens/")

    # Then the warning names the token and the deleted unit, accessibly
    warning = page.locator("#lost-units")
    expect(warning).to_contain_text("Gammel klient")
    expect(warning).to_contain_text("slettede enheter: V1.")
    expect(warning).to_contain_text("Den ser ingenting nå.")
    expect(page.get_by_role("row", name=re.compile("Gammel klient"))).to_contain_text(
        "ingen igjen: ser ingenting"
    )
    assert_accessible(page)

    # And revoking it removes the warning
    page.get_by_role("button", name=re.compile("Gammel klient")).click()
    expect(page.locator("#lost-units")).to_have_count(0)
    token.refresh_from_db()
    assert token.revoked_at is not None
