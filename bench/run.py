"""The benchmark runner: ``make bench`` (``SIZE=small|municipal|national|all``).

    .venv/bin/python -m bench.run --size municipal        # 12,000 and 55,000 persons
    .venv/bin/python -m bench.run --size national         # 500,000 persons, 40 kommuner
    .venv/bin/python -m bench.run --size small            # 2,000 persons: a quick check

For each size, on PostgreSQL and Redis of its own (or ``DATABASE_URL``/``REDIS_URL``)
with real Celery workers, it times: importing five years of HR data; a full recompute
through Celery with 1 and with 2 worker processes; the same sick-leave and full-time
figures computed by DuckDB straight from the CSV files (``bench.reference``), checked
value by value against what the app stored; load tests of the dashboard, a unit page
and the API with wrk; importing one more month and the incremental recompute after it.
Figures go to ``bench/results/<persons>.json`` after every step; ``bench.report``
turns them into ``bench/RESULTS.md`` and ``bench/plots/*.png``. ``--resume`` skips
sizes whose results are complete.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import secrets
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench import loadtest, report
from bench import reference as ref
from bench.data import DataSet, prepare, previous_month_end
from bench.services import (
    ROOT,
    VENV_BIN,
    Postgres,
    Redis,
    ensure_packages,
    log,
    run,
    start_gunicorn,
    start_worker,
)

RESULTS_DIR = ROOT / "bench" / "results"
PYTHON = sys.executable


@dataclass(frozen=True)
class Scale:
    persons: int
    municipalities: int = 1
    name: str = ""
    # Defaults of --workers and --skip for this size.
    workers: tuple[int, ...] = (1, 2)
    skip: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return (
            f"{self.persons}"
            if self.municipalities == 1
            else f"{self.persons}-m{self.municipalities}"
        )


SIZES = {
    "small": [Scale(2_000, 1, "small")],
    "municipal": [Scale(12_000, 1, "Stavanger"), Scale(55_000, 1, "Oslo")],
    # To stay well within an hour: one full recompute (2 worker processes), no timing
    # of the engine's aggregates alone, and no recompute of the import's range (which
    # covers nearly every month, so it is a second full recompute; the municipal sizes
    # show it).
    "national": [
        Scale(500_000, 40, "national, 40 kommuner", workers=(2,), skip=("subset", "import-range"))
    ],
}
SIZES["all"] = SIZES["municipal"] + SIZES["national"]


# --- Environment -----------------------------------------------------------------------


def machine_facts() -> dict[str, Any]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        match = re.search(r"MemTotal:\s+(\d+) kB", meminfo.read_text())
        if match:
            memory = f"{int(match[1]) / 1024 / 1024:.1f} GiB"
    system = platform.platform()
    release = Path("/etc/os-release")
    if release.exists():
        match = re.search(r'PRETTY_NAME="([^"]+)"', release.read_text())
        if match:
            system = f"{match[1]} (kernel {platform.release()})"
    versions = {"Python": platform.python_version()}
    for package in ("Django", "celery", "gunicorn", "psycopg2-binary", "duckdb", "holidays"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "not installed"
    wrk = shutil.which("wrk")
    if wrk:
        output = run([wrk, "--version"], check=False).stdout.splitlines()
        versions["wrk"] = output[0].split(" [")[0] if output else "unknown"
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": memory, "os": system, **versions}


def git_revision() -> str:
    try:
        head = run(["git", "rev-parse", "--short", "HEAD"]).stdout.strip()
        dirty = run(["git", "status", "--porcelain", "--untracked-files=no"]).stdout.strip()
    except (RuntimeError, FileNotFoundError):
        return "unknown"
    return f"{head}{' + uncommitted changes' if dirty else ''}"


def app_env(database_url: str, redis_url: str, work: Path) -> dict[str, str]:
    """Production settings (DEBUG off) for every app process of the benchmark."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "strategi.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "false",
        "DEMO_MODE": "false",
        "SECRET_KEY": "bench-" + secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": "http://127.0.0.1",
        "STATIC_ROOT": str(work / "static"),
        "CONN_MAX_AGE": "60",
        "LOG_LEVEL": "WARNING",
        # The load test is one client; the API's per-client rate limit would turn it
        # into a test of the throttle.
        "API_THROTTLE_RATE": "1000000/second",
        "PYTHONPATH": str(ROOT),
    }
    return env


