"""HR's rounds page (thin views): the rounds, the open round's progress, and opening,
moving the deadline of and closing a round by hand."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from measures import periods as P
from org.access import hr_required

from .. import selectors, services
from ..forms import RoundDeadlineForm, RoundOpenForm, VersionForm
from ..models import TertialRound

# The open form offers the last ended tertial and this many before it.
OPEN_CHOICES = 5


def _open_choices(rounds: list[TertialRound]) -> list[tuple[str, str]]:
    """Ended tertials whose figures exist and that have no open round, the latest first.

    The running tertial is not offered: its figures do not exist, and leaders would be
    asked to explain what cannot be seen yet.
    """
    open_ = {(r.year, r.tertial) for r in rounds if r.state == TertialRound.State.OPEN}
    wanted = [P.last_ended_tertial(timezone.localdate())]
    for _i in range(OPEN_CHOICES):
        wanted.append(P.tertial_before(*wanted[-1]))
    with_figures = selectors.tertials_with_figures(wanted)
    return [
        (
            f"{year}-T{tertial}",
            _("Tertial %(tertial)s %(year)s") % {"tertial": tertial, "year": year},
        )
        for year, tertial in wanted
        if (year, tertial) not in open_
        and (year, tertial) in with_figures
        and year >= services.REPORT_FIRST_YEAR
    ]


def _render(
    request: HttpRequest,
    *,
    open_form: RoundOpenForm | None = None,
    deadline_form: RoundDeadlineForm | None = None,
    problem: str = "",
    status: int = 200,
) -> HttpResponse:
    rounds = selectors.round_list()
    current = next((r for r in rounds if r.state == TertialRound.State.OPEN), None)
    total, areas = (
        selectors.round_progress(year=current.year, tertial=current.tertial)
        if current
        else (None, [])
    )
    choices = _open_choices(rounds)
    if current is not None and deadline_form is None:
        deadline_form = RoundDeadlineForm(
            initial={"version": current.version, "deadline": current.deadline}
        )
    return render(
        request,
        "plans/rounds.html",
        {
            "rounds": rounds,
            "current": current,
            "total": total,
            "areas": areas,
            "open_form": open_form or (RoundOpenForm(choices=choices) if choices else None),
            "deadline_form": deadline_form,
            "close_form": VersionForm(initial={"version": current.version}) if current else None,
            "problem": problem,
        },
        status=status,
    )


def _conflict() -> str:
    return _(
        "Someone else changed the round while you were reading the page. Nothing has been "
        "saved: look at the round again below."
    )


@hr_required
@require_GET
def round_list(request: HttpRequest) -> HttpResponse:
    """The rounds, the open one's progress in total and per service area."""
    return _render(request)


@hr_required
@require_POST
def round_open(request: HttpRequest) -> HttpResponse:
    """Open a tertial's round by hand (older open rounds close)."""
    form = RoundOpenForm(request.POST, choices=_open_choices(selectors.round_list()))
    if not form.is_valid():
        return _render(request, open_form=form, status=400)
    year, tertial = form.year_tertial()
    try:
        services.round_open(year=year, tertial=tertial, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return _render(request, open_form=form, status=400)
    messages.success(
        request,
        _("The round of tertial %(tertial)s %(year)s is open.")
        % {"tertial": tertial, "year": year},
    )
    return redirect(reverse("plans:rounds"))


@hr_required
@require_POST
def round_deadline(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the round's deadline."""
    round_ = get_object_or_404(TertialRound, pk=pk)
    form = RoundDeadlineForm(request.POST)
    if not form.is_valid():
        return _render(request, deadline_form=form, status=400)
    try:
        services.round_deadline_set(
            round_=round_,
            by=request.user,
            version=form.cleaned_data["version"],
            deadline=form.cleaned_data["deadline"],
        )
    except services.ConflictError:
        return _render(request, problem=_conflict(), status=409)
    except ValidationError as error:
        for message in error.message_dict.get("deadline", error.messages):
            form.add_error("deadline", message)
        return _render(request, deadline_form=form, status=400)
    messages.success(request, _("The deadline has been changed."))
    return redirect(reverse("plans:rounds"))


@hr_required
@require_POST
def round_close(request: HttpRequest, pk: int) -> HttpResponse:
    """Close the round: its reports can no longer be changed."""
    round_ = get_object_or_404(TertialRound, pk=pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        return _render(request, status=400)
    try:
        services.round_close(round_=round_, by=request.user, version=form.cleaned_data["version"])
    except services.ConflictError:
        return _render(request, problem=_conflict(), status=409)
    messages.success(request, _("The round has been closed."))
    return redirect(reverse("plans:rounds"))
