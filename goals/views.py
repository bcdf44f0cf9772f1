from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .models import Strategy
from .selectors import strategy_get_active, strategy_list, strategy_with_content


def strategy_active(request: HttpRequest) -> HttpResponse:
    """The active strategy's text (the front page of anonymous users)."""
    active = strategy_get_active()
    strategy = strategy_with_content(strategy_id=active.pk) if active else None
    return render(request, "goals/home.html", {"strategy": strategy})


def strategy_index(request: HttpRequest) -> HttpResponse:
    return render(request, "goals/strategy_list.html", {"strategies": strategy_list()})


def strategy_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        strategy = strategy_with_content(strategy_id=pk)
    except Strategy.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "goals/strategy_detail.html", {"strategy": strategy})
