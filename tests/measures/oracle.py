"""A plain-Python reading of spec/indicators.md, day by day, for checking the engine.

Deliberately naive: loops over persons and days, no shared code with measures.engine
except the list of Norwegian public holidays (the spec's calendar).
"""

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass

import holidays


@dataclass(frozen=True)
class Emp:
    employment_id: str
    person_id: str
    birth_date: dt.date
    unit: str
    pct: float
    start: dt.date
    end: dt.date | None
    reason: str = ""


@dataclass(frozen=True)
class Spell:
    employment_id: str
    start: dt.date
    end: dt.date
    grade: float
    kind: str


@dataclass(frozen=True)
class Unit:
    code: str
    parent: str | None
    shift_based: bool


def days(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


class Oracle:
    def __init__(self, units: list[Unit], emps: list[Emp], spells: list[Spell]):
        self.units = {u.code: u for u in units}
        self.emps = emps
        self.spells = spells
        self.by_id = {e.employment_id: e for e in emps}
        self.public = holidays.country_holidays("NO", years=range(1990, 2040))

    # --- basics ---
    def working(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self.public

    def subtree(self, code: str) -> set[str]:
        result = {code}
        changed = True
        while changed:
            changed = False
            for unit in self.units.values():
                if unit.parent in result and unit.code not in result:
                    result.add(unit.code)
                    changed = True
        return result

    @staticmethod
    def active(e: Emp, day: dt.date) -> bool:
        return e.start <= day and (e.end is None or e.end >= day)

    def person_emps(self, person: str) -> list[Emp]:
        return [e for e in self.emps if e.person_id == person]

    # --- sick leave ---
    def sick_leave(self, code: str, start: dt.date, end: dt.date) -> dict[str, tuple]:
        tree = self.subtree(code)
        possible, persons = 0.0, set()
        lost = defaultdict(float)
        for e in self.emps:
            if e.unit not in tree:
                continue
            for day in days(start, end):
                if self.working(day) and self.active(e, day):
                    possible += e.pct / 100
                    persons.add(e.person_id)
        for s in self.spells:
            e = self.by_id[s.employment_id]
            if e.unit not in tree:
                continue
            length = (s.end - s.start).days + 1
            for day in days(max(s.start, start), min(s.end, end)):
                if self.working(day) and self.active(e, day):
                    amount = s.grade / 100 * e.pct / 100
                    lost["sick_leave_pct"] += amount
                    lost["sick_leave_short_pct" if length <= 16 else "sick_leave_long_pct"] += (
                        amount
                    )
                    lost[
                        "sick_leave_self_pct" if s.kind == "egenmeldt" else "sick_leave_doctor_pct"
                    ] += amount
        if possible == 0:
            return {}
        return {
            slug: (100 * lost[slug] / possible, len(persons))
            for slug in [
                "sick_leave_pct",
                "sick_leave_short_pct",
                "sick_leave_long_pct",
                "sick_leave_self_pct",
                "sick_leave_doctor_pct",
            ]
        }

    # --- positions ---
    def people_at(self, day: dt.date) -> dict[str, tuple[float, str]]:
        """person → (total position, main unit) at ``day``."""
        result = {}
        persons = {e.person_id for e in self.emps if self.active(e, day)}
        for person in persons:
            active = [e for e in self.person_emps(person) if self.active(e, day)]
            total = sum(e.pct for e in active)
            main = sorted(active, key=lambda e: (-e.pct, e.employment_id))[0]
            result[person] = (total, main.unit)
        return result

    def headcount(self, code: str, day: dt.date) -> int:
        tree = self.subtree(code)
        return sum(1 for _, unit in self.people_at(day).values() if unit in tree)

    def positions(self, code: str, day: dt.date) -> dict[str, tuple]:
        tree = self.subtree(code)
        people = [(t, u) for t, u in self.people_at(day).values() if u in tree]
        shift = [(t, u) for t, u in people if self.units[u].shift_based]
        fte = sum(e.pct for e in self.emps if e.unit in tree and self.active(e, day)) / 100
        result = {"headcount": (len(people), None), "fte": (fte, None)}
        if people:
            full = sum(1 for t, _ in people if t >= 100)
            result["full_time_share"] = (100 * full / len(people), len(people))
            avg = sum(min(t, 100) for t, _ in people) / len(people)
            result["avg_position_pct"] = (avg, len(people))
        if shift:
            full = sum(1 for t, _ in shift if t >= 100)
            result["full_time_share_shift"] = (100 * full / len(shift), len(shift))
        return result

    # --- exits and hires ---
    def exits(self) -> list[Emp]:
        """The deciding employment of each exit."""
        ending = defaultdict(list)
        for e in self.emps:
            if e.end is None:
                continue
            next_day = e.end + dt.timedelta(days=1)
            if not any(self.active(f, next_day) for f in self.person_emps(e.person_id)):
                ending[(e.person_id, e.end)].append(e)
        return [sorted(es, key=lambda e: (-e.pct, e.employment_id))[0] for es in ending.values()]

    def flow(self, code: str, start: dt.date, end: dt.date) -> dict[str, tuple]:
        tree = self.subtree(code)
        result = {}
        in_period = [x for x in self.exits() if start <= x.end <= end and x.unit in tree]
        retired = [x for x in in_period if x.reason in ("alderspensjon", "afp")]
        if retired:
            ages = [(x.end - x.birth_date).days / 365.25 for x in retired]
            result["retirement_age_avg"] = (sum(ages) / len(ages), len(ages))
        before = self.headcount(code, start - dt.timedelta(days=1))
        if before:
            leavers = [
                x
                for x in in_period
                if x.reason not in ("alderspensjon", "afp", "uforetrygd", "dodsfall")
            ]
            result["turnover_pct"] = (100 * len(leavers) / before, before)
        hires = set()
        for e in self.emps:
            if e.unit in tree and start <= e.start <= end:
                day_before = e.start - dt.timedelta(days=1)
                if not any(self.active(f, day_before) for f in self.person_emps(e.person_id)):
                    hires.add(e.person_id)
        result["new_hires"] = (len(hires), None)
        return result

    # --- expected retirement age ---
    @staticmethod
    def birthday(birth: dt.date, age: int) -> dt.date:
        year = birth.year + age
        if birth.month == 2 and birth.day == 29 and not _leap(year):
            return dt.date(year, 3, 1)
        return birth.replace(year=year)

    def age_on(self, birth: dt.date, day: dt.date) -> int:
        age = day.year - birth.year
        while self.birthday(birth, age) > day:
            age -= 1
        return age

    def expected_retirement_age(self, code: str, year: int) -> tuple | None:
        tree = self.subtree(code)
        exposure, exits, persons = defaultdict(float), defaultdict(int), set()
        for person in {e.person_id for e in self.emps}:
            emps = [e for e in self.person_emps(person) if e.unit in tree]
            if not emps:
                continue
            birth = emps[0].birth_date
            for day in days(dt.date(year, 1, 1), dt.date(year, 12, 31)):
                age = self.age_on(birth, day)
                if 50 <= age <= 69 and any(self.active(e, day) for e in emps):
                    exposure[age] += 1 / 365.25
                    persons.add(person)
        for x in self.exits():
            if x.end.year == year and x.unit in tree:
                age = self.age_on(x.birth_date, x.end)
                if 50 <= age <= 69 and x.reason in ("alderspensjon", "afp", "uforetrygd"):
                    exits[age] += 1
        if not persons:
            return None
        survival, remaining = 1.0, 0.0
        for age in range(50, 70):
            m = exits[age] / exposure[age] if exposure[age] > 0 else 0.0
            remaining += survival if m == 0 else survival * (1 - math.exp(-m)) / m
            survival *= math.exp(-m)
        return (50 + remaining, len(persons))


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
