"""Reads of API tokens."""

from django.db.models import QuerySet

from .models import ApiToken


def token_list_all() -> QuerySet[ApiToken]:
    """Every token, revoked ones too, with who it acts as and its units."""
    return ApiToken.objects.select_related("user").prefetch_related("units")
