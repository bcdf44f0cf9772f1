"""A task through Redis and a real Celery worker process, writing to the test database."""

from goals.models import Strategy
from goals.tasks import load_seeded_strategies


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