# --- Steps -----------------------------------------------------------------------------


def manage(env: dict[str, str], *args: str, timeout: float | None = None) -> tuple[float, str]:
    began = time.perf_counter()
    result = run([PYTHON, "manage.py", *args], env=env, timeout=timeout)
    return time.perf_counter() - began, result.stdout


def app_side(env: dict[str, str], *args: str) -> dict[str, Any]:
    result = run([PYTHON, "-m", "bench.app_side", *args], env=env)
    return json.loads(result.stdout.strip().splitlines()[-1])


def purge_queue(env: dict[str, str]) -> None:
    """Drop the recompute an import queued: the benchmark queues its own, timed."""
    run([str(VENV_BIN / "celery"), "--app", "strategi", "purge", "-f"], env=env)


def import_hr(env: dict[str, str], folder: Path) -> dict[str, Any]:
    """``manage.py import_hr``: wall time, peak memory (with GNU time), the month touched."""
    gnu_time = Path("/usr/bin/time")
    prefix = [str(gnu_time), "-f", "BENCH_MAXRSS_KB %M"] if gnu_time.exists() else []
    began = time.perf_counter()
    result = run([*prefix, PYTHON, "manage.py", "import_hr", str(folder)], env=env)
    seconds = time.perf_counter() - began
    match = re.search(r"recomputed from (\d{4}-\d{2})", result.stdout)
    memory = re.search(r"BENCH_MAXRSS_KB (\d+)", result.stderr)
    return {
        "seconds": seconds,
        "peak_memory_mb": int(memory[1]) / 1024 if memory else None,
        "first_month_touched": match[1] if match else None,
        "output": result.stdout.strip().splitlines(),
    }


def month_label(day: dt.date) -> str:
    return f"{day.year}-{day.month:02d}"


def timed_recompute(
    env: dict[str, str], logs: Path, workers: int, tag: str, *range_args: str
) -> dict[str, Any]:
    worker = start_worker(workers, env=env, logs=logs, tag=tag)
    try:
        figures = app_side(env, "recompute", *range_args)
    finally:
        worker.stop()
    figures["worker_processes"] = workers
    return figures


def reference_step(data: DataSet, folder: Path, *, last_month: dt.date) -> ref.Reference:
    return ref.compute(folder, last_month=last_month, complete_until=data.end)


def compare_step(
    env: dict[str, str],
    reference: ref.Reference,
    work: Path,
    name: str,
    periods_ending_from: dt.date | None = None,
) -> dict[str, Any]:
    dump_file = work / f"app-values-{name}.csv"
    dumped = app_side(env, "dump", str(dump_file))
    comparison = ref.compare(reference, dump_file, periods_ending_from=periods_ending_from)
    dump_file.unlink()
    return {
        **comparison.as_dict(),
        "values_stored": dumped["values_stored"],
        "periods_ending_from": periods_ending_from,
    }


def api_token(env: dict[str, str]) -> str | None:
    """A read-only token from ``create_api_token``, or None while there is no API."""
    try:
        _, output = manage(env, "create_api_token", f"bench-{secrets.token_hex(4)}")
    except RuntimeError as error:
        log(f"  no API token ({str(error).splitlines()[0]}): the API counts as unavailable")
        return None
    lines = output.strip().splitlines()
    return lines[-1].strip() if lines else None


