"""A recompute that fails on a worker (an exception, not a kill) is retried by beat's
sweep once its wait is over, and the stored values converge to an undisturbed run.

The failure is real: the worker's database sessions give up waiting for a row lock
after one second (``lock_timeout``), and the test holds a lock on a stored value that
the recompute must replace, so a slice of the fanned-out recompute fails.
"""

import time

import pytest
from django.utils import timezone

from hr.models import AbsenceSpell
from measures.engine import recompute_plan, recompute_range
from measures.models import Recompute
from measures.recomputes import RETRY_FIRST, recompute_request

from .conftest import (
    celery_client,
    require_shared_postgres,
    start_worker,
    stop_process,
    wait_for,
)
from .test_worker_killed import (  # noqa: F401 - municipality is a fixture
    a_stored_value_locked,
    drained,
    municipality,
    someone_waits_for,
    stored_values,
)

pytestmark = pytest.mark.services


@pytest.mark.usefixtures("municipality")
def test_a_recompute_that_fails_on_a_worker_is_retried_by_the_sweep_and_converges(
    private_redis,
):
    database = require_shared_postgres()
    # Given stored values, then a change that alters many of them, and a recompute of
    # all months owed (as an import records it), fanned out in slices
    recompute_range(within_data=True)
    before = stored_values()
    spells = list(AbsenceSpell.objects.order_by("pk").values_list("pk", flat=True))
    AbsenceSpell.objects.filter(pk__in=spells[::3]).delete()
    owed = recompute_request(reason=Recompute.Reason.REQUESTED, start=None)
    assert len(recompute_plan(within_data=True).slices()) >= 2
    worker = start_worker(
        database=f"{database}?options=-c%20lock_timeout%3D1000", redis_url=private_redis.url
    )
    client = celery_client(private_redis.url)
    try:
        # When the worker runs it while a value it must replace stays locked
        with a_stored_value_locked(database) as holder:
            client.send_task("measures.tasks.recompute", kwargs={"recompute_id": owed.pk})
            wait_for(lambda: someone_waits_for(holder), timeout=60, what="the worker to write")
            wait_for(
                lambda: Recompute.objects.get(pk=owed.pk).status == Recompute.Status.FAILED,
                timeout=60,
                what="the failure to be recorded",
            )
        wait_for(lambda: drained(private_redis.client()), timeout=60, what="the queue to drain")

        # Then the failure is recorded, with its reason and its wait
        owed.refresh_from_db()
        assert owed.attempts == 1
        assert owed.error.startswith("OperationalError: canceling statement due to lock timeout")
        assert owed.next_attempt_at == owed.failed_at + RETRY_FIRST
        # and the sweep leaves it alone until the wait is over (no hot loop)
        swept = client.send_task("measures.tasks.recompute_owed").get(timeout=60)
        assert swept == {"queued": None, "due": 0}
        time.sleep(1)
        assert Recompute.objects.get(pk=owed.pk).attempts == 1

        # When the wait is over and beat's sweep runs
        Recompute.objects.filter(pk=owed.pk).update(next_attempt_at=timezone.now())
        swept = client.send_task("measures.tasks.recompute_owed").get(timeout=60)
        assert swept == {"queued": owed.pk, "due": 1}
        wait_for(
            lambda: Recompute.objects.get(pk=owed.pk).status == Recompute.Status.DONE,
            timeout=120,
            interval=0.3,
            what="the retried recompute",
        )
        wait_for(lambda: drained(private_redis.client()), timeout=60, what="the queue to drain")
    finally:
        print(f"--- celery worker output ---\n{stop_process(worker)}")
    after = stored_values()

    # Then it ran once more, and the values are those of an undisturbed run
    owed.refresh_from_db()
    assert (owed.attempts, owed.error, owed.next_attempt_at) == (2, "", None)
    recompute_range(within_data=True)
    undisturbed = stored_values()
    assert after == undisturbed
    assert sum(before.get(key) != undisturbed[key] for key in undisturbed) > 100
