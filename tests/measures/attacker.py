"""A differencing attacker: what can be learnt from everything HR may download?

The attacker reads the export (``measures.exports.write_csv``: the CSV and the API give
the same records) and knows the unit tree and the laws every figure obeys:

- a unit's subtree = its own staff + its children's subtrees (numerators add up);
- a tertial = its four months, a year = its three tertials = its twelve months (flows:
  sick leave, retirements, turnover's exits); a stock's tertial and year are its last
  month (positions);
- sick leave: total = short + long = self-certified + doctor-certified.

Unknown are the withheld cells and every unit's own staff (never published). The
attacker solves the linear system exactly (sparse Gauss–Jordan over the rationals),
which finds everything iterated one-unknown elimination finds and more. A *leak* is a
determined unknown about 1–4 persons, or a law whose remaining unknown parts are
determined together (their sum) and cover 1–4 persons. The truth (persons behind every
cell, own staff included) comes from the oracle, not from the engine.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction

from measures import periods as P
from measures.exports import write_csv
from measures.selectors import indicator_value_list

from .oracle import Emp, Oracle, Unit, days

SICK = (
    "sick_leave_pct",
    "sick_leave_short_pct",
    "sick_leave_long_pct",
    "sick_leave_self_pct",
    "sick_leave_doctor_pct",
)
FLOWS = (*SICK, "retirement_age_avg", "turnover_pct")
STOCKS = ("full_time_share", "full_time_share_shift", "avg_position_pct")
THRESHOLD = 5

# A cell: (slug, unit code, period label, own staff only).
Cell = tuple[str, str, str, bool]


def published_records() -> list[dict[str, str]]:
    """Every stored value as HR downloads it (the export's CSV, parsed back)."""
    buffer = io.StringIO()
    write_csv(indicator_value_list(), buffer)
    buffer.seek(0)
    return list(csv.DictReader(buffer))


@dataclass
class Leak:
    what: str
    cells: list[Cell]
    persons: int

    def __str__(self) -> str:
        return f"{self.what}: {self.cells} ({self.persons} persons)"


class Truth:
    """The persons behind any cell or set of cells, from the HR data (day by day)."""

    def __init__(self, units: list[Unit], emps: list[Emp], spells: list) -> None:
        self.units = {u.code: u for u in units}
        self.emps = emps
        self.oracle = Oracle(units, emps, spells)
        self.children: dict[str, list[str]] = defaultdict(list)
        for unit in units:
            if unit.parent:
                self.children[unit.parent].append(unit.code)

    def _employment_units(self, cell: Cell) -> set[str]:
        _, code, _, own = cell
        return {code} if own else self.oracle.subtree(code)

    def persons(self, cells: list[Cell]) -> int:
        """Distinct persons behind the cells together (as the indicator counts them)."""
        slug = cells[0][0]
        if slug in SICK:
            found: set[str] = set()
            for cell in cells:
                period = P.parse(cell[2])
                tree = self._employment_units(cell)
                for e in self.emps:
                    if e.unit in tree and any(
                        self.oracle.working(d) and self.oracle.active(e, d)
                        for d in days(
                            max(e.start, period.start), min(e.end or period.end, period.end)
                        )
                    ):
                        found.add(e.person_id)
            return len(found)
        # The others add up exactly (main unit, exits), or, for turnover, count the
        # persons at each period's start: the sum is an upper bound on no one's behalf.
        return sum(self.cell_persons(cell) for cell in cells)

    def cell_persons(self, cell: Cell) -> int:
        slug, code, label, own = cell
        period = P.parse(label)
        tree = self._employment_units(cell)
        if slug in STOCKS:
            people = [u for _, u in self.oracle.people_at(period.end).values() if u in tree]
            if slug == "full_time_share_shift":
                people = [u for u in people if self.units[u].shift_based]
            return len(people)
        if slug == "retirement_age_avg":
            return sum(
                1
                for x in self.oracle.exits()
                if period.start <= x.end <= period.end
                and x.unit in tree
                and x.reason in ("alderspensjon", "afp")
            )
        if slug == "turnover_pct":
            before = period.start - dt.timedelta(days=1)
            return sum(1 for _, u in self.oracle.people_at(before).values() if u in tree)
        return self.persons([cell])


class System:
    """Linear laws over cells; the published ones are known numbers."""

    def __init__(self) -> None:
        self.laws: list[tuple[Cell, list[Cell]]] = []

    def law(self, total: Cell, parts: list[Cell]) -> None:
        self.laws.append((total, parts))


def build_system(records: list[dict[str, str]], units: list[Unit]) -> tuple[System, dict]:
    """The laws among the records' cells, and the known numerators."""
    children: dict[str, list[str]] = defaultdict(list)
    for unit in units:
        if unit.parent:
            children[unit.parent].append(unit.code)
    known: dict[Cell, Fraction] = {}
    labels: set[str] = set()
    for r in records:
        if r["indicator"] not in (*FLOWS, *STOCKS):
            continue
        labels.add(r["period"])
        cell = (r["indicator"], r["unit"], r["period"], False)
        if r["suppressed"] == "false":
            numerator = r["numerator"]
            known[cell] = Fraction(numerator) if numerator else Fraction(0)
    system = System()
    periods = [P.parse(label) for label in sorted(labels)]
    present = {r["indicator"] for r in records}
    for slug in (s for s in (*FLOWS, *STOCKS) if s in present):
        for period in periods:
            for parent, kids in children.items():
                system.law(
                    (slug, parent, period.label, False),
                    [(slug, k, period.label, False) for k in kids]
                    + [(slug, parent, period.label, True)],
                )
        for code in [u.code for u in units]:
            for own in (False, True):
                if own and code not in children:
                    continue
                for period in periods:
                    if period.granularity == P.MONTH:
                        continue
                    months = [m.label for m in P.months_between(period.start, period.end)]
                    if not all(m in labels for m in months):
                        continue
                    if slug in STOCKS:
                        system.law((slug, code, period.label, own), [(slug, code, months[-1], own)])
                        continue
                    system.law(
                        (slug, code, period.label, own), [(slug, code, m, own) for m in months]
                    )
                    if period.granularity == P.YEAR:
                        tertials = [P.tertial(period.start.year, t).label for t in (1, 2, 3)]
                        if all(t in labels for t in tertials):
                            system.law(
                                (slug, code, period.label, own),
                                [(slug, code, t, own) for t in tertials],
                            )
    for code in [u.code for u in units]:
        for own in (False, True):
            if own and code not in children:
                continue
            for label in labels if set(SICK) <= present else ():
                c = {slug: (slug, code, label, own) for slug in SICK}
                system.law(
                    c["sick_leave_pct"], [c["sick_leave_short_pct"], c["sick_leave_long_pct"]]
                )
                system.law(
                    c["sick_leave_pct"], [c["sick_leave_self_pct"], c["sick_leave_doctor_pct"]]
                )
    # A cell in no record has no value: nothing behind it (zero), except turnover's
    # exits (no headcount the day before, but exits may be): those stay unknown.
    recorded = {(r["indicator"], r["unit"], r["period"]) for r in records}
    for total, parts in system.laws:
        for cell in (total, *parts):
            if not cell[3] and cell[:3] not in recorded and cell[0] != "turnover_pct":
                known[cell] = Fraction(0)
    return system, known


def determined(system: System, known: dict[Cell, Fraction]) -> set[Cell]:
    """The unknown cells whose numerator the laws fix (exact Gauss–Jordan elimination)."""
    rows: list[dict[Cell, Fraction]] = []
    for total, parts in system.laws:
        row: dict[Cell, Fraction] = defaultdict(Fraction)
        for cell, sign in [(total, 1), *((p, -1) for p in parts)]:
            if cell not in known:
                row[cell] += sign
        row = {c: v for c, v in row.items() if v}
        if row:
            rows.append(row)
    pivots: dict[Cell, dict[Cell, Fraction]] = {}
    for row in rows:
        # Reduce by the pivots found so far.
        for cell in [c for c in row if c in pivots]:
            if cell not in row:
                continue
            factor = row[cell]
            for c, v in pivots[cell].items():
                row[c] = row.get(c, Fraction(0)) - factor * v
                if not row[c]:
                    del row[c]
        if not row:
            continue
        pivot = min(row, key=repr)
        scale = row[pivot]
        row = {c: v / scale for c, v in row.items()}
        # Keep the pivots reduced (Gauss–Jordan): remove the new pivot from the others.
        for other in pivots.values():
            if pivot in other:
                factor = other[pivot]
                for c, v in row.items():
                    other[c] = other.get(c, Fraction(0)) - factor * v
                    if not other[c]:
                        del other[c]
        pivots[pivot] = row
    return {cell for cell, row in pivots.items() if len(row) == 1}


def attack(records: list[dict[str, str]], truth: Truth, units: list[Unit]) -> list[Leak]:
    """Every group of 1–4 persons the published records reveal."""
    system, known = build_system(records, units)
    solved = determined(system, known)
    leaks = []
    for cell in sorted(solved):
        persons = truth.cell_persons(cell)
        if 0 < persons < THRESHOLD:
            leaks.append(Leak("determined", [cell], persons))
    learnt = set(known) | solved
    seen = set()
    for total, parts in system.laws:
        if total not in learnt:
            continue
        rest = tuple(sorted(p for p in parts if p not in learnt))
        if len(rest) < 2 or rest in seen:
            continue
        seen.add(rest)
        persons = truth.persons(list(rest))
        if 0 < persons < THRESHOLD:
            leaks.append(Leak("sum determined", list(rest), persons))
    return leaks