def load_step(env: dict[str, str], work: Path, args: argparse.Namespace) -> dict[str, Any]:
    facts = app_side(env, "session")
    token = api_token(env)
    cookie = ("Cookie: " + facts["cookie"],)
    targets = [
        loadtest.Target("dashboard", "/dashboard/", cookie),
        loadtest.Target("unit page", f"/units/{facts['unit']}/", cookie),
    ]
    api_path = (
        "/api/v1/indicator-values/?indicator=sick_leave_pct&granularity=month"
        f"&subtree={facts['unit']}"
    )
    if token:
        targets.append(loadtest.Target("API", api_path, (f"Authorization: Bearer {token}",)))
    web_env = {**env, "LOG_LEVEL": "WARNING"}
    server = start_gunicorn(args.gunicorn_workers, args.web_port, env=web_env, logs=work / "logs")
    try:
        results = loadtest.load_test(
            f"http://127.0.0.1:{args.web_port}", targets, users=args.users, seconds=args.duration
        )
    finally:
        server.stop()
    if not token:
        results["API"] = {"path": api_path, "unavailable": "no create_api_token command"}
    return {
        "gunicorn_workers": args.gunicorn_workers,
        "seconds_per_run": args.duration,
        "unit": facts["unit"],
        "units": facts["units"],
        "targets": results,
    }


class Recorder:
    """The results of one size, written to disk after every step."""

    def __init__(self, path: Path, base: dict[str, Any]) -> None:
        self.path = path
        self.data = base
        self.save()

    def step(self, name: str, value: Any) -> None:
        self.data["steps"][name] = value
        self.save()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(self.data, indent=1, default=str) + "\n")


