"""Template context shared by every page."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from workplaces import access


def roles(request: HttpRequest) -> dict[str, object]:
    """``is_hr`` for the navigation; asked of the database only when a template uses it."""
    return {"is_hr": SimpleLazyObject(lambda: access.is_hr(request.user))}
