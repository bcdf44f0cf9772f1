"""The home page («Min side»): what each user has to do, by role; thin over the selectors.

Anonymous users see the active strategy (as the front page always showed).
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from goals import views as goal_views
from measures import health_data
from measures.models import HealthDataAccess
from org import access

from .. import selectors


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """A leader's units with figures and what is due; HR's round; a representative's plans."""
    if not request.user.is_authenticated:
        return goal_views.strategy_active(request)
    user = request.user
    today = timezone.localdate()
    is_hr = access.is_hr(user)
    leader = selectors.home_leader(user=user, today=today)
    hr = selectors.home_hr() if is_hr else None
    represented = selectors.home_representative(user=user, year=today.year)
    response = render(
        request,
        "dashboards/home.html",
        {
            "leader": leader,
            "hr": hr,
            "represented": represented,
            "is_hr_home": is_hr,
            "today": today,
        },
    )
    # Key figures and missed targets are health data: logged and never cached.
    if any(unit.figures for unit in leader.units) or (hr and hr.unexplained):
        health_data.record(request, HealthDataAccess.Route.PAGE)
        health_data.no_store(response)
    return response
