"""Indicators, their stored values, the working-day calendar the engine uses, and the
recomputes the stored values are owed."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from goals.models import Goal, SubMeasure
from hr.models import ImportJob
from org.models import OrgUnit


class Indicator(models.Model):
    """A measure that follows a sub-measure: computed from HR data or reported."""

    class Direction(models.TextChoices):
        HIGHER = "higher", _("higher is better")
        LOWER = "lower", _("lower is better")
        NEUTRAL = "neutral", _("neither")

    class Kind(models.TextChoices):
        COMPUTED = "computed", _("computed from HR data")
        REPORTED = "reported", _("reported")

    slug = models.SlugField(_("short name"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit_of_measure = models.CharField(
        _("unit of measure"), max_length=50, help_text=_("For example «%», «årsverk», «år».")
    )
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # Counts are never suppressed (spec: Privacy).
    suppressible = models.BooleanField(_("suppressed for small groups"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # Reported values must lie within the scale (10-faktor: 1–5); empty: no bound.
    scale_min = models.FloatField(_("lowest value"), null=True, blank=True)
    scale_max = models.FloatField(_("highest value"), null=True, blank=True)
    sub_measures = models.ManyToManyField(
        SubMeasure, blank=True, related_name="indicators", verbose_name=_("sub-measures")
    )
    # For indicators that follow a goal as a whole (turnover → goal 1, new hires → goal 2).
    goals = models.ManyToManyField(
        Goal, blank=True, related_name="indicators", verbose_name=_("goals")
    )

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["order", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scale_min__isnull=True)
                | Q(scale_max__isnull=True)
                | Q(scale_max__gt=F("scale_min")),
                name="measures_indicator_scale",
                violation_error_message=_("The highest value must be above the lowest value."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Granularity(models.TextChoices):
    MONTH = "month", _("month")
    TERTIAL = "tertial", _("tertial")
    YEAR = "year", _("year")


class IndicatorValue(models.Model):
    """The stored value of one indicator for one unit (its subtree) and period.

    A suppressed value (fewer than ``SUPPRESSION_MIN_PERSONS`` persons, or withheld by
    the complementary rule: ``complementary``) has value, numerator and denominator
    withheld (NULL) and ``suppressed`` true. ``n_persons`` is stored for the recompute's
    comparison; no page, export or API shows it for a suppressed value.
    """

    # No single-column indexes on the two keys: the unique constraint (indicator first)
    # and the (unit, granularity, period_start) index serve their look-ups, and every
    # index costs time when a recompute writes values. No foreign-key constraints in
    # the database either: values are derived and rewritten by every recompute, whose
    # deferred constraint checks took as long as the insert itself; Django still
    # deletes a unit's or an indicator's values with it (on_delete).
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        related_name="values",
        verbose_name=_("indicator"),
        db_index=False,
        db_constraint=False,
    )
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.CASCADE,
        related_name="indicator_values",
        verbose_name=_("unit"),
        db_index=False,
        db_constraint=False,
    )
    granularity = models.CharField(_("granularity"), max_length=10, choices=Granularity.choices)
    period = models.CharField(_("period"), max_length=10, help_text="2024-03, 2024-T2, 2024")
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    value = models.FloatField(_("value"), null=True, blank=True)
    numerator = models.FloatField(_("numerator"), null=True, blank=True)
    denominator = models.FloatField(_("denominator"), null=True, blank=True)
    n_persons = models.IntegerField(_("persons"), null=True, blank=True)
    suppressed = models.BooleanField(_("suppressed"), default=False)
    # Withheld although built from enough persons, so that no subtraction of published
    # values reveals a small group (complementary suppression); implies ``suppressed``.
    complementary = models.BooleanField(
        _("withheld to protect small groups"), default=False, db_default=False
    )
    computed_at = models.DateTimeField(_("computed at"))
    # Reported indicators: who entered or imported the value (computed ones: empty).
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("entered by"),
        db_index=False,  # never looked up by; empty for computed values
    )

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        ordering = ["indicator", "unit", "granularity", "period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "granularity", "period"],
                name="measures_value_unique",
            ),
            models.CheckConstraint(
                condition=Q(suppressed=False)
                | Q(value__isnull=True, numerator__isnull=True, denominator__isnull=True),
                name="measures_value_suppressed_withheld",
            ),
            models.CheckConstraint(
                condition=Q(complementary=False) | Q(suppressed=True),
                name="measures_value_complementary_suppressed",
            ),
        ]
        indexes = [
            models.Index(fields=["granularity", "period_start", "indicator"]),
            models.Index(fields=["unit", "granularity", "period_start"]),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.unit_id} {self.period}: {self.value}"


class SurveyResult(models.Model):
    """One unit's result on one 10-FAKTOR factor in one survey year, as imported.

    The source of the factor's stored values (``IndicatorValue`` of the year), as the
    HR records are of the computed ones: the score is kept here even when the stored
    value withholds it (fewer than ``SUPPRESSION_MIN_PERSONS`` respondents, or the
    complementary rule), so that a later import can re-derive every value of the year.
    Never shown; only the survey import writes it.
    """

    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        related_name="survey_results",
        verbose_name=_("indicator"),
    )
    unit = models.ForeignKey(
        OrgUnit,
        on_delete=models.CASCADE,
        related_name="survey_results",
        verbose_name=_("unit"),
    )
    year = models.PositiveSmallIntegerField(_("survey year"))
    score = models.FloatField(_("score"))
    respondents = models.PositiveIntegerField(_("respondents"))
    imported_at = models.DateTimeField(_("imported at"))
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )

    class Meta:
        verbose_name = _("survey result")
        verbose_name_plural = _("survey results")
        ordering = ["indicator", "year", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "year"], name="measures_survey_result_unique"
            ),
            models.CheckConstraint(
                condition=Q(respondents__gte=1), name="measures_survey_result_respondents"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.unit_id} {self.year}: {self.score} ({self.respondents})"


class CalendarDay(models.Model):
    """One day of the working-day calendar (spec: Calendar).

    ``working_days_before`` and ``working_days_through`` count the working days from
    the start of the table strictly before and up to and including this day, so the
    working days in ``[a, b]`` are ``through(b) - before(a)``: one join per interval
    end instead of one row per day.
    """

    date = models.DateField(primary_key=True)
    is_working_day = models.BooleanField()
    working_days_before = models.IntegerField()
    working_days_through = models.IntegerField()

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        # The engine finds a working day by its number (``sick_leave_persons``).
        indexes = [models.Index(fields=["working_days_through"], name="measures_calendar_through")]

    def __str__(self) -> str:
        return f"{self.date} {'working day' if self.is_working_day else 'free'}"


class Target(models.Model):
    """A target for an indicator at a unit, for the unit's subtree (spec: Targets and status).

    A lower unit's own target for the same indicator wins (nearest ancestor), which is
    how service areas get differentiated targets.
    """

    class Comparator(models.TextChoices):
        LT = "<", "<"
        LE = "<=", "≤"
        GE = ">=", "≥"
        GT = ">", ">"

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="targets", verbose_name=_("indicator")
    )
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.CASCADE, related_name="targets", verbose_name=_("unit")
    )
    comparator = models.CharField(_("comparator"), max_length=2, choices=Comparator.choices)
    value = models.FloatField(_("target value"))
    margin = models.FloatField(
        _("margin for «near»"),
        default=0,
        help_text=_("A value that misses the target by at most this much is «near»."),
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["indicator", "unit", "valid_from"]
        constraints = [
            models.CheckConstraint(condition=Q(margin__gte=0), name="measures_target_margin"),
            models.CheckConstraint(
                condition=Q(comparator__in=["<", "<=", ">=", ">"]),
                name="measures_target_comparator",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="measures_target_interval",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.get_comparator_display()} {self.value:g} ({self.unit})"


class HealthDataAccess(models.Model):
    """One view of indicator values (sick leave is health data): who, when, what, where.

    Written by every page, export and API call that shows computed indicator values
    (``measures.health_data``), readable by HR, pruned after
    ``HEALTH_DATA_ACCESS_LOG_DAYS``.
    """

    class Route(models.TextChoices):
        PAGE = "page", _("page")
        EXPORT = "export", _("export")
        API = "api", _("API")
        COMMAND = "command", _("command")

    at = models.DateTimeField(_("when"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    # Kept when the user is deleted.
    username = models.CharField(_("username"), max_length=150)
    route = models.CharField(_("route"), max_length=10, choices=Route.choices)
    path = models.CharField(_("page, export or API call"), max_length=500)
    # The unit or service area asked for; empty: every unit the user may see.
    scope = models.CharField(_("units"), max_length=200, blank=True)
    token = models.CharField(_("API token"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("view of health data")
        verbose_name_plural = _("views of health data")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.path}"


class Recompute(models.Model):
    """A recompute that the stored figures are owed, from the moment it is asked for.

    Recorded in the transaction that changes the HR data (an import), or by the night's
    schedule, and kept open until a recompute that covers it has stored its values. One
    that fails, is interrupted or cannot be queued stays open and is retried
    (``measures.recomputes``), so the figures converge to the HR data.
    """

    class Reason(models.TextChoices):
        IMPORT = "import", _("HR import")
        NIGHTLY = "nightly", _("nightly recompute")
        REQUESTED = "requested", _("asked for")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        RUNNING = "running", _("running")
        FAILED = "failed", _("failed")
        DONE = "done", _("done")

    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    import_job = models.ForeignKey(
        ImportJob,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("HR import"),
    )
    # The first month to recompute (to the last complete one); empty: all months with data.
    start = models.DateField(_("from month"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    requested_at = models.DateTimeField(_("asked for"), default=timezone.now)
    # Handed to the task queue (Redis mode); empty: not yet, or the queue was unreachable.
    queued_at = models.DateTimeField(_("queued"), null=True, blank=True)
    queue_failed_at = models.DateTimeField(_("task queue unreachable"), null=True, blank=True)
    started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    failed_at = models.DateTimeField(_("last failed"), null=True, blank=True)
    error = models.CharField(_("why it failed"), max_length=500, blank=True)
    # After a failure it is not tried again before this (the wait grows with each one).
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)

    class Meta:
        verbose_name = _("recompute")
        verbose_name_plural = _("recomputes")
        ordering = ["-requested_at", "-pk"]
        indexes = [
            # The open ones are looked up on every HR page and by every sweep.
            models.Index(
                fields=["status", "start"],
                name="measures_recompute_open",
                condition=~Q(status="done"),
            ),
            models.Index(fields=["reason", "requested_at"], name="measures_recompute_reason"),
        ]

    def __str__(self) -> str:
        start = f"{self.start:%Y-%m}" if self.start else "*"
        return f"{self.get_reason_display()} {start} ({self.get_status_display()})"
