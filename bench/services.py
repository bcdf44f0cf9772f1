"""Throw-away PostgreSQL and Redis, Celery workers and gunicorn for the benchmark.

Like ``.ci/run``: the Debian packages are installed when missing (as root), PostgreSQL
runs as the ``postgres`` user from a data directory under the work folder, Redis
without persistence. Every process started here is stopped by its own pid.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

# Settings for a 2-core, ~20 GB machine; recorded in RESULTS.md. Durability is on
# (fsync, synchronous_commit), as in production.
PG_SETTINGS = {
    "shared_buffers": "2GB",
    "work_mem": "64MB",
    "maintenance_work_mem": "512MB",
    "effective_cache_size": "8GB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
    "max_connections": "100",
}


def log(message: str) -> None:
    """A progress line with the wall-clock time."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(
    args: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
    check: bool = True,
    capture: bool = True,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command with fixed arguments (no shell)."""
    result = subprocess.run(  # noqa: S603 - fixed argument lists, no shell
        list(args),
        env=env,
        cwd=cwd,
        text=True,
        capture_output=capture,
        timeout=timeout,
        check=False,
    )
    if check and result.returncode != 0:
        output = (result.stdout or "")[-3000:] + (result.stderr or "")[-3000:]
        raise RuntimeError(f"{' '.join(args[:4])} … exited {result.returncode}:\n{output}")
    return result


def _pg_bin() -> Path | None:
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return versions[-1].parent if versions else None


def ensure_packages(*, need_postgres: bool, need_redis: bool) -> None:
    """Install PostgreSQL, Redis and wrk from Debian's packages when missing."""
    missing = []
    if need_postgres and _pg_bin() is None:
        missing.append("postgresql")
    if need_redis and shutil.which("redis-server") is None:
        missing.append("redis-server")
    if shutil.which("wrk") is None:
        missing.append("wrk")
    if not missing:
        return
    if os.geteuid() != 0:
        raise SystemExit(f"Missing {', '.join(missing)}: install them (apt-get) or run as root.")
    log(f"Installing {' '.join(missing)} (apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update", "-q"], env=env)
    run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing], env=env)


