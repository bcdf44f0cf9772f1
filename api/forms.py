"""The form of HR's token page."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from .services import units_from_codes


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
