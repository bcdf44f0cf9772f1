"""The page cache of the dashboard and the unit pages (measures/cache.py).

A repeated page is served from the cache; any change to values, targets, units, plans
or reports shows on the next request; users of different access scopes never share an
entry; a cache that is down only makes pages slower.
"""

import datetime as dt
import re
import uuid

import pytest

from dashboards import cache as page_cache
from hr.models import Employment
from measures.engine import recompute_range
from measures.models import Target
from measures.services import target_save
from org import roles
from org.models import OrgUnit, RoleAssignment
from tests.conftest import clear_page_cache, redis_available, require_service
from tests.measures.builders import build_absences
from tests.plans.report_helpers import plan_with_action, submitted_report

from .dashboard_data import TODAY, user_with_role
from .test_dashboard import cells, text_of, unit_rows

pytestmark = pytest.mark.django_db

URL = "/dashboard/"


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Every test starts with an empty, working page cache."""
    clear_page_cache()
    page_cache._paused_until = 0.0
    yield
    clear_page_cache()
    page_cache._paused_until = 0.0


def sick_leave_target(unit: OrgUnit) -> Target:
    return Target.objects.get(unit=unit, indicator__slug="sick_leave_pct")


def change_target(unit: OrgUnit, value: float) -> None:
    target = sick_leave_target(unit)
    target_save(
        indicator=target.indicator,
        unit=unit,
        comparator=target.comparator,
        value=value,
        margin=target.margin,
        target=target,
    )


def employments() -> dict[str, Employment]:
    return {e.employment_id: e for e in Employment.objects.all()}


def sick_in_august(employment_id: str, *, from_month: int = 8) -> dict:
    """A sick-leave spell of ``employment_id`` from ``from_month`` to the end of August 2024."""
    return {
        "absence_id": f"NEW-{employment_id}",
        "employment_id": employment_id,
        "start_date": dt.date(2024, from_month, 1),
        "end_date": dt.date(2024, 8, 31),
        "grade_pct": 100,
        "kind": "legemeldt",
    }


def test_a_repeated_page_is_served_from_the_cache(hr_client, units, django_assert_num_queries):
    first = hr_client.get(URL, {"open": "HV"}).content.decode()

    # Session, user, the HR check and the data version (the reported indicators, then
    # the version), the access log's record, and HR's notice of owed recomputes:
    # nothing of the dashboard.
    with django_assert_num_queries(7):
        second = hr_client.get(URL, {"open": "HV"}).content.decode()
    hr_client.get("/units/HV/")
    with django_assert_num_queries(8):  # + the unit
        unit_page = hr_client.get("/units/HV/").content.decode()
    hr_client.get("/dashboard/rows/SH/")
    with django_assert_num_queries(7):
        fragment = hr_client.get("/dashboard/rows/SH/").content.decode()

    assert unit_rows(second) == unit_rows(first) == ["K", "HV", "SH", "OU"]
    assert cells(second, units["HV"]) == cells(first, units["HV"])
    assert "<h1>Helse og velferd</h1>" in unit_page
    assert unit_rows(fragment) == ["SH1"]


def test_a_changed_target_shows_on_the_next_request(hr_client, units):
    assert cells(hr_client.get(URL).content.decode(), units["K"])[0].startswith(
        "6,7 % ✗ Ikke nådd mål < 6 %"
    )
    assert (
        "&lt;\N{NO-BREAK SPACE}6\N{NO-BREAK SPACE}%" in hr_client.get("/units/K/").content.decode()
    )

    change_target(units["K"], 7)

    assert cells(hr_client.get(URL).content.decode(), units["K"])[0].startswith(
        "6,7 % ✓ Nådd mål < 7 %"
    )
    assert (
        "&lt;\N{NO-BREAK SPACE}7\N{NO-BREAK SPACE}%" in hr_client.get("/units/K/").content.decode()
    )

    sick_leave_target(units["K"]).delete()

    assert cells(hr_client.get(URL).content.decode(), units["K"])[0].startswith("6,7 % – Ingen mål")


def test_a_recompute_shows_on_the_next_request(hr_client, units):
    def sk_sick_leave() -> str:
        page = hr_client.get(URL, {"open": "OU"}).content.decode()
        return cells(page, units["SK"])[0].split(" ")[0]

    def sk_rows() -> str:
        return text_of(hr_client.get("/dashboard/rows/OU/").content.decode())

    assert sk_sick_leave() == "0,0"
    assert sk_rows().startswith("Skolen Virksomhet 0,0 %")
    # One more of SK's six persons sick the whole tertial, then the engine's recompute.
    build_absences([sick_in_august("SK-1", from_month=5)], employments())
    recompute_range(start="2024-05", end="2024-08", today=TODAY)

    assert sk_sick_leave() == "16,7"
    assert sk_rows().startswith("Skolen Virksomhet 16,7 %")
    assert "16,7\N{NO-BREAK SPACE}%" in hr_client.get("/units/SK/").content.decode()


def test_a_renamed_unit_shows_on_the_next_request(hr_client, units):
    assert "Oppvekst" in hr_client.get(URL).content.decode()
    assert "Skolen" in hr_client.get("/units/OU/").content.decode()

    school = units["SK"]
    school.name = "Skolen på berget"
    school.save()
    units["OU"].name = "Oppvekst og utdanning"
    units["OU"].save()

    assert unit_rows(hr_client.get(URL).content.decode()) == ["K", "HV", "OU"]
    assert "Oppvekst og utdanning" in hr_client.get(URL).content.decode()
    assert "Skolen på berget" in hr_client.get("/units/OU/").content.decode()


def test_plans_and_reports_show_on_the_next_request(hr_client, units):
    def coverage() -> list[str]:
        page = hr_client.get(URL).content.decode()
        section = page.split('<h2 id="plans-heading">')[1].split("</section>")[0]
        rows = re.findall(r'<tr id="coverage-row-\d+">(.*?)</tr>', section, re.DOTALL)
        return [text_of(row) for row in rows]

    assert coverage()[1] == "Helse og velferd ✗ Ingen plan ✗ Ikke påbegynt"

    plan_with_action(units["HV"], 2024)
    assert coverage()[1] == "Helse og velferd ✓ Har plan ✗ Ikke påbegynt"

    submitted_report(units["HV"], 2024, 2)
    assert coverage()[1] == "Helse og velferd ✓ Har plan ✓ Sendt inn, venter på gjennomgang"


def test_users_of_different_scopes_never_share_a_page(client, django_user_model, units):
    hr = user_with_role(django_user_model, "hr-user", roles.HR)
    nursing_home = user_with_role(django_user_model, "leader-sh", roles.LEADER, units["SH"])
    school = user_with_role(django_user_model, "leader-ou", roles.LEADER, units["OU"])
    client.force_login(hr)
    assert unit_rows(client.get(URL, {"expand": "all"}).content.decode()) == [
        "K",
        "HV",
        "SH",
        "SH1",
        "OU",
        "SK",
    ]
    assert "/reports/2024/T2/" in client.get(URL).content.decode()

    client.force_login(nursing_home)
    page = client.get(URL, {"expand": "all"}).content.decode()
    assert unit_rows(page) == ["SH", "SH1"]
    assert "Helse og velferd" not in page
    assert "/reports/" not in client.get(URL).content.decode()

    client.force_login(school)
    assert unit_rows(client.get(URL, {"expand": "all"}).content.decode()) == ["OU", "SK"]
    assert client.get("/dashboard/rows/SH/").status_code == 403
    assert client.get("/units/SH/").status_code == 403

    # A leader who gets another unit sees it on the next request.
    RoleAssignment.objects.create(user=school, unit=units["SH"], role=RoleAssignment.Role.LEADER)
    assert unit_rows(client.get(URL, {"expand": "all"}).content.decode()) == [
        "OU",
        "SK",
        "SH",
        "SH1",
    ]
    assert client.get("/dashboard/rows/SH/").status_code == 200

    # A leader who loses their unit is refused at once.
    RoleAssignment.objects.filter(user=nursing_home).delete()
    client.force_login(nursing_home)
    assert client.get(URL).status_code == 403
    assert client.get("/units/SH/").status_code == 403


def test_the_breadcrumb_of_a_cached_unit_page_follows_the_user(client, django_user_model, units):
    client.force_login(user_with_role(django_user_model, "hr-user", roles.HR))
    assert '<a href="/units/HV/">Helse og velferd</a>' in client.get("/units/SH/").content.decode()

    client.force_login(user_with_role(django_user_model, "leader", roles.LEADER, units["SH"]))
    page = client.get("/units/SH1/").content.decode()
    page = client.get("/units/SH/").content.decode()

    assert 'href="/units/HV/"' not in page
    assert "Helse og velferd" in page  # named, not linked


def test_each_language_has_its_own_page(hr_client, units):
    hr_client.cookies["django_language"] = "en"
    english = hr_client.get(URL).content.decode()
    hr_client.cookies["django_language"] = "nb"
    norwegian = hr_client.get(URL).content.decode()

    assert "Key indicators per unit" in english
    assert "Nøkkelindikatorer per enhet" in norwegian


def test_the_data_version_changes_with_what_pages_show(units, django_user_model):
    def version() -> page_cache.DataVersion:
        return page_cache.data_version()

    before = version()
    assert version() == before

    change_target(units["K"], 7)
    after_target = version()
    assert after_target.indicators != before.indicators
    assert after_target.plans == before.plans

    plan_with_action(units["HV"], 2024)
    after_plan = version()
    assert after_plan.plans != after_target.plans
    assert after_plan.indicators != after_target.indicators  # the strategy was loaded

    # A recompute that changes nothing writes nothing; one that changes a value does.
    recompute_range(start="2024-08", end="2024-08", today=TODAY)
    assert version() == after_plan
    build_absences([sick_in_august("SK-1")], employments())
    recompute_range(start="2024-08", end="2024-08", today=TODAY)
    assert version().indicators != after_plan.indicators

    counted = version()
    page_cache.bump_version()
    assert version().indicators != counted.indicators
    assert version().plans != counted.plans


def test_pages_are_served_when_the_cache_is_down(hr_client, units, settings):
    # A Redis that refuses connections (nothing listens on port 9 of this machine).
    settings.CACHES = {
        **settings.CACHES,
        page_cache.ALIAS: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    }

    response = hr_client.get(URL)

    assert response.status_code == 200
    assert unit_rows(response.content.decode()) == ["K", "HV", "OU"]
    assert page_cache._cache_usable() is False  # left alone for a while
    assert hr_client.get("/units/SH/").status_code == 200
    assert hr_client.get("/dashboard/rows/HV/").status_code == 200


@pytest.mark.services
def test_pages_are_cached_in_redis_shared_by_every_process(hr_client, units, settings):
    require_service(redis_available(), "Redis is not reachable (set REDIS_URL)")
    prefix = f"test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        **settings.CACHES,
        page_cache.ALIAS: {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": prefix,
        },
    }
    import redis

    server = redis.Redis.from_url(settings.REDIS_URL)
    try:
        hr_client.get(URL)
        assert len(server.keys(f"{prefix}:*")) >= 3  # periods, areas, the page

        change_target(units["K"], 7)
        assert "Nådd mål < 7 %" in cells(hr_client.get(URL).content.decode(), units["K"])[0]

        # The counter of bump_version lives in Redis, where every process reads it.
        before = page_cache.data_version()
        page_cache.bump_version()
        assert server.get(f"{prefix}:1:{page_cache._COUNTER_KEY}") == b"1"
        assert page_cache.data_version() != before
    finally:
        for key in server.scan_iter(f"{prefix}:*"):
            server.delete(key)
        server.close()
