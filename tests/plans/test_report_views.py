"""Tertial report pages: the permission table, the form, conflicts, read-only, reopen."""

import re

import pytest
from django.urls import reverse

from measures.models import Indicator
from plans.models import IndicatorComment, TertialReport
from tests import factories
from tests.dashboards.dashboard_data import build_municipality
from tests.dashboards.test_dashboard import text_of

from .report_helpers import plan_with_action, role_users, submitted_report

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rounds_open(db):
    """The reports here are submitted in their tertial's open round (the rule that needs
    the round is attacked in tests/plans/test_review_guards.py)."""
    factories.round_opened(2024, 2)


EDIT = "/tertialrapporter/SH/2024/T2/"
SUBMIT = "/tertialrapporter/SH/2024/T2/send/"
CONFIRM = "/tertialrapporter/SH/2024/T2/bekreft/"
REOPEN = "/tertialrapporter/SH/2024/T2/gjenapne/"
MISSING = "/tertialrapporter/mangler/"
LIST = "/tertialrapporter/"


@pytest.fixture
def units():
    return build_municipality()


@pytest.fixture
def users(django_user_model, units):
    return role_users(django_user_model, units)


@pytest.fixture
def sick_leave(units):
    return Indicator.objects.get(slug="sick_leave_pct")


def form_data(sick_leave, *, version=1, summary="Oppsummering", comment="Kommentar", actions=()):
    return {
        "version": version,
        "summary": summary,
        f"comment_{sick_leave.pk}": comment,
        "prioritised_actions": [a.pk for a in actions],
    }


def test_the_urls():
    assert reverse("plans:tertial-report-list") == LIST
    assert reverse("plans:missing-reports") == MISSING
    kwargs = {"unit_code": "SH", "year": 2024, "tertial": 2}
    assert reverse("plans:tertial-report-edit", kwargs=kwargs) == EDIT
    assert reverse("plans:tertial-report-submit", kwargs=kwargs) == SUBMIT
    assert reverse("plans:tertial-report-confirm", kwargs=kwargs) == CONFIRM
    assert reverse("plans:tertial-report-reopen", kwargs=kwargs) == REOPEN


# (role, action) → status; the leader leads SH, the other leader SK, the representative
# covers SH; every URL is about SH.
TABLE = {
    "view": {"hr": 200, "leader": 200, "other_leader": 403, "representative": 200, "nobody": 403},
    "save": {"hr": 302, "leader": 302, "other_leader": 403, "representative": 403, "nobody": 403},
    "submit": {
        "hr": 302,
        "leader": 302,
        "other_leader": 403,
        "representative": 403,
        "nobody": 403,
    },
    "reopen": {
        "hr": 302,
        "leader": 403,
        "other_leader": 403,
        "representative": 403,
        "nobody": 403,
    },
    "missing": {
        "hr": 200,
        "leader": 403,
        "other_leader": 403,
        "representative": 403,
        "nobody": 403,
    },
    "list": {"hr": 200, "leader": 200, "other_leader": 200, "representative": 200, "nobody": 403},
}
CASES = [(action, role, code) for action, by in TABLE.items() for role, code in by.items()]


def request(client, action, sick_leave):
    if action == "view":
        return client.get(EDIT)
    if action == "save":
        return client.post(EDIT, form_data(sick_leave))
    if action == "submit":
        return client.post(SUBMIT, form_data(sick_leave))
    if action == "reopen":
        return client.post(REOPEN)
    return client.get(MISSING if action == "missing" else LIST)


@pytest.mark.parametrize(("action", "role", "expected"), CASES)
def test_permission_table(client, units, users, sick_leave, action, role, expected):
    if action == "reopen":
        submitted_report(units["SH"], 2024, 2)
    client.force_login(users[role])

    response = request(client, action, sick_leave)

    assert response.status_code == expected
    if expected == 403 and action in {"save", "submit"}:
        assert TertialReport.objects.count() == 0
    if expected == 403 and action == "reopen":
        assert TertialReport.objects.get().state == "submitted"


@pytest.mark.parametrize("action", list(TABLE))
def test_anonymous_users_go_to_the_login_page(client, units, sick_leave, action):
    if action == "reopen":
        submitted_report(units["SH"], 2024, 2)

    response = request(client, action, sick_leave)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert TertialReport.objects.filter(state="draft").count() == 0


def test_unknown_units_and_tertials_are_404(client, users):
    client.force_login(users["hr"])

    for url in [
        "/tertialrapporter/NOPE/2024/T2/",
        "/tertialrapporter/SH/2024/T4/",
        "/tertialrapporter/SH/2999/T1/",
    ]:
        assert client.get(url).status_code == 404


