"""Every page of the layout before the app split still answers at its address.

The paths are those of the former URL modules (workplaces/urls.py, measures/urls_*.py,
goals, api); HR, who may open them all, gets the page (GET) or, for the forms' POST
targets, "method not allowed".
"""

import pytest
from django.urls import resolve

from api.services import token_create
from goals.models import Strategy
from goals.services import strategies_load_seeded
from hr.models import ImportJob
from measures.models import Indicator
from measures.services import indicators_load_seeded
from org.models import RoleAssignment
from plans.models import Action
from tests import factories
from tests.conftest import shared_for_module
from tests.dashboards.dashboard_data import build_municipality
from tests.plans.report_helpers import plan_with_action

pytestmark = pytest.mark.django_db

GET = [
    "/",
    "/strategies/",
    "/strategies/{strategy}/",
    "/dashboard/",
    "/dashboard/rows/HV/",
    "/dashboard/export.csv",
    "/dashboard/export.xlsx",
    "/dashboard/sammenheng/",
    "/reports/2024/T2/",
    "/units/SH/",
    "/import/",
    "/import/{job}/",
    "/indicators/",
    "/indicators/new/",
    "/indicators/{reported}/edit/",
    "/indicators/values/",
    "/indicators/values/import/",
    "/plans/",
    "/plans/assignments/",
    "/plans/SH/2024/",
    "/plans/SH/2024/actions/new/",
    "/plans/SH/2024/actions/{action}/",
    "/plans/SH/2024/actions/{action}/delete/",
    "/plans/SH/2024/history/",
    "/tertialrapporter/",
    "/tertialrapporter/mangler/",
    "/tertialrapporter/SH/2024/T2/",
    "/api/schema/",
    "/api/docs/",
    "/api/tokens/",
    "/api/v1/units/",
    "/api/v1/plans/",
    "/admin/",
]
POST_ONLY = [
    "/plans/SH/2024/copy/",
    "/plans/assignments/{assignment}/delete/",
    "/tertialrapporter/SH/2024/T2/send/",
    "/tertialrapporter/SH/2024/T2/gjenapne/",
    "/api/tokens/{token}/revoke/",
]


def build_pages() -> dict[str, int]:
    """A municipality with a plan, a report's unit, an import, a role and a token."""
    strategies_load_seeded()
    units = build_municipality()
    indicators_load_seeded()
    action = plan_with_action(units["SH"], 2024)
    leader = factories.user_with_role("leader", "Leder", units["SH"])
    token, _key = token_create(name="Datasjø", by=None)
    return {
        "strategy": Strategy.objects.get(is_active=True).pk,
        "job": ImportJob.objects.create(source="command", status="succeeded").pk,
        "reported": Indicator.objects.filter(kind="reported").first().pk,
        "action": Action.objects.get(pk=action.pk).pk,
        "assignment": RoleAssignment.objects.get(user=leader).pk,
        "token": token.pk,
    }


shared_pages = shared_for_module(build_pages)


@pytest.fixture
def ids(shared_pages, db) -> dict[str, int]:
    return shared_pages


@pytest.fixture
def hr(client):
    user = factories.UserFactory(username="hr-staff", is_staff=True, groups=["HR"])
    client.force_login(user)
    return client


@pytest.mark.parametrize("path", GET)
def test_every_page_answers_at_its_former_address(hr, ids, path):
    response = hr.get(path.format(**ids))

    assert response.status_code == 200, path


@pytest.mark.parametrize("path", POST_ONLY)
def test_every_form_target_is_still_there_and_takes_only_post(hr, ids, path):
    url = path.format(**ids)

    assert resolve(url).func is not None
    assert hr.get(url).status_code == 405, url
