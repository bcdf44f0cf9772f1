"""Review up the tree: the review page, approve/return, the area's summary, the rounds page.

The municipality: K > HV > SH > SH1, K > OU > SK. The leader leads SH, the other leader SK,
the representative covers SH; the area leader leads HV (above SH), the department leader
leads SH1 (below SH).
"""

import datetime as dt

import pytest
from django.urls import reverse
from simple_history.utils import get_history_model_for_model

from measures.models import Indicator
from org import roles
from org.models import OrgUnit
from plans import services
from plans.models import AreaSummary, ReportEvent, TertialReport, TertialRound
from tests import factories
from tests.dashboards.dashboard_data import build_municipality, user_with_role

from .report_helpers import role_users

pytestmark = pytest.mark.django_db

PAGE = "/tertialrapporter/gjennomgang/HV/2024/T2/"
INDEX = "/tertialrapporter/gjennomgang/"
ROUNDS = "/tertialrapporter/runder/"


@pytest.fixture
def units():
    return build_municipality()


@pytest.fixture
def users(django_user_model, units):
    found = role_users(django_user_model, units)
    found["area_leader"] = user_with_role(django_user_model, "area", roles.LEADER, units["HV"])
    found["department_leader"] = user_with_role(
        django_user_model, "dept", roles.LEADER, units["SH1"]
    )
    return found


@pytest.fixture
def sick_leave(units):
    return Indicator.objects.get(slug="sick_leave_pct")


def submitted(units, users, sick_leave, unit="SH", leader="leader"):
    """The unit's 2024-T2 report, explained and submitted by its leader in the open round."""
    by = users[leader]
    factories.round_opened(2024, 2)
    report = services.report_get_or_create(unit=units[unit], year=2024, tertial=2, by=by)
    report = services.report_save(
        report=report,
        by=by,
        version=report.version,
        summary="Et krevende tertial",
        comments={sick_leave.pk: "Én langtidssykemeldt."},
        prioritised_action_ids=[],
        no_action_reasons={sick_leave.pk: "Sykemeldingen er ikke arbeidsrelatert."},
    )
    return services.report_submit(report=report, by=by, version=report.version)


def decide_url(report, decision):
    name = "plans:review-approve" if decision == "approve" else "plans:review-return"
    return reverse(name, kwargs={"unit_code": "HV", "year": 2024, "tertial": 2, "pk": report.pk})


def test_the_urls():
    kwargs = {"unit_code": "HV", "year": 2024, "tertial": 2}
    assert reverse("plans:review", kwargs=kwargs) == PAGE
    assert reverse("plans:review-index") == INDEX
    assert reverse("plans:rounds") == ROUNDS
    assert reverse("plans:area-summary", kwargs=kwargs) == PAGE + "oppsummering/"


# --- Services: who may review, which transitions ---------------------------------------------


@pytest.mark.parametrize(
    "who", ["leader", "other_leader", "representative", "department_leader", "nobody"]
)
@pytest.mark.parametrize("change", ["approve", "return"])
def test_only_the_leaders_above_and_hr_review(units, users, sick_leave, who, change):
    """The unit's own leader, a sibling's leader, a representative and a leader below may
    not review; nothing is written when they try."""
    report = submitted(units, users, sick_leave)
    events = ReportEvent.objects.count()
    history = report.history.count()
    act = services.report_approve if change == "approve" else services.report_return

    with pytest.raises(services.PermissionDenied):
        act(report=report, by=users[who], version=report.version, comment="Nei")

    report.refresh_from_db()
    assert (report.state, report.reviewed_by) == ("submitted", None)
    assert (ReportEvent.objects.count(), report.history.count()) == (events, history)


