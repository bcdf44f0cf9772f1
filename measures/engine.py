"""The indicator engine: every computed indicator of spec/indicators.md, set-based.

Each indicator family is one or two SQL statements that aggregate in the database
(SQLite and PostgreSQL alike, see ``measures.sql``) and return one row per org unit
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
import json
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import holidays
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from workplaces.models import AbsenceSpell, OrgUnit
from workplaces.services import orgunit_tree_rebuild

from . import periods as P
from .models import CalendarDay, Indicator, IndicatorValue
from .sql import Dialect, dialect_for

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


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


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


def sick_leave_aggregates(d: Dialect, periods: Sequence[P.Period]) -> Aggregates:
    """Possible and lost dagsverk per unit subtree and period, by spell category."""
    cte, params = _periods_cte(periods)
    possible_sql = f"""
        WITH {cte},
        spans AS (
            SELECT e.person_id, e.unit_id, e.position_pct, p.label,
                   {d.greatest("e.start_date", "p.start_date")} AS first_day,
                   {d.least("COALESCE(e.end_date, p.end_date)", "p.end_date")} AS last_day
            FROM workplaces_employment e
            JOIN periods p ON e.start_date <= p.end_date
                          AND (e.end_date IS NULL OR e.end_date >= p.start_date)
        ),
        days AS (
            SELECT s.person_id, s.unit_id, s.position_pct, s.label,
                   last.working_days_through - first.working_days_before AS n
            FROM spans s
            JOIN measures_calendarday first ON first.date = s.first_day
            JOIN measures_calendarday last ON last.date = s.last_day
        )
        SELECT c.ancestor_id, days.label,
               SUM(days.n * days.position_pct) / 100.0,
               COUNT(DISTINCT CASE WHEN days.n > 0 THEN days.person_id END)
        FROM days JOIN workplaces_orgunitclosure c ON c.descendant_id = days.unit_id
        GROUP BY c.ancestor_id, days.label
    """
    result: Aggregates = defaultdict(dict)
    for unit_id, label, possible, persons in _fetch(possible_sql, params):
        result[(unit_id, label)].update(possible=float(possible or 0), persons=persons)

    length = d.days_between("s.start_date", "s.end_date") + " + 1"
    short = SHORT_SPELL_MAX_DAYS
    lost_sql = f"""
        WITH {cte},
        spans AS (
            SELECT e.unit_id, e.position_pct, s.grade_pct, s.kind, p.label,
                   {length} AS spell_days,
                   {d.greatest("s.start_date", "e.start_date", "p.start_date")} AS first_day,
                   {d.least("s.end_date", "COALESCE(e.end_date, s.end_date)", "p.end_date")}
                       AS last_day
            FROM workplaces_absencespell s
            JOIN workplaces_employment e ON e.id = s.employment_id
            JOIN periods p ON s.start_date <= p.end_date AND s.end_date >= p.start_date
            WHERE s.end_date >= e.start_date
              AND (e.end_date IS NULL OR s.start_date <= e.end_date)
        ),
        lost AS (
            SELECT spans.unit_id, spans.label, spans.kind, spans.spell_days,
                   (last.working_days_through - first.working_days_before)
                       * spans.grade_pct * spans.position_pct / 10000.0 AS dagsverk
            FROM spans
            JOIN measures_calendarday first ON first.date = spans.first_day
            JOIN measures_calendarday last ON last.date = spans.last_day
            WHERE spans.first_day <= spans.last_day
        )
        SELECT c.ancestor_id, lost.label,
               SUM(lost.dagsverk),
               SUM(CASE WHEN lost.spell_days <= {short} THEN lost.dagsverk ELSE 0 END),
               SUM(CASE WHEN lost.spell_days > {short} THEN lost.dagsverk ELSE 0 END),
               SUM(CASE WHEN lost.kind = %s THEN lost.dagsverk ELSE 0 END),
               SUM(CASE WHEN lost.kind = %s THEN lost.dagsverk ELSE 0 END)
        FROM lost JOIN workplaces_orgunitclosure c ON c.descendant_id = lost.unit_id
        GROUP BY c.ancestor_id, lost.label
    """
    kinds = [AbsenceSpell.Kind.SELF_CERTIFIED.value, AbsenceSpell.Kind.DOCTOR_CERTIFIED.value]
    for unit_id, label, total, short, long_, self_, doctor in _fetch(lost_sql, params + kinds):
        result[(unit_id, label)].update(
            lost=float(total or 0),
            lost_short=float(short or 0),
            lost_long=float(long_ or 0),
            lost_self=float(self_ or 0),
            lost_doctor=float(doctor or 0),
        )
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
        result[(unit_id, _as_date(ref_date))].update(
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
        result[(unit_id, _as_date(ref_date))]["fte"] = float(fte or 0)
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


def recompute_range(
    *,
    start: str | None = None,
    end: str | None = None,
    today: dt.date | None = None,
    within_data: bool = False,
) -> RecomputeResult:
    """Recompute every computed indicator for the months ``start``…``end`` (YYYY-MM).

    The tertials and years those months belong to are recomputed whole. Missing bounds
    come from ``default_range``; the end is never after the last complete month.
    ``within_data`` also keeps the start inside the default range (an import that
    touched a 1990 employment recomputes from the first month with absence data).
    Stored values of the covered periods are replaced in one transaction.
    """
    began = timezone.now()
    today = today or timezone.localdate()
    result = RecomputeResult(start=start, end=end)
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
        result.seconds = (timezone.now() - began).total_seconds()
        return result
    periods = P.periods_covering(first, last, complete_until=last_complete)
    result.start, result.end = periods[0].label, P.month(last.year, last.month).label
    calendar_ensure(periods[0].start, max(p.end for p in periods))
    orgunit_tree_rebuild()
    indicators = indicators_ensure()

    figures = compute(periods)
    rows = _value_rows(figures, periods, indicators, timezone.now())
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One recompute writes at a time; a second waits instead of colliding.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RECOMPUTE_LOCK_ID])
        for granularity in P.GRANULARITIES:
            labels = [p.label for p in periods if p.granularity == granularity]
            IndicatorValue.objects.filter(
                indicator__kind=Indicator.Kind.COMPUTED, granularity=granularity, period__in=labels
            ).delete()
        _insert_values(rows)
    result.values_stored = len(rows)
    result.periods = len(periods)
    result.units = len({row[1] for row in rows})
    result.seconds = (timezone.now() - began).total_seconds()
    return result


RECOMPUTE_LOCK_ID = 7_301_001
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


def _insert_values(rows: list[tuple]) -> None:
    """Insert stored values in bulk: COPY on PostgreSQL, executemany on SQLite.

    ``bulk_create`` is several times slower for the 10⁵–10⁶ rows of a recompute.
    """
    table = IndicatorValue._meta.db_table
    columns = ", ".join(_VALUE_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
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
                f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)", buffer
            )
        else:
            marks = ", ".join(["%s"] * len(_VALUE_COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
