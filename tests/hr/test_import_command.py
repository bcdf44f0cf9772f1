"""``manage.py import_hr``: output, exit status, --skip-invalid and --rejects."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from hr.models import Employment, ImportJob

from .hr_import_helpers import ABSENCES, EMPLOYMENTS, EXAMPLE, UNITS, import_example, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def write(path, *lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def call(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_hr", *[str(arg) for arg in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_imports_files_and_prints_counts_per_file():
    files = [EXAMPLE / f"{kind}.csv" for kind in ["orgunits", "employments", "absences"]]

    out, err = call(*files)

    assert err == ""
    assert out.splitlines() == [
        f"{EXAMPLE}/orgunits.csv: 4 rows, 4 created, 0 updated, 0 unchanged, 0 rejected",
        f"{EXAMPLE}/employments.csv: 8 rows, 8 created, 0 updated, 0 unchanged, 0 rejected",
        f"{EXAMPLE}/absences.csv: 6 rows, 6 created, 0 updated, 0 unchanged, 0 rejected",
        # The recompute is queued after the commit, which this test's transaction never makes.
        f"Imported (import job {ImportJob.objects.get().pk}); the indicators from 2024-01 are "
        "not recomputed yet: a worker does it, and it is tried again automatically if it fails.",
    ]
    job = ImportJob.objects.get()
    assert (job.source, job.user, job.status) == ("command", None, "succeeded")


def test_the_command_imports_a_folder(tmp_path):
    for kind in ["orgunits", "employments"]:
        (tmp_path / f"{kind}.csv").write_bytes((EXAMPLE / f"{kind}.csv").read_bytes())

    out, _err = call(tmp_path)

    assert f"{tmp_path}/employments.csv: 8 rows, 8 created" in out
    assert Employment.objects.count() == 8


def test_a_bad_batch_prints_every_problem_exits_non_zero_and_writes_nothing(tmp_path):
    import_example()
    before = snapshot()
    units = write(tmp_path / "orgunits.csv", UNITS, "X1,Ny,SH,rom,nei")
    employments = write(
        tmp_path / "employments.csv",
        EMPLOYMENTS,
        "E9,P9,1980-01-01,M,X1,100,2024-01-01,,,fast,",
        "E10,P10,1980-01-01,M,SK,101,2024-01-01,,,fast,",
    )
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("import_hr", str(units), str(employments), stdout=out, stderr=err)

    assert err.getvalue().splitlines() == [
        f"{units}:2: level: “rom” is not one of: kommune, tjenesteomrade, virksomhet, avdeling.",
        f"{employments}:3: position_pct: must be more than 0 and at most 100 (is 101).",
    ]
    assert out.getvalue().splitlines() == [
        f"{units}: 1 rows, 0 created, 0 updated, 0 unchanged, 1 rejected",
        f"{employments}: 2 rows, 0 created, 0 updated, 0 unchanged, 1 rejected",
    ]
    job = ImportJob.objects.order_by("-pk").first()
    assert str(raised.value) == (
        f"Import refused: 2 problem(s), nothing was written (import job {job.pk})."
    )
    assert raised.value.returncode == 1
    assert job.status == "failed"
    assert snapshot() == before


def test_skip_invalid_writes_the_valid_rows_and_the_rejects_file(tmp_path):
    import_example()
    employments = write(
        tmp_path / "employments.csv",
        EMPLOYMENTS,
        "E9,P9,1980-01-01,M,SK,100,2024-01-01,,,fast,Lærer",
        "E10,P10,1980-01-01,M,SK,101,2024-01-01,,,fast,",
    )
    absences = write(
        tmp_path / "absences.csv",
        ABSENCES + ",comment",
        "A9,E9,2024-05-06,2024-05-07,100,egenmeldt,",
        "A10,E10,2024-05-06,2024-05-07,100,egenmeldt,late",
    )
    rejects = tmp_path / "rejects.csv"

    out, err = call(employments, absences, "--skip-invalid", "--rejects", rejects)

    assert err.splitlines() == [
        f"{employments}:3: position_pct: must be more than 0 and at most 100 (is 101).",
        f"{absences}:3: employment_id: employment E10 was rejected ({employments} line 3).",
    ]
    assert f"{employments}: 2 rows, 1 created, 0 updated, 0 unchanged, 1 rejected" in out
    assert f"Rejected rows written to {rejects}." in out
    assert Employment.objects.filter(employment_id__in=["E9", "E10"]).count() == 1
    with rejects.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [
        [
            "file",
            "line",
            "column",
            "reason",
            "employment_id",
            "person_id",
            "birth_date",
            "gender",
            "unit_code",
            "position_pct",
            "start_date",
            "end_date",
            "end_reason",
            "employment_type",
            "job_title",
            "absence_id",
            "grade_pct",
            "kind",
            "comment",
        ],
        [
            str(employments),
            "3",
            "position_pct",
            "must be more than 0 and at most 100 (is 101).",
            "E10",
            "P10",
            "1980-01-01",
            "M",
            "SK",
            "101",
            "2024-01-01",
            "",
            "",
            "fast",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            str(absences),
            "3",
            "employment_id",
            f"employment E10 was rejected ({employments} line 3).",
            "E10",
            "",
            "",
            "",
            "",
            "",
            "2024-05-06",
            "2024-05-07",
            "",
            "",
            "",
            "A10",
            "100",
            "egenmeldt",
            "late",
        ],
    ]


def test_the_rejects_file_has_only_a_header_when_every_row_is_imported(tmp_path):
    rejects = tmp_path / "rejects.csv"

    call(EXAMPLE / "orgunits.csv", "--rejects", rejects)

    assert rejects.read_bytes() == b"file,line,column,reason\r\n"
