"""The tertial follow-up's e-mails: a round's reminders and a report's transitions.

Mails are in the site's language (``LANGUAGE_CODE``), plain text and HTML, with
absolute links (``SITE_URL``), one per person per event:

- a round's notices (``round_notices_send``, run daily by beat and when a round opens):
  while the round is open, each leader of a unit that has not delivered gets the notice
  of the day's stage: **opened** (until ``ROUND_REMINDER_DAYS_BEFORE`` days before the
  deadline), **due soon** (from then to the deadline) and **overdue** (after it), and
  after the deadline the nearest leaders above those units are told (**escalated**).
  A ``RoundNotice`` (unique per round, person and kind) is written in the transaction
  that decides to send, so a rerun sends nothing twice; a mail that fails is rolled
  back with its notice and sent by the next run.
- a report's transitions (``report_event_notify``): submitted → the leaders above,
  returned (with the reviewer's comment) and approved → the unit's leaders.
  ``ReportEvent.notified_at`` is claimed in the transaction that sends, so an event is
  told once; ``report_events_notify_pending`` sends those a lost task left.
"""

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from org.models import OrgUnit, OrgUnitClosure, RoleAssignment
from org.selectors import hr_users

from . import selectors
from .models import ReportEvent, RoundNotice, TertialReport, TertialRound

logger = logging.getLogger(__name__)

Kind = RoundNotice.Kind


# --- Links and mails ---------------------------------------------------------------------


def absolute_url(name: str, **kwargs: Any) -> str:
    """``SITE_URL`` and the path of the named URL: a link that works in a mail."""
    return settings.SITE_URL + reverse(name, kwargs=kwargs or None)


def report_url(unit: OrgUnit, year: int, tertial: int) -> str:
    """The absolute link to the unit's report of the tertial."""
    return absolute_url(
        "plans:tertial-report-edit", unit_code=unit.code, year=year, tertial=tertial
    )


def reports_url() -> str:
    """The absolute link to the review of the reports of the units below a leader."""
    return absolute_url("plans:review-index")


@dataclass
class Link:
    text: str
    url: str


