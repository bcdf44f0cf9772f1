"""HR's page of role assignments (who leads or represents which unit): thin views."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from .access import hr_required
from .forms import RoleAssignmentForm
from .models import RoleAssignment
from .selectors import role_assignment_list
from .services import role_assignment_create, role_assignment_delete


@hr_required
@require_http_methods(["GET", "POST"])
def assignments(request: HttpRequest) -> HttpResponse:
    """HR gives users roles on units, and sees every assignment."""
    if request.method == "POST":
        form = RoleAssignmentForm(request.POST)
        if form.is_valid():
            try:
                assignment = role_assignment_create(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Added: %(assignment)s.") % {"assignment": assignment})
                return redirect("org:assignments")
    else:
        form = RoleAssignmentForm()
    return render(
        request,
        "org/assignments.html",
        {"form": form, "assignments": role_assignment_list()},
    )


@hr_required
@require_POST
def assignment_delete(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_object_or_404(RoleAssignment.objects.select_related("user", "unit"), pk=pk)
    label = str(assignment)
    role_assignment_delete(assignment=assignment, by=request.user)
    messages.success(request, _("Removed: %(assignment)s.") % {"assignment": label})
    return redirect("org:assignments")
