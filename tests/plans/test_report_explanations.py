"""Required explanations: a missed (or, by setting, near) indicator blocks the submission.

SH's sick leave in 2024-T2 is *near* its target and K's is *missed* (dashboard_data), so
SH needs an explanation only when ``REPORT_EXPLAIN_STATUSES`` includes "near".
"""

import re

import pytest

from measures.models import Indicator
from plans import services
from plans.models import ReportEvent, TertialReport
from tests import factories
from tests.dashboards.dashboard_data import build_municipality
from tests.dashboards.test_dashboard import text_of

from .report_helpers import plan_with_action, role_users

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rounds_open(db):
    """The reports here are submitted in their tertial's open round (the rule that needs
    the round is attacked in tests/plans/test_review_guards.py)."""
    factories.round_opened(2024, 2)


EDIT = "/tertialrapporter/SH/2024/T2/"
SUBMIT = "/tertialrapporter/SH/2024/T2/send/"
CONFIRM = "/tertialrapporter/SH/2024/T2/bekreft/"


@pytest.fixture
def units():
    return build_municipality()


@pytest.fixture
def users(django_user_model, units):
    return role_users(django_user_model, units)


@pytest.fixture
def sick_leave(units):
    return Indicator.objects.get(slug="sick_leave_pct")


@pytest.fixture
def near_counts(settings):
    settings.REPORT_EXPLAIN_STATUSES = ["missed", "near"]


def draft(unit, by, *, comments=None, actions=None, reasons=None):
    report = services.report_get_or_create(unit=unit, year=2024, tertial=2, by=by)
    return services.report_save(
        report=report,
        by=by,
        version=report.version,
        summary="",
        comments=comments or {},
        prioritised_action_ids=[],
        indicator_action_ids=actions or {},
        no_action_reasons=reasons or {},
    )


# --- The service ------------------------------------------------------------------------


def test_a_missed_indicator_unexplained_is_refused_and_nothing_is_written(units, users, sick_leave):
    report = draft(units["K"], users["hr"])

    with pytest.raises(services.UnexplainedError) as refused:
        services.report_submit(report=report, by=users["hr"], version=report.version)

    assert set(refused.value.message_dict) == {
        f"comment_{sick_leave.pk}",
        f"actions_{sick_leave.pk}",
    }
    stored = TertialReport.objects.get(pk=report.pk)
    assert (stored.state, stored.version, stored.submitted_at) == ("draft", report.version, None)
    assert not ReportEvent.objects.exists()


def test_a_comment_alone_is_not_enough_and_a_reason_for_no_action_is(units, users, sick_leave):
    report = draft(units["K"], users["hr"], comments={sick_leave.pk: "Influensa"})
    with pytest.raises(services.UnexplainedError) as refused:
        services.report_submit(report=report, by=users["hr"], version=report.version)
    assert set(refused.value.message_dict) == {f"actions_{sick_leave.pk}"}

    report = services.report_save(
        report=report,
        by=users["hr"],
        version=report.version,
        summary="",
        comments={sick_leave.pk: "Influensa"},
        prioritised_action_ids=[],
        no_action_reasons={sick_leave.pk: "Forbigående"},
    )
    submitted = services.report_submit(report=report, by=users["hr"], version=report.version)

    assert submitted.state == "submitted"
    assert ReportEvent.objects.get().kind == "submitted"


def test_near_is_explained_only_when_the_setting_says_so(units, users, settings, sick_leave):
    report = draft(units["SH"], users["leader"])
    settings.REPORT_EXPLAIN_STATUSES = ["missed", "near"]
    with pytest.raises(services.UnexplainedError):
        services.report_submit(report=report, by=users["leader"], version=report.version)
    assert TertialReport.objects.get().state == "draft"

    settings.REPORT_EXPLAIN_STATUSES = ["missed"]
    submitted = services.report_submit(report=report, by=users["leader"], version=report.version)

    assert submitted.state == "submitted"


# --- The form ---------------------------------------------------------------------------


