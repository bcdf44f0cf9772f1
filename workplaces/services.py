"""Writes for workplaces: org units (the HR import builds on these)."""

from django.db import connection, transaction

from .models import OrgUnit, OrgUnitClosure


@transaction.atomic
def orgunit_upsert(
    *, code: str, name: str, parent_code: str | None, level: str, shift_based: bool
) -> tuple[OrgUnit, bool]:
    """Create or update one unit by code; returns (unit, changed).

    The parent must exist already (callers load units parents-first).
    """
    parent = OrgUnit.objects.get(code=parent_code) if parent_code else None
    values = {"name": name, "parent": parent, "level": level, "shift_based": shift_based}
    unit = OrgUnit.objects.filter(code=code).first()
    if unit is None:
        return OrgUnit.objects.create(code=code, **values), True
    changed = [field for field, value in values.items() if getattr(unit, field) != value]
    if changed:
        for field in changed:
            setattr(unit, field, values[field])
        unit.full_clean()
        unit.save(update_fields=changed)
    return unit, bool(changed)


_CLOSURE_SQL = """
WITH RECURSIVE tree (ancestor_id, descendant_id, depth) AS (
    SELECT id, id, 0 FROM workplaces_orgunit
    UNION ALL
    SELECT tree.ancestor_id, unit.id, tree.depth + 1
    FROM tree JOIN workplaces_orgunit unit ON unit.parent_id = tree.descendant_id
    WHERE tree.depth < 100
)
INSERT INTO workplaces_orgunitclosure (ancestor_id, descendant_id, depth)
SELECT ancestor_id, descendant_id, depth FROM tree
"""


@transaction.atomic
def orgunit_tree_rebuild() -> int:
    """Rebuild the closure table of the unit tree in two statements; returns its size."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM workplaces_orgunitclosure")
        cursor.execute(_CLOSURE_SQL)
    return OrgUnitClosure.objects.count()
