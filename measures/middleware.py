"""Middleware of the measures app."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .recomputes import recompute_catch_up_start


def recompute_catch_up(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Embedded mode: a request starts the recomputes the figures are owed, in the background.

    Without a worker nothing else would run a recompute that failed, was interrupted, or
    is the night's. The request does not wait for it (see ``recompute_catch_up_start``).
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        recompute_catch_up_start()
        return get_response(request)

    return middleware
