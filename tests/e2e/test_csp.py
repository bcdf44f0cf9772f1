"""Every page under the Content-Security-Policy in Chromium: no violation, no JS error.

HR visits each page of the demo municipality (the app's pages, the administration,
the API's Swagger UI), and the tree of the dashboard is opened (rows fetched and
inserted by script). The browser reports each violation as a ``securitypolicyviolation``
event and a console error; both are collected, with uncaught script errors.
"""

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from demo.services import demo_load
from goals.services import strategies_load_seeded
from hr.models import Employment, ImportJob
from measures.engine import recompute_range
from measures.models import IndicatorValue, Target
from org.models import OrgUnit
from plans.models import ActionPlan

pytestmark = pytest.mark.django_db(transaction=True)

# Collects what the browser refused (the script runs before the page's own, outside CSP).
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__csp.push(`${event.violatedDirective} ${event.blockedURI} ${where}`);
});
"""


@pytest.fixture
def demo(migrated_roles, settings):
    settings.DEMO_MODE = True
    strategies_load_seeded()
    with override_settings(DEMO_MODE=True):
        demo_load(persons=300)
    recompute_range(within_data=True)


def pages() -> list[tuple[str, bool]]:
    """The pages to visit, and whether axe-core checks them (the app's own pages)."""
    root = OrgUnit.objects.get(parent=None)
    service_area = OrgUnit.objects.filter(parent=root).order_by("code").first()
    tertial = (
        IndicatorValue.objects.filter(granularity="tertial", indicator__slug="sick_leave_pct")
        .order_by("-period_end")
        .values_list("period", flat=True)
        .first()
    )
    year, number = tertial.split("-T")
    plan = ActionPlan.objects.select_related("unit").first()
    plan_url = f"/plans/{plan.unit.code}/{plan.year}/"
    action = plan.actions.first()
    employment = Employment.objects.order_by("employment_id").first()
    target = Target.objects.first()
    job = ImportJob.objects.first()
    app_pages = [
        "/",
        "/strategies/",
        "/dashboard/",
        f"/dashboard/?area={service_area.code}",
        f"/units/{root.code}/",
        f"/units/{service_area.code}/",
        "/dashboard/sammenheng/",
        f"/reports/{year}/T{number}/",
        f"/reports/{year}/",
        "/plans/",
        plan_url,
        f"{plan_url}history/",
        f"{plan_url}actions/new/",
        f"{plan_url}actions/{action.pk}/",
        "/plans/assignments/",
        "/tertialrapporter/",
        "/tertialrapporter/mangler/",
        f"/tertialrapporter/{plan.unit.code}/{year}/T{number}/",
        "/import/",
        f"/import/{job.pk}/",
        "/indicators/",
        "/indicators/new/",
        "/indicators/values/",
        "/api/tokens/",
        "/tilgangslogg/",
    ]
    admin_pages = [
        "/admin/",
        "/admin/measures/target/",
        f"/admin/measures/target/{target.pk}/change/",
        f"/admin/measures/target/{target.pk}/history/",
        "/admin/org/orgunit/",
        f"/admin/org/orgunit/{root.pk}/change/",
        "/admin/hr/employment/",
        f"/admin/hr/employment/{employment.pk}/change/",
        f"/admin/hr/employment/{employment.pk}/history/",
        "/admin/hr/absencespell/",
        "/admin/axes/accessattempt/",
    ]
    return [(url, True) for url in app_pages] + [(url, False) for url in admin_pages]


def watch(page) -> list[str]:
    """Console errors and uncaught exceptions of ``page``, as they happen."""
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(f"console {message.type}: {message.text}")
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
    page.on(
        "response",
        lambda response: (
            problems.append(f"{response.status}: {response.url}")
            if response.status >= 400
            else None
        ),
    )
    page.add_init_script(LISTEN)
    return problems


def log_in(page, username: str = "hr") -> None:
    """Log in as a demo user (password «demo»)."""
    page.goto("/accounts/login/")
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill("demo")
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_text(f"Logget inn som {username}")).to_be_visible()


def test_every_page_passes_the_content_security_policy(page, demo, assert_accessible):
    problems = watch(page)
    log_in(page)

    visited = []
    for url, check_axe in pages():
        response = page.goto(url)
        assert response.status == 200, url
        policy = response.header_value("content-security-policy") or ""
        assert "script-src 'self'" in policy and "unsafe" not in policy, (url, policy)
        page.wait_for_load_state("networkidle")
        if check_axe:
            assert_accessible(page)
        violations = page.evaluate("() => window.__csp")
        assert (url, violations, problems) == (url, [], [])
        visited.append(url)

    assert len(visited) == len(pages())


def test_the_dashboard_tree_opens_under_the_policy(page, demo):
    problems = watch(page)
    log_in(page)
    page.goto("/dashboard/")

    shown = page.locator("th.tree-unit:visible").count()
    closed = page.locator("button[data-tree-toggle][aria-expanded='false']").first
    toggle = page.locator(f"button[data-rows-url='{closed.get_attribute('data-rows-url')}']")
    toggle.click()

    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.wait_for_load_state("networkidle")
    assert page.locator("th.tree-unit:visible").count() > shown
    # The indentation comes from the stylesheet (data-depth), not from a style attribute:
    # depth × 1.25rem + 0.25rem, at 16 px a rem.
    indents = page.locator(".dashboard-table th.tree-unit:visible").evaluate_all(
        "cells => cells.map(c => [Number(c.dataset.depth), getComputedStyle(c).paddingLeft])"
    )
    assert {depth for depth, _ in indents} >= {0, 1, 2}
    assert all(padding == f"{(depth * 1.25 + 0.25) * 16:g}px" for depth, padding in indents)
    assert (page.evaluate("() => window.__csp"), problems) == ([], [])


def test_the_api_documentation_runs_swagger_ui_under_the_policy(page, demo):
    problems = watch(page)

    response = page.goto("/api/docs/")

    assert "script-src 'self'" in response.header_value("content-security-policy")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Strategi API")
    expect(page.locator(".opblock").first).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert (page.evaluate("() => window.__csp"), problems) == ([], [])
