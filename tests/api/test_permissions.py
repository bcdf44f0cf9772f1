"""Who may read and change what through the API: every endpoint × every kind of caller.

The rules are those of ``org.access`` for the acting user, narrowed by the token
(units, read-only). K → HV → V1, V2; A1 is below V1. Objects (plans, actions, tertial
reports) exist for V1 and V2.
"""

import pytest

from measures.models import Indicator, IndicatorValue, Target
from plans.models import Action, ActionPlan, TertialReport
from tests import factories
from tests.api.objects import YEAR


@pytest.fixture(autouse=True)
def rounds_open(db):
    """The reports here are submitted in their tertial's open round (the rule that needs
    the round is attacked in tests/plans/test_review_guards.py)."""
    factories.round_opened(YEAR, 1)
    factories.round_opened(YEAR, 2)


ALL = {"K", "HV", "V1", "V2", "A1"}
OWN = {"V1", "A1"}
OTHER = {"V2"}
PARENT = {"HV", "V1", "V2", "A1"}
NONE: set[str] = set()

CALLERS = [
    "hr",
    "leader-own",
    "leader-other",
    "leader-of-parent",
    "representative-own",
    "representative-other",
    "token-read",
    "token-write",
    "token-v1",
    "token-v1-write",
    "token-leader-write",
]

# Units whose org-tree entries the caller sees (names are not sensitive; tokens narrow).
TREE = dict.fromkeys(CALLERS, ALL) | {"token-v1": OWN, "token-v1-write": OWN}
# Units whose indicator values the caller reads; None: refused (403).
VALUES: dict[str, set[str] | None] = {
    "hr": ALL,
    "leader-own": OWN,
    "leader-other": OTHER,
    "leader-of-parent": PARENT,
    "representative-own": None,
    "representative-other": None,
    "token-read": ALL,
    "token-write": ALL,
    "token-v1": OWN,
    "token-v1-write": OWN,
    "token-leader-write": OWN,
}
# Units whose plans and tertial reports the caller reads.
PLANS_READ = {
    "hr": ALL,
    "leader-own": OWN,
    "leader-other": OTHER,
    "leader-of-parent": PARENT,
    "representative-own": OWN,
    "representative-other": OTHER,
    "token-read": ALL,
    "token-write": ALL,
    "token-v1": OWN,
    "token-v1-write": OWN,
    "token-leader-write": OWN,
}
# Units whose plans and tertial reports the caller changes.
PLANS_EDIT = {
    "hr": ALL,
    "leader-own": OWN,
    "leader-other": OTHER,
    "leader-of-parent": PARENT,
    "representative-own": NONE,
    "representative-other": NONE,
    "token-read": NONE,
    "token-write": ALL,
    "token-v1": NONE,
    "token-v1-write": OWN,
    "token-leader-write": OWN,
}
# HR rights for whole-organisation data (imports): an HR user, not limited to units.
IMPORTS_READ = {"hr", "token-read", "token-write"}
# Reopening a submitted report: HR, and writing.
REOPEN = {"hr", "token-write", "token-v1-write"}


def write_status(caller: str, unit: str, ok: int) -> int:
    """An object of ``unit``: 404 when unseen, 403 when seen but not editable."""
    if unit not in PLANS_READ[caller]:
        return 404
    return ok if unit in PLANS_EDIT[caller] else 403


def units_of(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["unit"] for row in response.json()["results"]}


def codes_of(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["code"] for row in response.json()["results"]}


# --- Authentication -----------------------------------------------------------------------


