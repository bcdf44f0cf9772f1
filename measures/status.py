"""Targets and status (spec: Targets and status), evaluated when values are read.

Status is derived from a stored value and the target that applies to it, so editing a
target changes every status at once without recomputing any indicator.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db import models
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from org.models import OrgUnitClosure

from .models import IndicatorValue, Target


class Status(models.TextChoices):
    MET = "met", _("met")
    NEAR = "near", _("near")
    MISSED = "missed", _("missed")
    NONE = "none", _("no status")


def meets(value: float, comparator: str, target: float) -> bool:
    """Whether ``value`` satisfies ``comparator target`` (``<``, ``<=``, ``>=``, ``>``)."""
    if comparator == "<":
        return value < target
    if comparator == "<=":
        return value <= target
    if comparator == ">=":
        return value >= target
    if comparator == ">":
        return value > target
    raise ValueError(f"unknown comparator {comparator!r}")


def evaluate(value: float | None, *, suppressed: bool, target: Target | None) -> Status:
    """``met``, ``near`` (misses by at most the margin), ``missed``, or ``none``.

    ``none`` when there is no target, no value, or the value is suppressed.
    """
    if target is None or value is None or suppressed:
        return Status.NONE
    if meets(value, target.comparator, target.value):
        return Status.MET
    if target.margin > 0 and abs(value - target.value) <= target.margin:
        return Status.NEAR
    return Status.MISSED


def evaluate_stored(value: IndicatorValue | None, target: Target | None) -> Status:
    """The status of a stored value (or of none) against ``target``."""
    return evaluate(
        value.value if value else None,
        suppressed=bool(value and value.suppressed),
        target=target,
    )


def target_applies(target: Target, on: dt.date) -> bool:
    """Whether ``on`` (a period's reference date) lies in the target's validity interval."""
    return (target.valid_from is None or target.valid_from <= on) and (
        target.valid_to is None or target.valid_to >= on
    )


class TargetResolver:
    """Finds the target that applies to (indicator, unit, date): the nearest ancestor's.

    Built with two queries (all targets, the ancestors of the units asked about); then
    answers from memory, so a page or export of any size costs the same.
    """

    def __init__(self, unit_ids: Iterable[int] | None = None) -> None:
        self._targets: dict[tuple[int, int], list[Target]] = defaultdict(list)
        latest_first = F("valid_from").desc(nulls_last=True)
        for target in Target.objects.order_by(latest_first, "pk"):
            self._targets[(target.indicator_id, target.unit_id)].append(target)
        closure = OrgUnitClosure.objects.order_by("descendant_id", "depth")
        if unit_ids is not None:
            closure = closure.filter(descendant_id__in=list(unit_ids))
        self._ancestors: dict[int, list[int]] = defaultdict(list)
        for descendant, ancestor in closure.values_list("descendant_id", "ancestor_id"):
            self._ancestors[descendant].append(ancestor)

    def resolve(self, *, indicator_id: int, unit_id: int, on: dt.date) -> Target | None:
        for ancestor in self._ancestors.get(unit_id, [unit_id]):
            for target in self._targets.get((indicator_id, ancestor), []):
                if target_applies(target, on):
                    return target
        return None
