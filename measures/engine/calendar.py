"""The working-day calendar (spec: Calendar), stored cumulatively in ``CalendarDay``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import holidays
from django.db import transaction

from ..models import CalendarDay


def working_days(first: dt.date, last: dt.date) -> Iterable[tuple[dt.date, bool]]:
    """Each day from ``first`` to ``last`` and whether it is a working day (spec: Calendar)."""
    public = holidays.country_holidays("NO", years=range(first.year, last.year + 1))
    day = first
    while day <= last:
        yield day, day.weekday() < 5 and day not in public
        day += dt.timedelta(days=1)


@transaction.atomic
def calendar_ensure(first: dt.date, last: dt.date) -> None:
    """Make the calendar table cover whole years from ``first`` to ``last``.

    The cumulative counts must run from one start, so a table that does not cover the
    range is rebuilt whole (a few thousand rows).
    """
    first, last = dt.date(first.year, 1, 1), dt.date(last.year, 12, 31)
    bounds = CalendarDay.objects.order_by("date").values_list("date", flat=True)
    lowest, highest = bounds.first(), bounds.last()
    if lowest is not None and highest is not None:
        if lowest <= first and highest >= last:
            return
        first, last = min(first, lowest), max(last, highest)
    CalendarDay.objects.all().delete()
    rows, before = [], 0
    for day, is_working in working_days(first, last):
        through = before + is_working
        rows.append(
            CalendarDay(
                date=day,
                is_working_day=is_working,
                working_days_before=before,
                working_days_through=through,
            )
        )
        before = through
    CalendarDay.objects.bulk_create(rows, batch_size=5000)
