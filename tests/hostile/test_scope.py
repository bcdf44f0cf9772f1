"""Replays of issue 14's fail-open scope, and the audit of "no limit when empty".

The finding: a token limited to a unit whose unit was then deleted became unlimited
(84 units, every sick-leave value, ``/api/v1/imports/``), because "no units" meant "no
limit". Now a limited token stays limited: with no units left it sees nothing and may
not import, and HR is told on the tokens page. The other places where an empty set
could have meant "everything" are attacked here too: a leader whose unit is deleted,
unknown codes in ``?subtree=``, ``?unit=``, ``?indicator=``, ``?area=``.
"""

import importlib
import re

import pytest
from django.apps import apps
from django.core.cache import cache
from django.test import override_settings

from api.models import ApiToken
from api.services import token_create
from hr.models import ImportJob
from measures.models import IndicatorValue
from org.models import OrgUnit, RoleAssignment
from plans import services as plans
from tests.api.helpers import ApiWorld, build_api_world
from tests.conftest import FAST_HASHERS, forget_access, shared_for_module
from tests.factories import UserFactory

READS = [
    "/api/v1/units/",
    "/api/v1/indicator-values/?page_size=1000",
    "/api/v1/targets/",
    "/api/v1/plans/",
    "/api/v1/actions/",
    "/api/v1/tertial-reports/",
]


def build_world() -> ApiWorld:
    with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        world = build_api_world()
        hr = world.users["hr"]
        for code in ("V2", "A1"):
            unit = world.units[code]
            plan = plans.plan_get_or_create(unit=unit, year=2025, by=hr)
            plans.action_create(plan=plan, by=hr, goal=world.world.goal(1), title=f"Tiltak {code}")
            plans.report_get_or_create(unit=unit, year=2025, tertial=1, by=hr)
        return world


shared_world = shared_for_module(build_world)


@pytest.fixture
def world(shared_world, db) -> ApiWorld:
    cache.clear()  # the API throttle counts per token id
    forget_access(*shared_world.users.values())
    return shared_world


def a_token(world: ApiWorld, name: str, codes: list[str], *, can_write: bool = True) -> str:
    _token, raw = token_create(
        name=name,
        by=world.users["hr"],
        units=[world.units[code] for code in codes],
        can_write=can_write,
    )
    return raw


def bearer(world: ApiWorld, raw: str):
    world.tokens[raw] = raw
    return world.client(raw)


def results(response) -> list:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def delete_unit(code: str) -> None:
    """A unit deleted outside the app's services (the shell, the database)."""
    OrgUnit.objects.get(code=code).delete()


# --- The finding: an orphaned unit-limited token ----------------------------------------------


def test_a_token_whose_only_unit_is_deleted_sees_nothing_and_may_not_import(world):
    # Given a write token limited to A1, which sees A1 and only A1
    client = bearer(world, a_token(world, "a1-only", ["A1"]))
    assert [unit["code"] for unit in results(client.get("/api/v1/units/"))] == ["A1"]
    assert {v["unit"] for v in results(client.get(READS[1]))} == {"A1"}

    # When A1 is deleted
    delete_unit("A1")
    jobs_before = ImportJob.objects.count()

    # Then it sees no unit, value, target, plan, action or report
    for path in READS:
        assert results(client.get(path)) == [], path
    csv = client.get("/api/v1/indicator-values/?format=csv")
    assert csv.status_code == 200
    assert b"".join(csv.streaming_content).decode().count("\n") == 1  # the header only
    assert client.get("/api/v1/units/K/").status_code == 404

    # And it may neither list nor post imports, nor write plans or reports
    listed = client.get("/api/v1/imports/")
    posted = client.post("/api/v1/imports/", {}, format="multipart")
    plan = client.post("/api/v1/plans/", {"unit": "V1", "year": 2026}, format="json")
    report = client.post(
        "/api/v1/tertial-reports/", {"unit": "K", "year": 2025, "tertial": 1}, format="json"
    )
    assert (listed.status_code, posted.status_code) == (403, 403)
    assert (plan.status_code, report.status_code) == (403, 403)
    assert ImportJob.objects.count() == jobs_before
    assert not plans.ActionPlan.objects.filter(year=2026).exists()


def test_a_token_that_lost_one_of_its_units_keeps_the_others_only(world):
    client = bearer(world, a_token(world, "v2-and-a1", ["V2", "A1"], can_write=False))

    delete_unit("A1")

    assert [unit["code"] for unit in results(client.get("/api/v1/units/"))] == ["V2"]
    assert {v["unit"] for v in results(client.get(READS[1]))} == {"V2"}
    assert {p["unit"] for p in results(client.get("/api/v1/plans/"))} == {"V2"}


