"""Hostile replays of issue 14: formulas and control characters in exports, hardening.

Each test plays what a hostile or careless user tried and asserts the clean answer:
exports are data (never a formula, never a 500), production passes ``check --deploy``,
a guessed password is locked out, the API's rate is counted once for every process.
"""

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
import time
import uuid

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test import Client
from openpyxl import load_workbook
from rest_framework.test import APIClient

from api.services import token_create
from measures import periods as P
from measures.models import IndicatorValue
from org import roles
from org.models import OrgUnit
from strategi.spreadsheet import FORMULA_STARTS
from tests import factories
from tests.conftest import ROOT, redis_available, require_service
from tests.dashboards.dashboard_data import build_municipality
from tests.hr.hr_import_helpers import EMPLOYMENTS, import_example

# What the attacker named units (OWASP's examples and the issue's own).
CALC = "=cmd|' /C calc'!A0"
HOSTILE_NAMES = {
    "SH": CALC,
    "HV": "@SUM(1+1)*cmd|' /C calc'!A0",
    "SK": "-2+3+cmd|' /C calc'!A0",
    "OU": "\t=1+1",
    "K": '\r=HYPERLINK("http://evil.example")',
}
pytestmark = pytest.mark.django_db

HOSTILE_CODES = {"SK": "+SK", "HV": "=HV"}


def control_name() -> str:
    """A name with characters XLSX cannot hold; PostgreSQL stores no NUL, SQLite does."""
    return "Avd\x00eling\x07 1\x1b" if connection.vendor == "sqlite" else "Avd\x01eling\x07 1\x1b"


@pytest.fixture
def hostile_units(db) -> dict[str, OrgUnit]:
    """The dashboard municipality whose units then got hostile names and codes.

    Written past the import (which another part of issue 14 makes stricter): exports
    must be safe for whatever is stored.
    """
    units = build_municipality()
    for code, name in HOSTILE_NAMES.items():
        OrgUnit.objects.filter(code=code).update(name=name)
    OrgUnit.objects.filter(code="SH1").update(name=control_name())
    for code, new in HOSTILE_CODES.items():
        OrgUnit.objects.filter(code=code).update(code=new)
    return units


@pytest.fixture
def hr_client(client, hostile_units):
    client.force_login(factories.user_with_role("hr-user", roles.HR))
    return client


def assert_no_formula_text(rows: list[list[str]]) -> None:
    """No CSV cell starts a formula (a negative number is checked by the caller)."""
    for row in rows:
        for cell in row:
            if cell.startswith("-") and cell.lstrip("-").replace(".", "", 1).isdigit():
                continue
            assert not cell.startswith(FORMULA_STARTS), (cell, row)


def assert_no_formula_cell(workbook_bytes: bytes) -> list[tuple]:
    """No XLSX cell is a formula, no text starts like one; returns the rows' values."""
    sheet = load_workbook(io.BytesIO(workbook_bytes)).active
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
            if isinstance(cell.value, str):
                assert not cell.value.startswith(FORMULA_STARTS), (cell.coordinate, cell.value)
    return list(sheet.iter_rows(values_only=True))


# --- Exports are data, never formulas ---------------------------------------------------


def test_dashboard_csv_writes_hostile_names_and_codes_as_text(hr_client):
    response = hr_client.get("/dashboard/export.csv")

    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert_no_formula_text(rows)
    names = {row[1] for row in rows[1:]}
    assert {
        "'=cmd|' /C calc'!A0",
        "'@SUM(1+1)*cmd|' /C calc'!A0",
        "'-2+3+cmd|' /C calc'!A0",
        "'\t=1+1",
        '\'\r=HYPERLINK("http://evil.example")',
    } <= names
    assert {"'+SK", "'=HV"} <= {row[0] for row in rows[1:]}


def test_dashboard_xlsx_has_no_formula_and_drops_control_characters(hr_client):
    response = hr_client.get("/dashboard/export.xlsx")

    assert response.status_code == 200
    rows = assert_no_formula_cell(response.content)
    by_code = {row[0]: row for row in rows[1:] if row[3] == "sick_leave_pct"}
    assert by_code["'=HV"][1] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert by_code["SH"][1] == "'=cmd|' /C calc'!A0"
    # Characters the format refuses are dropped: tab and CR are allowed (and neutralised).
    assert by_code["SH1"][1] == "Avdeling 1"
    assert by_code["OU"][1] == "'\t=1+1"
    # Numbers stay numbers.
    assert by_code["SH"][6] == pytest.approx(100 / 9)
    assert by_code["SH"][7] == 9


def test_dashboard_export_of_a_hostile_area_code_has_a_plain_file_name(hr_client):
    OrgUnit.objects.filter(code="=HV").update(code='=H"V\r\n')

    response = hr_client.get("/dashboard/export.csv", {"area": '=H"V\r\n'})

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="dashboard-2024-T2-_H_V__.csv"'
    )


