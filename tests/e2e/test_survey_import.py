"""HR imports a 10-FAKTOR file on the reported-values import page (axe-core checked)."""

import pytest
from playwright.sync_api import expect

from demo.services import demo_users_ensure
from goals.services import strategies_load_seeded
from measures.models import IndicatorValue, SurveyResult
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
            {"code": "SK", "name": "Skolen", "parent_code": "K", "level": "virksomhet"},
        ]
    )


def test_hr_imports_10_faktor_results_from_a_file(page, demo, assert_accessible, tmp_path):
    bad = tmp_path / "10faktor-feil.csv"
    bad.write_text("unit;factor;score;respondents\nK;Mestringsklima;4,1;20\nSH;Trivsel;4,0;12\n")
    good = tmp_path / "10faktor-2026.csv"
    good.write_text(
        "unit;factor;score;respondents\n"
        "K;Mestringsklima;4,1;20\n"
        "SH;Mestringsklima;4,0;12\n"
        "SK;Mestringsklima;4,3;8\n"
    )
    page.goto("/accounts/login/")
    page.get_by_label("Brukernavn").fill("hr")
    page.get_by_label("Passord").fill("demo")
    page.get_by_role("button", name="Logg inn").click()
    page.goto("/indicators/values/import/")
    expect(page.get_by_role("heading", name="10-FAKTOR-resultater")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Fil med 10-FAKTOR-resultater").set_input_files(str(bad))
    page.get_by_label("Undersøkelsesår").fill("2026")
    page.get_by_role("button", name="Importer 10-FAKTOR-resultater").click()

    expect(page.get_by_role("alert")).to_contain_text("Ingenting ble importert")
    expect(page.get_by_text("ukjent faktor «Trivsel»")).to_be_visible()
    expect(page.get_by_role("cell", name="10faktor-feil.csv").first).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=str(tmp_path.parent / "survey-import-errors.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    page.screenshot(path=str(tmp_path.parent / "survey-import-errors-390.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert not SurveyResult.objects.exists()

    page.get_by_label("Fil med 10-FAKTOR-resultater").set_input_files(str(good))
    page.get_by_label("Undersøkelsesår").fill("2026")
    page.get_by_role("button", name="Importer 10-FAKTOR-resultater").click()

    expect(page.get_by_text("Importerte 3 rader fra 10faktor-2026.csv")).to_be_visible()
    assert_accessible(page)
    assert SurveyResult.objects.count() == 3
    assert IndicatorValue.objects.get(unit__code="K").value == 4.1

    page.goto("/dashboard/?period=2026")
    expect(page.get_by_text("Mestringsklima: 4,1 skår 1–5")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=str(tmp_path.parent / "survey-dashboard.png"), full_page=True)