def form_data(sick_leave, *, version=1, comment="", actions=(), reason=""):
    return {
        "version": version,
        "summary": "Oppsummering",
        f"comment_{sick_leave.pk}": comment,
        f"actions_{sick_leave.pk}": [a.pk for a in actions],
        f"no_action_reason_{sick_leave.pk}": reason,
        "prioritised_actions": [],
    }


def test_the_form_marks_rows_that_must_be_explained(client, users, sick_leave, near_counts):
    client.force_login(users["leader"])

    page = text_of(client.get(EDIT).content.decode())

    assert "Må forklares: målet er nesten nådd" in page
    assert "Ingen tiltak, fordi …" in page


def test_submit_with_a_missing_explanation_saves_the_draft_and_says_what_is_missing(
    client, users, units, sick_leave, near_counts
):
    action = plan_with_action(units["SH"], 2024)
    client.force_login(users["leader"])

    response = client.post(SUBMIT, form_data(sick_leave))

    assert response.status_code == 400
    page = response.content.decode()
    pk = sick_leave.pk
    # Each problem next to its field, linked by aria-describedby, and in the summary.
    assert re.search(
        rf'<textarea name="comment_{pk}"[^>]*aria-describedby="[^"]*id_comment_{pk}_error', page
    )
    assert re.search(rf'<fieldset aria-describedby="id_actions_{pk}_error"', page)
    assert f'id="id_comment_{pk}_error"' in page
    assert f'href="#id_comment_{pk}"' in page
    assert f'href="#id_actions_{pk}_0"' in page
    assert "Sykefravær har ikke nådd målet: forklar hvorfor i en kommentar." in text_of(page)
    report = TertialReport.objects.get()
    assert (report.state, report.summary) == ("draft", "Oppsummering")  # the draft is kept

    # With a comment but no action, only the action is asked for.
    response = client.post(SUBMIT, form_data(sick_leave, version=2, comment="Influensa"))
    assert response.status_code == 400
    assert f'href="#id_comment_{pk}"' not in response.content.decode()
    assert f'href="#id_actions_{pk}_0"' in response.content.decode()

    response = client.post(
        SUBMIT, form_data(sick_leave, version=3, comment="Influensa", actions=[action])
    )
    assert (response.status_code, response["Location"]) == (302, CONFIRM)
    confirm = text_of(client.get(CONFIRM).content.decode())
    assert "Influensa" in confirm and "Heltidskultur" in confirm
    assert TertialReport.objects.get().state == "draft"

    response = client.post(CONFIRM, {"version": 4, "submission": "k1"})
    assert response.status_code == 302
    assert TertialReport.objects.get().state == "submitted"
    assert ReportEvent.objects.filter(kind="submitted").count() == 1

    # The same confirmation again (a double click) submits nothing more.
    response = client.post(CONFIRM, {"version": 4, "submission": "k1"})
    assert response.status_code == 302
    assert ReportEvent.objects.filter(kind="submitted").count() == 1


def test_without_actions_in_the_plan_the_reason_is_asked_for(
    client, users, sick_leave, near_counts
):
    client.force_login(users["leader"])

    response = client.post(SUBMIT, form_data(sick_leave, comment="Influensa"))

    page = response.content.decode()
    assert response.status_code == 400
    assert f'href="#id_no_action_reason_{sick_leave.pk}"' in page
    response = client.post(
        SUBMIT, form_data(sick_leave, version=2, comment="Influensa", reason="Forbigående")
    )
    assert response.status_code == 302


def test_a_confirmation_of_a_report_that_lost_its_explanation_is_refused(
    client, users, units, sick_leave, near_counts
):
    """The confirm POST checks again: what is stored then is what counts."""
    client.force_login(users["leader"])
    report = draft(units["SH"], users["leader"], reasons={sick_leave.pk: "x"})

    response = client.post(CONFIRM, {"version": report.version})

    assert response.status_code == 400
    assert f'href="#id_comment_{sick_leave.pk}"' in response.content.decode()
    assert TertialReport.objects.get().state == "draft"
    assert not ReportEvent.objects.exists()