def endpoints(objects) -> list[tuple[str, str]]:
    """Every endpoint (list, detail, write) as (method, path)."""
    value = IndicatorValue.objects.order_by("pk").first()
    target = Target.objects.get()
    action, plan = objects.actions["V1"], objects.plans["V1"]
    report = objects.reports["V1"]
    return [
        ("get", "/api/v1/strategies/"),
        ("get", "/api/v1/strategies/1/"),
        ("get", "/api/v1/goals/"),
        ("get", f"/api/v1/goals/{action.goal_id}/"),
        ("get", "/api/v1/sub-measures/"),
        ("get", "/api/v1/units/"),
        ("get", "/api/v1/units/V1/"),
        ("get", "/api/v1/indicators/"),
        ("get", "/api/v1/indicators/sick_leave_pct/"),
        ("get", "/api/v1/targets/"),
        ("get", f"/api/v1/targets/{target.pk}/"),
        ("get", "/api/v1/indicator-values/"),
        ("get", "/api/v1/indicator-values/?format=csv"),
        ("get", f"/api/v1/indicator-values/{value.pk}/"),
        ("get", "/api/v1/plans/"),
        ("get", f"/api/v1/plans/{plan.pk}/"),
        ("post", "/api/v1/plans/"),
        ("get", "/api/v1/actions/"),
        ("get", f"/api/v1/actions/{action.pk}/"),
        ("post", "/api/v1/actions/"),
        ("patch", f"/api/v1/actions/{action.pk}/"),
        ("put", f"/api/v1/actions/{action.pk}/"),
        ("delete", f"/api/v1/actions/{action.pk}/"),
        ("get", "/api/v1/tertial-reports/"),
        ("get", f"/api/v1/tertial-reports/{report.pk}/"),
        ("post", "/api/v1/tertial-reports/"),
        ("patch", f"/api/v1/tertial-reports/{report.pk}/"),
        ("post", f"/api/v1/tertial-reports/{report.pk}/submit/"),
        ("post", f"/api/v1/tertial-reports/{report.pk}/reopen/"),
        ("get", "/api/v1/imports/"),
        ("get", f"/api/v1/imports/{objects.import_job.pk}/"),
        ("post", "/api/v1/imports/"),
    ]


BAD_CREDENTIALS = {
    "anonymous": {},
    "unknown token": {"HTTP_AUTHORIZATION": "Bearer stg_not-a-token"},
    "no token after Bearer": {"HTTP_AUTHORIZATION": "Bearer"},
    "token with a space": {"HTTP_AUTHORIZATION": "Bearer stg_a stg_b"},
    "other scheme": {"HTTP_AUTHORIZATION": "Basic aHI6ZGVtbw=="},
    "not UTF-8": {"HTTP_AUTHORIZATION": b"Bearer \xff\xfe".decode("latin-1")},
}


@pytest.mark.parametrize("credentials", BAD_CREDENTIALS.values(), ids=BAD_CREDENTIALS.keys())
def test_every_endpoint_refuses_missing_and_bad_credentials_with_401(world, objects, credentials):
    client = world.client("anonymous")
    client.credentials(**credentials)
    before = (Action.objects.count(), ActionPlan.objects.count(), TertialReport.objects.count())
    for method, path in endpoints(objects):
        response = getattr(client, method)(path, {}, format="json")
        assert response.status_code == 401, (method, path, response.content)
        assert response["WWW-Authenticate"] == 'Bearer realm="api"', (method, path)
        body = response.json()
        assert body["code"] in {"not_authenticated", "authentication_failed"}, body
        assert body["detail"], body
    assert before == (
        Action.objects.count(),
        ActionPlan.objects.count(),
        TertialReport.objects.count(),
    )


