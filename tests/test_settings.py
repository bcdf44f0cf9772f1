"""The settings module, exercised in fresh processes with different environments."""

import json
import os
import subprocess
import sys

import pytest
from django.db import connection

from .conftest import ROOT, services_required

PROBE = (
    "import json; from django.conf import settings; d = settings.DATABASES['default']; "
    "print(json.dumps({'engine': d['ENGINE'], 'name': str(d['NAME']), 'host': d.get('HOST'), "
    "'port': d.get('PORT'), 'eager': settings.CELERY_TASK_ALWAYS_EAGER, "
    "'broker': settings.CELERY_BROKER_URL, 'debug': settings.DEBUG, 'demo': settings.DEMO_MODE}))"
)
UNSET = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "DEMO_MODE", "ALLOWED_HOSTS")


def run_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in UNSET}
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", PROBE],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "strategi.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def probe(**env: str) -> dict:
    result = run_settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_default_is_sqlite_in_the_project_folder_with_eager_tasks():
    config = probe()

    assert config["engine"] == "django.db.backends.sqlite3"
    assert config["name"] == str(ROOT / "db.sqlite3")
    assert config["eager"] is True
    assert config["debug"] is True
    assert config["demo"] is True


def test_postgresql_from_database_url():
    config = probe(DATABASE_URL="postgres://u:p@db.example:6543/strategi_prod")

    assert config["engine"] == "django.db.backends.postgresql"
    assert (config["name"], config["host"], config["port"]) == ("strategi_prod", "db.example", 6543)


def test_redis_url_makes_redis_the_broker_and_turns_off_eager_tasks():
    config = probe(REDIS_URL="redis://127.0.0.1:6390/2")

    assert config["broker"] == "redis://127.0.0.1:6390/2"
    assert config["eager"] is False


def test_production_refuses_to_start_without_a_secret_key():
    result = run_settings(DEBUG="false", ALLOWED_HOSTS="strategi.example")

    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_refuses_a_weak_secret_key():
    result = run_settings(DEBUG="false", SECRET_KEY="short", ALLOWED_HOSTS="x.example")

    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


def test_production_starts_with_a_real_secret_key_and_is_not_a_demo():
    config = probe(DEBUG="false", SECRET_KEY="k" * 60, ALLOWED_HOSTS="strategi.example")

    assert config["debug"] is False
    assert config["demo"] is False


def test_a_malformed_boolean_is_an_error_not_a_guess():
    result = run_settings(DEBUG="maybe")

    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


@pytest.mark.django_db
def test_ci_runs_on_postgresql():
    if not services_required():
        pytest.skip("only checked where REQUIRE_SERVICES=1")
    assert connection.vendor == "postgresql"