@pytest.mark.parametrize("who", ["other_leader", "representative", "nobody"])
def test_others_may_not_confirm(client, users, units, who):
    report = draft(units["SH"], users["leader"])
    client.force_login(users[who])

    assert client.get(CONFIRM).status_code == 403
    assert client.post(CONFIRM, {"version": report.version}).status_code == 403
    assert TertialReport.objects.get().state == "draft"


def test_the_confirmation_page_has_bounded_queries(
    client, users, units, django_assert_max_num_queries
):
    plan_with_action(units["SH"], 2024)
    draft(units["SH"], users["leader"])
    client.force_login(users["leader"])
    # With the round's state, the access log's record and the representatives' part.
    with django_assert_max_num_queries(19):
        assert client.get(CONFIRM).status_code == 200


# --- The states -------------------------------------------------------------------------


def submitted(units, users):
    report = draft(units["SH"], users["leader"])
    return services.report_submit(report=report, by=users["leader"], version=report.version)


def test_a_returned_report_shows_the_comment_and_is_editable(client, users, units):
    report = submitted(units, users)
    services.report_return(report=report, by=users["hr"], version=report.version, comment="Mer")
    client.force_login(users["leader"])

    page = client.get(EDIT).content.decode()

    assert "Sendt tilbake for endring" in text_of(page)
    assert "Sendt tilbake av hr-user" in text_of(page)
    assert "Mer" in text_of(page)
    assert "<textarea" in page


def test_a_submitted_report_waits_for_review_read_only(client, users, units):
    submitted(units, users)
    client.force_login(users["leader"])

    page = client.get(EDIT).content.decode()

    assert "venter på gjennomgang" in text_of(page)
    assert "<textarea" not in page
    assert client.get(CONFIRM).status_code == 302  # nothing to confirm


def test_an_approved_report_says_who_approved_it(client, users, units):
    report = submitted(units, users)
    services.report_approve(report=report, by=users["hr"], version=report.version)
    client.force_login(users["leader"])

    page = client.get(EDIT).content.decode()

    assert "Godkjent av hr-user" in text_of(page)
    assert "<textarea" not in page


def test_a_closed_round_is_read_only_and_says_why(client, users, units):
    draft(units["SH"], users["leader"])
    found = services.round_open(year=2024, tertial=2, by=users["hr"])
    services.round_close(round_=found, by=users["hr"], version=found.version)
    client.force_login(users["leader"])

    page = client.get(EDIT).content.decode()

    assert "Runden for dette tertialet er avsluttet" in text_of(page)
    assert "<textarea" not in page


@pytest.mark.parametrize("n_actions", [1, 6])
def test_the_form_with_actions_and_errors_has_bounded_queries(
    client, users, units, sick_leave, near_counts, django_assert_max_num_queries, n_actions
):
    """The same bound with one action in the plan as with six."""
    for n in range(n_actions):
        plan_with_action(units["SH"], 2024, title=f"Tiltak {n}")
    client.force_login(users["leader"])
    with django_assert_max_num_queries(22):
        assert client.get(EDIT).status_code == 200
    client.post(EDIT, form_data(sick_leave))
    with django_assert_max_num_queries(56):  # with the round's state and the remarks
        assert client.post(SUBMIT, form_data(sick_leave, version=2)).status_code == 400


def test_the_lists_show_the_four_states_as_text(client, users, units):
    report = submitted(units, users)
    services.report_return(report=report, by=users["hr"], version=report.version, comment="Mer")
    client.force_login(users["hr"])

    missing = text_of(
        client.get("/tertialrapporter/mangler/", {"tertial": "2024-T2"}).content.decode()
    )

    # A returned report is not delivered: it is still missing, with its state in words.
    assert "↩ Sendt tilbake for endring" in missing
    report.refresh_from_db()
    report = services.report_submit(report=report, by=users["leader"], version=report.version)
    services.report_approve(report=report, by=users["hr"], version=report.version)
    listing = text_of(client.get("/dashboard/?expand=all").content.decode())
    assert "✓✓ Godkjent" in listing
