"""Embedded mode (`make run`: a SQLite file, no Redis): a process killed in its recompute.

``load_demo`` is SIGKILLed while it computes the demo's figures (after the import has
committed), as when `make run` is interrupted. The next ``load_demo``, or the next
request to a running app, gives the values of an undisturbed run; two ``load_demo`` at
once give one demo. Every process here is a real one on a SQLite file of the test's own.
"""

import contextlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT

from .conftest import child_env, free_port, stop_process, wait_for

pytestmark = pytest.mark.services

# Small enough to be quick, large enough that the recompute takes a few seconds.
PERSONS = 1000
RUNNING_NOTICE = "beregnes på nytt. Til det er ferdig, viser sidene tallene slik de var før."


def env_for(database: Path) -> dict[str, str]:
    return child_env(
        DATABASE_URL=f"sqlite:///{database}", REDIS_URL="", DEBUG="true", DEMO_MODE="true"
    )


def manage(database: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env_for(database),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, f"{args}: {done.stdout}\n{done.stderr}"
    return done


def query(database: Path, sql: str) -> list[tuple]:
    """Read the file as another process does; a write in progress is waited out."""
    with contextlib.closing(sqlite3.connect(database, timeout=10)) as db:
        return db.execute(sql).fetchall()


def computed_values(database: Path) -> dict[tuple, tuple]:
    rows = query(
        database,
        "SELECT i.slug, u.code, v.granularity, v.period, v.value, v.numerator, v.denominator,"
        " v.n_persons, v.suppressed, v.complementary"
        " FROM measures_indicatorvalue v JOIN measures_indicator i ON i.id = v.indicator_id"
        " JOIN workplaces_orgunit u ON u.id = v.unit_id WHERE i.kind = 'computed'",
    )
    return {row[:4]: row[4:] for row in rows}


def recomputes(database: Path) -> list[tuple[str, int]]:
    return query(database, "SELECT status, attempts FROM measures_recompute ORDER BY id")


@pytest.fixture(scope="module")
def prepared(tmp_path_factory) -> Path:
    """A SQLite file as `make run` leaves it before ``load_demo``."""
    database = tmp_path_factory.mktemp("embedded") / "prepared.sqlite3"
    manage(database, "migrate", "--noinput")
    manage(database, "load_strategies")
    manage(database, "load_indicators")
    return database


@pytest.fixture(scope="module")
def undisturbed(prepared: Path) -> dict[tuple, tuple]:
    """The figures of a demo loaded without interruption."""
    database = prepared.with_name("undisturbed.sqlite3")
    shutil.copy(prepared, database)
    manage(database, "load_demo", "--persons", str(PERSONS))
    values = computed_values(database)
    assert len(values) > 1000
    return values


@pytest.fixture
def database(prepared: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "db.sqlite3"
    shutil.copy(prepared, copy)
    return copy


def load_demo_killed_in_its_recompute(database: Path) -> None:
    """Start ``load_demo`` and SIGKILL it once its recompute runs (the import committed)."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", "load_demo", "--persons", str(PERSONS)],
        cwd=ROOT,
        env=env_for(database),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )

    def recomputing() -> bool:
        if process.poll() is not None:
            pytest.fail(f"load_demo ended before it was killed:\n{stop_process(process)}")
        try:
            return ("running", 1) in recomputes(database)
        except sqlite3.OperationalError:  # no such table yet, or locked: not yet
            return False

    wait_for(recomputing, timeout=120, interval=0.02, what="load_demo's recompute")
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    # Killed mid-way: the HR data is committed, no figure is stored, the recompute is
    # on record as running (its process is gone)
    assert query(database, "SELECT count(*) FROM workplaces_employment")[0][0] > 0
    assert computed_values(database) == {}
    assert recomputes(database) == [("running", 1)]


def test_load_demo_killed_in_its_first_recompute_is_completed_by_the_next(database, undisturbed):
    # Given `make run` interrupted while the demo's figures were computed
    load_demo_killed_in_its_recompute(database)

    # When `make run` runs load_demo again
    again = manage(database, "load_demo", "--persons", str(PERSONS))

    # Then nothing is imported twice, the rest of the demo is there, and the figures
    # are those of an undisturbed run
    assert "HR data already present, nothing imported" in again.stdout
    assert "Indicators: computed" in again.stdout
    assert computed_values(database) == undisturbed
    assert recomputes(database) == [("done", 2)]
    assert query(database, "SELECT count(*) FROM workplaces_importjob") == [(1,)]
    assert query(database, "SELECT count(*) FROM workplaces_importjob WHERE recompute_pending")[
        0
    ] == (0,)
    users = [row[0] for row in query(database, "SELECT username FROM auth_user ORDER BY username")]
    # The demo's users, and the leaders of the open round's other units (leder-<unit>).
    assert [u for u in users if not u.startswith("leder-")] == [
        "hr",
        "leder",
        "omradeleder",
        "tillitsvalgt",
    ]
    assert len(users) == 11
    assert query(database, "SELECT count(*) FROM workplaces_action") == [(3,)]


@contextlib.contextmanager
def runserver(database: Path) -> Iterator[str]:
    """`make run`'s server (runserver, threaded, without the reloader) on the file."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env_for(database),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        if server.poll() is not None:
            pytest.fail(f"runserver exited:\n{stop_process(server)}")
        try:
            return requests.get(f"{base}/static/css/strategi.css", timeout=5).ok
        except requests.ConnectionError:
            return False

    try:
        wait_for(ready, timeout=60, interval=0.2, what="runserver")
        yield base
    finally:
        print(f"--- runserver output ---\n{stop_process(server)}")


def test_a_recompute_killed_mid_way_is_run_by_the_next_page_view(database, undisturbed):
    # Given the demo's recompute killed mid-way
    load_demo_killed_in_its_recompute(database)

    with runserver(database) as base:
        # When HR logs in and opens a page
        session = requests.Session()
        began = time.monotonic()
        session.get(f"{base}/accounts/login/", timeout=30).raise_for_status()
        login = session.post(
            f"{base}/accounts/login/",
            data={
                "username": "hr",
                "password": "demo",
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
            headers={"Referer": f"{base}/accounts/login/"},
            timeout=30,
        )
        page = session.get(f"{base}/import/", timeout=30)
        answered = time.monotonic() - began
        values_meanwhile = computed_values(database)

        # Then the pages answer at once, and say truly that the figures are being
        # recomputed, which happens in the background
        assert login.url.endswith("/"), login.url
        assert page.status_code == 200
        assert RUNNING_NOTICE in " ".join(page.text.split())
        assert values_meanwhile == {}
        assert answered < 10
        wait_for(
            lambda: recomputes(database) == [("done", 2)],
            timeout=180,
            interval=0.5,
            what="the recompute to finish",
        )
        later = session.get(f"{base}/import/", timeout=30)

    # and the figures are those of an undisturbed run, and the notice is gone
    assert computed_values(database) == undisturbed
    assert 'data-recompute="' not in later.text


def test_two_load_demo_at_once_give_one_demo(database, undisturbed):
    # When two `make run`s load the demo at the same moment
    processes = [
        subprocess.Popen(
            [sys.executable, "manage.py", "load_demo", "--persons", str(PERSONS)],
            cwd=ROOT,
            env=env_for(database),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=300)[0] for process in processes]

    # Then both succeed, one imports, the other finds it done, and the demo is whole
    assert [process.returncode for process in processes] == [0, 0], outputs
    assert sum("Demo municipality imported" in output for output in outputs) == 1
    assert sum("HR data already present" in output for output in outputs) == 1
    assert query(database, "SELECT count(*) FROM workplaces_importjob") == [(1,)]
    # hr, leder, tillitsvalgt, omradeleder and the leaders of the round's 7 other units
    assert query(database, "SELECT count(*) FROM auth_user") == [(11,)]
    assert query(database, "SELECT count(*) FROM workplaces_action") == [(3,)]
    # one open round, its reports written once
    assert query(database, "SELECT count(*) FROM plans_tertialround") == [(1,)]
    assert query(database, "SELECT count(*) FROM workplaces_tertialreport") == [(6,)]
    assert recomputes(database) == [("done", 1)]
    assert computed_values(database) == undisturbed


def test_two_make_runs_at_once_on_a_new_database_both_start(tmp_path):
    # Given no database yet
    database = tmp_path / "new.sqlite3"

    # When two `make run`s prepare it at the same moment (migrations included, which
    # fail with «table … already exists» when two run at once)
    processes = [
        subprocess.Popen(
            [sys.executable, "manage.py", "prepare_demo", "--persons", "300"],
            cwd=ROOT,
            env=env_for(database),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=300)[0] for process in processes]

    # Then both finish, and there is one whole demo with its figures
    assert [process.returncode for process in processes] == [0, 0], outputs
    assert query(database, "SELECT count(*) FROM workplaces_importjob") == [(1,)]
    # the four demo users once (the round's unit leaders, leder-<unit>, vary with size)
    assert query(database, "SELECT count(*) FROM auth_user WHERE username NOT LIKE 'leder-%'") == [
        (4,)
    ]
    assert query(database, "SELECT count(*) FROM plans_tertialround") == [(1,)]
    assert recomputes(database) == [("done", 1)]
    assert len(computed_values(database)) > 1000
