"""The benchmark's steps that run inside the app (Django set up from the environment).

    python -m bench.app_side dump OUT.csv
    python -m bench.app_side session
    python -m bench.app_side recompute [--start YYYY-MM] [--end YYYY-MM] [--timeout S]
    python -m bench.app_side subset --end YYYY-MM

Each prints one JSON object on its last line of stdout; ``bench.run`` starts them as
subprocesses, so the runner itself holds no database connection.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "strategi.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from bench.reference import SLUGS  # noqa: E402

DUMP_SQL = """
    SELECT i.slug, u.code AS unit, v.period, v.value, v.numerator, v.denominator,
           v.n_persons, v.suppressed, v.complementary
    FROM measures_indicatorvalue v
    JOIN measures_indicator i ON i.id = v.indicator_id
    JOIN workplaces_orgunit u ON u.id = v.unit_id
    WHERE i.slug IN ({slugs})
"""


def dump(out: Path) -> dict[str, Any]:
    """Write the stored values of the reference's indicators as CSV (``reference.APP_COLUMNS``)."""
    began = time.perf_counter()
    with out.open("w", encoding="utf-8", newline="") as handle, connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            slugs = ", ".join(f"'{slug}'" for slug in SLUGS)  # constants, not input
            query = DUMP_SQL.format(slugs=slugs)
            cursor.cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)", handle)
        else:
            cursor.execute(DUMP_SQL.format(slugs=", ".join(["%s"] * len(SLUGS))), list(SLUGS))
            writer = csv.writer(handle)
            writer.writerow([column[0] for column in cursor.description])
            for row in cursor.fetchall():
                writer.writerow(
                    ""
                    if item is None
                    else repr(item)
                    if isinstance(item, float)
                    else str(item).lower()
                    if isinstance(item, bool)
                    else item
                    for item in row
                )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM measures_indicatorvalue")
        stored = cursor.fetchone()[0]
    return {"seconds": time.perf_counter() - began, "values_stored": stored}


def session() -> dict[str, Any]:
    """A logged-in HR user's session cookie, and the units the load test visits."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db.models import Count
    from django.test import Client

    from org.models import OrgUnit, OrgUnitClosure
    from org.roles import HR

    user, _ = get_user_model().objects.get_or_create(username="bench-hr")
    user.groups.add(Group.objects.get(name=HR))
    client = Client()
    client.force_login(user)
    root = OrgUnit.objects.filter(parent__isnull=True).order_by("code").first()
    # A mid-level unit: the tjenesteområde with the most units below it.
    area = (
        OrgUnitClosure.objects.filter(ancestor__level="tjenesteomrade")
        .values("ancestor__code")
        .annotate(n=Count("descendant"))
        .order_by("-n", "ancestor__code")
        .first()
    )
    name = settings.SESSION_COOKIE_NAME
    return {
        "cookie": f"{name}={client.cookies[name].value}",
        "root": root.code if root else None,
        "unit": area["ancestor__code"] if area else (root.code if root else None),
        "units": OrgUnit.objects.count(),
    }


def _idle(app: Any, workers: list[str], queues: list[str]) -> bool:
    """No task running, reserved or waiting in a queue."""
    import redis

    inspect = app.control.inspect(destination=workers, timeout=2.0, limit=len(workers))
    for reply in (inspect.active(), inspect.reserved()):
        if reply is None or len(reply) < len(workers):
            return False  # a worker did not answer: busy, so not idle
        if any(reply.values()):
            return False
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    return all(broker.llen(queue) == 0 for queue in queues)


def recompute(start: str | None, end: str | None, timeout: float) -> dict[str, Any]:
    """Queue ``measures.tasks.recompute`` and wait until the workers are idle again.

    Works whether the task computes everything itself or fans out (a group or chord,
    or subtasks queued by it): after its result is ready, the workers' active and
    reserved tasks and the queues are polled until all are empty twice in a row.
    """
    from measures.tasks import recompute as task
    from strategi.celery import app

    replies = app.control.ping(timeout=2.0) or []
    workers = sorted(name for reply in replies for name in reply)
    if not workers:
        raise SystemExit("no Celery worker answers ping")
    queues = sorted({app.conf.task_default_queue, "celery"})
    kwargs = {key: value for key, value in (("start", start), ("end", end)) if value}
    began = time.perf_counter()
    result = app.send_task(task.name, kwargs=kwargs)
    value = result.get(timeout=timeout, propagate=True)
    ready = time.perf_counter() - began
    # The end is when the workers were first seen idle for good: at once after the
    # result (a task that did everything itself) or later (subtasks still running).
    finished: float | None = None
    consecutive, first_check = 0, True
    while consecutive < 2:
        if _idle(app, workers, queues):
            consecutive += 1
            if finished is None:
                finished = ready if first_check else time.perf_counter() - began
        else:
            consecutive, finished = 0, None
        first_check = False
        if time.perf_counter() - began > timeout:
            raise SystemExit(f"recompute still running after {timeout} s")
        time.sleep(0.25)
    return {
        "seconds": finished,
        "result_ready_seconds": ready,
        "workers": workers,
        "task_result": value if isinstance(value, dict | list | str | int | float) else None,
    }


def subset(end: str) -> dict[str, Any]:
    """Time the app's own aggregates for the reference's figures (nothing is stored).

    The engine's sick-leave and position aggregates over the same periods as a full
    recompute; a like-for-like counterpart of the DuckDB reference.
    """
    from django.utils import timezone

    from measures import engine
    from measures import periods as P
    from strategi.db import dialect_for

    today = timezone.localdate()
    default = engine.default_range(today)
    if default is None:
        raise SystemExit("no absence data")
    last_month = P.parse(end)
    last = min(last_month.end, P.last_complete_month(today).end)
    periods = P.periods_covering(default[0], last, complete_until=P.last_complete_month(today).end)
    engine.calendar_ensure(periods[0].start, max(p.end for p in periods))
    d = dialect_for(connection)
    began = time.perf_counter()
    engine.sick_leave_aggregates(d, periods)
    sick = time.perf_counter() - began
    began = time.perf_counter()
    engine.position_aggregates(d, sorted({p.end for p in periods}))
    positions = time.perf_counter() - began
    return {
        "seconds": sick + positions,
        "sick_leave_seconds": sick,
        "positions_seconds": positions,
        "periods": len(periods),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.app_side")
    commands = parser.add_subparsers(dest="command", required=True)
    dump_parser = commands.add_parser("dump")
    dump_parser.add_argument("out", type=Path)
    commands.add_parser("session")
    recompute_parser = commands.add_parser("recompute")
    recompute_parser.add_argument("--start")
    recompute_parser.add_argument("--end")
    recompute_parser.add_argument("--timeout", type=float, default=3 * 3600)
    subset_parser = commands.add_parser("subset")
    subset_parser.add_argument("--end", required=True)
    args = parser.parse_args(argv)
    if args.command == "dump":
        output = dump(args.out)
    elif args.command == "session":
        output = session()
    elif args.command == "recompute":
        output = recompute(args.start, args.end, args.timeout)
    else:
        output = subset(args.end)
    output["at"] = dt.datetime.now(tz=dt.UTC).isoformat(timespec="seconds")
    sys.stdout.write(json.dumps(output) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
