"""Celery tasks of the plans app: a round's notices and a report's transitions."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from . import notifications, selectors
from .services import round_open_when_figures_exist


@shared_task(acks_late=True)
def round_notices(today: str | None = None) -> int:
    """Open the ended tertial's round if its figures exist, then send the due notices.

    Beat runs it every morning (and every 15 minutes for the transitions a lost task
    did not tell); opening a round queues it at once. ``today`` (ISO date) is for
    tests and manual runs. Returns how many mails were sent.
    """
    day = dt.date.fromisoformat(today) if today else timezone.localdate()
    round_open_when_figures_exist(today=day)
    sent = 0
    round_ = selectors.round_open_latest()
    if round_ is not None:
        sent += notifications.round_notices_send(round_=round_, today=day)
    return sent + notifications.report_events_notify_pending()


@shared_task(acks_late=True)
def report_event_notify(event_id: int) -> int:
    """Tell the people a report's transition concerns (once); how many mails were sent."""
    return notifications.report_event_notify(event_id=event_id)


@shared_task(acks_late=True)
def report_events_notify_pending() -> int:
    """The transitions no task told yet (the broker was down, or a task was lost)."""
    return notifications.report_events_notify_pending()
