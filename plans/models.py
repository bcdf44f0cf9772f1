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
    # The action this one was copied from (last year's unfinished action).
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies"
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords(table_name="workplaces_historicalaction")

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
)


class TertialReport(models.Model):
    """A leader's follow-up of one tertial: comments on indicators, prioritised actions."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")

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
        ]

    def __str__(self) -> str:
        return f"{self.unit.name} {self.year}-T{self.tertial}"


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
    history = HistoricalRecords(table_name="workplaces_historicalindicatorcomment")

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
