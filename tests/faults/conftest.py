"""Throw-away servers and processes for the fault tests.

The fault tests stop, kill and restart things. They never touch the suite's shared
servers: each starts its own PostgreSQL cluster or Redis server on a free port (from
the binaries of Debian's packages) and its own Celery workers and app server.
"""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.conf import settings
from django.db import connection

from strategi.celery import app as celery_app
from tests.conftest import ROOT, require_service


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, *, timeout: float, interval: float = 0.1, what: str) -> None:
    """Poll ``condition`` until it is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def database_url(settings_dict: dict) -> str:
    """A DATABASE_URL for a subprocess that must use the same database as this test."""
    return (
        f"postgres://{quote(settings_dict['USER'] or '')}:"
        f"{quote(settings_dict['PASSWORD'] or '')}"
        f"@{settings_dict['HOST'] or '127.0.0.1'}:{settings_dict['PORT'] or 5432}"
        f"/{quote(settings_dict['NAME'])}"
    )


def require_shared_postgres() -> str:
    """The test database's URL; PostgreSQL is needed (several processes share it)."""
    require_service(
        connection.vendor == "postgresql",
        "the fault tests need a shared database: set DATABASE_URL to PostgreSQL",
    )
    return database_url(connection.settings_dict)


def child_env(**overrides: str) -> dict[str, str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "strategi.settings", **overrides}
    # A clean environment for the child: no test-only switches of this process.
    env.pop("PYTEST_CURRENT_TEST", None)
    return env


def stop_process(process: subprocess.Popen, *, timeout: float = 15) -> str:
    """Stop a process group started with ``start_new_session``; its output."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
    return output or ""


def children_of_process(pid: int) -> list[int]:
    """The ids of a process's children (from /proc)."""
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                # "pid (name) state ppid ...": the name may hold spaces and parentheses.
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    children.append(int(entry.name))
    return sorted(children)


# --- Redis ---------------------------------------------------------------------------


class RedisServer:
    """A private redis-server on a fixed free port that a test may stop and restart."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(self.is_up, timeout=15, what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None
        wait_for(lambda: not self.is_up(), timeout=10, what="redis-server to stop")

    def is_up(self) -> bool:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        # Without redis-py's own retries, which take seconds on a refused connection.
        probe = redis.Redis(port=self.port, socket_timeout=1, retry=Retry(NoBackoff(), 0))
        try:
            return bool(probe.ping())
        except redis.RedisError:
            return False
        finally:
            probe.close()

    def client(self):
        import redis

        return redis.Redis(port=self.port, socket_timeout=5)


@pytest.fixture
def private_redis() -> Iterator[RedisServer]:
    require_service(shutil.which("redis-server") is not None, "redis-server is not installed")
    directory = Path(tempfile.mkdtemp(prefix="strategi-faults-redis-"))
    server = RedisServer(directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


def celery_client(redis_url: str):
    """A Celery app of the test's own that sends to the private Redis (as beat would)."""
    from celery import Celery

    return Celery("strategi-faults", broker=redis_url, backend=redis_url, set_as_current=False)


# --- PostgreSQL ----------------------------------------------------------------------


def postgres_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: p.parts)
    if found:
        return found[-1].parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


class PostgresCluster:
    """A throw-away PostgreSQL cluster (as user postgres when running as root)."""

    def __init__(self, bindir: Path, directory: Path) -> None:
        self.bindir = bindir
        self.directory = directory
        self.data = directory / "data"
        self.port = free_port()
        self.url = f"postgres://strategi:strategi@127.0.0.1:{self.port}/strategi"

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        # From a directory the postgres user can read (the checkout may be private).
        subprocess.run(
            prefix + list(args), cwd=self.directory, check=True, capture_output=True, timeout=120
        )

    def pg_ctl(self, *args: str) -> None:
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.directory / "postgres.log"),
            "-w",
            "-t",
            "60",
            *args,
        )

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres")
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
        )
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.directory} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self.pg_ctl("-o", options, "start")
        self.psql("CREATE ROLE strategi LOGIN SUPERUSER PASSWORD 'strategi'")
        self.psql("CREATE DATABASE strategi OWNER strategi")

    def psql(self, sql: str, *, database: str = "postgres") -> str:
        import psycopg2

        with contextlib.closing(
            psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database)
        ) as db:
            db.autocommit = True
            with db.cursor() as cursor:
                cursor.execute(sql)
                return str(cursor.fetchall()) if cursor.description else ""

    def restart(self) -> None:
        self.pg_ctl("-m", "fast", "restart")

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            self.pg_ctl("-m", "immediate", "stop")


@pytest.fixture
def private_postgres() -> Iterator[PostgresCluster]:
    bindir = postgres_bin()
    require_service(
        bindir is not None and (bindir / "initdb").exists(),
        "PostgreSQL's server binaries (initdb, pg_ctl) are not installed",
    )
    directory = Path(tempfile.mkdtemp(prefix="strategi-faults-pg-"))
    cluster = PostgresCluster(bindir, directory)
    try:
        cluster.init()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(directory, ignore_errors=True)


# --- Celery workers and the app server -----------------------------------------------


@pytest.fixture
def recomputes_discarded() -> Iterator[str]:
    """Tasks that this process queues go to a queue of their own (its name), emptied
    afterwards: no worker runs them."""
    queue = f"faults-discard-{uuid.uuid4().hex[:12]}"
    default_queue = celery_app.conf.task_default_queue
    celery_app.conf.task_default_queue = queue
    try:
        yield queue
    finally:
        celery_app.conf.task_default_queue = default_queue
        if settings.REDIS_URL:
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5).delete(queue)


def start_worker(*, database: str, redis_url: str, **env: str) -> subprocess.Popen:
    """A real Celery worker (prefork, one child) in a process group of its own.

    It consumes the default queue of a private Redis, so tasks it queues itself (e.g.
    the recompute that another task queues) are its own too.
    """
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "--app",
            "strategi",
            "worker",
            "--concurrency",
            "1",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=child_env(DATABASE_URL=database, REDIS_URL=redis_url, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


@contextlib.contextmanager
def app_server(**env: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """gunicorn with one sync worker (one thread: its database connection is reused)."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "strategi.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
        ],
        cwd=ROOT,
        env=child_env(DEBUG="true", **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited:\n{stop_process(server)}")
        try:
            # The first request loads the app: it may take seconds.
            return requests.get(f"{base}/accounts/login/", timeout=20).status_code == 200
        except requests.ConnectionError:
            return False

    try:
        wait_for(ready, timeout=30, interval=0.2, what="the app server")
        yield base, server
    finally:
        print(f"--- gunicorn output ---\n{stop_process(server)}")


def login(base: str, username: str, password: str) -> requests.Session:
    """A browser-like session logged in through the login form."""
    session = requests.Session()
    session.get(f"{base}/accounts/login/", timeout=10).raise_for_status()
    response = session.post(
        f"{base}/accounts/login/",
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["csrftoken"],
        },
        headers={"Referer": f"{base}/accounts/login/"},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:500]
    return session
