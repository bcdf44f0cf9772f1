"""Hostile input to the HR import (issue 14), replayed through the browser upload, the API
and ``manage.py import_hr``: each gets a clear Norwegian message naming the file (and
line and field), never a 500, nothing is written, an API job's uploaded files are
deleted, and the bombs stay small in memory and time.
"""

import datetime as dt
import html
import io
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

import hr.services as hr_services
from api.services import token_create
from hr.models import ImportJob, ImportJobFile
from hr.services import ImportIssue
from hr.services.validation import last_event_date
from org import roles
from org.models import OrgUnit
from strategi.celery import app as celery_app
from tests.conftest import ROOT
from tests.hr.hr_import_helpers import EXAMPLE, import_example, snapshot, user_with_role

from . import import_files as files

pytestmark = pytest.mark.django_db

ENTRY_POINTS = ["web", "api", "command"]
IMPORTS = "/api/v1/imports/"
NOT_A_WORKBOOK = "hr.xlsx: filen er ikke en Excel-arbeidsbok (.xlsx) som kan leses."
NBSP = "\xa0"  # Norwegian thousands separator


@dataclass
class Outcome:
    status: str  # the import job's
    messages: list[str]  # as the job lists them: file:line: column: reason
    shown: str  # what the user reads: the job's page, the job's JSON, the command's stderr


