"""The 500 page: rendered without the database, the session or the context processors.

Django's own ``server_error`` renders ``500.html`` with an empty context; ours does the
same but never fails itself: when even the template cannot render (a broken static
manifest, a missing translation catalogue), a plain Norwegian page is sent.
"""

import logging

from django.http import HttpRequest, HttpResponseServerError
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

FALLBACK = (
    '<!doctype html><html lang="nb"><head><meta charset="utf-8">'
    "<title>Feil på serveren · Strategi</title></head><body><main>"
    "<h1>Noe gikk galt</h1><p>Det oppstod en feil på serveren. Prøv igjen om litt. "
    'Vedvarer feilen, kontakt HR eller brukerstøtte.</p><p><a href="/">Til forsiden</a></p>'
    "</main></body></html>"
)


@requires_csrf_token
def server_error(request: HttpRequest, template_name: str = "500.html") -> HttpResponseServerError:
    """Render ``500.html`` from a plain context (no request, no user, no queries)."""
    try:
        body = loader.get_template(template_name).render({"error_page": True})
    except Exception:  # the page that reports errors must not fail itself
        logger.exception("The 500 page could not be rendered; sending the plain one")
        body = FALLBACK
    return HttpResponseServerError(body)
