"""Forms of the organisation pages: role assignments."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from .models import OrgUnit, RoleAssignment


class RoleAssignmentForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("User"),
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        queryset=OrgUnit.objects.order_by("code"),
        help_text=_("The role covers this unit and every unit below it."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=RoleAssignment.Role.choices)