@pytest.mark.parametrize("who", ["area_leader", "hr"])
def test_the_leader_above_and_hr_approve(units, users, sick_leave, who):
    report = submitted(units, users, sick_leave)

    approved = services.report_approve(report=report, by=users[who], version=report.version)

    assert (approved.state, approved.reviewed_by) == ("approved", users[who])
    assert [e.kind for e in report.events.all()] == ["submitted", "approved"]
    assert report.history.first().state == "approved"


def test_a_return_needs_a_comment_and_the_leader_edits_and_resubmits(units, users, sick_leave):
    report = submitted(units, users, sick_leave)
    with pytest.raises(services.ValidationError) as refused:
        services.report_return(report=report, by=users["area_leader"], version=3, comment="  ")
    assert "comment" in refused.value.message_dict
    report.refresh_from_db()
    assert report.state == "submitted"

    returned = services.report_return(
        report=report, by=users["area_leader"], version=report.version, comment="Mer konkret"
    )
    assert (returned.state, returned.review_comment) == ("returned", "Mer konkret")

    saved = services.report_save(
        report=returned,
        by=users["leader"],
        version=returned.version,
        summary="Bedre",
        comments={sick_leave.pk: "Én langtidssykemeldt, nå med plan."},
        prioritised_action_ids=[],
    )
    again = services.report_submit(report=saved, by=users["leader"], version=saved.version)
    assert again.state == "submitted"
    assert [e.kind for e in again.events.all()] == ["submitted", "returned", "submitted"]


@pytest.mark.parametrize("state", ["draft", "returned", "approved"])
def test_only_a_submitted_report_is_reviewed(units, users, sick_leave, state):
    report = submitted(units, users, sick_leave)
    if state == "draft":
        report = services.report_reopen(report=report, by=users["hr"])
    elif state == "returned":
        report = services.report_return(
            report=report, by=users["hr"], version=report.version, comment="x"
        )
    else:
        report = services.report_approve(report=report, by=users["hr"], version=report.version)
    events = ReportEvent.objects.count()

    for act in (services.report_approve, services.report_return):
        with pytest.raises(services.ReportStateError):
            act(report=report, by=users["area_leader"], version=report.version, comment="x")

    assert TertialReport.objects.get(pk=report.pk).state == state
    assert ReportEvent.objects.count() == events


# --- The review page --------------------------------------------------------------------


PAGE_ACCESS = {
    "hr": 200,
    "area_leader": 200,
    "leader": 403,  # leads SH, below HV
    "other_leader": 403,
    "representative": 403,
    "department_leader": 403,
    "nobody": 403,
}


@pytest.mark.parametrize(("who", "status"), PAGE_ACCESS.items())
def test_who_opens_the_review_page(client, users, who, status):
    client.force_login(users[who])
    assert client.get(PAGE).status_code == status


def test_anonymous_users_log_in_first(client, units):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_page_shows_each_unit_below_with_its_explanations(client, units, users, sick_leave):
    submitted(units, users, sick_leave)
    client.force_login(users["area_leader"])

    text = client.get(PAGE).content.decode()

    assert "Sykehjemmet" in text and "Avdeling 1" in text
    assert "Én langtidssykemeldt." in text
    assert "Sykemeldingen er ikke arbeidsrelatert." in text
    assert "Et krevende tertial" in text
    assert text.count('action="/tertialrapporter/gjennomgang/HV/2024/T2/') >= 3


def test_the_leader_above_approves_on_the_page(client, units, users, sick_leave):
    report = submitted(units, users, sick_leave)
    client.force_login(users["area_leader"])

    response = client.post(
        decide_url(report, "approve"),
        {f"a{report.pk}-version": report.version, f"a{report.pk}-comment": "Bra"},
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.state, report.review_comment) == ("approved", "Bra")
    page = client.get(PAGE).content.decode()
    assert "Godkjent" in page and "«Bra»" in page  # the event log


