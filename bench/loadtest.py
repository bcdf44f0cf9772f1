"""Load tests of the pages and the API with wrk (throughput, latency percentiles, errors)."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.services import log, run

LUA = Path(__file__).resolve().parent / "wrk_report.lua"


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    headers: tuple[str, ...]


def preflight(base_url: str, target: Target) -> dict[str, Any]:
    """One request: the status and size, so that a broken session is not load-tested."""
    request = urllib.request.Request(base_url + target.path)  # noqa: S310 - our own server
    for header in target.headers:
        key, value = header.split(":", 1)
        request.add_header(key.strip(), value.strip())
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            body = response.read()
            return {"status": response.status, "bytes": len(body), "url": response.url}
    except urllib.error.HTTPError as error:
        return {"status": error.code, "bytes": 0, "url": base_url + target.path}


def wrk(
    base_url: str, target: Target, *, connections: int, seconds: int, threads: int = 2
) -> dict[str, Any]:
    """``wrk`` with ``connections`` concurrent users for ``seconds``; parsed figures."""
    args = [
        "wrk",
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
    ]
    for header in target.headers:
        args += ["-H", header]
    args.append(base_url + target.path)
    try:
        result = run(args, timeout=seconds + 120)
    except (RuntimeError, subprocess.TimeoutExpired) as error:
        return {"error": str(error)}
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_JSON "):
            figures = json.loads(line.removeprefix("BENCH_JSON "))
            errors = figures["errors"]
            failed = figures["not_2xx"] + errors["connect"] + errors["read"] + errors["write"]
            failed += errors["timeout"]
            figures["failed"] = failed
            figures["requests_per_s"] = figures["requests"] / figures["duration_s"]
            return figures
    return {"error": "no figures in wrk's output", "output": result.stdout[-2000:]}


def load_test(
    base_url: str, targets: list[Target], *, users: list[int], seconds: int
) -> dict[str, Any]:
    """Each target at each concurrency, after a preflight and a short warm-up."""
    results: dict[str, Any] = {}
    for target in targets:
        check = preflight(base_url, target)
        entry: dict[str, Any] = {"path": target.path, "preflight": check, "runs": {}}
        results[target.name] = entry
        if check["status"] != 200:
            entry["unavailable"] = f"HTTP {check['status']}"
            log(f"  {target.name}: {target.path} answers HTTP {check['status']}: not load-tested")
            continue
        wrk(base_url, target, connections=2, seconds=3)  # warm-up: caches, connections
        for count in users:
            figures = wrk(base_url, target, connections=count, seconds=seconds)
            entry["runs"][str(count)] = figures
            if "error" in figures:
                log(f"  {target.name} at {count} users: {figures['error']}")
            else:
                latency = figures["latency_ms"]
                log(
                    f"  {target.name} at {count} users: {figures['requests_per_s']:.1f} req/s, "
                    f"median {latency['p50']:.0f} ms, p95 {latency['p95']:.0f} ms, "
                    f"p99 {latency['p99']:.0f} ms, {figures['failed']} errors"
                )
    return results
