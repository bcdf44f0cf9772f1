"""factory_boy factories that build test data through the apps' services.

A factory-made role, target, plan, action or report went through the same checks and
history as one made in the browser, so tests exercise the real paths. The author of
data a test does not attribute to anyone is ``system_hr()``, an HR user.

HR records (units, employments, spells) are written by ``tests.measures.builders`` for
the engine tests (thousands of hypothesis examples) and by ``hr.services.hr_import``
everywhere the import itself is under test.
"""

import datetime as dt
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.utils import timezone

from goals.models import Goal
from goals.selectors import strategy_get_active
from goals.services import strategies_load_seeded
from measures.models import Indicator, Target
from measures.services import indicators_ensure, target_save
from org import roles
from org.models import OrgUnit, RoleAssignment
from org.services import role_assignment_create
from plans import services as plans
from plans.models import Action, ActionPlan, TertialReport, TertialRound

PASSWORD = "secret-pw-1"
ROLE_OF_GROUP = {
    roles.LEADER: RoleAssignment.Role.LEADER,
    roles.REPRESENTATIVE: RoleAssignment.Role.REPRESENTATIVE,
}


def system_hr() -> User:
    """The HR user that factory-made data is by, unless a test names someone."""
    user, created = get_user_model().objects.get_or_create(username="factory-hr")
    if created:
        user.groups.add(Group.objects.get(name=roles.HR))
    return user


class UserFactory(factory.django.DjangoModelFactory):
    """A user (password ``secret-pw-1``); ``groups=["HR"]`` puts them in role groups."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True  # groups are added, nothing else changes

    username = factory.Sequence(lambda n: f"user-{n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def groups(self, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:
        for name in extracted or ():
            self.groups.add(Group.objects.get(name=name))  # type: ignore[attr-defined]


class RoleAssignmentFactory(factory.Factory):
    """A role on a unit, given by HR (``role_assignment_create``)."""

    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = RoleAssignment.Role.LEADER

    @classmethod
    def _create(cls, model_class: type, *, by: User | None = None, **kwargs: Any) -> Any:
        return role_assignment_create(by=by or system_hr(), **kwargs)


def user_with_role(username: str, group: str, unit: OrgUnit | None = None) -> User:
    """A user in a role's group; a leader or representative is assigned to ``unit``."""
    user = UserFactory(username=username, groups=[group])
    if unit is not None:
        RoleAssignmentFactory(user=user, unit=unit, role=ROLE_OF_GROUP[group])
    return user


class TargetFactory(factory.Factory):
    """A target (``target_save``); ``indicator`` may be given by its slug."""

    class Meta:
        model = Target

    indicator = "sick_leave_pct"
    comparator = "<"
    value = 6.0
    margin = 0.0
    valid_from = None
    valid_to = None

    @classmethod
    def _create(cls, model_class: type, *, indicator: Indicator | str, **kwargs: Any) -> Any:
        if isinstance(indicator, str):
            indicator = indicators_ensure()[indicator]
        return target_save(indicator=indicator, **kwargs)


def active_strategy_ensure() -> None:
    if strategy_get_active() is None:
        strategies_load_seeded()


class ActionPlanFactory(factory.Factory):
    """A unit's plan of a year under the active strategy (``plan_get_or_create``)."""

    class Meta:
        model = ActionPlan

    year = 2024

    @classmethod
    def _create(cls, model_class: type, *, by: User | None = None, **kwargs: Any) -> Any:
        active_strategy_ensure()
        return plans.plan_get_or_create(by=by or system_hr(), **kwargs)


class ActionFactory(factory.Factory):
    """An action of a plan (``action_create``), under the strategy's first goal by default."""

    class Meta:
        model = Action

    plan = factory.SubFactory(ActionPlanFactory)
    title = factory.Sequence(lambda n: f"Tiltak {n}")

    @classmethod
    def _create(
        cls, model_class: type, *, plan: ActionPlan, by: User | None = None, **kwargs: Any
    ) -> Any:
        goal = kwargs.pop("goal", None) or (
            Goal.objects.filter(strategy=plan.strategy).order_by("order", "number").first()
        )
        return plans.action_create(plan=plan, by=by or system_hr(), goal=goal, **kwargs)


def round_opened(year: int, tertial: int) -> TertialRound:
    """The tertial's round, open (stored as is: the service opens ended tertials only and
    closes the other open rounds, which a test of another tertial may need)."""
    round_, _created = TertialRound.objects.get_or_create(
        year=year,
        tertial=tertial,
        defaults={
            "opened_at": timezone.now(),
            "deadline": timezone.localdate() + dt.timedelta(days=21),
        },
    )
    if round_.state != TertialRound.State.OPEN:
        TertialRound.objects.filter(pk=round_.pk).update(state=TertialRound.State.OPEN)
        round_.refresh_from_db()
    return round_


class TertialReportFactory(factory.Factory):
    """A unit's tertial report (``report_get_or_create``); ``submitted=True`` submits it
    (in the tertial's round, opened if there is none)."""

    class Meta:
        model = TertialReport

    year = 2024
    tertial = 1

    @classmethod
    def _create(
        cls,
        model_class: type,
        *,
        by: User | None = None,
        submitted: bool = False,
        **kwargs: Any,
    ) -> Any:
        author = by or system_hr()
        report = plans.report_get_or_create(by=author, **kwargs)
        if submitted:
            round_opened(report.year, report.tertial)
            report = plans.report_submit(report=report, by=author, version=report.version)
        return report
