"""Services and selectors of action plans: validation, versions, copying, history."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from goals.models import Goal, SubMeasure
from plans import services
from plans.models import Action, ActionPlan
from plans.selectors import plan_history, plan_list_rows, plan_page
from tests.conftest import forget_access, shared_for_module

from .plan_helpers import build_world

pytestmark = pytest.mark.django_db

YEAR = 2025


shared_world = shared_for_module(build_world)


@pytest.fixture
def world(shared_world, db):
    forget_access(*shared_world.users.values())
    return shared_world


@pytest.fixture
def leader(world):
    return world.users["leader-own"]


@pytest.fixture
def plan(world, leader):
    return services.plan_get_or_create(unit=world.units["V1"], year=YEAR, by=leader)


def test_plan_get_or_create_uses_the_active_strategy_and_is_idempotent(world, leader):
    first = services.plan_get_or_create(unit=world.units["V1"], year=YEAR, by=leader)
    again = services.plan_get_or_create(unit=world.units["V1"], year=YEAR, by=leader)

    assert first == again
    assert first.strategy.slug == "stavanger-organisasjonsstrategi"
    assert ActionPlan.objects.count() == 1


def test_a_leader_of_another_unit_may_not_create_a_plan_and_nothing_is_written(world):
    with pytest.raises(PermissionDenied):
        services.plan_get_or_create(
            unit=world.units["V1"], year=YEAR, by=world.users["leader-other"]
        )

    assert ActionPlan.objects.count() == 0


def test_a_representative_may_not_add_actions(world, plan):
    with pytest.raises(PermissionDenied):
        services.action_create(
            plan=plan, by=world.users["representative-own"], goal=world.goal(3), title="x"
        )

    assert Action.objects.count() == 0


def test_action_create_saves_the_action_and_bumps_the_plan_version(world, plan, leader):
    goal = world.goal(3)
    sub = goal.sub_measures.get(order=1)

    action = services.action_create(
        plan=plan,
        by=leader,
        goal=goal,
        title="Kartlegge ønsket stillingsstørrelse",
        sub_measure=sub,
        deadline=dt.date(2025, 6, 30),
        representatives_took_part=True,
        representatives_took_part_on=dt.date(2025, 2, 1),
    )

    action.refresh_from_db()
    assert (action.goal, action.sub_measure, action.status, action.version) == (
        goal,
        sub,
        "planlagt",
        1,
    )
    plan.refresh_from_db()
    assert plan.version == 2


def test_a_goal_of_another_strategy_is_refused(world, plan, leader):
    ks_goal = Goal.objects.get(strategy__slug="ks-arbeidsgiverpolitikk", number=1)

    with pytest.raises(ValidationError) as error:
        services.action_create(plan=plan, by=leader, goal=ks_goal, title="Å våge")

    assert list(error.value.message_dict) == ["goal"]
    assert Action.objects.count() == 0


def test_a_sub_measure_of_another_goal_is_refused(world, plan, leader):
    other = SubMeasure.objects.get(goal=world.goal(1), order=1)

    with pytest.raises(ValidationError) as error:
        services.action_create(
            plan=plan, by=leader, goal=world.goal(3), title="Heltid", sub_measure=other
        )

    assert list(error.value.message_dict) == ["sub_measure"]
    assert Action.objects.count() == 0


def test_a_participation_date_without_participation_is_refused(world, plan, leader):
    with pytest.raises(ValidationError) as error:
        services.action_create(
            plan=plan,
            by=leader,
            goal=world.goal(3),
            title="Heltid",
            representatives_took_part_on=dt.date(2025, 2, 1),
        )

    assert list(error.value.message_dict) == ["representatives_took_part_on"]


def test_two_edits_from_the_same_version_the_second_conflicts_and_the_first_is_kept(
    world, plan, leader
):
    action = services.action_create(plan=plan, by=leader, goal=world.goal(3), title="Start")
    hr = world.users["hr"]

    services.action_update(action=action, by=leader, version=1, title="Leader's title")
    with pytest.raises(services.ConflictError) as conflict:
        services.action_update(action=action, by=hr, version=1, title="HR's title")

    assert conflict.value.version == 2
    assert conflict.value.current.title == "Leader's title"
    action.refresh_from_db()
    assert (action.title, action.version) == ("Leader's title", 2)
    plan.refresh_from_db()
    assert plan.version == 3  # created, action added, action edited once


def test_a_stale_delete_conflicts_and_deletes_nothing(world, plan, leader):
    action = services.action_create(plan=plan, by=leader, goal=world.goal(3), title="Start")
    services.action_update(action=action, by=leader, version=1, status="pagar")

    with pytest.raises(services.ConflictError):
        services.action_delete(action=action, by=leader, version=1)

    assert Action.objects.filter(pk=action.pk).exists()
    services.action_delete(action=action, by=leader, version=2)
    assert not Action.objects.filter(pk=action.pk).exists()


def _last_year_plan(world, leader):
    old = services.plan_get_or_create(unit=world.units["V1"], year=YEAR - 1, by=leader)
    goal = world.goal(3)
    made = {
        status: services.action_create(
            plan=old,
            by=leader,
            goal=goal,
            title=f"Tiltak {status}",
            status=status,
            responsible="Kari",
            deadline=dt.date(2024, 2, 29),
            representatives_took_part=True,
        )
        for status in ["planlagt", "pagar", "fullfort", "utsatt"]
    }
    return old, made


def test_copy_takes_only_unfinished_actions_once_with_copied_from(world, plan, leader):
    _, made = _last_year_plan(world, leader)

    copies = services.plan_copy_unfinished(plan=plan, by=leader)
    again = services.plan_copy_unfinished(plan=plan, by=leader)

    assert again == []
    assert sorted(c.copied_from.status for c in copies) == ["pagar", "planlagt", "utsatt"]
    assert {c.copied_from_id for c in copies} == {
        made[s].pk for s in ["planlagt", "pagar", "utsatt"]
    }
    for copy in copies:
        assert (copy.plan, copy.status, copy.responsible, copy.deadline) == (
            plan,
            "planlagt",
            "Kari",
            dt.date(2025, 2, 28),
        )
        assert copy.representatives_took_part is False
    assert plan.actions.count() == 3


def test_copy_ignores_other_units_plans(world, plan, leader):
    other = services.plan_get_or_create(
        unit=world.units["V2"], year=YEAR - 1, by=world.users["leader-other"]
    )
    services.action_create(
        plan=other, by=world.users["leader-other"], goal=world.goal(3), title="Annen enhet"
    )

    assert services.plan_copy_unfinished(plan=plan, by=leader) == []


def test_history_records_who_created_changed_and_deleted_what(world, plan, leader):
    action = services.action_create(plan=plan, by=leader, goal=world.goal(3), title="Start")
    services.action_update(
        action=action, by=world.users["hr"], version=1, title="Endret", status="pagar"
    )
    services.action_delete(action=action, by=leader, version=2)

    with translation.override("en"):
        entries = plan_history(plan=plan)

    assert [(e.who, e.kind, e.what) for e in entries] == [
        ("leader-own", "-", "Endret"),
        ("hr-user", "~", "Endret"),
        ("leader-own", "+", "Start"),
        ("leader-own", "+", str(plan)),
    ]
    changed = {(c.field, c.old, c.new) for c in entries[1].changes}
    assert changed == {("title", "Start", "Endret"), ("status", "planned", "in progress")}


def test_plan_page_groups_actions_by_goal_with_prompts(world, plan, leader):
    services.action_create(plan=plan, by=leader, goal=world.goal(3), title="Heltid")
    services.action_create(plan=plan, by=leader, goal=world.goal(1), title="Kompetanseplan")

    page = plan_page(unit=world.units["V1"], year=YEAR)

    assert [s.goal.number for s in page.sections] == [1, 2, 3, 4, 5]
    assert [[a.title for a in s.actions] for s in page.sections] == [
        ["Kompetanseplan"],
        [],
        ["Heltid"],
        [],
        [],
    ]
    assert page.sections[2].leaders_shall[0].text == (
        "sette nærværsarbeid på dagsorden på arbeidsplassen og i HMS-grupper"
    )
    assert [goal.title for goal, _ in page.ks_questions][:2] == ["Å våge", "Å lede"]
    assert page.ks_questions[0][1][0].kind == "reflection_question"


def test_plan_list_rows_show_only_readable_units_with_counts(world, plan, leader):
    services.action_create(plan=plan, by=leader, goal=world.goal(3), title="Heltid")

    rows = plan_list_rows(user=leader, year=YEAR)

    assert [(r.unit.code, r.plan is not None, r.action_count) for r in rows] == [
        ("A1", False, 0),
        ("V1", True, 1),
    ]