def test_the_form_shows_value_target_and_status_with_a_comment_field(client, users, units):
    client.force_login(users["leader"])

    response = client.get(EDIT)

    page = response.content.decode()
    text = text_of(page)
    assert "Tertialrapport: Sykehjemmet, 2. tertial 2024" in text
    assert "Verdi: 11,1 % ● Nær mål < 11 %" in text
    assert re.search(r'<textarea name="comment_\d+"', page)
    assert '<input type="hidden" name="version" value="1"' in page
    assert "Enheten har ingen handlingsplan for 2024." in text
    assert 'href="/plans/SH/2024/"' in page
    assert TertialReport.objects.count() == 0  # opening the form writes nothing


def test_a_leader_saves_then_submits_and_the_report_is_read_only(client, users, units, sick_leave):
    action = plan_with_action(units["SH"], 2024)
    client.force_login(users["leader"])

    response = client.post(EDIT, form_data(sick_leave, actions=[action]))
    assert response.status_code == 302
    report = TertialReport.objects.get()
    assert (report.state, report.version, report.summary) == ("draft", 2, "Oppsummering")
    assert list(report.prioritised_actions.all()) == [action]

    response = client.post(SUBMIT, form_data(sick_leave, version=2, comment="Endelig"))
    assert (response.status_code, response["Location"]) == (302, CONFIRM)
    report.refresh_from_db()
    assert (report.state, report.version) == ("draft", 3)  # saved, not yet submitted
    assert "Bekreft og send inn" in client.get(CONFIRM).content.decode()

    response = client.post(CONFIRM, {"version": 3})
    assert response.status_code == 302

    report.refresh_from_db()
    assert (report.state, report.submitted_by) == ("submitted", users["leader"])
    assert IndicatorComment.objects.get().text == "Endelig"
    page = client.get(EDIT).content.decode()
    assert "Sendt inn av leader" in text_of(page)
    assert "<textarea" not in page
    assert "Gjenåpne" not in page


def test_a_second_save_from_an_old_form_is_a_conflict_and_keeps_the_first(
    client, users, units, sick_leave
):
    client.force_login(users["leader"])
    client.post(EDIT, form_data(sick_leave, summary="Første"))

    response = client.post(EDIT, form_data(sick_leave, summary="Andre"))

    assert response.status_code == 409
    page = response.content.decode()
    assert "Noen andre har lagret denne rapporten mens du skrev" in page
    assert "Andre</textarea>" in page  # the user's text is still in the form
    assert TertialReport.objects.get().summary == "Første"


def test_saving_a_submitted_report_is_refused(client, users, units, sick_leave):
    submitted_report(units["SH"], 2024, 2)
    client.force_login(users["leader"])

    response = client.post(EDIT, form_data(sick_leave))

    assert response.status_code == 409
    assert "Rapporten er sendt inn og kan ikke lenger endres." in response.content.decode()
    assert TertialReport.objects.get().summary == ""


def test_an_action_outside_the_plan_is_a_form_error(client, users, units, sick_leave):
    other = plan_with_action(units["SK"], 2024)
    plan_with_action(units["SH"], 2024)
    client.force_login(users["leader"])

    response = client.post(EDIT, form_data(sick_leave, actions=[other]))

    assert response.status_code == 400
    assert TertialReport.objects.filter(summary="Oppsummering").count() == 0


def test_hr_sees_reopen_and_reopens(client, users, units):
    submitted_report(units["SH"], 2024, 2, by=users["leader"])
    client.force_login(users["hr"])
    assert "Gjenåpne" in client.get(EDIT).content.decode()

    response = client.post(REOPEN)

    assert response.status_code == 302
    assert TertialReport.objects.get().state == "draft"


def test_the_representative_reads_without_a_form(client, users, units):
    client.force_login(users["representative"])

    page = client.get(EDIT).content.decode()

    # The report is not theirs to edit: their only form is their own remark.
    forms = re.findall(r'<form method="post" action="(/tertialrapporter/[^"]+)"', page)
    assert forms == [EDIT + "merknader/"]
    assert re.findall(r'<textarea[^>]*name="([^"]+)"', page) == ["text"]


def test_the_list_shows_the_users_units(client, users):
    client.force_login(users["leader"])

    page = client.get(LIST).content.decode()

    assert "Sykehjemmet" in page
    assert "Skolen" not in page


def test_missing_reports_lists_units_without_a_submitted_report(client, users, units):
    submitted_report(units["SK"], 2024, 2)
    client.force_login(users["hr"])

    page = client.get(MISSING, {"tertial": "2024-T2"}).content.decode()

    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</tr>", page, re.DOTALL)
    assert [text_of(row) for row in rows] == ["Sykehjemmet (SH) leader ✗ Ikke påbegynt"]


def test_list_pages_have_bounded_queries(client, users, django_assert_max_num_queries):
    client.force_login(users["hr"])
    with django_assert_max_num_queries(12):
        client.get(LIST)
    with django_assert_max_num_queries(10):
        client.get(MISSING)
    with django_assert_max_num_queries(22):
        client.get(EDIT)
