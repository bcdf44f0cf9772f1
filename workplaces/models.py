"""Org units; later also the pseudonymous HR records, plans and reports."""

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
