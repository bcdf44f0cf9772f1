"""Sick leave (spec: Sick leave): possible and lost dagsverk, and the persons behind them."""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Sequence

from hr.models import AbsenceSpell
from strategi.db import Dialect

from .. import periods as P
from .core import Aggregates, Context, Figures, family, fetch, months_of, ratio, values_cte

SHORT_SPELL_MAX_DAYS = 16  # calendar days (spec: sick_leave_short_pct)
# Each indicator of the family and the lost dagsverk it counts (over all possible ones).
SICK_LEAVE = {
    "sick_leave_pct": "lost",
    "sick_leave_short_pct": "lost_short",
    "sick_leave_long_pct": "lost_long",
    "sick_leave_self_pct": "lost_self",
    "sick_leave_doctor_pct": "lost_doctor",
}


@family("sick_leave", slugs=tuple(SICK_LEAVE))
def sick_leave(context: Context) -> Figures:
    """``100 × lost / possible`` dagsverk per unit subtree and period, by spell category."""
    figures: Figures = {slug: {} for slug in SICK_LEAVE}
    # The persons of each unit's own staff, for the complementary rule (protection).
    context.own_persons["sick_leave"] = sick_leave_persons(
        context.dialect, context.periods, own_staff=True
    )
    for key, agg in sick_leave_aggregates(context.dialect, context.periods).items():
        possible, persons = agg.get("possible", 0.0), agg.get("persons", 0)
        for slug, lost in SICK_LEAVE.items():
            if figure := ratio(agg.get(lost, 0.0), possible, persons):
                figures[slug][key] = figure
    return figures


def sick_leave_aggregates(d: Dialect, periods: Sequence[P.Period]) -> Aggregates:
    """Possible and lost dagsverk per unit subtree and period, by spell category.

    Dagsverk are sums over working days, so they are computed per unit and month only
    and added up: over the subtree (closure table) and over the months of a tertial or
    year (``owners`` maps each month to the requested periods that hold it).
    ``persons`` (distinct persons with possible days > 0) does not add up; it comes
    from ``sick_leave_persons``.
    """
    months = months_of(periods)
    wanted = {p.label for p in periods}
    months_cte, params = values_cte(
        "months", ["label", "start_date", "end_date"], [(m.label, m.start, m.end) for m in months]
    )
    owners_cte, owner_params = values_cte(
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
    for unit_id, label, possible in fetch(possible_sql, params + owner_params):
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
    for unit_id, label, total, short, long_, self_, doctor in fetch(lost_sql, lost_params):
        result[(unit_id, label)].update(
            lost=float(total or 0),
            lost_short=float(short or 0),
            lost_long=float(long_ or 0),
            lost_self=float(self_ or 0),
            lost_doctor=float(doctor or 0),
        )
    return result


# Each unit as its own only ancestor: figures of a unit's own staff, not its subtree.
OWN_STAFF = "(SELECT id AS ancestor_id, id AS descendant_id FROM workplaces_orgunit)"


def sick_leave_persons(
    d: Dialect, periods: Sequence[P.Period], *, own_staff: bool = False
) -> dict[tuple[int, str], int]:
    """Distinct persons with possible days > 0 per unit subtree (or own staff) and period.

    In working-day numbers (the calendar's cumulative count) an employment covers the
    interval ``lo … hi``; it has possible days in a period exactly when that interval
    meets the period's. Per subtree and person the intervals are merged into disjoint
    islands; a person meets a period once per island that meets it, less once per gap
    between two consecutive islands that both meet it. As every period boundary is a
    month boundary, only the month of each island's ends is needed: a few thousand rows
    instead of one per person, subtree and period.
    """
    months = months_of(periods)
    first, last = months[0].start, months[-1].end
    sql = f"""
        WITH spans AS (
            SELECT c.ancestor_id, e.person_id,
                   lo.working_days_before + 1 AS lo, hi.working_days_through AS hi
            FROM workplaces_employment e
            JOIN measures_calendarday lo ON lo.date = {d.greatest("e.start_date", "%s")}
            JOIN measures_calendarday hi
                 ON hi.date = {d.least("COALESCE(e.end_date, %s)", "%s")}
            JOIN {OWN_STAFF if own_staff else "workplaces_orgunitclosure"} c
                 ON c.descendant_id = e.unit_id
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
    for unit_id, lo_month, hi_month, next_month, n in fetch(sql, [first, last, last, last, first]):
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
