"""Responses with indicator values: logged (who looked at health data) and never cached.

Sick leave is health data (GDPR art. 9). Every page, export and API call that shows
computed indicator values is wrapped in ``health_data_view``: a successful response
is recorded in ``HealthDataAccess`` and carries ``Cache-Control: no-store, private``,
so that no browser, proxy or shared computer keeps a copy.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase
from django.utils.cache import patch_cache_control

from .models import HealthDataAccess
from .services import health_data_access_record

# Where a view names the unit or service area it shows.
SCOPE_KWARGS = ("code", "unit_code")
SCOPE_PARAMETERS = ("unit", "subtree", "area", "open", "unit_code")


def no_store(response: HttpResponseBase) -> HttpResponseBase:
    patch_cache_control(response, no_store=True, private=True)
    return response


def scope_of(request: HttpRequest, kwargs: dict[str, Any]) -> str:
    """The units a request asks for, as text (empty: every unit the user may see)."""
    named = [str(kwargs[k]) for k in SCOPE_KWARGS if kwargs.get(k)]
    named += [f"{p}={v}" for p in SCOPE_PARAMETERS for v in request.GET.getlist(p) if v]
    return " ".join(named)[:200]


def record(request: HttpRequest, route: str, scope: str = "", token: str = "") -> None:
    health_data_access_record(
        user=request.user if request.user.is_authenticated else None,
        route=route,
        path=request.get_full_path()[:500],
        scope=scope,
        token=token,
    )


def health_data_view(route: str = HealthDataAccess.Route.PAGE) -> Callable:
    """Decorate a view whose successful responses show indicator values."""

    def decorate(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            response = view(request, *args, **kwargs)
            if response.status_code == 200:
                record(request, route, scope_of(request, kwargs))
            return no_store(response)

        return wrapped

    return decorate
