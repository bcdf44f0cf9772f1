"""Expected retirement age at 50 (spec: Retirement, life table), for years only."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from strategi.db import Dialect

from .. import periods as P
from .core import Context, Figure, Figures, family, fetch, periods_cte, values_cte
from .flow import DAYS_PER_YEAR, exits_cte

LIFE_TABLE_EXIT_REASONS = ("alderspensjon", "afp", "uforetrygd")
LIFE_TABLE_AGES = range(50, 70)  # completed ages 50 … 69; everybody leaves at 70


@family("life_table", slugs=("expected_retirement_age",))
def life_table(context: Context) -> Figures:
    """``expected_retirement_age`` of each unit subtree and year with persons aged 50–69."""
    figures: Figures = {"expected_retirement_age": {}}
    years = [p for p in context.periods if p.granularity == P.YEAR]
    if years:
        for key, agg in life_table_aggregates(context.dialect, years).items():
            if agg["persons"] > 0:
                value = expected_retirement_age(agg["exposure"], agg["exits"])
                figures["expected_retirement_age"][key] = Figure(value, n_persons=agg["persons"])
    return figures


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
    cte, params = values_cte(
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
    for unit_id, label, age, days, _ in fetch(exposure_sql, params):
        result[(unit_id, label)]["exposure"][age] += float(days or 0) / DAYS_PER_YEAR
    for unit_id, label, persons in fetch(persons_sql, params):
        result[(unit_id, label)]["persons"] = persons

    year_cte, year_params = periods_cte(years)
    ages_cte, ages_params = values_cte("ages", ["age"], [(a,) for a in LIFE_TABLE_AGES])
    reasons = ", ".join(["%s"] * len(LIFE_TABLE_EXIT_REASONS))
    exits_sql = f"""
        WITH {year_cte}, {ages_cte}, {exits_cte(d)}
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
    for unit_id, label, age, n in fetch(exits_sql, exits_params):
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
