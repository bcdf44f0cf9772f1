"""Language selection: Norwegian bokmål unless the user chose another language."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation


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
