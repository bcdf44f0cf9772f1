"""The factories build data through the services: their rules and history apply."""

import pytest
from django.core.exceptions import ValidationError

from plans.models import TertialReport
from tests import factories
from tests.measures.builders import build_units

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit():
    return build_units([{"code": "K", "level": "kommune"}])["K"]


def test_a_factory_role_is_given_by_hr_with_history(unit):
    assignment = factories.RoleAssignmentFactory(unit=unit)

    assert assignment.history.get().history_user == factories.system_hr()


def test_a_factory_target_keeps_the_targets_rule(unit):
    factories.TargetFactory(unit=unit)

    with pytest.raises(ValidationError):
        factories.TargetFactory(unit=unit, value=5.0)


def test_factory_plans_and_reports_go_through_the_services(unit):
    action = factories.ActionFactory(plan=factories.ActionPlanFactory(unit=unit, year=2025))
    report = factories.TertialReportFactory(unit=unit, year=2025, tertial=1, submitted=True)

    action.plan.refresh_from_db()
    assert action.plan.version == 2  # the plan was touched by action_create
    assert action.history.get().history_user == factories.system_hr()
    assert (report.state, report.submitted_by) == (
        TertialReport.State.SUBMITTED,
        factories.system_hr(),
    )
