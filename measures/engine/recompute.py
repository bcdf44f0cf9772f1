"""Recomputing: which months and periods, one lock per year, values stored atomically.

``recompute_range`` computes the figures of a range of months with their tertials and
years (``core.compute``) and makes the stored computed values of those periods equal
to them in one transaction; only changed values are written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from hr.models import AbsenceSpell
from org.services import orgunit_tree_rebuild
from strategi.db import advisory_xact_lock, dialect_for

from .. import periods as P
from ..models import Indicator, IndicatorValue
from ..services import indicators_ensure
from ..signals import figures_changed
from .calendar import calendar_ensure
from .core import Figure, compute
from .protection import COMPLEMENTARY


@dataclass
class RecomputeResult:
    start: str | None
    end: str | None
    values_stored: int = 0
    periods: int = 0
    units: int = 0
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "values_stored": self.values_stored,
            "periods": self.periods,
            "units": self.units,
            "seconds": round(self.seconds, 3),
        }


def default_range(today: dt.date | None = None) -> tuple[dt.date, dt.date] | None:
    """From the first month with absence data to the last complete month (spec §5)."""
    today = today or timezone.localdate()
    first = AbsenceSpell.objects.order_by("start_date").values_list("start_date", flat=True).first()
    if first is None:
        return None
    last = P.last_complete_month(today)
    if first > last.end:
        return None
    return first, last.end


def _month_start(label: str | None) -> dt.date | None:
    if label is None:
        return None
    period = P.parse(label)
    if period.granularity != P.MONTH:
        raise ValueError(f"{label!r} is not a month (use YYYY-MM)")
    return period.start


@dataclass(frozen=True)
class RecomputePlan:
    """The months a recompute covers (first and last day) and its periods."""

    first: dt.date
    last: dt.date
    periods: list[P.Period]

    @property
    def start(self) -> str:
        return P.month(self.first.year, self.first.month).label

    @property
    def end(self) -> str:
        return P.month(self.last.year, self.last.month).label

    def slices(self) -> list[tuple[str, str]]:
        """The plan cut into calendar years, ``(start, end)`` months each.

        A year's months, tertials and year depend on nothing outside it, so the slices
        can be recomputed independently (and in parallel), each replacing its own values.
        """
        return [
            (
                P.month(year, self.first.month if year == self.first.year else 1).label,
                P.month(year, self.last.month if year == self.last.year else 12).label,
            )
            for year in range(self.first.year, self.last.year + 1)
        ]


def recompute_plan(
    *,
    start: str | None = None,
    end: str | None = None,
    today: dt.date | None = None,
    within_data: bool = False,
) -> RecomputePlan | None:
    """The months and periods ``recompute_range`` would cover; None when there are none."""
    today = today or timezone.localdate()
    default = default_range(today)
    first = _month_start(start) or (default[0] if default else None)
    if within_data:
        first = max(first, default[0]) if first and default else None
    last_complete = P.last_complete_month(today).end
    last_month = _month_start(end)
    if last_month:
        last = min(P.month(last_month.year, last_month.month).end, last_complete)
    else:
        last = default[1] if default else last_complete
    if first is None or first > last:
        return None
    # A year's cells are withheld together (protection), so a recompute covers whole
    # years: from January to December (or the last complete month).
    first = first.replace(month=1, day=1)
    last = min(last.replace(month=12, day=31), last_complete)
    return RecomputePlan(first, last, P.periods_covering(first, last, complete_until=last_complete))


def recompute_prepare(plan: RecomputePlan) -> None:
    """What every slice of a recompute reads: calendar, closure table and indicators.

    Done once before the slices run; under a lock, so that two recomputes never rebuild
    the closure table at the same time, and in one transaction, so that a slice running
    meanwhile reads the old table or the new one, never an empty one.
    """
    with transaction.atomic():
        _lock(0)
        calendar_ensure(min(p.start for p in plan.periods), max(p.end for p in plan.periods))
        orgunit_tree_rebuild()
        indicators_ensure()


def recompute_range(
    *,
    start: str | None = None,
    end: str | None = None,
    today: dt.date | None = None,
    within_data: bool = False,
    prepare: bool = True,
) -> RecomputeResult:
    """Recompute every computed indicator for the months ``start``…``end`` (YYYY-MM).

    The tertials and years those months belong to are recomputed whole. Missing bounds
    come from ``default_range``; the end is never after the last complete month.
    ``within_data`` also keeps the start inside the default range (an import that
    touched a 1990 employment recomputes from the first month with absence data).
    Stored values of the covered periods are replaced in one transaction. On PostgreSQL
    it holds a lock per calendar year from before the figures are read until they are
    stored: a second recompute of the same years waits, then reads the newer data. On
    SQLite the figures are read before that (short) transaction; see the comment below.
    ``prepare`` False skips ``recompute_prepare`` (a slice of a fanned-out recompute).
    """
    began = time.perf_counter()
    result = RecomputeResult(start=start, end=end)
    plan = recompute_plan(start=start, end=end, today=today, within_data=within_data)
    if plan is None:
        result.seconds = time.perf_counter() - began
        return result
    periods = plan.periods
    result.start, result.end = plan.start, plan.end
    if prepare:
        recompute_prepare(plan)
    indicators = indicators_ensure()
    labels = [p.label for p in periods]
    if connection.vendor == "sqlite":
        # SQLite has one writer: a write transaction held while the figures are computed
        # (seconds) makes every other write wait (or fail with "database is locked",
        # e.g. a login while the app recomputes in the background). So the figures are
        # read first and stored in a short transaction. Data committed in between has a
        # recompute of its own, recorded with it, that runs after this one
        # (``measures.recomputes``), so the stored values still converge.
        figures = compute(periods)
        rows = _value_rows(figures, periods, indicators, timezone.now())
        with transaction.atomic():
            result.counts = _store_values(rows, labels)
    else:
        with transaction.atomic():
            for year in sorted({p.start.year for p in periods}):
                _lock(year)
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL work_mem = '{RECOMPUTE_WORK_MEM}'")
            figures = compute(periods)
            rows = _value_rows(figures, periods, indicators, timezone.now())
            result.counts = _store_values(rows, labels)
    if result.counts["deleted"] and not result.counts["inserted"]:
        # Only removals: nothing new for the pages' data version to see.
        figures_changed.send(sender=IndicatorValue)
    result.values_stored = len(rows)
    result.periods = len(periods)
    result.units = len({row[1] for row in rows})
    result.seconds = time.perf_counter() - began
    return result


RECOMPUTE_LOCK_ID = 7_301_001
# Sorts and hashes of a recompute fit in memory (PostgreSQL's default is 4 MB).
RECOMPUTE_WORK_MEM = "64MB"


def _lock(key: int) -> None:
    """Wait for, then hold until commit, the recompute lock ``key``.

    Key 0 guards ``recompute_prepare``; a year's number guards that year's values.
    """
    advisory_xact_lock(RECOMPUTE_LOCK_ID, key)


_VALUE_COLUMNS = (
    "indicator_id",
    "unit_id",
    "granularity",
    "period",
    "period_start",
    "period_end",
    "value",
    "numerator",
    "denominator",
    "n_persons",
    "suppressed",
    "complementary",
    "computed_at",
)


def _value_rows(
    figures: dict[str, dict[tuple[int, str], Figure]],
    periods: Sequence[P.Period],
    indicators: dict[str, Indicator],
    computed_at: dt.datetime,
) -> list[tuple]:
    """Database rows of the figures, withheld ones without their figures (spec: Privacy)."""
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(computed_at)
    by_label = {
        p.label: (
            p.granularity,
            ops.adapt_datefield_value(p.start),
            ops.adapt_datefield_value(p.end),
        )
        for p in periods
    }
    rows: list[tuple[Any, ...]] = []
    for slug, values in figures.items():
        indicator = indicators[slug]
        for (unit_id, label), figure in values.items():
            granularity, start, end = by_label[label]
            # Withheld: value, numerator and denominator are not stored. The group size
            # is stored for the next recompute's comparison, and never shown.
            shown = None if figure.withheld else figure
            rows.append(
                (
                    indicator.pk,
                    unit_id,
                    granularity,
                    label,
                    start,
                    end,
                    shown and shown.value,
                    shown and shown.numerator,
                    shown and shown.denominator,
                    figure.n_persons,
                    figure.withheld is not None,
                    figure.withheld == COMPLEMENTARY,
                    stamp,
                )
            )
    return rows


_KEY = ("indicator_id", "unit_id", "granularity", "period")
_FLOATS = ("value", "numerator", "denominator")
_EXACT = ("n_persons", "suppressed", "complementary")
# Sums in another order differ in the last bits; such a value counts as unchanged.
_FLOAT_TOLERANCE = 1e-12


def _float_changed(stored: str, new: str) -> str:
    """SQL: the float ``new`` differs from ``stored`` (NULL counting as a value)."""
    return (
        f"(({stored} IS NULL) <> ({new} IS NULL)"
        f" OR COALESCE(ABS({stored} - {new}) > {_FLOAT_TOLERANCE} * ABS({new}), FALSE))"
    )


def _store_values(rows: list[tuple], labels: Sequence[str]) -> dict[str, int]:
    """Make the stored computed values of the periods ``labels`` equal to ``rows``.

    The rows go to a temporary table first (COPY on PostgreSQL, executemany on SQLite);
    then stored values that are gone or changed are deleted, and new and changed ones
    inserted. An unchanged value is not written again (and keeps its ``computed_at``):
    rewriting every row cost more than computing them, mostly in index maintenance and
    foreign-key checks. Returns how many rows were deleted and inserted.
    """
    d = dialect_for(connection)
    table = IndicatorValue._meta.db_table
    staging = "measures_value_staging"
    columns = ", ".join(_VALUE_COLUMNS)
    key = " AND ".join(f"v.{column} = s.{column}" for column in _KEY)
    changed_stored = " OR ".join(
        [
            *(_float_changed(f"{table}.{column}", f"s.{column}") for column in _FLOATS),
            *(d.distinct(f"{table}.{column}", f"s.{column}") for column in _EXACT),
        ]
    )
    marks = ", ".join(["%s"] * len(labels))
    counts = {}
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {'pg_temp' if d.postgres else 'temp'}.{staging}")
        cursor.execute(f"CREATE TEMP TABLE {staging} AS SELECT {columns} FROM {table} WHERE 1 = 0")
        if d.postgres:
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\n")
            for row in rows:
                # In COPY's CSV format an unquoted empty field is NULL.
                writer.writerow(
                    "" if item is None else repr(item) if isinstance(item, float) else item
                    for item in row
                )
            buffer.seek(0)
            cursor.cursor.copy_expert(
                f"COPY {staging} ({columns}) FROM STDIN WITH (FORMAT csv)", buffer
            )
        else:
            values = ", ".join(["%s"] * len(_VALUE_COLUMNS))
            cursor.executemany(f"INSERT INTO {staging} ({columns}) VALUES ({values})", rows)
        cursor.execute(f"CREATE INDEX {staging}_key ON {staging} ({', '.join(_KEY)})")
        cursor.execute(f"ANALYZE {staging}")
        # Values that are gone or changed are deleted; new and changed ones inserted.
        # A changed value thus gets a new id, which the page cache's data version sees.
        cursor.execute(
            f"""
            DELETE FROM {table} WHERE period IN ({marks})
              AND indicator_id IN (SELECT id FROM measures_indicator WHERE kind = %s)
              AND NOT EXISTS (
                  SELECT 1 FROM {staging} s
                  WHERE {key.replace("v.", f"{table}.")} AND NOT ({changed_stored})
              )
            """,
            [*labels, Indicator.Kind.COMPUTED.value],
        )
        counts["deleted"] = cursor.rowcount
        cursor.execute(
            f"""
            INSERT INTO {table} ({columns})
            SELECT {columns} FROM {staging} s
            WHERE NOT EXISTS (SELECT 1 FROM {table} v WHERE {key})
            """
        )
        counts["inserted"] = cursor.rowcount
        cursor.execute(f"DROP TABLE {staging}")
    return counts
