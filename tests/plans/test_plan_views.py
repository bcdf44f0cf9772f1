"""Plan pages through HTTP: the permission table, conflicts, read-only pages, query counts."""

import pytest
from django.urls import reverse

from org.models import RoleAssignment
from plans import services
from plans.models import Action, ActionPlan
from tests.conftest import forget_access, shared_for_module

from .plan_helpers import build_world, user

pytestmark = pytest.mark.django_db

YEAR = 2025


def build_plan_world():
    world = build_world()
    hr = world.users["hr"]
    old = services.plan_get_or_create(unit=world.units["V1"], year=YEAR - 1, by=hr)
    services.action_create(plan=old, by=hr, goal=world.goal(3), title="Fjorårets tiltak")
    world.plan = services.plan_get_or_create(unit=world.units["V1"], year=YEAR, by=hr)
    world.action = services.action_create(
        plan=world.plan, by=hr, goal=world.goal(3), title="Heltidskultur"
    )
    return world


shared_world = shared_for_module(build_plan_world)


@pytest.fixture
def world(shared_world, db):
    forget_access(*shared_world.users.values())
    return shared_world


def url(name: str, world, **extra) -> str:
    if name == "assignments":
        return reverse("org:assignments")
    if name == "plan-list":
        return reverse(f"plans:{name}")
    args = ["V1", YEAR]
    if name in {"action-edit", "action-delete"}:
        args.append(world.action.pk)
    return reverse(f"plans:{name}", args=args)


def action_data(world, **changes) -> dict:
    return {
        "goal": world.goal(3).pk,
        "title": "Nytt tiltak",
        "status": "planlagt",
        "version": 1,
        **changes,
    }


def outcome(response) -> object:
    if response.status_code == 302 and response["Location"].startswith("/accounts/login/"):
        return "login"
    if response.status_code in {200, 302}:
        return "ok"
    return response.status_code


def snapshot(world) -> tuple:
    return (
        Action.objects.count(),
        list(Action.objects.values_list("pk", "title", "version").order_by("pk")),
        ActionPlan.objects.get(pk=world.plan.pk).version,
    )


# (what, method, whether a success changes the plan)
DOINGS = {
    "list": ("plan-list", "get", False),
    "view": ("plan-detail", "get", False),
    "create": ("action-create", "post", True),
    "edit": ("action-edit", "post", True),
    "delete": ("action-delete", "post", True),
    "copy": ("plan-copy", "post", True),
    "history": ("history", "get", False),
    "assignments": ("assignments", "get", False),
}

ALL = ["list", "view", "create", "edit", "delete", "copy", "history", "assignments"]
EDITOR = {"list": "ok", "view": "ok", "create": "ok", "edit": "ok", "delete": "ok"}
EDITOR |= {"copy": "ok", "history": 403, "assignments": 403}
READER = dict.fromkeys(ALL, 403) | {"list": "ok", "view": "ok"}
STRANGER = dict.fromkeys(ALL, 403) | {"list": "absent"}

TABLE = {
    "hr": dict.fromkeys(ALL, "ok"),
    "leader-own": EDITOR,
    "leader-of-parent": EDITOR,
    "leader-other": STRANGER,
    "representative-own": READER,
    "representative-other": STRANGER,
    "anonymous": dict.fromkeys(ALL, "login"),
}


@pytest.mark.parametrize("doing", ALL)
@pytest.mark.parametrize("role", list(TABLE))
def test_permission_table(client, world, role, doing):
    if role != "anonymous":
        client.force_login(world.users[role])
    name, method, writes = DOINGS[doing]
    data = {"version": 1} if doing == "delete" else action_data(world)
    before = snapshot(world)

    if method == "get":
        response = client.get(url(name, world))
    else:
        response = client.post(url(name, world), data)

    result = outcome(response)
    if doing == "list" and result == "ok":
        result = "ok" if 'href="/plans/V1/' in response.content.decode() else "absent"
    assert result == TABLE[role][doing]
    if not (writes and result == "ok"):
        assert snapshot(world) == before
    else:
        assert snapshot(world) != before


def test_a_leader_cannot_reach_another_units_action_through_their_own_units_url(client, world):
    other = services.plan_get_or_create(
        unit=world.units["V2"], year=YEAR, by=world.users["leader-other"]
    )
    foreign = services.action_create(
        plan=other, by=world.users["leader-other"], goal=world.goal(3), title="Hemmelig"
    )
    client.force_login(world.users["leader-own"])

    via_own = client.get(reverse("plans:action-edit", args=["V1", YEAR, foreign.pk]))
    via_other = client.get(reverse("plans:action-edit", args=["V2", YEAR, foreign.pk]))
    plan_page = client.get(reverse("plans:plan-detail", args=["V2", YEAR]))

    assert (via_own.status_code, via_other.status_code, plan_page.status_code) == (404, 403, 403)
    assert b"Hemmelig" not in via_own.content + via_other.content + plan_page.content


def test_an_unknown_unit_is_404(client, world):
    client.force_login(world.users["hr"])

    assert client.get(reverse("plans:plan-detail", args=["NOPE", YEAR])).status_code == 404


