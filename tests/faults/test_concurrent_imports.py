"""Two imports at once: the result equals running them one after the other."""

import csv
import io
import threading
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from demo.generator import default_end_date, generate_municipality
from hr.services import ImportResult, ImportSource, hr_import
from tests.hr.hr_import_helpers import messages, snapshot

from .conftest import require_shared_postgres

pytestmark = pytest.mark.services


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def csv_source(name: str, header: list[str], rows: list[dict[str, str]]) -> ImportSource:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return ImportSource(name=name, content=out.getvalue().encode())


def overlapping_batches(folder: Path) -> tuple[list[ImportSource], list[ImportSource]]:
    """Two batches of one municipality: the same units, two thirds of the employments
    each (the middle third in both, with other position percentages in the second),
    each with the sick leave of its employments."""
    unit_header, unit_rows = read_rows(folder / "orgunits.csv")
    job_header, job_rows = read_rows(folder / "employments.csv")
    absence_header, absence_rows = read_rows(folder / "absences.csv")
    third = len(job_rows) // 3
    first_jobs = job_rows[: 2 * third]
    second_jobs = [
        {**row, "position_pct": "50"} if index < third else row
        for index, row in enumerate(job_rows[third:])
    ]

    def batch(jobs: list[dict[str, str]]) -> list[ImportSource]:
        ids = {row["employment_id"] for row in jobs}
        return [
            csv_source("orgunits.csv", unit_header, unit_rows),
            csv_source("employments.csv", job_header, jobs),
            csv_source(
                "absences.csv",
                absence_header,
                [row for row in absence_rows if row["employment_id"] in ids],
            ),
        ]

    return batch(first_jobs), batch(second_jobs)


def run(sources: list[ImportSource]) -> ImportResult:
    result = hr_import(sources=sources, user=None, source="command")
    assert result.succeeded, messages(result)
    return result


def run_at_once(*batches: list[ImportSource]) -> list[ImportResult | BaseException]:
    """Each batch imported by a thread of its own (own connection), started together."""
    start = threading.Barrier(len(batches))
    outcomes: list[ImportResult | BaseException] = [RuntimeError("not run")] * len(batches)

    def work(index: int, sources: list[ImportSource]) -> None:
        try:
            start.wait(timeout=30)
            outcomes[index] = hr_import(sources=sources, user=None, source="command")
        except BaseException as exc:  # reported by the test
            outcomes[index] = exc
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=work, args=(index, sources))
        for index, sources in enumerate(batches)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_two_imports_at_once_equal_one_after_the_other(
    tmp_path, transactional_db, recomputes_discarded
):
    require_shared_postgres()
    generate_municipality(
        persons=600,
        seed=5,
        out_dir=tmp_path,
        end_date=default_end_date(timezone.localdate()),
        years=2,
    )
    first, second = overlapping_batches(tmp_path)

    # Given the results of the two imports one after the other, in either order
    run(first)
    run(second)
    first_then_second = snapshot()
    call_command("flush", interactive=False, verbosity=0)
    run(second)
    run(first)
    second_then_first = snapshot()
    assert first_then_second != second_then_first
    call_command("flush", interactive=False, verbosity=0)

    # When both are imported at the same time
    outcomes = run_at_once(first, second)

    # Then both succeed and the data equals one of the two orders
    for outcome in outcomes:
        assert isinstance(outcome, ImportResult), repr(outcome)
        assert outcome.succeeded, messages(outcome)
    assert connection.vendor == "postgresql"
    assert snapshot() in (first_then_second, second_then_first)
