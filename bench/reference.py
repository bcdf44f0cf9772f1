# The SQL text is assembled from this module's constants and file paths only.
# ruff: noqa: S608
"""The reference: sick-leave and full-time figures computed by DuckDB from the CSV files.

An implementation of spec/indicators.md written apart from ``measures/engine`` (it
shares only the spec): it reads ``orgunits.csv``, ``employments.csv`` and
``absences.csv`` as the generator writes them (``,`` delimited, ISO dates, ``.``
decimals) and computes, for **every** org unit over its subtree and every period of a
recompute (each month from January of the first year with absence data to
``last_month``, and each tertial and year that overlaps them and has ended by
``complete_until``):

- ``sick_leave_pct`` and its four splits (short/long, self/doctor-certified),
- ``headcount``, ``fte``, ``full_time_share``, ``full_time_share_shift`` and
  ``avg_position_pct`` at the period's last day.

``compare`` then checks the values the app stored against it. Positions are exact
decimals here (``DECIMAL(9,2)``), so "total position ≥ 100" is decided exactly.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import holidays

from measures.definitions import count_slugs

SICK_LEAVE = (
    ("sick_leave_pct", "lost"),
    ("sick_leave_short_pct", "lost_short"),
    ("sick_leave_long_pct", "lost_long"),
    ("sick_leave_self_pct", "lost_self"),
    ("sick_leave_doctor_pct", "lost_doctor"),
)
POSITIONS = ("headcount", "fte", "full_time_share", "full_time_share_shift", "avg_position_pct")
SLUGS = tuple(slug for slug, _ in SICK_LEAVE) + POSITIONS
# spec: Privacy. The counts are never suppressed.
NOT_SUPPRESSIBLE = count_slugs()  # the counts of indicators.json
SHORT_SPELL_DAYS = 16  # spec: sick_leave_short_pct, whole length in calendar days
# The generator writes no other spelling; the spec's others are accepted anyway.
YES = ("ja", "true", "1")


@dataclass(frozen=True)
class RefPeriod:
    label: str
    granularity: str
    start: dt.date
    end: dt.date


@dataclass
class Reference:
    """The DuckDB connection holding table ``ref`` and how long each step took."""

    con: duckdb.DuckDBPyConnection
    periods: list[RefPeriod]
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    def rows(self) -> int:
        return self.con.execute("SELECT count(*) FROM ref").fetchone()[0]


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def recompute_periods(
    first_day: dt.date, last_month: dt.date, complete_until: dt.date
) -> list[RefPeriod]:
    """spec: Periods. Months first…last, and the tertials and years they touch that have ended."""
    months: list[RefPeriod] = []
    year, month = first_day.year, first_day.month
    while (year, month) <= (last_month.year, last_month.month):
        months.append(
            RefPeriod(
                f"{year}-{month:02d}", "month", dt.date(year, month, 1), _month_end(year, month)
            )
        )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    tertials: dict[str, RefPeriod] = {}
    years: dict[str, RefPeriod] = {}
    for m in months:
        number = (m.start.month - 1) // 4 + 1  # T1 Jan–Apr, T2 May–Aug, T3 Sep–Dec
        label = f"{m.start.year}-T{number}"
        tertials[label] = RefPeriod(
            label,
            "tertial",
            dt.date(m.start.year, 4 * number - 3, 1),
            _month_end(m.start.year, 4 * number),
        )
        years[str(m.start.year)] = RefPeriod(
            str(m.start.year), "year", dt.date(m.start.year, 1, 1), dt.date(m.start.year, 12, 31)
        )
    whole = [p for p in (*tertials.values(), *years.values()) if p.end <= complete_until]
    return months + whole


def working_calendar(first: dt.date, last: dt.date) -> list[tuple[dt.date, bool]]:
    """spec: Calendar. Monday–Friday and not a Norwegian public holiday."""
    public = holidays.country_holidays("NO", years=range(first.year, last.year + 1))
    days, day = [], first
    while day <= last:
        days.append((day, day.weekday() < 5 and day not in public))
        day += dt.timedelta(days=1)
    return days


def _load(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    def source(name: str) -> str:
        path = str(folder / name).replace("'", "''")
        return f"read_csv('{path}', header = true, all_varchar = true, delim = ',', quote = '\"')"

    yes = ", ".join(f"'{value}'" for value in YES)
    con.execute(
        f"""
        CREATE TABLE units AS
        SELECT trim(code) AS code, NULLIF(trim(parent_code), '') AS parent_code,
               coalesce(lower(trim(shift_based)) IN ({yes}), false) AS shift
        FROM {source("orgunits.csv")}
        """
    )
    con.execute(
        f"""
        CREATE TABLE emp AS
        SELECT employment_id, person_id, unit_code,
               CAST(position_pct AS DECIMAL(9, 2)) AS pct,
               CAST(start_date AS DATE) AS first_day,
               CAST(NULLIF(end_date, '') AS DATE) AS last_day
        FROM {source("employments.csv")}
        """
    )
    con.execute(
        f"""
        CREATE TABLE spell AS
        SELECT employment_id, kind,
               CAST(grade_pct AS DECIMAL(9, 2)) AS grade,
               CAST(start_date AS DATE) AS first_day,
               CAST(end_date AS DATE) AS last_day
        FROM {source("absences.csv")}
        """
    )
    # Every unit with itself and every unit above it.
    con.execute(
        """
        CREATE TABLE subtree AS
        WITH RECURSIVE up(top, unit) AS (
            SELECT code, code FROM units
            UNION ALL
            SELECT units.parent_code, up.unit
            FROM up JOIN units ON units.code = up.top
            WHERE units.parent_code IS NOT NULL
        )
        SELECT top, unit FROM up
        """
    )


def _calendar_and_periods(con: duckdb.DuckDBPyConnection, periods: list[RefPeriod]) -> None:
    first, last = min(p.start for p in periods), max(p.end for p in periods)
    con.execute("CREATE TABLE day (d DATE, working INTEGER)")
    con.executemany(
        "INSERT INTO day VALUES (?, ?)", [(d, int(w)) for d, w in working_calendar(first, last)]
    )
    # Working days from the calendar's first day up to and including d.
    con.execute(
        """
        CREATE TABLE day_count AS
        SELECT d, working, SUM(working) OVER (ORDER BY d) AS upto FROM day
        """
    )
    con.execute("CREATE TABLE period (label VARCHAR, p_first DATE, p_last DATE)")
    con.executemany(
        "INSERT INTO period VALUES (?, ?, ?)", [(p.label, p.start, p.end) for p in periods]
    )


def _sick_leave(con: duckdb.DuckDBPyConnection) -> None:
    # Working days of [a, b] = upto(b) - upto(a) + working(a).
    con.execute(
        """
        CREATE TABLE agreed AS
        WITH piece AS (
            SELECT e.person_id, e.unit_code, e.pct, p.label,
                   greatest(e.first_day, p.p_first) AS a,
                   least(coalesce(e.last_day, p.p_last), p.p_last) AS b
            FROM emp e JOIN period p
              ON e.first_day <= p.p_last AND (e.last_day IS NULL OR e.last_day >= p.p_first)
        ),
        counted AS (
            SELECT piece.person_id, piece.unit_code, piece.label,
                   CAST(db.upto - da.upto + da.working AS DOUBLE)
                       * CAST(piece.pct AS DOUBLE) / 100 AS dagsverk
            FROM piece
            JOIN day_count da ON da.d = piece.a
            JOIN day_count db ON db.d = piece.b
        )
        SELECT s.top AS unit, c.label,
               SUM(c.dagsverk) AS possible,
               COUNT(DISTINCT c.person_id) FILTER (WHERE c.dagsverk > 0) AS persons
        FROM counted c JOIN subtree s ON s.unit = c.unit_code
        GROUP BY s.top, c.label
        """
    )
    con.execute(
        f"""
        CREATE TABLE lost AS
        WITH piece AS (
            SELECT e.unit_code, e.pct, s.grade, s.kind, p.label,
                   date_diff('day', s.first_day, s.last_day) + 1 AS spell_days,
                   greatest(s.first_day, e.first_day, p.p_first) AS a,
                   least(s.last_day, coalesce(e.last_day, s.last_day), p.p_last) AS b
            FROM spell s
            JOIN emp e ON e.employment_id = s.employment_id
            JOIN period p ON s.first_day <= p.p_last AND s.last_day >= p.p_first
        ),
        counted AS (
            SELECT piece.unit_code, piece.label, piece.kind, piece.spell_days,
                   CAST(db.upto - da.upto + da.working AS DOUBLE)
                       * CAST(piece.grade AS DOUBLE) / 100
                       * CAST(piece.pct AS DOUBLE) / 100 AS dagsverk
            FROM piece
            JOIN day_count da ON da.d = piece.a
            JOIN day_count db ON db.d = piece.b
            WHERE piece.a <= piece.b
        )
        SELECT s.top AS unit, c.label,
               SUM(c.dagsverk) AS lost,
               SUM(c.dagsverk) FILTER (WHERE c.spell_days <= {SHORT_SPELL_DAYS}) AS lost_short,
               SUM(c.dagsverk) FILTER (WHERE c.spell_days > {SHORT_SPELL_DAYS}) AS lost_long,
               SUM(c.dagsverk) FILTER (WHERE c.kind = 'egenmeldt') AS lost_self,
               SUM(c.dagsverk) FILTER (WHERE c.kind = 'legemeldt') AS lost_doctor
        FROM counted c JOIN subtree s ON s.unit = c.unit_code
        GROUP BY s.top, c.label
        """
    )
    selects = []
    for slug, column in SICK_LEAVE:
        selects.append(
            f"""
            SELECT '{slug}' AS slug, a.unit, a.label AS period,
                   100 * coalesce(l.{column}, 0) / a.possible AS value,
                   coalesce(l.{column}, 0) AS numerator, a.possible AS denominator,
                   a.persons AS n_persons
            FROM agreed a LEFT JOIN lost l ON l.unit = a.unit AND l.label = a.label
            WHERE a.possible > 0
            """
        )
    con.execute("CREATE TABLE ref AS " + " UNION ALL ".join(selects))


def _positions(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """
        CREATE TABLE per_person AS
        WITH active AS (
            SELECT r.ref, e.*
            FROM (SELECT DISTINCT p_last AS ref FROM period) r
            JOIN emp e ON e.first_day <= r.ref AND (e.last_day IS NULL OR e.last_day >= r.ref)
        )
        SELECT ref, person_id, SUM(pct) AS total,
               first(unit_code ORDER BY pct DESC, employment_id ASC) AS main_unit
        FROM active GROUP BY ref, person_id
        """
    )
    con.execute(
        """
        CREATE TABLE stock AS
        SELECT s.top AS unit, pp.ref,
               COUNT(*) AS headcount,
               COUNT(*) FILTER (WHERE pp.total >= 100) AS full_time,
               SUM(least(pp.total, 100)) AS position_sum,
               COUNT(*) FILTER (WHERE u.shift) AS shift_headcount,
               COUNT(*) FILTER (WHERE u.shift AND pp.total >= 100) AS shift_full_time
        FROM per_person pp
        JOIN units u ON u.code = pp.main_unit
        JOIN subtree s ON s.unit = pp.main_unit
        GROUP BY s.top, pp.ref
        """
    )
    con.execute(
        """
        CREATE TABLE fte AS
        SELECT s.top AS unit, r.ref, SUM(e.pct) / 100 AS fte
        FROM (SELECT DISTINCT p_last AS ref FROM period) r
        JOIN emp e ON e.first_day <= r.ref AND (e.last_day IS NULL OR e.last_day >= r.ref)
        JOIN subtree s ON s.unit = e.unit_code
        GROUP BY s.top, r.ref
        """
    )
    # Counts exist for every unit and period, 0 included; ratios only with a denominator.
    con.execute(
        """
        CREATE TABLE grid AS
        SELECT u.code AS unit, p.label, p.p_last AS ref,
               coalesce(st.headcount, 0) AS headcount,
               coalesce(st.full_time, 0) AS full_time,
               coalesce(st.position_sum, 0) AS position_sum,
               coalesce(st.shift_headcount, 0) AS shift_headcount,
               coalesce(st.shift_full_time, 0) AS shift_full_time,
               coalesce(f.fte, 0) AS fte
        FROM units u CROSS JOIN period p
        LEFT JOIN stock st ON st.unit = u.code AND st.ref = p.p_last
        LEFT JOIN fte f ON f.unit = u.code AND f.ref = p.p_last
        """
    )
    con.execute(
        """
        INSERT INTO ref
        SELECT 'headcount', unit, label, headcount, NULL, NULL, NULL FROM grid
        UNION ALL
        SELECT 'fte', unit, label, CAST(fte AS DOUBLE), NULL, NULL, NULL FROM grid
        UNION ALL
        SELECT 'full_time_share', unit, label, 100.0 * full_time / headcount,
               full_time, headcount, headcount
        FROM grid WHERE headcount > 0
        UNION ALL
        SELECT 'full_time_share_shift', unit, label, 100.0 * shift_full_time / shift_headcount,
               shift_full_time, shift_headcount, shift_headcount
        FROM grid WHERE shift_headcount > 0
        UNION ALL
        SELECT 'avg_position_pct', unit, label, CAST(position_sum AS DOUBLE) / headcount,
               position_sum, headcount, headcount
        FROM grid WHERE headcount > 0
        """
    )


def compute(
    folder: Path,
    *,
    last_month: dt.date,
    complete_until: dt.date,
    threads: int | None = None,
    database: str = ":memory:",
) -> Reference:
    """Compute the reference figures from the CSV files in ``folder``.

    The first period is January of the earliest absence spell's year, as the app's
    default recompute range (whole years: the complementary rule protects a year's
    cells together); ``last_month`` is any day of the last month.
    """
    con = duckdb.connect(database)
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    seconds: dict[str, float] = {}
    began = time.perf_counter()
    _load(con, folder)
    first_day = con.execute("SELECT min(first_day) FROM spell").fetchone()[0]
    if first_day is None:
        raise ValueError(f"{folder}: no absence spells, so no recompute range")
    periods = recompute_periods(first_day.replace(month=1, day=1), last_month, complete_until)
    _calendar_and_periods(con, periods)
    seconds["load"] = time.perf_counter() - began
    began = time.perf_counter()
    _sick_leave(con)
    seconds["sick_leave"] = time.perf_counter() - began
    began = time.perf_counter()
    _positions(con)
    seconds["positions"] = time.perf_counter() - began
    return Reference(con=con, periods=periods, seconds=seconds)


# --- Comparing with the app's stored values --------------------------------------------

APP_COLUMNS = (
    "slug",
    "unit",
    "period",
    "value",
    "numerator",
    "denominator",
    "n_persons",
    "suppressed",
    "complementary",
)


@dataclass
class Comparison:
    compared: int = 0
    matching: int = 0
    missing_in_app: int = 0
    missing_in_reference: int = 0
    mismatched: int = 0
    by_slug: dict[str, int] = field(default_factory=dict)
    examples: list[dict[str, Any]] = field(default_factory=list)
    max_relative_difference: float = 0.0
    # Withheld by the complementary rule (enough persons, hidden to protect a small
    # group): only n_persons is compared; and how many the reference would publish.
    complementary: int = 0
    published_suppressible: int = 0

    @property
    def ok(self) -> bool:
        return (self.missing_in_app, self.missing_in_reference, self.mismatched) == (0, 0, 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "compared": self.compared,
            "matching": self.matching,
            "missing_in_app": self.missing_in_app,
            "missing_in_reference": self.missing_in_reference,
            "complementary": self.complementary,
            "published_suppressible": self.published_suppressible,
            "mismatched": self.mismatched,
            "by_slug": self.by_slug,
            "max_relative_difference": self.max_relative_difference,
            "examples": self.examples,
        }


def compare(
    reference: Reference,
    app_csv: Path,
    *,
    min_persons: int = 5,
    tolerance: float = 1e-9,
    max_examples: int = 20,
    periods_ending_from: dt.date | None = None,
) -> Comparison:
    """Compare the app's stored values (CSV with ``APP_COLUMNS``) with the reference.

    Only the reference's indicators are compared; a stored value of another period
    counts as "not in the reference". Where the reference has
    fewer than ``min_persons`` persons, the app must have suppressed the value (spec:
    Privacy) and only ``n_persons`` is compared. With ``periods_ending_from`` only the
    periods ending on or after that day are compared (those a recompute of the last
    month rewrote).
    """
    con = reference.con
    path = str(app_csv).replace("'", "''")
    con.execute("DROP TABLE IF EXISTS app")
    con.execute(
        f"""
        CREATE TABLE app AS
        SELECT slug, unit, period,
               CAST(NULLIF(value, '') AS DOUBLE) AS value,
               CAST(NULLIF(numerator, '') AS DOUBLE) AS numerator,
               CAST(NULLIF(denominator, '') AS DOUBLE) AS denominator,
               CAST(NULLIF(n_persons, '') AS BIGINT) AS n_persons,
               lower(suppressed) IN ('t', 'true', '1') AS suppressed,
               lower(coalesce(complementary, 'false')) IN ('t', 'true', '1') AS complementary
        FROM read_csv('{path}', header = true, all_varchar = true)
        WHERE slug IN ({", ".join(f"'{s}'" for s in SLUGS)})
        """
    )
    # A recompute covers whole years up to the last complete month of the app's clock,
    # so after the base import the app also holds the months after the base's last
    # one (computed from the base data, replaced after the delta): not compared.
    last_end = max(p.end for p in reference.periods)
    con.execute(
        """
        DELETE FROM app WHERE period NOT IN (SELECT label FROM period) AND CASE
            WHEN length(period) = 7 AND substr(period, 6, 1) = 'T'
                THEN make_date(CAST(substr(period, 1, 4) AS INT),
                               CAST(substr(period, 7, 1) AS INT) * 4 - 3, 1)
            WHEN length(period) = 7
                THEN make_date(CAST(substr(period, 1, 4) AS INT),
                               CAST(substr(period, 6, 2) AS INT), 1)
            ELSE make_date(CAST(period AS INT), 1, 1)
        END > ?
        """,
        [last_end],
    )
    con.execute("CREATE OR REPLACE TABLE compared_period AS SELECT label FROM period")
    if periods_ending_from is not None:
        con.execute(
            "DELETE FROM compared_period WHERE label IN "
            "(SELECT label FROM period WHERE p_last < ?)",
            [periods_ending_from],
        )
        con.execute("DELETE FROM app WHERE period NOT IN (SELECT label FROM compared_period)")
    suppressible = ", ".join(f"'{s}'" for s in SLUGS if s not in NOT_SUPPRESSIBLE)
    con.execute(
        f"""
        CREATE OR REPLACE MACRO close(a, b) AS
            (a IS NULL AND b IS NULL)
            OR (abs(a - b) <= {float(tolerance)!r} * greatest(abs(a), abs(b)) + 1e-12);
        CREATE OR REPLACE MACRO relative(a, b) AS
            CASE WHEN greatest(abs(a), abs(b)) > 0
                 THEN abs(a - b) / greatest(abs(a), abs(b)) ELSE 0 END;
        CREATE OR REPLACE TABLE checked AS
        WITH joined AS (
            SELECT coalesce(r.slug, a.slug) AS slug, coalesce(r.unit, a.unit) AS unit,
                   coalesce(r.period, a.period) AS period,
                   r.slug IS NOT NULL AS in_ref, a.slug IS NOT NULL AS in_app,
                   coalesce(r.slug, a.slug) IN ({suppressible})
                       AND r.n_persons < {int(min_persons)} AS withheld,
                   CAST(r.value AS DOUBLE) AS r_value,
                   CAST(r.numerator AS DOUBLE) AS r_numerator,
                   CAST(r.denominator AS DOUBLE) AS r_denominator,
                   r.n_persons AS r_n,
                   a.value AS a_value, a.numerator AS a_numerator,
                   a.denominator AS a_denominator, a.n_persons AS a_n,
                   a.suppressed AS a_suppressed, a.complementary AS a_complementary
            FROM (SELECT * FROM ref WHERE period IN (SELECT label FROM compared_period)) r
            FULL OUTER JOIN app a
              ON a.slug = r.slug AND a.unit = r.unit AND a.period = r.period
        )
        SELECT *,
               CASE
                   WHEN NOT in_app THEN 'missing in the app'
                   WHEN NOT in_ref THEN 'not in the reference'
                   WHEN coalesce(withheld, false) AND a_complementary
                       THEN 'complementary on a small cell'
                   WHEN coalesce(withheld, false) <> (a_suppressed AND NOT a_complementary)
                       THEN 'suppression differs'
                   WHEN r_n IS DISTINCT FROM a_n THEN 'n_persons differs'
                   WHEN coalesce(withheld, false) OR a_complementary THEN NULL
                   WHEN NOT close(r_value, a_value) THEN 'value differs'
                   WHEN NOT close(r_numerator, a_numerator) THEN 'numerator differs'
                   WHEN NOT close(r_denominator, a_denominator) THEN 'denominator differs'
               END AS problem,
               CASE WHEN in_ref AND in_app AND NOT coalesce(withheld, false)
                         AND NOT a_complementary THEN greatest(
                   coalesce(relative(r_value, a_value), 0),
                   coalesce(relative(r_numerator, a_numerator), 0),
                   coalesce(relative(r_denominator, a_denominator), 0)
               ) END AS difference
        FROM joined
        """
    )
    compared, matching, missing_app, missing_ref, largest = con.execute(
        """
        SELECT count(*), count(*) FILTER (WHERE problem IS NULL),
               count(*) FILTER (WHERE NOT in_app), count(*) FILTER (WHERE NOT in_ref),
               coalesce(max(difference) FILTER (WHERE problem IS NULL), 0)
        FROM checked
        """
    ).fetchone()
    result = Comparison(
        compared=compared,
        matching=matching,
        missing_in_app=missing_app,
        missing_in_reference=missing_ref,
        mismatched=compared - matching - missing_app - missing_ref,
        by_slug=dict.fromkeys(SLUGS, 0),
        max_relative_difference=float(largest),
    )
    result.complementary, result.published_suppressible = con.execute(
        f"""
        SELECT count(*) FILTER (WHERE a_complementary AND problem IS NULL),
               count(*) FILTER (WHERE in_ref AND in_app AND NOT coalesce(withheld, false)
                                AND slug IN ({suppressible}))
        FROM checked
        """
    ).fetchone()
    for slug, n in con.execute(
        "SELECT slug, count(*) FROM checked WHERE problem IS NOT NULL GROUP BY slug"
    ).fetchall():
        result.by_slug[slug] = n
    examples = con.execute(
        f"""
        SELECT slug, unit, period, problem, r_value, r_numerator, r_denominator, r_n,
               a_value, a_numerator, a_denominator, a_n, a_suppressed
        FROM checked WHERE problem IS NOT NULL
        ORDER BY slug, period, unit LIMIT {int(max_examples)}
        """
    ).fetchall()
    for row in examples:
        result.examples.append(
            {
                "slug": row[0],
                "unit": row[1],
                "period": row[2],
                "problem": row[3],
                "reference": [*_clean(row[4:7]), row[7]],
                "app": [*_clean(row[8:11]), row[11], row[12]],
            }
        )
    return result


def _clean(values: Iterable[float | None]) -> list[float | None]:
    return [None if v is None or (isinstance(v, float) and math.isnan(v)) else v for v in values]


def write_reference_csv(reference: Reference, path: Path) -> None:
    """The reference values as CSV (for inspection), sorted."""
    rows = reference.con.execute(
        "SELECT slug, unit, period, value, numerator, denominator, n_persons FROM ref "
        "ORDER BY slug, unit, period"
    ).fetchall()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ("slug", "unit", "period", "value", "numerator", "denominator", "n_persons")
        )
        writer.writerows(rows)
