"""HR uploads files in the browser and reads the result; every page checked by axe-core."""

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

from demo.services import demo_users_ensure
from hr.models import AbsenceSpell, Employment, ImportJob
from measures.models import Recompute
from org.models import OrgUnit
from strategi.celery import app as celery_app

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "spec_example"
EXAMPLE_FILES = [EXAMPLE / f"{kind}.csv" for kind in ["orgunits", "employments", "absences"]]


@pytest.fixture
def demo_users(settings, migrated_roles):
    """The demo users without the demo municipality (the example brings its own tree)."""
    settings.DEMO_MODE = True
    demo_users_ensure()


def log_in_as_hr(page):
    page.goto("/accounts/login/")
    page.get_by_label("Brukernavn").fill("hr")
    page.get_by_label("Passord").fill("demo")
    page.get_by_role("button", name="Logg inn").click()
    page.get_by_role("link", name="HR-import").click()


def test_hr_uploads_the_example_files_and_sees_the_counts(
    page, demo_users, assert_accessible, monkeypatch
):
    # Embedded mode (as `make run`): the recompute runs before the page is shown.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    log_in_as_hr(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Importer HR-data")
    assert_accessible(page)

    page.get_by_label("Filer").set_input_files(EXAMPLE_FILES)
    page.get_by_role("button", name="Importer", exact=True).click()

    expect(
        page.get_by_text("Importert. Indikatorene er beregnet på nytt fra januar 2024.")
    ).to_be_visible()
    counts = page.get_by_role("table", name="Rader per fil")
    expect(counts.get_by_role("row")).to_have_count(4)
    expect(counts.get_by_role("row", name="orgunits.csv").get_by_role("cell")).to_have_text(
        ["4", "4", "0", "0", "0"]
    )
    expect(counts.get_by_role("row", name="employments.csv").get_by_role("cell")).to_have_text(
        ["8", "8", "0", "0", "0"]
    )
    expect(counts.get_by_role("row", name="absences.csv").get_by_role("cell")).to_have_text(
        ["6", "6", "0", "0", "0"]
    )
    expect(page.get_by_text("Fullført")).to_be_visible()
    assert_accessible(page)
    assert (OrgUnit.objects.count(), Employment.objects.count(), AbsenceSpell.objects.count()) == (
        4,
        8,
        6,
    )
    assert ImportJob.objects.get().first_month_touched == dt.date(2024, 1, 1)

    page.get_by_role("link", name="Ny import og alle importer").click()
    recent = page.get_by_role("table", name="De siste importene")
    expect(recent.get_by_role("row").nth(1)).to_contain_text(
        "orgunits.csv, employments.csv, absences.csv"
    )
    assert_accessible(page)


def test_hr_sees_every_problem_of_a_refused_batch(page, demo_users, assert_accessible, tmp_path):
    bad = tmp_path / "orgunits.csv"
    bad.write_text(
        "code,name,parent_code,level,shift_based\nK,Kommune,,kommune,nei\nHV,,K,område,kanskje\n",
        encoding="utf-8",
    )
    log_in_as_hr(page)

    page.get_by_label("Filer").set_input_files([bad])
    page.get_by_role("button", name="Importer", exact=True).click()

    expect(page.get_by_text("Ingenting ble importert.")).to_be_visible()
    problems = page.get_by_role("table", name="Problemer funnet")
    expect(problems.get_by_role("row")).to_have_count(4)
    expect(problems.get_by_role("row").nth(1).get_by_role("cell")).to_have_text(
        ["orgunits.csv", "3", "name", "en verdi er påkrevd."]
    )
    expect(page.get_by_text("Feilet")).to_be_visible()
    assert_accessible(page)
    assert OrgUnit.objects.count() == 0
    assert ImportJob.objects.get().first_month_touched is None


def test_hr_uploads_a_workbook_bomb_and_reads_why_it_was_refused(
    page, demo_users, assert_accessible, tmp_path
):
    """Issue 14: a small workbook that claims two million rows (and has a row there) is
    refused on the job's page, in Norwegian, without an error page."""
    from tests.hostile.import_files import dimension_bomb

    bomb = tmp_path / "hr.xlsx"
    bomb.write_bytes(dimension_bomb("A1:F2000000", 2_000_000))
    log_in_as_hr(page)

    page.get_by_label("Filer").set_input_files(bomb)
    page.get_by_role("button", name="Importer", exact=True).click()

    expect(page.get_by_text("Ingenting ble importert.")).to_be_visible()
    problems = page.get_by_role("table", name="Problemer funnet")
    expect(problems.get_by_role("row").nth(1)).to_contain_text(
        "arket orgunits oppgir 2\xa0000\xa0000 rader og 6 kolonner, mer enn en arbeidsbok kan ha"
    )
    assert_accessible(page)
    assert not OrgUnit.objects.exists()
    assert ImportJob.objects.get().status == "failed"


def test_hr_reads_why_the_figures_are_not_up_to_date(page, demo_users, assert_accessible):
    # Given a recompute that failed, and one waiting for the task queue
    Recompute.objects.create(
        reason=Recompute.Reason.IMPORT,
        start=dt.date(2024, 3, 1),
        status=Recompute.Status.FAILED,
        attempts=3,
        failed_at=dt.datetime(2026, 12, 5, 9, 30, tzinfo=dt.UTC),
        next_attempt_at=dt.datetime(2026, 12, 5, 9, 50, tzinfo=dt.UTC),
        error="ValueError: '26-03' is not a period",
    )

    log_in_as_hr(page)

    notice = page.get_by_role("status").filter(has_text="Tallene er ikke oppdatert")
    expect(notice).to_contain_text(
        "Tallene er ikke oppdatert: omberegningen fra mars 2024 feilet 05.12.2026 10:30 "
        "(ValueError: '26-03' is not a period)."
    )
    expect(notice).to_contain_text("Den prøves automatisk på nytt etter 05.12.2026 10:50")
    expect(notice).to_contain_text("Den har feilet 3 ganger på rad")
    assert_accessible(page)
