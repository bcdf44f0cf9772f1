"""HR imports through the API: upload (202), the queued job run once, its result.

Without a worker, tasks run eagerly (``task_always_eager``), after the upload's commit;
the test with a real worker (``services``) polls the job until the worker is done.
"""

import datetime as dt
import io
import time
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings
from rest_framework.test import APIClient

from api.services import token_create
from hr.models import AbsenceSpell, Employment, ImportJob, ImportJobFile
from hr.services import ImportIssue
from hr.tasks import import_job_run, requeue_pending
from org import roles
from org.models import OrgUnit, RoleAssignment
from strategi.celery import app as celery_app
from tests.plans.plan_helpers import user

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "spec_example"
KINDS = ("orgunits", "employments", "absences")
IMPORTS = "/api/v1/imports/"

BAD_UNITS = (
    "code,name,parent_code,level,shift_based\n"
    "K,Kommune,,kommune,nei\n"
    "HV,,K,område,kanskje\n"
    "SH,Sykehjemmet,XX,virksomhet,ja\n"
)
BAD_EMPLOYMENTS = (
    "employment_id,person_id,birth_date,gender,unit_code,position_pct,start_date,end_date,"
    "end_reason,employment_type,job_title\n"
    "E1,P1,31.02.1960,K,SH,100,2010-01-01,,,fast,Sykepleier\n"
    "E2,P2,1985-06-01,X,NOPE,150,2015-01-01,,,fast,\n"
)


@pytest.fixture
def eager() -> Iterator[None]:
    """Tasks run in the test's process also when REDIS_URL is set (CI)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def client_with(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.fixture
def hr_system(db) -> APIClient:
    """The HR system's client: a write token acting as its own HR service user."""
    _token, raw = token_create(name="hr-system", by=None, can_write=True)
    return client_with(raw)


def example_files() -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile(f"{kind}.csv", (EXAMPLE / f"{kind}.csv").read_bytes(), "text/csv")
        for kind in KINDS
    ]


def upload(client: APIClient, files: list, capture, **fields) -> tuple:
    """POST the files; the queued job runs once the upload is committed."""
    with capture(execute=True):
        response = client.post(IMPORTS, {"files": files, **fields}, format="multipart")
    return response


def test_an_upload_is_accepted_queued_and_run(hr_system, eager, django_capture_on_commit_callbacks):
    response = upload(hr_system, example_files(), django_capture_on_commit_callbacks)

    assert response.status_code == 202, response.content
    body = response.json()
    job = ImportJob.objects.get()
    assert body["id"] == job.pk
    assert response["Location"] == body["url"] == f"http://testserver{IMPORTS}{job.pk}/"
    assert (body["source"], body["files"]) == ("api", [f"{kind}.csv" for kind in KINDS])

    result = hr_system.get(response["Location"])
    assert result.status_code == 200
    job_body = result.json()
    assert job_body["status"] == "succeeded"
    assert job_body["errors"] == []
    assert job_body["counts"] == {
        "orgunits.csv": {"rows": 4, "created": 4, "updated": 0, "unchanged": 0, "rejected": 0},
        "employments.csv": {"rows": 8, "created": 8, "updated": 0, "unchanged": 0, "rejected": 0},
        "absences.csv": {"rows": 6, "created": 6, "updated": 0, "unchanged": 0, "rejected": 0},
    }
    assert job_body["finished_at"]
    assert (OrgUnit.objects.count(), Employment.objects.count(), AbsenceSpell.objects.count()) == (
        4,
        8,
        6,
    )
    job.refresh_from_db()
    assert job.user.username == "api-hr-system"
    assert job.first_month_touched == dt.date(2024, 1, 1)
    # The uploaded files (health data) are not kept once imported.
    assert not ImportJobFile.objects.exists()
    listed = hr_system.get(f"{IMPORTS}?status=succeeded").json()["results"]
    assert [row["id"] for row in listed] == [job.pk]


