"""Positions at a reference date (spec: Positions and full-time): headcount, FTE, full time."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence

from strategi.db import Dialect, as_date

from .core import Context, Figure, Figures, family, fetch, ratio, values_cte

POSITIONS = ("headcount", "fte", "full_time_share", "full_time_share_shift", "avg_position_pct")


def stock(context: Context) -> dict[tuple[int, dt.date], dict]:
    """The position figures at every period end and every day before a period starts.

    Shared by the families that read them (positions, turnover's starting headcount).
    """
    return context.shared(
        "stock", lambda: position_aggregates(context.dialect, context.reference_dates)
    )


@family("positions", slugs=POSITIONS)
def positions(context: Context) -> Figures:
    """The persons (by main unit) and positions of each unit subtree at each period's end."""
    at = stock(context)
    figures: Figures = {slug: {} for slug in POSITIONS}
    for period in context.periods:
        for unit_id in context.unit_ids:
            key = (unit_id, period.label)
            at_end = at.get((unit_id, period.end), {})
            headcount = at_end.get("headcount", 0)
            figures["headcount"][key] = Figure(float(headcount))
            figures["fte"][key] = Figure(at_end.get("fte", 0.0))
            if figure := ratio(at_end.get("full_time", 0), headcount, headcount):
                figures["full_time_share"][key] = figure
            shift = at_end.get("shift_headcount", 0)
            if figure := ratio(at_end.get("shift_full_time", 0), shift, shift):
                figures["full_time_share_shift"][key] = figure
            if figure := ratio(at_end.get("position_sum", 0.0), headcount, headcount, 1.0):
                figures["avg_position_pct"][key] = figure
    return figures


def position_aggregates(d: Dialect, dates: Sequence[dt.date]) -> dict[tuple[int, dt.date], dict]:
    """Headcount, full-time, position and FTE figures per unit subtree and date."""
    cte, params = values_cte("refs", ["ref_date"], [(day,) for day in dates])
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
    for row in fetch(persons_sql, params):
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
    for unit_id, ref_date, fte in fetch(fte_sql, params):
        result[(unit_id, as_date(ref_date))]["fte"] = float(fte or 0)
    return result
