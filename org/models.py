"""The organisation: the unit tree, its closure table, and who leads or represents which unit.

The tables keep the names they had in the former ``workplaces`` app (``db_table``), so an
installation upgraded from it keeps its rows; see ``org/migrations/0001_initial.py``.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class OrgUnit(models.Model):
    """A unit of the organisation tree: kommune → tjenesteområde → virksomhet → avdeling.

    The tree comes from the HR export (``hr.services.hr_import``), which refuses cycles
    and rebuilds the closure table; the administration shows it read-only.
    """

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
    history = HistoricalRecords(table_name="workplaces_historicalorgunit")

    class Meta:
        db_table = "workplaces_orgunit"
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
        db_table = "workplaces_orgunitclosure"
        constraints = [
            models.UniqueConstraint(
                fields=["ancestor", "descendant"], name="workplaces_closure_pair"
            ),
        ]
        indexes = [models.Index(fields=["descendant", "ancestor"])]

    def __str__(self) -> str:
        return f"{self.ancestor_id} ⊇ {self.descendant_id} ({self.depth})"


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
    history = HistoricalRecords(table_name="workplaces_historicalroleassignment")

    class Meta:
        db_table = "workplaces_roleassignment"
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
