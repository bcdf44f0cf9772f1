"""``bench/RESULTS.md`` and ``bench/plots/*.png`` from ``bench/results/*.json``.

.venv/bin/python -m bench.report      # rewrite them from the stored results
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
RESULTS_DIR = BENCH / "results"
RESULTS_FILE = BENCH / "RESULTS.md"
PLOTS_DIR = BENCH / "plots"

RATIO_GOAL = 10.0  # full recompute at most 10 × the DuckDB reference
P95_GOAL_MS = 300.0  # pages at 50 users on the 55,000-person data
GOAL_PERSONS = 55_000
GOAL_USERS = "50"


def load_results() -> list[dict[str, Any]]:
    results = [json.loads(path.read_text()) for path in sorted(RESULTS_DIR.glob("*.json"))]
    return sorted(results, key=lambda r: (r["persons"], r["municipalities"]))


def _get(result: dict[str, Any], *keys: str) -> Any:
    value: Any = result.get("steps", {})
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    return value


def _s(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    if seconds >= 600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.1f} s" if seconds >= 10 else f"{seconds:.2f} s"


def _x(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}×"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f} %"


def _size(result: dict[str, Any]) -> str:
    text = f"{result['persons']:,}"
    return f"{text} ({result['name']})" if result.get("name") else text


def worker_counts(results: list[dict[str, Any]]) -> list[str]:
    counts = {w for r in results for w in (_get(r, "recompute_full") or {})}
    return sorted(counts, key=int)


def figures(result: dict[str, Any]) -> dict[str, Any]:
    """The times of one size and what follows from them."""
    full = {w: v.get("seconds") for w, v in (_get(result, "recompute_full") or {}).items()}
    reference = _get(result, "reference_base", "seconds")
    best = min((v for v in full.values() if v), default=None)
    most = full.get(max(full, key=int)) if full else None
    month = _get(result, "recompute_month", "seconds")
    incremental = _get(result, "recompute_incremental", "seconds")
    subset = _get(result, "app_subset", "seconds")
    return {
        "import_base": _get(result, "import_base", "seconds"),
        "full": full,
        "best_full": best,
        "reference": reference,
        "ratio": {w: v / reference for w, v in full.items() if v and reference},
        "subset": subset,
        "subset_ratio": subset / reference if subset and reference else None,
        "speed_up": full["1"] / full["2"] if full.get("1") and full.get("2") else None,
        "import_delta": _get(result, "import_delta", "seconds"),
        "month": month,
        "month_fraction": month / most if month and most else None,
        "incremental": incremental,
        "incremental_start": _get(result, "recompute_incremental", "start"),
        "incremental_fraction": incremental / most if incremental and most else None,
        "reference_full": _get(result, "reference_full", "seconds"),
    }


def slope(n1: int, t1: float | None, n2: int, t2: float | None) -> float | None:
    """The exponent k of t ∝ n^k between two sizes (1 = linear)."""
    if not t1 or not t2 or n1 == n2:
        return None
    return math.log(t2 / t1) / math.log(n2 / n1)


def _load_rows(results: list[dict[str, Any]]) -> list[str]:
    rows = []
    for result in results:
        load = _get(result, "load")
        if not load:
            continue
        for name, target in load["targets"].items():
            if "unavailable" in target:
                rows.append(
                    f"| {_size(result)} | {name} | `{target['path']}` | – | "
                    f"unavailable ({target['unavailable']}) | | | | |"
                )
                continue
            for users, run in target["runs"].items():
                if "error" in run:
                    rows.append(
                        f"| {_size(result)} | {name} | `{target['path']}` | {users} | "
                        f"failed: {run['error'][:60]} | | | | |"
                    )
                    continue
                latency = run["latency_ms"]
                rows.append(
                    f"| {_size(result)} | {name} | `{target['path']}` | {users} | "
                    f"{run['requests_per_s']:.1f} | {latency['p50']:.0f} | {latency['p95']:.0f} "
                    f"| {latency['p99']:.0f} | {run['failed']} of {run['requests']} |"
                )
    return rows


def goals(results: list[dict[str, Any]]) -> list[str]:
    """Each goal of the issue, met or not, with the figures that decide it."""
    lines = []
    complete = [r for r in results if _get(r, "recompute_full")]
    ratios = []
    for result in complete:
        f = figures(result)
        if f["ratio"]:
            ratios.append((result, min(f["ratio"].values())))
    if ratios:
        met = all(ratio <= RATIO_GOAL for _, ratio in ratios)
        detail = ", ".join(f"{r['persons']:,}: {ratio:.1f}×" for r, ratio in ratios)
        lines.append(
            f"- **Full recompute ≤ {RATIO_GOAL:.0f}× the DuckDB reference at every size** "
            f"(best worker count): {'met' if met else '**not met**'} — {detail}."
        )
    slopes = []
    for a, b in zip(complete, complete[1:], strict=False):
        k = slope(a["persons"], figures(a)["best_full"], b["persons"], figures(b)["best_full"])
        if k is not None:
            slopes.append((a, b, k))
    if slopes:
        linear = all(k <= 1.15 for *_, k in slopes)
        detail = ", ".join(f"{a['persons']:,}→{b['persons']:,}: n^{k:.2f}" for a, b, k in slopes)
        lines.append(
            f"- **Full recompute scales linearly** (time ∝ n^k, k ≤ 1.15 counted as linear): "
            f"{'met' if linear else '**not met**'} — {detail}."
        )
    fractions = []
    for result in complete:
        f = figures(result)
        if f["month_fraction"] is not None:
            ranged = (
                f"as the import queues it (from {f['incremental_start']}) "
                f"{_pct(f['incremental_fraction'])}"
                if f["incremental_fraction"] is not None
                else f"as the import queues it (from {f['incremental_start']}): not timed"
            )
            fractions.append(
                f"{result['persons']:,}: the month alone {_pct(f['month_fraction'])}, {ranged}"
            )
    if fractions:
        lines.append(
            "- **Incremental monthly recompute a small fraction of a full one** (of the full "
            "recompute with the same workers): " + "; ".join(fractions) + "."
        )
    goal = [r for r in results if r["persons"] == GOAL_PERSONS and _get(r, "load")]
    if goal:
        load = _get(goal[-1], "load")["targets"]
        parts, met = [], True
        for name, target in load.items():
            run = target.get("runs", {}).get(GOAL_USERS)
            if not run or "error" in run:
                parts.append(f"{name}: not measured ({target.get('unavailable', 'failed')})")
                met = False
                continue
            p95 = run["latency_ms"]["p95"]
            ok = p95 < P95_GOAL_MS and run["failed"] == 0
            met = met and ok
            parts.append(f"{name} {p95:.0f} ms{'' if run['failed'] == 0 else ' (with errors)'}")
        lines.append(
            f"- **Pages p95 < {P95_GOAL_MS:.0f} ms at {GOAL_USERS} concurrent users on the "
            f"{GOAL_PERSONS:,}-person data**: {'met' if met else '**not met**'} — "
            + ", ".join(parts)
            + "."
        )
    speed = [(r, figures(r)["speed_up"]) for r in complete if figures(r)["speed_up"] is not None]
    if speed:
        detail = ", ".join(f"{r['persons']:,}: {s:.2f}×" for r, s in speed)
        lines.append(
            f"- **Adding a worker shortens the recompute** (speed-up of 2 worker processes "
            f"over 1): {detail}."
        )
    return lines


def plot(results: list[dict[str, Any]]) -> list[str]:
    """The PNG files (relative to bench/) of how each time grows with size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    plain = FuncFormatter(lambda value, _: f"{value:,.0f}" if value >= 1 else f"{value:g}")

    PLOTS_DIR.mkdir(exist_ok=True)
    done = [r for r in results if _get(r, "recompute_full")]
    if not done:
        return []
    persons = [r["persons"] for r in done]
    series: dict[str, list[float | None]] = {"import (5 years)": [], "DuckDB reference": []}
    for w in worker_counts(done):
        series[f"full recompute, {w} worker process(es)"] = []
    series["app, reference's figures only"] = []
    series["import of one more month"] = []
    series["incremental, as the import queues it"] = []
    series["incremental, the month alone"] = []
    for result in done:
        f = figures(result)
        series["import (5 years)"].append(f["import_base"])
        series["DuckDB reference"].append(f["reference"])
        for w in worker_counts(done):
            series[f"full recompute, {w} worker process(es)"].append(f["full"].get(w))
        series["app, reference's figures only"].append(f["subset"])
        series["import of one more month"].append(f["import_delta"])
        series["incremental, as the import queues it"].append(f["incremental"])
        series["incremental, the month alone"].append(f["month"])
    files = []
    figure, axes = plt.subplots(figsize=(8, 5.5))
    for name, values in series.items():
        points = [(n, v) for n, v in zip(persons, values, strict=True) if v]
        if points:
            axes.plot(*zip(*points, strict=True), marker="o", label=name)
    if len(persons) > 1:
        # A line of slope 1 through the smallest full recompute: linear growth.
        first = figures(done[0])["best_full"]
        if first:
            axes.plot(
                [persons[0], persons[-1]],
                [first, first * persons[-1] / persons[0]],
                linestyle=":",
                color="grey",
                label="linear growth from the smallest size",
            )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.xaxis.set_major_formatter(plain)
    axes.yaxis.set_major_formatter(plain)
    axes.set_xlabel("persons in the HR data")
    axes.set_ylabel("seconds")
    axes.set_title("How each step's time grows with size")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(PLOTS_DIR / "times.png", dpi=110)
    plt.close(figure)
    files.append("plots/times.png")

    figure, axes = plt.subplots(figsize=(8, 4.5))
    for w in worker_counts(done):
        points = [(r["persons"], figures(r)["ratio"].get(w)) for r in done]
        points = [(n, v) for n, v in points if v]
        if points:
            axes.plot(
                *zip(*points, strict=True), marker="o", label=f"full recompute, {w} worker(s)"
            )
    points = [(r["persons"], figures(r)["subset_ratio"]) for r in done]
    points = [(n, v) for n, v in points if v]
    if points:
        axes.plot(*zip(*points, strict=True), marker="s", label="app, reference's figures only")
    axes.axhline(RATIO_GOAL, color="red", linestyle="--", label=f"goal: ≤ {RATIO_GOAL:.0f}×")
    axes.set_xscale("log")
    axes.xaxis.set_major_formatter(plain)
    axes.set_xlabel("persons in the HR data")
    axes.set_ylabel("app time / DuckDB time")
    axes.set_title("The app against the DuckDB reference")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(PLOTS_DIR / "ratio.png", dpi=110)
    plt.close(figure)
    files.append("plots/ratio.png")

    loaded = [r for r in done if _get(r, "load")]
    if loaded:
        figure, axes = plt.subplots(figsize=(8, 4.5))
        names = sorted({name for r in loaded for name in _get(r, "load")["targets"]})
        for name in names:
            for users in ("20", "50"):
                points = []
                for result in loaded:
                    run = _get(result, "load")["targets"].get(name, {}).get("runs", {}).get(users)
                    if run and "latency_ms" in run:
                        points.append((result["persons"], run["latency_ms"]["p95"]))
                if points:
                    axes.plot(
                        *zip(*points, strict=True),
                        marker="o",
                        linestyle="-" if users == "50" else "--",
                        label=f"{name}, {users} users",
                    )
        axes.axhline(
            P95_GOAL_MS, color="red", linestyle=":", label=f"goal: p95 < {P95_GOAL_MS:.0f} ms"
        )
        axes.set_xscale("log")
        axes.xaxis.set_major_formatter(plain)
        axes.set_xlabel("persons in the HR data")
        axes.set_ylabel("p95 latency (ms)")
        axes.set_title("Page and API latency under load")
        axes.grid(True, alpha=0.3)
        axes.legend(fontsize=8)
        figure.tight_layout()
        figure.savefig(PLOTS_DIR / "latency.png", dpi=110)
        plt.close(figure)
        files.append("plots/latency.png")
    return files


