"""PostgreSQL restarted between two requests: the app answers the next one without a
restart of its own (persistent connections, CONN_MAX_AGE > 0)."""

import html
import subprocess
import sys

import pytest
import requests
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.utils import translation

from tests.conftest import ROOT

from .conftest import app_server, child_env, children_of_process

pytestmark = pytest.mark.services


def failed_login(base: str) -> requests.Response:
    """A login with a wrong password: the app reads the users table to refuse it."""
    session = requests.Session()
    session.get(f"{base}/accounts/login/", timeout=10).raise_for_status()
    return session.post(
        f"{base}/accounts/login/",
        data={
            "username": "nobody",
            "password": "wrong-password",
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=30,
    )


def refused(response: requests.Response) -> bool:
    """The login page with its "wrong user name or password" error (read from the DB)."""
    with translation.override("nb"):
        error = AuthenticationForm.error_messages["invalid_login"] % {
            "username": get_user_model()._meta.get_field("username").verbose_name
        }
    return response.status_code == 200 and str(error) in html.unescape(response.text)


def app_connections(cluster) -> int:
    return int(
        cluster.psql(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = 'strategi' AND backend_type = 'client backend'"
        ).strip("[(,)]")
    )


def test_the_app_recovers_from_a_database_restart_without_a_restart_of_its_own(
    private_postgres,
):
    # Given the app on its own PostgreSQL, keeping its connection between requests
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=child_env(DATABASE_URL=private_postgres.url, REDIS_URL=""),
        check=True,
        timeout=120,
    )
    env = {"DATABASE_URL": private_postgres.url, "CONN_MAX_AGE": "600", "REDIS_URL": ""}
    with app_server(**env) as (base, server):
        assert refused(failed_login(base))
        assert app_connections(private_postgres) == 1
        workers = children_of_process(server.pid)

        # When PostgreSQL restarts (its connections are closed)
        private_postgres.restart()
        assert app_connections(private_postgres) == 0

        # Then the next requests succeed, served by the same worker process
        assert refused(failed_login(base))
        assert refused(failed_login(base))
        assert children_of_process(server.pid) == workers