@pytest.fixture
def negative_value(hostile_units) -> IndicatorValue:
    """A stored negative number (of no real indicator's range): a number, not text."""
    value = IndicatorValue.objects.get(
        indicator__slug="fte", unit__code="SH", granularity=P.MONTH, period="2024-08"
    )
    value.value = -2.5
    value.save(update_fields=["value"])
    return value


def command_output(*args: str) -> str:
    out = io.StringIO()
    call_command("export_indicators", *args, stdout=out)
    return out.getvalue()


@pytest.mark.usefixtures("negative_value")
def test_export_indicators_csv_neutralises_text_and_keeps_negative_numbers():
    rows = list(csv.reader(io.StringIO(command_output("--granularity", "month"))))

    assert_no_formula_text(rows)
    units = {row[1] for row in rows[1:]}
    assert {"'=HV", "'+SK", "SH"} <= units
    fte = next(r for r in rows if r[0] == "fte" and r[1] == "SH" and r[2] == "2024-08")
    assert fte[4] == "-2.5"


@pytest.mark.usefixtures("negative_value")
def test_export_indicators_xlsx_has_no_formula_and_numbers_stay_numbers(tmp_path):
    output = tmp_path / "values.xlsx"

    call_command(
        "export_indicators", "--format", "xlsx", "--output", str(output), stderr=io.StringIO()
    )

    rows = assert_no_formula_cell(output.read_bytes())
    assert {"'=HV", "'+SK"} <= {row[1] for row in rows[1:]}
    fte = next(r for r in rows if r[0] == "fte" and r[1] == "SH" and r[2] == "2024-08")
    assert fte[4] == -2.5
    sheet = load_workbook(output).active
    cell = next(row[4] for row in sheet.iter_rows(min_row=2) if row[4].value == -2.5)
    assert cell.data_type == "n"


@pytest.mark.usefixtures("hostile_units")
def test_export_indicators_json_keeps_the_stored_text():
    """JSON is no spreadsheet: its strings are the stored ones, exactly."""
    records = json.loads(command_output("--format", "json", "--unit", "=HV"))

    assert {r["unit"] for r in records} == {"=HV"}


@pytest.mark.usefixtures("negative_value")
def test_api_csv_is_the_commands_neutralised_csv_byte_for_byte():
    hr = factories.user_with_role("hr-token-owner", roles.HR)
    _token, raw = token_create(name="datasjo", by=hr)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    response = client.get("/api/v1/indicator-values/", {"format": "csv"})

    body = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert body == command_output().encode()
    assert b"\n" + b"sick_leave_pct,'=HV," in body


def test_import_rejects_file_writes_rejected_values_as_text(tmp_path):
    import_example()
    employments = tmp_path / "employments.csv"
    employments.write_text(
        EMPLOYMENTS + ",=comment\n"
        "E9,P9,1980-01-01,M,SK,=1+2,2024-01-01,,,fast,=cmd|' /C calc'!A0,@x\n",
        encoding="utf-8",
    )
    rejects = tmp_path / "rejects.csv"

    call_command(
        "import_hr",
        str(employments),
        "--skip-invalid",
        "--rejects",
        str(rejects),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )

    with rejects.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert_no_formula_text(rows)
    assert rows[0][-1] == "'=comment"
    assert rows[1][rows[0].index("position_pct")] == "'=1+2"
    assert rows[1][rows[0].index("job_title")] == "'=cmd|' /C calc'!A0"
    assert rows[1][-1] == "'@x"


# --- Production hardening ----------------------------------------------------------------

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "q3V8xK1mZt7Rb2Nw9Lp4Hs6Jd0Fg5Ya8Ue3Ci7Ok1Tr6Wn2Mb4Xv9Ze5Qa0Sl3Py7",
    "ALLOWED_HOSTS": "strategi.example,testserver",
    "SITE_URL": "https://strategi.example",
}
# Settings the developer's environment may hold and production would not.
DEVELOPMENT_ONLY = ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_PROXY_SSL_HEADER")


def production(*args: str) -> subprocess.CompletedProcess:
    """``manage.py *args`` in a fresh process with the production settings."""
    env = {k: v for k, v in os.environ.items() if k not in DEVELOPMENT_ONLY}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**env, **PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE": "strategi.settings"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_with_production_settings_prints_no_warning():
    result = production("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."


def test_production_redirects_http_and_sends_hsts_over_the_proxys_https():
    requests = (
        "from django.test import Client; c = Client(); "
        "r = c.get('/i18n/setlang/'); print(r.status_code, r['Location']); "
        "r = c.get('/i18n/setlang/', headers={'X-Forwarded-Proto': 'https'}); "
        "print(r.status_code, r['Strict-Transport-Security'])"
    )

    result = production("shell", "--no-imports", "-c", requests)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "301 https://testserver/i18n/setlang/",
        "302 max-age=31536000; includeSubDomains; preload",
    ]


