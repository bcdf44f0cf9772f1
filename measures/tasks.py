"""Celery tasks of the measures app.

A recompute fans out: ``recompute`` prepares what every part reads (calendar, closure
table, indicators), then replaces itself with a chord of ``recompute_slice`` tasks, one
per calendar year, and ``recompute_done``, which adds up their results. Each slice
replaces its own year's values in one transaction (never half-written) and is
idempotent, so a slice redelivered after a worker died gives the same values; more
workers take more slices at once. Waiting on ``recompute``'s result waits for the
whole chord. Without a broker (eager mode) everything runs in-process, in order.

Every recompute is recorded (``measures.recomputes``): ``recompute`` runs a recorded
one and closes it when its values are stored, or records why it failed; beat's
``recompute_owed`` queues again what could not be queued, failed, or was lost.
"""

import datetime as dt
from typing import Any

from celery import Task, chord, shared_task
from django.utils import timezone

from hr.models import ImportJob
from strategi.celery import enqueue_on_commit

from . import periods as P
from . import recomputes, services
from .engine import RecomputeResult, recompute_plan, recompute_prepare, recompute_range
from .models import Recompute


@shared_task(bind=True, acks_late=True)
def recompute(
    self: Task,
    start: str | None = None,
    end: str | None = None,
    recompute_id: int | None = None,
) -> dict[str, Any]:
    """Run the recorded recompute ``recompute_id``: its months to the last complete one.

    Queued after imports (``recompute_enqueue``) and by the sweep; the range is kept
    within the months that have absence data. Sent without ``recompute_id`` it records
    one from ``start`` first; with an ``end`` it only recomputes those months, unrecorded.
    Idempotent: it replaces the stored values of the range, so a redelivered task gives
    the same result. A failure is recorded on the recompute (and raised, with a worker).
    """
    if end is not None:
        return recompute_range(start=start, end=end, within_data=True).as_dict()
    if recompute_id is None:
        first = P.parse(start).start if start else None
        recompute_id = recomputes.recompute_request(
            reason=Recompute.Reason.REQUESTED, start=first
        ).pk
    if self.request.is_eager:
        return recomputes.recompute_run_embedded(recompute_id=recompute_id)
    claim = recomputes.recompute_claim(recompute_id=recompute_id)
    if claim is None:
        return {"recompute": recompute_id, "skipped": True}
    try:
        plan = recompute_plan(start=claim.start_label, within_data=True)
        slices = plan.slices() if plan else []
        if plan is not None and len(slices) >= 2:
            recompute_prepare(plan)
    except Exception as exc:
        recomputes.recompute_failed(ids=claim.ids, error=exc)
        raise
    if plan is None or len(slices) < 2:
        return recomputes.recompute_claimed_run(claim)
    # The slices' bounds are fixed here, so a slice run later covers the same months.
    # They go to the queue this task came from (a test's or a deployment's own queue).
    options: dict[str, Any] = {}
    if queue := (self.request.delivery_info or {}).get("routing_key"):
        options["queue"] = queue
    parts = [recompute_slice.si(first, last, claim.ids).set(**options) for first, last in slices]
    callback = recompute_done.s(plan.start, plan.end, claim.ids).set(**options)
    raise self.replace(chord(parts, callback))


@shared_task(acks_late=True)
def recompute_slice(start: str, end: str, recompute_ids: list[int] | None = None) -> dict[str, Any]:
    """One part of a fanned-out ``recompute``: the months ``start``…``end`` of one year.

    A failure marks the recomputes it was for as failed (the chord then never closes
    them), so the sweep tries them again.
    """
    try:
        return recompute_range(start=start, end=end, prepare=False).as_dict()
    except Exception as exc:
        if recompute_ids:
            recomputes.recompute_failed(ids=recompute_ids, error=exc)
        raise


