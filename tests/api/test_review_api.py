"""The review transitions (approve, return) and the tertial rounds in the API."""

import pytest
from rest_framework.test import APIClient

from api.services import token_create
from plans import services
from plans.models import ReportEvent, TertialReport
from tests.plans import test_review
from tests.plans.test_review import submitted

pytestmark = pytest.mark.django_db

ROUNDS = "/api/v1/tertial-rounds/"

# The review tests' municipality and people (see tests/plans/test_review.py).
units = test_review.units
users = test_review.users
sick_leave = test_review.sick_leave


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


def token_client(**kwargs) -> APIClient:
    _token, raw = token_create(name="t", **kwargs)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def url(report, transition):
    return f"/api/v1/tertial-reports/{report.pk}/{transition}/"


def test_the_leader_above_approves_with_if_match(units, users, sick_leave):
    report = submitted(units, users, sick_leave)
    client = client_of(users["area_leader"])

    assert client.post(url(report, "approve"), {}, format="json").status_code == 428
    stale = client.post(url(report, "approve"), {}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 409
    done = client.post(
        url(report, "approve"),
        {"comment": "Bra"},
        format="json",
        HTTP_IF_MATCH=f'"{report.version}"',
    )

    assert done.status_code == 200, done.content
    assert done.json()["state"] == "approved"
    assert done["ETag"] == f'"{report.version + 1}"'
    again = client.post(
        url(report, "approve"), {}, format="json", HTTP_IF_MATCH=f'"{report.version + 1}"'
    )
    assert again.status_code == 409  # no longer submitted


def test_a_return_needs_a_comment(units, users, sick_leave):
    report = submitted(units, users, sick_leave)
    client = client_of(users["hr"])
    match = f'"{report.version}"'

    missing = client.post(url(report, "return"), {}, format="json", HTTP_IF_MATCH=match)
    assert missing.status_code == 400
    assert "comment" in str(missing.json())
    assert TertialReport.objects.get(pk=report.pk).state == "submitted"

    done = client.post(
        url(report, "return"), {"comment": "Mer konkret"}, format="json", HTTP_IF_MATCH=match
    )
    assert done.status_code == 200
    assert done.json()["state"] == "returned"


@pytest.mark.parametrize(
    ("who", "status"),
    [("leader", 403), ("representative", 403), ("department_leader", 404), ("other_leader", 404)],
)
def test_others_may_not_review(units, users, sick_leave, who, status):
    """The unit's own leader and its representative see the report but may not review it
    (403); a leader below or of a sibling does not see it at all (404)."""
    report = submitted(units, users, sick_leave)
    events = ReportEvent.objects.count()
    for transition in ["approve", "return"]:
        response = client_of(users[who]).post(
            url(report, transition),
            {"comment": "x"},
            format="json",
            HTTP_IF_MATCH=f'"{report.version}"',
        )
        assert response.status_code == status
    assert TertialReport.objects.get(pk=report.pk).state == "submitted"
    assert ReportEvent.objects.count() == events


def test_a_read_only_token_may_not_review(units, users, sick_leave):
    report = submitted(units, users, sick_leave)
    client = token_client(by=users["hr"])
    response = client.post(
        url(report, "approve"), {}, format="json", HTTP_IF_MATCH=f'"{report.version}"'
    )
    assert response.status_code == 403
    assert TertialReport.objects.get(pk=report.pk).state == "submitted"


def test_rounds_are_readable_and_progress_is_for_hr(units, users, sick_leave):
    submitted(units, users, sick_leave)
    round_ = services.round_open(year=2024, tertial=2, by=users["hr"])

    hr = client_of(users["hr"]).get(ROUNDS)
    assert hr.status_code == 200
    first = hr.json()["results"][0]
    assert (first["year"], first["tertial"], first["state"]) == (2024, 2, "open")
    assert first["progress"][0] == {
        "unit": None,
        "units": 4,
        "delivered": 1,
        "approved": 0,
        "drafts": 0,
        "not_started": 3,
    }
    for who in ["leader", "representative", "nobody"]:
        response = client_of(users[who]).get(f"{ROUNDS}{round_.pk}/")
        assert response.status_code == 200
        assert response.json()["progress"] is None
        assert response.json()["deadline"] == round_.deadline.isoformat()
    assert APIClient().get(ROUNDS).status_code in (401, 403)
    limited = token_client(by=users["hr"], units=[units["SH"]])
    assert limited.get(ROUNDS).json()["results"][0]["progress"] is None
