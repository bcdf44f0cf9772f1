"""Writes for indicators and targets: seeded definitions, links to the strategy, targets."""

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from goals.models import Goal, SubMeasure
from strategi.upsert import upsert_changed
from workplaces.models import OrgUnit

from .engine import indicator_definitions, indicators_ensure
from .models import Indicator, Target


@dataclass
class IndicatorLoadResult:
    created: int = 0
    updated: int = 0
    links: int = 0


@transaction.atomic
def indicators_load_seeded() -> IndicatorLoadResult:
    """Create or update the spec's computed indicators and link them to what they follow.

    Links are made only to strategies that are loaded; running it again changes nothing.
    """
    result = IndicatorLoadResult()
    for order, spec in enumerate(indicator_definitions()):
        values = {
            "name": spec["name"],
            "description": spec["description"],
            "unit_of_measure": spec["unit_of_measure"],
            "direction": spec["direction"],
            "kind": Indicator.Kind.COMPUTED,
            "suppressible": spec["suppressible"],
            "order": order,
        }
        indicator, outcome = upsert_changed(Indicator, lookup={"slug": spec["slug"]}, values=values)
        result.created += outcome == "created"
        result.updated += outcome == "updated"
        for link in spec["follows"]:
            if "sub_measure" in link:
                targets = SubMeasure.objects.filter(
                    goal__strategy__slug=link["strategy"],
                    goal__number=link["goal"],
                    title=link["sub_measure"],
                )
                related = indicator.sub_measures
            else:
                targets = Goal.objects.filter(strategy__slug=link["strategy"], number=link["goal"])
                related = indicator.goals
            missing = targets.exclude(pk__in=related.values("pk"))
            result.links += missing.count()
            related.add(*missing)
    return result


def _overlaps(
    a_from: dt.date | None, a_to: dt.date | None, b_from: dt.date | None, b_to: dt.date | None
) -> bool:
    starts_before_other_ends = b_to is None or a_from is None or a_from <= b_to
    ends_after_other_starts = a_to is None or b_from is None or a_to >= b_from
    return starts_before_other_ends and ends_after_other_starts


@transaction.atomic
def target_save(
    *,
    indicator: Indicator,
    unit: OrgUnit,
    comparator: str,
    value: float,
    margin: float = 0.0,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    target: Target | None = None,
) -> Target:
    """Create (or, given ``target``, change) a target; refuses overlapping validity.

    Two targets for the same indicator and unit must not apply on the same day, so the
    nearest-ancestor rule always finds exactly one.
    """
    if valid_from and valid_to and valid_to < valid_from:
        raise ValidationError({"valid_to": _("The end must not be before the start.")})
    if margin < 0:
        raise ValidationError({"margin": _("The margin cannot be negative.")})
    others = Target.objects.select_for_update().filter(indicator=indicator, unit=unit)
    if target is not None:
        others = others.exclude(pk=target.pk)
    for other in others:
        if _overlaps(valid_from, valid_to, other.valid_from, other.valid_to):
            raise ValidationError(
                _("This unit already has a target for this indicator in that period: %(t)s")
                % {"t": other}
            )
    target = target or Target(indicator=indicator, unit=unit)
    target.indicator, target.unit = indicator, unit
    target.comparator, target.value, target.margin = comparator, value, margin
    target.valid_from, target.valid_to = valid_from, valid_to
    target.full_clean()
    target.save()
    return target


# The strategy's own targets (Stavanger, goal 3), set at the municipality (root unit).
STRATEGY_TARGETS = (
    ("full_time_share_shift", ">=", 50.0, 5.0),
    ("sick_leave_pct", "<", 6.0, 0.5),
)


@transaction.atomic
def targets_seed_strategy(*, root: OrgUnit | None = None) -> int:
    """Add the strategy's targets at the root unit where that unit has none; returns count."""
    root = root or OrgUnit.objects.filter(parent=None).first()
    if root is None:
        return 0
    created = 0
    indicators = indicators_ensure()
    for slug, comparator, value, margin in STRATEGY_TARGETS:
        if not Target.objects.filter(indicator=indicators[slug], unit=root).exists():
            target_save(
                indicator=indicators[slug], unit=root, comparator=comparator, value=value,
                margin=margin,
            )  # fmt: skip
            created += 1
    return created
