"""A representative (tillitsvalgt) sees plans, actions and the leader's comments, never a figure.

The test follows every link a representative can reach from the home page and the
unit's report (breadth first, GET only) and asserts that no page shows an indicator
value: no value or withheld-value markup, no chart data, no percentage or other number
with a decimal comma. The same walk as the leader finds figures, so the check can fail.
"""

import re
from collections import deque

import pytest

from measures.models import Indicator
from plans import services as plans
from tests import factories
from tests.dashboards.dashboard_data import build_municipality

from .report_helpers import plan_with_action, role_users

pytestmark = pytest.mark.django_db

PLAN_REMARK = "Vi ble tatt med i planleggingen."
REPORT_REMARK = "Tillitsvalgte er enige i oppsummeringen."


@pytest.fixture(autouse=True)
def rounds_open(db):
    """The reports here are submitted in their tertial's open round (the rule that needs
    the round is attacked in tests/plans/test_review_guards.py)."""
    factories.round_opened(2024, 2)


COMMENT = "Sykefraværet er høyt i sommerferien; vi ringer vikarer tidligere."
# What an indicator value looks like on a page.
FIGURE = re.compile(
    r'class="cell-(?:value|suppressed)"|chart-data|\d,\d\N{NO-BREAK SPACE}%|\d,\d %|Verdi:'
)
SKIPPED = ("/accounts/logout/", "/admin/", "/static/", "/i18n/", "/api/")


@pytest.fixture
def world(django_user_model):
    units = build_municipality()
    users = role_users(django_user_model, units)
    action = plan_with_action(units["SH"], 2024)
    report = plans.report_get_or_create(unit=units["SH"], year=2024, tertial=2, by=users["leader"])
    sick_leave = Indicator.objects.get(slug="sick_leave_pct")
    report = plans.report_save(
        report=report,
        by=users["leader"],
        version=report.version,
        summary="Oppsummering fra lederen",
        comments={sick_leave.pk: COMMENT},
        prioritised_action_ids=[action.pk],
    )
    plans.report_submit(report=report, by=users["leader"], version=report.version)
    # The representative's own voice is on the pages walked, too.
    plans.participation_confirm(action=action, by=users["representative"])
    plans.representative_remark_add(
        unit=units["SH"], year=2024, by=users["representative"], text=PLAN_REMARK
    )
    plans.representative_remark_add(
        unit=units["SH"], year=2024, tertial=2, by=users["representative"], text=REPORT_REMARK
    )
    return users


# The home page, and the 2024-T2 report (the list links only this year's tertials).
STARTS = ("/", "/tertialrapporter/SH/2024/T2/", "/plans/SH/2024/")


def walk(client, starts: tuple[str, ...] = STARTS, limit: int = 200) -> dict[str, str]:
    """Every page reachable by links from ``starts``: path → HTML (200 responses only)."""
    pages: dict[str, str] = {}
    queue, seen = deque(starts), set(starts)
    while queue and len(pages) < limit:
        path = queue.popleft()
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        pages[path] = html
        for link in re.findall(r'href="(/[^"#]*)', html):
            link = link.replace("&amp;", "&")
            if link not in seen and not link.startswith(SKIPPED):
                seen.add(link)
                queue.append(link)
    return pages


def figures_on(pages: dict[str, str]) -> dict[str, list[str]]:
    return {path: found for path, html in pages.items() if (found := FIGURE.findall(html))}


def test_no_page_a_representative_can_open_shows_a_figure(client, world):
    client.force_login(world["representative"])

    pages = walk(client)

    assert "/tertialrapporter/SH/2024/T2/" in pages
    assert not figures_on(pages)
    report = pages["/tertialrapporter/SH/2024/T2/"]
    assert COMMENT in report  # the leader's written comment
    assert "Oppsummering fra lederen" in report
    assert "Heltidskultur" in report  # the prioritised action
    assert "Tallene vises for ledere og HR." in report
    # With their own voice: the confirm/withdraw button, and the remark forms.
    plan = pages["/plans/SH/2024/"]
    assert "Bekreftet av rep (tillitsvalgt)" in plan and "Trekk tilbake bekreftelsen" in plan
    assert PLAN_REMARK in plan and "Legg til merknad" in plan
    assert REPORT_REMARK in report and "Bekreftet av rep (tillitsvalgt)" in report


def test_the_same_walk_as_the_leader_finds_the_figures(client, world):
    client.force_login(world["leader"])

    pages = walk(client)

    found = figures_on(pages)
    assert "/tertialrapporter/SH/2024/T2/" in found
    assert any(path.startswith("/dashboard/") for path in found)


def test_every_page_with_figures_is_logged_and_never_stored(client, world):
    from measures.models import HealthDataAccess

    client.force_login(world["hr"])
    HealthDataAccess.objects.all().delete()

    pages = walk(client)

    found = figures_on(pages)
    assert len(found) > 10  # the dashboard, units, reports, the council report, …
    logged = set(HealthDataAccess.objects.filter(username="hr-user").values_list("path", flat=True))
    for path in found:
        response = client.get(path)
        assert "no-store" in response["Cache-Control"], path
        assert path in logged, path