def test_a_return_without_a_comment_is_refused_in_norwegian(client, units, users, sick_leave):
    report = submitted(units, users, sick_leave)
    client.force_login(users["area_leader"])

    response = client.post(
        decide_url(report, "return"),
        {f"r{report.pk}-version": report.version, f"r{report.pk}-comment": ""},
    )

    assert response.status_code == 400
    assert "Si hva lederen skal endre" in response.content.decode()
    report.refresh_from_db()
    assert report.state == "submitted"


def test_an_old_version_is_a_conflict_not_a_500(client, units, users, sick_leave):
    report = submitted(units, users, sick_leave)
    client.force_login(users["area_leader"])
    old = report.version
    services.report_approve(report=report, by=users["hr"], version=old)

    response = client.post(
        decide_url(report, "return"), {f"r{report.pk}-version": old, f"r{report.pk}-comment": "x"}
    )

    assert response.status_code == 409
    assert "Rapporten ble endret" in response.content.decode()
    assert TertialReport.objects.get(pk=report.pk).state == "approved"


@pytest.mark.parametrize("who", ["leader", "other_leader", "representative", "department_leader"])
def test_others_cannot_decide_on_the_page(client, units, users, sick_leave, who):
    report = submitted(units, users, sick_leave)
    client.force_login(users[who])

    response = client.post(decide_url(report, "approve"), {f"a{report.pk}-version": report.version})

    assert response.status_code == 403
    assert TertialReport.objects.get(pk=report.pk).state == "submitted"


def test_a_report_outside_the_area_is_not_found(client, units, users, sick_leave):
    """HR reviewing the OU page cannot decide on SH's report through it."""
    report = submitted(units, users, sick_leave)
    client.force_login(users["hr"])
    url = reverse(
        "plans:review-approve",
        kwargs={"unit_code": "OU", "year": 2024, "tertial": 2, "pk": report.pk},
    )

    assert client.post(url, {f"a{report.pk}-version": report.version}).status_code == 404
    assert TertialReport.objects.get(pk=report.pk).state == "submitted"


def test_the_area_summary_is_saved_with_its_version(client, units, users):
    client.force_login(users["area_leader"])
    url = PAGE + "oppsummering/"

    assert client.post(url, {"version": 0, "text": "Området går bra"}).status_code == 302
    summary = AreaSummary.objects.get(unit=units["HV"], year=2024, tertial=2)
    assert (summary.text, summary.version) == ("Området går bra", 1)
    conflict = client.post(url, {"version": 0, "text": "Annen tekst"})
    assert conflict.status_code == 409
    assert AreaSummary.objects.get(pk=summary.pk).text == "Området går bra"
    assert "Området går bra" in client.get(PAGE).content.decode()


def test_a_leader_below_cannot_write_the_area_summary(client, units, users):
    client.force_login(users["leader"])
    response = client.post(PAGE + "oppsummering/", {"version": 0, "text": "x"})
    assert response.status_code == 403
    assert not AreaSummary.objects.exists()


def test_the_index_redirects_to_the_one_reviewed_unit(client, units, users):
    services.round_open(year=2024, tertial=2, by=users["hr"])
    client.force_login(users["area_leader"])
    response = client.get(INDEX)
    assert response.status_code == 302 and response["Location"] == PAGE
    client.force_login(users["hr"])
    assert PAGE in client.get(INDEX).content.decode()


def test_the_report_list_links_to_the_review(client, users):
    client.force_login(users["area_leader"])
    assert INDEX in client.get("/tertialrapporter/").content.decode()
    client.force_login(users["other_leader"])
    assert INDEX not in client.get("/tertialrapporter/").content.decode()


@pytest.mark.parametrize("extra", [0, 12])
def test_the_review_page_has_bounded_queries(
    client, django_user_model, django_assert_max_num_queries, extra
):
    """The same number of queries with 12 more reporting departments (with reports)."""
    build_municipality(extra_departments=extra)
    hr = user_with_role(django_user_model, "hr-user", roles.HR)
    for n in range(extra):
        unit = OrgUnit.objects.get(code=f"SK{n:02d}")
        user_with_role(django_user_model, f"lead{n}", roles.LEADER, unit)
        services.report_get_or_create(unit=unit, year=2024, tertial=2, by=hr)
    client.force_login(hr)
    with django_assert_max_num_queries(24):
        response = client.get("/tertialrapporter/gjennomgang/K/2024/T2/")
    assert response.status_code == 200


