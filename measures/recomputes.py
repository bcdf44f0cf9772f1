"""The recomputes the stored figures are owed: recorded, run, retried until they converge.

The services and selectors of ``Recompute``. Nothing that the figures need is left to a
message alone:

- **Recorded with the change.** An import that changes HR data records a ``Recompute``
  in its own transaction (``recompute_request``, from ``measures.tasks.recompute_enqueue``),
  so a process that dies after the commit leaves the debt on record. The night's
  recompute is recorded too, also when beat could not send it or no beat runs
  (``recompute_nightly_ensure``).
- **A run closes what it covers.** ``recompute_claim`` marks the recompute and every
  open one that starts in a later month as running; a successful run closes them all,
  a failed one marks them failed with the reason and a time before which they are not
  tried again (5 minutes, doubling up to 6 hours): one that keeps failing never loops
  hot, and an import that fixes the data closes it with its own run.
- **With a worker (Redis)** the run is the Celery task ``measures.tasks.recompute``; a
  killed worker's task is delivered again by Redis. Beat's sweep
  (``measures.tasks.recompute_owed``, every 5 minutes) queues the earliest due one (its
  run covers the others): those that could not be queued, failed ones whose wait is
  over, and those queued or running for longer than a task may take (a lost message).
- **Embedded** (no Redis: tasks run in the calling process) a run holds the
  installation's process lock (``strategi.db.process_lock``, let go when its process
  dies), so a recompute marked running while nobody holds the lock was interrupted.
  ``recompute_owed_run`` runs what is owed: ``load_demo`` (so ``make run``) calls it,
  and a request to any page starts it in a background thread
  (``recompute_catch_up_start``, from ``measures.middleware``) without waiting for it.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Literal

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from hr.models import ImportJob
from hr.services import import_job_recompute_pending_set, import_jobs_recompute_done
from strategi.celery import app as celery_app
from strategi.db import process_lock

from . import periods as P
from .engine import recompute_range
from .models import Recompute
from .signals import figures_stored

logger = logging.getLogger(__name__)

# After the n-th failure in a row a recompute waits RETRY_FIRST × 2^(n-1), at most
# RETRY_LONGEST, before it is tried again.
RETRY_FIRST = dt.timedelta(minutes=5)
RETRY_LONGEST = dt.timedelta(hours=6)
# Redis mode: a recompute just asked for is being handed to the queue; the sweep leaves
# it alone this long before it counts as not queued.
QUEUE_GRACE = dt.timedelta(minutes=1)
# Beat sends the nightly recompute on time; the sweep records it only this much later.
NIGHTLY_GRACE = dt.timedelta(minutes=15)
NIGHTLY_MONTHS = 2
# Closed recomputes are kept this long (what ran when, for HR and the administrator).
DONE_KEPT = dt.timedelta(days=90)
# The process lock of embedded runs.
LOCK = "recompute"
# One embedded catch-up runs at most this many recomputes (each closes or fails what it
# claims, so more are needed only for ones asked for meanwhile).
MAX_RUNS = 10

OPEN = ~Q(status=Recompute.Status.DONE)


def embedded() -> bool:
    """Tasks run in the calling process (no ``REDIS_URL``): nobody else will run them."""
    return bool(celery_app.conf.task_always_eager)


def lost_after() -> dt.timedelta:
    """How long a queued or running recompute may take before its message counts as lost.

    Redis hands a task of a dead worker to another after the visibility timeout; one
    still open well after that was lost (e.g. a Redis restarted without its data).
    """
    seconds = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    return dt.timedelta(seconds=int(seconds)) + dt.timedelta(minutes=10)


def retry_wait(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th attempt in a row failed."""
    return min(RETRY_FIRST * 2 ** min(max(attempts, 1) - 1, 16), RETRY_LONGEST)


# --- Asking -----------------------------------------------------------------------------


def recompute_request(
    *,
    reason: str,
    start: dt.date | None,
    import_job: ImportJob | None = None,
    now: dt.datetime | None = None,
) -> Recompute:
    """Record that the figures from the month of ``start`` (None: all) are owed a recompute.

    Call it inside the transaction that changes what they are computed from, so that
    the change and the debt are committed together. An import's job is marked
    ``recompute_pending`` until a run has covered it.
    """
    recompute = Recompute.objects.create(
        reason=reason,
        start=start.replace(day=1) if start else None,
        import_job=import_job,
        requested_at=now or timezone.now(),
    )
    if import_job is not None:
        import_job_recompute_pending_set(job=import_job)
    return recompute


