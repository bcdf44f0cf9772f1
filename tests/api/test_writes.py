"""Writes through the API: plans, actions and tertial reports, with the version read.

A change sends the version the client read (``If-Match``, from the ETag, or a
``version`` field); a stale one is refused with 409 and the stored version, and nothing
is overwritten. The services' validation comes back as 400 with the fields.
"""

import pytest

from goals.models import Strategy
from measures.models import Indicator
from plans import selectors
from plans.models import Action, ActionPlan, ReportEvent, TertialReport
from tests import factories
from tests.api.objects import YEAR


@pytest.fixture(autouse=True)
def rounds_open(db):
    """The reports here are submitted in their tertial's open round (the rule that needs
    the round is attacked in tests/plans/test_review_guards.py)."""
    factories.round_opened(YEAR, 1)
    factories.round_opened(YEAR, 2)


ACTIONS = "/api/v1/actions/"


def etag(version: int) -> str:
    return f'"{version}"'


def stored_action(action: Action) -> tuple:
    stored = Action.objects.get(pk=action.pk)
    return stored.title, stored.status, stored.goal_id, stored.version


# --- Plans ------------------------------------------------------------------------------


def test_a_plan_is_created_once_then_returned(world):
    client = world.client("token-leader-write")
    first = client.post("/api/v1/plans/", {"unit": "A1", "year": 2027}, format="json")
    assert first.status_code == 201
    body = first.json()
    assert (body["unit"], body["year"], body["strategy"], body["actions"]) == (
        "A1",
        2027,
        world.world.strategy.slug,
        [],
    )
    assert first["ETag"] == etag(body["version"])
    again = client.post("/api/v1/plans/", {"unit": "A1", "year": 2027}, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    assert ActionPlan.objects.filter(unit__code="A1", year=2027).count() == 1
    plan = ActionPlan.objects.get(pk=body["id"])
    assert plan.history.get().history_user == world.users["leader-own"]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"unit": "NOPE", "year": 2027}, "unit"),
        ({"unit": "V1", "year": 1999}, "year"),
        ({"unit": "V1"}, "year"),
        ({"year": 2027}, "unit"),
    ],
)
def test_a_plan_with_bad_input_is_refused_with_the_field(world, payload, field):
    response = world.client("token-write").post("/api/v1/plans/", payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]
    assert body["detail"]
    assert not ActionPlan.objects.filter(year=2027).exists()