# --- The rounds page ---------------------------------------------------------------------


@pytest.fixture(autouse=True)
def september_2024(monkeypatch):
    """The rounds page offers the tertials up to that of 15 September 2024."""
    monkeypatch.setattr("plans.views.rounds.timezone.localdate", lambda: dt.date(2024, 9, 15))


@pytest.mark.parametrize("who", ["area_leader", "leader", "representative", "nobody"])
def test_only_hr_sees_and_changes_rounds(client, users, who):
    client.force_login(users[who])
    assert client.get(ROUNDS).status_code == 403
    assert client.post(ROUNDS + "apne/", {"tertial": "2024-T2"}).status_code == 403
    assert not TertialRound.objects.exists()


def test_hr_opens_moves_and_closes_a_round(client, units, users, sick_leave):
    # The municipality's figures reach August 2024: the tertial is offered.
    client.force_login(users["hr"])

    assert client.post(ROUNDS + "apne/", {"tertial": "2024-T2"}).status_code == 302
    round_ = TertialRound.objects.get(year=2024, tertial=2)
    assert round_.opened_by == users["hr"]
    submitted(units, users, sick_leave)
    round_.refresh_from_db()
    text = client.get(ROUNDS).content.decode()
    assert "1 av 4 levert, 0 utkast, 3 ikke påbegynt" in text
    assert "Helse og velferd" in text and 'type="date"' in text

    new = (round_.opened_at + dt.timedelta(days=30)).date()
    moved = client.post(
        f"{ROUNDS}{round_.pk}/frist/", {"version": round_.version, "deadline": new.isoformat()}
    )
    assert moved.status_code == 302
    round_.refresh_from_db()
    assert round_.deadline == new
    stale = client.post(f"{ROUNDS}{round_.pk}/lukk/", {"version": round_.version - 1})
    assert stale.status_code == 409
    assert TertialRound.objects.get(pk=round_.pk).state == "open"
    closed = client.post(f"{ROUNDS}{round_.pk}/lukk/", {"version": round_.version})
    assert closed.status_code == 302
    assert TertialRound.objects.get(pk=round_.pk).state == "closed"
    history = get_history_model_for_model(TertialRound).objects.filter(id=round_.pk)
    assert history.count() == 3


def test_a_bad_deadline_is_refused_in_norwegian(client, users):
    round_ = services.round_open(year=2024, tertial=2, by=users["hr"])
    client.force_login(users["hr"])

    response = client.post(
        f"{ROUNDS}{round_.pk}/frist/", {"version": round_.version, "deadline": "2000-01-01"}
    )

    assert response.status_code == 400
    assert "Fristen kan ikke" in response.content.decode()
    assert TertialRound.objects.get(pk=round_.pk).deadline == round_.deadline


def test_a_tertial_not_begun_or_already_open_is_not_offered(client, users):
    services.round_open(year=2024, tertial=2, by=users["hr"])
    client.force_login(users["hr"])
    response = client.post(ROUNDS + "apne/", {"tertial": "2024-T2"})
    assert response.status_code == 400
    assert client.post(ROUNDS + "apne/", {"tertial": "2999-T1"}).status_code == 400
    assert TertialRound.objects.count() == 1


def test_the_rounds_page_shows_automatic_openings(client, users, django_assert_max_num_queries):
    services.round_open(year=2024, tertial=1, by=None)
    client.force_login(users["hr"])
    with django_assert_max_num_queries(12):
        text = client.get(ROUNDS).content.decode()
    assert "automatisk" in text
