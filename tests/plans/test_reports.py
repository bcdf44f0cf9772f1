"""Tertial report services and selectors: access, conflicts, submit/reopen, actions."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from measures import periods as P
from measures.models import Indicator
from measures.status import Status
from plans import selectors, services
from plans.models import IndicatorComment, TertialReport
from tests import factories
from tests.dashboards.dashboard_data import build_municipality

from .report_helpers import plan_with_action, role_users

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rounds_open(db):
    """The reports here are submitted in their tertial's open round (the rule that needs
    the round is attacked in tests/plans/test_review_guards.py)."""
    factories.round_opened(2024, 1)
    factories.round_opened(2024, 2)
    factories.round_opened(2024, 3)
    factories.round_opened(2025, 1)
    factories.round_opened(2025, 2)


@pytest.fixture
def units():
    return build_municipality()


@pytest.fixture
def users(django_user_model, units):
    return role_users(django_user_model, units)


@pytest.fixture
def sick_leave(units):
    return Indicator.objects.get(slug="sick_leave_pct")


def new_report(units, users):
    return services.report_get_or_create(unit=units["SH"], year=2024, tertial=2, by=users["leader"])


def save(report, by, *, version, summary="", comments=None, actions=()):
    return services.report_save(
        report=report,
        by=by,
        version=version,
        summary=summary,
        comments=comments or {},
        prioritised_action_ids=list(actions),
    )


def test_a_leader_creates_and_saves_a_draft(units, users, sick_leave):
    report = new_report(units, users)
    action = plan_with_action(units["SH"], 2024)

    saved = save(
        report,
        users["leader"],
        version=1,
        summary=" Bra tertial ",
        comments={sick_leave.pk: "Én langtidssykemeldt."},
        actions=[action.pk],
    )

    assert (saved.state, saved.version, saved.summary) == ("draft", 2, "Bra tertial")
    assert list(saved.prioritised_actions.all()) == [action]
    assert IndicatorComment.objects.get(report=saved).text == "Én langtidssykemeldt."


@pytest.mark.parametrize("who", ["other_leader", "representative", "nobody"])
def test_others_may_not_create_or_save(units, users, who):
    with pytest.raises(PermissionDenied):
        services.report_get_or_create(unit=units["SH"], year=2024, tertial=2, by=users[who])
    report = new_report(units, users)

    with pytest.raises(PermissionDenied):
        save(report, users[who], version=1, summary="x")

    report.refresh_from_db()
    assert (report.version, report.summary) == (1, "")


def test_a_save_with_an_old_version_is_a_conflict_and_changes_nothing(units, users, sick_leave):
    report = new_report(units, users)
    save(report, users["leader"], version=1, summary="Først", comments={sick_leave.pk: "A"})

    with pytest.raises(services.ConflictError):
        save(report, users["hr"], version=1, summary="Andre", comments={sick_leave.pk: "B"})

    report.refresh_from_db()
    assert (report.version, report.summary) == (2, "Først")
    assert IndicatorComment.objects.get(report=report).text == "A"


def test_prioritised_actions_must_come_from_the_units_plan_of_that_year(units, users):
    report = new_report(units, users)
    other_unit = plan_with_action(units["SK"], 2024, "Skolens tiltak")
    last_year = plan_with_action(units["SH"], 2023, "Fjorårets tiltak")

    for action in [other_unit, last_year]:
        with pytest.raises(ValidationError) as error:
            save(report, users["leader"], version=1, actions=[action.pk])
        assert error.value.message_dict == {
            "prioritised_actions": ["Velg bare tiltak fra enhetens handlingsplan for 2024."]
        }

    report.refresh_from_db()
    assert report.version == 1
    assert report.prioritised_actions.count() == 0


def test_submit_then_no_edit_until_hr_reopens(units, users):
    report = save(new_report(units, users), users["leader"], version=1, summary="Ferdig")

    submitted = services.report_submit(report=report, by=users["leader"], version=2)

    assert (submitted.state, submitted.version, submitted.submitted_by) == (
        "submitted",
        3,
        users["leader"],
    )
    assert submitted.submitted_at is not None
    with pytest.raises(services.ReportSubmittedError):
        save(submitted, users["leader"], version=3, summary="Endret")
    with pytest.raises(PermissionDenied):
        services.report_reopen(report=submitted, by=users["leader"])

    reopened = services.report_reopen(report=submitted, by=users["hr"])

    assert (reopened.state, reopened.version, reopened.submitted_at) == ("draft", 4, None)
    assert save(reopened, users["leader"], version=4, summary="Endret").summary == "Endret"


def test_submit_with_an_old_version_is_a_conflict(units, users):
    report = save(new_report(units, users), users["leader"], version=1)

    with pytest.raises(services.ConflictError):
        services.report_submit(report=report, by=users["leader"], version=1)

    assert TertialReport.objects.get().state == "draft"


def test_report_indicators_are_those_with_a_target_with_value_and_status(units, users, sick_leave):
    report = save(
        new_report(units, users), users["leader"], version=1, comments={sick_leave.pk: "Kommentar"}
    )

    rows = selectors.report_indicators(unit=units["SH"], year=2024, tertial=2, report=report)

    assert [(r.indicator.slug, r.target.value, r.status, r.comment) for r in rows] == [
        ("sick_leave_pct", 11.0, Status.NEAR, "Kommentar")
    ]
    assert round(rows[0].value.value, 1) == 11.1


def test_a_suppressed_value_stays_suppressed(units):
    rows = selectors.report_indicators(unit=units["SH1"], year=2024, tertial=2, report=None)

    assert [(r.value.suppressed, r.value.value, r.status) for r in rows] == [
        (True, None, Status.NONE)
    ]


def test_report_indicators_costs_a_fixed_number_of_queries(units, django_assert_num_queries):
    with django_assert_num_queries(4):
        selectors.report_indicators(unit=units["SH"], year=2024, tertial=2, report=None)


def test_missing_reports_lists_led_units_without_a_submitted_report(units, users):
    services.report_submit(report=new_report(units, users), by=users["leader"], version=1)

    rows = selectors.missing_report_list(year=2024, tertial=2)
    assert [(r.unit.code, r.leaders, r.report) for r in rows] == [("SK", ["other"], None)]
    assert [r.unit.code for r in selectors.missing_report_list(year=2024, tertial=1)] == [
        "SH",
        "SK",
    ]


def test_last_ended_tertial():
    import datetime as dt

    assert P.last_ended_tertial(dt.date(2025, 1, 15)) == (2024, 3)
    assert P.last_ended_tertial(dt.date(2025, 5, 1)) == (2025, 1)
    assert P.last_ended_tertial(dt.date(2025, 12, 31)) == (2025, 2)
