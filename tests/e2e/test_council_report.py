"""HR reads the council report in the browser and downloads its PDF and DOCX."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from org import roles
from tests.dashboards.council_data import MARKER, SUPPRESSED_FIGURE, build_council_round
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("E2E_SCREENSHOTS", "")
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def council(migrated_roles):
    build_council_round()
    user_with_role("hr-user", roles.HR)


def test_hr_reads_the_report_and_downloads_its_files(page, council, assert_accessible, tmp_path):
    page.goto("/accounts/login/")
    page.get_by_label("Brukernavn").fill("hr-user")
    page.get_by_label("Passord").fill("secret-pw-1")
    page.get_by_role("button", name="Logg inn").click()
    page.goto("/reports/2024/T2/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Tertialrapport: 2. tertial 2024")
    front = page.get_by_role("region", name="Kommunen: status per mål")
    expect(front.get_by_role("row", name="Sykefravær", exact=False).first).to_contain_text(
        "✗ Ikke nådd"
    )
    health = page.get_by_role("region", name="Helse og velferd")
    expect(health.get_by_role("img", name="Stolpediagram: Sykefravær per enhet")).to_be_visible()
    expect(health.get_by_text(MARKER)).to_be_visible()
    assert SUPPRESSED_FIGURE not in page.content()
    assert_accessible(page)
    folder = Path(SHOTS) if SHOTS else tmp_path
    page.screenshot(path=str(folder / "council-report-desktop.png"), full_page=True)

    page.set_viewport_size(PHONE)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)
    page.screenshot(path=str(folder / "council-report-390.png"), full_page=True)

    for name, suffix in (("Last ned som PDF", ".pdf"), ("Last ned som Word (DOCX)", ".docx")):
        with page.expect_download() as download:
            page.get_by_role("link", name=name).click()
        assert download.value.suggested_filename == f"rapport-kommunestyret-2024-T2{suffix}"
        saved = folder / download.value.suggested_filename
        download.value.save_as(saved)
        assert saved.read_bytes()[:4] == (b"%PDF" if suffix == ".pdf" else b"PK\x03\x04")
