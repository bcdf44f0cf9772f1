"""Writes for workplaces: the unit tree's closure table (the HR import writes the rest)."""

from django.db import connection, transaction

from .models import OrgUnitClosure

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