def test_a_representative_reads_the_plan_without_edit_controls(client, world):
    client.force_login(world.users["representative-own"])

    response = client.get(url("plan-detail", world))

    content = response.content.decode()
    assert "Heltidskultur" in content
    assert reverse("plans:action-create", args=["V1", YEAR]) not in content
    assert reverse("plans:action-edit", args=["V1", YEAR, world.action.pk]) not in content
    assert reverse("plans:plan-copy", args=["V1", YEAR]) not in content


def test_a_stale_edit_shows_the_conflict_and_keeps_the_first_edit(client, world):
    client.force_login(world.users["leader-own"])
    edit = url("action-edit", world)

    first = client.post(edit, action_data(world, title="Første lagring"))
    second = client.post(edit, action_data(world, title="Andre lagring"))

    assert first.status_code == 302
    assert second.status_code == 200
    content = second.content.decode()
    assert "Noen andre har endret tiltaket mens du skrev" in content
    assert "Første lagring" in content  # the saved values are shown
    assert 'value="Andre lagring"' in content  # and what the user wrote is kept
    assert 'name="version" value="2"' in content
    world.action.refresh_from_db()
    assert (world.action.title, world.action.version) == ("Første lagring", 2)


def test_a_stale_delete_shows_the_conflict_and_deletes_nothing(client, world):
    client.force_login(world.users["leader-own"])
    client.post(url("action-edit", world), action_data(world, title="Endret"))

    response = client.post(url("action-delete", world), {"version": 1})

    assert response.status_code == 200
    assert Action.objects.filter(pk=world.action.pk).exists()


def test_form_errors_are_linked_to_their_fields(client, world):
    client.force_login(world.users["leader-own"])
    other_goal_sub = world.goal(1).sub_measures.first()

    response = client.post(
        url("action-create", world),
        action_data(world, title="", sub_measure=other_goal_sub.pk),
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert 'aria-describedby="id_title_error' in content or "error_1_id_title" in content
    assert "error_1_id_sub_measure" in content
    assert Action.objects.count() == 2


def test_copy_reports_how_many_actions_were_copied(client, world):
    client.force_login(world.users["leader-own"])

    response = client.post(url("plan-copy", world), follow=True)

    assert "1 uferdig tiltak kopiert fra i fjor." in response.content.decode()
    assert world.plan.actions.filter(copied_from__isnull=False).count() == 1


def test_history_page_shows_who_changed_what(client, world):
    services.action_update(
        action=world.action, by=world.users["leader-own"], version=1, title="Omdøpt"
    )
    client.force_login(world.users["hr"])

    content = client.get(url("history", world)).content.decode()

    assert "leader-own" in content
    assert "Heltidskultur → Omdøpt" in content


def test_hr_adds_and_removes_a_role_assignment(client, world):
    client.force_login(world.users["hr"])
    newcomer = user("ny-leder")

    client.post(
        url("assignments", world),
        {"user": newcomer.pk, "unit": world.units["V2"].pk, "role": "leader"},
    )
    assignment = RoleAssignment.objects.get(user=newcomer)
    client.post(reverse("org:assignment-delete", args=[assignment.pk]))

    assert not RoleAssignment.objects.filter(user=newcomer).exists()
    history = RoleAssignment.history.filter(user_id=newcomer.pk).order_by("history_date")
    assert [(h.history_type, h.history_user) for h in history] == [
        ("+", world.users["hr"]),
        ("-", world.users["hr"]),
    ]


def test_a_leader_may_not_post_to_the_assignments(client, world):
    client.force_login(world.users["leader-own"])

    response = client.post(
        url("assignments", world),
        {"user": world.users["leader-own"].pk, "unit": world.units["K"].pk, "role": "leader"},
    )

    assert response.status_code == 403
    assert not RoleAssignment.objects.filter(unit=world.units["K"]).exists()


def _add_actions(world, count: int) -> None:
    for number in range(count):
        services.action_create(
            plan=world.plan,
            by=world.users["hr"],
            goal=world.goal(1 + number % 5),
            title=f"Tiltak {number}",
            sub_measure=world.goal(1 + number % 5).sub_measures.first(),
        )


@pytest.mark.parametrize("extra_actions", [0, 30])
def test_plan_page_queries_do_not_grow_with_actions(
    client, world, django_assert_max_num_queries, extra_actions
):
    _add_actions(world, extra_actions)
    client.force_login(world.users["leader-own"])

    # The goals' indicators with figures and targets, the access log, the confirmations.
    with django_assert_max_num_queries(24):
        response = client.get(url("plan-detail", world))

    assert response.status_code == 200


@pytest.mark.parametrize("extra_units", [0, 30])
def test_plan_list_queries_do_not_grow_with_units(
    client, world, django_assert_max_num_queries, extra_units
):
    from tests.measures.builders import build_units

    build_units([{"code": f"X{n}", "level": "avdeling"} for n in range(extra_units)])
    client.force_login(world.users["hr"])

    with django_assert_max_num_queries(10):
        response = client.get(url("plan-list", world))

    assert response.status_code == 200


def test_history_page_queries_do_not_grow_with_changes(
    client, world, django_assert_max_num_queries
):
    _add_actions(world, 20)
    client.force_login(world.users["hr"])

    # Two for the indicators each record named and their names.
    with django_assert_max_num_queries(14):
        response = client.get(url("history", world))

    assert response.status_code == 200
