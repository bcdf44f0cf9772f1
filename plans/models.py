"""Action plans (handlingsplaner) with their actions, and tertial reports with their comments.

The tables keep the names they had in the former ``workplaces`` app (``db_table``), so an
installation upgraded from it keeps its rows; see ``plans/migrations/0001_initial.py``.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import OrgUnit


class KeptTableHistory(HistoricalRecords):
    """History whose many-to-many history table keeps its ``workplaces_`` name.

    simple-history names that table after the app; the main history table is named by
    ``table_name``.
    """

    def get_meta_options_m2m(self, through_model: Any) -> dict[str, Any]:
        options = super().get_meta_options_m2m(through_model)
        options["db_table"] = f"workplaces_{self.get_history_model_name(through_model).lower()}"
        return options


class ActionPlan(models.Model):
    """A workplace's action plan (handlingsplan) for one year under a strategy."""

    unit = models.ForeignKey(
        OrgUnit, on_delete=models.CASCADE, related_name="action_plans", verbose_name=_("unit")
    )
    strategy = models.ForeignKey(
        "goals.Strategy",
        on_delete=models.PROTECT,
        related_name="action_plans",
        verbose_name=_("strategy"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    # Bumped on every save; a form carries the version it was opened with, so a
    # concurrent edit is detected instead of overwritten.
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(table_name="workplaces_historicalactionplan")

    class Meta:
        db_table = "workplaces_actionplan"
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        ordering = ["unit", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "strategy", "year"], name="workplaces_plan_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.name} {self.year}"


# The history of actions, with the indicators each version named. Kept here so that
# ``plans.services`` can write one record after an action and its indicators are saved
# together (the many-to-many signals would write one per step: save, remove, add).
ACTION_HISTORY = HistoricalRecords(
    table_name="workplaces_historicalaction", m2m_fields=["indicators"]
)


class Action(models.Model):
    """An action (tiltak) of a plan under one of the strategy's goals."""

    class Status(models.TextChoices):
        PLANNED = "planlagt", _("planned")
        IN_PROGRESS = "pagar", _("in progress")
        DONE = "fullfort", _("done")
        POSTPONED = "utsatt", _("postponed")

    plan = models.ForeignKey(
        ActionPlan, on_delete=models.CASCADE, related_name="actions", verbose_name=_("plan")
    )
    goal = models.ForeignKey(
        "goals.Goal", on_delete=models.PROTECT, related_name="actions", verbose_name=_("goal")
    )
    sub_measure = models.ForeignKey(
        "goals.SubMeasure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="actions",
        verbose_name=_("sub-measure"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    responsible = models.CharField(_("responsible"), max_length=200, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PLANNED
    )
    representatives_took_part = models.BooleanField(
        _("employee representatives took part"), default=False
    )
    representatives_took_part_on = models.DateField(
        _("when the representatives took part"), null=True, blank=True
    )
    # What the action should move: indicators of the plan's strategy, and the period
    # measured before it began (``YYYY-MM``, ``YYYY-Tn`` or ``YYYY``; empty: not given).
    # The action starts the day after its baseline period ends.
    indicators = models.ManyToManyField(
        "measures.Indicator",
        blank=True,
        related_name="actions",
        verbose_name=_("indicators"),
    )
    baseline_period = models.CharField(
        _("baseline period"),
        max_length=10,
        blank=True,
        default="",
        help_text="2025-12, 2025-T3, 2025",
    )
    # The action this one was copied from (last year's unfinished action).
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies"
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    history = ACTION_HISTORY

    class Meta:
        db_table = "workplaces_action"
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        ordering = ["plan", "goal__order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["planlagt", "pagar", "fullfort", "utsatt"]),
                name="workplaces_action_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title


# The fields of an action a leader may set, in display order (the history shows them so).
ACTION_FIELDS = (
    "goal",
    "sub_measure",
    "title",
    "description",
    "responsible",
    "deadline",
    "status",
    "representatives_took_part",
    "representatives_took_part_on",
    "baseline_period",
)


class TertialRound(models.Model):
    """The follow-up round of one tertial: open for reports from when its figures exist.

    A round opens when the recompute first stores values for the tertial's last month
    (``plans.services.round_open_when_figures_exist``) or when HR opens it by hand; its
    deadline is ``ROUND_DEADLINE_DAYS`` after opening unless HR sets another. Leaders
    are reminded while it is open (``plans.notifications``). A closed round's reports
    can no longer be changed; HR may open it again.
    """

    class State(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    year = models.PositiveSmallIntegerField(_("year"))
    tertial = models.PositiveSmallIntegerField(_("tertial"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    opened_at = models.DateTimeField(_("opened"))
    # None: opened by the recompute that stored the tertial's figures.
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    deadline = models.DateField(_("deadline"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("tertial round")
        verbose_name_plural = _("tertial rounds")
        ordering = ["-year", "-tertial"]
        constraints = [
            models.UniqueConstraint(fields=["year", "tertial"], name="plans_round_unique"),
            models.CheckConstraint(
                condition=Q(tertial__gte=1, tertial__lte=3), name="plans_round_tertial"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["open", "closed"]), name="plans_round_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}-T{self.tertial}"


class TertialReport(models.Model):
    """A leader's follow-up of one tertial: comments on indicators, prioritised actions.

    Its life: draft → submitted → approved by the leader above (or HR), or returned
    (sent back with a comment; the leader edits it as a draft and submits again).
    Every transition is a ``ReportEvent`` and a history record.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned")
        APPROVED = "approved", _("approved")

    # States in which the unit's leader may edit the report.
    EDITABLE = (State.DRAFT, State.RETURNED)
    # States that count as delivered.
    DELIVERED = (State.SUBMITTED, State.APPROVED)

    unit = models.ForeignKey(
        OrgUnit, on_delete=models.CASCADE, related_name="tertial_reports", verbose_name=_("unit")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    tertial = models.PositiveSmallIntegerField(_("tertial"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    summary = models.TextField(_("summary"), blank=True)
    prioritised_actions = models.ManyToManyField(
        Action, blank=True, related_name="prioritised_in", verbose_name=_("prioritised actions")
    )
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    # The last review: who approved or returned it, when, and the reviewer's comment.
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    review_comment = models.TextField(_("reviewer's comment"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = KeptTableHistory(
        table_name="workplaces_historicaltertialreport", m2m_fields=[prioritised_actions]
    )

    class Meta:
        db_table = "workplaces_tertialreport"
        verbose_name = _("tertial report")
        verbose_name_plural = _("tertial reports")
        ordering = ["unit", "-year", "-tertial"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "tertial"], name="workplaces_report_unique"
            ),
            models.CheckConstraint(
                condition=Q(tertial__gte=1, tertial__lte=3), name="workplaces_report_tertial"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["draft", "submitted", "returned", "approved"]),
                name="plans_report_state_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.name} {self.year}-T{self.tertial}"

    @property
    def editable(self) -> bool:
        return self.state in self.EDITABLE

    @property
    def delivered(self) -> bool:
        return self.state in self.DELIVERED


class IndicatorComment(models.Model):
    """The leader's comment on one indicator in a tertial report."""

    report = models.ForeignKey(
        TertialReport, on_delete=models.CASCADE, related_name="comments", verbose_name=_("report")
    )
    indicator = models.ForeignKey(
        "measures.Indicator",
        on_delete=models.CASCADE,
        related_name="comments",
        verbose_name=_("indicator"),
    )
    text = models.TextField(_("comment"), blank=True)
    # What the leader does about it: actions of the unit's plan, or why none.
    actions = models.ManyToManyField(
        Action, blank=True, related_name="explains", verbose_name=_("actions")
    )
    no_action_reason = models.TextField(_("no action, because"), blank=True)
    history = HistoricalRecords(
        table_name="workplaces_historicalindicatorcomment", m2m_fields=[actions]
    )

    class Meta:
        db_table = "workplaces_indicatorcomment"
        verbose_name = _("indicator comment")
        verbose_name_plural = _("indicator comments")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "indicator"], name="workplaces_comment_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report}: {self.indicator_id}"


class ReportEvent(models.Model):
    """A transition of a tertial report, who made it, and the comment that came with it.

    ``notified_at`` is set once the people it concerns have been told (submitted: the
    leader above; returned and approved: the unit's leaders), so that a rerun of the
    notification task tells nobody twice.
    """

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", _("submitted")
        RETURNED = "returned", _("returned")
        APPROVED = "approved", _("approved")
        REOPENED = "reopened", _("reopened")

    report = models.ForeignKey(
        TertialReport, on_delete=models.CASCADE, related_name="events", verbose_name=_("report")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)
    notified_at = models.DateTimeField(_("notified"), null=True, blank=True)

    class Meta:
        verbose_name = _("report event")
        verbose_name_plural = _("report events")
        ordering = ["report", "at", "pk"]
        indexes = [
            models.Index(
                fields=["notified_at"],
                name="plans_event_unnotified",
                condition=Q(notified_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.report}: {self.kind}"


class AreaSummary(models.Model):
    """The summary a reviewing leader (or HR) writes for a unit's subtree in a round.

    It is the area's own text in the council report; a unit without one is summarised
    by its units' compiled comments.
    """

    unit = models.ForeignKey(
        OrgUnit, on_delete=models.CASCADE, related_name="area_summaries", verbose_name=_("unit")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    tertial = models.PositiveSmallIntegerField(_("tertial"))
    text = models.TextField(_("summary"), blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("area summary")
        verbose_name_plural = _("area summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "tertial"], name="plans_area_summary_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit.name} {self.year}-T{self.tertial}"


class RoundNotice(models.Model):
    """One reminder of a round sent to one person: a rerun of the task sends it not again.

    ``kind``: the round opened, the deadline is near, the deadline has passed (to the
    unit's leader), or escalated (to the leader above). Recorded in the same
    transaction as the decision to send, before the mail goes out.
    """

    class Kind(models.TextChoices):
        OPENED = "opened", _("round opened")
        DUE_SOON = "due_soon", _("deadline near")
        OVERDUE = "overdue", _("deadline passed")
        ESCALATED = "escalated", _("escalated to the leader above")

    round = models.ForeignKey(
        TertialRound, on_delete=models.CASCADE, related_name="notices", verbose_name=_("round")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("to")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("round notice")
        verbose_name_plural = _("round notices")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "user", "kind"], name="plans_round_notice_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} {self.kind} → {self.user_id}"


class SubmissionKey(models.Model):
    """One submission of a form or an API request, by its key: a repeat gets its result.

    A form carries a fresh key (a hidden field); an API client may send an
    ``Idempotency-Key`` header. ``plans.services.submit_once`` claims the key in the same
    transaction as the write, so a double click or a client's retry writes once. Keys
    are kept for a day (``SUBMISSION_KEY_HOURS``).
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    # What was submitted where (e.g. "action-create:12:2026"), and a digest of the content.
    scope = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64)
    # The first submission's result: the object it wrote and where it is shown.
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("submission key")
        verbose_name_plural = _("submission keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="plans_submission_key_unique"),
        ]
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class Capacity(models.TextChoices):
    """In which capacity an employee representative speaks: tillitsvalgt or verneombud.

    Both hold the one representative role of ``org`` (``RoleAssignment.Role.REPRESENTATIVE``);
    the representative says which of the two they act as when they confirm or remark.
    """

    UNION = "tillitsvalgt", _("union representative")
    SAFETY = "verneombud", _("safety representative")


class ParticipationConfirmation(models.Model):
    """An employee representative's own confirmation that they took part in an action.

    One per person and action (withdrawing deletes it; the history keeps both). It stands
    beside the leader's «representatives took part» checkbox, which it does not change.
    """

    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, related_name="confirmations", verbose_name=_("action")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="participation_confirmations",
        verbose_name=_("representative"),
    )
    capacity = models.CharField(
        _("capacity"), max_length=20, choices=Capacity.choices, default=Capacity.UNION
    )
    confirmed_at = models.DateTimeField(_("confirmed"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("participation confirmation")
        verbose_name_plural = _("participation confirmations")
        ordering = ["action", "confirmed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["action", "user"], name="plans_confirmation_once"),
            models.CheckConstraint(
                condition=Q(capacity__in=["tillitsvalgt", "verneombud"]),
                name="plans_confirmation_capacity_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action_id} ✓ {self.user_id}"


class RepresentativeRemark(models.Model):
    """An employee representative's remark on a unit's plan for a year, or on its report.

    ``tertial`` None: a remark on the plan of ``year``; 1–3: on the tertial report of that
    round. Kept by unit and period, not by plan or report row, so a representative can
    speak before the leader has started either (and a remark is not locked by submit).
    """

    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.CASCADE,
        related_name="representative_remarks",
        verbose_name=_("unit"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    tertial = models.PositiveSmallIntegerField(_("tertial"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="representative_remarks",
        verbose_name=_("representative"),
    )
    capacity = models.CharField(
        _("capacity"), max_length=20, choices=Capacity.choices, default=Capacity.UNION
    )
    text = models.TextField(_("remark"))
    created_at = models.DateTimeField(_("written"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("representative's remark")
        verbose_name_plural = _("representatives' remarks")
        ordering = ["unit", "year", "tertial", "created_at", "pk"]
        indexes = [models.Index(fields=["unit", "year", "tertial"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(tertial__isnull=True) | Q(tertial__gte=1, tertial__lte=3),
                name="plans_remark_tertial",
            ),
            models.CheckConstraint(
                condition=Q(capacity__in=["tillitsvalgt", "verneombud"]),
                name="plans_remark_capacity_valid",
            ),
        ]

    def __str__(self) -> str:
        period = f"{self.year}-T{self.tertial}" if self.tertial else str(self.year)
        return f"{self.unit_id} {period}: {self.author_id}"
