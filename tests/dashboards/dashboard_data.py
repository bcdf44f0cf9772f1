"""A small municipality with values in 2023 and 2024 for the dashboard and report tests.

K (kommune)
├── HV Helse og velferd (tjenesteområde; sick-leave target < 11, margin 0.5)
│   └── SH Sykehjemmet (virksomhet, turnus; 6 persons)
│       └── SH1 Avdeling 1 (avdeling; 3 persons: suppressed)
└── OU Oppvekst (tjenesteområde)
    └── SK Skolen (virksomhet; 6 persons)

The municipality's target: sick leave < 6, margin 0.5. In 2024-T2 one person of SH is
sick the whole tertial (SH, HV 1/9 = 11,1 %: near; K 1/15 = 6,7 %: missed; OU, SK
0,0 %: met); in 2023-T2 one person of SK was (SK 16,7 %, K 6,7 %).
"""

import datetime as dt

from measures.engine import recompute_range
from measures.services import indicators_ensure, target_save
from org.models import OrgUnit
from tests import factories
from tests.measures.builders import build_absences, build_employments, build_units

D = dt.date
TODAY = D(2024, 9, 15)  # the last complete month is August 2024

UNITS = [
    {"code": "K", "name": "Kommunen", "level": "kommune"},
    {"code": "HV", "name": "Helse og velferd", "parent_code": "K", "level": "tjenesteomrade"},
    {"code": "OU", "name": "Oppvekst", "parent_code": "K", "level": "tjenesteomrade"},
    {"code": "SH", "name": "Sykehjemmet", "parent_code": "HV", "shift_based": True},
    {"code": "SH1", "name": "Avdeling 1", "parent_code": "SH", "level": "avdeling"},
    {"code": "SK", "name": "Skolen", "parent_code": "OU"},
]


def _employment(eid: str, unit: str) -> dict:
    return {
        "employment_id": eid,
        "person_id": f"P-{eid}",
        "birth_date": D(1980, 1, 1),
        "unit_code": unit,
        "position_pct": 100,
        "start_date": D(2020, 1, 1),
        "end_date": None,
    }


def _whole_tertial_sick(aid: str, eid: str, year: int) -> dict:
    return {
        "absence_id": aid,
        "employment_id": eid,
        "start_date": D(year, 5, 1),
        "end_date": D(year, 8, 31),
        "grade_pct": 100,
        "kind": "legemeldt",
    }


def build_municipality(*, extra_departments: int = 0) -> dict[str, OrgUnit]:
    """The tree above with values for January 2023 to August 2024, and its targets.

    ``extra_departments`` adds that many departments (with 5 persons each) under SK,
    for tests that the number of queries does not grow with the tree.
    """
    rows = list(UNITS)
    rows += [
        {"code": f"SK{n:02d}", "name": f"Avdeling {n}", "parent_code": "SK", "level": "avdeling"}
        for n in range(extra_departments)
    ]
    units = build_units(rows)
    employments = [_employment(f"SH-{i}", "SH") for i in range(6)]
    employments += [_employment(f"SH1-{i}", "SH1") for i in range(3)]
    employments += [_employment(f"SK-{i}", "SK") for i in range(6)]
    employments += [
        _employment(f"SK{n:02d}-{i}", f"SK{n:02d}")
        for n in range(extra_departments)
        for i in range(5)
    ]
    built = build_employments(employments, units)
    build_absences(
        [_whole_tertial_sick("A1", "SH-0", 2024), _whole_tertial_sick("A2", "SK-0", 2023)],
        built,
    )
    # The absence data starts in 2023-05; recompute from January for last year's values.
    recompute_range(start="2023-01", end="2024-08", today=TODAY)
    sick_leave = indicators_ensure()["sick_leave_pct"]
    target_save(indicator=sick_leave, unit=units["K"], comparator="<", value=6, margin=0.5)
    target_save(indicator=sick_leave, unit=units["HV"], comparator="<", value=11, margin=0.5)
    return units


def user_with_role(django_user_model, username: str, role: str, unit: OrgUnit | None = None):
    """A user in the role's group; a leader or representative is assigned to ``unit``."""
    return factories.user_with_role(username, role, unit)
