"""The workflow's guards, attacked: no submission before the round opens, no review of
one's own report, nothing reviewed in a closed round, one open round whatever is opened,
and hostile form and API input answered without a 500.

Each test is what someone trying to get round the rule would do; each fails when its
rule in ``plans.services`` is switched off.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api.models import ApiToken
from api.services import token_create
from measures import periods as P
from measures.models import HealthDataAccess
from org import roles
from org.models import OrgUnit, RoleAssignment
from org.services import orgunit_tree_rebuild
from plans import services as plans
from plans.models import ReportEvent, TertialReport, TertialRound
from strategi.celery import app as celery_app
from tests import factories
from tests.plans.test_rounds import store_month_value

pytestmark = pytest.mark.django_db

YEAR, TERTIAL = 2026, 2


@pytest.fixture
def tree(db) -> dict[str, OrgUnit]:
    """K → HV → SH, and K → OK."""
    units: dict[str, OrgUnit] = {}
    for code, parent, level in [
        ("K", None, OrgUnit.Level.MUNICIPALITY),
        ("HV", "K", OrgUnit.Level.SERVICE_AREA),
        ("SH", "HV", OrgUnit.Level.ENTERPRISE),
        ("OK", "K", OrgUnit.Level.SERVICE_AREA),
    ]:
        units[code] = OrgUnit.objects.create(
            code=code, name=code, level=level, parent=units.get(parent) if parent else None
        )
    orgunit_tree_rebuild()
    return units


@pytest.fixture
def people(tree):
    return {
        "hr": factories.user_with_role("hr-user", roles.HR),
        "leader": factories.user_with_role("sh-leader", roles.LEADER, tree["SH"]),
        "above": factories.user_with_role("hv-leader", roles.LEADER, tree["HV"]),
    }


def draft(unit: OrgUnit, by) -> TertialReport:
    return plans.report_get_or_create(unit=unit, year=YEAR, tertial=TERTIAL, by=by)


# --- No submission before the round opens --------------------------------------------------


def test_a_report_cannot_be_submitted_before_its_round_opens(tree, people):
    report = draft(tree["SH"], people["leader"])

    with pytest.raises(plans.RoundNotOpenError):
        plans.report_submit(report=report, by=people["leader"], version=report.version)

    report.refresh_from_db()
    assert report.state == TertialReport.State.DRAFT
    assert not ReportEvent.objects.exists()


def test_the_form_offers_no_submit_before_the_round_and_a_forged_post_submits_nothing(
    client, tree, people
):
    report = draft(tree["SH"], people["leader"])
    client.force_login(people["leader"])
    url = reverse("plans:tertial-report-edit", args=["SH", YEAR, TERTIAL])
    submit_url = reverse("plans:tertial-report-submit", args=["SH", YEAR, TERTIAL])
    confirm_url = reverse("plans:tertial-report-confirm", args=["SH", YEAR, TERTIAL])

    page = client.get(url).content.decode()
    assert submit_url not in page
    assert "when the round for this tertial opens" in page or "runden for tertialet" in page

    # The draft is saved, but the leader is not sent on to the confirmation.
    saved = client.post(submit_url, {"version": report.version, "summary": "Utkast"})
    assert saved.status_code == 302 and saved.url == url
    # Straight to the confirmation with a forged version: still nothing submitted.
    report.refresh_from_db()
    forged = client.post(confirm_url, {"version": report.version})
    assert forged.status_code == 302 and forged.url == url
    assert client.get(confirm_url).status_code == 302

    report.refresh_from_db()
    assert report.state == TertialReport.State.DRAFT
    assert report.summary == "Utkast"
    assert not ReportEvent.objects.exists()


def test_the_api_refuses_a_submission_before_the_round_with_409(tree, people):
    report = draft(tree["SH"], people["leader"])
    _token, key = token_create(
        name="leader", by=people["hr"], can_write=True, user=people["leader"]
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    response = api.post(
        f"/api/v1/tertial-reports/{report.pk}/submit/",
        {"version": report.version},
        format="json",
    )

    assert response.status_code == 409, response.content
    assert "round" in response.json()["detail"] or "runde" in response.json()["detail"]
    report.refresh_from_db()
    assert report.state == TertialReport.State.DRAFT
    assert ApiToken.objects.count() == 1


# --- No one reviews their own report -------------------------------------------------------


def test_a_leader_of_the_unit_and_of_the_one_above_cannot_approve_their_own_report(tree, people):
    both = people["above"]
    RoleAssignment.objects.create(user=both, unit=tree["SH"], role=RoleAssignment.Role.LEADER)
    factories.round_opened(YEAR, TERTIAL)
    report = draft(tree["SH"], both)
    report = plans.report_submit(report=report, by=both, version=report.version)

    with pytest.raises(plans.OwnReportError):
        plans.report_approve(report=report, by=both, version=report.version)
    with pytest.raises(plans.OwnReportError):
        plans.report_return(report=report, by=both, version=report.version, comment="Nei")

    report.refresh_from_db()
    assert report.state == TertialReport.State.SUBMITTED
    assert report.reviewed_by is None


def test_a_leader_of_the_unit_cannot_approve_a_co_leaders_report(tree, people):
    both = people["above"]
    RoleAssignment.objects.create(user=both, unit=tree["SH"], role=RoleAssignment.Role.LEADER)
    factories.round_opened(YEAR, TERTIAL)
    report = draft(tree["SH"], people["leader"])
    report = plans.report_submit(report=report, by=people["leader"], version=report.version)

    with pytest.raises(plans.OwnReportError):
        plans.report_approve(report=report, by=both, version=report.version)
    report.refresh_from_db()
    assert report.state == TertialReport.State.SUBMITTED


def test_hr_who_submitted_a_report_cannot_approve_it_but_another_hr_can(tree, people):
    factories.round_opened(YEAR, TERTIAL)
    report = draft(tree["SH"], people["hr"])
    report = plans.report_submit(report=report, by=people["hr"], version=report.version)

    with pytest.raises(plans.OwnReportError):
        plans.report_approve(report=report, by=people["hr"], version=report.version)

    other_hr = factories.user_with_role("hr-2", roles.HR)
    approved = plans.report_approve(report=report, by=other_hr, version=report.version)
    assert approved.state == TertialReport.State.APPROVED


def test_the_review_page_and_the_api_refuse_ones_own_report(client, tree, people):
    both = people["above"]
    RoleAssignment.objects.create(user=both, unit=tree["SH"], role=RoleAssignment.Role.LEADER)
    factories.round_opened(YEAR, TERTIAL)
    report = draft(tree["SH"], both)
    report = plans.report_submit(report=report, by=both, version=report.version)
    client.force_login(both)
    review = reverse("plans:review", args=["HV", YEAR, TERTIAL])

    page = client.get(review).content.decode()
    approve_url = reverse("plans:review-approve", args=["HV", YEAR, TERTIAL, report.pk])
    assert approve_url not in page
    forged = client.post(approve_url, {f"a{report.pk}-version": report.version})
    assert forged.status_code == 403

    _token, key = token_create(name="both", by=people["hr"], can_write=True, user=both)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    response = api.post(
        f"/api/v1/tertial-reports/{report.pk}/approve/",
        {"version": report.version},
        format="json",
    )
    assert response.status_code == 403, response.content

    report.refresh_from_db()
    assert report.state == TertialReport.State.SUBMITTED


# --- Closed rounds, reopening --------------------------------------------------------------


def test_nothing_is_approved_or_returned_in_a_closed_round(tree, people):
    round_ = factories.round_opened(YEAR, TERTIAL)
    report = draft(tree["SH"], people["leader"])
    report = plans.report_submit(report=report, by=people["leader"], version=report.version)
    plans.round_close(round_=round_, by=people["hr"], version=round_.version)

    with pytest.raises(plans.RoundClosedError):
        plans.report_approve(report=report, by=people["above"], version=report.version)
    with pytest.raises(plans.RoundClosedError):
        plans.report_return(report=report, by=people["above"], version=report.version, comment="x")
    report.refresh_from_db()
    assert report.state == TertialReport.State.SUBMITTED


def test_reopening_forgets_the_earlier_review(tree, people):
    factories.round_opened(YEAR, TERTIAL)
    report = draft(tree["SH"], people["leader"])
    report = plans.report_submit(report=report, by=people["leader"], version=report.version)
    report = plans.report_approve(
        report=report, by=people["above"], version=report.version, comment="Fint"
    )

    reopened = plans.report_reopen(report=report, by=people["hr"])

    assert reopened.state == TertialReport.State.DRAFT
    assert (reopened.reviewed_at, reopened.reviewed_by, reopened.review_comment) == (None, None, "")


# --- One open round, for ended tertials only -----------------------------------------------


def test_a_round_does_not_open_for_the_running_tertial(tree, people):
    year, tertial = P.tertial_of(timezone.localdate())

    with pytest.raises(ValidationError):
        plans.round_open(year=year, tertial=tertial, by=people["hr"])
    assert not TertialRound.objects.exists()


def test_opening_an_older_round_closes_the_newer_one(tree, people):
    plans.round_open(year=2026, tertial=2, by=people["hr"])
    plans.round_open(year=2026, tertial=1, by=people["hr"])

    assert list(
        TertialRound.objects.filter(state=TertialRound.State.OPEN).values_list("year", "tertial")
    ) == [(2026, 1)]


def test_the_rounds_page_offers_only_ended_tertials_with_figures(client, tree, people):
    today = timezone.localdate()
    last = P.last_ended_tertial(today)
    before = P.tertial_before(*last)
    end = P.tertial(*last).end
    store_month_value(tree["K"], end.year, end.month)  # only the last ended tertial
    client.force_login(people["hr"])

    page = client.get(reverse("plans:rounds")).content.decode()

    assert f'value="{last[0]}-T{last[1]}"' in page
    running = P.tertial_of(today)
    assert f'value="{running[0]}-T{running[1]}"' not in page
    assert f'value="{before[0]}-T{before[1]}"' not in page
    forged = client.post(reverse("plans:round-open"), {"tertial": f"{running[0]}-T{running[1]}"})
    assert forged.status_code == 400
    assert not TertialRound.objects.exists()


# --- The area's summary --------------------------------------------------------------------


def test_a_unit_with_no_reporting_unit_below_has_no_area_summary(tree, people):
    with pytest.raises(ValidationError):
        plans.area_summary_save(
            unit=tree["SH"], year=YEAR, tertial=TERTIAL, by=people["leader"], version=0, text="x"
        )
    summary = plans.area_summary_save(
        unit=tree["HV"], year=YEAR, tertial=TERTIAL, by=people["above"], version=0, text="Bra"
    )
    assert summary.text == "Bra"


# --- Hostile input, never a 500 -------------------------------------------------------------


@pytest.mark.parametrize("key", ["x" * 101, "a b", "<script>", "æøå"])
def test_a_forged_submission_key_is_a_400_on_save_and_confirm(client, tree, people, key):
    factories.round_opened(YEAR, TERTIAL)
    report = draft(tree["SH"], people["leader"])
    client.force_login(people["leader"])
    edit = reverse("plans:tertial-report-edit", args=["SH", YEAR, TERTIAL])
    confirm = reverse("plans:tertial-report-confirm", args=["SH", YEAR, TERTIAL])

    saved = client.post(edit, {"version": report.version, "summary": "x", "submission": key})
    confirmed = client.post(confirm, {"version": report.version, "submission": key})

    assert (saved.status_code, confirmed.status_code) == (400, 400)
    report.refresh_from_db()
    assert (report.state, report.summary) == (TertialReport.State.DRAFT, "")


@pytest.mark.parametrize("field", ["prioritised_actions", "comments"])
def test_an_action_id_beyond_the_database_integer_is_a_400(tree, people, field):
    report = draft(tree["SH"], people["leader"])
    _token, key = token_create(
        name="leader", by=people["hr"], can_write=True, user=people["leader"]
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    huge = 2**63
    body = (
        {"prioritised_actions": [huge]}
        if field == "prioritised_actions"
        else {"comments": [{"indicator": "sick_leave", "actions": [huge]}]}
    )

    response = api.patch(
        f"/api/v1/tertial-reports/{report.pk}/",
        body,
        format="json",
        HTTP_IF_MATCH=f'"{report.version}"',
    )

    assert response.status_code == 400, response.content


# --- Who is told, who looked -----------------------------------------------------------------


def test_a_top_units_submitted_report_is_told_to_hr(
    tree, people, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    people["hr"].email = "hr@example.no"
    people["hr"].save(update_fields=["email"])
    top_leader = factories.user_with_role("k-leader", roles.LEADER, tree["K"])
    factories.round_opened(YEAR, TERTIAL)
    report = draft(tree["K"], top_leader)

    with django_capture_on_commit_callbacks(execute=True):
        plans.report_submit(report=report, by=top_leader, version=report.version)

    assert [m.to for m in mailoutbox] == [["hr@example.no"]]


def test_the_confirmation_page_records_who_looked_at_the_figures(client, tree, people):
    factories.round_opened(YEAR, TERTIAL)
    draft(tree["SH"], people["leader"])
    client.force_login(people["leader"])

    response = client.get(reverse("plans:tertial-report-confirm", args=["SH", YEAR, TERTIAL]))

    assert response.status_code == 200
    assert HealthDataAccess.objects.filter(user=people["leader"], scope="SH").exists()


def test_round_opened_helper_leaves_a_closed_round_of_another_tertial_alone(tree, people):
    other = TertialRound.objects.create(
        year=2025,
        tertial=3,
        state=TertialRound.State.CLOSED,
        opened_at=timezone.now(),
        deadline=timezone.localdate() + dt.timedelta(days=1),
    )
    factories.round_opened(YEAR, TERTIAL)
    other.refresh_from_db()
    assert other.state == TertialRound.State.CLOSED