def test_hr_is_told_on_the_tokens_page_and_can_revoke_the_token(world, client):
    # Given two limited tokens whose units were (partly) deleted, and an unlimited one
    orphan = a_token(world, "Foreldreløs", ["A1"])
    a_token(world, "Delvis", ["V2", "A1"], can_write=False)
    delete_unit("A1")
    client.force_login(world.users["hr"])

    # When HR opens the tokens page
    page = client.get("/api/tokens/")

    # Then the page names the tokens and the deleted unit, and what each still sees
    html = re.sub(r"\s+", " ", page.content.decode())
    assert page.status_code == 200
    assert "API-nøkler begrenset til enheter som ikke finnes lenger" in html
    assert "<strong>Foreldreløs</strong>: slettede enheter: A1. Den ser ingenting nå." in html
    assert "<strong>Delvis</strong>: slettede enheter: A1. </li>" in html
    assert html.count("Den ser ingenting nå.") == 1
    assert "ingen igjen: ser ingenting" in html
    listed = [item.token.name for item in page.context["lost"]]
    assert sorted(listed) == ["Delvis", "Foreldreløs"]

    # And revoking it stops it at once
    token = ApiToken.objects.get(name="Foreldreløs")
    assert client.post(f"/api/tokens/{token.pk}/revoke/").status_code == 302
    assert bearer(world, orphan).get("/api/v1/units/").status_code == 401
    assert [i.token.name for i in client.get("/api/tokens/").context["lost"]] == ["Delvis"]


def test_an_unlimited_token_is_not_reported_and_still_sees_everything(world, client):
    raw = a_token(world, "Alt", [], can_write=False)
    delete_unit("A1")
    client.force_login(world.users["hr"])

    assert client.get("/api/tokens/").context["lost"] == []
    codes = [unit["code"] for unit in results(bearer(world, raw).get("/api/v1/units/"))]
    assert codes == ["HV", "K", "V1", "V2"]


def test_the_upgrade_marks_tokens_that_have_units_as_limited(world):
    # Given tokens from before the upgrade: limited ones had units, and no flag
    limited = ApiToken.objects.get(name="token-v1")
    ApiToken.objects.update(unit_limited=False, unit_codes=[])

    # When the migration's data step runs
    migration = importlib.import_module("api.migrations.0003_token_unit_limited_fails_closed")
    migration.mark_limited(apps, None)

    # Then tokens with units are limited, with their codes; the others are not
    limited.refresh_from_db()
    assert (limited.unit_limited, limited.unit_codes) == (True, ["V1"])
    assert list(
        ApiToken.objects.filter(unit_limited=True).order_by("name").values_list("name", flat=True)
    ) == ["token-v1", "token-v1-write"]


# --- The audit: other places where empty could have meant everything -----------------------


def test_a_leader_whose_unit_is_deleted_sees_nothing_on_the_web_and_in_the_api(world, client):
    # Given a leader of A1 only (the role goes with the unit)
    leader = UserFactory(username="leder-a1", groups=["Leder"])
    RoleAssignment.objects.create(user=leader, unit=world.units["A1"], role="leader")
    _token, raw = token_create(name="leder-a1", by=world.users["hr"], user=leader)
    delete_unit("A1")
    client.force_login(leader)

    # When they open the dashboard, plans, exports and the API
    pages = [
        client.get("/dashboard/"),
        client.get("/dashboard/export.csv"),
        client.get("/plans/"),
        client.get("/tertialrapporter/"),
    ]
    api = bearer(world, raw)

    # Then every page refuses, and the API shows nothing
    assert [page.status_code for page in pages] == [403, 403, 403, 403]
    assert api.get("/api/v1/indicator-values/").status_code == 403
    assert api.get("/api/v1/targets/").status_code == 403
    assert api.get("/api/v1/plans/").status_code == 403
    assert results(api.get("/api/v1/units/")) != []  # unit names are not sensitive


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/units/?subtree=NOPE",
        "/api/v1/indicator-values/?subtree=NOPE",
        "/api/v1/indicator-values/?unit=NOPE",
        "/api/v1/indicator-values/?indicator=nope",
        "/api/v1/plans/?subtree=NOPE",
        "/api/v1/actions/?subtree=NOPE",
        "/api/v1/tertial-reports/?subtree=NOPE",
        "/api/v1/targets/?unit=NOPE",
        "/api/v1/plans/?unit=NOPE",
    ],
)
def test_an_unknown_code_in_a_filter_selects_nothing(world, path):
    assert results(world.client("token-read").get(path)) == []


def test_a_subtree_outside_a_limited_tokens_units_selects_nothing(world):
    client = world.client("token-v1")

    assert results(client.get("/api/v1/indicator-values/?subtree=V2")) == []
    assert results(client.get("/api/v1/units/?subtree=K")) != []
    assert {u["code"] for u in results(client.get("/api/v1/units/?subtree=K"))} == {"V1", "A1"}


def test_a_limited_token_sees_only_the_targets_that_apply_to_its_units(world):
    # The municipality's target applies to V1 (inherited); V2's own would not.
    from measures.models import Indicator
    from measures.services import target_save

    target_save(
        indicator=Indicator.objects.get(slug="sick_leave_pct"),
        unit=world.units["V2"],
        comparator="<",
        value=7.0,
        margin=0.5,
    )

    limited = results(world.client("token-v1").get("/api/v1/targets/"))
    everything = results(world.client("token-read").get("/api/v1/targets/"))

    assert [t["unit"] for t in limited] == ["K"]
    assert sorted(t["unit"] for t in everything) == ["K", "V2"]


def test_an_unknown_service_area_on_the_dashboard_is_404_not_everything(world, client):
    client.force_login(world.users["hr"])

    assert client.get("/dashboard/?area=NOPE").status_code == 404
    assert client.get("/dashboard/export.csv?area=NOPE").status_code == 404


def test_values_are_still_there_for_the_units_that_remain(world):
    # The deletion removed A1's values only (what the tests above rely on).
    before = IndicatorValue.objects.exclude(unit__code="A1").count()
    delete_unit("A1")
    assert IndicatorValue.objects.count() == before