@pytest.fixture
def entry(request, client, django_user_model, tmp_path, monkeypatch):
    """Import files through one entry point; returns its outcome after checking it answered
    properly (a redirect to the job's page, a 202 and the job, or the command's output)."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    request.addfinalizer(lambda: setattr(celery_app.conf, "task_always_eager", eager))
    capture = request.getfixturevalue("django_capture_on_commit_callbacks")
    how = request.param

    def run(uploads: dict[str, bytes], *, skip_invalid: bool = False) -> Outcome:
        jobs_before = set(ImportJob.objects.values_list("pk", flat=True))
        if how == "web":
            outcome = _through_web(client, django_user_model, uploads, skip_invalid)
        elif how == "api":
            outcome = _through_api(capture, uploads, skip_invalid)
        else:
            outcome = _through_command(tmp_path, monkeypatch, uploads, skip_invalid)
        assert ImportJob.objects.exclude(pk__in=jobs_before).count() == 1
        # An API upload's files are health data: gone whatever the outcome.
        assert not ImportJobFile.objects.exists()
        return outcome

    run.how = how  # type: ignore[attr-defined]
    return run


def _job_messages(job: ImportJob) -> list[str]:
    return [str(ImportIssue(**error)) for error in job.errors]


def _through_web(client, django_user_model, uploads, skip_invalid) -> Outcome:
    if not django_user_model.objects.filter(username="hr-user").exists():
        user_with_role(django_user_model, "hr-user", roles.HR)
    client.force_login(django_user_model.objects.get(username="hr-user"))
    data: dict = {"files": [SimpleUploadedFile(name, body) for name, body in uploads.items()]}
    if skip_invalid:
        data["skip_invalid"] = "on"
    response = client.post("/import/", data)
    assert response.status_code == 302, response.content[:2000]
    job = ImportJob.objects.order_by("-pk").first()
    assert response["Location"] == f"/import/{job.pk}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    return Outcome(job.status, _job_messages(job), page.content.decode())


def _through_api(capture, uploads, skip_invalid) -> Outcome:
    _token, raw = token_create(name=f"hr-system-{time.monotonic_ns()}", by=None, can_write=True)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    data: dict = {
        "files": [SimpleUploadedFile(name, body) for name, body in uploads.items()],
        "skip_invalid": "true" if skip_invalid else "false",
    }
    with capture(execute=True):
        response = api.post(IMPORTS, data, format="multipart")
    assert response.status_code == 202, response.content[:2000]
    body = api.get(response["Location"]).json()
    return Outcome(
        body["status"],
        [str(ImportIssue(**error)) for error in body["errors"]],
        json.dumps(body, ensure_ascii=False),
    )


def _through_command(tmp_path, monkeypatch, uploads, skip_invalid) -> Outcome:
    for name, body in uploads.items():
        (tmp_path / name).write_bytes(body)
    monkeypatch.chdir(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    options = {"skip_invalid": True} if skip_invalid else {}
    try:
        call_command("import_hr", *uploads, stdout=out, stderr=err, **options)
    except CommandError as refused:
        assert "Import refused" in str(refused)
    job = ImportJob.objects.order_by("-pk").first()
    shown = err.getvalue()
    assert shown.splitlines() == _job_messages(job)[: len(shown.splitlines())]
    return Outcome(job.status, _job_messages(job), shown)


def shown(outcome: Outcome, message: str) -> bool:
    """The message is in what the user reads (HTML-escaped on the page)."""
    return html.escape(message) in outcome.shown or message in outcome.shown


def reason_of(outcome: Outcome, index: int = 0) -> str:
    """The reason of a listed problem, as the job stores it."""
    return ImportJob.objects.order_by("-pk").first().errors[index]["reason"]


all_entry_points = pytest.mark.parametrize("entry", ENTRY_POINTS, indirect=True)


# --- The bombs ------------------------------------------------------------------------


@all_entry_points
def test_a_workbook_that_claims_two_million_rows_is_refused_before_its_rows_are_read(entry):
    import_example()
    before = snapshot()
    bomb = files.dimension_bomb("A1:F2000000", 2_000_000)

    started = time.monotonic()
    outcome = entry({"hr.xlsx": bomb})

    assert time.monotonic() - started < 10
    message = (
        f"hr.xlsx: arket orgunits oppgir 2{NBSP}000{NBSP}000 rader og 6 kolonner, mer enn en "
        f"arbeidsbok kan ha (1{NBSP}048{NBSP}576 rader, 16{NBSP}384 kolonner): filen er skadet "
        "eller laget for å gjøre skade."
    )
    assert (outcome.status, outcome.messages) == ("failed", [message])
    assert shown(outcome, reason_of(outcome))
    assert snapshot() == before


@all_entry_points
def test_a_sheet_that_claims_a_whole_spreadsheet_is_read_as_the_rows_it_holds(entry):
    import_example()
    padded = files.with_dimension(files.units_workbook(), "A1:XFD1048576")
    # (A real row far below would make the unit file invalid: see the child test.)

    started = time.monotonic()
    outcome = entry({"hr.xlsx": padded})

    assert time.monotonic() - started < 10
    assert (outcome.status, outcome.messages) == ("succeeded", [])
    assert OrgUnit.objects.get(code="X1").parent.code == "SH"


@all_entry_points
def test_a_zip_bomb_is_refused_from_its_sizes(entry):
    import_example()
    before = snapshot()

    outcome = entry({"hr.xlsx": files.zip_bomb()})

    assert outcome.status == "failed"
    [message] = outcome.messages
    assert message.startswith(
        "hr.xlsx: delen xl/worksheets/sheet1.xml av arbeidsboken pakkes ut til 1"
    )
    assert message.endswith(
        "ganger sin pakkede størrelse (høyst 100 ganger godtas): filen avvises som en zip-bombe."
    )
    assert snapshot() == before


@all_entry_points
def test_a_workbook_larger_unpacked_than_the_limit_is_refused(entry, settings):
    settings.HR_IMPORT_MAX_XLSX_MB = 1
    rows = [files.UNITS] + [f"X{i},Avdeling {i},SH,avdeling,nei" for i in range(20_000)]
    big = files.workbook({"orgunits": rows})
    import_example()
    before = snapshot()

    outcome = entry({"hr.xlsx": big})

    assert outcome.status == "failed"
    [message] = outcome.messages
    assert message.startswith("hr.xlsx: arbeidsboken pakkes ut til ")
    assert message.endswith(
        "MB, og høyst 1 MB godtas (HR_IMPORT_MAX_XLSX_MB). Eksporter filene som CSV i stedet."
    )
    assert snapshot() == before


@all_entry_points
def test_four_thousand_rows_with_one_absence_id_give_one_short_message(entry):
    import_example()
    before = snapshot()
    rows = ["X1-DUPLIKAT,E2,2024-05-06,2024-05-07,100,egenmeldt"] * 4000
    body = files.absences_csv(*rows)
    assert len(body) > 190_000

    outcome = entry({"absences.csv": body})

    message = (
        f"absences.csv:2: absence_id: X1-DUPLIKAT står 4{NBSP}000 ganger i denne filen "
        f"(linje 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 og 3{NBSP}990 til)."
    )
    assert (outcome.status, outcome.messages) == ("failed", [message])
    assert shown(outcome, reason_of(outcome))
    job = ImportJob.objects.order_by("-pk").first()
    assert job.counts["absences.csv"]["rejected"] == 4000
    assert len(json.dumps(job.errors)) < 500
    assert len(outcome.shown) < 50_000
    assert snapshot() == before


def _child_env(database: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "strategi.settings",
        "DATABASE_URL": f"sqlite:///{database}",
        "REDIS_URL": "",
        "DEMO_MODE": "false",
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    return env


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory) -> Path:
    """An empty, migrated SQLite database file for the child processes to copy."""
    database = tmp_path_factory.mktemp("child-db") / "migrated.sqlite3"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--verbosity", "0"],
        cwd=ROOT,
        env=_child_env(database),
        check=True,
        timeout=300,
    )
    return database


CHILD = """
import json, resource, sys, time, tracemalloc
# Never more than 3 GB, whatever the code under test does (MemoryError, not a swapped machine).
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