def write_report() -> None:
    results = load_results()
    lines = ["# Benchmark results", ""]
    if not results:
        lines += ["No results yet: run `make bench`.", ""]
        RESULTS_FILE.write_text("\n".join(lines))
        return
    lines += [
        "Written by `bench/run.py` (`make bench`, `make bench SIZE=national`; see "
        "`bench/README.md`) from `bench/results/*.json`. Do not edit: run it again.",
        "",
        "## How these figures were made",
        "",
        "| size | command | commit | measured (UTC) | load average at start | complete |",
        "|---|---|---|---|---|---|",
    ]
    for result in results:
        load = ", ".join(f"{x:.2f}" for x in result.get("load_average_at_start", []))
        lines.append(
            f"| {_size(result)} | `{result['command']}` | {result['git']} | "
            f"{result['started_at']} – {result.get('finished_at', '…')} | {load} | "
            f"{'yes' if result.get('complete') else '**no**'} |"
        )
    machine = results[-1]["machine"]
    lines += ["", "## Machine", ""]
    lines += [f"- **{key}**: {value}" for key, value in machine.items()]
    lines += [
        "",
        "PostgreSQL and Redis run on the same machine as the app, the workers, gunicorn, "
        "wrk and DuckDB; every process shares the cores listed above.",
        "",
        "## Goals",
        "",
        *goals(results),
        "",
        "## Data",
        "",
        "Generated by `manage.py generate_demo_data` (seed 1, 5 years up to the last day of "
        "the previous month; the national size is `--municipalities 40`: 40 kommuner of "
        "falling size under one root). The base import holds the data as known one month "
        "earlier; the next month's import adds the new rows and the changed ones.",
        "",
        "| persons | kommuner | units | employments | sick-leave spells | employed at end "
        "| periods | values stored | next month: employment / spell rows |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for result in results:
        facts = result["facts"]
        periods = _get(result, "reference_base", "periods")
        stored = _get(result, "compare_base", "values_stored")
        lines.append(
            f"| {result['persons']:,} | {facts['municipalities']} | {facts['units']:,} | "
            f"{facts['employments']:,} | {facts['absences']:,} | "
            f"{facts['headcount_at_end']:,} | {periods or '–'} | "
            f"{f'{stored:,}' if stored else '–'} | {facts['delta_employments']:,} / "
            f"{facts['delta_absences']:,} |"
        )
    counts = worker_counts(results)
    header = ["size", "import (5 years)", "import peak memory"]
    header += [f"full recompute, {w} worker(s)" for w in counts]
    header += ["speed-up 2 vs 1", "DuckDB reference"]
    header += [f"ratio {w} worker(s) / DuckDB" for w in counts]
    header += ["app, same figures only", "ratio / DuckDB"]
    lines += [
        "",
        "## Times",
        "",
        "Wall-clock seconds. *Import*: `manage.py import_hr` of the base folder (validation, "
        "writing, history), with no worker running. *Full recompute*: "
        "`measures.tasks.recompute` queued to Celery (all 14 indicators, every unit and "
        "period), timed from queueing until the result is in and every worker is idle. "
        "*DuckDB reference*: `bench/reference.py` reading the CSV files and computing the "
        "sick-leave (5 indicators) and full-time figures (headcount, FTE, full-time share, "
        "in shift-based units, average position) for every unit and period. *App, same "
        "figures only*: the engine's sick-leave and position aggregates for the same "
        "periods, in one process, nothing stored.",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
    ]
    for result in results:
        f = figures(result)
        memory = _get(result, "import_base", "peak_memory_mb")
        row = [_size(result), _s(f["import_base"]), f"{memory:,.0f} MB" if memory else "–"]
        row += [_s(f["full"].get(w)) for w in counts]
        row += [_x(f["speed_up"]), _s(f["reference"])]
        row += [_x(f["ratio"].get(w)) for w in counts]
        row += [_s(f["subset"]), _x(f["subset_ratio"])]
        lines.append("| " + " | ".join(row) + " |")
    lines += [
        "",
        "### One more month",
        "",
        "| size | import of the month | recompute from the month the import names | "
        "share of a full recompute | recompute of the month alone | share of a full "
        "recompute | DuckDB on the full files |",
        "|---|---|---|---|---|---|---|",
    ]
    for result in results:
        f = figures(result)
        start = f["incremental_start"] or "–"
        ranged = (
            f"not timed (from {start})"
            if _get(result, "recompute_incremental", "skipped")
            else f"{_s(f['incremental'])} (from {start})"
        )
        lines.append(
            f"| {_size(result)} | {_s(f['import_delta'])} | {ranged} | "
            f"{_pct(f['incremental_fraction'])} | {_s(f['month'])} | "
            f"{_pct(f['month_fraction'])} | {_s(f['reference_full'])} |"
        )
    lines += [
        "",
        "The import queues a recompute from the first month it touched (an employment's "
        "start date, a spell's start date), with its tertials and years; both incremental "
        "runs use the largest worker count above.",
        "",
        "### Growth with size",
        "",
        "The exponent k of time ∝ persons^k between consecutive sizes (1 = linear), and "
        "the time per 1,000 persons.",
        "",
    ]
    done = [r for r in results if _get(r, "recompute_full")]
    steps = [("import", "import_base"), ("DuckDB reference", "reference")]
    steps += [(f"full recompute, {w} worker(s)", f"full:{w}") for w in counts]
    steps += [("incremental (import's range)", "incremental"), ("the month alone", "month")]

    def pick(result: dict[str, Any], key: str) -> float | None:
        f = figures(result)
        if key.startswith("full:"):
            return f["full"].get(key.split(":")[1])
        return f[key]

    if done:
        header = ["step"] + [f"s per 1,000 at {r['persons']:,}" for r in done]
        header += [
            f"k {a['persons']:,}→{b['persons']:,}" for a, b in zip(done, done[1:], strict=False)
        ]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for name, key in steps:
            row = [name]
            for result in done:
                value = pick(result, key)
                row.append("–" if value is None else f"{1000 * value / result['persons']:.3f}")
            for a, b in zip(done, done[1:], strict=False):
                k = slope(a["persons"], pick(a, key), b["persons"], pick(b, key))
                row.append("–" if k is None else f"{k:.2f}")
            lines.append("| " + " | ".join(row) + " |")
    lines += [
        "",
        "## Correctness: the app against DuckDB",
        "",
        "Every stored value of the reference's 10 indicators, for every unit (over its "
        "subtree) and every period (months, tertials, years), compared with the reference: "
        "value, numerator, denominator within 1e-9 relative, `n_persons` exactly, and "
        "suppression (fewer than 5 persons) exactly. *After the base import* checks the "
        "full recompute; *after the next month* checks the incremental recompute against "
        "the full files. A value the app withholds by the complementary rule (enough "
        "persons, hidden so that no subtraction reveals a small group) agrees when its "
        "`n_persons` does; *complementary* counts them, as a share of the suppressible "
        "values the primary rule alone would publish.",
        "",
        "| size | after | values compared | agree | missing in the app | not in the "
        "reference | differ | largest relative difference | complementary |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    problems = []
    for result in results:
        for step, after in (
            ("compare_base", "the base import"),
            ("compare_full", "the next month"),
        ):
            c = _get(result, step)
            if not c:
                continue
            if c.get("periods_ending_from"):
                after += f" (the periods ending from {c['periods_ending_from']} only)"
            lines.append(
                f"| {_size(result)} | {after} | {c['compared']:,} | {c['matching']:,} | "
                f"{c['missing_in_app']:,} | {c['missing_in_reference']:,} | "
                f"{c['mismatched']:,} | {c['max_relative_difference']:.1e} | "
                f"{_complementary(c)} |"
            )
            if not c["ok"]:
                problems.append((result, after, c))
    for result, after, c in problems:
        lines += [
            "",
            f"Differences at {_size(result)} after {after} (first examples; reference: "
            "value, numerator, denominator, n; app: the same, suppressed):",
            "",
        ]
        bad = {slug: n for slug, n in c["by_slug"].items() if n}
        lines.append(f"- by indicator: {bad}")
        for example in c["examples"][:10]:
            lines.append(
                f"- `{example['slug']}` {example['unit']} {example['period']}: "
                f"{example['problem']}; reference {example['reference']}, app {example['app']}"
            )
    load_rows = _load_rows(results)
    if load_rows:
        some = next(r for r in results if _get(r, "load"))
        load = _get(some, "load")
        lines += [
            "",
            "## Load tests",
            "",
            f"wrk ({machine.get('wrk', 'wrk')}), 2 threads, each run "
            f"{load['seconds_per_run']} s after a 3 s warm-up, against gunicorn with "
            f"{load['gunicorn_workers']} sync workers, `DEBUG=false`, `CONN_MAX_AGE=60`, on "
            "the data after the full recompute. Pages are fetched as a logged-in HR user "
            "(session cookie), the API with a bearer token; the unit page is a "
            "tjenesteområde (the one with most units below it). An error is a response "
            "that is not 2xx (a redirect counts) or a socket error/timeout. Latencies in ms.",
            "",
            "| size | target | path | users | requests/s | median | p95 | p99 | errors |",
            "|---|---|---|---|---|---|---|---|---|",
            *load_rows,
        ]
    files = plot(results)
    if files:
        lines += ["", "## Plots", ""]
        lines += [f"![{Path(f).stem}]({f})" for f in files]
    lines += [
        "",
        "## Notes",
        "",
        "- The DuckDB reference shares nothing with the app but the spec: its own CSV "
        "reading, calendar (the `holidays` package's Norwegian holidays, weekends), period "
        "list, unit closure and main-unit rule (largest position, then the smallest "
        "`employment_id` byte-wise); positions are exact decimals there.",
        "- Ratios compare a full recompute (14 indicators, stored) with the reference's 10 "
        "indicators (not stored); the *same figures only* column compares like with like.",
        "- Timings on a shared 2-core machine vary from run to run by 10–20 %; the load "
        "average at the start of each size is recorded above.",
        "",
    ]
    RESULTS_FILE.write_text("\n".join(lines))


def _complementary(comparison: dict) -> str:
    """``27,219 (11.5 %)``; «–» for results from before the complementary rule."""
    if "complementary" not in comparison:
        return "–"
    published = comparison.get("published_suppressible") or 0
    share = f" ({100 * comparison['complementary'] / published:.1f} %)" if published else ""
    return f"{comparison['complementary']:,}{share}"


if __name__ == "__main__":
    write_report()
