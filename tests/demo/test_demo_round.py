"""The demo's open round: the last complete tertial, with reports in every state."""

import pytest
from django.utils import timezone

from demo.services import DEMO_RETURN_COMMENT, demo_load, demo_round_ensure
from measures import periods as P
from plans import selectors
from plans.models import ReportEvent, TertialReport, TertialRound
from strategi.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings, monkeypatch, seeded_strategies):
    """A demo loaded in embedded mode (its figures computed here), as `make run` does."""
    settings.DEMO_MODE = True
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    demo_load(persons=400)


def test_the_demo_has_an_open_round_of_the_last_complete_tertial(demo):
    year, tertial = P.last_ended_tertial(timezone.localdate())

    round_ = selectors.round_open_latest()

    assert (round_.year, round_.tertial, round_.state) == (year, tertial, TertialRound.State.OPEN)
    assert round_.deadline > timezone.localdate()


def test_the_rounds_reports_are_in_every_state(demo):
    round_ = selectors.round_open_latest()
    reports = TertialReport.objects.filter(year=round_.year, tertial=round_.tertial)
    states = sorted(reports.values_list("state", flat=True))

    assert states == ["approved", "draft", "draft", "returned", "submitted", "submitted"]
    returned = reports.get(state=TertialReport.State.RETURNED)
    assert returned.review_comment == DEMO_RETURN_COMMENT
    # Helse og velferd's leader reviews its units (HR the others).
    assert returned.reviewed_by.username == "omradeleder"
    assert returned.unit.parent.code == "HV"
    assert ReportEvent.objects.filter(kind=ReportEvent.Kind.SUBMITTED).count() == 4
    total, areas = selectors.round_progress(year=round_.year, tertial=round_.tertial)
    # The demo leader's unit and one more have not started; HV is a reporting unit too.
    assert (total.delivered, total.approved, total.drafts) == (3, 1, 3)
    assert total.not_started == total.units - 6 >= 2


def test_every_delivered_report_explains_its_missed_indicators(demo):
    round_ = selectors.round_open_latest()
    for report in TertialReport.objects.filter(
        year=round_.year, tertial=round_.tertial, state__in=TertialReport.DELIVERED
    ):
        rows = selectors.report_indicators(
            unit=report.unit, year=report.year, tertial=report.tertial, report=report
        )
        assert selectors.report_unexplained(rows) == {}


def test_the_demo_leader_has_an_open_report_due(demo):
    round_ = selectors.round_open_latest()
    unit = selectors.reporting_units().get(assignments__user__username="leder")

    assert selectors.report_find(unit=unit, year=round_.year, tertial=round_.tertial) is None


def test_the_round_is_written_once(demo):
    round_ = selectors.round_open_latest()
    reports = TertialReport.objects.count()

    assert demo_round_ensure() == 0
    demo_load(persons=400)

    assert TertialReport.objects.count() == reports
    assert TertialRound.objects.count() == 1
    assert selectors.round_open_latest() == round_


def test_the_demo_leaders_actions_name_indicators_and_show_on_the_unit_page(demo, client):
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from plans.models import Action

    leader = get_user_model().objects.get(username="leder")
    named = Action.objects.filter(plan__unit__assignments__user=leader, indicators__isnull=False)
    heltid = named.distinct().get(title="Kartlegge ønsker om større stillinger")
    assert sorted(i.slug for i in heltid.indicators.all()) == [
        "full_time_share",
        "full_time_share_shift",
    ]
    assert heltid.baseline_period == f"{timezone.localdate().year - 1}-12"
    client.force_login(leader)
    page = client.get(
        reverse("dashboards:unit-detail", kwargs={"code": heltid.plan.unit.code})
    ).content.decode()
    assert "Start: Kartlegge ønsker om større stillinger" in page
