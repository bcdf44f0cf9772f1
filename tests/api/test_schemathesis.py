"""Schemathesis against the live schema, on a test server with the demo municipality.

Every operation is called with generated valid and invalid input, with an HR token
that may write. The run fails on a server error, an undocumented status code, a
response that does not match its schema, or a wrong content type.
"""

import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from api.services import token_create
from api.throttling import ClientRateThrottle
from demo.services import demo_load
from measures.engine import recompute_range
from strategi.celery import app as celery_app

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
    ]
)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("migrated_roles")
def test_schemathesis_finds_no_failures(live_server, monkeypatch, tmp_path: Path) -> None:
    # Imports posted by schemathesis run in-process; no message is left in a broker.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    # Schemathesis sends far more requests than any client may.
    monkeypatch.setattr(ClientRateThrottle, "rate", "1000000/minute", raising=False)
    with override_settings(DEMO_MODE=True):
        demo_load(persons=300)
    recompute_range(within_data=True)
    _token, raw = token_create(name="schemathesis", by=None, can_write=True)

    st = Path(sys.executable).with_name("st")
    result = subprocess.run(
        [
            str(st),
            "run",
            f"{live_server.url}/api/schema/",
            "--header",
            f"Authorization: Bearer {raw}",
            "--checks",
            CHECKS,
            "--max-examples",
            "15",
            "--seed",
            "1",
            "--workers",
            "2",
            "--phases",
            "examples,coverage,fuzzing",
            "--request-timeout",
            "30",
            "--no-color",
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=1200,
        cwd=tmp_path,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-20000:]
