"""Org units; later also the pseudonymous HR records, plans and reports."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class OrgUnit(models.Model):
    """A unit of the organisation tree: kommune → tjenesteområde → virksomhet → avdeling."""

    class Level(models.TextChoices):
        MUNICIPALITY = "kommune", _("municipality")
        SERVICE_AREA = "tjenesteomrade", _("service area")
        ENTERPRISE = "virksomhet", _("enterprise")
        DEPARTMENT = "avdeling", _("department")

    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent unit"),
    )
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    shift_based = models.BooleanField(
        _("shift-based"), default=False, help_text=_("Turnus-based unit.")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__in=["kommune", "tjenesteomrade", "virksomhet", "avdeling"]),
                name="workplaces_orgunit_level_valid",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=F("id")),
                name="workplaces_orgunit_not_own_parent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class OrgUnitClosure(models.Model):
    """Every (ancestor, descendant) pair of the unit tree, a unit being its own ancestor.

    Derived from ``OrgUnit.parent`` by ``orgunit_tree_rebuild``; lets subtree sums and
    access checks be one join instead of a recursive walk.
    """

    ancestor = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    descendant = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="+")
    depth = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ancestor", "descendant"], name="workplaces_closure_pair"
            ),
        ]
        indexes = [models.Index(fields=["descendant", "ancestor"])]

    def __str__(self) -> str:
        return f"{self.ancestor_id} ⊇ {self.descendant_id} ({self.depth})"


class Employment(models.Model):
    """An employment (arbeidsforhold) of a pseudonymous person; see spec/hr-import.md."""

    class EndReason(models.TextChoices):
        OLD_AGE_PENSION = "alderspensjon", _("old-age pension")
        AFP = "afp", _("early retirement (AFP)")
        DISABILITY = "uforetrygd", _("disability benefit")
        RESIGNATION = "oppsigelse", _("resignation")
        DEATH = "dodsfall", _("death")
        OTHER = "annet", _("other")

    class Type(models.TextChoices):
        PERMANENT = "fast", _("permanent")
        TEMPORARY = "midlertidig", _("temporary")

    class Gender(models.TextChoices):
        FEMALE = "K", _("female")
        MALE = "M", _("male")

    employment_id = models.CharField(_("employment id"), max_length=100, unique=True)
    person_id = models.CharField(_("person id"), max_length=100, db_index=True)
    birth_date = models.DateField(_("birth date"))
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, related_name="employments", verbose_name=_("unit")
    )
    position_pct = models.FloatField(_("position (%)"))
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    end_reason = models.CharField(
        _("end reason"), max_length=20, choices=EndReason.choices, blank=True
    )
    employment_type = models.CharField(
        _("employment type"), max_length=20, choices=Type.choices, default=Type.PERMANENT
    )
    job_title = models.CharField(_("job title"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("employment")
        verbose_name_plural = _("employments")
        ordering = ["employment_id"]
        indexes = [
            models.Index(fields=["unit", "start_date"]),
            models.Index(fields=["person_id", "start_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(position_pct__gt=0, position_pct__lte=100),
                name="workplaces_employment_position_range",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="workplaces_employment_interval",
            ),
        ]

    def __str__(self) -> str:
        return self.employment_id


class AbsenceSpell(models.Model):
    """A sick-leave spell (sykefraværstilfelle) of one employment."""

    class Kind(models.TextChoices):
        SELF_CERTIFIED = "egenmeldt", _("self-certified")
        DOCTOR_CERTIFIED = "legemeldt", _("doctor-certified")

    absence_id = models.CharField(_("absence id"), max_length=100, unique=True)
    employment = models.ForeignKey(
        Employment,
        on_delete=models.PROTECT,
        related_name="absences",
        verbose_name=_("employment"),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    grade_pct = models.FloatField(_("sick-leave grade (%)"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)

    class Meta:
        verbose_name = _("absence spell")
        verbose_name_plural = _("absence spells")
        ordering = ["absence_id"]
        indexes = [models.Index(fields=["employment", "start_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(grade_pct__gt=0, grade_pct__lte=100),
                name="workplaces_absence_grade_range",
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="workplaces_absence_interval",
            ),
        ]

    def __str__(self) -> str:
        return self.absence_id


class ImportJob(models.Model):
    """One HR import: who, when, which files, what changed, every error."""

    class Source(models.TextChoices):
        COMMAND = "command", _("command line")
        WEB = "web", _("browser upload")
        API = "api", _("API")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RUNNING
    )
    skip_invalid = models.BooleanField(_("skip invalid rows"), default=False)
    files = models.JSONField(_("files"), default=list)
    # {"orgunits.csv": {"rows": n, "created": n, "updated": n, "unchanged": n, "rejected": n}}
    counts = models.JSONField(_("counts"), default=dict)
    # [{"file": ..., "line": n, "column": ..., "reason": ...}]
    errors = models.JSONField(_("errors"), default=list)
    # First month whose indicators the import changed (None: nothing changed).
    first_month_touched = models.DateField(_("first month touched"), null=True, blank=True)
    # The recompute could not be queued (broker unreachable); a periodic task retries it.
    recompute_pending = models.BooleanField(_("recompute pending"), default=False)

    class Meta:
        verbose_name = _("HR import")
        verbose_name_plural = _("HR imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.created_at:%Y-%m-%d %H:%M} ({self.status})"


class ImportJobFile(models.Model):
    """A file of a queued import (API uploads), kept until a worker has imported it."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="uploads")
    name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"))

    class Meta:
        verbose_name = _("import file")
        verbose_name_plural = _("import files")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


class RoleAssignment(models.Model):
    """Who leads, or represents employees at, which unit (and the units below it)."""

    class Role(models.TextChoices):
        LEADER = "leader", _("leader")
        REPRESENTATIVE = "representative", _("employee representative")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="unit_assignments",
        verbose_name=_("user"),
    )
    unit = models.ForeignKey(
        OrgUnit, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("unit")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        ordering = ["user", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit", "role"], name="workplaces_assignment_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.unit}"


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
    history = HistoricalRecords()

    class Meta:
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
    history = HistoricalRecords()

    class Meta:
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
    history = HistoricalRecords(m2m_fields=[prioritised_actions])

    class Meta:
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
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicator comment")
        verbose_name_plural = _("indicator comments")
        constraints = [
            models.UniqueConstraint(
                fields=["report", "indicator"], name="workplaces_comment_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report}: {self.indicator_id}"