def test_a_revoked_token_is_refused_at_once(world):
    from api.models import ApiToken
    from api.services import token_revoke

    client = world.client("token-read")
    assert client.get("/api/v1/units/").status_code == 200
    token_revoke(token=ApiToken.objects.get(name="token-read"), by=world.users["hr"])
    response = client.get("/api/v1/units/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert "WWW-Authenticate" in response


def test_a_token_of_a_deactivated_user_is_refused(world):
    # A fresh object: the world's users are shared by the module's tests.
    leader = type(world.users["leader-own"]).objects.get(username="leader-own")
    client = world.client("token-leader-write")
    assert client.get("/api/v1/plans/").status_code == 200
    leader.is_active = False
    leader.save(update_fields=["is_active"])
    assert client.get("/api/v1/plans/").status_code == 401


# --- Strategy, goals, sub-measures, indicators: everyone signed in reads -------------------


@pytest.mark.parametrize("caller", CALLERS)
def test_catalogue_is_read_by_everyone_and_written_by_no_one(world, caller):
    client = world.client(caller)
    goal = world.world.goal(1)
    sub_measure = goal.sub_measures.first()
    strategies = client.get("/api/v1/strategies/")
    assert strategies.status_code == 200
    assert {row["slug"] for row in strategies.json()["results"]} >= {world.world.strategy.slug}
    for path in [
        f"/api/v1/strategies/{world.world.strategy.pk}/",
        f"/api/v1/goals/?strategy={world.world.strategy.slug}",
        f"/api/v1/goals/{goal.pk}/",
        f"/api/v1/sub-measures/?goal={goal.pk}",
        f"/api/v1/sub-measures/{sub_measure.pk}/",
        "/api/v1/indicators/",
        "/api/v1/indicators/sick_leave_pct/",
    ]:
        assert client.get(path).status_code == 200, path
    assert client.get("/api/v1/indicators/no-such-indicator/").status_code == 404
    for path in [
        "/api/v1/strategies/",
        "/api/v1/goals/",
        "/api/v1/sub-measures/",
        "/api/v1/indicators/",
    ]:
        response = client.post(path, {"name": "x"}, format="json")
        assert response.status_code == 405, path
        assert response.json()["code"] == "method_not_allowed"
    response = client.patch(f"/api/v1/goals/{goal.pk}/", {"title": "x"}, format="json")
    assert response.status_code == 405
    assert goal.title == type(goal).objects.get(pk=goal.pk).title
    count = Indicator.objects.count()
    assert len(client.get("/api/v1/indicators/?page_size=1000").json()["results"]) == count


# --- Units ----------------------------------------------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
def test_units_are_the_tree_as_far_as_the_token_reaches(world, caller):
    client = world.client(caller)
    seen = TREE[caller]
    assert codes_of(client.get("/api/v1/units/")) == seen
    assert codes_of(client.get("/api/v1/units/?parent=HV")) == {"V1", "V2"} & seen
    assert codes_of(client.get("/api/v1/units/?subtree=V1")) == {"V1", "A1"} & seen
    assert codes_of(client.get("/api/v1/units/?subtree=HV")) == PARENT & seen
    for code in ALL:
        response = client.get(f"/api/v1/units/{code}/")
        if code in seen:
            assert response.status_code == 200, code
            assert response.json()["code"] == code
        else:
            assert response.status_code == 404, code
            assert response.json()["code"] == "not_found"
    assert client.get("/api/v1/units/NOPE/").status_code == 404
    assert client.post("/api/v1/units/", {"code": "X"}, format="json").status_code == 405


# --- Targets and indicator values: HR and leaders ----------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
def test_targets_are_read_by_hr_and_leaders(world, caller):
    client = world.client(caller)
    target = Target.objects.get()
    listed = client.get("/api/v1/targets/")
    detail = client.get(f"/api/v1/targets/{target.pk}/")
    if VALUES[caller] is None:
        assert (listed.status_code, detail.status_code) == (403, 403)
        assert listed.json()["code"] == "permission_denied"
        return
    assert listed.status_code == 200
    assert detail.status_code == 200
    assert detail.json()["indicator"] == "sick_leave_pct"
    assert client.post("/api/v1/targets/", {}, format="json").status_code == 405


@pytest.mark.parametrize("caller", CALLERS)
def test_indicator_values_only_of_the_callers_units(world, caller):
    client = world.client(caller)
    wanted = VALUES[caller]
    listed = client.get("/api/v1/indicator-values/?page_size=1000")
    csv = client.get("/api/v1/indicator-values/?format=csv")
    if wanted is None:
        assert listed.status_code == 403
        assert listed.json()["code"] == "permission_denied"
        assert csv.status_code == 403
        assert csv["Content-Type"].startswith("application/json")
        assert csv.json()["code"] == "permission_denied"
        value = IndicatorValue.objects.filter(unit__code="V1").first()
        assert client.get(f"/api/v1/indicator-values/{value.pk}/").status_code == 403
        return
    assert units_of(listed) == wanted
    assert len(listed.json()["results"]) == 3 * len(wanted)  # three months each
    lines = b"".join(csv.streaming_content).decode().splitlines()
    assert {line.split(",")[1] for line in lines[1:]} == wanted
    # A subtree filter cannot widen what the caller sees.
    assert units_of(client.get("/api/v1/indicator-values/?subtree=K")) == wanted
    assert units_of(client.get("/api/v1/indicator-values/?unit=V2")) == {"V2"} & wanted
    for code in ALL:
        value = IndicatorValue.objects.filter(unit__code=code).first()
        response = client.get(f"/api/v1/indicator-values/{value.pk}/")
        if code in wanted:
            assert response.status_code == 200, code
            assert response.json()["unit"] == code
        else:
            assert response.status_code == 404, code
    response = client.post("/api/v1/indicator-values/", {}, format="json")
    assert response.status_code == 405


# --- Plans ------------------------------------------------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
def test_plans_are_listed_and_shown_only_for_the_callers_units(world, objects, caller):
    client = world.client(caller)
    readable = PLANS_READ[caller] & {"V1", "V2"}
    assert units_of(client.get("/api/v1/plans/")) == readable
    assert units_of(client.get(f"/api/v1/plans/?year={YEAR}&subtree=HV")) == readable
    for code, plan in objects.plans.items():
        response = client.get(f"/api/v1/plans/{plan.pk}/")
        if code in readable:
            assert response.status_code == 200
            assert response["ETag"] == f'"{ActionPlan.objects.get(pk=plan.pk).version}"'
            assert [a["title"] for a in response.json()["actions"]] == [f"Tiltak {code}"]
        else:
            assert response.status_code == 404
            assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("caller", CALLERS)
def test_plans_are_created_only_for_units_the_caller_may_edit(world, caller):
    client = world.client(caller)
    for code in ["V1", "A1", "V2", "K"]:
        response = client.post("/api/v1/plans/", {"unit": code, "year": YEAR + 1}, format="json")
        created = ActionPlan.objects.filter(unit__code=code, year=YEAR + 1).exists()
        if code in PLANS_EDIT[caller]:
            assert response.status_code == 201, (code, response.content)
            assert response.json()["unit"] == code
            assert created
        else:
            assert response.status_code == 403, (code, response.content)
            assert response.json()["code"] == "permission_denied"
            assert not created


# --- Actions ----------------------------------------------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
def test_actions_are_listed_and_shown_only_for_the_callers_units(world, objects, caller):
    client = world.client(caller)
    readable = PLANS_READ[caller] & {"V1", "V2"}
    listed = client.get("/api/v1/actions/")
    assert listed.status_code == 200
    assert {row["title"] for row in listed.json()["results"]} == {f"Tiltak {c}" for c in readable}
    for code, action in objects.actions.items():
        response = client.get(f"/api/v1/actions/{action.pk}/")
        assert response.status_code == (200 if code in readable else 404), code
        if code in readable:
            assert response["ETag"] == f'"{action.version}"'


@pytest.mark.parametrize("caller", CALLERS)
def test_actions_are_changed_only_in_units_the_caller_may_edit(world, objects, caller):
    client = world.client(caller)
    goal = world.world.goal(2)
    for code, action in objects.actions.items():
        path = f"/api/v1/actions/{action.pk}/"
        headers = {"HTTP_IF_MATCH": '"1"'}
        patched = client.patch(path, {"title": "Endret"}, format="json", **headers)
        assert patched.status_code == write_status(caller, code, 200), (code, patched.content)
        put = client.put(
            path,
            {"goal": goal.pk, "title": "Erstattet", "status": "pagar"},
            format="json",
            HTTP_IF_MATCH=f'"{Action.objects.get(pk=action.pk).version}"',
        )
        assert put.status_code == write_status(caller, code, 200), (code, put.content)
        if put.status_code == 200:
            stored = Action.objects.get(pk=action.pk)
            assert (stored.title, stored.goal_id, stored.status) == ("Erstattet", goal.pk, "pagar")
        else:
            assert Action.objects.get(pk=action.pk).title == f"Tiltak {code}"
            assert patched.json()["code"] in {"permission_denied", "not_found"}
        deleted = client.delete(path, HTTP_IF_MATCH=f'"{Action.objects.get(pk=action.pk).version}"')
        assert deleted.status_code == write_status(caller, code, 204), (code, deleted.content)
        assert Action.objects.filter(pk=action.pk).exists() == (deleted.status_code != 204)


@pytest.mark.parametrize("caller", CALLERS)
def test_actions_are_added_only_to_plans_the_caller_may_edit(world, objects, caller):
    client = world.client(caller)
    goal = world.world.goal(1)
    for code, plan in objects.plans.items():
        response = client.post(
            "/api/v1/actions/", {"plan": plan.pk, "goal": goal.pk, "title": "Nytt"}, format="json"
        )
        added = Action.objects.filter(plan=plan, title="Nytt").exists()
        if code not in PLANS_READ[caller]:
            # Another unit's plan is not named as such: the same as a missing plan.
            assert response.status_code == 400, (code, response.content)
            assert response.json()["fields"]["plan"]
        else:
            assert response.status_code == write_status(caller, code, 201), (code, response.content)
        assert added == (response.status_code == 201)


# --- Tertial reports --------------------------------------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
def test_tertial_reports_are_read_only_for_the_callers_units(world, objects, caller):
    client = world.client(caller)
    readable = PLANS_READ[caller] & {"V1", "V2"}
    assert units_of(client.get("/api/v1/tertial-reports/")) == readable
    assert units_of(client.get("/api/v1/tertial-reports/?tertial=1&subtree=K")) == readable
    for code, report in objects.reports.items():
        response = client.get(f"/api/v1/tertial-reports/{report.pk}/")
        assert response.status_code == (200 if code in readable else 404), code


@pytest.mark.parametrize("caller", CALLERS)
def test_tertial_reports_are_written_and_submitted_only_in_editable_units(world, objects, caller):
    client = world.client(caller)
    for code in ["V1", "V2"]:
        created = client.post(
            "/api/v1/tertial-reports/", {"unit": code, "year": YEAR, "tertial": 2}, format="json"
        )
        exists = TertialReport.objects.filter(unit__code=code, tertial=2).exists()
        if code in PLANS_EDIT[caller]:
            assert created.status_code == 201, (code, created.content)
            assert exists
        else:
            assert created.status_code == 403, (code, created.content)
            assert not exists
    for code, report in objects.reports.items():
        path = f"/api/v1/tertial-reports/{report.pk}/"
        patched = client.patch(path, {"summary": "Bra"}, format="json", HTTP_IF_MATCH='"1"')
        assert patched.status_code == write_status(caller, code, 200), (code, patched.content)
        version = TertialReport.objects.get(pk=report.pk).version
        submitted = client.post(f"{path}submit/", {}, format="json", HTTP_IF_MATCH=f'"{version}"')
        assert submitted.status_code == write_status(caller, code, 200), (code, submitted.content)
        stored = TertialReport.objects.get(pk=report.pk)
        assert (stored.state == "submitted") == (submitted.status_code == 200)
        assert (stored.summary == "Bra") == (patched.status_code == 200)


@pytest.mark.parametrize("caller", CALLERS)
def test_only_hr_reopens_a_submitted_report(world, objects, caller):
    from plans import services

    hr = world.users["hr"]
    for report in objects.reports.values():
        services.report_submit(report=report, by=hr, version=report.version)
    client = world.client(caller)
    for code, report in objects.reports.items():
        response = client.post(f"/api/v1/tertial-reports/{report.pk}/reopen/", format="json")
        stored = TertialReport.objects.get(pk=report.pk)
        if code not in PLANS_READ[caller]:
            assert response.status_code == 404, code
        elif caller in REOPEN:
            assert response.status_code == 200, (code, response.content)
            assert response.json()["state"] == "draft"
        else:
            assert response.status_code == 403, (code, response.content)
        assert (stored.state == "draft") == (response.status_code == 200)


# --- Imports -------------------------------------------------------------------------------


@pytest.mark.parametrize("caller", CALLERS)
def test_import_jobs_are_read_only_by_hr_without_unit_limits(world, objects, caller):
    client = world.client(caller)
    listed = client.get("/api/v1/imports/")
    detail = client.get(f"/api/v1/imports/{objects.import_job.pk}/")
    if caller in IMPORTS_READ:
        assert listed.status_code == 200
        assert [row["id"] for row in listed.json()["results"]] == [objects.import_job.pk]
        assert detail.status_code == 200
        assert detail.json()["status"] == "succeeded"
    else:
        assert (listed.status_code, detail.status_code) == (403, 403), caller
        assert listed.json()["code"] == "permission_denied"
