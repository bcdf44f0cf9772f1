"""A small municipality with one user per role, for the plan tests.

K (kommune) → HV (tjenesteområde) → V1, V2 (virksomheter); A1 is a department of V1.
"""

from dataclasses import dataclass

from goals.models import Goal, Strategy
from goals.services import strategies_load_seeded
from org import roles
from org.models import OrgUnit, RoleAssignment
from tests import factories
from tests.measures.builders import build_units

UNITS = [
    {"code": "K", "level": "kommune"},
    {"code": "HV", "parent_code": "K", "level": "tjenesteomrade"},
    {"code": "V1", "name": "Sykehjem 1", "parent_code": "HV", "level": "virksomhet"},
    {"code": "V2", "name": "Sykehjem 2", "parent_code": "HV", "level": "virksomhet"},
    {"code": "A1", "parent_code": "V1", "level": "avdeling"},
]


@dataclass
class World:
    units: dict[str, OrgUnit]
    users: dict[str, object]
    strategy: Strategy

    def goal(self, number: int) -> Goal:
        return self.strategy.goals.get(number=number)


def user(username: str, group: str | None = None, *, unit: OrgUnit | None = None, role=None):
    person = factories.UserFactory(username=username, groups=[group] if group else [])
    if unit is not None:
        factories.RoleAssignmentFactory(user=person, unit=unit, role=role)
    return person


def build_world() -> World:
    strategies_load_seeded()
    units = build_units(UNITS)
    leader, rep = RoleAssignment.Role.LEADER, RoleAssignment.Role.REPRESENTATIVE
    users = {
        "hr": user("hr-user", roles.HR),
        "leader-own": user("leader-own", roles.LEADER, unit=units["V1"], role=leader),
        "leader-other": user("leader-other", roles.LEADER, unit=units["V2"], role=leader),
        "leader-of-parent": user("leader-parent", roles.LEADER, unit=units["HV"], role=leader),
        "representative-own": user("rep-own", roles.REPRESENTATIVE, unit=units["V1"], role=rep),
        "representative-other": user("rep-other", roles.REPRESENTATIVE, unit=units["V2"], role=rep),
    }
    return World(units=units, users=users, strategy=Strategy.objects.get(is_active=True))
