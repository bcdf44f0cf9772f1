"""API tokens (command and HR's page), throttling, size limits and the error format."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from rest_framework.test import APIClient

from api.models import ApiToken, token_hash
from api.throttling import ClientRateThrottle
from plans.models import Action

KEY = re.compile(r"stg_[A-Za-z0-9_-]{43}")


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def create_token(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def database_text() -> str:
    """Every row of every table as text (the test database is small)."""
    rows = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            rows.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(rows)


# --- The command ----------------------------------------------------------------------


def test_the_command_prints_a_working_key_once_and_stores_only_its_hash(world):
    raw, message = create_token("Datasjø")

    assert KEY.fullmatch(raw)
    token = ApiToken.objects.get(name="Datasjø")
    assert "shown only now" in message
    assert raw not in message
    assert token.key_hash == token_hash(raw)
    assert token.key_start == raw[:10]
    assert (token.can_write, list(token.units.all())) == (False, [])
    assert token.user.username == "api-datasj"
    assert not token.user.has_usable_password()
    text = database_text()
    assert token.key_hash in text  # the scan sees the token's row
    assert raw not in text
    assert raw[10:] not in text

    client = bearer(raw)
    assert client.get("/api/v1/indicator-values/").status_code == 200
    response = client.post("/api/v1/plans/", {"unit": "V1", "year": 2030}, format="json")
    assert response.status_code == 403  # read only


def test_the_command_limits_a_token_to_units_and_lets_it_write(world):
    raw, message = create_token("power-bi", "--units", "V1", "V2", "--write")
    assert "read and write; V1, V2" in message
    client = bearer(raw)
    codes = {row["code"] for row in client.get("/api/v1/units/").json()["results"]}
    assert codes == {"V1", "V2", "A1"}
    response = client.post("/api/v1/plans/", {"unit": "A1", "year": 2030}, format="json")
    assert response.status_code == 201
    response = client.post("/api/v1/plans/", {"unit": "HV", "year": 2030}, format="json")
    assert response.status_code == 403


def test_the_command_makes_a_token_act_as_a_user(world):
    raw, message = create_token("leders-skript", "--user", "leader-own", "--write")
    assert "acting as leader-own" in message
    client = bearer(raw)
    units = {row["unit"] for row in client.get("/api/v1/indicator-values/").json()["results"]}
    assert units == {"V1", "A1"}
    assert ApiToken.objects.get(name="leders-skript").user == world.users["leader-own"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["x", "--units", "V1", "NOPE", "ALSO"], "NOPE, ALSO"),
        (["x", "--user", "nobody"], "nobody"),
        (["   "], None),
    ],
)
def test_the_command_refuses_unknown_units_users_and_empty_names(world, args, message):
    count = ApiToken.objects.count()
    with pytest.raises(CommandError, match=message):
        create_token(*args)
    assert ApiToken.objects.count() == count


# --- HR's page --------------------------------------------------------------------------

TOKENS = "/api/tokens/"


def browser(world, who: str) -> Client:
    client = Client()
    if who != "anonymous":
        client.force_login(world.users[who])
    return client


@pytest.mark.parametrize(
    "who", ["leader-own", "leader-of-parent", "representative-own", "anonymous"]
)
def test_only_hr_sees_the_token_page(world, who):
    client = browser(world, who)
    token = ApiToken.objects.get(name="token-read")
    for response in [
        client.get(TOKENS),
        client.post(TOKENS, {"name": "sneaky", "can_write": "on"}),
        client.post(f"{TOKENS}{token.pk}/revoke/"),
    ]:
        if who == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/?next=")
        else:
            assert response.status_code == 403
    assert not ApiToken.objects.filter(name="sneaky").exists()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


def test_hr_creates_a_token_sees_the_key_once_and_revokes_it(world):
    client = browser(world, "hr")
    page = client.get(TOKENS)
    assert page.status_code == 200
    assert "token-v1" in page.content.decode()

    created = client.post(TOKENS, {"name": "Datasjøen", "units": "V1, A1", "can_write": "on"})
    assert created.status_code == 200
    keys = KEY.findall(created.content.decode())
    assert len(keys) == 1
    raw = keys[0]
    token = ApiToken.objects.get(name="Datasjøen")
    assert (token.can_write, token.created_by) == (True, world.users["hr"])
    assert sorted(token.units.values_list("code", flat=True)) == ["A1", "V1"]
    assert token.history.get().history_user == world.users["hr"]
    assert raw not in client.get(TOKENS).content.decode()
    assert raw not in database_text()

    api = bearer(raw)
    assert api.get("/api/v1/units/").status_code == 200
    revoked = client.post(f"{TOKENS}{token.pk}/revoke/")
    assert revoked.status_code == 302
    assert revoked["Location"] == TOKENS
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api.get("/api/v1/units/").status_code == 401
    assert client.get(f"{TOKENS}{token.pk}/revoke/").status_code == 405


def test_the_page_refuses_unknown_units_and_a_missing_name(world):
    client = browser(world, "hr")
    count = ApiToken.objects.count()
    response = client.post(TOKENS, {"name": "x", "units": "V1 NOPE"})
    assert response.status_code == 200
    assert "NOPE" in response.content.decode()
    response = client.post(TOKENS, {"name": "", "units": ""})
    assert response.status_code == 200
    assert not KEY.search(response.content.decode())
    assert ApiToken.objects.count() == count


# --- Throttling, size limits, error format --------------------------------------------


def test_requests_are_throttled_per_token_with_a_json_429(world, monkeypatch):
    # DRF reads the rates once, into the class: the rate is set on the throttle itself.
    monkeypatch.setattr(ClientRateThrottle, "rate", "3/minute", raising=False)
    client, other = world.client("token-read"), world.client("token-write")
    for _ in range(3):
        assert client.get("/api/v1/units/").status_code == 200
    response = client.get("/api/v1/units/")
    assert response.status_code == 429
    body = response.json()
    assert body["code"] == "throttled"
    assert body["detail"]
    assert int(response["Retry-After"]) > 0
    # Another token (another client) has its own count; so has a user's session.
    assert other.get("/api/v1/units/").status_code == 200
    assert world.client("hr").get("/api/v1/units/").status_code == 200


def test_the_api_answers_unthrottled_when_the_throttle_cache_is_down(world, settings, monkeypatch):
    """Redis down must not take the API with it: requests pass, and only one waits."""
    from api import throttling

    monkeypatch.setattr(throttling, "_paused_until", 0.0)
    monkeypatch.setattr(ClientRateThrottle, "rate", "1/minute", raising=False)
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing listens
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    }
    client = world.client("token-read")

    statuses = [client.get("/api/v1/units/").status_code for _ in range(3)]

    assert statuses == [200, 200, 200]
    assert throttling._paused_until > 0


def test_a_json_body_over_the_limit_is_413(world, objects, settings):
    settings.API_MAX_BODY_BYTES = 2000
    action = objects.actions["V1"]
    client = world.client("token-write")
    response = client.patch(
        f"/api/v1/actions/{action.pk}/",
        {"description": "x" * 3000},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert Action.objects.get(pk=action.pk).description == ""
    small = client.patch(
        f"/api/v1/actions/{action.pk}/", {"description": "kort"}, HTTP_IF_MATCH='"1"'
    )
    assert small.status_code == 200


def test_a_json_body_over_djangos_own_limit_is_413_too(world, objects, settings):
    settings.API_MAX_BODY_BYTES = 10 * 1024 * 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    action = objects.actions["V1"]
    response = world.client("token-write").patch(
        f"/api/v1/actions/{action.pk}/",
        {"description": "x" * 3000},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_every_error_is_json_with_detail_and_code(world, objects):
    hr, reader = world.client("token-write"), world.client("token-read")
    action = objects.actions["V1"]
    path = f"/api/v1/actions/{action.pk}/"
    cases = [
        (hr.get("/api/v1/indicator-values/?from=2025-13"), 400, "invalid"),
        (hr.post("/api/v1/actions/", {}, format="json"), 400, "invalid"),
        (
            hr.post("/api/v1/actions/", "{not json", content_type="application/json"),
            400,
            "parse_error",
        ),
        (world.client("anonymous").get("/api/v1/units/"), 401, "not_authenticated"),
        (bearer("stg_nope").get("/api/v1/units/"), 401, "authentication_failed"),
        (reader.patch(path, {"title": "x"}, HTTP_IF_MATCH='"1"'), 403, "permission_denied"),
        (world.client("representative-own").get("/api/v1/targets/"), 403, "permission_denied"),
        (hr.get("/api/v1/actions/999999/"), 404, "not_found"),
        (hr.get("/api/v1/units/NOPE/"), 404, "not_found"),
        (hr.get("/api/v1/actions/abc/"), 404, "not_found"),
        (hr.patch(path, {"title": "x"}, HTTP_IF_MATCH='"7"'), 409, "conflict"),
        (hr.patch(path, {"title": "x"}), 428, "precondition_required"),
        (hr.delete("/api/v1/units/V1/"), 405, "method_not_allowed"),
        (hr.get("/api/v1/units/", HTTP_ACCEPT="text/html"), 406, "not_acceptable"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, (status, response.content)
        assert response["Content-Type"] == "application/json", status
        body = response.json()
        assert body["code"] == code, body
        assert isinstance(body["detail"], str)
        assert body["detail"]
        assert set(body) <= {"detail", "code", "fields", "current_version"}
