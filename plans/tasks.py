"""Celery tasks of the plans app: the tertial report reminders."""

from celery import shared_task
from django.utils import timezone

from measures import periods as P

from .selectors import reminder_list
from .services import tertial_report_reminders_send


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
        year, tertial = P.tertial_of(today)
        if P.tertial(year, tertial).end != today:
            return 0
    return tertial_report_reminders_send(reminders=reminder_list(year=year, tertial=tertial))