def queued_job(*, minutes_ago: int) -> ImportJob:
    """An uploaded job with the example's files, waiting since ``minutes_ago``."""
    job = ImportJob.objects.create(
        user=None,
        source=ImportJob.Source.API,
        status=ImportJob.Status.QUEUED,
        files=[f"{kind}.csv" for kind in KINDS],
    )
    ImportJobFile.objects.bulk_create(
        ImportJobFile(job=job, name=f"{kind}.csv", content=(EXAMPLE / f"{kind}.csv").read_bytes())
        for kind in KINDS
    )
    created = job.created_at - dt.timedelta(minutes=minutes_ago)
    ImportJob.objects.filter(pk=job.pk).update(created_at=created)
    return job


def test_a_redelivered_job_is_not_run_twice(db, eager):
    job = queued_job(minutes_ago=0)
    assert import_job_run(job.pk) == {"job": job.pk, "status": "succeeded"}
    job.refresh_from_db()
    finished = job.finished_at
    # The message comes again (a worker lost after the import, a second sweep).
    assert import_job_run(job.pk) == {"job": job.pk, "skipped": True}
    job.refresh_from_db()
    assert (job.status, job.finished_at) == ("succeeded", finished)
    assert import_job_run(987654) == {"job": 987654, "skipped": True}


def test_a_job_left_running_by_a_lost_worker_runs_when_redelivered(db, eager):
    # The worker died mid-import: its writes were rolled back, the files are kept.
    job = queued_job(minutes_ago=0)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.RUNNING)

    assert import_job_run(job.pk) == {"job": job.pk, "status": "succeeded"}

    assert Employment.objects.count() == 8
    assert not ImportJobFile.objects.exists()


def test_the_sweep_queues_again_only_jobs_left_waiting(db, eager):
    """The broker was down at upload: the job kept its files and waits for the sweep."""
    fresh = queued_job(minutes_ago=1)
    stale = queued_job(minutes_ago=10)

    assert requeue_pending()["imports"] == 1

    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert stale.status == "succeeded"
    assert stale.counts["employments.csv"]["created"] == 8
    assert fresh.status == "queued"
    assert set(ImportJobFile.objects.values_list("job_id", flat=True)) == {fresh.pk}
    assert requeue_pending()["imports"] == 0


def command_problems(tmp_path: Path, monkeypatch, files: dict[str, str]) -> list[str]:
    """What ``manage.py import_hr`` prints for the files (named as the upload names them)."""
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    err = io.StringIO()
    with pytest.raises(CommandError, match="Import refused"):
        call_command("import_hr", *files, stdout=io.StringIO(), stderr=err)
    return err.getvalue().splitlines()


def test_a_bad_batch_fails_with_every_problem_as_the_command_reports_it(
    hr_system, eager, django_capture_on_commit_callbacks, tmp_path, monkeypatch
):
    files = {"orgunits.csv": BAD_UNITS, "employments.csv": BAD_EMPLOYMENTS}
    expected = command_problems(tmp_path, monkeypatch, files)
    assert len(expected) >= 6, expected

    response = upload(
        hr_system,
        [SimpleUploadedFile(name, text.encode(), "text/csv") for name, text in files.items()],
        django_capture_on_commit_callbacks,
    )

    assert response.status_code == 202
    job = hr_system.get(response["Location"]).json()
    assert job["status"] == "failed"
    assert [str(ImportIssue(**error)) for error in job["errors"]] == expected
    assert {tuple(error) for error in job["errors"]} == {("file", "line", "column", "reason")}
    assert ("orgunits.csv", 3, "name") in {
        (error["file"], error["line"], error["column"]) for error in job["errors"]
    }
    assert job["counts"]["orgunits.csv"]["rejected"] >= 2
    assert not OrgUnit.objects.exists()
    assert not Employment.objects.exists()


