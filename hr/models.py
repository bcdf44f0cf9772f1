"""Pseudonymous HR records (employments, sick-leave spells) and the imports that wrote them.

The tables keep the names they had in the former ``workplaces`` app (``db_table``), so an
installation upgraded from it keeps its rows; see ``hr/migrations/0001_initial.py``.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import OrgUnit


class ImportedVersion(models.Model):
    """What a version of an HR record tells besides its values: the import that wrote it.

    The base of the historical models of employments and absence spells (written by
    the import, ``hr.services.writing``); the version's user is the import's user.
    """

    import_job = models.ForeignKey(
        "hr.ImportJob",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("HR import"),
    )

    class Meta:
        abstract = True


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
    history = HistoricalRecords(bases=[ImportedVersion])

    class Meta:
        db_table = "workplaces_employment"
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
    history = HistoricalRecords(bases=[ImportedVersion])

    class Meta:
        db_table = "workplaces_absencespell"
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
    # The figures do not show this import's changes yet: the recompute they are owed
    # (``measures.models.Recompute``) has not run, or failed and is tried again.
    recompute_pending = models.BooleanField(_("recompute pending"), default=False)

    class Meta:
        db_table = "workplaces_importjob"
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
        db_table = "workplaces_importjobfile"
        verbose_name = _("import file")
        verbose_name_plural = _("import files")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name
