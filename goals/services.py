"""Writes for strategies: loading the seeded strategies from their data file."""

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from django.db import models, transaction

from strategi.db import upsert_changed

from .models import Goal, GoalItem, Strategy, SubMeasure, Value

M = TypeVar("M", bound=models.Model)

STRATEGIES_FILE = Path(__file__).resolve().parent / "data" / "strategies.json"


@dataclass
class LoadResult:
    """How many rows a load created, updated and deleted (for the command's output)."""

    created: int = 0
    updated: int = 0
    deleted: int = 0
    strategies: list[str] = field(default_factory=list)


def _upsert(
    model: type[M], result: LoadResult, *, lookup: dict[str, Any], values: dict[str, Any]
) -> M:
    """Create or update one row and count it in ``result``."""
    obj, outcome = upsert_changed(model, lookup=lookup, values=values)
    if outcome == "created":
        result.created += 1
    elif outcome == "updated":
        result.updated += 1
    return obj


def _delete_beyond(queryset: models.QuerySet, count: int, result: LoadResult) -> None:
    """Delete list rows whose order lies beyond the loaded list (the file shrank)."""
    for obj in queryset.filter(order__gte=count):
        obj.delete()
        result.deleted += 1


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@transaction.atomic
def strategies_load(*, data: dict[str, Any]) -> LoadResult:
    """Load strategies from the seed data structure; idempotent.

    Strategies are matched by slug, goals by number, list entries by position, so ids
    stay stable and a second load of the same data changes nothing. A strategy is
    made active only when it is created and no other strategy is active.
    """
    result = LoadResult()
    for spec in data["strategies"]:
        strategy = Strategy.objects.filter(slug=spec["slug"]).first()
        values = {
            "name": spec["name"],
            "owner": spec["owner"],
            "goal_label": spec.get("goal_label") or "Mål",
            "description": spec.get("description") or "",
            "vision": spec.get("vision") or "",
            "valid_from": _date(spec.get("valid_from")),
            "valid_to": _date(spec.get("valid_to")),
            "revision_interval_years": spec.get("revision_interval_years"),
            "source": spec.get("source") or "",
        }
        if strategy is None:
            values["is_active"] = bool(spec.get("is_active")) and not (
                Strategy.objects.filter(is_active=True).exists()
            )
        strategy = _upsert(Strategy, result, lookup={"slug": spec["slug"]}, values=values)
        result.strategies.append(strategy.slug)

        for order, value in enumerate(spec.get("values", [])):
            _upsert(
                Value,
                result,
                lookup={"strategy": strategy, "order": order},
                values={"name": value["name"], "description": value.get("description") or ""},
            )
        _delete_beyond(strategy.values.all(), len(spec.get("values", [])), result)

        numbers = []
        for order, goal_spec in enumerate(spec["goals"]):
            numbers.append(goal_spec["number"])
            goal = _upsert(
                Goal,
                result,
                lookup={"strategy": strategy, "number": goal_spec["number"]},
                values={
                    "title": goal_spec["title"],
                    "description": goal_spec.get("description") or "",
                    "order": order,
                },
            )
            sub_measures = goal_spec.get("sub_measures", [])
            for sub_order, title in enumerate(sub_measures):
                _upsert(
                    SubMeasure,
                    result,
                    lookup={"goal": goal, "order": sub_order},
                    values={"title": title},
                )
            _delete_beyond(goal.sub_measures.all(), len(sub_measures), result)

            items = goal_spec.get("items", {})
            for kind in GoalItem.Kind:
                texts = items.get(_ITEM_KEYS[kind], [])
                for item_order, text in enumerate(texts):
                    _upsert(
                        GoalItem,
                        result,
                        lookup={"goal": goal, "kind": kind, "order": item_order},
                        values={"text": text},
                    )
                _delete_beyond(goal.items.filter(kind=kind), len(texts), result)
        for goal in strategy.goals.exclude(number__in=numbers):
            goal.delete()
            result.deleted += 1
    return result


# The data file's key for each kind of goal list.
_ITEM_KEYS = {
    GoalItem.Kind.ORGANISATION_SHALL: "organisation_shall",
    GoalItem.Kind.LEADERS_SHALL: "leaders_shall",
    GoalItem.Kind.TARGET: "targets",
    GoalItem.Kind.CHALLENGE: "challenges",
    GoalItem.Kind.DESIRED_EXPERIENCE: "desired_experiences",
    GoalItem.Kind.POSSIBLE_MEANS: "possible_means",
    GoalItem.Kind.REFLECTION_QUESTION: "reflection_questions",
}


def strategies_load_seeded(*, path: Path = STRATEGIES_FILE) -> LoadResult:
    """Load the strategies shipped with the product (Stavanger, Stange, KS)."""
    with path.open(encoding="utf-8") as handle:
        data = json.load(handle)
    return strategies_load(data=data)
