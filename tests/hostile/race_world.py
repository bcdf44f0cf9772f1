"""A database of its own and an app server on it, for the race tests.

The race tests send requests at the same instant to a real server: ``runserver`` on a
SQLite file, as ``make run`` does, or gunicorn with several processes and threads on
PostgreSQL, as in production. The database is not the test process's (pytest's SQLite
test database lives in memory): ``RaceDatabase`` creates a fresh one, migrates it and
builds the world in a child process (``python -m tests.hostile.race_world build``), and
reads what was stored the same way (``state``).

The world: K → HV → V1, V2, A1; this year's plan of V1 with two actions and no plan
for V2 and A1; no reports; leaders ``leder0``…``leder11`` of HV with a session each, HR
``hr`` with a write token.
"""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
LEADERS = 12


# --- In the child process ------------------------------------------------------------


def build() -> dict[str, Any]:
    """The world, committed; returns the ids, sessions and token a test needs."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from api.services import token_create
    from goals.services import strategies_load_seeded
    from measures import periods as P
    from org import roles
    from org.models import RoleAssignment
    from tests import factories
    from tests.measures.builders import build_units

    strategies_load_seeded()
    units = build_units(
        [
            {"code": "K", "level": "kommune"},
            {"code": "HV", "parent_code": "K", "level": "tjenesteomrade"},
            {"code": "V1", "parent_code": "HV", "level": "virksomhet"},
            {"code": "V2", "parent_code": "HV", "level": "virksomhet"},
            {"code": "A1", "parent_code": "V1", "level": "avdeling"},
        ]
    )
    hr = factories.UserFactory(username="hr", groups=[roles.HR])
    leaders = []
    for number in range(LEADERS):
        leader = factories.UserFactory(username=f"leder{number}", groups=[roles.LEADER])
        factories.RoleAssignmentFactory(
            user=leader, unit=units["HV"], role=RoleAssignment.Role.LEADER, by=hr
        )
        leaders.append(leader)
    today = timezone.localdate()
    plan = factories.ActionPlanFactory(unit=units["V1"], year=today.year, by=hr)
    actions = [factories.ActionFactory(plan=plan, title=f"Tiltak {n}", by=hr) for n in (1, 2)]
    _token, raw = token_create(name="race-write", by=hr, can_write=True)

    def session_of(user: Any) -> str:
        # What ``login`` stores: no password hashing, no login form.
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        return store.session_key

    year, tertial = P.tertial_of(today)
    return {
        "year": today.year,
        "tertial": {"year": year, "tertial": tertial},
        "plan": plan.pk,
        "actions": [action.pk for action in actions],
        "goal": actions[0].goal_id,
        "sessions": [session_of(leader) for leader in leaders],
        "hr_session": session_of(hr),
        "token": raw,
    }


def state() -> dict[str, Any]:
    """What is stored: plans, actions (with their history), reports, submission keys."""
    from plans.models import Action, ActionPlan, SubmissionKey, TertialReport

    return {
        "plans": sorted(
            f"{code} {year}" for code, year in ActionPlan.objects.values_list("unit__code", "year")
        ),
        "actions": [
            {
                "id": action.pk,
                "unit": action.plan.unit.code,
                "title": action.title,
                "version": action.version,
                "history": [record.history_type for record in action.history.order_by("pk")],
            }
            for action in Action.objects.select_related("plan__unit").order_by("pk")
        ],
        "reports": [
            {
                "unit": report.unit.code,
                "period": f"{report.year}-T{report.tertial}",
                "version": report.version,
                "state": report.state,
                "summary": report.summary,
            }
            for report in TertialReport.objects.select_related("unit").order_by("pk")
        ],
        "submission_keys": SubmissionKey.objects.count(),
    }


def main(command: str) -> None:
    import django

    django.setup()
    from django.db import transaction

    with transaction.atomic():
        result = build() if command == "build" else state()
    print(json.dumps(result))  # noqa: T201 - read by the test process


# --- In the test process -------------------------------------------------------------


def child_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "strategi.settings",
        "DATABASE_URL": database_url,
        # The embedded set-up: tasks run in-process (none is queued by these writes).
        "REDIS_URL": "",
        "DEBUG": "true",
        **extra,
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    return env


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RaceDatabase:
    """A database of the race tests' own (a SQLite file or a PostgreSQL database)."""

    url: str

    def run(self, command: str) -> dict[str, Any]:
        done = subprocess.run(
            [sys.executable, "-m", "tests.hostile.race_world", command],
            cwd=ROOT,
            env=child_env(self.url),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"race_world {command} failed:\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    def migrate(self) -> None:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=ROOT,
            env=child_env(self.url),
            capture_output=True,
            timeout=600,
            check=True,
        )


