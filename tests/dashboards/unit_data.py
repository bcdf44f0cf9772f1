"""Small municipalities for the unit page and «Alt henger sammen» tests.

Built with the engine's own path: units, employments and absences, then
``recompute_range``; targets through ``target_save``.
"""

import datetime as dt

from dashboards.projection import month_index, month_start
from measures import periods as P
from measures.engine import recompute_range
from org.models import OrgUnit
from tests import factories
from tests.measures.builders import build_absences, build_employments, build_units

D = dt.date
TODAY = D(2025, 1, 15)
LAST_MONTH = D(2024, 12, 1)


def employment(eid: str, unit: str, pct: float = 100) -> dict:
    return {
        "employment_id": eid,
        "person_id": f"P-{eid}",
        "birth_date": D(1980, 1, 1),
        "unit_code": unit,
        "position_pct": pct,
        "start_date": D(2015, 1, 1),
        "end_date": None,
    }


def spell(aid: str, eid: str, start: D, days: int) -> dict:
    return {
        "absence_id": aid,
        "employment_id": eid,
        "start_date": start,
        "end_date": start + dt.timedelta(days=days - 1),
        "grade_pct": 100,
        "kind": "legemeldt",
    }


def build_unit_tree(*, children: int = 3, months: int = 12) -> None:
    """K → Alfa (A) with departments A1…An, and Beta (B); ``months`` months up to 2024-12.

    - A1 «Avd 1»: 6 full-time persons; one of them is sick fewer days each month, so
      Alfa's sick leave falls month by month.
    - A2 … A(n-1) «Avd k»: 5 persons at 50 %, never sick (0 % sick leave, 0 % full time).
    - An «Avd n» (the last): 2 persons, so its suppressible values are withheld, and
      with them the smallest sibling's (Alfa minus the others would be Avd n).
    - Beta: 5 full-time persons.
    """
    units = build_units(
        [
            {"code": "K", "name": "Kommunen", "level": "kommune"},
            {"code": "A", "name": "Alfa", "parent_code": "K"},
            {"code": "B", "name": "Beta", "parent_code": "K"},
            *(
                {"code": f"A{i}", "name": f"Avd {i}", "parent_code": "A", "level": "avdeling"}
                for i in range(1, children + 1)
            ),
        ]
    )
    rows = [employment(f"A1-{p}", "A1") for p in range(6)]
    for i in range(2, children):
        rows += [employment(f"A{i}-{p}", f"A{i}", 50) for p in range(5)]
    rows += [employment(f"A{children}-{p}", f"A{children}") for p in range(2)]
    rows += [employment(f"B-{p}", "B") for p in range(5)]
    employments = build_employments(rows, units)
    first = month_index(LAST_MONTH) - months + 1
    build_absences(
        [
            # From the second of the month, 2 + 2 × (months left) days.
            spell(f"S{m}", "A1-0", month_start(first + m) + dt.timedelta(days=1), 2 * (months - m))
            for m in range(months)
        ],
        employments,
    )
    recompute_range(start=P.month(first // 12, first % 12 + 1).label, end="2024-12", today=TODAY)


def build_workplaces() -> None:
    """K with five virksomheter; the more full-time, the less sick leave in 2024.

    V1: 5 persons, all full-time, never sick.       V2: 3 of 5 full-time, 10 days sick.
    V3: 1 of 5 full-time, 40 days sick.             V4: none full-time, 90 days sick.
    V5: 2 persons (withheld). K's own staff of 5 persons (never sick, full-time) is
    the remainder that protects V5, so no other virksomhet is withheld with it.
    """
    units = build_units(
        [
            {"code": "K", "name": "Kommunen", "level": "kommune"},
            *(
                {"code": f"V{i}", "name": f"Virksomhet {i}", "parent_code": "K"}
                for i in range(1, 6)
            ),
        ]
    )
    full_time = {1: 5, 2: 3, 3: 1, 4: 0, 5: 2}
    sick_days = {1: 0, 2: 10, 3: 40, 4: 90, 5: 0}
    rows = []
    for i in range(1, 6):
        persons = 2 if i == 5 else 5
        rows += [
            employment(f"V{i}-{p}", f"V{i}", 100 if p < full_time[i] else 60)
            for p in range(persons)
        ]
    rows += [employment(f"K-{p}", "K") for p in range(5)]
    employments = build_employments(rows, units)
    build_absences(
        [spell(f"S{i}", f"V{i}-4", D(2024, 3, 1), sick_days[i]) for i in (2, 3, 4)], employments
    )
    recompute_range(start="2024-01", end="2024-12", today=TODAY)


def user_with_role(django_user_model, username: str, role: str, unit_code: str | None = None):
    """A user in the role's group; leaders and representatives are assigned ``unit_code``."""
    unit = OrgUnit.objects.get(code=unit_code) if unit_code else None
    return factories.user_with_role(username, role, unit)