def peak_rss_mb():
    # VmHWM, the process's own peak: ru_maxrss would count the pytest process it was
    # forked from (it survives exec).
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

import django
django.setup()
from hr.services import ImportSource, hr_import
tracemalloc.start()
started = time.monotonic()
result = hr_import(sources=[ImportSource.from_path(sys.argv[1])], user=None, source="command")
seconds = time.monotonic() - started
print(json.dumps({
    "seconds": seconds,
    "max_rss_mb": peak_rss_mb(),
    "traced_peak_mb": tracemalloc.get_traced_memory()[1] / 1024 / 1024,
    "status": result.job.status,
    "errors": [str(error) for error in result.errors],
    "job_errors_bytes": len(json.dumps(result.job.errors)),
}))
"""


def _child_import(tmp_path: Path, database: Path, batch: dict[str, bytes]) -> dict:
    """Run ``hr_import`` on a folder of files in a fresh process on a copy of a migrated
    SQLite database: its peak memory (max RSS, and Python's own peak as traced), its
    time and what it listed."""
    folder = tmp_path / "batch"
    folder.mkdir()
    for name, body in batch.items():
        (folder / name).write_bytes(body)
    copy = tmp_path / "child.sqlite3"
    shutil.copyfile(database, copy)
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder)],
        cwd=ROOT,
        env=_child_env(copy),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "bomb",
    ["two million rows claimed", "a whole spreadsheet claimed", "4,000 duplicate ids"],
)
def test_the_bombs_stay_under_200_mb_and_finish_quickly(tmp_path, migrated_sqlite, bomb):
    if bomb == "4,000 duplicate ids":
        rows = ["X1-DUPLIKAT,E2,2024-05-06,2024-05-07,100,egenmeldt"] * 4000
        batch = {
            f"{kind}.csv": (EXAMPLE / f"{kind}.csv").read_bytes()
            for kind in ("orgunits", "employments")
        }
        batch["absences.csv"] = files.absences_csv(*rows)
    else:
        ref, last = (
            ("A1:F2000000", 2_000_000)
            if bomb == "two million rows claimed"
            else ("A1:Z1048576", 1_048_576)
        )
        root = [files.UNITS, "K,Kommunen,,kommune,nei"]
        batch = {"hr.xlsx": files.dimension_bomb(ref, last, rows=root)}

    child = _child_import(tmp_path, migrated_sqlite, batch)

    print(
        f"{bomb}: max RSS {child['max_rss_mb']:.0f} MB, traced peak "
        f"{child['traced_peak_mb']:.1f} MB, {child['seconds']:.2f} s"
    )
    assert child["max_rss_mb"] < 200
    assert child["traced_peak_mb"] < 50
    assert child["seconds"] < 20
    assert child["job_errors_bytes"] < 1000
    assert child["status"] == "failed"
    if bomb == "a whole spreadsheet claimed":
        # The million rows in between are empty; the last one is a unit without a name.
        assert 1 <= len(child["errors"]) <= 5
        assert all("hr.xlsx[orgunits]:" in error for error in child["errors"])
        assert any("hr.xlsx[orgunits]:1048576: name:" in error for error in child["errors"])
    else:
        assert len(child["errors"]) == 1


# --- Broken workbooks -------------------------------------------------------------------

MALFORMED = files.malformed_workbooks()


@pytest.mark.parametrize("entry", ENTRY_POINTS, indirect=True)
@pytest.mark.parametrize("case", list(MALFORMED))
def test_every_malformed_workbook_is_one_file_level_message(entry, case):
    import_example()
    before = snapshot()

    outcome = entry({"hr.xlsx": MALFORMED[case]})

    assert (outcome.status, outcome.messages) == ("failed", [NOT_A_WORKBOOK])
    assert shown(outcome, reason_of(outcome))
    assert snapshot() == before


@all_entry_points
def test_sheets_beyond_a_workbooks_limits_are_refused_with_their_sheet(entry):
    import_example()
    before = snapshot()
    header = '<row r="1"><c r="A1" t="inlineStr"><is><t>code</t></is></c>'
    far_row = header + '</row><row r="2000000"><c r="A2000000"><v>1</v></c></row>'
    wide_row = header + '<c r="ZZ1"><v>1</v></c></row>'
    far = files.with_sheet_data(files.units_workbook(), far_row)
    wide = files.with_sheet_data(files.units_workbook(), wide_row)

    outcomes = [entry({"hr.xlsx": far}), entry({"hr.xlsx": wide})]

    assert [(o.status, o.messages) for o in outcomes] == [
        (
            "failed",
            [
                "hr.xlsx[orgunits]: arket har rader etter rad 1\xa0048\xa0576, noe en "
                "arbeidsbok ikke kan ha."
            ],
        ),
        ("failed", ["hr.xlsx[orgunits]:1: raden har 702 kolonner; en importfil har høyst 200."]),
    ]
    assert snapshot() == before


# --- Control characters ----------------------------------------------------------------


@all_entry_points
def test_nul_and_other_control_characters_are_refused_naming_file_line_and_field(entry):
    import_example()
    before = snapshot()

    outcome = entry(
        {
            "orgunits.csv": files.units_csv(
                "X1,Sykehjem\x00met,SH,avdeling,nei", "X2,Avdeling\x1b[31m,SH,avdeling,nei"
            ),
            "employments.csv": files.employments_csv(
                "E9,P9,1980-01-01,K,SK,100,2024-01-01,,,fast,Lærer\x7f",
                "E10,P1\x00,1980-01-01,K,SK,100,2024-01-01,,,fast,\tLærer",
            ),
        }
    )

    rule = "tekst kan ikke inneholde kontrolltegn (unntatt tabulator)."
    assert (outcome.status, outcome.messages) == (
        "failed",
        [
            f"orgunits.csv:2: name: inneholder kontrolltegnet U+0000: {rule}",
            f"orgunits.csv:3: name: inneholder kontrolltegnet U+001B: {rule}",
            f"employments.csv:2: job_title: inneholder kontrolltegnet U+007F: {rule}",
            f"employments.csv:3: person_id: inneholder kontrolltegnet U+0000: {rule}",
        ],
    )
    assert "\x00" not in outcome.shown
    assert snapshot() == before


@all_entry_points
def test_a_control_character_in_a_header_is_a_file_level_message(entry):
    import_example()
    before = snapshot()
    body = b"code,name,parent_code,level,shift_based,no\x00te\nX1,Ny,SH,avdeling,nei,x\n"

    outcome = entry({"orgunits.csv": body})

    assert (outcome.status, outcome.messages) == (
        "failed",
        ["orgunits.csv:1: noU+0000te: kolonnenavnet har kontrolltegnet U+0000."],
    )
    assert snapshot() == before


# --- Plausible dates -------------------------------------------------------------------


@all_entry_points
def test_implausible_dates_are_row_errors_naming_the_field(entry):
    import_example()
    before = snapshot()
    last = last_event_date().isoformat()

    outcome = entry(
        {
            "employments.csv": files.employments_csv(
                "E9,P9,2999-01-01,K,SK,100,2020-01-01,,,fast,",
                "E10,P10,1800-01-01,K,SK,100,2020-01-01,,,fast,",
                "E11,P11,2010-06-01,K,SK,100,2020-01-01,,,fast,",
                "E12,P12,1930-01-01,K,SK,100,1949-12-31,2100-01-01,annet,fast,",
            ),
            "absences.csv": files.absences_csv(
                "X1,E2,01.01.1900,02.01.1900,100,egenmeldt",
                "X2,E2,01.03.0026,02.03.0026,100,egenmeldt",
                "X3,E2,0001-01-01,2024-01-01,100,egenmeldt",
            ),
        }
    )

    def implausible(value: str) -> str:
        return f"{value} er ikke en troverdig dato: den må være fra 1950-01-01 til {last}."

    def age(birth: str, years: int, start: str = "2020-01-01") -> str:
        return (
            f"{birth} gir en alder på {years} år ved arbeidsforholdets start ({start}): den må "
            "være 14 til 80."
        )

    assert outcome.status == "failed"
    assert outcome.messages == [
        f"employments.csv:2: birth_date: {age('2999-01-01', -979)}",
        f"employments.csv:3: birth_date: {age('1800-01-01', 220)}",
        f"employments.csv:4: birth_date: {age('2010-06-01', 9)}",
        f"employments.csv:5: start_date: {implausible('1949-12-31')}",
        f"employments.csv:5: end_date: {implausible('2100-01-01')}",
        f"absences.csv:2: start_date: {implausible('1900-01-01')}",
        f"absences.csv:2: end_date: {implausible('1900-01-02')}",
        f"absences.csv:3: start_date: {implausible('0026-03-01')}",
        f"absences.csv:3: end_date: {implausible('0026-03-02')}",
        f"absences.csv:4: start_date: {implausible('0001-01-01')}",
    ]
    assert snapshot() == before


def test_the_bounds_of_plausible_dates_are_accepted(db):
    import_example()
    last = last_event_date()

    result = hr_services.hr_import(
        sources=[
            hr_services.ImportSource(
                "employments.csv",
                files.employments_csv(
                    "E9,P9,1870-01-01,K,SK,100,1950-01-01,,,fast,",  # 80 at the start
                    f"E10,P10,{last.year - 14}-01-01,K,SK,100,{last.year}-01-01,,,fast,",  # 14
                ),
            ),
            hr_services.ImportSource(
                "absences.csv",
                files.absences_csv(f"X1,E10,{last.isoformat()},{last.isoformat()},100,egenmeldt"),
            ),
        ],
        user=None,
        source="command",
    )

    assert [str(error) for error in result.errors] == []
    assert result.succeeded


# --- Unit codes ------------------------------------------------------------------------


@all_entry_points
def test_unit_codes_outside_the_safe_alphabet_are_refused(entry):
    import_example()
    before = snapshot()

    outcome = entry(
        {
            "orgunits.csv": files.units_csv(
                "HV/1,Skråstrek,HV,avdeling,nei",
                "A B,Mellomrom,HV,avdeling,nei",
                "..,Prikker,HV,avdeling,nei",
                "a?b#c,Spørsmål,HV,avdeling,nei",
                "50%,Prosent,HV,avdeling,nei",
                "X5,Gyldig kode,HV/2,avdeling,nei",
            ),
            "employments.csv": files.employments_csv(
                "E9,P9,1980-01-01,K,S/K,100,2024-01-01,,,fast,"
            ),
        }
    )

    def invalid(code: str) -> str:
        return (
            f"«{code}» er ikke en gyldig enhetskode: bruk bare bokstaver, sifre, -, _ og ., med "
            "minst én bokstav eller ett siffer."
        )

    assert (outcome.status, outcome.messages) == (
        "failed",
        [
            f"orgunits.csv:2: code: {invalid('HV/1')}",
            f"orgunits.csv:3: code: {invalid('A B')}",
            f"orgunits.csv:4: code: {invalid('..')}",
            f"orgunits.csv:5: code: {invalid('a?b#c')}",
            f"orgunits.csv:6: code: {invalid('50%')}",
            f"orgunits.csv:7: parent_code: {invalid('HV/2')}",
            f"employments.csv:2: unit_code: {invalid('S/K')}",
        ],
    )
    assert snapshot() == before


def test_norwegian_and_sami_letters_digits_dots_dashes_and_underscores_make_a_code(db):
    import_example()

    result = hr_services.hr_import(
        sources=[
            hr_services.ImportSource(
                "orgunits.csv",
                files.units_csv(
                    "ØST-1.2_å,Østre,HV,avdeling,nei", "Čáhcesuolu,Sámi,HV,avdeling,nei"
                ),
            )
        ],
        user=None,
        source="command",
    )

    assert [str(error) for error in result.errors] == []
    assert set(OrgUnit.objects.filter(parent__code="HV").values_list("code", flat=True)) == {
        "SH",
        "ØST-1.2_å",
        "Čáhcesuolu",
    }


# --- Caps on rows and on the problems listed ----------------------------------------------


@all_entry_points
def test_a_file_with_more_rows_than_the_cap_is_refused_saying_so(entry, settings):
    import_example()
    before = snapshot()
    settings.HR_IMPORT_MAX_ROWS = 3

    outcome = entry(
        {"orgunits.csv": files.units_csv(*[f"X{i},Avdeling,SH,avdeling,nei" for i in range(4)])}
    )

    assert (outcome.status, outcome.messages) == (
        "failed",
        [
            "orgunits.csv:5: filen har flere enn 3 rader, det meste en import tar fra én fil "
            "(HR_IMPORT_MAX_ROWS). Del den opp i flere importer."
        ],
    )
    assert snapshot() == before


@all_entry_points
def test_problems_beyond_the_cap_are_counted_and_the_message_says_so(entry, settings):
    import_example()
    before = snapshot()
    settings.HR_IMPORT_MAX_ERRORS = 2

    outcome = entry(
        {"orgunits.csv": files.units_csv(*[f"X{i},,SH,rom,nei" for i in range(3)])},
        skip_invalid=True,
    )

    assert outcome.status == "succeeded"  # nothing valid to write, nothing refused whole
    assert outcome.messages == [
        "orgunits.csv:2: name: en verdi er påkrevd.",
        "orgunits.csv:2: level: «rom» er ikke en av: kommune, tjenesteomrade, virksomhet, "
        "avdeling.",
        ": … og 4 problemer til som ikke er listet: en import lister høyst 2 "
        "(HR_IMPORT_MAX_ERRORS). Rett disse og importer på nytt for å se resten.",
    ]
    job = ImportJob.objects.order_by("-pk").first()
    assert job.counts["orgunits.csv"]["rejected"] == 3
    assert snapshot() == before


def test_rows_whose_problems_were_not_listed_still_have_a_reason_in_the_rejects_file(
    db, settings, tmp_path
):
    import_example()
    settings.HR_IMPORT_MAX_ERRORS = 1
    (tmp_path / "orgunits.csv").write_bytes(
        files.units_csv("X1,,SH,avdeling,nei", "X2,,SH,avdeling,nei")
    )
    rejects = tmp_path / "rejects.csv"

    call_command(
        "import_hr",
        str(tmp_path / "orgunits.csv"),
        skip_invalid=True,
        rejects=rejects,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )

    lines = rejects.read_text(encoding="utf-8").splitlines()
    assert lines[1:] == [
        f"{tmp_path}/orgunits.csv,2,name,en verdi er påkrevd.,X1,,SH,avdeling,nei",
        f"{tmp_path}/orgunits.csv,3,,raden er ugyldig; problemene med den er ikke listet "
        "(HR_IMPORT_MAX_ERRORS).,X2,,SH,avdeling,nei",
    ]


# --- The API job's files ------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["imported", "invalid rows", "malformed file", "crash"])
def test_an_api_jobs_uploaded_files_are_deleted_whatever_the_outcome(
    db, monkeypatch, django_capture_on_commit_callbacks, outcome
):
    import_example()
    before = snapshot()
    uploads = {
        "imported": {"orgunits.csv": files.units_csv("X1,Ny,SH,avdeling,nei")},
        "invalid rows": {"orgunits.csv": files.units_csv("X1,,SH,avdeling,nei")},
        "malformed file": {"hr.xlsx": MALFORMED["bad sheet XML"]},
        "crash": {"orgunits.csv": files.units_csv("X1,Ny,SH,avdeling,nei")},
    }[outcome]
    if outcome == "crash":

        def broken(**kwargs):
            raise RuntimeError("a bug in the import")

        monkeypatch.setattr(hr_services, "write_batch", broken)
    _token, raw = token_create(name="hr-system", by=None, can_write=True)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(
                IMPORTS,
                {"files": [SimpleUploadedFile(n, b) for n, b in uploads.items()]},
                format="multipart",
            )
    finally:
        celery_app.conf.task_always_eager = eager

    assert response.status_code == 202
    job = api.get(response["Location"]).json()
    assert not ImportJobFile.objects.exists()
    expected = {
        "imported": ("succeeded", []),
        "invalid rows": ("failed", ["orgunits.csv:2: name: en verdi er påkrevd."]),
        "malformed file": ("failed", [NOT_A_WORKBOOK]),
        "crash": (
            "failed",
            [
                ": Importen stoppet på grunn av en intern feil: ingenting ble importert, og de "
                "opplastede filene ble slettet. Send filene på nytt; skjer det igjen, si fra til "
                "administratoren (feilen står i serverens logg)."
            ],
        ),
    }[outcome]
    assert (job["status"], [str(ImportIssue(**e)) for e in job["errors"]]) == expected
    if outcome != "imported":
        assert snapshot() == before


def test_a_crash_in_a_browser_upload_shows_the_failed_job_instead_of_a_500(
    client, django_user_model, monkeypatch
):
    import_example()
    before = snapshot()

    def broken(**kwargs):
        raise RuntimeError("a bug in the import")

    monkeypatch.setattr(hr_services, "write_batch", broken)
    client.force_login(user_with_role(django_user_model, "hr-user", roles.HR))

    response = client.post(
        "/import/",
        {"files": [SimpleUploadedFile("orgunits.csv", files.units_csv("X1,Ny,SH,avdeling,nei"))]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Importen stoppet på grunn av en intern feil: ingenting ble importert." in (
        response.content.decode()
    )
    assert snapshot() == before


def test_the_date_bound_moves_with_the_import_date(monkeypatch):
    from hr.services import validation

    monkeypatch.setattr(validation.timezone, "localdate", lambda: dt.date(2024, 2, 29))

    assert last_event_date() == dt.date(2026, 2, 28)


# --- Units stored with an odd code ---------------------------------------------------------

ODD_CODES = ["HV/SH", "S H?#%&=+", "..", "Øst/1.2"]


@pytest.mark.parametrize("odd", ODD_CODES)
def test_every_page_works_for_a_unit_stored_with_an_odd_code(client, django_user_model, odd):
    """Codes stored before the unit-code rule (or by hand) may hold "/" and worse: every
    page that links to or shows such a unit answers 200 with the unit's own URL."""
    from urllib.parse import unquote

    from django.urls import resolve, reverse

    from goals.services import strategies_load_seeded
    from measures.services import indicators_load_seeded
    from tests import factories
    from tests.conftest import clear_page_cache
    from tests.dashboards.dashboard_data import build_municipality
    from tests.plans.report_helpers import plan_with_action

    strategies_load_seeded()
    units = build_municipality()
    indicators_load_seeded()
    action = plan_with_action(units["SH"], 2024)
    factories.round_opened(2024, 2)  # the report can be submitted: the form posts to it
    OrgUnit.objects.filter(pk=units["SH"].pk).update(code=odd)
    clear_page_cache()
    client.force_login(user_with_role(django_user_model, "hr-user", roles.HR))
    unit_url = reverse("dashboards:unit-detail", args=[odd])
    rows_url = reverse("dashboards:dashboard-rows", args=[odd])
    plan_url = reverse("plans:plan-detail", args=[odd, 2024])
    report_url = reverse("plans:tertial-report-edit", args=[odd, 2024, 2])
    assert unit_url.startswith("/units/") and "?" not in unit_url and "#" not in unit_url

    pages = {
        "/dashboard/": None,
        "/dashboard/rows/HV/": rows_url,
        rows_url: "/units/SH1/",
        unit_url: odd,
        "/units/HV/": unit_url,
        "/units/SH1/": unit_url,
        "/dashboard/sammenheng/": None,
        "/dashboard/export.csv": None,
        "/plans/": reverse("plans:plan-detail", args=[odd, timezone.localdate().year]),
        plan_url: reverse("plans:action-create", args=[odd, 2024]),
        reverse("plans:action-create", args=[odd, 2024]): plan_url,
        reverse("plans:history", args=[odd, 2024]): plan_url,
        "/tertialrapporter/?year=2024&tertial=2": None,
        "/tertialrapporter/mangler/?year=2024&tertial=2": None,
        report_url: reverse("plans:tertial-report-submit", args=[odd, 2024, 2]),
    }
    pages[reverse("plans:action-edit", args=[odd, 2024, action.pk])] = plan_url
    pages[reverse("plans:action-delete", args=[odd, 2024, action.pk])] = plan_url
    # Each URL resolves back to its own view, whatever "/" the code holds.
    for name, args in [
        ("plans:plan-detail", [odd, 2024]),
        ("plans:action-create", [odd, 2024]),
        ("plans:action-edit", [odd, 2024, action.pk]),
        ("plans:action-delete", [odd, 2024, action.pk]),
        ("plans:plan-copy", [odd, 2024]),
        ("plans:history", [odd, 2024]),
        ("plans:tertial-report-edit", [odd, 2024, 2]),
        ("plans:tertial-report-submit", [odd, 2024, 2]),
        ("plans:tertial-report-confirm", [odd, 2024, 2]),
        ("plans:tertial-report-reopen", [odd, 2024, 2]),
        ("dashboards:unit-detail", [odd]),
        ("dashboards:dashboard-rows", [odd]),
    ]:
        match = resolve(unquote(reverse(name, args=args)))
        assert (match.view_name, list(match.kwargs.values())) == (name, args), name
    for path, link in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        if link is not None:
            assert html.escape(link) in response.content.decode(), (path, link)


def test_a_long_cycle_and_many_roots_give_messages_of_bounded_length(db):
    """Like the duplicates: a message that lists every member of a cycle (or every root)
    on every row grows with the square of the rows."""
    cycle = [f"C{i},Sirkel {i},C{(i + 1) % 3000},avdeling,nei" for i in range(3000)]
    roots = [f"R{i},Rot {i},,kommune,nei" for i in range(3000)]

    result = hr_services.hr_import(
        sources=[hr_services.ImportSource("orgunits.csv", files.units_csv(*cycle, *roots))],
        user=None,
        source="command",
    )

    messages = [str(error) for error in result.errors]
    assert len(messages) == 6000
    assert max(len(message) for message in messages) < 300
    assert messages[0] == (
        "orgunits.csv:2: parent_code: enhetstreet ville fått en sirkel: C0 → C1 → C2 → C3 → "
        "C4 → C5 → C6 → C7 → C8 → C9 → … (3\xa0000 enheter) → C0."
    )
    assert messages[3000].startswith(
        "orgunits.csv:3002: parent_code: mer enn én toppenhet (uten parent_code): R0, R1, "
    )
    assert "og 2\xa0990 til" in messages[3000]
    assert not OrgUnit.objects.exists()


def test_a_nul_in_a_file_of_reported_values_is_a_row_error_not_a_500(db):
    """The reported-values import reads with the same reader: a NUL (which PostgreSQL
    refuses in a query) is refused on its row, and nothing is looked up with it."""
    from measures.models import IndicatorValue
    from measures.services import reported_values_import

    import_example()
    body = b"indicator,unit,period,value\ntifaktor_autonomi,S\x00K,2025,4\n"

    result = reported_values_import(
        source=hr_services.ImportSource(name="verdier.csv", content=body), by=None
    )

    messages = [str(error) for error in result.errors]
    assert messages[0] == (
        "verdier.csv:2: unit: inneholder kontrolltegnet U+0000: tekst kan ikke inneholde "
        "kontrolltegn (unntatt tabulator)."
    )
    assert all("\x00" not in message for message in messages)
    assert not IndicatorValue.objects.exists()
