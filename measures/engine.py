"""The indicator engine: every computed indicator of spec/indicators.md, set-based.

Each indicator family is one or two SQL statements that aggregate in the database
(SQLite and PostgreSQL alike, see ``strategi.db``) and return one row per org unit
(over its subtree, via the closure table) and period. Python only turns those
aggregates into values, applies suppression and stores them. No loop runs over
employees or days: working days are counted with two joins on the cumulative
calendar (``CalendarDay``).

``recompute_range`` replaces the stored values of a range of months, with their
tertials and years, in one transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import math
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import holidays
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from hr.models import AbsenceSpell
from org.models import OrgUnit
from org.services import orgunit_tree_rebuild
from strategi.db import Dialect, advisory_xact_lock, as_date, dialect_for

from . import periods as P
from .models import CalendarDay, Indicator, IndicatorValue
from .signals import figures_changed

INDICATORS_FILE = Path(__file__).resolve().parent / "data" / "indicators.json"

# Spec: Retirement. Reasons that end a working life, and those that count as retirement.
RETIREMENT_REASONS = ("alderspensjon", "afp")
LIFE_TABLE_EXIT_REASONS = ("alderspensjon", "afp", "uforetrygd")
NOT_TURNOVER_REASONS = ("alderspensjon", "afp", "uforetrygd", "dodsfall")
LIFE_TABLE_AGES = range(50, 70)  # completed ages 50 … 69; everybody leaves at 70
SHORT_SPELL_MAX_DAYS = 16  # calendar days (spec: sick_leave_short_pct)
DAYS_PER_YEAR = 365.25

# Key: (unit_id, period label) → aggregate columns.
Aggregates = dict[tuple[int, str], dict[str, float]]


@dataclass(frozen=True)
class Figure:
    """One computed value before storage."""

    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    n_persons: int | None = None


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


# --- Indicator definitions -------------------------------------------------------------


def shipped_indicators() -> dict[str, Any]:
    """``measures/data/indicators.json``: the computed and the seeded reported indicators."""
    with INDICATORS_FILE.open(encoding="utf-8") as handle:
        return json.load(handle)


def indicator_definitions() -> list[dict[str, Any]]:
    """The computed indicators of the spec."""
    return shipped_indicators()["indicators"]


def indicators_ensure() -> dict[str, Indicator]:
    """Create the spec's computed indicators if missing; returns them by slug."""
    existing = {i.slug: i for i in Indicator.objects.filter(kind=Indicator.Kind.COMPUTED)}
    for order, spec in enumerate(indicator_definitions()):
        if spec["slug"] not in existing:
            existing[spec["slug"]] = Indicator.objects.create(
                slug=spec["slug"],
                name=spec["name"],
                description=spec["description"],
                unit_of_measure=spec["unit_of_measure"],
                direction=spec["direction"],
                kind=Indicator.Kind.COMPUTED,
                suppressible=spec["suppressible"],
                order=order,
            )
    return existing


# --- Calendar --------------------------------------------------------------------------


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
    if lowest is not None and lowest <= first and highest >= last:
        return
    if lowest is not None:
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


# --- SQL helpers -----------------------------------------------------------------------


