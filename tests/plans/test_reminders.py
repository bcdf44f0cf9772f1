"""The tertial report reminder job: which leaders get a mail, and when it runs."""

import datetime as dt
from unittest import mock

import pytest
from celery.schedules import crontab
from django.conf import settings

from org import roles
from org.models import RoleAssignment
from plans.tasks import tertial_report_reminders
from tests.dashboards.dashboard_data import user_with_role
from tests.measures.builders import build_units

from .report_helpers import submitted_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def units():
    return build_units(
        [
            {"code": "K", "name": "Kommunen", "level": "kommune"},
            {"code": "A", "name": "Sykehjem A", "parent_code": "K"},
            {"code": "B", "name": "Sykehjem B", "parent_code": "K"},
            {"code": "C", "name": "Skole C", "parent_code": "K"},
            {"code": "D", "name": "Skole D", "parent_code": "K"},
        ]
    )


def leader(django_user_model, username, email, *unit_list):
    user = user_with_role(django_user_model, username, roles.LEADER, unit_list[0])
    for unit in unit_list[1:]:
        RoleAssignment.objects.create(user=user, unit=unit, role=RoleAssignment.Role.LEADER)
    user.email = email
    user.save()
    return user


def test_one_mail_per_leader_listing_their_units_without_a_submitted_report(
    django_user_model, units, mailoutbox
):
    leader(django_user_model, "anne", "anne@example.no", units["A"], units["B"])
    leader(django_user_model, "bjorn", "bjorn@example.no", units["C"])  # submitted
    leader(django_user_model, "cato", "", units["D"])  # no e-mail address
    representative = user_with_role(django_user_model, "rep", roles.REPRESENTATIVE, units["A"])
    representative.email = "rep@example.no"
    representative.save()
    submitted_report(units["C"], 2024, 2)
    submitted_report(units["A"], 2024, 1)  # another tertial: does not count

    sent = tertial_report_reminders(year=2024, tertial=2)

    assert sent == 1
    assert [m.to for m in mailoutbox] == [["anne@example.no"]]
    mail = mailoutbox[0]
    assert mail.subject == "Påminnelse: tertialrapport for 2. tertial 2024"
    assert mail.from_email == settings.DEFAULT_FROM_EMAIL
    assert "- Sykehjem A: /tertialrapporter/A/2024/T2/" in mail.body
    assert "- Sykehjem B: /tertialrapporter/B/2024/T2/" in mail.body
    assert "Skole" not in mail.body


def test_an_inactive_leader_gets_no_mail(django_user_model, units, mailoutbox):
    user = leader(django_user_model, "anne", "anne@example.no", units["A"])
    user.is_active = False
    user.save()

    assert tertial_report_reminders(year=2024, tertial=2) == 0
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("today", "expected"),
    [(dt.date(2024, 8, 31), 1), (dt.date(2024, 8, 30), 0), (dt.date(2024, 12, 31), 1)],
)
def test_without_arguments_it_sends_only_on_a_tertials_last_day(
    django_user_model, units, mailoutbox, today, expected
):
    leader(django_user_model, "anne", "anne@example.no", units["A"])

    with mock.patch("plans.tasks.timezone.localdate", return_value=today):
        sent = tertial_report_reminders()

    assert sent == expected
    assert len(mailoutbox) == expected
    if expected:
        number = (today.month - 1) // 4 + 1
        assert f"/tertialrapporter/A/{today.year}/T{number}/" in mailoutbox[0].body


def test_beat_runs_it_on_the_last_days_of_april_august_and_december():
    entry = settings.CELERY_BEAT_SCHEDULE["tertial-report-reminders"]

    assert entry["task"] == "plans.tasks.tertial_report_reminders"
    assert entry["schedule"] == crontab(
        hour=7, minute=0, day_of_month="28-31", month_of_year="4,8,12"
    )
    # Every tertial's last day is among the days beat runs.
    for month, last in [(4, 30), (8, 31), (12, 31)]:
        assert month in entry["schedule"].month_of_year
        assert last in entry["schedule"].day_of_month
