"""Login throttling with django-axes: the client's address and the locked-out page.

After ``LOGIN_FAILURE_LIMIT`` failed logins for one user name from one address, that
pair is refused for ``LOGIN_COOLOFF_MINUTES`` (each further try starts the wait again);
a successful login resets the count. HR unlocks earlier in the administration
(Axes › Access attempts: delete the attempt). The API's tokens never log in, so they are not
counted. https://django-axes.readthedocs.io/

Not an app: settings name these functions (``AXES_CLIENT_IP_CALLABLE``,
``AXES_LOCKOUT_CALLABLE``).
"""

from typing import Any

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext


def client_ip(request: HttpRequest) -> str:
    """The client's address: behind ``TRUSTED_PROXY_COUNT`` proxies, the one they saw.

    Each trusted proxy appends the address it received the request from to
    ``X-Forwarded-For``, so the client is the ``TRUSTED_PROXY_COUNT``-th address from
    the right; what a client wrote there itself stands further left and is ignored.
    Without proxies (0) it is the connection's own address. DRF's throttle counts
    anonymous clients by the same rule (``NUM_PROXIES``).
    """
    remote = str(request.META.get("REMOTE_ADDR", ""))
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [
        address.strip()
        for address in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        if address.strip()
    ]
    if not forwarded:
        return remote
    return forwarded[-min(count, len(forwarded))]


def lockout_message() -> str:
    """What a locked-out user is told, in the user's language."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return ngettext(
        "Too many failed logins for this user name from your address. Wait %(minutes)d "
        "minute and try again, or ask HR to unlock the account.",
        "Too many failed logins for this user name from your address. Wait %(minutes)d "
        "minutes and try again, or ask HR to unlock the account.",
        minutes,
    ) % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """The login page again, with the lockout message instead of a login (HTTP 429)."""
    username = credentials.get("username") if isinstance(credentials, dict) else None
    form = AuthenticationForm(request, initial={"username": username or ""})
    context = {
        "form": form,
        "lockout": lockout_message(),
        "next": request.POST.get("next", request.GET.get("next", "")),
    }
    response = render(request, "registration/login.html", context, status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
