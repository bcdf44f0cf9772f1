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
UNSET = (
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "DEBUG",
    "DEMO_MODE",
    "ALLOWED_HOSTS",
    "SITE_URL",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SESSION_AGE_HOURS",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE",
)
# A production secret key as `secrets.token_urlsafe(50)` makes one.
PRODUCTION_KEY = "q3V8xK1mZt7Rb2Nw9Lp4Hs6Jd0Fg5Ya8Ue3Ci7Ok1Tr6Wn2Mb4Xv9Ze5Qa0Sl3Py7"
SECURITY_PROBE = (
    "import json; from django.conf import settings as s; print(json.dumps({"
    "'proxy': getattr(s, 'SECURE_PROXY_SSL_HEADER', None), 'redirect': s.SECURE_SSL_REDIRECT, "
    "'hsts': s.SECURE_HSTS_SECONDS, 'subdomains': s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
    "'secure_cookies': [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE], "
    "'session_age': s.SESSION_COOKIE_AGE, 'browser_close': s.SESSION_EXPIRE_AT_BROWSER_CLOSE}))"
)


def run_settings(*, code: str = PROBE, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in UNSET}
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "strategi.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def probe(*, code: str = PROBE, **env: str) -> dict:
    result = run_settings(code=code, **env)
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


def test_production_refuses_to_start_without_the_site_url_of_its_mails():
    result = run_settings(DEBUG="false", SECRET_KEY=PRODUCTION_KEY, ALLOWED_HOSTS="x.example")
    relative = run_settings(
        DEBUG="false", SECRET_KEY=PRODUCTION_KEY, ALLOWED_HOSTS="x.example", SITE_URL="x.example"
    )

    assert result.returncode != 0 and relative.returncode != 0
    assert "SITE_URL must be set when DEBUG is off" in result.stderr
    assert "SITE_URL must be set when DEBUG is off" in relative.stderr


def test_production_refuses_a_weak_secret_key():
    result = run_settings(DEBUG="false", SECRET_KEY="short", ALLOWED_HOSTS="x.example")

    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


def test_production_refuses_a_long_key_of_few_characters():
    result = run_settings(DEBUG="false", SECRET_KEY="k" * 60, ALLOWED_HOSTS="x.example")

    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


def test_production_starts_with_a_real_secret_key_and_is_not_a_demo():
    config = probe(
        DEBUG="false",
        SECRET_KEY=PRODUCTION_KEY,
        ALLOWED_HOSTS="strategi.example",
        SITE_URL="https://strategi.example",
    )

    assert config["debug"] is False
    assert config["demo"] is False


def test_production_redirects_to_https_with_hsts_behind_a_proxy_by_default():
    config = probe(
        code=SECURITY_PROBE,
        DEBUG="false",
        SECRET_KEY=PRODUCTION_KEY,
        ALLOWED_HOSTS="strategi.example",
        SITE_URL="https://strategi.example",
    )

    assert config == {
        "proxy": ["HTTP_X_FORWARDED_PROTO", "https"],
        "redirect": True,
        "hsts": 31536000,
        "subdomains": True,
        "secure_cookies": [True, True],
        "session_age": 8 * 3600,
        "browser_close": True,
    }


def test_production_behind_another_proxy_header_or_none_and_longer_sessions():
    env = {
        "DEBUG": "false",
        "SECRET_KEY": PRODUCTION_KEY,
        "ALLOWED_HOSTS": "strategi.example",
        "SITE_URL": "https://strategi.example",
    }

    other = probe(code=SECURITY_PROBE, SECURE_PROXY_SSL_HEADER="X-Forwarded-Scheme", **env)
    direct = probe(
        code=SECURITY_PROBE,
        SECURE_PROXY_SSL_HEADER="",
        SESSION_AGE_HOURS="12",
        SESSION_EXPIRE_AT_BROWSER_CLOSE="false",
        **env,
    )

    assert other["proxy"] == ["HTTP_X_FORWARDED_SCHEME", "https"]
    assert direct["proxy"] is None
    assert (direct["session_age"], direct["browser_close"]) == (12 * 3600, False)


def test_a_malformed_boolean_is_an_error_not_a_guess():
    result = run_settings(DEBUG="maybe")

    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean" in result.stderr


@pytest.mark.django_db
def test_ci_runs_on_postgresql():
    if not services_required():
        pytest.skip("only checked where REQUIRE_SERVICES=1")
    assert connection.vendor == "postgresql"
