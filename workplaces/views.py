"""Views of the workplaces app: thin, they call services and selectors."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from . import access
from .forms import HRImportForm
from .hr_import import ImportSource, hr_import
from .models import ImportJob
from .selectors import import_job_get, import_job_list_recent, import_job_totals


def hr_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous users go to the login page; logged-in users who are not HR get 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not access.is_hr(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@hr_required
@require_http_methods(["GET", "POST"])
def hr_import_upload(request: HttpRequest) -> HttpResponse:
    """Upload a batch of HR files; the result is shown on the import's own page."""
    if request.method == "POST":
        form = HRImportForm(request.POST, request.FILES)
        if form.is_valid():
            result = hr_import(
                sources=[
                    ImportSource(name=file.name, content=file.read())
                    for file in form.cleaned_data["files"]
                ],
                user=request.user,
                source=ImportJob.Source.WEB,
                skip_invalid=form.cleaned_data["skip_invalid"],
            )
            return redirect("workplaces:import-detail", pk=result.job.pk)
    else:
        form = HRImportForm()
    return render(
        request, "workplaces/import.html", {"form": form, "jobs": import_job_list_recent()}
    )


@hr_required
@require_GET
def hr_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One import: status, counts per file and every problem found."""
    try:
        job = import_job_get(pk=pk)
    except ImportJob.DoesNotExist as exc:
        raise Http404 from exc
    return render(
        request,
        "workplaces/import_detail.html",
        {"job": job, "files": list(job.counts.items()), "totals": import_job_totals(job=job)},
    )
