"""The indicator list and HR's pages for reported indicators and their values.

Thin views: ``measures.services`` writes and validates, ``measures.selectors`` reads,
``org.access`` decides who may do what.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from hr.services import ImportSource
from org import access
from org.access import hr_required, indicators_required

from .forms import (
    ReportedImportForm,
    ReportedIndicatorForm,
    ReportedValueForm,
    SurveyImportForm,
)
from .models import Indicator
from .selectors import (
    health_data_access_list_recent,
    indicator_list_with_links,
    reported_indicator_get,
    reported_value_list_recent,
)
from .services import (
    ReportedImportResult,
    SurveyImportResult,
    reported_indicator_save,
    reported_value_save,
    reported_values_import,
    survey_results_import,
)


@indicators_required
@require_GET
def indicator_list(request: HttpRequest) -> HttpResponse:
    """Every indicator and what it follows; HR may edit the reported ones, leaders read."""
    indicators = list(indicator_list_with_links())
    return render(
        request,
        "measures/indicator_list.html",
        {
            "reported": [i for i in indicators if i.kind == Indicator.Kind.REPORTED],
            "computed": [i for i in indicators if i.kind == Indicator.Kind.COMPUTED],
            "can_edit": access.is_hr(request.user),
        },
    )


def _indicator_form_page(
    request: HttpRequest, form: ReportedIndicatorForm, indicator: Indicator | None
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            saved = reported_indicator_save(
                **form.cleaned_data, indicator=indicator, by=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved the indicator «%(name)s».") % {"name": saved.name})
            return redirect("measures:indicator-list")
    return render(request, "measures/indicator_form.html", {"form": form, "indicator": indicator})


@hr_required
@require_http_methods(["GET", "POST"])
def indicator_create(request: HttpRequest) -> HttpResponse:
    """A new reported indicator."""
    form = ReportedIndicatorForm(request.POST if request.method == "POST" else None)
    return _indicator_form_page(request, form, None)


@hr_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a reported indicator; computed ones are not found here."""
    try:
        indicator = reported_indicator_get(pk=pk)
    except Indicator.DoesNotExist as exc:
        raise Http404 from exc
    if request.method == "POST":
        form = ReportedIndicatorForm(request.POST)
    else:
        form = ReportedIndicatorForm.for_indicator(indicator)
    return _indicator_form_page(request, form, indicator)


@hr_required
@require_http_methods(["GET", "POST"])
def reported_value_entry(request: HttpRequest) -> HttpResponse:
    """Enter one value; afterwards the form keeps the indicator and period for the next unit."""
    if request.method == "POST":
        form = ReportedValueForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                value = reported_value_save(
                    indicator=data["indicator"],
                    unit=data["unit"],
                    period=data["period"],
                    value=data["value"],
                    by=request.user,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(
                    request,
                    _("Saved: %(indicator)s for %(unit)s in %(period)s.")
                    % {"indicator": value.indicator, "unit": value.unit, "period": value.period},
                )
                query = urlencode({"indicator": value.indicator_id, "period": value.period})
                return redirect(f"{reverse('measures:reported-value-entry')}?{query}")
    else:
        form = ReportedValueForm(
            initial={
                "indicator": request.GET.get("indicator"),
                "period": request.GET.get("period", ""),
            }
        )
    return render(
        request,
        "measures/reported_value_entry.html",
        {"form": form, "recent": reported_value_list_recent()},
    )


def _imported_message(result: ReportedImportResult | SurveyImportResult) -> str:
    text = ngettext(
        "Imported %(rows)d row from %(file)s: %(created)d new, %(updated)d "
        "changed, %(unchanged)d unchanged.",
        "Imported %(rows)d rows from %(file)s: %(created)d new, %(updated)d "
        "changed, %(unchanged)d unchanged.",
        result.rows,
    ) % {
        "rows": result.rows,
        "file": result.file,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
    }
    if isinstance(result, SurveyImportResult) and result.withheld:
        text += " " + ngettext(
            "%(count)d value of %(year)s is hidden to protect small groups.",
            "%(count)d values of %(year)s are hidden to protect small groups.",
            result.withheld,
        ) % {"count": result.withheld, "year": result.year}
    return text


@hr_required
@require_http_methods(["GET", "POST"])
def reported_values_upload(request: HttpRequest) -> HttpResponse:
    """Import reported values, or a year's 10-FAKTOR results, from a file.

    Two forms on one page; every problem is listed, or all rows are saved.
    """
    result: ReportedImportResult | SurveyImportResult | None = None
    form, survey_form = ReportedImportForm(), SurveyImportForm()
    if request.method == "POST" and request.POST.get("kind") == "survey":
        survey_form = SurveyImportForm(request.POST, request.FILES)
        if survey_form.is_valid():
            file = survey_form.cleaned_data["file"]
            result = survey_results_import(
                source=ImportSource(name=file.name, content=file.read()),
                year=survey_form.cleaned_data["year"],
                by=request.user,
            )
    elif request.method == "POST":
        form = ReportedImportForm(request.POST, request.FILES)
        if form.is_valid():
            file = form.cleaned_data["file"]
            result = reported_values_import(
                source=ImportSource(name=file.name, content=file.read()), by=request.user
            )
    if result is not None and result.succeeded:
        messages.success(request, _imported_message(result))
        return redirect("measures:reported-values-import")
    return render(
        request,
        "measures/reported_values_import.html",
        {
            "form": form,
            "survey_form": survey_form,
            "result": result,
            "survey_failed": isinstance(result, SurveyImportResult),
            "min_respondents": settings.SUPPRESSION_MIN_PERSONS,
        },
    )


ACCESS_LOG_PAGE_SIZE = 100


@hr_required
@require_GET
def health_data_access_list(request: HttpRequest) -> HttpResponse:
    """HR: who viewed indicator values (health data), newest first, by user if chosen."""
    username = request.GET.get("user", "").strip()
    page = Paginator(health_data_access_list_recent(username=username), ACCESS_LOG_PAGE_SIZE)
    return render(
        request,
        "measures/health_data_access.html",
        {
            "page": page.get_page(request.GET.get("page")),
            "username": username,
            "days": settings.HEALTH_DATA_ACCESS_LOG_DAYS,
        },
    )
