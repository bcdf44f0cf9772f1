"""Reads of the organisation: units, their ancestors, and role assignments."""

from django.contrib.auth.models import User
from django.db.models import QuerySet

from . import roles
from .models import OrgUnit, OrgUnitClosure, RoleAssignment


def unit_get(*, code: str) -> OrgUnit:
    """The unit with ``code``; raises ``OrgUnit.DoesNotExist``."""
    return OrgUnit.objects.get(code=code)


def unit_ancestors(*, unit: OrgUnit) -> list[OrgUnit]:
    """The units above ``unit``, from the root down (one query)."""
    closure = (
        OrgUnitClosure.objects.filter(descendant=unit, depth__gt=0)
        .select_related("ancestor")
        .order_by("-depth")
    )
    return [row.ancestor for row in closure]


def unit_in_subtree(*, unit: OrgUnit, root: OrgUnit) -> bool:
    """Whether ``unit`` is ``root`` or lies below it (one query)."""
    return OrgUnitClosure.objects.filter(ancestor=root, descendant=unit).exists()


def role_assignment_list() -> QuerySet[RoleAssignment]:
    """Every role assignment, by user and unit (one query)."""
    return RoleAssignment.objects.select_related("user", "unit").order_by(
        "user__username", "unit__code", "role"
    )


def hr_users() -> QuerySet[User]:
    """The active members of HR (superusers are administrators, not HR's mailbox)."""
    return User.objects.filter(is_active=True, groups__name=roles.HR).distinct().order_by("pk")
