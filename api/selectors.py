"""Reads of API tokens."""

from dataclasses import dataclass

from django.db.models import QuerySet

from .models import ApiToken


def token_list_all() -> QuerySet[ApiToken]:
    """Every token, revoked ones too, with who it acts as and its units."""
    return ApiToken.objects.select_related("user").prefetch_related("units")


@dataclass(frozen=True)
class LostUnits:
    """An active token limited to units of which some (or all) no longer exist."""

    token: ApiToken
    lost_codes: list[str]
    sees_nothing: bool  # none of its units is left


def token_lost_units(tokens: QuerySet[ApiToken]) -> list[LostUnits]:
    """The active tokens among ``tokens`` whose units were deleted (HR is told)."""
    found = []
    for token in tokens:
        if token.revoked_at is not None or not token.unit_limited:
            continue
        lost = token.lost_unit_codes()
        left = len(token.units.all())
        if lost or not left:
            found.append(LostUnits(token=token, lost_codes=lost, sees_nothing=not left))
    return found
