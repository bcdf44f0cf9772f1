"""Reads for strategies and goals."""

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from .models import Goal, GoalItem, Strategy


@dataclass(frozen=True)
class ItemGroup:
    """One of a goal's lists (e.g. «Ledere skal»), ready for display."""

    kind: str
    label: str
    items: list[GoalItem]


def strategy_list() -> QuerySet[Strategy]:
    """All strategies, the active one first."""
    return Strategy.objects.all()


def strategy_get_active() -> Strategy | None:
    """The strategy shown on the front page, if one is active."""
    return Strategy.objects.filter(is_active=True).first()


def strategy_with_content(*, strategy_id: int) -> Strategy:
    """One strategy with values, goals, sub-measures and goal lists, in three queries.

    Each goal gets ``item_groups``: its non-empty lists in the order of
    ``GoalItem.Kind``.
    """
    goals = Goal.objects.prefetch_related(
        "sub_measures",
        Prefetch("items", queryset=GoalItem.objects.order_by("order")),
    ).order_by("order", "number")
    strategy = Strategy.objects.prefetch_related("values", Prefetch("goals", queryset=goals)).get(
        pk=strategy_id
    )
    for goal in strategy.goals.all():
        by_kind: dict[str, list[GoalItem]] = {}
        for item in goal.items.all():
            by_kind.setdefault(item.kind, []).append(item)
        goal.item_groups = [  # type: ignore[attr-defined] # shown by the template
            ItemGroup(kind=kind.value, label=str(kind.label), items=by_kind[kind.value])
            for kind in GoalItem.Kind
            if kind.value in by_kind
        ]
    return strategy