def test_a_workbook_is_accepted(hr_system, eager, django_capture_on_commit_callbacks):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for kind in KINDS:
        sheet = book.create_sheet(kind)
        for line in (EXAMPLE / f"{kind}.csv").read_text(encoding="utf-8").splitlines():
            sheet.append(line.split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    workbook = SimpleUploadedFile(
        "hr.xlsx",
        buffer.getvalue(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )

    response = upload(hr_system, [workbook], django_capture_on_commit_callbacks)

    assert response.status_code == 202
    job = hr_system.get(response["Location"]).json()
    assert job["status"] == "succeeded", job["errors"]
    assert job["files"] == ["hr.xlsx"]
    assert {name: count["created"] for name, count in job["counts"].items()} == {
        "hr.xlsx[orgunits]": 4,
        "hr.xlsx[employments]": 8,
        "hr.xlsx[absences]": 6,
    }


def test_an_upload_without_files_is_400(hr_system):
    for data in [{}, {"files": []}, {"skip_invalid": "true"}]:
        response = hr_system.post(IMPORTS, data, format="multipart")
        assert response.status_code == 400, response.content
        assert list(response.json()["fields"]) == ["files"]
    empty = SimpleUploadedFile("orgunits.csv", b"", "text/csv")
    response = hr_system.post(IMPORTS, {"files": [empty]}, format="multipart")
    assert response.status_code == 400
    response = hr_system.post(IMPORTS, {"files": "x"}, format="json")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    assert not ImportJob.objects.exists()


@override_settings(HR_IMPORT_MAX_UPLOAD_MB=1)
def test_an_upload_over_the_limit_is_413(hr_system):
    line = "E{0},P{0},1980-01-01,K,SH,100,2010-01-01,,,fast,Sykepleier\n"
    header = (EXAMPLE / "employments.csv").read_text(encoding="utf-8").splitlines()[0] + "\n"
    big = header + "".join(line.format(i) for i in range(25_000))
    assert len(big) > 1024 * 1024
    response = hr_system.post(
        IMPORTS,
        {"files": [SimpleUploadedFile("employments.csv", big.encode(), "text/csv")]},
        format="multipart",
    )
    assert response.status_code == 413
    body = response.json()
    assert body["code"] == "too_large"
    assert "1.0 MB" in body["detail"]
    assert not ImportJob.objects.exists()


def test_an_upload_larger_than_a_json_body_but_within_the_import_limit_is_taken(
    hr_system, settings
):
    settings.API_MAX_BODY_BYTES = 1024
    response = hr_system.post(IMPORTS, {"files": example_files()}, format="multipart")
    assert response.status_code == 202, response.content


def test_only_an_hr_write_token_without_unit_limits_imports(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    unit = OrgUnit.objects.create(code="X", name="X", level="kommune")
    leader = user("leader", roles.LEADER, unit=unit, role=RoleAssignment.Role.LEADER)
    hr = user("hr-person", roles.HR)
    refused = {
        "read-only": token_create(name="datasjo", by=None)[1],
        "unit-limited": token_create(name="x", by=None, units=[unit], can_write=True)[1],
        "leader": token_create(name="leder", by=None, user=leader, can_write=True)[1],
    }
    for who, raw in refused.items():
        response = client_with(raw).post(IMPORTS, {"files": example_files()}, format="multipart")
        assert response.status_code == 403, who
        assert response.json()["code"] == "permission_denied"
    session = APIClient()
    session.force_authenticate(leader)
    files = {"files": example_files()}
    assert session.post(IMPORTS, files, format="multipart").status_code == 403
    session.force_authenticate(hr)
    assert session.post(IMPORTS, {"files": example_files()}, format="multipart").status_code == 202
    assert ImportJob.objects.count() == 1


@pytest.mark.services
def test_a_real_worker_runs_an_uploaded_job(celery_worker_process, migrated_roles):
    _token, raw = token_create(name="hr-system", by=None, can_write=True)
    client = client_with(raw)

    response = client.post(IMPORTS, {"files": example_files()}, format="multipart")

    assert response.status_code == 202
    deadline = time.monotonic() + 120
    job = client.get(response["Location"]).json()
    while job["status"] in {"queued", "running"} and time.monotonic() < deadline:
        time.sleep(0.3)
        job = client.get(response["Location"]).json()
    assert job["status"] == "succeeded", job
    assert job["counts"]["absences.csv"]["created"] == 6
    assert Employment.objects.count() == 8
    assert not ImportJobFile.objects.exists()
