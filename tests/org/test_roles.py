import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from demo.services import demo_load
from hr.models import AbsenceSpell, Employment
from measures.models import IndicatorValue, Target
from org import roles
from org.models import OrgUnit, RoleAssignment
from plans.models import ActionPlan

pytestmark = pytest.mark.django_db


def test_migrations_create_the_three_roles():
    assert sorted(Group.objects.values_list("name", flat=True)) == sorted(
        ["HR", "Leder", "Tillitsvalgt"]
    )
    assert set(roles.ALL_ROLES) == {"HR", "Leder", "Tillitsvalgt"}


def test_hr_may_maintain_strategies_and_units_but_other_roles_get_no_admin_rights():
    hr = set(Group.objects.get(name=roles.HR).permissions.values_list("codename", flat=True))

    assert {"change_strategy", "add_goal", "delete_submeasure", "change_orgunit"} <= hr
    assert {"add_target", "change_target", "change_indicator", "add_roleassignment"} <= hr
    assert Group.objects.get(name=roles.LEADER).permissions.count() == 0
    assert Group.objects.get(name=roles.REPRESENTATIVE).permissions.count() == 0


def test_demo_load_imports_a_municipality_and_creates_one_user_per_role(settings):
    settings.DEMO_MODE = True

    result = demo_load(persons=200)

    assert result.users_created == ["hr", "leder", "tillitsvalgt", "omradeleder"]
    assert result.municipality.succeeded
    root = OrgUnit.objects.get(parent=None)
    assert (root.code, root.level) == ("DK", OrgUnit.Level.MUNICIPALITY)
    assert OrgUnit.objects.filter(level=OrgUnit.Level.SERVICE_AREA).count() == 5
    assert OrgUnit.objects.filter(shift_based=True).exists()
    assert Employment.objects.values("person_id").distinct().count() == 200
    for username, role in [
        ("hr", "HR"),
        ("leder", "Leder"),
        ("tillitsvalgt", "Tillitsvalgt"),
        ("omradeleder", "Leder"),
    ]:
        user = authenticate(RequestFactory().post("/"), username=username, password="demo")
        assert user is not None
        assert list(user.groups.values_list("name", flat=True)) == [role]
    assert authenticate(RequestFactory().post("/"), username="hr", password="demo").is_staff


def test_demo_load_sets_differentiated_targets_and_the_leaders_unit(settings, seeded_strategies):
    settings.DEMO_MODE = True

    demo_load(persons=200)

    sick_leave = {
        t.unit.code: (t.comparator, t.value)
        for t in Target.objects.filter(indicator__slug="sick_leave_pct")
    }
    assert sick_leave["DK"] == ("<", 6.0)
    assert sick_leave["HV"] == ("<", 8.5)
    assert len(sick_leave) == 6
    assert Target.objects.get(indicator__slug="full_time_share_shift").unit.code == "DK"
    assert (
        IndicatorValue.objects.filter(indicator__kind="reported", unit__code="DK").count() == 10
    )  # the 10-faktor factors at the municipality
    assert RoleAssignment.objects.get(user__username="omradeleder").unit.code == "HV"
    led = RoleAssignment.objects.get(user__username="leder")
    plan = ActionPlan.objects.get(unit=led.unit)
    assert plan.actions.filter(goal__number=3).count() == 2
    assert (led.role, led.unit.level, led.unit.shift_based) == ("leader", "virksomhet", True)


def test_demo_load_twice_duplicates_nothing(settings, django_user_model):
    settings.DEMO_MODE = True
    demo_load(persons=50)
    counts = (OrgUnit.objects.count(), Employment.objects.count(), AbsenceSpell.objects.count())
    users = django_user_model.objects.count()

    result = demo_load(persons=50)

    assert result.users_created == []
    assert result.municipality is None
    assert (
        OrgUnit.objects.count(),
        Employment.objects.count(),
        AbsenceSpell.objects.count(),
    ) == counts
    # hr, leder, tillitsvalgt, omradeleder and the leaders of the round's other units
    assert django_user_model.objects.count() == users


def test_demo_load_refuses_outside_demo_mode(settings, django_user_model):
    settings.DEMO_MODE = False

    with pytest.raises(ImproperlyConfigured):
        demo_load()

    assert django_user_model.objects.count() == 0
    assert OrgUnit.objects.count() == 0
