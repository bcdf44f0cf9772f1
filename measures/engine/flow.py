"""Exits and hires (spec: Retirement, Flow): retirement age, turnover, new hires."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from strategi.db import Dialect

from .. import periods as P
from .core import Aggregates, Context, Figure, Figures, family, fetch, periods_cte, ratio
from .positions import stock

# Spec: Retirement. Reasons that end a working life, and those that count as retirement.
RETIREMENT_REASONS = ("alderspensjon", "afp")
NOT_TURNOVER_REASONS = ("alderspensjon", "afp", "uforetrygd", "dodsfall")
DAYS_PER_YEAR = 365.25


@family("exits", slugs=("retirement_age_avg", "turnover_pct"))
def exits(context: Context) -> Figures:
    """Mean age at retirement, and turnover over the headcount the day before the period."""
    at = stock(context)
    found = exit_aggregates(context.dialect, context.periods)
    figures: Figures = {"retirement_age_avg": {}, "turnover_pct": {}}
    for period in context.periods:
        for unit_id in context.unit_ids:
            key = (unit_id, period.label)
            agg = found.get(key, {})
            before = at.get((unit_id, period.day_before), {}).get("headcount", 0)
            if figure := ratio(agg.get("leavers", 0), before, before):
                figures["turnover_pct"][key] = figure
            if retirements := agg.get("retirements", 0):
                figures["retirement_age_avg"][key] = Figure(
                    agg["age_sum"] / retirements, agg["age_sum"], retirements, retirements
                )
    return figures


@family("hires", slugs=("new_hires",))
def hires(context: Context) -> Figures:
    """New hires per unit subtree and period (0s are added for every unit: a count)."""
    return {
        "new_hires": {
            key: Figure(float(agg["hires"]))
            for key, agg in hire_aggregates(context.dialect, context.periods).items()
        }
    }


def exits_cte(d: Dialect) -> str:
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
    cte, params = periods_cte(periods)
    first, last = min(p.start for p in periods), max(p.end for p in periods)
    age = f"{d.days_between('x.birth_date', 'x.end_date')} / {DAYS_PER_YEAR}"
    retire = ", ".join(["%s"] * len(RETIREMENT_REASONS))
    churn = ", ".join(["%s"] * len(NOT_TURNOVER_REASONS))
    sql = f"""
        WITH {cte}, {exits_cte(d)}
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
    for unit_id, label, retirements, age_sum, leavers in fetch(sql, all_params):
        result[(unit_id, label)].update(
            retirements=retirements or 0, age_sum=float(age_sum or 0), leavers=leavers or 0
        )
    return result


def hire_aggregates(d: Dialect, periods: Sequence[P.Period]) -> Aggregates:
    """New hires (distinct persons) per unit subtree and period."""
    cte, params = periods_cte(periods)
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
    return {(unit_id, label): {"hires": n} for unit_id, label, n in fetch(sql, params)}