@contextlib.contextmanager
def sqlite_database() -> Iterator[RaceDatabase]:
    directory = Path(tempfile.mkdtemp(prefix="strategi-races-"))
    try:
        yield RaceDatabase(url=f"sqlite:///{directory / 'db.sqlite3'}")
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def postgres_database(server_url: str) -> Iterator[RaceDatabase]:
    """A new database on the server of ``server_url`` (the role may create databases)."""
    import dj_database_url
    import psycopg2

    config = dj_database_url.parse(server_url)
    name = f"{config['NAME']}_hostile_{uuid.uuid4().hex[:10]}"

    def admin(sql: str) -> None:
        with contextlib.closing(
            psycopg2.connect(
                host=config["HOST"],
                port=config["PORT"],
                user=config["USER"],
                password=config["PASSWORD"],
                dbname="postgres",
            )
        ) as db:
            db.autocommit = True
            with db.cursor() as cursor:
                cursor.execute(sql)

    admin(f'CREATE DATABASE "{name}"')
    url = (
        f"postgres://{config['USER']}:{config['PASSWORD']}@{config['HOST']}:{config['PORT']}/{name}"
    )
    try:
        yield RaceDatabase(url=url)
    finally:
        admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def app_server(database_url: str, *, backend: str, **env: str) -> Iterator[str]:
    """The app on the database: ``runserver`` (threads) on SQLite as ``make run`` serves,
    gunicorn with 3 processes of 4 threads on PostgreSQL as in production."""
    port = free_port()
    if backend == "sqlite":
        command = ["manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    else:
        command = [
            "-m",
            "gunicorn",
            "strategi.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "3",
            "--threads",
            "4",
            "--timeout",
            "120",
        ]
    with tempfile.TemporaryFile(mode="w+") as log:
        server = subprocess.Popen(
            [sys.executable, *command],
            cwd=ROOT,
            env=child_env(database_url, **env),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            _wait_until_serving(f"http://127.0.0.1:{port}", server, log)
            yield f"http://127.0.0.1:{port}"
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, 15)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, 9)
                server.wait()
            log.seek(0)
            print(f"--- app server output ---\n{log.read()[-20000:]}")  # noqa: T201 - on failure


def _wait_until_serving(base: str, server: subprocess.Popen, log: Any) -> None:
    deadline = time.monotonic() + 60
    while True:
        if server.poll() is not None:
            log.seek(0)
            raise AssertionError(f"the app server exited:\n{log.read()[-3000:]}")
        with contextlib.suppress(requests.ConnectionError):
            if requests.get(f"{base}/accounts/login/", timeout=30).status_code == 200:
                return
        if time.monotonic() > deadline:
            raise AssertionError("the app server did not answer within 60 s")
        time.sleep(0.2)


def browser(base: str, session_key: str) -> requests.Session:
    """A logged-in browser: the session cookie, and a CSRF cookie from a first page."""
    session = requests.Session()
    session.cookies.set("sessionid", session_key, domain="127.0.0.1")
    session.get(f"{base}/plans/", timeout=60).raise_for_status()
    return session


def post_form(session: requests.Session, url: str, data: dict[str, str]) -> requests.Response:
    return session.post(
        url,
        data={**data, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers={"Referer": url},
        allow_redirects=False,
        timeout=120,
    )


def at_once(calls: list[Callable[[], requests.Response]]) -> list[requests.Response]:
    """Run the calls in threads released together; their responses in order."""
    barrier = threading.Barrier(len(calls))
    responses: list[requests.Response | BaseException | None] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            responses[index] = calls[index]()
        except BaseException as error:  # noqa: BLE001 - reported below
            responses[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    for response in responses:
        if not isinstance(response, requests.Response):
            raise AssertionError(f"a request failed: {response!r}")
    return responses  # type: ignore[return-value]


if __name__ == "__main__":
    main(sys.argv[1])