@shared_task(acks_late=True)
def recompute_done(
    results: list[dict[str, Any]], start: str, end: str, recompute_ids: list[int] | None = None
) -> dict[str, Any]:
    """The chord's callback: one result for the whole recompute, which is closed.

    It only adds up; the values are already stored by the slices, so running it twice
    (a redelivery) changes nothing.
    """
    total = RecomputeResult(start=start, end=end)
    for part in results:
        total.values_stored += part["values_stored"]
        total.periods += part["periods"]
        total.units = max(total.units, part["units"])
        total.seconds += part["seconds"]
    if recompute_ids:
        recomputes.recompute_succeeded(ids=recompute_ids)
    return {**total.as_dict(), "slices": len(results)}


@shared_task
def health_data_access_prune() -> int:
    """Beat: forget views of health data older than ``HEALTH_DATA_ACCESS_LOG_DAYS``."""
    return services.health_data_access_prune()


@shared_task(bind=True, acks_late=True)
def recompute_recent(self: Task, months: int = recomputes.NIGHTLY_MONTHS) -> dict[str, Any]:
    """Nightly: recompute the last ``months`` complete months with their tertial and year.

    A month, tertial or year that has just ended gets its figures the night after. It
    is recorded like every recompute (and recorded by the sweep when beat could not
    send it).
    """
    owed = recomputes.recompute_request(
        reason=Recompute.Reason.NIGHTLY,
        start=recomputes.recent_start(timezone.localdate(), months),
    )
    if self.request.is_eager:
        return recomputes.recompute_run_embedded(recompute_id=owed.pk)
    return recomputes.recompute_run(recompute_id=owed.pk)


@shared_task
def recompute_owed(force: bool = False) -> dict[str, Any]:
    """Beat, every few minutes: queue the owed recomputes that are due.

    See ``recompute_owed_queue``; in embedded mode it runs them instead.
    """
    if recomputes.embedded():
        outcome = recomputes.recompute_owed_run(force=force)
        return {"runs": outcome.runs, "failures": outcome.failures, "busy": outcome.busy}
    return recompute_owed_queue(force=force)


def recompute_owed_queue(*, force: bool = False, now: dt.datetime | None = None) -> dict[str, Any]:
    """Redis mode: queue one run from the earliest due recompute; it covers the others.

    Due: not queued (the queue was unreachable), failed and past its wait (``force``:
    any failed one), queued or running for longer than a task may take. The night's
    recompute is recorded first when beat could not send it. Returns the recompute
    queued (None: nothing due) and how many were due.
    """
    now = now or timezone.now()
    nightly = recomputes.recompute_nightly_ensure(now=now)
    recomputes.recompute_done_prune(now=now)
    due = recomputes.recompute_owed_due(now=now, embedded=False, force=force)
    if nightly is not None:
        due = due | Recompute.objects.filter(pk=nightly.pk)
    first = recomputes.recompute_earliest(due)
    if first is None:
        return {"queued": None, "due": 0}
    ids = list(due.values_list("pk", flat=True))
    recompute_queue(run=first.pk, ids=ids)
    return {"queued": first.pk, "due": len(ids)}


def recompute_queue(*, run: int, ids: list[int]) -> None:
    """Queue the run of recompute ``run`` after commit; ``ids`` (``run`` among them) are
    marked queued, or, when the task queue cannot be reached, marked so for the sweep."""
    enqueue_on_commit(
        recompute,
        recompute_id=run,
        on_queued=lambda: recomputes.recompute_queued(ids=ids),
        on_unreachable=lambda: recomputes.recompute_queue_failed(ids=ids),
    )


def recompute_enqueue(*, job: ImportJob) -> None:
    """Record the recompute an import's changes need, and queue it once committed.

    The one way an import asks for a recompute: it is recorded in the import's
    transaction (so it is not lost when the process dies after the commit), and run
    after the commit by a worker, or in-process in embedded mode.
    """
    if job.first_month_touched is None:
        return
    owed = recomputes.recompute_request(
        reason=Recompute.Reason.IMPORT, start=job.first_month_touched, import_job=job
    )
    recompute_queue(run=owed.pk, ids=[owed.pk])


def recompute_after_hr_change(sender: object, *, job: ImportJob, **kwargs: object) -> None:
    """Receiver of ``hr.signals.hr_data_changed`` (connected in ``MeasuresConfig.ready``)."""
    recompute_enqueue(job=job)
