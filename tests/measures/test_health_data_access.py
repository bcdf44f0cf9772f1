"""Who looked at health data: the access log of pages, exports, API calls and commands."""

import datetime as dt
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from api.services import token_create
from measures.models import HealthDataAccess
from measures.services import health_data_access_prune, health_data_access_record
from tests.dashboards.dashboard_data import build_municipality, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def units():
    return build_municipality()


@pytest.fixture
def hr(django_user_model, units):
    return user_with_role(django_user_model, "hr-user", "HR")


@pytest.fixture
def leader(django_user_model, units):
    return user_with_role(django_user_model, "leader", "Leder", units["SH"])


def test_a_page_view_is_recorded_with_user_units_and_no_store(client, leader):
    client.force_login(leader)

    response = client.get("/units/SH/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    record = HealthDataAccess.objects.get()
    assert (record.username, record.user, record.route) == ("leader", leader, "page")
    assert (record.path, record.scope) == ("/units/SH/", "SH")


def test_a_refused_page_is_not_a_view(client, leader):
    client.force_login(leader)

    assert client.get("/units/SK/").status_code == 403

    assert not HealthDataAccess.objects.exists()


def test_exports_are_recorded_as_exports(client, hr):
    client.force_login(hr)

    for path in ("/dashboard/export.csv", "/dashboard/export.xlsx"):
        response = client.get(path, {"area": "HV"})
        assert "no-store" in response["Cache-Control"]

    routes = list(HealthDataAccess.objects.values_list("route", "scope"))
    assert routes == [("export", "area=HV"), ("export", "area=HV")]


def test_api_calls_are_recorded_with_the_token(client, hr):
    _, key = token_create(name="datasjø", by=hr)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    json = client.get("/api/v1/indicator-values/", {"unit": "SH"}, **headers)
    csv = client.get("/api/v1/indicator-values/", {"format": "csv"}, **headers)
    other = client.get("/api/v1/units/", **headers)

    assert json.status_code == csv.status_code == other.status_code == 200
    assert "no-store" in json["Cache-Control"] and "no-store" in csv["Cache-Control"]
    records = list(HealthDataAccess.objects.order_by("pk").values_list("route", "token", "scope"))
    assert records == [("api", "datasjø", "unit=SH"), ("api", "datasjø", "")]


def test_the_export_command_is_recorded(units):
    call_command("export_indicators", "--unit", "SH", "--from", "2024-01", stdout=StringIO())

    record = HealthDataAccess.objects.get()
    assert (record.route, record.scope, record.user) == ("command", "SH", None)
    assert record.path == "export_indicators --unit SH --from 2024-01"


def test_hr_reads_the_log_and_a_leader_may_not(client, hr, leader):
    health_data_access_record(user=leader, route="page", path="/units/SH/", scope="SH")

    client.force_login(leader)
    assert client.get("/tilgangslogg/").status_code == 403
    client.force_login(hr)
    page = client.get("/tilgangslogg/", {"user": "leader"}).content.decode()

    assert "<h1>Tilgangslogg for helsedata</h1>" in page
    assert "/units/SH/" in page and "Side" in page


def test_records_older_than_the_retention_are_pruned(leader, settings):
    settings.HEALTH_DATA_ACCESS_LOG_DAYS = 30
    now = timezone.now()
    old = health_data_access_record(user=leader, route="page", path="/old/")
    new = health_data_access_record(user=leader, route="page", path="/new/")
    HealthDataAccess.objects.filter(pk=old.pk).update(at=now - dt.timedelta(days=31))
    HealthDataAccess.objects.filter(pk=new.pk).update(at=now - dt.timedelta(days=29))

    assert health_data_access_prune(now=now) == 1

    assert list(HealthDataAccess.objects.values_list("path", flat=True)) == ["/new/"]


def test_beat_prunes_the_log_every_day():
    entry = settings.CELERY_BEAT_SCHEDULE["health-data-access-prune"]
    assert entry["task"] == "measures.tasks.health_data_access_prune"
    assert settings.HEALTH_DATA_ACCESS_LOG_DAYS == 365
