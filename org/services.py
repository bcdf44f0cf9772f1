"""Writes for the organisation: the closure table of the unit tree, and role assignments.

The units themselves are written by the HR import (``hr.services``), which refuses a
tree with a cycle and rebuilds the closure table in the same transaction.
"""

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from strategi.db import history_user_set

from . import access
from .models import OrgUnit, OrgUnitClosure, RoleAssignment

_CLOSURE_SQL = """
WITH RECURSIVE tree (ancestor_id, descendant_id, depth) AS (
    SELECT id, id, 0 FROM {units}
    UNION ALL
    SELECT tree.ancestor_id, unit.id, tree.depth + 1
    FROM tree JOIN {units} unit ON unit.parent_id = tree.descendant_id
    WHERE tree.depth < 100
)
INSERT INTO {closure} (ancestor_id, descendant_id, depth)
SELECT ancestor_id, descendant_id, depth FROM tree
"""


@transaction.atomic
def orgunit_tree_rebuild() -> int:
    """Rebuild the closure table of the unit tree in two statements; returns its size."""
    closure = OrgUnitClosure._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {closure}")  # noqa: S608 - names from the models
        cursor.execute(_CLOSURE_SQL.format(units=OrgUnit._meta.db_table, closure=closure))
    return OrgUnitClosure.objects.count()


@transaction.atomic
def role_assignment_create(*, user: User, unit: OrgUnit, role: str, by: User) -> RoleAssignment:
    """Give ``user`` a role on ``unit`` (and the units below it); HR only."""
    access.ensure_hr(by)
    already = _("The user already has this role on this unit.")
    if RoleAssignment.objects.filter(user=user, unit=unit, role=role).exists():
        raise ValidationError(already)
    assignment = RoleAssignment(user=user, unit=unit, role=role)
    assignment.full_clean()
    history_user_set(assignment, by)
    try:
        # Two concurrent saves (a double click) both pass the check above; the unique
        # constraint refuses the second, which is answered like the check.
        with transaction.atomic():
            assignment.save()
    except IntegrityError:
        if RoleAssignment.objects.filter(user=user, unit=unit, role=role).exists():
            raise ValidationError(already) from None
        raise
    return assignment


@transaction.atomic
def role_assignment_delete(*, assignment: RoleAssignment, by: User) -> None:
    """Remove a role assignment; HR only. The history keeps it."""
    access.ensure_hr(by)
    history_user_set(assignment, by)
    assignment.delete()
