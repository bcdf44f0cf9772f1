"""Celery tasks of the measures app.

A recompute fans out: ``recompute`` prepares what every part reads (calendar, closure
table, indicators), then replaces itself with a chord of ``recompute_slice`` tasks, one
per calendar year, and ``recompute_done``, which adds up their results. Each slice
replaces its own year's values in one transaction (never half-written) and is
idempotent, so a slice redelivered after a worker died gives the same values; more
workers take more slices at once. Waiting on ``recompute``'s result waits for the
whole chord. Without a broker (eager mode) everything runs in-process, in order.
"""

import datetime as dt
from typing import Any

from celery import Task, chord, shared_task
from django.utils import timezone

from hr.models import ImportJob
from hr.services import import_job_recompute_pending_set
from strategi.celery import enqueue_on_commit

from . import periods as P
from . import services
from .engine import RecomputeResult, recompute_plan, recompute_prepare, recompute_range


@shared_task(bind=True, acks_late=True)
def recompute(self: Task, start: str | None = None, end: str | None = None) -> dict[str, Any]:
    """Recompute the computed indicators for the months ``start``…``end`` (YYYY-MM).

    Queued after imports; the range is kept within the months that have absence data.
    Idempotent: it replaces the stored values of the range, so a redelivered task
    gives the same result.
    """
    plan = recompute_plan(start=start, end=end, within_data=True)
    slices = plan.slices() if plan else []
    if plan is None or self.request.is_eager or len(slices) < 2:
        return recompute_range(start=start, end=end, within_data=True).as_dict()
    recompute_prepare(plan)
    # The slices' bounds are fixed here, so a slice run later covers the same months.
    # They go to the queue this task came from (a test's or a deployment's own queue).
    options: dict[str, Any] = {}
    if queue := (self.request.delivery_info or {}).get("routing_key"):
        options["queue"] = queue
    parts = [recompute_slice.si(first, last).set(**options) for first, last in slices]
    callback = recompute_done.s(plan.start, plan.end).set(**options)
    raise self.replace(chord(parts, callback))


@shared_task(acks_late=True)
def recompute_slice(start: str, end: str) -> dict[str, Any]:
    """One part of a fanned-out ``recompute``: the months ``start``…``end`` of one year."""
    return recompute_range(start=start, end=end, prepare=False).as_dict()


@shared_task(acks_late=True)
def recompute_done(results: list[dict[str, Any]], start: str, end: str) -> dict[str, Any]:
    """The chord's callback: one result for the whole recompute.

    It only adds up; the values are already stored by the slices, so running it twice
    (a redelivery) changes nothing.
    """
    total = RecomputeResult(start=start, end=end)
    for part in results:
        total.values_stored += part["values_stored"]
        total.periods += part["periods"]
        total.units = max(total.units, part["units"])
        total.seconds += part["seconds"]
    return {**total.as_dict(), "slices": len(results)}


@shared_task
def health_data_access_prune() -> int:
    """Beat: forget views of health data older than ``HEALTH_DATA_ACCESS_LOG_DAYS``."""
    return services.health_data_access_prune()


@shared_task(acks_late=True)
def recompute_recent(months: int = 2) -> dict[str, Any]:
    """Nightly: recompute the last ``months`` complete months with their tertial and year.

    A month, tertial or year that has just ended gets its figures the night after.
    """
    last = P.last_complete_month(timezone.localdate())
    start = last.start
    for _ in range(months - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    return recompute_range(start=start.strftime("%Y-%m"), within_data=True).as_dict()


def recompute_enqueue(*, job: ImportJob) -> None:
    """Queue the recompute of the months an import changed, once it is committed.

    The one way a recompute is asked for: when the task queue cannot be reached, the
    job is marked ``recompute_pending`` and ``hr.tasks.requeue_pending`` asks again.
    """
    if job.first_month_touched is None:
        return
    enqueue_on_commit(
        recompute,
        start=job.first_month_touched.strftime("%Y-%m"),
        on_unreachable=lambda: import_job_recompute_pending_set(job=job),
    )


def recompute_after_hr_change(sender: object, *, job: ImportJob, **kwargs: object) -> None:
    """Receiver of ``hr.signals.hr_data_changed`` (connected in ``MeasuresConfig.ready``)."""
    recompute_enqueue(job=job)
