"""A worker killed (SIGKILL) while a recompute writes its values.

The recompute is delivered again and the stored values end up those of an undisturbed
run. The kill is made deterministic: the test holds a lock on one stored value, so the
worker stops in the middle of replacing the values, and is killed there.
"""

import contextlib
import os
import re
import signal
import time
from collections import Counter, defaultdict
from pathlib import Path

import psycopg2
import pytest
from django.db import connection
from django.utils import timezone

from demo.generator import default_end_date, generate_municipality
from hr.models import AbsenceSpell
from measures.engine import recompute_range
from measures.models import Indicator, IndicatorValue, Recompute
from tests.measures.builders import load_csv_folder

from .conftest import (
    celery_client,
    children_of_process,
    require_shared_postgres,
    start_worker,
    stop_process,
    wait_for,
)

pytestmark = pytest.mark.services

# For the test's workers: a task of a killed worker is due again after 3 s.
VISIBILITY_TIMEOUT = 3
FIELDS = (
    "indicator__slug",
    "unit__code",
    "granularity",
    "period",
    "period_start",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "n_persons",
    "suppressed",
)


def stored_values() -> dict[tuple[str, str, str], Counter]:
    """The computed values, grouped by indicator and period (without ids and times)."""
    groups: dict[tuple[str, str, str], Counter] = defaultdict(Counter)
    values = IndicatorValue.objects.filter(indicator__kind=Indicator.Kind.COMPUTED)
    for row in values.values_list(*FIELDS):
        groups[(row[0], row[2], row[3])][row] += 1
    return dict(groups)


@pytest.fixture
def municipality(tmp_path: Path, transactional_db) -> None:
    """A small synthetic municipality, loaded straight into the test database."""
    generate_municipality(
        persons=300,
        seed=11,
        out_dir=tmp_path,
        end_date=default_end_date(timezone.localdate()),
        years=2,
    )
    load_csv_folder(tmp_path)


@contextlib.contextmanager
def a_stored_value_locked(database: str):
    """Lock the latest year's sick leave of a unit in another connection (FOR UPDATE).

    A recompute that replaces it waits for the lock in the middle of its writing.
    """
    holder = psycopg2.connect(database)
    try:
        with holder.cursor() as cursor:
            # A sick-leave value: the spells the test withdraws change it.
            cursor.execute(
                f"SELECT v.id FROM {IndicatorValue._meta.db_table} v "  # noqa: S608
                f"JOIN {Indicator._meta.db_table} i ON i.id = v.indicator_id "
                "WHERE v.granularity = 'year' AND i.slug = 'sick_leave_pct' "
                "ORDER BY v.period DESC, v.id LIMIT 1 FOR UPDATE OF v"
            )
            assert cursor.fetchone() is not None
            cursor.execute("SELECT pg_backend_pid()")
            yield cursor.fetchone()[0]
    finally:
        holder.rollback()
        holder.close()


def someone_waits_for(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE %s = ANY(pg_blocking_pids(pid))", [pid]
        )
        return cursor.fetchone()[0] > 0


def received(output: str) -> list[str]:
    """The tasks a worker took, in order, from its log ("Task name[id] received")."""
    return re.findall(r"Task (\S+\[[0-9a-f-]+\]) received", output)


def drained(redis_client) -> bool:
    """Nothing queued and nothing taken but unacknowledged (acks_late: still running)."""
    return redis_client.llen("celery") == 0 and redis_client.hlen("unacked") == 0


@pytest.mark.parametrize("killed", ["worker", "pool child"])
def test_a_recompute_killed_while_writing_ends_as_an_undisturbed_run(
    killed, municipality, private_redis
):
    database = require_shared_postgres()
    # Given the values of the data as it was
    recompute_range(within_data=True)
    before = stored_values()
    # and a change that alters many of them: a third of the sick-leave spells withdrawn
    spells = list(AbsenceSpell.objects.order_by("pk").values_list("pk", flat=True))
    AbsenceSpell.objects.filter(pk__in=spells[::3]).delete()

    # When a worker runs the recompute and is killed while it replaces the values
    # (a whole worker: its task waits for the visibility timeout and a worker that starts
    # takes it up; a pool child: the worker puts the task back at once)
    timeout = str(VISIBILITY_TIMEOUT if killed == "worker" else 3600)
    worker = start_worker(
        database=database, redis_url=private_redis.url, CELERY_VISIBILITY_TIMEOUT=timeout
    )
    outputs = []
    try:
        with a_stored_value_locked(database) as holder:
            result = celery_client(private_redis.url).send_task("measures.tasks.recompute")
            wait_for(lambda: someone_waits_for(holder), timeout=60, what="the worker to write")
            blocked_at = time.monotonic()
            if killed == "worker":
                os.killpg(worker.pid, signal.SIGKILL)
                outputs.append(stop_process(worker))
            else:
                children = children_of_process(worker.pid)
                assert len(children) == 1
                os.kill(children[0], signal.SIGKILL)
        interim = stored_values()
        interim_recorded = list(Recompute.objects.values_list("status", flat=True))
        if killed == "worker":
            time.sleep(max(0.0, VISIBILITY_TIMEOUT + 0.5 - (time.monotonic() - blocked_at)))
            worker = start_worker(
                database=database, redis_url=private_redis.url, CELERY_VISIBILITY_TIMEOUT=timeout
            )
        result.get(timeout=90)
        # The recompute may queue further tasks of its own: wait until all are done.
        wait_for(lambda: drained(private_redis.client()), timeout=90, what="the queue to drain")
    finally:
        outputs.append(stop_process(worker))
        print("\n".join(f"--- celery worker output ---\n{output}" for output in outputs))
    after = stored_values()
    recorded = list(Recompute.objects.values_list("status", "attempts"))

    # Then the stored values are those of an undisturbed run on the same data
    recompute_range(within_data=True)
    undisturbed = stored_values()
    assert after == undisturbed
    assert sum(before.get(key) != undisturbed[key] for key in undisturbed) > 100
    # and they were never mixed: right after the kill each indicator's period held its
    # old or its new values, never a part of each (nor a duplicate)
    for key in before.keys() | undisturbed.keys() | interim.keys():
        assert interim.get(key) in (before.get(key), undisturbed.get(key)), key
    # and the recompute, recorded by the task as it was sent without a record, is
    # closed (it was on record as running while its worker was dead)
    assert [status for status, _attempts in recorded] == [Recompute.Status.DONE]
    assert interim_recorded == [Recompute.Status.RUNNING]
    # and the task that was running (the recompute or a part of it) was delivered again
    if killed == "worker":
        running = received(outputs[0])[-1]
        assert running in received(outputs[1])
    else:
        running = received(outputs[0].split("WorkerLostError")[0])[-1]
        assert received(outputs[0]).count(running) == 2
