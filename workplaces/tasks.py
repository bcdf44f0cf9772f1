"""Celery tasks of the workplaces app."""

import logging

from celery import shared_task
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from measures import periods as P

from .models import ImportJob
from .report_selectors import reminder_list
from .reports import tertial_of, tertial_report_reminders_send

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def tertial_report_reminders(year: int | None = None, tertial: int | None = None) -> int:
    """E-mail each leader whose unit has no submitted report for the tertial; the count.

    Without arguments (Celery beat) the tertial is the one that ends today, and on any
    other day the task does nothing: beat runs it on the 28th–31st of April, August
    and December, and only the tertial's last day sends. With ``year`` and ``tertial``
    it sends for that tertial whatever the day (a manual reminder).
    """
    if year is None or tertial is None:
        today = timezone.localdate()
        year, tertial = tertial_of(today)
        if P.tertial(year, tertial).end != today:
            return 0
    return tertial_report_reminders_send(reminders=reminder_list(year=year, tertial=tertial))


@shared_task
def requeue_pending_recomputes() -> str | None:
    """Queue the recompute that imports could not queue (Redis down); its first month.

    Celery beat runs it every few minutes. One recompute from the earliest month that
    any pending import touched covers them all; the jobs' flags are cleared in the same
    transaction, so a second run finds nothing (None), and a failure to queue keeps them.
    """
    from measures.tasks import recompute

    with transaction.atomic():
        pending = ImportJob.objects.select_for_update().filter(
            recompute_pending=True, first_month_touched__isnull=False
        )
        ids = list(pending.values_list("pk", flat=True))
        if not ids:
            return None
        first = ImportJob.objects.filter(pk__in=ids).aggregate(first=Min("first_month_touched"))
        start = first["first"].strftime("%Y-%m")
        # Queued before the flags are cleared: if Redis is still down this raises and
        # the flags stay for the next run. (Queueing inside the transaction is safe
        # here: the recompute reads the imports' data, committed long ago.)
        recompute.delay(start=start)
        ImportJob.objects.filter(pk__in=ids).update(recompute_pending=False)
    logger.info("Queued the pending recompute from %s (import jobs %s).", start, ids)
    return start
