"""Role assignment services: HR only, duplicates refused, history recorded."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from org import services
from org.models import RoleAssignment
from tests.plans.plan_helpers import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def test_role_assignments_are_managed_by_hr_only_and_recorded(world):
    hr, leader = world.users["hr"], world.users["leader-own"]

    with pytest.raises(PermissionDenied):
        services.role_assignment_create(
            user=leader, unit=world.units["V2"], role="leader", by=leader
        )
    assignment = services.role_assignment_create(
        user=leader, unit=world.units["V2"], role="leader", by=hr
    )
    with pytest.raises(ValidationError):
        services.role_assignment_create(user=leader, unit=world.units["V2"], role="leader", by=hr)
    pk = assignment.pk
    services.role_assignment_delete(assignment=assignment, by=hr)

    records = RoleAssignment.history.filter(id=pk).order_by("history_date")
    assert [(r.history_type, r.history_user) for r in records] == [("+", hr), ("-", hr)]
