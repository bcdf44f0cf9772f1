"""Data for the tertial report tests: the dashboard's municipality, users, plans, reports.

The municipality (tests/measures/dashboard_data.py) has tertial values up to 2024-T2 and a
sick-leave target for K (< 6) and HV (< 11). SH1 has 3 persons, so its values are
suppressed.
"""

from goals.models import Strategy
from goals.services import strategies_load_seeded
from org import roles
from org.models import OrgUnit
from plans.models import Action, TertialReport
from tests import factories
from tests.dashboards.dashboard_data import user_with_role


def active_strategy() -> Strategy:
    if not Strategy.objects.exists():
        strategies_load_seeded()
    return Strategy.objects.filter(is_active=True).first() or Strategy.objects.first()


def plan_with_action(unit: OrgUnit, year: int, title: str = "Heltidskultur") -> Action:
    """A plan of ``unit`` for ``year`` under the active strategy, with one action."""
    return factories.ActionFactory(
        plan=factories.ActionPlanFactory(unit=unit, year=year), title=title
    )


def submitted_report(unit: OrgUnit, year: int, tertial: int, by=None) -> TertialReport:
    return factories.TertialReportFactory(
        unit=unit, year=year, tertial=tertial, submitted=True, by=by
    )


def role_users(django_user_model, units: dict[str, OrgUnit]) -> dict[str, object]:
    """hr; leader of SH; leader of SK (another unit); representative of SH; no role."""
    return {
        "hr": user_with_role(django_user_model, "hr-user", roles.HR),
        "leader": user_with_role(django_user_model, "leader", roles.LEADER, units["SH"]),
        "other_leader": user_with_role(django_user_model, "other", roles.LEADER, units["SK"]),
        "representative": user_with_role(
            django_user_model, "rep", roles.REPRESENTATIVE, units["SH"]
        ),
        "nobody": django_user_model.objects.create_user(username="nobody", password="pw-1-x"),
    }
