"""Strategies, their values, goals, sub-measures and per-goal lists.

The model fits three shapes of strategy: Stavanger's goals with sub-measures and
"shall" lists, Stange's strategy elements with challenges and possible means, and
KS's actions with reflection questions.
"""

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Strategy(models.Model):
    """An organisation (employer) strategy, e.g. Stavanger's Organisasjonsstrategi."""

    slug = models.SlugField(_("short name"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200)
    owner = models.CharField(_("owner organisation"), max_length=200)
    goal_label = models.CharField(
        _("what the goals are called"),
        max_length=50,
        default="Mål",
        help_text=_("For example «Mål», «Strategielement» or «Grep»."),
    )
    description = models.TextField(_("description"), blank=True)
    vision = models.TextField(_("vision"), blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    revision_interval_years = models.PositiveSmallIntegerField(
        _("revised every (years)"), null=True, blank=True
    )
    is_active = models.BooleanField(
        _("active"),
        default=False,
        help_text=_("The active strategy is shown on the front page. Only one can be active."),
    )
    source = models.CharField(_("source document"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("strategy")
        verbose_name_plural = _("strategies")
        ordering = ["-is_active", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True),
                name="goals_strategy_one_active",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="goals_strategy_valid_interval",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.owner})"

    def get_absolute_url(self) -> str:
        return reverse("goals:strategy-detail", args=[self.pk])


class Value(models.Model):
    """A value of the strategy (Stavanger: nær, åpen, nyskapende)."""

    strategy = models.ForeignKey(
        Strategy, on_delete=models.CASCADE, related_name="values", verbose_name=_("strategy")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("value")
        verbose_name_plural = _("values")
        ordering = ["strategy", "order"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "order"], name="goals_value_order"),
        ]

    def __str__(self) -> str:
        return self.name


class Goal(models.Model):
    """A goal of a strategy (Stange: strategy element; KS: action)."""

    strategy = models.ForeignKey(
        Strategy, on_delete=models.CASCADE, related_name="goals", verbose_name=_("strategy")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["strategy", "order", "number"]
        constraints = [
            models.UniqueConstraint(fields=["strategy", "number"], name="goals_goal_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"


class SubMeasure(models.Model):
    """How a goal is reached: the "… gjennom å" items (delmål / tiltaksområde)."""

    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="sub_measures", verbose_name=_("goal")
    )
    order = models.PositiveSmallIntegerField(_("order"))
    title = models.CharField(_("title"), max_length=500)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sub-measure")
        verbose_name_plural = _("sub-measures")
        ordering = ["goal", "order"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "order"], name="goals_submeasure_order"),
        ]

    def __str__(self) -> str:
        return self.title


class GoalItem(models.Model):
    """One entry of a goal's lists: what the organisation or leaders shall do, etc."""

    class Kind(models.TextChoices):
        ORGANISATION_SHALL = "organisation_shall", _("The organisation shall")
        LEADERS_SHALL = "leaders_shall", _("Leaders shall")
        TARGET = "target", _("Targets")
        CHALLENGE = "challenge", _("Challenges")
        DESIRED_EXPERIENCE = "desired_experience", _("We want people to experience")
        POSSIBLE_MEANS = "possible_means", _("Possible means")
        REFLECTION_QUESTION = "reflection_question", _("Questions for reflection")

    goal = models.ForeignKey(
        Goal, on_delete=models.CASCADE, related_name="items", verbose_name=_("goal")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    order = models.PositiveSmallIntegerField(_("order"))
    text = models.TextField(_("text"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("goal list item")
        verbose_name_plural = _("goal list items")
        ordering = ["goal", "kind", "order"]
        constraints = [
            models.UniqueConstraint(fields=["goal", "kind", "order"], name="goals_item_order"),
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "organisation_shall",
                        "leaders_shall",
                        "target",
                        "challenge",
                        "desired_experience",
                        "possible_means",
                        "reflection_question",
                    ]
                ),
                name="goals_item_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]
