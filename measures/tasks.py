"""Celery tasks of the measures app."""

import datetime as dt
from typing import Any

from celery import shared_task
from django.utils import timezone

from . import periods as P
from .engine import recompute_range


@shared_task(acks_late=True)
def recompute(start: str | None = None, end: str | None = None) -> dict[str, Any]:
    """Recompute the computed indicators for the months ``start``…``end`` (YYYY-MM).

    Queued after imports; the range is kept within the months that have absence data.
    Idempotent: it replaces the stored values of the range, so a redelivered task
    gives the same result.
    """
    return recompute_range(start=start, end=end, within_data=True).as_dict()


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
