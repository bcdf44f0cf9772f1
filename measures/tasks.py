"""Celery tasks of the measures app."""

from typing import Any

from celery import shared_task

from .engine import recompute_range


@shared_task(acks_late=True)
def recompute(start: str | None = None, end: str | None = None) -> dict[str, Any]:
    """Recompute the computed indicators for the months ``start``…``end`` (YYYY-MM).

    Queued after imports; the range is kept within the months that have absence data.
    Idempotent: it replaces the stored values of the range, so a redelivered task
    gives the same result.
    """
    return recompute_range(start=start, end=end, within_data=True).as_dict()
