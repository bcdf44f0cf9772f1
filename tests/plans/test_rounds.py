"""Tertial rounds: opened when their figures exist or by HR, one open at a time, closed
rounds read-only; the leaders above a unit; a round's progress per service area."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from measures import periods as P
from measures.models import IndicatorValue, Recompute
from measures.services import indicators_ensure
from measures.signals import figures_stored
from org import roles
from org.models import OrgUnit
from org.services import orgunit_tree_rebuild
from plans import selectors
from plans import services as plans
from plans.models import ReportEvent, TertialReport, TertialRound
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(db) -> dict[str, OrgUnit]:
    """K → HV (service area) → SH → SH-A, and K → OK (service area) → SK."""
    units: dict[str, OrgUnit] = {}
    for code, parent, level in [
        ("K", None, OrgUnit.Level.MUNICIPALITY),
        ("HV", "K", OrgUnit.Level.SERVICE_AREA),
        ("SH", "HV", OrgUnit.Level.ENTERPRISE),
        ("SH-A", "SH", OrgUnit.Level.DEPARTMENT),
        ("OK", "K", OrgUnit.Level.SERVICE_AREA),
        ("SK", "OK", OrgUnit.Level.ENTERPRISE),
    ]:
        units[code] = OrgUnit.objects.create(
            code=code, name=code, level=level, parent=units.get(parent) if parent else None
        )
    orgunit_tree_rebuild()
    return units


@pytest.fixture
def hr(tree):
    return factories.user_with_role("hr-user", roles.HR)


def last_ended_tertial(today: dt.date) -> tuple[int, int]:
    return P.tertial_before(*P.tertial_of(today))


def store_month_value(unit: OrgUnit, year: int, month: int) -> None:
    period = P.month(year, month)
    IndicatorValue.objects.create(
        indicator=indicators_ensure()["headcount"],
        unit=unit,
        granularity=period.granularity,
        period=period.label,
        period_start=period.start,
        period_end=period.end,
        value=10,
        n_persons=10,
        computed_at=timezone.now(),
    )


# --- Opened by the figures ---------------------------------------------------------------


def test_the_round_opens_once_the_last_month_of_the_ended_tertial_has_figures(tree):
    today = timezone.localdate()
    year, tertial = last_ended_tertial(today)
    end = P.tertial(year, tertial).end

    # Figures up to the month before the tertial's last: no round
    before = end.replace(day=1) - dt.timedelta(days=1)
    store_month_value(tree["K"], before.year, before.month)
    assert plans.round_open_when_figures_exist() is None
    assert not TertialRound.objects.exists()

    # The last month's figures: the round opens, by nobody, with the default deadline
    store_month_value(tree["K"], end.year, end.month)
    opened = plans.round_open_when_figures_exist()
    assert opened is not None
    assert (opened.year, opened.tertial, opened.state) == (year, tertial, "open")
    assert opened.opened_by is None
    assert opened.deadline == today + dt.timedelta(days=21)
    # and only once
    assert plans.round_open_when_figures_exist() is None
    assert TertialRound.objects.count() == 1


def test_a_recompute_that_stores_the_figures_opens_the_round(tree):
    today = timezone.localdate()
    year, tertial = last_ended_tertial(today)
    end = P.tertial(year, tertial).end
    store_month_value(tree["K"], end.year, end.month)

    # What ``recompute_claimed_run`` sends once its values are stored
    figures_stored.send(sender=Recompute)

    assert TertialRound.objects.get().state == TertialRound.State.OPEN


def test_figures_of_an_old_tertial_open_no_round(tree):
    year, tertial = last_ended_tertial(timezone.localdate())
    old_year, old_tertial = P.tertial_before(year, tertial)
    end = P.tertial(old_year, old_tertial).end
    store_month_value(tree["K"], end.year, end.month)

    assert plans.round_open_when_figures_exist() is None
    assert not TertialRound.objects.exists()


def test_a_round_hr_closed_is_not_opened_again_by_the_figures(tree, hr):
    year, tertial = last_ended_tertial(timezone.localdate())
    round_ = plans.round_open(year=year, tertial=tertial, by=hr)
    plans.round_close(round_=round_, by=hr, version=round_.version)
    end = P.tertial(year, tertial).end
    store_month_value(tree["K"], end.year, end.month)

    assert plans.round_open_when_figures_exist() is None
    assert TertialRound.objects.get().state == TertialRound.State.CLOSED


# --- Opened and closed by HR -------------------------------------------------------------


def test_hr_opens_a_round_and_the_older_open_one_closes(tree, hr):
    first = plans.round_open(year=2024, tertial=1, by=hr)
    second = plans.round_open(year=2024, tertial=2, by=hr, deadline=timezone.localdate())

    first.refresh_from_db()
    assert first.state == TertialRound.State.CLOSED
    assert first.closed_at is not None
    assert second.state == TertialRound.State.OPEN
    assert selectors.round_open_latest() == second
    # Opening an open round again changes nothing
    assert plans.round_open(year=2024, tertial=2, by=hr).version == second.version


def test_only_hr_opens_closes_or_moves_a_round_and_nothing_is_written_otherwise(tree, hr):
    leader = factories.user_with_role("leader", roles.LEADER, tree["HV"])
    with pytest.raises(PermissionDenied):
        plans.round_open(year=2024, tertial=1, by=leader)
    assert not TertialRound.objects.exists()

    round_ = plans.round_open(year=2024, tertial=1, by=hr)
    with pytest.raises(PermissionDenied):
        plans.round_close(round_=round_, by=leader, version=round_.version)
    with pytest.raises(PermissionDenied):
        plans.round_deadline_set(
            round_=round_, by=leader, version=round_.version, deadline=round_.deadline
        )
    round_.refresh_from_db()
    assert (round_.state, round_.version) == (TertialRound.State.OPEN, 1)


def test_a_deadline_before_the_opening_is_refused(tree, hr):
    round_ = plans.round_open(year=2024, tertial=1, by=hr)
    with pytest.raises(ValidationError) as refused:
        plans.round_deadline_set(
            round_=round_,
            by=hr,
            version=round_.version,
            deadline=timezone.localdate() - dt.timedelta(days=1),
        )
    assert "deadline" in refused.value.message_dict
    with pytest.raises(ValidationError):
        plans.round_open(
            year=2024, tertial=2, by=hr, deadline=timezone.localdate() - dt.timedelta(days=3)
        )
    assert TertialRound.objects.count() == 1


def test_a_tertial_not_begun_has_no_round(tree, hr):
    year, tertial = P.tertial_of(timezone.localdate())
    later_year, later = (year + 1, 1) if tertial == 3 else (year, tertial + 1)
    with pytest.raises(ValidationError):
        plans.round_open(year=later_year, tertial=later, by=hr)
    assert not TertialRound.objects.exists()


def test_the_reports_of_a_closed_round_cannot_be_changed_or_submitted(tree, hr):
    leader = factories.user_with_role("leader", roles.LEADER, tree["SH"])
    report = plans.report_get_or_create(unit=tree["SH"], year=2024, tertial=1, by=leader)
    round_ = plans.round_open(year=2024, tertial=1, by=hr)
    plans.round_close(round_=round_, by=hr, version=round_.version)

    with pytest.raises(plans.RoundClosedError):
        plans.report_save(
            report=report,
            by=leader,
            version=report.version,
            summary="Etter fristen",
            comments={},
            prioritised_action_ids=[],
        )
    with pytest.raises(plans.RoundClosedError):
        plans.report_submit(report=report, by=leader, version=report.version)
    report.refresh_from_db()
    assert (report.state, report.summary, report.version) == ("draft", "", 1)
    assert not ReportEvent.objects.exists()

    # HR opens it again: the leader can submit
    plans.round_open(year=2024, tertial=1, by=hr)
    submitted = plans.report_submit(report=report, by=leader, version=report.version)
    assert submitted.state == TertialReport.State.SUBMITTED


# --- Who is above, and how far a round has come ---------------------------------------


def test_the_leaders_above_are_those_of_the_nearest_unit_above_with_leaders(tree):
    area = factories.user_with_role("area", roles.LEADER, tree["HV"])
    factories.user_with_role("chief", roles.LEADER, tree["K"])
    gone = factories.user_with_role("gone", roles.LEADER, tree["HV"])
    gone.is_active = False
    gone.save()

    # SH-A's parent SH has no leader: HV's active leader is above it
    assert selectors.leaders_above(unit=tree["SH-A"]) == [area]
    assert [u.username for u in selectors.leaders_above(unit=tree["HV"])] == ["chief"]
    assert selectors.leaders_above(unit=tree["K"]) == []


def test_the_round_progress_counts_each_reporting_unit_in_its_service_area(tree, hr):
    leaders = {
        code: factories.user_with_role(f"leader-{code}", roles.LEADER, tree[code])
        for code in ["SH", "SH-A", "SK", "K"]
    }
    factories.round_opened(2024, 1)
    plans.report_get_or_create(unit=tree["SH"], year=2024, tertial=1, by=leaders["SH"])
    sk = plans.report_get_or_create(unit=tree["SK"], year=2024, tertial=1, by=leaders["SK"])
    plans.report_submit(report=sk, by=leaders["SK"], version=sk.version)

    total, areas = selectors.round_progress(year=2024, tertial=1)

    assert (total.units, total.delivered, total.drafts, total.not_started) == (4, 1, 1, 2)
    by_area = {p.unit.code: (p.units, p.delivered, p.drafts, p.not_started) for p in areas}
    assert by_area == {"HV": (2, 0, 1, 1), "OK": (1, 1, 0, 0)}
