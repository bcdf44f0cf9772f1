"""HR's page for API tokens: create one for a named client (shown once), revoke."""

import re

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from strategi.decorators import access_required
from workplaces import access

from .models import ApiToken
from .tokens import token_create, token_revoke, units_from_codes

hr_required = access_required(access.is_hr)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Client name"),
        max_length=100,
        help_text=gettext_lazy("Who uses the token, e.g. «Datasjø» or «Power BI»."),
    )
    units = forms.CharField(
        label=gettext_lazy("Limit to units"),
        required=False,
        help_text=gettext_lazy(
            "Unit codes separated by spaces or commas. The token sees only these units and "
            "the units below them. Empty: the whole organisation."
        ),
    )
    can_write = forms.BooleanField(
        label=gettext_lazy("May write (imports, plans and reports)"), required=False
    )

    def clean_units(self) -> list:
        codes = [code for code in re.split(r"[\s,;]+", self.cleaned_data["units"]) if code]
        try:
            return units_from_codes(codes)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from exc


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
    tokens = ApiToken.objects.select_related("user").prefetch_related("units")
    return render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": tokens, "created_key": created_key},
    )


@hr_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk)
    token_revoke(token=token, by=request.user)
    messages.success(request, _("The token for «%(name)s» is revoked.") % {"name": token.name})
    return redirect("api:tokens")