def bench_size(
    scale: Scale,
    args: argparse.Namespace,
    *,
    postgres: Postgres,
    redis: Redis,
    env: dict[str, str],
    versions: dict[str, str],
) -> None:
    work: Path = args.workdir
    logs = work / "logs"
    # The app's "last complete month" is by TIME_ZONE's date.
    end = previous_month_end(dt.datetime.now(tz=ZoneInfo("Europe/Oslo")).date())
    label = f"{scale.persons:,} persons" + (f" ({scale.name})" if scale.name else "")
    log(f"=== {label}")
    started = time.perf_counter()
    data, facts = prepare(
        persons=scale.persons,
        municipalities=scale.municipalities,
        seed=args.seed,
        end=end,
        work=work,
    )
    log(
        f"data: {facts['units']:,} units, {facts['employments']:,} employments, "
        f"{facts['absences']:,} spells, {facts['start_date']} – {facts['end_date']} "
        f"(generated in {facts['generate_seconds']:.1f} s); base import up to "
        f"{facts['cut_date']}, then {facts['delta_employments']:,} employment and "
        f"{facts['delta_absences']:,} spell rows for the next month"
    )
    recorder = Recorder(
        RESULTS_DIR / f"{scale.key}.json",
        {
            "key": scale.key,
            "name": scale.name,
            "persons": scale.persons,
            "municipalities": scale.municipalities,
            "complete": False,
            "started_at": dt.datetime.now(tz=dt.UTC).isoformat(timespec="seconds"),
            "command": args.command_line,
            "git": git_revision(),
            "machine": machine_facts() | versions,
            "load_average_at_start": os.getloadavg(),
            "facts": facts,
            "steps": {},
        },
    )
    skip = set(scale.skip if args.skip is None else args.skip)
    worker_counts = list(scale.workers if args.workers is None else args.workers)
    cut_month, end_month = month_label(data.cut), month_label(data.end)

    log("fresh database: migrate, load strategies and indicators")
    postgres.reset()
    redis.flush()
    manage(env, "migrate", "--noinput")
    manage(env, "load_strategies")
    manage(env, "load_indicators")

    log(f"import base ({data.base.name}: up to {data.cut}) with no worker running")
    result = import_hr(env, data.base)
    purge_queue(env)
    recorder.step("import_base", result)
    log(f"  import: {result['seconds']:.1f} s, peak memory {result['peak_memory_mb'] or 0:.0f} MB")

    log("DuckDB reference from the base CSV files")
    reference = reference_step(data, data.base, last_month=data.cut)
    recorder.step(
        "reference_base",
        {
            "seconds": reference.total_seconds,
            "parts": reference.seconds,
            "rows": reference.rows(),
            "periods": len(reference.periods),
            "threads": reference.con.execute("SELECT current_setting('threads')").fetchone()[0],
        },
    )
    log(f"  DuckDB: {reference.total_seconds:.2f} s for {reference.rows():,} values")

    full: dict[str, Any] = {}
    for workers in worker_counts:
        log(f"full recompute through Celery, {workers} worker process(es), up to {cut_month}")
        full[str(workers)] = timed_recompute(
            env, logs, workers, f"full{workers}", "--end", cut_month
        )
        recorder.step("recompute_full", full)
        log(f"  full recompute: {full[str(workers)]['seconds']:.1f} s")

    log("comparing the stored values with the DuckDB reference")
    comparison = compare_step(env, reference, work, "base")
    recorder.step("compare_base", comparison)
    log(
        f"  {comparison['matching']:,} of {comparison['compared']:,} values agree"
        f" (largest relative difference {comparison['max_relative_difference']:.1e})"
        + ("" if comparison["ok"] else f"; MISMATCHES: {comparison['by_slug']}")
    )
    reference.con.close()

    if "subset" not in skip:
        log("the app's own aggregates for the reference's figures (nothing stored)")
        try:
            subset = app_side(env, "subset", "--end", cut_month)
        except RuntimeError as error:
            subset = {"error": str(error)[-500:]}
        recorder.step("app_subset", subset)
        if "seconds" in subset:
            log(f"  app, same figures: {subset['seconds']:.1f} s")

    if "load" not in skip:
        log(f"load tests: {args.users} users, {args.duration} s each")
        recorder.step("load", load_step(env, work, args))

    log(f"import the next month ({data.delta.name}: up to {data.end}) with no worker running")
    result = import_hr(env, data.delta)
    purge_queue(env)
    recorder.step("import_delta", result)
    log(
        f"  import: {result['seconds']:.1f} s; the import queues a recompute from "
        f"{result['first_month_touched']}"
    )
    workers = max(worker_counts)
    log(f"incremental recompute of {end_month} alone, {workers} worker process(es)")
    month = timed_recompute(env, logs, workers, "month", "--start", end_month, "--end", end_month)
    recorder.step("recompute_month", month)
    log(f"  {month['seconds']:.1f} s")
    touched = result["first_month_touched"] or end_month
    if "import-range" in skip:
        log(f"not timed: the recompute the import queues ({touched} … {end_month})")
        recorder.step("recompute_incremental", {"skipped": True, "start": touched})
    else:
        log(f"incremental recompute as the import queues it: {touched} … {end_month}")
        incremental = timed_recompute(
            env, logs, workers, "incremental", "--start", touched, "--end", end_month
        )
        incremental["start"] = touched
        recorder.step("recompute_incremental", incremental)
        log(f"  {incremental['seconds']:.1f} s")

    log("DuckDB reference from the full CSV files, compared with the stored values")
    reference = reference_step(data, data.full, last_month=data.end)
    recorder.step(
        "reference_full",
        {
            "seconds": reference.total_seconds,
            "parts": reference.seconds,
            "rows": reference.rows(),
            "periods": len(reference.periods),
        },
    )
    # Without the import's range recomputed, the months before the last one still hold
    # the base's figures (e.g. a spell that went on past the cut-off changes from short
    # to long): only the periods the last month's recompute rewrote can agree.
    since = data.end.replace(day=1) if "import-range" in skip else None
    comparison = compare_step(env, reference, work, "full", since)
    reference.con.close()
    recorder.step("compare_full", comparison)
    log(
        f"  DuckDB {recorder.data['steps']['reference_full']['seconds']:.2f} s; "
        f"{comparison['matching']:,} of {comparison['compared']:,} values agree"
        + ("" if comparison["ok"] else f"; MISMATCHES: {comparison['by_slug']}")
    )
    recorder.data["complete"] = True
    recorder.data["seconds_total"] = time.perf_counter() - started
    recorder.data["finished_at"] = dt.datetime.now(tz=dt.UTC).isoformat(timespec="seconds")
    recorder.save()
    log(f"=== {label} done in {(time.perf_counter() - started) / 60:.1f} min")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="municipal")
    parser.add_argument(
        "--persons", type=int, action="append", help="custom sizes instead of --size (repeatable)"
    )
    parser.add_argument("--municipalities", type=int, default=1, help="with --persons")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/strategi-bench"))  # noqa: S108
    parser.add_argument("--pg-port", type=int, default=55450)
    parser.add_argument("--redis-port", type=int, default=56400)
    parser.add_argument("--web-port", type=int, default=58450)
    parser.add_argument(
        "--workers",
        help="Celery worker processes for the full recompute, e.g. 1,2 (default: 1,2; national: 2)",
    )
    parser.add_argument("--users", default="20,50", help="concurrent users of the load tests")
    parser.add_argument("--duration", type=int, default=20, help="seconds per load-test run")
    parser.add_argument("--gunicorn-workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument(
        "--skip",
        help="steps to leave out, comma-separated: load, subset, import-range (default: "
        "none; national: subset,import-range)",
    )
    parser.add_argument(
        "--resume", action="store_true", help="skip sizes whose results are complete"
    )
    args = parser.parse_args(argv)
    if args.workers is not None:
        args.workers = sorted({int(n) for n in args.workers.split(",") if n})
    args.users = [int(n) for n in str(args.users).split(",") if n]
    if args.skip is not None:
        args.skip = [s.strip() for s in args.skip.split(",") if s.strip()]
    args.workdir = args.workdir.resolve()
    args.command_line = "python -m bench.run " + " ".join(argv)
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.persons:
        scales = [Scale(n, args.municipalities) for n in args.persons]
    else:
        scales = SIZES[args.size]
    if args.resume:
        remaining = []
        for scale in scales:
            path = RESULTS_DIR / f"{scale.key}.json"
            if path.exists() and json.loads(path.read_text()).get("complete"):
                log(f"{scale.persons:,} persons: complete results in {path}, skipped (--resume)")
            else:
                remaining.append(scale)
        scales = remaining
    began = time.perf_counter()
    if scales:
        # Not DATABASE_URL/REDIS_URL: the benchmark empties the database it is given.
        own_pg = not os.environ.get("BENCH_DATABASE_URL")
        own_redis = not os.environ.get("BENCH_REDIS_URL")
        ensure_packages(need_postgres=own_pg, need_redis=own_redis)
        args.workdir.mkdir(parents=True, exist_ok=True)
        postgres = redis = None
        try:
            if own_pg:
                log(f"starting PostgreSQL on 127.0.0.1:{args.pg_port}")
                postgres = Postgres.start(args.workdir / "services", args.pg_port)
            else:
                postgres = Postgres(url=os.environ["BENCH_DATABASE_URL"])
            if own_redis:
                log(f"starting Redis on 127.0.0.1:{args.redis_port}")
                redis = Redis.start(args.workdir / "services", args.redis_port)
            else:
                redis = Redis(url=os.environ["BENCH_REDIS_URL"])
            versions = {"postgres": postgres.version(), "redis": redis.version()}
            env = app_env(postgres.url, redis.url, args.workdir)
            log("collectstatic (DEBUG is off: the manifest storage needs it)")
            manage(env, "collectstatic", "--noinput")
            for scale in scales:
                bench_size(scale, args, postgres=postgres, redis=redis, env=env, versions=versions)
        finally:
            if redis is not None and own_redis:
                redis.stop()
            if postgres is not None and own_pg:
                postgres.stop()
    report.write_report()
    minutes = (time.perf_counter() - began) / 60
    log(f"wrote {report.RESULTS_FILE} and the plots in {report.PLOTS_DIR} ({minutes:.1f} min)")
    return 0


if __name__ == "__main__":
    try:
        raise SystemExit(main(sys.argv[1:]))
    except subprocess.TimeoutExpired as error:
        log(f"timed out: {error}")
        raise SystemExit(1) from error