# One API client's requests, counted in a process of its own (as a gunicorn worker).
THROTTLED_CLIENT = """
import os, sys, time
import django
django.setup()
from django.conf import settings
settings.CACHES["throttle"]["KEY_PREFIX"] = sys.argv[1]
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from api.throttling import ClientRateThrottle
ClientRateThrottle.rate = "300/day"
requests = [
    Request(APIRequestFactory().get("/api/v1/units/", REMOTE_ADDR="192.0.2.14"))
    for _ in range(200)
]
time.sleep(max(float(sys.argv[2]) - time.time(), 0))
print(sum(ClientRateThrottle().allow_request(request, None) for request in requests))
"""


def test_api_throttle_counts_once_for_all_processes():
    """Two worker processes, 200 requests each, one client at 300 a day: 300 pass."""
    require_service(redis_available(), "Redis is not reachable (set REDIS_URL)")
    prefix = f"test-throttle-{uuid.uuid4().hex[:12]}"
    start = f"{time.time() + 4:.3f}"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "strategi.settings"}

    workers = [
        subprocess.Popen(
            [sys.executable, "-c", THROTTLED_CLIENT, prefix, start],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        outputs = [worker.communicate(timeout=60) for worker in workers]
    finally:
        import redis

        server = redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=5)
        keys = list(server.scan_iter(f"{prefix}:*"))
        if keys:
            server.delete(*keys)
        server.close()

    assert [worker.returncode for worker in workers] == [0, 0], outputs
    allowed = [int(out.strip()) for out, _err in outputs]
    assert sum(allowed) == 300, allowed


# --- Login throttling -------------------------------------------------------------------

LOCKED_OUT = (
    "For mange mislykkede innlogginger for dette brukernavnet fra din adresse. Vent 15 "
    "minutter og prøv igjen, eller be HR om å låse opp kontoen."
)
GUESSER = "198.51.100.23"


def log_in(client, password: str, address: str = GUESSER):
    return client.post(
        "/accounts/login/",
        {"username": "ola", "password": password},
        REMOTE_ADDR=address,
    )


@pytest.fixture
def ola(db) -> User:
    return factories.user_with_role("ola", roles.HR)


def test_forty_wrong_passwords_then_the_right_one_is_refused_until_the_cooloff(client, ola):
    ola.set_password("riktig-passord-7")
    ola.save()

    statuses = [log_in(client, f"gjett-{n}").status_code for n in range(40)]
    right = log_in(client, "riktig-passord-7")

    # The first nine get the form's error; from the tenth on the pair is locked out.
    assert statuses == [200] * 9 + [429] * 31
    assert right.status_code == 429
    assert LOCKED_OUT in right.content.decode()
    assert right["Retry-After"] == "900"
    assert "_auth_user_id" not in client.session
    # Another address (another client) is not locked out by this one's guesses.
    other = Client()
    assert log_in(other, "riktig-passord-7", address="203.0.113.5").status_code == 302

    # Fifteen minutes after the last try, the right password works, and the count is reset.
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=16))
    after = log_in(client, "riktig-passord-7")

    assert after.status_code == 302
    assert client.session["_auth_user_id"] == str(ola.pk)
    assert not AccessAttempt.objects.filter(ip_address=GUESSER).exists()


def test_a_locked_out_user_names_api_token_still_works(client, ola):
    _token, raw = token_create(name="ola-jobb", by=None, user=ola)
    for n in range(10):
        log_in(client, f"gjett-{n}")
    assert log_in(client, "anything").status_code == 429
    api = APIClient(REMOTE_ADDR=GUESSER)
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    response = api.get("/api/v1/units/")

    assert response.status_code == 200


def test_hr_unlocks_a_locked_out_login_in_the_administration(client, ola):
    for n in range(10):
        log_in(client, f"gjett-{n}")
    attempt = AccessAttempt.objects.get(username="ola", ip_address=GUESSER)
    staff = factories.user_with_role("hr-staff", roles.HR)
    staff.is_staff = True
    staff.save()
    hr = Client()
    hr.force_login(staff)

    listing = hr.get("/admin/axes/accessattempt/")
    unlock = hr.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )

    assert listing.status_code == 200
    assert GUESSER in listing.content.decode()
    assert unlock.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert log_in(client, "feil").status_code == 200


def test_the_client_address_behind_the_proxy_is_the_one_it_appended(settings):
    from django.test import RequestFactory

    from strategi.lockout import client_ip

    settings.TRUSTED_PROXY_COUNT = 1
    spoofed = RequestFactory().post(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="192.0.2.99, 198.51.100.23"
    )
    direct = RequestFactory().post("/", REMOTE_ADDR="198.51.100.23")

    assert client_ip(spoofed) == "198.51.100.23"
    assert client_ip(direct) == "198.51.100.23"
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(spoofed) == "10.0.0.2"