@dataclass
class Postgres:
    """A PostgreSQL cluster of our own, or the server of a given DATABASE_URL."""

    url: str
    data_dir: Path | None = None
    bin_dir: Path | None = None
    port: int = 0

    @classmethod
    def start(cls, work: Path, port: int) -> Postgres:
        bin_dir = _pg_bin()
        if bin_dir is None:
            raise SystemExit("PostgreSQL is not installed")
        work.mkdir(parents=True, exist_ok=True)
        data_dir = work / "pgdata"
        as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if data_dir.exists():
            # A cluster left by an interrupted run: stop it if it still runs, start anew.
            run(
                [*as_pg, str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-m", "fast", "stop"],
                cwd=work,
                check=False,
            )
            shutil.rmtree(data_dir)
        data_dir.mkdir()
        if as_pg:
            shutil.chown(work, "postgres", "postgres")
            shutil.chown(data_dir, "postgres", "postgres")
        run(
            [
                *as_pg,
                str(bin_dir / "initdb"),
                "-D",
                str(data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
            cwd=work,
        )
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {work}" + "".join(
            f" -c {key}={value}" for key, value in PG_SETTINGS.items()
        )
        run(
            [
                *as_pg,
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data_dir),
                "-l",
                str(work / "postgres.log"),
                "-w",
                "-t",
                "120",
                "-o",
                options,
                "start",
            ],
            cwd=work,
        )
        psql = str(bin_dir / "psql")
        for statement in (
            "CREATE ROLE strategi LOGIN PASSWORD 'strategi' CREATEDB",
            "CREATE DATABASE strategi OWNER strategi",
        ):
            run(
                [
                    psql,
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-U",
                    "postgres",
                    "-v",
                    "ON_ERROR_STOP=1",
                    "-q",
                    "-c",
                    statement,
                ],
                cwd=work,
            )
        url = f"postgres://strategi:strategi@127.0.0.1:{port}/strategi"
        return cls(url=url, data_dir=data_dir, bin_dir=bin_dir, port=port)

    def stop(self) -> None:
        if self.data_dir is None or self.bin_dir is None:
            return
        as_pg = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        run(
            [*as_pg, str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "stop"],
            cwd=self.data_dir.parent,
            check=False,
        )

    def reset(self) -> None:
        """An empty database: drop and recreate the public schema."""
        import psycopg2

        with psycopg2.connect(self.url) as connection, connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        connection.close()

    def version(self) -> str:
        import psycopg2

        with psycopg2.connect(self.url) as connection, connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
            settings = {}
            for key in PG_SETTINGS:
                cursor.execute(f"SHOW {key}")  # keys are constants
                settings[key] = cursor.fetchone()[0]
        connection.close()
        return f"PostgreSQL {version} ({', '.join(f'{k}={v}' for k, v in settings.items())})"


@dataclass
class Redis:
    url: str
    pid_file: Path | None = None

    @classmethod
    def start(cls, work: Path, port: int) -> Redis:
        work.mkdir(parents=True, exist_ok=True)
        pid_file = work / "redis.pid"
        run(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--daemonize",
                "yes",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(work),
                "--logfile",
                str(work / "redis.log"),
                "--pidfile",
                str(pid_file),
            ]
        )
        url = f"redis://127.0.0.1:{port}/0"
        redis = cls(url=url, pid_file=pid_file)
        for _ in range(100):
            if redis.ping():
                return redis
            time.sleep(0.1)
        raise SystemExit(f"Redis on port {port} did not start (see {work / 'redis.log'})")

    def client(self):  # noqa: ANN201 - redis is imported lazily
        import redis

        return redis.Redis.from_url(self.url, socket_timeout=5)

    def ping(self) -> bool:
        try:
            return bool(self.client().ping())
        except Exception:  # noqa: BLE001 - not up yet
            return False

    def flush(self) -> None:
        self.client().flushdb()

    def version(self) -> str:
        return f"Redis {self.client().info('server')['redis_version']}"

    def stop(self) -> None:
        if self.pid_file is None or not self.pid_file.exists():
            return
        pid = int(self.pid_file.read_text().strip())
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        for _ in range(50):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


@dataclass
class Process:
    """A long-running child process (Celery worker, gunicorn) with its log file."""

    name: str
    popen: subprocess.Popen
    log_file: Path
    handles: list = field(default_factory=list)

    def stop(self, timeout: float = 60) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        for handle in self.handles:
            handle.close()


def start_process(
    name: str, args: Sequence[str], *, env: dict[str, str], log_file: Path
) -> Process:
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handle = log_file.open("a", encoding="utf-8")
    popen = subprocess.Popen(  # noqa: S603 - fixed argument list
        list(args), cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT, text=True
    )
    return Process(name=name, popen=popen, log_file=log_file, handles=[handle])


def start_worker(concurrency: int, *, env: dict[str, str], logs: Path, tag: str) -> Process:
    """A Celery worker node with ``concurrency`` prefork processes; waits until it is ready."""
    log_file = logs / f"celery-{tag}.log"
    if log_file.exists():
        log_file.unlink()
    process = start_process(
        f"celery worker -c {concurrency}",
        [
            str(VENV_BIN / "celery"),
            "--app",
            "strategi",
            "worker",
            "--pool",
            "prefork",
            "--concurrency",
            str(concurrency),
            "--hostname",
            f"bench-{tag}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel",
            "INFO",
        ],
        env=env,
        log_file=log_file,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"the Celery worker exited; see {log_file}")
        if " ready." in log_file.read_text(encoding="utf-8", errors="replace"):
            return process
        time.sleep(0.2)
    process.stop()
    raise RuntimeError(f"the Celery worker did not get ready; see {log_file}")


def start_gunicorn(workers: int, port: int, *, env: dict[str, str], logs: Path) -> Process:
    """gunicorn with sync workers; waits until the login page answers."""
    process = start_process(
        "gunicorn",
        [
            str(VENV_BIN / "gunicorn"),
            "strategi.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "sync",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        env=env,
        log_file=logs / "gunicorn.log",
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise RuntimeError(f"gunicorn exited; see {logs / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5):  # noqa: S310
                return process
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
    process.stop()
    raise RuntimeError("gunicorn did not answer")