def test_a_leader_token_cannot_write_another_units_plan(world, objects):
    client = world.client("token-leader-write")
    response = client.post("/api/v1/plans/", {"unit": "V2", "year": 2027}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    goal = world.world.goal(1)
    other = objects.plans["V2"]
    response = client.post(
        ACTIONS, {"plan": other.pk, "goal": goal.pk, "title": "Inn i V2"}, format="json"
    )
    assert response.status_code == 400  # another unit's plan is not named
    assert not Action.objects.filter(title="Inn i V2").exists()


def test_a_read_only_token_writes_nothing(world, objects):
    client = world.client("token-read")
    action = objects.actions["V1"]
    responses = [
        client.post("/api/v1/plans/", {"unit": "V1", "year": 2027}, format="json"),
        client.patch(f"{ACTIONS}{action.pk}/", {"title": "x"}, format="json", HTTP_IF_MATCH='"1"'),
        client.delete(f"{ACTIONS}{action.pk}/", HTTP_IF_MATCH='"1"'),
    ]
    assert [response.status_code for response in responses] == [403, 403, 403]
    bodies = [response.json() for response in responses]
    assert [body["code"] for body in bodies] == ["permission_denied"] * 3
    # The same message each time: the token's, not the gate's.
    assert len({body["detail"] for body in bodies}) == 1
    assert stored_action(action)[0] == "Tiltak V1"
    assert not ActionPlan.objects.filter(year=2027).exists()


# --- Actions ----------------------------------------------------------------------------


def test_action_create_edit_delete_with_the_etag_round_trip(world, objects):
    client = world.client("token-write")
    plan = objects.plans["V1"]
    goal = world.world.goal(3)
    sub_measure = goal.sub_measures.first()
    created = client.post(
        ACTIONS,
        {
            "plan": plan.pk,
            "goal": goal.pk,
            "sub_measure": sub_measure.pk,
            "title": "Nytt tiltak",
            "deadline": f"{YEAR}-10-01",
            "responsible": "Leder",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert created["Location"] == f"{ACTIONS}{body['id']}/"
    assert created["ETag"] == etag(1)
    assert (body["plan"], body["goal"], body["sub_measure"], body["status"]) == (
        plan.pk,
        goal.pk,
        sub_measure.pk,
        "planlagt",
    )
    path = created["Location"]

    read = client.get(path)
    assert read["ETag"] == etag(1)
    patched = client.patch(path, {"status": "pagar"}, format="json", HTTP_IF_MATCH=read["ETag"])
    assert patched.status_code == 200, patched.content
    assert patched["ETag"] == etag(2)
    assert patched.json()["status"] == "pagar"
    assert patched.json()["title"] == "Nytt tiltak"  # PATCH leaves other fields alone

    put = client.put(
        path,
        {"goal": goal.pk, "title": "Omdøpt", "status": "fullfort"},
        format="json",
        HTTP_IF_MATCH=patched["ETag"],
    )
    assert put.status_code == 200, put.content
    assert put["ETag"] == etag(3)
    action = Action.objects.get(pk=body["id"])
    assert (action.title, action.status, action.plan_id) == ("Omdøpt", "fullfort", plan.pk)
    # PUT needs every required field (PATCH does not).
    incomplete = client.put(path, {"title": "Uten mål"}, format="json", HTTP_IF_MATCH=put["ETag"])
    assert incomplete.status_code == 400
    assert list(incomplete.json()["fields"]) == ["goal"]

    deleted = client.delete(path, HTTP_IF_MATCH=put["ETag"])
    assert deleted.status_code == 204
    assert not Action.objects.filter(pk=body["id"]).exists()
    assert client.get(path).status_code == 404


def test_a_version_field_works_instead_of_if_match(world, objects):
    client = world.client("hr")
    action = objects.actions["V1"]
    path = f"{ACTIONS}{action.pk}/"
    response = client.patch(path, {"title": "Med versjon", "version": 1}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    response = client.delete(path, {"version": 2}, format="json")
    assert response.status_code == 204


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_a_stale_version_is_a_conflict_and_changes_nothing(world, objects, method):
    client = world.client("token-leader-write")
    action = objects.actions["V1"]
    path = f"{ACTIONS}{action.pk}/"
    # A colleague saves first.
    first = client.patch(path, {"title": "Kollegaens"}, format="json", HTTP_IF_MATCH=etag(1))
    assert first.status_code == 200
    before = stored_action(action)
    payload = {"goal": action.goal_id, "title": "Mitt"} if method != "delete" else None
    response = getattr(client, method)(path, payload, format="json", HTTP_IF_MATCH=etag(1))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "conflict"
    assert body["current_version"] == 2
    assert body["detail"]
    assert stored_action(action) == before


@pytest.mark.parametrize("method", ["patch", "put", "delete"])
def test_a_change_without_the_version_read_is_refused_with_428(world, objects, method):
    client = world.client("token-write")
    action = objects.actions["V1"]
    before = stored_action(action)
    payload = {"goal": action.goal_id, "title": "Uten versjon"} if method != "delete" else None
    response = getattr(client, method)(f"{ACTIONS}{action.pk}/", payload, format="json")
    assert response.status_code == 428
    assert response.json()["code"] == "precondition_required"
    assert stored_action(action) == before


@pytest.mark.parametrize("header", ["abc", '"1", "2"', "*", '"-1"', '"1234567890"', ""])
def test_a_malformed_if_match_is_refused_with_400(world, objects, header):
    client = world.client("token-write")
    action = objects.actions["V1"]
    before = stored_action(action)
    response = client.patch(
        f"{ACTIONS}{action.pk}/", {"title": "x", "version": 1}, format="json", HTTP_IF_MATCH=header
    )
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert list(body["fields"]) == ["If-Match"]
    assert stored_action(action) == before


def test_an_update_cannot_move_an_action_to_another_plan(world, objects):
    client = world.client("token-write")
    action = objects.actions["V1"]
    response = client.patch(
        f"{ACTIONS}{action.pk}/",
        {"plan": objects.plans["V2"].pk, "title": "Flyttet?"},
        format="json",
        HTTP_IF_MATCH=etag(1),
    )
    assert response.status_code == 200, response.content
    stored = Action.objects.get(pk=action.pk)
    assert (stored.plan_id, stored.title) == (objects.plans["V1"].pk, "Flyttet?")


def test_the_services_validation_comes_back_with_the_fields(world, objects):
    client = world.client("token-write")
    plan = objects.plans["V1"]
    action = objects.actions["V1"]
    goal, other_goal = world.world.goal(1), world.world.goal(2)
    foreign_goal = Strategy.objects.exclude(pk=world.world.strategy.pk).first().goals.first()
    cases = [
        ({"goal": foreign_goal.pk}, "goal"),
        ({"goal": goal.pk, "sub_measure": other_goal.sub_measures.first().pk}, "sub_measure"),
        ({"representatives_took_part_on": f"{YEAR}-02-01"}, "representatives_took_part_on"),
        ({"title": "   "}, "title"),
        ({"status": "ferdig"}, "status"),
        ({"deadline": "1. mars"}, "deadline"),
        ({"goal": 999999}, "goal"),
    ]
    before = stored_action(action)
    for change, field in cases:
        response = client.patch(
            f"{ACTIONS}{action.pk}/", change, format="json", HTTP_IF_MATCH=etag(1)
        )
        assert response.status_code == 400, (change, response.content)
        body = response.json()
        assert body["code"] == "invalid"
        assert list(body["fields"]) == [field], body
        assert stored_action(action) == before
    for change, field in cases[:3]:
        response = client.post(
            ACTIONS, {"plan": plan.pk, "goal": goal.pk, "title": "Nytt"} | change, format="json"
        )
        assert response.status_code == 400, (change, response.content)
        assert list(response.json()["fields"]) == [field]
    assert plan.actions.count() == 1


def test_token_writes_are_recorded_with_the_acting_user(world, objects):
    action = objects.actions["V1"]
    client = world.client("token-leader-write")
    client.patch(f"{ACTIONS}{action.pk}/", {"title": "Endret"}, format="json", HTTP_IF_MATCH='"1"')
    latest = Action.objects.get(pk=action.pk).history.first()
    assert (latest.title, latest.history_user) == ("Endret", world.users["leader-own"])

    write = world.client("token-write")
    created = write.post(
        ACTIONS,
        {"plan": objects.plans["V2"].pk, "goal": action.goal_id, "title": "Fra Datasjø"},
        format="json",
    )
    record = Action.objects.get(pk=created.json()["id"]).history.get()
    assert record.history_user.username == "api-token-write"
    write.delete(created["Location"], HTTP_IF_MATCH=created["ETag"])
    deleted = Action.history.filter(id=created.json()["id"], history_type="-").get()
    assert deleted.history_user.username == "api-token-write"

    report = objects.reports["V1"]
    client.patch(f"/api/v1/tertial-reports/{report.pk}/", {"summary": "Notat"}, HTTP_IF_MATCH='"1"')
    latest = TertialReport.objects.get(pk=report.pk).history.first()
    assert (latest.summary, latest.history_user) == ("Notat", world.users["leader-own"])


# --- Tertial reports --------------------------------------------------------------------

REPORTS = "/api/v1/tertial-reports/"


def test_a_tertial_report_is_created_once_then_returned(world):
    client = world.client("token-v1-write")
    payload = {"unit": "A1", "year": YEAR, "tertial": 2}
    created = client.post(REPORTS, payload, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["unit"], body["state"], body["version"]) == ("A1", "draft", 1)
    assert created["ETag"] == etag(1)
    again = client.post(REPORTS, payload, format="json")
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]
    for bad, field in [({"tertial": 4}, "tertial"), ({"year": 1900}, "year")]:
        response = client.post(REPORTS, payload | bad, format="json")
        assert response.status_code == 400
        assert list(response.json()["fields"]) == [field]


def test_a_report_draft_is_saved_submitted_and_reopened(world, objects):
    leader = world.client("token-leader-write")
    report = objects.reports["V1"]
    action = objects.actions["V1"]
    path = f"{REPORTS}{report.pk}/"
    read = leader.get(path)
    saved = leader.patch(
        path,
        {
            "summary": "  Sykefraværet går ned.  ",
            "comments": [{"indicator": "sick_leave_pct", "text": "Bedre enn i fjor."}],
            "prioritised_actions": [action.pk],
        },
        format="json",
        HTTP_IF_MATCH=read["ETag"],
    )
    assert saved.status_code == 200, saved.content
    body = saved.json()
    assert body["summary"] == "Sykefraværet går ned."
    assert body["comments"] == [
        {
            "indicator": "sick_leave_pct",
            "text": "Bedre enn i fjor.",
            "actions": [],
            "no_action_reason": "",
        }
    ]
    assert body["prioritised_actions"] == [action.pk]
    assert saved["ETag"] == etag(2)

    # A later PATCH of the summary keeps the comments and the prioritised actions.
    saved = leader.patch(path, {"summary": "Kort."}, format="json", HTTP_IF_MATCH=saved["ETag"])
    assert saved.json()["comments"] == body["comments"]
    assert saved.json()["prioritised_actions"] == [action.pk]

    stale = leader.patch(path, {"summary": "Gammel"}, format="json", HTTP_IF_MATCH=etag(2))
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 3
    assert TertialReport.objects.get(pk=report.pk).summary == "Kort."

    assert leader.post(f"{path}submit/", {}, format="json").status_code == 428
    stale = leader.post(f"{path}submit/", {}, format="json", HTTP_IF_MATCH=etag(1))
    assert (stale.status_code, stale.json()["current_version"]) == (409, 3)
    submitted = leader.post(f"{path}submit/", {"version": 3}, format="json")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["state"] == "submitted"
    assert submitted.json()["submitted_at"]

    # Submitted: read-only until HR reopens it.
    refused = leader.patch(path, {"summary": "Etterpå"}, format="json", HTTP_IF_MATCH=etag(4))
    assert refused.status_code == 409
    assert refused.json()["code"] == "conflict"
    again = leader.post(f"{path}submit/", {}, format="json", HTTP_IF_MATCH=etag(4))
    assert again.status_code == 409
    assert TertialReport.objects.get(pk=report.pk).summary == "Kort."
    assert leader.post(f"{path}reopen/").status_code == 403

    reopened = world.client("token-write").post(f"{path}reopen/")
    assert reopened.status_code == 200
    assert (reopened.json()["state"], reopened["ETag"]) == ("draft", etag(5))
    saved = leader.patch(path, {"summary": "Etterpå"}, format="json", HTTP_IF_MATCH=etag(5))
    assert saved.status_code == 200


def test_a_report_refuses_actions_of_other_plans_and_unknown_indicators(world, objects):
    client = world.client("token-write")
    report = objects.reports["V1"]
    path = f"{REPORTS}{report.pk}/"
    for change, field in [
        ({"prioritised_actions": [objects.actions["V2"].pk]}, "prioritised_actions"),
        ({"comments": [{"indicator": "no-such", "text": "x"}]}, "comments"),
    ]:
        response = client.patch(path, change, format="json", HTTP_IF_MATCH=etag(1))
        assert response.status_code == 400, response.content
        assert list(response.json()["fields"]) == [field]
    stored = TertialReport.objects.get(pk=report.pk)
    assert (stored.version, list(stored.prioritised_actions.all())) == (1, [])


# Every status must be explained: the API world's indicators then all need it.
EVERY_STATUS = ["met", "near", "missed", "none"]


def test_submit_refuses_an_unexplained_indicator_naming_its_fields(world, objects, settings):
    settings.REPORT_EXPLAIN_STATUSES = EVERY_STATUS
    leader = world.client("token-leader-write")
    report = objects.reports["V1"]
    path = f"{REPORTS}{report.pk}/"
    sick = Indicator.objects.get(slug="sick_leave_pct")

    refused = leader.post(f"{path}submit/", {}, format="json", HTTP_IF_MATCH=etag(1))

    assert refused.status_code == 400, refused.content
    fields = refused.json()["fields"]
    assert {f"comment_{sick.pk}", f"actions_{sick.pk}"} <= set(fields)
    stored = TertialReport.objects.get(pk=report.pk)
    assert (stored.state, stored.version) == ("draft", 1)
    assert not ReportEvent.objects.filter(report=report).exists()


def test_comments_carry_actions_and_a_reason_and_then_submit(world, objects, settings):
    settings.REPORT_EXPLAIN_STATUSES = EVERY_STATUS
    leader = world.client("token-leader-write")
    report = objects.reports["V1"]
    action = objects.actions["V1"]
    path = f"{REPORTS}{report.pk}/"
    slugs = [
        row.indicator.slug
        for row in selectors.report_indicators(
            unit=report.unit, year=report.year, tertial=report.tertial, report=report
        )
    ]
    comments = [{"indicator": slug, "text": "Forklart", "actions": [action.pk]} for slug in slugs]
    comments[0] = {"indicator": slugs[0], "text": "Forklart", "no_action_reason": "Forbigående"}

    saved = leader.patch(path, {"comments": comments}, format="json", HTTP_IF_MATCH=etag(1))

    assert saved.status_code == 200, saved.content
    by_slug = {c["indicator"]: c for c in saved.json()["comments"]}
    assert by_slug[slugs[0]]["no_action_reason"] == "Forbigående"
    assert all(by_slug[s]["actions"] == [action.pk] for s in slugs[1:])
    # A PATCH of the text alone keeps the actions.
    again = leader.patch(
        path,
        {"comments": [{"indicator": slugs[-1], "text": "Ny tekst"}]},
        format="json",
        HTTP_IF_MATCH=etag(2),
    )
    last = {c["indicator"]: c for c in again.json()["comments"]}[slugs[-1]]
    assert (last["text"], last["actions"]) == ("Ny tekst", [action.pk] if len(slugs) > 1 else [])
    submitted = leader.post(f"{path}submit/", {}, format="json", HTTP_IF_MATCH=etag(3))
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["state"] == "submitted"


def test_a_comment_refuses_actions_of_another_plan(world, objects):
    client = world.client("token-write")
    report = objects.reports["V1"]
    path = f"{REPORTS}{report.pk}/"
    other = objects.actions["V2"]

    response = client.patch(
        path,
        {"comments": [{"indicator": "sick_leave_pct", "actions": [other.pk]}]},
        format="json",
        HTTP_IF_MATCH=etag(1),
    )

    assert response.status_code == 400, response.content
    assert list(response.json()["fields"]) == ["comments"]
    assert TertialReport.objects.get(pk=report.pk).version == 1


def test_reports_filter_by_the_new_states(world, objects):
    client = world.client("token-write")
    for state in ("returned", "approved"):
        response = client.get(REPORTS, {"state": state})
        assert response.status_code == 200, response.content
        assert response.json()["results"] == []
    assert client.get(REPORTS, {"state": "nonsense"}).status_code == 400
