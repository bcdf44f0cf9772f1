"""The small statistics of the unit pages: a straight-line projection and a correlation.

Pure Python on a handful of numbers (at most a few hundred), so no numpy.
"""

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from measures.status import meets

# The projection fits the last year of monthly values, and needs half of them.
PROJECTION_WINDOW = 12
PROJECTION_MIN_POINTS = 6
# Further ahead than this a straight line says nothing useful.
PROJECTION_HORIZON_MONTHS = 120
CORRELATION_MIN_POINTS = 3


def month_index(day: dt.date) -> int:
    """Months since year 0, so that consecutive months differ by one."""
    return day.year * 12 + day.month - 1


def month_start(index: int) -> dt.date:
    """The first day of the month ``month_index`` numbers."""
    return dt.date(index // 12, index % 12 + 1, 1)


def least_squares(points: Sequence[tuple[float, float]]) -> tuple[float, float] | None:
    """``(slope, intercept)`` of the least-squares line through ``(x, y)`` points.

    None with fewer than two points or when every x is the same.
    """
    n = len(points)
    if n < 2:
        return None
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in points)
    slope = sxy / sxx
    return slope, mean_y - slope * mean_x


class Outcome(StrEnum):
    MET = "met"  # the latest value already meets the target
    REACHED = "reached"  # the trend line meets the target in ``month``
    NEVER = "never"  # the trend is flat or moves away from the target
    BEYOND = "beyond"  # the trend meets it, but later than the horizon
    TOO_FEW = "too_few"  # too few values to draw a trend


@dataclass(frozen=True)
class Projection:
    outcome: Outcome
    month: dt.date | None = None  # first day of the month the target is reached
    slope: float | None = None  # change per month


def project_target(
    points: Sequence[tuple[dt.date, float]],
    *,
    comparator: str,
    target: float,
    window: int = PROJECTION_WINDOW,
    min_points: int = PROJECTION_MIN_POINTS,
    horizon_months: int = PROJECTION_HORIZON_MONTHS,
) -> Projection:
    """When a monthly series reaches ``comparator target`` if its recent trend continues.

    ``points`` are ``(month, value)`` in any order, one per month; missing or withheld
    months are simply left out. The line is fitted to the last ``window`` of them; the
    answer is the first month after the last one whose value on the line meets the
    target.
    """
    series = sorted((month_index(day), value) for day, value in points)[-window:]
    if series and meets(series[-1][1], comparator, target):
        return Projection(Outcome.MET)
    if len(series) < min_points:
        return Projection(Outcome.TOO_FEW)
    fit = least_squares(series)
    if fit is None:
        return Projection(Outcome.TOO_FEW)
    slope, intercept = fit
    last = series[-1][0]

    def on_line_meets(index: int) -> bool:
        return meets(slope * index + intercept, comparator, target)

    if on_line_meets(last + 1):
        return Projection(Outcome.REACHED, month_start(last + 1), slope)
    if slope == 0:
        return Projection(Outcome.NEVER, slope=slope)
    crossing = (target - intercept) / slope
    if crossing <= last + 1:
        # The line crossed the target behind us, so it is moving away from it.
        return Projection(Outcome.NEVER, slope=slope)
    if crossing - last > horizon_months + 1:
        return Projection(Outcome.BEYOND, slope=slope)
    # The first whole month at or past the crossing that meets it (strict comparators
    # and rounding may push it one month on).
    for index in range(max(last + 1, math.floor(crossing)), math.ceil(crossing) + 2):
        if on_line_meets(index):
            if index - last > horizon_months:
                return Projection(Outcome.BEYOND, slope=slope)
            return Projection(Outcome.REACHED, month_start(index), slope)
    return Projection(Outcome.NEVER, slope=slope)


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's correlation coefficient r of paired values.

    None with fewer than ``CORRELATION_MIN_POINTS`` pairs (two points always lie on a
    line) or when either variable does not vary.
    """
    if len(xs) != len(ys):
        raise ValueError("xs and ys must have the same length")
    n = len(xs)
    if n < CORRELATION_MIN_POINTS:
        return None
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    syy = sum((y - mean_y) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    # Rounding can push a perfect correlation a hair past ±1.
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


class Strength(StrEnum):
    NONE = "none"
    WEAK = "weak"
    MODERATE = "moderate"
    STRONG = "strong"


def correlation_strength(r: float) -> Strength:
    """A plain-language band for |r| (Cohen's rule of thumb: 0.1, 0.3, 0.5)."""
    size = abs(r)
    if size < 0.1:
        return Strength.NONE
    if size < 0.3:
        return Strength.WEAK
    if size < 0.5:
        return Strength.MODERATE
    return Strength.STRONG
