"""Writes for indicators: the seeded definitions and their links to the strategy."""

from dataclasses import dataclass

from django.db import transaction

from goals.models import Goal, SubMeasure

from .engine import indicator_definitions
from .models import Indicator


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
        indicator = Indicator.objects.filter(slug=spec["slug"]).first()
        if indicator is None:
            indicator = Indicator.objects.create(slug=spec["slug"], **values)
            result.created += 1
        else:
            changed = [k for k, v in values.items() if getattr(indicator, k) != v]
            if changed:
                for k in changed:
                    setattr(indicator, k, values[k])
                indicator.save(update_fields=changed)
                result.updated += 1
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
