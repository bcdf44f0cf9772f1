"""A task through Redis and a real Celery worker process, writing to the test database."""

import time
from pathlib import Path

import pytest

from goals.models import Strategy
from goals.tasks import load_seeded_strategies
from hr.services import ImportSource, hr_import
from measures.models import IndicatorValue


def test_a_real_worker_runs_a_task_from_redis(celery_worker_process):
    assert Strategy.objects.count() == 0

    result = load_seeded_strategies.apply_async(queue=celery_worker_process)
    outcome = result.get(timeout=120)

    assert outcome["created"] == 156
    assert outcome["strategies"] == [
        "stavanger-organisasjonsstrategi",
        "stange-arbeidsgiverpolitisk-plattform",
        "ks-arbeidsgiverpolitikk",
    ]
    assert Strategy.objects.count() == 3
    assert Strategy.objects.get(is_active=True).owner == "Stavanger kommune"


def test_an_import_is_recomputed_by_the_worker_after_commit(celery_worker_process):
    # Given the spec's example imported through the service (committed: transactional)
    folder = Path(__file__).resolve().parent / "data" / "spec_example"
    files = [folder / f"{kind}.csv" for kind in ("orgunits", "employments", "absences")]

    result = hr_import(
        sources=[ImportSource.from_path(f) for f in files], user=None, source="command"
    )

    # Then the worker computes the indicators from the committed data
    assert result.succeeded
    deadline = time.monotonic() + 120
    stored = IndicatorValue.objects.filter(
        indicator__slug="sick_leave_pct", unit__code="K", period="2024-02"
    )
    while not stored.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    value = stored.get()
    assert value.value == pytest.approx(100 * 4.6 / 107.1)
    assert value.n_persons == 6
