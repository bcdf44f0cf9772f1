"""Tertial reports (tertialrapporter): the leader's follow-up of one tertial.

Services only (writes); the reads are in ``report_selectors``. Every service asks the
access gate first. A report carries a ``version``: a form sends the version it was
opened with, and a save against another version is refused (``ReportConflictError``)
instead of overwriting a colleague's work.
"""

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from measures import periods as P

from . import access
from .models import Action, IndicatorComment, OrgUnit, TertialReport

if TYPE_CHECKING:
    from .report_selectors import Reminder


class ReportConflictError(Exception):
    """The report was saved by someone else since the form was opened."""

    def __init__(self, *, version: int) -> None:
        super().__init__(f"the report is at version {version}")
        self.version = version


class ReportSubmittedError(Exception):
    """A submitted report is read-only until HR reopens it."""


def tertial_of(day: dt.date) -> tuple[int, int]:
    """The (year, tertial) that ``day`` lies in."""
    return day.year, (day.month - 1) // 4 + 1


def tertial_before(year: int, tertial: int) -> tuple[int, int]:
    return (year - 1, 3) if tertial == 1 else (year, tertial - 1)


def last_ended_tertial(today: dt.date) -> tuple[int, int]:
    """The latest tertial that has ended before ``today``."""
    return tertial_before(*tertial_of(today))


def _locked(report: TertialReport, version: int) -> TertialReport:
    """The report's row, locked for this transaction; refuses a stale ``version``."""
    current = TertialReport.objects.select_for_update().get(pk=report.pk)
    if current.version != version:
        raise ReportConflictError(version=current.version)
    return current


@transaction.atomic
def report_get_or_create(
    *, unit: OrgUnit, year: int, tertial: int, by: access.User
) -> TertialReport:
    """The unit's report of the tertial; a new draft when there is none yet."""
    access.ensure_can_edit_plans(by, unit)
    P.tertial(year, tertial)  # ValueError for a tertial that does not exist
    report, _created = TertialReport.objects.get_or_create(unit=unit, year=year, tertial=tertial)
    return report


@transaction.atomic
def report_save(
    *,
    report: TertialReport,
    by: access.User,
    version: int,
    summary: str,
    comments: Mapping[int, str],
    prioritised_action_ids: Sequence[int],
) -> TertialReport:
    """Save a draft: the summary, a comment per indicator, the prioritised actions.

    Raises ``ReportConflictError`` when ``version`` is not the stored one,
    ``ReportSubmittedError`` for a submitted report, and ``ValidationError`` when a
    prioritised action is not in the unit's plan of the report's year.
    """
    access.ensure_can_edit_plans(by, report.unit)
    current = _locked(report, version)
    if current.state == TertialReport.State.SUBMITTED:
        raise ReportSubmittedError
    wanted = set(prioritised_action_ids)
    allowed = set(
        Action.objects.filter(
            pk__in=wanted, plan__unit_id=current.unit_id, plan__year=current.year
        ).values_list("pk", flat=True)
    )
    if wanted - allowed:
        raise ValidationError(
            {
                "prioritised_actions": _(
                    "Choose only actions from the unit's action plan for %(year)s."
                )
                % {"year": current.year}
            }
        )
    existing = {c.indicator_id: c for c in current.comments.all()}
    for indicator_id, text in comments.items():
        text = text.strip()
        comment = existing.get(indicator_id)
        if comment is None:
            if text:
                IndicatorComment.objects.create(
                    report=current, indicator_id=indicator_id, text=text
                )
        elif comment.text != text:
            comment.text = text
            comment.save(update_fields=["text"])
    if set(current.prioritised_actions.values_list("pk", flat=True)) != wanted:
        current.prioritised_actions.set(wanted)
    current.summary = summary.strip()
    current.version += 1
    current.save(update_fields=["summary", "version"])
    return current


@transaction.atomic
def report_submit(*, report: TertialReport, by: access.User, version: int) -> TertialReport:
    """Submit the report: it becomes read-only and counts as delivered."""
    access.ensure_can_edit_plans(by, report.unit)
    current = _locked(report, version)
    if current.state == TertialReport.State.SUBMITTED:
        raise ReportSubmittedError
    current.state = TertialReport.State.SUBMITTED
    current.submitted_at = timezone.now()
    current.submitted_by = by
    current.version += 1
    current.save(update_fields=["state", "submitted_at", "submitted_by", "version"])
    return current


@transaction.atomic
def report_reopen(*, report: TertialReport, by: access.User) -> TertialReport:
    """HR only: a submitted report back to draft, so the leader can change it."""
    if not access.is_hr(by):
        raise PermissionDenied
    current = TertialReport.objects.select_for_update().get(pk=report.pk)
    if current.state == TertialReport.State.DRAFT:
        return current
    current.state = TertialReport.State.DRAFT
    current.submitted_at = None
    current.submitted_by = None
    current.version += 1
    current.save(update_fields=["state", "submitted_at", "submitted_by", "version"])
    return current


def tertial_report_reminders_send(*, reminders: "Sequence[Reminder]") -> int:
    """Send one e-mail per reminder (in the site's language); returns how many were sent."""
    messages = []
    with translation.override(settings.LANGUAGE_CODE):
        for reminder in reminders:
            period = _("Tertial %(number)s, %(year)s") % {
                "number": reminder.tertial,
                "year": reminder.year,
            }
            lines = [
                _("Hello %(name)s,") % {"name": reminder.name},
                "",
                _("These units of yours have not submitted their tertial report for %(period)s:")
                % {"period": period},
                "",
                *[
                    f"- {unit.name}: "
                    + reverse(
                        "workplaces:tertial-report-edit",
                        kwargs={
                            "unit_code": unit.code,
                            "year": reminder.year,
                            "tertial": reminder.tertial,
                        },
                    )
                    for unit in reminder.units
                ],
                "",
                _("Please write and submit the reports in Strategi."),
            ]
            messages.append(
                EmailMessage(
                    subject=_("Reminder: tertial report for %(period)s") % {"period": period},
                    body="\n".join(lines),
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[reminder.email],
                )
            )
    if not messages:
        return 0
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
