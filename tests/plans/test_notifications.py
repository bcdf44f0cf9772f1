"""The tertial follow-up's mails: the round's schedule, escalation, report transitions.

Time is given to the task (``round_notices(today=...)``): the round 2026-T2 opens on
3 September with the deadline 24 September, and ``ROUND_REMINDER_DAYS_BEFORE`` is 5.
"""

import datetime as dt
from unittest import mock
from urllib.parse import urlsplit

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.urls import resolve
from django.utils import timezone

from measures import periods as P
from measures.models import Indicator, IndicatorValue
from org import roles
from org.models import RoleAssignment
from plans import notifications, services
from plans.models import ReportEvent, RoundNotice, TertialReport, TertialRound
from plans.tasks import report_event_notify, round_notices
from strategi.celery import app as celery_app
from tests import factories
from tests.measures.builders import build_units

from .report_helpers import submitted_report

pytestmark = pytest.mark.django_db

OPENED = dt.date(2026, 9, 3)
DEADLINE = dt.date(2026, 9, 24)


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SITE_URL = "https://strategi.example.no"
    settings.ROUND_REMINDER_DAYS_BEFORE = 5
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def eager(monkeypatch):
    """Tasks queued after a commit run in the test (no broker, no worker)."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)


@pytest.fixture
def units():
    return build_units(
        [
            {"code": "K", "name": "Kommunen", "level": "kommune"},
            {
                "code": "HV",
                "name": "Helse og velferd",
                "parent_code": "K",
                "level": "tjenesteomrade",
            },
            {"code": "A", "name": "Sykehjem A", "parent_code": "HV"},
            {"code": "B", "name": "Sykehjem B", "parent_code": "HV"},
            {"code": "D", "name": "Sykehjem D", "parent_code": "HV"},
            {"code": "E", "name": "Sykehjem E", "parent_code": "HV"},
            {"code": "C", "name": "Skole C", "parent_code": "K"},
        ]
    )


def leader(username, email, *unit_list, active=True):
    user = factories.user_with_role(username, roles.LEADER, unit_list[0])
    for unit in unit_list[1:]:
        RoleAssignment.objects.create(user=user, unit=unit, role=RoleAssignment.Role.LEADER)
    user.email = email
    user.first_name = username.capitalize()
    user.is_active = active
    user.save()
    return user


def deliver(units, *codes):
    """Submitted reports of the units, stored as such (no round is opened for them, and
    no one is told of their submission)."""
    for code in codes:
        report = factories.TertialReportFactory(unit=units[code], year=2026, tertial=2)
        TertialReport.objects.filter(pk=report.pk).update(
            state=TertialReport.State.SUBMITTED, submitted_at=timezone.now()
        )


@pytest.fixture
def people(units):
    """Leaders of every unit; the leaders above (K, HV) have delivered their own report."""
    representative = factories.user_with_role("rep", roles.REPRESENTATIVE, units["A"])
    representative.email = "rep@example.no"
    representative.save()
    deliver(units, "K", "HV")
    return {
        "kari": leader("kari", "kari@example.no", units["K"]),
        "hanne": leader("hanne", "hanne@example.no", units["HV"]),
        "anne": leader("anne", "anne@example.no", units["A"], units["B"]),
        "bjorn": leader("bjorn", "bjorn@example.no", units["C"]),
        "cato": leader("cato", "", units["D"]),  # no e-mail address
        "dina": leader("dina", "dina@example.no", units["E"], active=False),
    }


def make_round(state=TertialRound.State.OPEN, deadline=DEADLINE):
    opened = timezone.make_aware(dt.datetime.combine(OPENED, dt.time(3)))
    round_, _created = TertialRound.objects.update_or_create(
        year=2026,
        tertial=2,
        defaults={"state": state, "opened_at": opened, "deadline": deadline},
    )
    return round_


def run(day: dt.date) -> int:
    return round_notices(today=day.isoformat())


def sent_to(mailoutbox) -> list[str]:
    return sorted(address for mail in mailoutbox for address in mail.to)


def notices() -> set[tuple[str, str]]:
    return set(RoundNotice.objects.values_list("user__username", "kind"))


def links(mail) -> list[str]:
    return [word for word in mail.body.split() if word.startswith("http")]


# --- The schedule ------------------------------------------------------------------------


def test_the_schedule_open_due_soon_overdue_and_escalation(people, units, mailoutbox):
    make_round()

    # Opened: every leader with an e-mail address and an active account, once.
    assert run(OPENED) == 2
    assert sent_to(mailoutbox) == ["anne@example.no", "bjorn@example.no"]
    anne = next(m for m in mailoutbox if m.to == ["anne@example.no"])
    assert anne.subject == (
        "Tertialrapport for 2. tertial 2026: runden er åpnet, frist 24. september 2026"
    )
    assert "Sykehjem A: https://strategi.example.no/tertialrapporter/A/2026/T2/" in anne.body
    assert "Sykehjem B: https://strategi.example.no/tertialrapporter/B/2026/T2/" in anne.body
    assert "Skole C" not in anne.body
    assert run(OPENED) == 0
    assert run(OPENED + dt.timedelta(days=1)) == 0

    # Skole C delivers; six days before the deadline nothing, five days before a reminder.
    deliver(units, "C")
    mailoutbox.clear()
    assert run(DEADLINE - dt.timedelta(days=6)) == 0
    assert run(DEADLINE - dt.timedelta(days=5)) == 1
    assert sent_to(mailoutbox) == ["anne@example.no"]
    assert mailoutbox[0].subject == (
        "Påminnelse: tertialrapporten for 2. tertial 2026 har frist 24. september 2026"
    )
    assert "om 5 dager" in mailoutbox[0].body
    assert run(DEADLINE - dt.timedelta(days=2)) == 0
    assert run(DEADLINE) == 0

    # After the deadline: the leader, and the nearest leader above (not the one above her).
    mailoutbox.clear()
    assert run(DEADLINE + dt.timedelta(days=1)) == 2
    assert sent_to(mailoutbox) == ["anne@example.no", "hanne@example.no"]
    overdue = next(m for m in mailoutbox if m.to == ["anne@example.no"])
    assert overdue.subject.startswith("Forfalt: tertialrapporten for 2. tertial 2026")
    escalated = next(m for m in mailoutbox if m.to == ["hanne@example.no"])
    assert escalated.subject == "Tertialrapporter for 2. tertial 2026 mangler fra enheter under deg"
    # Every undelivered unit below her, also those whose leader cannot be mailed.
    for code in ["A", "B", "D", "E"]:
        assert f"/tertialrapporter/{code}/2026/T2/" in escalated.body
    assert "/tertialrapporter/C/" not in escalated.body
    assert "https://strategi.example.no/tertialrapporter/gjennomgang/" in links(escalated)

    # Reruns, later days: nothing twice.
    assert run(DEADLINE + dt.timedelta(days=1)) == 0
    assert run(DEADLINE + dt.timedelta(days=9)) == 0
    assert len(mailoutbox) == 2
    assert notices() == {
        ("anne", "opened"),
        ("bjorn", "opened"),
        ("anne", "due_soon"),
        ("anne", "overdue"),
        ("hanne", "escalated"),
    }


def test_escalation_skips_a_level_without_an_active_leader(people, units, mailoutbox):
    people["hanne"].is_active = False
    people["hanne"].save()
    make_round()

    run(DEADLINE + dt.timedelta(days=1))

    assert "kari@example.no" in sent_to(mailoutbox)
    assert "hanne@example.no" not in sent_to(mailoutbox)


def test_a_leader_of_the_unit_above_too_is_not_escalated_their_own_unit(units, mailoutbox):
    both = leader("hilde", "hilde@example.no", units["HV"], units["A"])
    make_round()

    run(DEADLINE + dt.timedelta(days=1))

    assert [m.to for m in mailoutbox] == [["hilde@example.no"]]
    assert RoundNotice.objects.get(user=both).kind == "overdue"


def test_a_round_opening_close_to_its_deadline_sends_the_reminder_not_two_mails(people, mailoutbox):
    make_round()

    run(DEADLINE - dt.timedelta(days=1))

    assert sent_to(mailoutbox) == ["anne@example.no", "bjorn@example.no"]
    assert {kind for _user, kind in notices()} == {"due_soon"}
    assert "24. september 2026, om 1 dag." in mailoutbox[0].body


def test_on_the_deadline_the_reminder_says_today(people, mailoutbox):
    make_round()

    run(DEADLINE)

    assert "er i dag, 24. september 2026." in mailoutbox[0].body


def test_a_moved_deadline_moves_the_reminder(people, mailoutbox):
    round_ = make_round()
    round_.deadline = DEADLINE + dt.timedelta(days=7)
    round_.save()

    assert run(DEADLINE - dt.timedelta(days=5)) == 2  # still "opened": the first notice
    assert run(DEADLINE + dt.timedelta(days=1)) == 0  # six days before the new one
    assert run(DEADLINE + dt.timedelta(days=2)) == 2  # five days before the new deadline
    assert {kind for _user, kind in notices()} == {"opened", "due_soon"}


def test_delivered_units_are_not_chased(people, units, mailoutbox):
    make_round()
    deliver(units, "A", "B", "C", "D", "E")
    # A submitted and approved report are delivered; a returned one is not.
    TertialReport.objects.filter(unit=units["HV"]).update(state=TertialReport.State.RETURNED)
    TertialReport.objects.filter(unit=units["B"]).update(state=TertialReport.State.APPROVED)

    assert run(OPENED) == 1  # hanne's own returned report
    assert sent_to(mailoutbox) == ["hanne@example.no"]
    assert run(DEADLINE + dt.timedelta(days=1)) == 2  # overdue; escalated to kari
    assert sent_to(mailoutbox) == ["hanne@example.no", "hanne@example.no", "kari@example.no"]


def test_a_closed_round_sends_nothing(people, mailoutbox):
    round_ = make_round(state=TertialRound.State.CLOSED)

    for day in [OPENED, DEADLINE - dt.timedelta(days=5), DEADLINE + dt.timedelta(days=1)]:
        assert run(day) == 0
        assert notifications.round_notices_send(round_=round_, today=day) == 0

    assert mailoutbox == []
    assert not RoundNotice.objects.exists()


def test_nobody_is_chased_before_the_rounds_figures_exist(people, units, mailoutbox):
    assert run(OPENED) == 0
    assert not TertialRound.objects.exists()
    assert mailoutbox == []

    # The recompute stores the figures of August, the tertial's last month.
    indicator = Indicator.objects.create(
        slug="test-sick-leave",
        name="Sykefravær",
        direction=Indicator.Direction.choices[0][0],
        kind=Indicator.Kind.COMPUTED,
    )
    august = P.month(2026, 8)
    IndicatorValue.objects.create(
        indicator=indicator,
        unit=units["K"],
        granularity=august.granularity,
        period=august.label,
        period_start=august.start,
        period_end=august.end,
        value=5.0,
        computed_at=timezone.now(),
    )

    assert run(OPENED) == 2
    round_ = TertialRound.objects.get()
    assert (round_.year, round_.tertial, round_.opened_by) == (2026, 2, None)
    assert sent_to(mailoutbox) == ["anne@example.no", "bjorn@example.no"]


def test_opening_a_round_tells_the_leaders_at_once(
    people, mailoutbox, eager, django_capture_on_commit_callbacks
):
    hr = factories.user_with_role("hr-user", roles.HR)

    with django_capture_on_commit_callbacks(execute=True):
        services.round_open(year=2026, tertial=2, by=hr)

    assert sent_to(mailoutbox) == ["anne@example.no", "bjorn@example.no"]
    assert {kind for _user, kind in notices()} == {"opened"}


def test_a_failed_mail_is_not_recorded_and_goes_with_the_next_run(people, mailoutbox):
    make_round()
    backend = "django.core.mail.backends.locmem.EmailBackend.send_messages"

    with mock.patch(backend, side_effect=OSError("mail server down")):
        assert run(OPENED) == 0

    assert not RoundNotice.objects.exists()
    assert run(OPENED) == 2
    assert run(OPENED) == 0


# --- The mail --------------------------------------------------------------------------


def test_a_mail_has_plain_text_html_and_absolute_links_that_resolve(people, mailoutbox):
    make_round()
    run(DEADLINE + dt.timedelta(days=1))
    escalated = next(m for m in mailoutbox if m.to == ["hanne@example.no"])

    assert escalated.from_email == settings.DEFAULT_FROM_EMAIL
    assert escalated.body.startswith("Hei Hanne,")
    [(html, mimetype)] = escalated.alternatives
    assert mimetype == "text/html"
    assert '<html lang="nb">' in html
    urls = links(escalated)
    assert len(urls) == 5  # A, B, D, E and the reports of her units
    for url in urls:
        assert url.startswith("https://strategi.example.no/")
        resolve(urlsplit(url).path)
        assert f'href="{url}"' in html
    names = {resolve(urlsplit(url).path).view_name for url in urls}
    assert names == {"plans:tertial-report-edit", "plans:review-index"}


# --- Report transitions ----------------------------------------------------------------


def test_transitions_tell_the_right_people_once(
    people, units, mailoutbox, eager, django_capture_on_commit_callbacks
):
    factories.round_opened(2026, 2)
    anne, hanne = people["anne"], people["hanne"]
    report = factories.TertialReportFactory(unit=units["A"], year=2026, tertial=2, by=anne)

    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_submit(report=report, by=anne, version=report.version)
    assert [m.to for m in mailoutbox] == [["hanne@example.no"]]
    submitted = mailoutbox[0]
    assert submitted.subject == "Sykehjem A har sendt inn tertialrapporten for 2. tertial 2026"
    assert "https://strategi.example.no/tertialrapporter/A/2026/T2/" in submitted.body

    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_return(
            report=report, by=hanne, version=report.version, comment="Mangler tiltak <b>nå</b>."
        )
    returned = mailoutbox[1]
    assert returned.to == ["anne@example.no"]
    assert (
        returned.subject == "Tertialrapporten for Sykehjem A for 2. tertial 2026 er sendt tilbake"
    )
    assert "Mangler tiltak <b>nå</b>." in returned.body
    assert "Mangler tiltak &lt;b&gt;nå&lt;/b&gt;." in returned.alternatives[0][0]

    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_submit(report=report, by=anne, version=report.version)
        report = services.report_approve(report=report, by=hanne, version=report.version)
    assert [m.to for m in mailoutbox[2:]] == [["hanne@example.no"], ["anne@example.no"]]
    assert (
        mailoutbox[3].subject == "Tertialrapporten for Sykehjem A for 2. tertial 2026 er godkjent"
    )

    # Every event is told once: the task again, the sweep, the daily run send nothing.
    assert not ReportEvent.objects.filter(notified_at__isnull=True).exists()
    for event in ReportEvent.objects.all():
        assert report_event_notify(event.pk) == 0
    assert notifications.report_events_notify_pending() == 0
    assert len(mailoutbox) == 4


def test_the_sweep_tells_what_no_task_told(people, units, mailoutbox):
    factories.round_opened(2026, 2)
    # In the ``db`` fixture nothing commits: the queued task never runs, as when the
    # broker was down.
    submitted_report(units["A"], 2026, 2, by=people["anne"])
    event = ReportEvent.objects.get(notified_at__isnull=True)
    assert event.notified_at is None
    TertialRound.objects.update(state=TertialRound.State.CLOSED)  # no round notices

    assert run(OPENED) == 1  # the sweep still tells hanne
    assert [m.to for m in mailoutbox] == [["hanne@example.no"]]
    event.refresh_from_db()
    assert event.notified_at is not None
    assert notifications.report_events_notify_pending() == 0


def test_a_refused_transition_mail_is_told_later(people, units, mailoutbox):
    factories.round_opened(2026, 2)
    submitted_report(units["A"], 2026, 2, by=people["anne"])
    event = ReportEvent.objects.get(notified_at__isnull=True)
    backend = "django.core.mail.backends.locmem.EmailBackend.send_messages"

    with mock.patch(backend, side_effect=OSError("mail server down")):
        assert notifications.report_events_notify_pending() == 0

    event.refresh_from_db()
    assert event.notified_at is None
    assert report_event_notify(event.pk) == 1


def test_a_transition_skips_the_actor_inactive_users_and_those_without_e_mail(units, mailoutbox):
    factories.round_opened(2026, 2)
    anne = leader("anne", "anne@example.no", units["A"])
    leader("hanne", "", units["HV"])  # no address
    leader("hilde", "hilde@example.no", units["HV"], active=False)
    leader("hans", "hans@example.no", units["HV"])
    report = submitted_report(units["A"], 2026, 2, by=anne)
    event = ReportEvent.objects.get()

    assert report_event_notify(event.pk) == 1
    assert [m.to for m in mailoutbox] == [["hans@example.no"]]
    # Hans approves: Anne is told, Hans (the actor) is not.
    hans = RoleAssignment.objects.get(user__username="hans").user
    services.report_approve(report=report, by=hans, version=report.version)
    approved = ReportEvent.objects.get(kind=ReportEvent.Kind.APPROVED)
    assert report_event_notify(approved.pk) == 1
    assert mailoutbox[-1].to == ["anne@example.no"]


def test_beat_runs_the_notices_every_morning_and_the_sweep_every_quarter():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert "tertial-report-reminders" not in schedule
    assert schedule["round-notices"]["task"] == "plans.tasks.round_notices"
    assert schedule["round-notices"]["schedule"] == crontab(hour=7, minute=0)
    assert settings.CELERY_TIMEZONE == "Europe/Oslo"
    assert schedule["report-events-notify"] == {
        "task": "plans.tasks.report_events_notify_pending",
        "schedule": 15 * 60,
    }


def test_the_actor_is_not_told_of_their_own_transition(units, mailoutbox):
    factories.round_opened(2026, 2)
    both = leader("hilde", "hilde@example.no", units["HV"], units["A"])
    leader("hans", "hans@example.no", units["HV"])
    submitted_report(units["A"], 2026, 2, by=both)

    assert report_event_notify(ReportEvent.objects.get().pk) == 1
    assert [m.to for m in mailoutbox] == [["hans@example.no"]]


@pytest.fixture
def console_mail(monkeypatch):
    """The worker process writes its mails to its output (not to an SMTP server)."""
    monkeypatch.setenv("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_the_notices_once(
    console_mail, celery_worker_process, migrated_roles, people
):
    factories.round_opened(2026, 2)
    make_round()

    def through_redis() -> int:
        return round_notices.apply_async(
            kwargs={"today": OPENED.isoformat()}, queue=celery_worker_process
        ).get(timeout=60)

    assert through_redis() == 2
    assert through_redis() == 0
    assert notices() == {("anne", "opened"), ("bjorn", "opened")}


def test_a_rerun_costs_a_bounded_number_of_queries(
    people, units, mailoutbox, django_assert_max_num_queries
):
    factories.round_opened(2026, 2)
    for number in range(20):
        leader(f"leder{number}", f"leder{number}@example.no", units["A"], units["B"])
    make_round()
    day = DEADLINE + dt.timedelta(days=1)
    assert run(day) == 24  # 22 overdue; escalated to hanne (A, B, D, E) and kari (C)

    with django_assert_max_num_queries(10):
        assert run(day) == 0
