"""Primary and complementary suppression (spec: Privacy, and our own complementary rule).

The spec's primary rule withholds every value built from fewer than
``SUPPRESSION_MIN_PERSONS`` persons. That alone does not hold under subtraction: a unit's
subtree is its own staff plus its children's subtrees, a tertial is its four months, a
year its three tertials and its twelve months, so a published parent minus its published
children is the unit's own staff, and a published tertial minus three published months
is the fourth.

The complementary rule ("sekundær prikking", as statistics offices do it) withholds more
cells until an attacker who knows every published cell and every additive law, and who
derives every cell that a law leaves as its only unknown (repeatedly, to a fixpoint),
learns nothing about a group of 1–4 persons:

- no cell of 1–4 persons (nor a unit's own staff of 1–4 persons, which is never
  published but is the remainder of its subtree) becomes derivable;
- where a law's total is known, its unknown parts together cover 0 or at least the
  threshold of persons (their sum is what the attacker learns).

Each indicator belongs to a *pattern* (``indicators.json``): the indicators of a pattern
share their persons and their laws and are withheld together (the five sick-leave
figures, as total = short + long = self-certified + doctor-certified). The extra cells
are chosen small first, and in a unit that is already withheld in the year. A calendar
year's cells depend on nothing outside the year, so each year is protected on its own,
which is what the recompute's per-year slices need.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import periods as P
from ..definitions import protection_patterns

PRIMARY = "primary"
COMPLEMENTARY = "complementary"


@dataclass(frozen=True)
class Pattern:
    """Indicators withheld together, and the laws their cells obey.

    ``time``: ``sum`` (a tertial's numerator and denominator are its months' sums) or
    ``last`` (a stock: a tertial's value is its last month's, a year's is December's).
    ``persons``: ``union`` when a total's persons are the union of its parts' (the
    distinct persons of sick leave; also exact sums such as headcount), ``start`` when
    a period's persons are those at its start (turnover's headcount the day before),
    where only the subtree law's persons add up. ``own``: how the persons of a unit's
    own staff are found: ``difference`` (they add up: the subtree's less the
    children's) or ``counted`` (the family counts them, ``Context.own_persons``).
    """

    name: str
    slugs: tuple[str, ...]
    time: str
    persons: str
    own: str


def patterns() -> list[Pattern]:
    return [Pattern(**spec) for spec in protection_patterns()]


@dataclass
class _Law:
    total: int
    parts: list[int]
    # The total's persons are at most the sum of its parts' (a lower bound for the
    # persons behind the unknown parts).
    persons_cover: bool


@dataclass
class _Table:
    """The cells of one pattern and year, and the laws among them."""

    threshold: int
    persons: list[int] = dataclasses.field(default_factory=list)
    # Published cells are those of the figures; a unit's own staff is never published.
    published: list[bool] = dataclasses.field(default_factory=list)
    keys: list[tuple[int, str, bool]] = dataclasses.field(default_factory=list)
    index: dict[tuple[int, str, bool], int] = dataclasses.field(default_factory=dict)
    laws: list[_Law] = dataclasses.field(default_factory=list)
    laws_of: list[list[int]] = dataclasses.field(default_factory=list)

    def cell(self, unit_id: int, label: str, own: bool, persons: int) -> int:
        key = (unit_id, label, own)
        self.index[key] = len(self.keys)
        self.keys.append(key)
        self.persons.append(persons)
        self.published.append(not own)
        self.laws_of.append([])
        return self.index[key]

    def law(self, total: int, parts: list[int], persons_cover: bool) -> None:
        number = len(self.laws)
        self.laws.append(_Law(total, parts, persons_cover))
        for member in (total, *parts):
            self.laws_of[member].append(number)

    def small(self, cell: int) -> bool:
        return 0 < self.persons[cell] < self.threshold

    def attack(self, hidden: set[int]) -> tuple[set[int], dict[int, int]]:
        """What stays unknown after deriving every law's single unknown, to a fixpoint.

        Returns the unknown cells and, for each derived cell, the law that gave it.
        """
        unknown = set(hidden)
        open_count = [sum(1 for m in (law.total, *law.parts) if m in unknown) for law in self.laws]
        queue = [number for number, count in enumerate(open_count) if count == 1]
        derived: dict[int, int] = {}
        while queue:
            number = queue.pop()
            if open_count[number] != 1:
                continue
            law = self.laws[number]
            cell = next(m for m in (law.total, *law.parts) if m in unknown)
            unknown.discard(cell)
            derived[cell] = number
            for other in self.laws_of[cell]:
                open_count[other] -= 1
                if open_count[other] == 1:
                    queue.append(other)
        return unknown, derived

    def violations(self, unknown: set[int], derived: dict[int, int]) -> list[int]:
        """The laws through which the attacker learns about a group of 1–4 persons."""
        found = {number for cell, number in derived.items() if self.small(cell)}
        for number, law in enumerate(self.laws):
            if law.total in unknown:
                continue
            hidden_parts = [p for p in law.parts if p in unknown]
            if not hidden_parts or not any(self.persons[p] for p in hidden_parts):
                continue
            behind = max(self.persons[p] for p in hidden_parts)
            if law.persons_cover:
                known = sum(self.persons[p] for p in law.parts if p not in unknown)
                behind = max(behind, self.persons[law.total] - known)
            if behind < self.threshold:
                found.add(number)
        return sorted(found)


def _cost(
    table: _Table, cell: int, withheld_units: set[int], coverage: dict[int, int]
) -> tuple[int, int, int, int]:
    unit_id = table.keys[cell][0]
    # A cell that closes several open laws at once first (a unit's subtree can protect
    # both its own staff and its parent's), then small cells, then a unit already
    # withheld this year, then a stable order.
    return (
        -coverage.get(cell, 0),
        table.persons[cell],
        0 if unit_id in withheld_units else 1,
        cell,
    )


def _choose(
    table: _Table,
    number: int,
    hidden: set[int],
    derived: dict[int, int],
    withheld_units: set[int],
    fresh: set[int],
    coverage: dict[int, int],
) -> int | None:
    """A published, not yet withheld cell whose withholding closes the law ``number``.

    First among the law's own members; if all of them are withheld or unpublished,
    among the laws that derived them. None when a cell withheld in this round
    (``fresh``) already closes it: the next attack tells whether that was enough.
    """
    seen, frontier = {number}, [number]
    while frontier:
        members = [m for n in frontier for m in (table.laws[n].total, *table.laws[n].parts)]
        if any(m in fresh for m in members):
            return None
        # A cell without persons has no value to withhold (the attacker knows it is 0).
        candidates = [
            m for m in members if table.published[m] and table.persons[m] and m not in hidden
        ]
        if candidates:
            return min(candidates, key=lambda c: _cost(table, c, withheld_units, coverage))
        frontier = [
            derived[m]
            for n in frontier
            for m in (table.laws[n].total, *table.laws[n].parts)
            if m in derived and derived[m] not in seen
        ]
        seen.update(frontier)
    return None


def _protect_table(table: _Table) -> set[int]:
    """The published cells to withhold: the primary ones and the complementary ones."""
    hidden = {c for c in range(len(table.keys)) if table.small(c) or not table.published[c]}
    while True:
        unknown, derived = table.attack(hidden)
        violations = table.violations(unknown, derived)
        if not violations:
            break
        withheld_units = {table.keys[c][0] for c in hidden if table.published[c]}
        coverage: dict[int, int] = defaultdict(int)
        for number in violations:
            law = table.laws[number]
            for member in (law.total, *law.parts):
                coverage[member] += 1
        fresh: set[int] = set()
        for number in violations:
            chosen = _choose(table, number, hidden, derived, withheld_units, fresh, coverage)
            if chosen is not None:
                hidden.add(chosen)
                fresh.add(chosen)
                withheld_units.add(table.keys[chosen][0])
        added = bool(fresh)
        if not added:
            # Nothing published is left to withhold around these laws: withhold every
            # published cell of their units (never reached on a tree; a safe stop).
            units = {
                table.keys[m][0]
                for number in violations
                for m in (table.laws[number].total, *table.laws[number].parts)
            }
            more = {
                c
                for c, key in enumerate(table.keys)
                if key[0] in units and table.published[c] and table.persons[c] and c not in hidden
            }
            if not more:
                break
            hidden |= more
    return {c for c in hidden if table.published[c]}


def _periods_of_year(periods: Iterable[P.Period]) -> dict[int, list[P.Period]]:
    years: dict[int, list[P.Period]] = defaultdict(list)
    for period in periods:
        years[period.start.year].append(period)
    return years


def _same_as_month(year: list[P.Period]) -> dict[str, str]:
    """Each tertial and year of the list → its last month, when that month is in it."""
    present = {p.label for p in year}
    same = {}
    for period in year:
        if period.granularity != P.MONTH:
            last = P.month(period.end.year, period.end.month).label
            if last in present:
                same[period.label] = last
    return same


def _time_laws(year: list[P.Period]) -> list[tuple[str, list[str]]]:
    """The additive time laws of a year: (total period, part periods), all present.

    A tertial is its four months, a year its twelve months and its three tertials.
    """
    present = {p.label for p in year}
    laws: list[tuple[str, list[str]]] = []
    for period in year:
        if period.granularity == P.MONTH:
            continue
        months = [m.label for m in P.months_between(period.start, period.end)]
        if all(m in present for m in months):
            laws.append((period.label, months))
        if period.granularity == P.YEAR:
            tertials = [P.tertial(period.start.year, t).label for t in (1, 2, 3)]
            if all(t in present for t in tertials):
                laws.append((period.label, tertials))
    return laws


def protect(
    persons: dict[tuple[int, str], int],
    pattern: Pattern,
    periods: Sequence[P.Period],
    children: dict[int, list[int]],
    unit_ids: Sequence[int],
    own_persons: dict[tuple[int, str], int] | None,
    threshold: int,
) -> dict[tuple[int, str], str]:
    """The withheld cells of one pattern: ``(unit_id, period label) → primary|complementary``.

    ``persons`` holds each published cell's persons (a cell missing has none);
    ``children`` the tree; ``own_persons`` the persons of each unit's own staff when
    they do not add up (``Pattern.own == "counted"``).
    """
    result: dict[tuple[int, str], str] = {}
    for year in _periods_of_year(periods).values():
        table = _Table(threshold)
        # A stock's tertial and year are its last month's value under another label:
        # one cell, published or withheld as one.
        same = _same_as_month(year) if pattern.time == "last" else {}
        labels = [p.label for p in year if p.label not in same]
        for unit_id in unit_ids:
            for label in labels:
                table.cell(unit_id, label, False, persons.get((unit_id, label), 0))
        for unit_id, kids in children.items():
            if not kids:
                continue
            for label in labels:
                if pattern.own == "counted":
                    staff = (own_persons or {}).get((unit_id, label), 0)
                else:
                    staff = persons.get((unit_id, label), 0) - sum(
                        persons.get((kid, label), 0) for kid in kids
                    )
                members = [table.index[(kid, label, False)] for kid in kids]
                # An own staff without persons is nothing, except where the persons are
                # those at the period's start (turnover): persons who came during the
                # period may still leave in it, so its exits are unknown, not 0.
                if staff or pattern.persons == "start":
                    members.append(table.cell(unit_id, label, True, staff))
                table.law(table.index[(unit_id, label, False)], members, True)
        cover = pattern.persons == "union"
        for total, part_labels in _time_laws(year) if pattern.time == "sum" else ():
            for own in (False, True):
                for unit_id in unit_ids:
                    total_cell = table.index.get((unit_id, total, own))
                    if total_cell is None:
                        # An own staff with no persons in the total period: none in its
                        # parts either (union), or a total the attacker cannot know
                        # (turnover's staff at the start): the law tells nothing.
                        continue
                    cells = [table.index.get((unit_id, p, own)) for p in part_labels]
                    table.law(total_cell, [c for c in cells if c is not None], cover)
        for cell in _protect_table(table):
            unit_id, label, _ = table.keys[cell]
            how = PRIMARY if table.small(cell) else COMPLEMENTARY
            result[(unit_id, label)] = how
            for alias in (a for a, month in same.items() if month == label):
                result[(unit_id, alias)] = how
    return result


def withhold(
    figures: dict[str, dict[tuple[int, str], Any]],
    periods: Sequence[P.Period],
    parents: Mapping[int, int | None],
    own_persons: dict[str, dict[tuple[int, str], int]],
    threshold: int,
    suppressible: Iterable[str],
) -> dict[str, dict[tuple[int, str], str]]:
    """Slug → withheld cells (``primary`` or ``complementary``) of the figures.

    ``figures`` maps each slug's ``(unit_id, label)`` to an object with ``n_persons``;
    ``suppressible`` are the slugs the rule applies to (not the counts). An
    indicator without a pattern has only the primary rule.
    """
    suppressible = set(suppressible)
    children: dict[int, list[int]] = {unit_id: [] for unit_id in parents}
    for unit_id, parent_id in parents.items():
        if parent_id is not None and parent_id in children:
            children[parent_id].append(unit_id)
    unit_ids = sorted(parents)
    result: dict[str, dict[tuple[int, str], str]] = {}
    patterned: set[str] = set()
    for pattern in patterns():
        slugs = [s for s in pattern.slugs if s in suppressible]
        if not slugs:
            continue
        patterned.update(slugs)
        persons: dict[tuple[int, str], int] = {}
        for slug in slugs:
            for key, figure in figures.get(slug, {}).items():
                persons[key] = max(persons.get(key, 0), figure.n_persons or 0)
        cells = protect(
            persons,
            pattern,
            periods,
            children,
            unit_ids,
            own_persons.get(pattern.name),
            threshold,
        )
        for slug in slugs:
            result[slug] = {key: how for key, how in cells.items() if key in figures.get(slug, {})}
    for slug in suppressible - patterned:
        result[slug] = {
            key: PRIMARY
            for key, figure in figures.get(slug, {}).items()
            if figure.n_persons is not None and figure.n_persons < threshold
        }
    return result
