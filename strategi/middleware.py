"""Middleware: the user's language; a clean answer when SQLite stays busy."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from .db import BUSY_RETRY_AFTER_SECONDS, database_busy

logger = logging.getLogger(__name__)


class ChosenLanguageMiddleware:
    """Activate the language from the language cookie, else ``LANGUAGE_CODE``.

    Unlike Django's ``LocaleMiddleware`` this ignores the browser's Accept-Language:
    a municipal employee with an English browser still gets the Norwegian interface,
    and can switch language in the footer (``set_language`` sets the cookie).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        supported = {code for code, _ in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        # The language is active for this request only: a thread that serves the next
        # request (or runs a task) must not inherit it.
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class DatabaseBusyMiddleware:
    """A write that found SQLite busy for too long gets a 503 page, not a 500.

    The transaction was rolled back, so nothing was saved; the page says so and that
    the user may send the form again (``strategi.db.database_busy``). The API answers
    the same in JSON (``api.exceptions``).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not database_busy(exception):
            return None
        logger.warning("Database busy: %s %s answered 503", request.method, request.path)
        message = _(
            "The database is busy with another change. Nothing was saved. Go back and send "
            "the form again in a moment."
        )
        try:
            response = render(request, "database_busy.html", {"message": message}, status=503)
        except Exception:  # noqa: BLE001 - the page must answer even if rendering fails
            response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(BUSY_RETRY_AFTER_SECONDS)
        return response
