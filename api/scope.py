"""What an API request may see and do: the web's access gate, narrowed by the token.

The rules are those of ``org.access`` for the acting user (a token acts as its
user). A token limited to units sees only their subtrees; a read-only token writes
nothing. Session requests (the browser) have the user's full rights.

Every limit fails closed: a token limited to units whose units have all been deleted
sees no unit at all (it never falls back to "no limit"), and, being limited, may not
import.
"""

from django.db.models import QuerySet
from rest_framework.request import Request

from org import access
from org.models import OrgUnit, OrgUnitClosure

from .models import ApiToken


def token_of(request: Request) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


def _token_unit_ids(request: Request) -> set[int] | None:
    """The units a unit-limited token covers (with every unit below); None: no limit.

    A limited token whose units are gone covers the empty set: it sees nothing.
    """
    token = token_of(request)
    if token is None or not token.unit_limited:
        return None
    cache = request.__dict__.setdefault("_token_units", {})
    if "ids" not in cache:
        roots = token.units.values("pk")
        cache["ids"] = set(
            OrgUnitClosure.objects.filter(ancestor_id__in=roots).values_list(
                "descendant_id", flat=True
            )
        )
    return cache["ids"]


def is_unit_limited(request: Request) -> bool:
    return _token_unit_ids(request) is not None


def may_write(request: Request) -> bool:
    token = token_of(request)
    return token is None or token.can_write


def _narrow(request: Request, units: QuerySet[OrgUnit]) -> QuerySet[OrgUnit]:
    limit = _token_unit_ids(request)
    return units if limit is None else units.filter(pk__in=limit)


def visible_units(request: Request) -> QuerySet[OrgUnit]:
    """The org tree as far as the caller may see it (unit names are not sensitive)."""
    return _narrow(request, OrgUnit.objects.all())


def unit_visible(request: Request, unit: OrgUnit) -> bool:
    limit = _token_unit_ids(request)
    return limit is None or unit.pk in limit


def indicator_units(request: Request) -> QuerySet[OrgUnit]:
    """Units whose indicator values the caller may read (health data: HR and leaders)."""
    return _narrow(request, access.indicator_units(request.user))


def target_units(request: Request) -> QuerySet[OrgUnit]:
    """Units whose targets apply to the caller's indicator units: those and all above."""
    above = OrgUnitClosure.objects.filter(descendant__in=indicator_units(request)).values(
        "ancestor_id"
    )
    return OrgUnit.objects.filter(pk__in=above)


def can_view_indicators(request: Request) -> bool:
    return access.can_view_indicators(request.user)


def plan_units(request: Request) -> QuerySet[OrgUnit]:
    return _narrow(request, access.plan_units(request.user))


def can_edit_plans(request: Request, unit: OrgUnit) -> bool:
    return (
        may_write(request)
        and unit_visible(request, unit)
        and access.can_edit_plans(request.user, unit)
    )


def is_hr(request: Request) -> bool:
    return access.is_hr(request.user)