def recompute_queued(*, ids: list[int], now: dt.datetime | None = None) -> None:
    """Redis mode: the run of these recomputes is in the task queue."""
    Recompute.objects.filter(OPEN, pk__in=ids).update(
        queued_at=now or timezone.now(), queue_failed_at=None
    )


def recompute_queue_failed(*, ids: list[int], now: dt.datetime | None = None) -> None:
    """Redis mode: the task queue could not be reached; the sweep queues them later."""
    Recompute.objects.filter(OPEN, pk__in=ids).update(
        queued_at=None, queue_failed_at=now or timezone.now()
    )


def recent_start(today: dt.date, months: int = NIGHTLY_MONTHS) -> dt.date:
    """The first of the last ``months`` complete months before ``today``."""
    start = P.last_complete_month(today).start
    for _ in range(months - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    return start


def _last_nightly_time(now: dt.datetime) -> dt.datetime:
    """The latest time the nightly recompute was due, ``NIGHTLY_GRACE`` ago or earlier."""
    local = timezone.localtime(now - NIGHTLY_GRACE)
    hour, minute = settings.RECOMPUTE_NIGHTLY_AT
    day = local.date()
    if local.time() < dt.time(hour, minute):
        day -= dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _nightly_missing(now: dt.datetime) -> dt.date | None:
    """The nightly recompute's start when none covering it was asked for since it was due."""
    since = _last_nightly_time(now)
    start = recent_start(timezone.localtime(since).date())
    covered = Recompute.objects.filter(requested_at__gte=since).filter(
        Q(start__isnull=True) | Q(start__lte=start)
    )
    return None if covered.exists() else start


def recompute_nightly_ensure(*, now: dt.datetime | None = None) -> Recompute | None:
    """Record the night's recompute when it is past due and nothing covering it was asked for.

    Beat sends ``measures.tasks.recompute_recent`` at ``RECOMPUTE_NIGHTLY_AT``; when it
    could not (Redis down then) or nothing runs beat (embedded mode), the sweep or the
    next request records it here, so a month that has ended still gets its figures.
    """
    now = now or timezone.now()
    start = _nightly_missing(now)
    if start is None:
        return None
    return recompute_request(reason=Recompute.Reason.NIGHTLY, start=start, now=now)


# --- Running ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A run's recompute and the open ones it covers (all marked running)."""

    recompute_id: int
    start: dt.date | None
    ids: list[int]

    @property
    def start_label(self) -> str | None:
        return f"{self.start:%Y-%m}" if self.start else None


def recompute_claim(*, recompute_id: int, now: dt.datetime | None = None) -> Claim | None:
    """Mark recompute ``recompute_id`` and the open ones it covers as running; None: closed.

    It covers those that start in the same or a later month (a run from a month
    recomputes every month after it). Only those recorded now are covered: a change
    committed later has a recompute of its own.
    """
    now = now or timezone.now()
    with transaction.atomic():
        own = Recompute.objects.select_for_update().filter(pk=recompute_id).first()
        if own is None or own.status == Recompute.Status.DONE:
            return None
        covered = Recompute.objects.filter(OPEN)
        if own.start is not None:
            covered = covered.filter(start__gte=own.start)
        ids = sorted({own.pk, *covered.values_list("pk", flat=True)})
        Recompute.objects.filter(OPEN, pk__in=ids).update(
            status=Recompute.Status.RUNNING,
            started_at=now,
            attempts=F("attempts") + 1,
            # The message that started this run is consumed.
            queued_at=None,
        )
    return Claim(recompute_id=own.pk, start=own.start, ids=ids)


def recompute_succeeded(*, ids: list[int], now: dt.datetime | None = None) -> None:
    """Close these recomputes: their figures are stored."""
    now = now or timezone.now()
    with transaction.atomic():
        Recompute.objects.filter(pk__in=ids).update(
            status=Recompute.Status.DONE,
            finished_at=now,
            error="",
            next_attempt_at=None,
            queue_failed_at=None,
        )
        jobs = set(
            Recompute.objects.filter(pk__in=ids, import_job__isnull=False).values_list(
                "import_job_id", flat=True
            )
        )
        still_owed = set(
            Recompute.objects.filter(OPEN, import_job_id__in=jobs).values_list(
                "import_job_id", flat=True
            )
        )
        import_jobs_recompute_done(job_ids=sorted(jobs - still_owed))


def _reason(error: BaseException | str) -> str:
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    text = " ".join(text.split())
    return text if len(text) <= 500 else text[:499] + "…"


def recompute_failed(
    *, ids: list[int], error: BaseException | str, now: dt.datetime | None = None
) -> None:
    """Mark these recomputes failed with a short reason; each waits before it is tried again."""
    now = now or timezone.now()
    reason = _reason(error)
    with transaction.atomic():
        for pk, attempts in Recompute.objects.filter(OPEN, pk__in=ids).values_list(
            "pk", "attempts"
        ):
            Recompute.objects.filter(pk=pk).update(
                status=Recompute.Status.FAILED,
                failed_at=now,
                error=reason,
                next_attempt_at=now + retry_wait(attempts),
            )


def recompute_claimed_run(claim: Claim) -> dict[str, Any]:
    """Recompute from the claim's month and close what it covers.

    A failure is recorded on everything claimed, then raised.
    """
    try:
        result = recompute_range(start=claim.start_label, within_data=True)
    except Exception as exc:
        recompute_failed(ids=claim.ids, error=exc)
        raise
    recompute_succeeded(ids=claim.ids)
    for receiver, outcome in figures_stored.send_robust(sender=Recompute):
        if isinstance(outcome, Exception):
            logger.error("%r failed after a recompute.", receiver, exc_info=outcome)
    return {**result.as_dict(), "recompute": claim.recompute_id, "closed": len(claim.ids)}


def recompute_run(*, recompute_id: int) -> dict[str, Any]:
    """Run recompute ``recompute_id`` here and now (see ``recompute_claimed_run``)."""
    claim = recompute_claim(recompute_id=recompute_id)
    if claim is None:
        return {"recompute": recompute_id, "skipped": True}
    return recompute_claimed_run(claim)


def recompute_run_embedded(*, recompute_id: int) -> dict[str, Any]:
    """Embedded mode: run it under the process lock, or leave it owed when another runs.

    Another process (or thread) holding the lock runs what is owed when it has finished
    its own, and the next request starts a run: nobody waits here. A failure is
    recorded and logged, not raised: the figures stay as they were, HR sees why.
    """
    with process_lock(LOCK, blocking=False) as held:
        if not held:
            logger.info("Recompute %s waits: another recompute is running.", recompute_id)
            return {"recompute": recompute_id, "deferred": True}
        try:
            return recompute_run(recompute_id=recompute_id)
        except Exception as exc:
            logger.exception("Recompute %s failed; it is tried again later.", recompute_id)
            return {"recompute": recompute_id, "failed": _reason(exc)}


# --- What is owed -----------------------------------------------------------------------


def recompute_owed_due(
    *, now: dt.datetime | None = None, embedded: bool, force: bool = False
) -> QuerySet[Recompute]:
    """The open recomputes that should run now.

    Failed ones whose wait is over (``force``: every failed one). Embedded mode, asked
    while holding the process lock: every waiting one, and every running one (its run
    was interrupted: nobody holds the lock). Redis mode: those not in the queue (it was
    unreachable) and those queued or running for longer than ``lost_after``.
    """
    now = now or timezone.now()
    failed = Q(status=Recompute.Status.FAILED)
    if not force:
        failed &= Q(next_attempt_at__lte=now)
    if embedded:
        return Recompute.objects.filter(
            failed | Q(status__in=[Recompute.Status.PENDING, Recompute.Status.RUNNING])
        )
    lost = now - lost_after()
    not_queued = Q(queued_at__isnull=True) | Q(queued_at__lte=lost)
    return Recompute.objects.filter(
        (failed & not_queued)
        | Q(status=Recompute.Status.PENDING, queued_at__isnull=True, queue_failed_at__isnull=False)
        | Q(
            status=Recompute.Status.PENDING,
            queued_at__isnull=True,
            requested_at__lte=now - QUEUE_GRACE,
        )
        | Q(status=Recompute.Status.PENDING, queued_at__lte=lost)
        | (Q(status=Recompute.Status.RUNNING, started_at__lte=lost) & not_queued)
    )


def recompute_earliest(recomputes: QuerySet[Recompute]) -> Recompute | None:
    """The one whose run covers all the others: from all months first, then the earliest."""
    return (
        recomputes.filter(start__isnull=True).order_by("pk").first()
        or recomputes.order_by("start", "pk").first()
    )


def recompute_done_prune(*, now: dt.datetime | None = None) -> int:
    """Forget closed recomputes older than ``DONE_KEPT``."""
    now = now or timezone.now()
    deleted, _ = Recompute.objects.filter(
        status=Recompute.Status.DONE, finished_at__lt=now - DONE_KEPT
    ).delete()
    return deleted


@dataclass
class OwedResult:
    """What ``recompute_owed_run`` did."""

    busy: bool = False  # another process or thread was running the recomputes
    runs: int = 0
    values_stored: int = 0
    failures: list[str] = field(default_factory=list)


def recompute_owed_run(*, force: bool = False, blocking: bool = False) -> OwedResult:
    """Embedded mode: run, in this thread, every recompute that is owed and due.

    Under the process lock (``blocking``: wait for another run to finish first), so a
    recompute left running by a process that died is run again. ``force`` also runs
    failed ones whose wait is not over (``load_demo``, an administrator's command); a
    failure ends that.
    """
    result = OwedResult()
    with process_lock(LOCK, blocking=blocking) as held:
        if not held:
            result.busy = True
            return result
        recompute_nightly_ensure()
        recompute_done_prune()
        for _ in range(MAX_RUNS):
            first = recompute_earliest(recompute_owed_due(embedded=True, force=force))
            if first is None:
                break
            result.runs += 1
            try:
                outcome = recompute_run(recompute_id=first.pk)
            except Exception as exc:
                logger.exception("Recompute %s failed; it is tried again later.", first.pk)
                result.failures.append(_reason(exc))
                force = False
            else:
                result.values_stored += int(outcome.get("values_stored", 0))
    return result


# --- Embedded mode: catching up in the background ---------------------------------------

_catch_up_guard = threading.Lock()
_catch_up_thread: threading.Thread | None = None
_catch_up_next_check = 0.0


def recompute_owed_exists() -> bool:
    """Embedded mode: something is owed now (a question of one or two index look-ups)."""
    now = timezone.now()
    return recompute_owed_due(now=now, embedded=True).exists() or _nightly_missing(now) is not None


def recompute_catch_up_start() -> bool:
    """Embedded mode, on a request: start what is owed in a background thread; never wait.

    Asks the database at most every ``RECOMPUTE_CATCH_UP_SECONDS`` per process (0: never)
    and keeps one such thread per process; the thread takes the installation's process
    lock without waiting, so of several processes one runs and the others leave it.
    Returns whether a thread was started.
    """
    global _catch_up_thread, _catch_up_next_check
    interval = settings.RECOMPUTE_CATCH_UP_SECONDS
    if not interval or not embedded():
        return False
    with _catch_up_guard:
        clock = time.monotonic()
        running = _catch_up_thread is not None and _catch_up_thread.is_alive()
        if running or clock < _catch_up_next_check:
            return False
        _catch_up_next_check = clock + interval
    try:
        owed = recompute_owed_exists()
    except DatabaseError:  # e.g. before the first migrate; the page itself decides
        logger.warning("Could not check for owed recomputes.", exc_info=True)
        return False
    if not owed:
        return False
    with _catch_up_guard:
        if _catch_up_thread is not None and _catch_up_thread.is_alive():
            return False
        _catch_up_thread = threading.Thread(
            target=_catch_up, name="strategi-recompute", daemon=True
        )
        _catch_up_thread.start()
    return True


def _catch_up() -> None:
    try:
        outcome = recompute_owed_run()
        if outcome.runs:
            logger.info(
                "Caught up: %d recompute run(s), %d failed.", outcome.runs, len(outcome.failures)
            )
    except Exception:
        logger.exception("The recompute catch-up stopped.")
    finally:
        # The thread's own connection.
        connection.close()


# --- What HR is told --------------------------------------------------------------------


@dataclass(frozen=True)
class RecomputeNotice:
    """What the pages tell HR about figures that are not up to date."""

    state: Literal["failed", "unqueued", "running"]
    start: dt.date | None  # from which month (None: all months)
    failed_at: dt.datetime | None = None
    error: str = ""
    next_attempt_at: dt.datetime | None = None
    attempts: int = 0


def recompute_notice() -> RecomputeNotice | None:
    """HR's notice: a failure first, then a queue that was unreachable, then work under way.

    None when every recompute asked for is done.
    """
    open_ = list(Recompute.objects.filter(OPEN))
    if not open_:
        return None

    def earliest(rows: list[Recompute]) -> dt.date | None:
        starts = [row.start for row in rows]
        return None if None in starts else min(start for start in starts if start)

    failed = [row for row in open_ if row.status == Recompute.Status.FAILED]
    if failed:
        last = max(failed, key=lambda row: (row.failed_at is not None, row.failed_at, row.pk))
        waits = [row.next_attempt_at for row in failed if row.next_attempt_at]
        return RecomputeNotice(
            state="failed",
            start=earliest(failed),
            failed_at=last.failed_at,
            error=last.error,
            next_attempt_at=min(waits) if waits else None,
            attempts=max(row.attempts for row in failed),
        )
    unqueued = [
        row
        for row in open_
        if row.status == Recompute.Status.PENDING
        and row.queue_failed_at is not None
        and row.queued_at is None
    ]
    if unqueued and not embedded():
        return RecomputeNotice(state="unqueued", start=earliest(unqueued))
    return RecomputeNotice(state="running", start=earliest(open_))
