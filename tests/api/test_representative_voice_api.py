"""The representatives' voice in the API: read by everyone who reads plans, written by
the representatives themselves (a session, or a writing token acting as them)."""

import pytest
from rest_framework.test import APIClient

from api.services import token_create
from plans import services as plans
from plans.models import ParticipationConfirmation, RepresentativeRemark
from tests import factories
from tests.plans.plan_helpers import build_world

pytestmark = pytest.mark.django_db

YEAR = 2024


@pytest.fixture
def world():
    world = build_world()
    world.action = factories.ActionFactory(
        plan=factories.ActionPlanFactory(unit=world.units["V1"], year=YEAR), title="Heltid"
    )
    world.report = factories.TertialReportFactory(
        unit=world.units["V1"], year=YEAR, tertial=1, submitted=True
    )
    return world


def session(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def token_as(user, *, can_write: bool) -> APIClient:
    _token, raw = token_create(name="rep-client", by=None, user=user, can_write=can_write)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_a_representatives_token_confirms_withdraws_and_remarks(world):
    rep = world.users["representative-own"]
    client = token_as(rep, can_write=True)
    confirm = f"/api/v1/actions/{world.action.pk}/confirm/"

    first = client.post(confirm, {"capacity": "verneombud"}, format="json")
    again = client.post(confirm, {}, format="json")
    remark = client.post(
        f"/api/v1/tertial-reports/{world.report.pk}/remarks/",
        {"text": "Enige i rapporten"},
        format="json",
    )
    plan_remark = client.post(
        f"/api/v1/plans/{world.action.plan_id}/remarks/", {"text": "Tatt med"}, format="json"
    )

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["user"] == "rep-own" and first.json()["capacity"] == "verneombud"
    assert remark.status_code == 201, remark.json()
    assert (remark.json()["tertial"], remark.json()["author"]) == (1, "rep-own")
    assert (plan_remark.status_code, plan_remark.json()["tertial"]) == (201, None)
    assert client.delete(confirm).status_code == 204
    assert not ParticipationConfirmation.objects.exists()
    assert RepresentativeRemark.objects.count() == 2


def test_the_leader_reads_confirmations_and_remarks_in_the_plans_actions_and_reports(world):
    rep = world.users["representative-own"]
    plans.participation_confirm(action=world.action, by=rep)
    plans.representative_remark_add(unit=world.units["V1"], year=YEAR, by=rep, text="Plan")
    plans.representative_remark_add(
        unit=world.units["V1"], year=YEAR, tertial=1, by=rep, text="Rapport"
    )
    client = session(world.users["leader-own"])

    action = client.get(f"/api/v1/actions/{world.action.pk}/").json()
    plan = client.get(f"/api/v1/plans/{world.action.plan_id}/").json()
    report = client.get(f"/api/v1/tertial-reports/{world.report.pk}/").json()

    assert [(c["user"], c["capacity"]) for c in action["confirmations"]] == [
        ("rep-own", "tillitsvalgt")
    ]
    assert plan["actions"][0]["confirmations"][0]["user"] == "rep-own"
    assert [r["text"] for r in plan["representative_remarks"]] == ["Plan"]
    assert [r["text"] for r in report["representative_remarks"]] == ["Rapport"]


@pytest.mark.parametrize("who", ["leader-own", "hr", "representative-other"])
def test_others_cannot_confirm_or_remark(world, who):
    client = session(world.users[who])

    confirm = client.post(f"/api/v1/actions/{world.action.pk}/confirm/", {}, format="json")
    remark = client.post(
        f"/api/v1/tertial-reports/{world.report.pk}/remarks/", {"text": "x"}, format="json"
    )

    # Another unit's representative does not see the action or report at all.
    expected = 404 if who == "representative-other" else 403
    assert (confirm.status_code, remark.status_code) == (expected, expected)
    assert not ParticipationConfirmation.objects.exists()
    assert not RepresentativeRemark.objects.exists()


def test_a_read_only_token_of_a_representative_cannot_write(world):
    client = token_as(world.users["representative-own"], can_write=False)

    response = client.post(f"/api/v1/actions/{world.action.pk}/confirm/", {}, format="json")

    assert response.status_code == 403
    assert not ParticipationConfirmation.objects.exists()


def test_anonymous_is_refused(world):
    response = APIClient().post(f"/api/v1/actions/{world.action.pk}/confirm/", {}, format="json")

    assert response.status_code in (401, 403)
    assert not ParticipationConfirmation.objects.exists()


def test_a_bad_remark_is_a_400_in_norwegian(world):
    client = session(world.users["representative-own"])

    response = client.post(
        f"/api/v1/tertial-reports/{world.report.pk}/remarks/",
        {"text": "bad\x01", "capacity": "sjef"},
        format="json",
    )

    assert response.status_code == 400
    assert "capacity" in str(response.json())
    assert not RepresentativeRemark.objects.exists()
