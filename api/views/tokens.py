"""HR's page for API tokens: create one for a named client (shown once), revoke."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from org.access import hr_required

from ..forms import TokenForm
from ..models import ApiToken
from ..selectors import token_list_all, token_lost_units
from ..services import token_create, token_revoke


@never_cache
@hr_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    created_key = None
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            _token, created_key = token_create(
                name=form.cleaned_data["name"],
                by=request.user,
                units=form.cleaned_data["units"],
                can_write=form.cleaned_data["can_write"],
            )
            form = TokenForm()
    else:
        form = TokenForm()
    tokens = token_list_all()
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": tokens,
            "created_key": created_key,
            "lost": token_lost_units(tokens),
        },
    )


@hr_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk)
    token_revoke(token=token, by=request.user)
    messages.success(request, _("The token for «%(name)s» is revoked.") % {"name": token.name})
    return redirect("api:tokens")