def _fetch(sql: str, params: Sequence[Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _values_cte(name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> tuple:
    """A ``name(columns) AS (VALUES …)`` common table expression with parameters."""
    placeholders = ", ".join("(" + ", ".join(["%s"] * len(columns)) + ")" for _ in rows)
    params = [value for row in rows for value in row]
    return f"{name} ({', '.join(columns)}) AS (VALUES {placeholders})", params


def _periods_cte(periods: Sequence[P.Period]) -> tuple[str, list[Any]]:
    return _values_cte(
        "periods",
        ["label", "start_date", "end_date"],
        [(p.label, p.start, p.end) for p in periods],
    )


# --- Sick leave (spec: Sick leave) -----------------------------------------------------


def _months_of(periods: Sequence[P.Period]) -> list[P.Period]:
    """Every month from the first period's start to the last period's end."""
    return list(P.months_between(min(p.start for p in periods), max(p.end for p in periods)))


def sick_leave_aggregates(d: Dialect, periods: Sequence[P.Period]) -> Aggregates:
    """Possible and lost dagsverk per unit subtree and period, by spell category.

    Dagsverk are sums over working days, so they are computed per unit and month only
    and added up: over the subtree (closure table) and over the months of a tertial or
    year (``owners`` maps each month to the requested periods that hold it).
    ``persons`` (distinct persons with possible days > 0) does not add up; it comes
    from ``sick_leave_persons``.
    """
    months = _months_of(periods)
    wanted = {p.label for p in periods}
    months_cte, params = _values_cte(
        "months", ["label", "start_date", "end_date"], [(m.label, m.start, m.end) for m in months]
    )
    owners_cte, owner_params = _values_cte(
        "owners",
        ["month", "label"],
        [(m.label, owner) for m in months for owner in P.owners(m) if owner in wanted],
    )
    rollup = """
        SELECT c.ancestor_id, o.label, {sums}
        FROM per_unit u
        JOIN owners o ON o.month = u.month
        JOIN workplaces_orgunitclosure c ON c.descendant_id = u.unit_id
        GROUP BY c.ancestor_id, o.label
    """
    possible_sql = f"""
        WITH {months_cte}, {owners_cte},
        spans AS (
            SELECT e.unit_id, e.position_pct, m.label,
                   {d.greatest("e.start_date", "m.start_date")} AS first_day,
                   {d.least("COALESCE(e.end_date, m.end_date)", "m.end_date")} AS last_day
            FROM workplaces_employment e
            JOIN months m ON e.start_date <= m.end_date
                         AND (e.end_date IS NULL OR e.end_date >= m.start_date)
        ),
        per_unit AS (
            SELECT s.unit_id, s.label AS month,
                   SUM((last.working_days_through - first.working_days_before)
                       * s.position_pct) / 100.0 AS possible
            FROM spans s
            JOIN measures_calendarday first ON first.date = s.first_day
            JOIN measures_calendarday last ON last.date = s.last_day
            GROUP BY s.unit_id, s.label
        )
        {rollup.format(sums="SUM(u.possible)")}
    """
    persons = sick_leave_persons(d, periods)
    result: Aggregates = defaultdict(dict)
    for unit_id, label, possible in _fetch(possible_sql, params + owner_params):
        result[(unit_id, label)].update(
            possible=float(possible or 0), persons=persons.get((unit_id, label), 0)
        )

    # A spell clipped to its employment lies mostly in one month: those join their month
    # by its label (a hash join); only the others are split by overlap with the months.
    length = d.days_between("s.start_date", "s.end_date") + " + 1"
    first_day = d.greatest("s.start_date", "e.start_date")
    last_day = d.least("s.end_date", "COALESCE(e.end_date, s.end_date)")
    short = SHORT_SPELL_MAX_DAYS
    lost_sql = f"""
        WITH {months_cte}, {owners_cte},
        clipped AS (
            SELECT e.unit_id, s.grade_pct * e.position_pct / 10000.0 AS weight, s.kind,
                   {length} AS spell_days, {first_day} AS first_day, {last_day} AS last_day,
                   {d.month_label(first_day)} AS first_month,
                   {d.month_label(last_day)} AS last_month
            FROM workplaces_absencespell s
            JOIN workplaces_employment e ON e.id = s.employment_id
            WHERE s.end_date >= e.start_date
              AND (e.end_date IS NULL OR s.start_date <= e.end_date)
              AND s.end_date >= %s AND s.start_date <= %s
        ),
        pieces AS (
            SELECT unit_id, weight, kind, spell_days, first_month AS month, first_day, last_day
            FROM clipped WHERE first_month = last_month
            UNION ALL
            SELECT k.unit_id, k.weight, k.kind, k.spell_days, m.label,
                   {d.greatest("k.first_day", "m.start_date")},
                   {d.least("k.last_day", "m.end_date")}
            FROM clipped k JOIN months m ON m.label >= k.first_month
                                        AND m.label <= k.last_month
            WHERE k.first_month <> k.last_month
        ),
        lost AS (
            SELECT p.unit_id, p.month, p.kind, p.spell_days,
                   (last.working_days_through - first.working_days_before) * p.weight
                       AS dagsverk
            FROM pieces p
            JOIN measures_calendarday first ON first.date = p.first_day
            JOIN measures_calendarday last ON last.date = p.last_day
        ),
        per_unit AS (
            SELECT unit_id, month,
                   SUM(dagsverk) AS total,
                   SUM(CASE WHEN spell_days <= {short} THEN dagsverk ELSE 0 END) AS short,
                   SUM(CASE WHEN spell_days > {short} THEN dagsverk ELSE 0 END) AS long,
                   SUM(CASE WHEN kind = %s THEN dagsverk ELSE 0 END) AS self,
                   SUM(CASE WHEN kind = %s THEN dagsverk ELSE 0 END) AS doctor
            FROM lost GROUP BY unit_id, month
        )
        {rollup.format(sums="SUM(u.total), SUM(u.short), SUM(u.long), SUM(u.self), SUM(u.doctor)")}
    """
    kinds = [AbsenceSpell.Kind.SELF_CERTIFIED.value, AbsenceSpell.Kind.DOCTOR_CERTIFIED.value]
    lost_params = [*params, *owner_params, months[0].start, months[-1].end, *kinds]
    for unit_id, label, total, short, long_, self_, doctor in _fetch(lost_sql, lost_params):
        result[(unit_id, label)].update(
            lost=float(total or 0),
            lost_short=float(short or 0),
            lost_long=float(long_ or 0),
            lost_self=float(self_ or 0),
            lost_doctor=float(doctor or 0),
        )
    return result


def sick_leave_persons(d: Dialect, periods: Sequence[P.Period]) -> dict[tuple[int, str], int]:
    """Distinct persons with possible days > 0 per unit subtree and period.

    In working-day numbers (the calendar's cumulative count) an employment covers the
    interval ``lo … hi``; it has possible days in a period exactly when that interval
    meets the period's. Per subtree and person the intervals are merged into disjoint
    islands; a person meets a period once per island that meets it, less once per gap
    between two consecutive islands that both meet it. As every period boundary is a
    month boundary, only the month of each island's ends is needed: a few thousand rows
    instead of one per person, subtree and period.
    """
    months = _months_of(periods)
    first, last = months[0].start, months[-1].end
    sql = f"""
        WITH spans AS (
            SELECT c.ancestor_id, e.person_id,
                   lo.working_days_before + 1 AS lo, hi.working_days_through AS hi
            FROM workplaces_employment e
            JOIN measures_calendarday lo ON lo.date = {d.greatest("e.start_date", "%s")}
            JOIN measures_calendarday hi
                 ON hi.date = {d.least("COALESCE(e.end_date, %s)", "%s")}
            JOIN workplaces_orgunitclosure c ON c.descendant_id = e.unit_id
            WHERE e.start_date <= %s AND (e.end_date IS NULL OR e.end_date >= %s)
        ),
        ordered AS (
            SELECT ancestor_id, person_id, lo, hi,
                   MAX(hi) OVER (
                       PARTITION BY ancestor_id, person_id ORDER BY lo, hi
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                   ) AS reached
            FROM spans WHERE lo <= hi
        ),
        numbered AS (
            SELECT ancestor_id, person_id, lo, hi,
                   SUM(CASE WHEN reached IS NULL OR reached < lo THEN 1 ELSE 0 END) OVER (
                       PARTITION BY ancestor_id, person_id ORDER BY lo, hi
                       ROWS UNBOUNDED PRECEDING
                   ) AS island
            FROM ordered
        ),
        islands AS (
            SELECT ancestor_id, person_id, island, MIN(lo) AS lo, MAX(hi) AS hi
            FROM numbered GROUP BY ancestor_id, person_id, island
        ),
        linked AS (
            SELECT ancestor_id, lo, hi,
                   LEAD(lo) OVER (PARTITION BY ancestor_id, person_id ORDER BY island)
                       AS next_lo
            FROM islands
        )
        SELECT l.ancestor_id, {d.month_label("a.date")}, {d.month_label("b.date")},
               {d.month_label("n.date")}, COUNT(*)
        FROM linked l
        JOIN measures_calendarday a ON a.working_days_through = l.lo AND a.is_working_day
        JOIN measures_calendarday b ON b.working_days_through = l.hi AND b.is_working_day
        LEFT JOIN measures_calendarday n
             ON n.working_days_through = l.next_lo AND n.is_working_day
        GROUP BY l.ancestor_id, {d.month_label("a.date")}, {d.month_label("b.date")},
                 {d.month_label("n.date")}
    """
    index = {m.label: i for i, m in enumerate(months)}
    starts: dict[int, list[int]] = defaultdict(lambda: [0] * len(months))
    ends: dict[int, list[int]] = defaultdict(lambda: [0] * len(months))
    gaps: dict[tuple[int, str], int] = defaultdict(int)
    for unit_id, lo_month, hi_month, next_month, n in _fetch(sql, [first, last, last, last, first]):
        starts[unit_id][index[lo_month]] += n
        ends[unit_id][index[hi_month]] += n
        if next_month is not None:
            # Both islands meet a period exactly when it holds the gap's two ends.
            for owner in P.owners(P.parse(hi_month)):
                if owner in P.owners(P.parse(next_month)):
                    gaps[(unit_id, owner)] += n
    result: dict[tuple[int, str], int] = {}
    for unit_id in starts:
        started = list(itertools.accumulate(starts[unit_id]))
        ended = list(itertools.accumulate(ends[unit_id]))
        for period in periods:
            f = index[P.month(period.start.year, period.start.month).label]
            t = index[P.month(period.end.year, period.end.month).label]
            count = started[t] - (ended[f - 1] if f else 0) - gaps.get((unit_id, period.label), 0)
            if count:
                result[(unit_id, period.label)] = count
    return result


# --- Positions at a reference date (spec: Positions and full-time) --------------------


def position_aggregates(d: Dialect, dates: Sequence[dt.date]) -> dict[tuple[int, dt.date], dict]:
    """Headcount, full-time, position and FTE figures per unit subtree and date."""
    cte, params = _values_cte("refs", ["ref_date"], [(day,) for day in dates])
    active = f"""
        WITH {cte},
        active AS (
            SELECT r.ref_date, e.person_id, e.employment_id, e.unit_id, e.position_pct
            FROM refs r
            JOIN workplaces_employment e ON e.start_date <= r.ref_date
                 AND (e.end_date IS NULL OR e.end_date >= r.ref_date)
        )
    """
    persons_sql = f"""
        {active},
        ranked AS (
            SELECT ref_date, person_id, unit_id,
                   SUM(position_pct) OVER (PARTITION BY ref_date, person_id) AS total,
                   ROW_NUMBER() OVER (
                       PARTITION BY ref_date, person_id
                       ORDER BY position_pct DESC, employment_id{d.collate_c} ASC
                   ) AS rank
            FROM active
        )
        SELECT c.ancestor_id, r.ref_date,
               COUNT(*),
               SUM(CASE WHEN r.total >= 100 THEN 1 ELSE 0 END),
               SUM(CASE WHEN r.total >= 100 THEN 100 ELSE r.total END),
               SUM(CASE WHEN u.shift_based THEN 1 ELSE 0 END),
               SUM(CASE WHEN u.shift_based AND r.total >= 100 THEN 1 ELSE 0 END),
               SUM(CASE WHEN u.shift_based THEN
                   CASE WHEN r.total >= 100 THEN 100 ELSE r.total END ELSE 0 END)
        FROM ranked r
        JOIN workplaces_orgunit u ON u.id = r.unit_id
        JOIN workplaces_orgunitclosure c ON c.descendant_id = r.unit_id
        WHERE r.rank = 1
        GROUP BY c.ancestor_id, r.ref_date
    """
    result: dict[tuple[int, dt.date], dict] = defaultdict(dict)
    for row in _fetch(persons_sql, params):
        unit_id, ref_date, headcount, full, position_sum, shift, shift_full, _ = row
        result[(unit_id, as_date(ref_date))].update(
            headcount=headcount,
            full_time=full or 0,
            position_sum=float(position_sum or 0),
            shift_headcount=shift or 0,
            shift_full_time=shift_full or 0,
        )
    fte_sql = f"""
        {active}
        SELECT c.ancestor_id, a.ref_date, SUM(a.position_pct) / 100.0
        FROM active a JOIN workplaces_orgunitclosure c ON c.descendant_id = a.unit_id
        GROUP BY c.ancestor_id, a.ref_date
    """
    for unit_id, ref_date, fte in _fetch(fte_sql, params):
        result[(unit_id, as_date(ref_date))]["fte"] = float(fte or 0)
    return result


# --- Exits and hires (spec: Retirement, Flow) -----------------------------------------


def _exits_cte(d: Dialect) -> str:
    """``exits``: one row per person and exit day, with the deciding employment."""
    next_day = d.add_days("e.end_date", 1)
    return f"""
        exits AS (
            SELECT person_id, end_date, end_reason, unit_id, birth_date FROM (
                SELECT e.person_id, e.end_date, e.end_reason, e.unit_id, e.birth_date,
                       ROW_NUMBER() OVER (
                           PARTITION BY e.person_id, e.end_date
                           ORDER BY e.position_pct DESC, e.employment_id{d.collate_c} ASC
                       ) AS rank
                FROM workplaces_employment e
                WHERE e.end_date IS NOT NULL
                  AND e.end_date >= %s AND e.end_date <= %s
                  AND NOT EXISTS (
                      SELECT 1 FROM workplaces_employment f
                      WHERE f.person_id = e.person_id
                        AND f.start_date <= {next_day}
                        AND (f.end_date IS NULL OR f.end_date >= {next_day})
                  )
            ) ranked
            WHERE rank = 1
        )
    """


def exit_aggregates(d: Dialect, periods: Sequence[P.Period]) -> Aggregates:
    """Retirements (count, summed age) and turnover exits per unit subtree and period."""
    cte, params = _periods_cte(periods)
    first, last = min(p.start for p in periods), max(p.end for p in periods)
    age = f"{d.days_between('x.birth_date', 'x.end_date')} / {DAYS_PER_YEAR}"
    retire = ", ".join(["%s"] * len(RETIREMENT_REASONS))
    churn = ", ".join(["%s"] * len(NOT_TURNOVER_REASONS))
    sql = f"""
        WITH {cte}, {_exits_cte(d)}
        SELECT c.ancestor_id, p.label,
               SUM(CASE WHEN x.end_reason IN ({retire}) THEN 1 ELSE 0 END),
               SUM(CASE WHEN x.end_reason IN ({retire}) THEN {age} ELSE 0 END),
               SUM(CASE WHEN x.end_reason NOT IN ({churn}) THEN 1 ELSE 0 END)
        FROM exits x
        JOIN periods p ON x.end_date >= p.start_date AND x.end_date <= p.end_date
        JOIN workplaces_orgunitclosure c ON c.descendant_id = x.unit_id
        GROUP BY c.ancestor_id, p.label
    """
    all_params = [*params, first, last, *RETIREMENT_REASONS, *RETIREMENT_REASONS]
    all_params += NOT_TURNOVER_REASONS
    result: Aggregates = defaultdict(dict)
    for unit_id, label, retirements, age_sum, leavers in _fetch(sql, all_params):
        result[(unit_id, label)].update(
            retirements=retirements or 0, age_sum=float(age_sum or 0), leavers=leavers or 0
        )
    return result


def hire_aggregates(d: Dialect, periods: Sequence[P.Period]) -> Aggregates:
    """New hires (distinct persons) per unit subtree and period."""
    cte, params = _periods_cte(periods)
    day_before = d.add_days("e.start_date", -1)
    sql = f"""
        WITH {cte}
        SELECT c.ancestor_id, p.label, COUNT(DISTINCT e.person_id)
        FROM workplaces_employment e
        JOIN periods p ON e.start_date >= p.start_date AND e.start_date <= p.end_date
        JOIN workplaces_orgunitclosure c ON c.descendant_id = e.unit_id
        WHERE NOT EXISTS (
            SELECT 1 FROM workplaces_employment f
            WHERE f.person_id = e.person_id
              AND f.start_date <= {day_before}
              AND (f.end_date IS NULL OR f.end_date >= {day_before})
        )
        GROUP BY c.ancestor_id, p.label
    """
    return {(unit_id, label): {"hires": n} for unit_id, label, n in _fetch(sql, params)}


# --- Expected retirement age (spec: Retirement, life table) ---------------------------


def life_table_aggregates(
    d: Dialect, years: Sequence[P.Period]
) -> dict[tuple[int, str], dict[str, Any]]:
    """Per unit subtree and year: exposure days and exits by completed age, and persons."""
    # Age bands that can touch year Y: persons born in Y - a - 1 or Y - a.
    bands = [
        (
            p.label,
            p.start,
            p.end,
            a,
            dt.date(p.start.year - a - 1, 1, 1),
            dt.date(p.start.year - a, 12, 31),
        )
        for p in years
        for a in LIFE_TABLE_AGES
    ]
    cte, params = _values_cte(
        "bands", ["label", "year_start", "year_end", "age", "born_from", "born_to"], bands
    )
    band_start = d.birthday("e.birth_date", "b.age")
    band_end = d.add_days(d.birthday("e.birth_date", "b.age + 1"), -1)
    first_day = d.greatest("e.start_date", "b.year_start", band_start)
    last_day = d.least("COALESCE(e.end_date, b.year_end)", "b.year_end", band_end)
    exposure_sql = f"""
        WITH {cte},
        pieces AS (
            SELECT c.ancestor_id, e.person_id, b.label, b.age,
                   {first_day} AS first_day, {last_day} AS last_day
            FROM bands b
            JOIN workplaces_employment e ON e.birth_date >= b.born_from
                                        AND e.birth_date <= b.born_to
                                        AND e.start_date <= b.year_end
                                        AND (e.end_date IS NULL OR e.end_date >= b.year_start)
            JOIN workplaces_orgunitclosure c ON c.descendant_id = e.unit_id
        ),
        ordered AS (
            SELECT ancestor_id, person_id, label, age, first_day, last_day,
                   MAX(last_day) OVER (
                       PARTITION BY ancestor_id, person_id, label, age
                       ORDER BY first_day, last_day
                       ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                   ) AS covered_until
            FROM pieces
            WHERE first_day <= last_day
        ),
        days AS (
            SELECT ancestor_id, person_id, label, age,
                   CASE
                       WHEN covered_until IS NULL OR covered_until < first_day
                           THEN {d.days_between("first_day", "last_day")} + 1
                       WHEN covered_until >= last_day THEN 0
                       ELSE {d.days_between("covered_until", "last_day")}
                   END AS n
            FROM ordered
        )
        SELECT ancestor_id, label, age, SUM(n), COUNT(DISTINCT person_id)
        FROM days GROUP BY ancestor_id, label, age
    """
    persons_sql = f"""
        WITH {cte},
        pieces AS (
            SELECT c.ancestor_id, e.person_id, b.label
            FROM bands b
            JOIN workplaces_employment e ON e.birth_date >= b.born_from
                                        AND e.birth_date <= b.born_to
                                        AND e.start_date <= b.year_end
                                        AND (e.end_date IS NULL OR e.end_date >= b.year_start)
            JOIN workplaces_orgunitclosure c ON c.descendant_id = e.unit_id
            WHERE {first_day} <= {last_day}
        )
        SELECT ancestor_id, label, COUNT(DISTINCT person_id) FROM pieces
        GROUP BY ancestor_id, label
    """
    result: dict[tuple[int, str], dict[str, Any]] = defaultdict(
        lambda: {"exposure": defaultdict(float), "exits": defaultdict(int), "persons": 0}
    )
    for unit_id, label, age, days, _ in _fetch(exposure_sql, params):
        result[(unit_id, label)]["exposure"][age] += float(days or 0) / DAYS_PER_YEAR
    for unit_id, label, persons in _fetch(persons_sql, params):
        result[(unit_id, label)]["persons"] = persons

    year_cte, year_params = _periods_cte(years)
    ages_cte, ages_params = _values_cte("ages", ["age"], [(a,) for a in LIFE_TABLE_AGES])
    reasons = ", ".join(["%s"] * len(LIFE_TABLE_EXIT_REASONS))
    exits_sql = f"""
        WITH {year_cte}, {ages_cte}, {_exits_cte(d)}
        SELECT c.ancestor_id, p.label, a.age, COUNT(*)
        FROM exits x
        JOIN periods p ON x.end_date >= p.start_date AND x.end_date <= p.end_date
        JOIN ages a ON {d.birthday("x.birth_date", "a.age")} <= x.end_date
                   AND {d.birthday("x.birth_date", "a.age + 1")} > x.end_date
        JOIN workplaces_orgunitclosure c ON c.descendant_id = x.unit_id
        WHERE x.end_reason IN ({reasons})
        GROUP BY c.ancestor_id, p.label, a.age
    """
    first, last = min(p.start for p in years), max(p.end for p in years)
    exits_params = [*year_params, *ages_params, first, last, *LIFE_TABLE_EXIT_REASONS]
    for unit_id, label, age, n in _fetch(exits_sql, exits_params):
        result[(unit_id, label)]["exits"][age] += n
    return result


def expected_retirement_age(exposure: dict[int, float], exits: dict[int, int]) -> float:
    """50 + expected remaining working years of a 50-year-old (spec: Retirement)."""
    survival, remaining = 1.0, 0.0
    for age in LIFE_TABLE_AGES:
        years = exposure.get(age, 0.0)
        rate = exits.get(age, 0) / years if years > 0 else 0.0
        remaining += survival if rate == 0 else survival * (1 - math.exp(-rate)) / rate
        survival *= math.exp(-rate)
    return 50 + remaining


# --- Assembling the figures ------------------------------------------------------------


def _ratio(
    numerator: float, denominator: float, persons: int, scale: float = 100.0
) -> Figure | None:
    if not denominator:
        return None
    return Figure(scale * numerator / denominator, numerator, denominator, persons)


def compute(periods: Sequence[P.Period]) -> dict[str, dict[tuple[int, str], Figure]]:
    """Every computed indicator for every unit and the given periods (nothing stored)."""
    d = dialect_for(connection)
    unit_ids = list(OrgUnit.objects.values_list("id", flat=True))
    figures: dict[str, dict[tuple[int, str], Figure]] = defaultdict(dict)

    sick = sick_leave_aggregates(d, periods)
    for key, agg in sick.items():
        possible, persons = agg.get("possible", 0.0), agg.get("persons", 0)
        for slug, lost in [
            ("sick_leave_pct", "lost"),
            ("sick_leave_short_pct", "lost_short"),
            ("sick_leave_long_pct", "lost_long"),
            ("sick_leave_self_pct", "lost_self"),
            ("sick_leave_doctor_pct", "lost_doctor"),
        ]:
            if figure := _ratio(agg.get(lost, 0.0), possible, persons):
                figures[slug][key] = figure

    ref_dates = sorted({p.end for p in periods} | {p.day_before for p in periods})
    stock = position_aggregates(d, ref_dates)
    for period in periods:
        for unit_id in unit_ids:
            key = (unit_id, period.label)
            at_end = stock.get((unit_id, period.end), {})
            headcount = at_end.get("headcount", 0)
            figures["headcount"][key] = Figure(float(headcount))
            figures["fte"][key] = Figure(at_end.get("fte", 0.0))
            if figure := _ratio(at_end.get("full_time", 0), headcount, headcount):
                figures["full_time_share"][key] = figure
            shift = at_end.get("shift_headcount", 0)
            if figure := _ratio(at_end.get("shift_full_time", 0), shift, shift):
                figures["full_time_share_shift"][key] = figure
            if figure := _ratio(at_end.get("position_sum", 0.0), headcount, headcount, 1.0):
                figures["avg_position_pct"][key] = figure

    exits = exit_aggregates(d, periods)
    hires = hire_aggregates(d, periods)
    for period in periods:
        for unit_id in unit_ids:
            key = (unit_id, period.label)
            agg = exits.get(key, {})
            before = stock.get((unit_id, period.day_before), {}).get("headcount", 0)
            if figure := _ratio(agg.get("leavers", 0), before, before):
                figures["turnover_pct"][key] = figure
            if retirements := agg.get("retirements", 0):
                figures["retirement_age_avg"][key] = Figure(
                    agg["age_sum"] / retirements, agg["age_sum"], retirements, retirements
                )
            figures["new_hires"][key] = Figure(float(hires.get(key, {}).get("hires", 0)))

    years = [p for p in periods if p.granularity == P.YEAR]
    if years:
        for key, agg in life_table_aggregates(d, years).items():
            if agg["persons"] > 0:
                value = expected_retirement_age(agg["exposure"], agg["exits"])
                figures["expected_retirement_age"][key] = Figure(value, n_persons=agg["persons"])
    return figures


# --- Storing ---------------------------------------------------------------------------


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
    Stored values of the covered periods are replaced in one transaction, which holds a
    lock per calendar year from before the figures are read until they are stored: a
    second recompute of the same years waits, then reads the newer data. ``prepare``
    False skips ``recompute_prepare`` (a slice of a fanned-out recompute).
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
    with transaction.atomic():
        for year in sorted({p.start.year for p in periods}):
            _lock(year)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL work_mem = '{RECOMPUTE_WORK_MEM}'")
        figures = compute(periods)
        rows = _value_rows(figures, periods, indicators, timezone.now())
        result.counts = _store_values(rows, [p.label for p in periods])
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
    "computed_at",
)


def _value_rows(
    figures: dict[str, dict[tuple[int, str], Figure]],
    periods: Sequence[P.Period],
    indicators: dict[str, Indicator],
    computed_at: dt.datetime,
) -> list[tuple]:
    """Database rows of the figures, suppression applied (spec: Privacy)."""
    ops = connection.ops
    threshold = settings.SUPPRESSION_MIN_PERSONS
    stamp = ops.adapt_datetimefield_value(computed_at)
    by_label = {
        p.label: (
            p.granularity,
            ops.adapt_datefield_value(p.start),
            ops.adapt_datefield_value(p.end),
        )
        for p in periods
    }
    rows = []
    for slug, values in figures.items():
        indicator = indicators[slug]
        for (unit_id, label), figure in values.items():
            granularity, start, end = by_label[label]
            withheld = (
                indicator.suppressible
                and figure.n_persons is not None
                and figure.n_persons < threshold
            )
            if withheld:
                # The spec withholds value, numerator and denominator; the group size
                # stays, so readers can see why.
                rows.append(
                    (
                        indicator.pk,
                        unit_id,
                        granularity,
                        label,
                        start,
                        end,
                        None,
                        None,
                        None,
                        figure.n_persons,
                        True,
                        stamp,
                    )
                )
            else:
                rows.append(
                    (
                        indicator.pk,
                        unit_id,
                        granularity,
                        label,
                        start,
                        end,
                        figure.value,
                        figure.numerator,
                        figure.denominator,
                        figure.n_persons,
                        False,
                        stamp,
                    )
                )
    return rows


_KEY = ("indicator_id", "unit_id", "granularity", "period")
_FLOATS = ("value", "numerator", "denominator")
_EXACT = ("n_persons", "suppressed")
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
