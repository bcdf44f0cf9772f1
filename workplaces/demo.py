"""The demo installation: a synthetic municipality with HR data, and one user per role.

Used by ``make run`` (``manage.py load_demo``) in demo mode only.
"""

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from . import roles
from .demo_data import default_end_date, generate_municipality
from .hr_import import ImportResult, ImportSource, hr_import
from .models import Employment, OrgUnit, RoleAssignment

DEMO_PASSWORD = "demo"  # noqa: S105 - demo mode only, printed on start
DEMO_USERS = (
    # username, role, is_staff (HR maintains strategies and targets in the admin)
    ("hr", roles.HR, True),
    ("leder", roles.LEADER, False),
    ("tillitsvalgt", roles.REPRESENTATIVE, False),
)
DEMO_PERSONS = 3000
DEMO_SEED = 2026
# Differentiated sick-leave targets per tjenesteområde (the strategy's "differensierte
# mål for tjenesteområdene"): code → (target %, margin for «near»).
DEMO_SICK_LEAVE_TARGETS = {
    "HV": (8.5, 0.5),
    "OU": (6.5, 0.5),
    "BM": (6.0, 0.5),
    "IS": (5.5, 0.5),
    "OS": (4.5, 0.5),
}


@dataclass
class DemoResult:
    users_created: list[str]
    municipality: ImportResult | None


def _require_demo_mode() -> None:
    if not settings.DEMO_MODE:
        raise ImproperlyConfigured("The demo data is loaded only in demo mode (DEMO_MODE).")


@transaction.atomic
def demo_users_ensure() -> list[str]:
    """Create the demo users (password «demo») that are missing; returns their names."""
    _require_demo_mode()
    user_model = get_user_model()
    created = []
    for username, role, is_staff in DEMO_USERS:
        user, was_created = user_model.objects.get_or_create(
            username=username, defaults={"is_staff": is_staff}
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            created.append(username)
        user.groups.add(Group.objects.get(name=role))
    return created


def demo_municipality_load(
    *, persons: int = DEMO_PERSONS, seed: int = DEMO_SEED, today: dt.date | None = None
) -> ImportResult | None:
    """Import a synthetic municipality once: skipped when HR data is already there.

    The files go through the real import, which queues the indicator recompute.
    """
    _require_demo_mode()
    if Employment.objects.exists():
        return None
    end_date = default_end_date(today or timezone.localdate())
    with tempfile.TemporaryDirectory(prefix="strategi-demo-") as folder:
        generate_municipality(persons=persons, seed=seed, out_dir=Path(folder), end_date=end_date)
        return hr_import(
            sources=[ImportSource.from_path(Path(folder))], user=None, source="command"
        )


@transaction.atomic
def demo_targets_and_roles_ensure() -> None:
    """The strategy's targets, differentiated sick-leave targets, and the leader's unit.

    The demo ``leder`` leads the largest shift-based virksomhet in Helse og velferd.
    """
    from measures.engine import indicators_ensure
    from measures.models import Target
    from measures.services import target_save, targets_seed_strategy

    _require_demo_mode()
    targets_seed_strategy()
    sick_leave = indicators_ensure()["sick_leave_pct"]
    for code, (value, margin) in DEMO_SICK_LEAVE_TARGETS.items():
        unit = OrgUnit.objects.filter(code=code).first()
        if unit and not Target.objects.filter(indicator=sick_leave, unit=unit).exists():
            target_save(indicator=sick_leave, unit=unit, comparator="<", value=value, margin=margin)
    leader = get_user_model().objects.filter(username="leder").first()
    if leader and not RoleAssignment.objects.filter(user=leader).exists():
        unit = (
            OrgUnit.objects.filter(
                level=OrgUnit.Level.ENTERPRISE, shift_based=True, parent__code="HV"
            )
            .annotate(staff=Count("employments"))
            .order_by("-staff", "code")
            .first()
        )
        if unit:
            RoleAssignment.objects.create(user=leader, unit=unit, role=RoleAssignment.Role.LEADER)


# The demo leader's plan for this year, partly filled: (goal number, sub-measure or
# None, title, status, representatives took part).
DEMO_ACTIONS = (
    (3, "øke andelen heltidsansatte", "Kartlegge ønsker om større stillinger", "pagar", True),
    (3, "få ned sykefraværet", "Nærværssamtaler i alle team etter egenmelding", "planlagt", True),
    (1, None, "Kompetanseplan for helsefagarbeidere", "fullfort", False),
)


@transaction.atomic
def demo_plan_ensure(*, today: dt.date | None = None) -> int:
    """The demo leader's action plan for this year, with a few actions (once)."""
    from goals.models import SubMeasure
    from goals.selectors import strategy_get_active

    from .plans import action_create, plan_get_or_create

    _require_demo_mode()
    leader = get_user_model().objects.filter(username="leder").first()
    assignment = RoleAssignment.objects.filter(user=leader).select_related("unit").first()
    strategy = strategy_get_active()
    if leader is None or assignment is None or strategy is None:
        return 0
    year = (today or timezone.localdate()).year
    plan = plan_get_or_create(unit=assignment.unit, year=year, by=leader)
    if plan.actions.exists():
        return 0
    goals = {goal.number: goal for goal in strategy.goals.all()}
    for number, sub_title, title, status, took_part in DEMO_ACTIONS:
        sub = SubMeasure.objects.filter(goal=goals[number], title=sub_title).first()
        action_create(
            plan=plan,
            by=leader,
            goal=goals[number],
            title=title,
            sub_measure=sub,
            status=status,
            responsible="Virksomhetsleder",
            representatives_took_part=took_part,
        )
    return len(DEMO_ACTIONS)


def demo_load(*, persons: int = DEMO_PERSONS) -> DemoResult:
    """The demo users and, on first start, the demo municipality; safe to run again."""
    result = DemoResult(
        users_created=demo_users_ensure(), municipality=demo_municipality_load(persons=persons)
    )
    demo_targets_and_roles_ensure()
    if OrgUnit.objects.exists():
        from measures.services import reported_demo_values

        reported_demo_values(seed=DEMO_SEED)
        demo_plan_ensure()
    return result
