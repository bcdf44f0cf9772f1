"""Template context shared by every page."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from org import access

from .recomputes import recompute_notice as notice


def recompute_notice(request: HttpRequest) -> dict[str, object]:
    """``recompute_notice``: for HR, what the figures are waiting for (None: nothing).

    Asked of the database only when a page shows it (``base.html``), for HR only.
    """
    return {
        "recompute_notice": SimpleLazyObject(
            lambda: notice() if access.is_hr(request.user) else None
        )
    }