@dataclass
class Mail:
    """One mail to one person: a subject, paragraphs, links, and a quoted comment."""

    user: Any
    subject: str
    paragraphs: list[str]
    links: list[Link] = field(default_factory=list)
    comment: str = ""
    comment_by: str = ""

    def message(self) -> EmailMultiAlternatives:
        context = {
            "name": _name(self.user),
            "paragraphs": self.paragraphs,
            "links": self.links,
            "comment": self.comment,
            "comment_by": self.comment_by,
            "subject": self.subject,
        }
        message = EmailMultiAlternatives(
            subject=" ".join(self.subject.split()),
            body=render_to_string("plans/email/notice.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[self.user.email],
        )
        message.attach_alternative(
            render_to_string("plans/email/notice.html", context), "text/html"
        )
        return message


def _name(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


def _period(year: int, tertial: int) -> str:
    return _("Tertial %(number)s, %(year)s") % {"number": tertial, "year": year}


def _date(day: dt.date) -> str:
    return str(date_format(day, "j. F Y"))


def _send(mails: Sequence[Mail]) -> int:
    """Send the mails in the site's language; raises when the mail server refuses."""
    if not mails:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        messages = [mail.message() for mail in mails]
    with get_connection() as connection:
        return int(connection.send_messages(messages) or 0)


# --- A round's notices -------------------------------------------------------------------


def round_stage(round_: TertialRound, today: dt.date) -> str:
    """The notice a leader who has not delivered gets on ``today``: opened, due soon, overdue."""
    if today > round_.deadline:
        return Kind.OVERDUE
    if today >= round_.deadline - dt.timedelta(days=settings.ROUND_REMINDER_DAYS_BEFORE):
        return Kind.DUE_SOON
    return Kind.OPENED


@dataclass
class Recipient:
    user: Any
    units: list[OrgUnit]


def _undelivered_unit_ids(round_: TertialRound) -> set[int]:
    delivered = TertialReport.objects.filter(
        year=round_.year, tertial=round_.tertial, state__in=TertialReport.DELIVERED
    ).values("unit_id")
    return set(selectors.reporting_units().exclude(pk__in=delivered).values_list("pk", flat=True))


def _mailable(users: Iterable[Any]) -> list[Any]:
    return [user for user in users if user.is_active and user.email]


def round_leaders(round_: TertialRound, unit_ids: set[int]) -> list[Recipient]:
    """The active leaders with an e-mail address of ``unit_ids``, each with their units."""
    rows = (
        RoleAssignment.objects.filter(
            role=RoleAssignment.Role.LEADER,
            unit_id__in=unit_ids,
            user__is_active=True,
            user__email__gt="",
        )
        .select_related("unit", "user")
        .order_by("user__username", "unit__code")
    )
    by_user: dict[int, Recipient] = {}
    for row in rows:
        by_user.setdefault(row.user_id, Recipient(user=row.user, units=[])).units.append(row.unit)
    return list(by_user.values())


def leaders_above_units(unit_ids: set[int]) -> list[Recipient]:
    """The nearest active leaders above each unit (``selectors.leaders_above``), set-based.

    Each leader is listed with the units below them; a unit they lead themselves is
    left out (they are told as its leader). Only those with an e-mail address.
    """
    leaders: dict[int, list[Any]] = defaultdict(list)
    for row in RoleAssignment.objects.filter(
        role=RoleAssignment.Role.LEADER, user__is_active=True
    ).select_related("user"):
        leaders[row.unit_id].append(row.user)
    nearest: dict[int, tuple[int, int]] = {}  # unit -> (depth, ancestor)
    for descendant, ancestor, depth in OrgUnitClosure.objects.filter(
        descendant_id__in=unit_ids, depth__gt=0, ancestor_id__in=list(leaders)
    ).values_list("descendant_id", "ancestor_id", "depth"):
        if descendant not in nearest or depth < nearest[descendant][0]:
            nearest[descendant] = (depth, ancestor)
    units = OrgUnit.objects.in_bulk(list(nearest))
    by_user: dict[int, Recipient] = {}
    for unit_id, (_depth, ancestor) in nearest.items():
        for user in _mailable(leaders[ancestor]):
            if user in leaders[unit_id]:
                continue
            by_user.setdefault(user.pk, Recipient(user=user, units=[])).units.append(units[unit_id])
    recipients = sorted(by_user.values(), key=lambda r: r.user.get_username())
    for recipient in recipients:
        recipient.units.sort(key=lambda unit: unit.code)
    return recipients


def _round_mail(round_: TertialRound, kind: str, recipient: Recipient, today: dt.date) -> Mail:
    period = _period(round_.year, round_.tertial)
    deadline = _date(round_.deadline)
    values = {"period": period, "deadline": deadline}
    links = [
        Link(unit.name, report_url(unit, round_.year, round_.tertial)) for unit in recipient.units
    ]
    if kind == Kind.OPENED:
        subject = _("Tertial report for %(period)s: the round is open, deadline %(deadline)s")
        paragraphs = [
            _(
                "The figures for %(period)s are ready, and the tertial report can be "
                "written. The deadline is %(deadline)s."
            ),
            _(
                "Comment on the indicators that missed their target and choose the "
                "actions you prioritise, then submit the report for:"
            ),
        ]
    elif kind == Kind.DUE_SOON:
        days = (round_.deadline - today).days
        values["days"] = str(days)
        subject = _("Reminder: the tertial report for %(period)s is due %(deadline)s")
        due = (
            _("The deadline for the tertial report for %(period)s is today, %(deadline)s.")
            if days == 0
            else ngettext(
                "The deadline for the tertial report for %(period)s is %(deadline)s, in "
                "%(days)s day.",
                "The deadline for the tertial report for %(period)s is %(deadline)s, in "
                "%(days)s days.",
                days,
            )
        )
        paragraphs = [due, _("These reports of yours have not been submitted yet:")]
    elif kind == Kind.OVERDUE:
        subject = _("Overdue: the tertial report for %(period)s (deadline %(deadline)s)")
        paragraphs = [
            _(
                "The deadline for the tertial report for %(period)s was %(deadline)s. "
                "These reports of yours have not been submitted:"
            ),
        ]
    else:
        subject = _("Tertial reports for %(period)s are missing in units below you")
        paragraphs = [
            _(
                "The deadline for the tertial report for %(period)s was %(deadline)s. "
                "These units below you have not submitted theirs:"
            ),
        ]
        links.append(Link(_("The reports of your units"), reports_url()))
    return Mail(
        user=recipient.user,
        subject=subject % values,
        paragraphs=[paragraph % values for paragraph in paragraphs],
        links=links,
    )


def _send_notice(round_: TertialRound, kind: str, recipient: Recipient, today: dt.date) -> int:
    """Record the notice and send its mail in one transaction; 0 when it was sent before."""
    with transaction.atomic():
        _notice, created = RoundNotice.objects.get_or_create(
            round=round_, user=recipient.user, kind=kind
        )
        if not created:
            return 0
        with translation.override(settings.LANGUAGE_CODE):
            mail = _round_mail(round_, kind, recipient, today)
        return _send([mail])


def round_notices_send(*, round_: TertialRound, today: dt.date | None = None) -> int:
    """Send the open round's notices due on ``today`` that were not sent; how many were.

    A closed round, or one whose reports have all been delivered, sends nothing. A
    mail that fails is logged and not recorded: the next run sends it.
    """
    today = today or timezone.localdate()
    round_ = TertialRound.objects.get(pk=round_.pk)
    if round_.state != TertialRound.State.OPEN:
        return 0
    undelivered = _undelivered_unit_ids(round_)
    if not undelivered:
        return 0
    kind = round_stage(round_, today)
    plan = [(kind, recipient) for recipient in round_leaders(round_, undelivered)]
    if kind == Kind.OVERDUE:
        plan += [(Kind.ESCALATED, recipient) for recipient in leaders_above_units(undelivered)]
    sent_before = set(
        RoundNotice.objects.filter(round=round_, kind__in=[k for k, _r in plan]).values_list(
            "user_id", "kind"
        )
    )
    sent = 0
    for notice_kind, recipient in plan:
        if (recipient.user.pk, notice_kind) in sent_before:
            continue
        try:
            sent += _send_notice(round_, notice_kind, recipient, today)
        except Exception:
            logger.exception(
                "Could not send the %s notice of round %s to user %s; the next run tries again.",
                notice_kind,
                round_,
                recipient.user.pk,
            )
    return sent


# --- A report's transitions ----------------------------------------------------------------


def _event_mails(event: ReportEvent) -> list[Mail]:
    report = event.report
    unit = report.unit
    values = {
        "unit": unit.name,
        "period": _period(report.year, report.tertial),
        "by": _name(event.by) if event.by else _("Strategi"),
    }
    link = Link(_("The report of %(unit)s") % values, report_url(unit, report.year, report.tertial))
    if event.kind == ReportEvent.Kind.SUBMITTED:
        # A unit with no leader above (a top unit) is reviewed by HR: HR is told.
        users = selectors.leaders_above(unit=unit) or list(hr_users())
        subject = _("%(unit)s has submitted the tertial report for %(period)s")
        paragraphs = [
            _(
                "%(by)s has submitted the tertial report of %(unit)s for %(period)s. "
                "Read it, and approve it or send it back with a comment."
            )
        ]
        links = [link, Link(_("The reports of your units"), reports_url())]
    elif event.kind == ReportEvent.Kind.RETURNED:
        users = selectors.unit_leaders(unit=unit)
        subject = _("The tertial report of %(unit)s for %(period)s was sent back")
        paragraphs = [
            _(
                "%(by)s has sent the tertial report of %(unit)s for %(period)s back to "
                "you. Change it as the comment says, and submit it again."
            )
        ]
        links = [link]
    elif event.kind == ReportEvent.Kind.APPROVED:
        users = selectors.unit_leaders(unit=unit)
        subject = _("The tertial report of %(unit)s for %(period)s is approved")
        paragraphs = [_("%(by)s has approved the tertial report of %(unit)s for %(period)s.")]
        links = [link]
    else:
        return []
    return [
        Mail(
            user=user,
            subject=subject % values,
            paragraphs=[paragraph % values for paragraph in paragraphs],
            links=links,
            comment=event.comment,
            comment_by=values["by"] if event.comment else "",
        )
        for user in _mailable(users)
        if user.pk != event.by_id
    ]


def report_event_notify(*, event_id: int, now: dt.datetime | None = None) -> int:
    """Tell the people a report's transition concerns, once; how many mails were sent.

    The event is claimed (``notified_at``) in the transaction that sends; a concurrent
    run skips it (``skip_locked``, and the claim's condition on SQLite), and a mail
    server's refusal rolls the claim back so that the sweep sends it later.
    """
    with transaction.atomic():
        event = (
            ReportEvent.objects.select_for_update(skip_locked=True)
            .filter(pk=event_id, notified_at__isnull=True)
            .first()
        )
        if event is None:
            return 0
        claimed = ReportEvent.objects.filter(pk=event.pk, notified_at__isnull=True).update(
            notified_at=now or timezone.now()
        )
        if not claimed:
            return 0
        event = ReportEvent.objects.select_related("report__unit", "by").get(pk=event.pk)
        with translation.override(settings.LANGUAGE_CODE):
            mails = _event_mails(event)
        return _send(mails)


def report_events_notify_pending(*, limit: int = 500) -> int:
    """Send the transitions not told yet (a task that was lost or failed); the mails sent."""
    ids = list(
        ReportEvent.objects.filter(notified_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for event_id in ids:
        try:
            sent += report_event_notify(event_id=event_id)
        except Exception:
            logger.exception(
                "Could not tell about report event %s; the sweep tries again.", event_id
            )
    return sent
