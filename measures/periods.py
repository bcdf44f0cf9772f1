"""Periods of the spec (spec/indicators.md, "Periods"): months, tertials, years."""

import calendar
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

MONTH = "month"
TERTIAL = "tertial"
YEAR = "year"
GRANULARITIES = (MONTH, TERTIAL, YEAR)
# A unit's series or latest value uses the finest granularity it has values in.
FINEST_FIRST = (MONTH, TERTIAL, YEAR)

_PATTERNS = {
    MONTH: re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
    TERTIAL: re.compile(r"^(\d{4})-T([1-3])$"),
    YEAR: re.compile(r"^(\d{4})$"),
}


@dataclass(frozen=True, order=True)
class Period:
    """A calendar month, tertial (T1 Jan–Apr, T2 May–Aug, T3 Sep–Dec) or year."""

    start: dt.date
    end: dt.date
    granularity: str
    label: str

    @property
    def reference_date(self) -> dt.date:
        """The period's last day (spec: reference date)."""
        return self.end

    @property
    def day_before(self) -> dt.date:
        return self.start - dt.timedelta(days=1)


def tertial_number(day: dt.date) -> int:
    """The tertial (1–3) that ``day`` lies in: T1 Jan–Apr, T2 May–Aug, T3 Sep–Dec."""
    return (day.month - 1) // 4 + 1


def tertial_of(day: dt.date) -> tuple[int, int]:
    """The (year, tertial) that ``day`` lies in."""
    return day.year, tertial_number(day)


def tertial_before(year: int, number: int) -> tuple[int, int]:
    """The (year, tertial) before tertial ``number`` of ``year``."""
    return (year - 1, 3) if number == 1 else (year, number - 1)


def tertial_after(year: int, number: int) -> tuple[int, int]:
    """The (year, tertial) after tertial ``number`` of ``year``."""
    return (year + 1, 1) if number == 3 else (year, number + 1)


def last_ended_tertial(today: dt.date) -> tuple[int, int]:
    """The latest tertial that has ended before ``today``."""
    return tertial_before(*tertial_of(today))


def month(year: int, number: int) -> Period:
    last = calendar.monthrange(year, number)[1]
    return Period(
        dt.date(year, number, 1), dt.date(year, number, last), MONTH, f"{year}-{number:02d}"
    )


def tertial(year: int, number: int) -> Period:
    first_month = 4 * (number - 1) + 1
    last_month = first_month + 3
    end = dt.date(year, last_month, calendar.monthrange(year, last_month)[1])
    return Period(dt.date(year, first_month, 1), end, TERTIAL, f"{year}-T{number}")


def year(number: int) -> Period:
    return Period(dt.date(number, 1, 1), dt.date(number, 12, 31), YEAR, str(number))


def starting(granularity: str, start: dt.date) -> Period:
    """The period of ``granularity`` that contains ``start`` (usually its first day)."""
    if granularity == MONTH:
        return month(start.year, start.month)
    if granularity == TERTIAL:
        return tertial(start.year, tertial_number(start))
    if granularity == YEAR:
        return year(start.year)
    raise ValueError(f"unknown granularity {granularity!r}")


def same_period_last_year(period: Period) -> Period:
    """2024-03 → 2023-03, 2024-T2 → 2023-T2, 2024 → 2023."""
    return starting(period.granularity, period.start.replace(year=period.start.year - 1))


def owners(month_period: Period) -> tuple[str, str, str]:
    """The labels of a month, of its tertial and of its year."""
    start = month_period.start
    return (month_period.label, tertial(start.year, tertial_number(start)).label, str(start.year))


def parse(label: str) -> Period:
    """Parse ``2024-03``, ``2024-T2`` or ``2024``; ValueError otherwise."""
    text = label.strip()
    if match := _PATTERNS[MONTH].match(text):
        return month(int(match[1]), int(match[2]))
    if match := _PATTERNS[TERTIAL].match(text):
        return tertial(int(match[1]), int(match[2]))
    if match := _PATTERNS[YEAR].match(text):
        return year(int(match[1]))
    raise ValueError(f"{label!r} is not a period (use 2024-03, 2024-T2 or 2024)")


def months_between(first: dt.date, last: dt.date) -> Iterator[Period]:
    """The months from the one containing ``first`` to the one containing ``last``."""
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month):
        yield month(y, m)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


def periods_covering(
    first: dt.date, last: dt.date, *, complete_until: dt.date | None = None
) -> list[Period]:
    """Every month, tertial and year that overlaps the months from ``first`` to ``last``.

    Tertials and years are whole: recomputing one month recomputes its tertial and year.
    With ``complete_until`` (the last day with complete data) a tertial or year that has
    not ended by then is left out: a half-run year is not a year's figure.
    """
    months = list(months_between(first, last))
    tertials = sorted({starting(TERTIAL, p.start) for p in months})
    years = sorted({year(p.start.year) for p in months})
    whole = [p for p in tertials + years if complete_until is None or p.end <= complete_until]
    return months + whole


def last_complete_month(today: dt.date) -> Period:
    """The last month that has ended before ``today``."""
    first_of_this_month = today.replace(day=1)
    previous = first_of_this_month - dt.timedelta(days=1)
    return month(previous.year, previous.month)
