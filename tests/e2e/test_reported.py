"""HR enters a 10-faktor score in the browser; the pages are checked by axe-core."""

import pytest
from playwright.sync_api import expect

from demo.services import demo_users_ensure
from goals.services import strategies_load_seeded
from measures.models import IndicatorValue
from measures.services import indicators_load_seeded
from tests.measures.builders import build_units

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo(settings, migrated_roles):
    settings.DEMO_MODE = True
    demo_users_ensure()
    strategies_load_seeded()
    indicators_load_seeded()
    build_units(
        [
            {"code": "K", "name": "Eksempel kommune", "level": "kommune"},
            {"code": "SH", "name": "Sykehjemmet", "parent_code": "K", "level": "virksomhet"},
        ]
    )


def test_hr_enters_a_10_faktor_score(page, demo, assert_accessible):
    page.goto("/accounts/login/")
    page.get_by_label("Brukernavn").fill("hr")
    page.get_by_label("Passord").fill("demo")
    page.get_by_role("button", name="Logg inn").click()
    page.get_by_role("link", name="Indikatorer").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Indikatorer")
    reported = page.get_by_role("table", name="Verdier som HR registrerer eller importerer")
    expect(reported.get_by_role("rowheader", name="Mestringsklima")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Registrer verdier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Registrer verdier")
    assert_accessible(page)

    page.get_by_label("Indikator").select_option(label="Mestringsklima")
    page.get_by_label("Enhet").select_option(label="Sykehjemmet (SH)")
    page.get_by_label("Periode").fill("2025")
    page.get_by_label("Verdi").fill("5,5")
    page.get_by_role("button", name="Lagre verdi").click()

    expect(page.get_by_text("Må være mellom 1 og 5 (er 5,5).")).to_be_visible()
    assert_accessible(page)
    assert not IndicatorValue.objects.exists()

    page.get_by_label("Verdi").fill("4,2")
    page.get_by_role("button", name="Lagre verdi").click()

    expect(page.get_by_text("Lagret: Mestringsklima for Sykehjemmet (SH) i 2025.")).to_be_visible()
    recent = page.get_by_role("table", name="De siste rapporterte verdiene")
    expect(recent.get_by_role("row").nth(1).get_by_role("cell").nth(3)).to_have_text("4,2")
    expect(page.get_by_label("Periode")).to_have_value("2025")
    assert_accessible(page)
    value = IndicatorValue.objects.get()
    assert (value.indicator.slug, value.unit.code, value.period, value.value) == (
        "tifaktor_mestringsklima",
        "SH",
        "2025",
        4.2,
    )
    assert value.entered_by.username == "hr"
