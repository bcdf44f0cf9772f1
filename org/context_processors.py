"""Template context shared by every page."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from . import access


def roles(request: HttpRequest) -> dict[str, object]:
    """``is_hr``, ``can_view_indicators`` and ``can_read_plans_any`` for the navigation.

    Each is asked of the database only when a template uses it.
    """
    return {
        "is_hr": SimpleLazyObject(lambda: access.is_hr(request.user)),
        "can_view_indicators": SimpleLazyObject(lambda: access.can_view_indicators(request.user)),
        "can_read_plans_any": SimpleLazyObject(lambda: access.can_read_plans_any(request.user)),
    }
