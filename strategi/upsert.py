"""Create-or-update that writes only what changed (no needless saves or history rows)."""

from typing import Any, Literal, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)
Outcome = Literal["created", "updated", "unchanged"]


def upsert_changed(
    model: type[M], *, lookup: dict[str, Any], values: dict[str, Any]
) -> tuple[M, Outcome]:
    """Create the row matching ``lookup``, or update only the fields of ``values`` that differ."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        return model._default_manager.create(**lookup, **values), "created"
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        return obj, "unchanged"
    for name in changed:
        setattr(obj, name, values[name])
    obj.save(update_fields=changed)
    return obj, "updated"
