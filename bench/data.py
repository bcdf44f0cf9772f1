"""The benchmark's HR files: a generated municipality (or nation), cut into two imports.

``full`` holds everything up to the last day of the previous month. ``base`` is the same
data as an export one month earlier would have shown it (nothing after the cut-off day:
later employments and spells left out, later end dates not yet known, spells running at
the cut-off cut there). ``delta`` is what the next month's export adds: the new rows
and the rows that changed, so importing ``base`` then ``delta`` gives ``full``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from demo.generator import (
    ABSENCES_FILE,
    EMPLOYMENTS_FILE,
    ORGUNITS_FILE,
    generate_municipality,
)


@dataclass(frozen=True)
class DataSet:
    persons: int
    municipalities: int
    seed: int
    end: dt.date  # last day of the full data
    cut: dt.date  # last day of the base import
    folder: Path

    @property
    def full(self) -> Path:
        return self.folder / "full"

    @property
    def base(self) -> Path:
        return self.folder / "base"

    @property
    def delta(self) -> Path:
        return self.folder / "delta"


def previous_month_end(day: dt.date) -> dt.date:
    return day.replace(day=1) - dt.timedelta(days=1)


def prepare(
    *, persons: int, municipalities: int, seed: int, end: dt.date, work: Path
) -> tuple[DataSet, dict]:
    """Generate (or reuse) the files; returns the data set and facts about it."""
    cut = previous_month_end(end)
    folder = work / f"data-{persons}-m{municipalities}-s{seed}-{end.isoformat()}"
    data = DataSet(persons, municipalities, seed, end, cut, folder)
    facts_file = folder / "facts.json"
    if facts_file.exists():
        return data, json.loads(facts_file.read_text())
    if folder.exists():
        shutil.rmtree(folder)
    began = time.perf_counter()
    summary = generate_municipality(
        persons=persons,
        seed=seed,
        out_dir=data.full,
        end_date=end,
        years=5,
        municipalities=municipalities,
    )
    generated = time.perf_counter() - began
    counts = cut_month(data.full, data.base, data.delta, cut)
    facts = {
        "persons": persons,
        "municipalities": municipalities,
        "seed": seed,
        "start_date": summary.start_date.isoformat(),
        "end_date": end.isoformat(),
        "cut_date": cut.isoformat(),
        "units": summary.units,
        "employments": summary.employments,
        "absences": summary.absences,
        "headcount_at_end": summary.headcount_at_end,
        "generate_seconds": generated,
        **counts,
    }
    facts_file.write_text(json.dumps(facts, indent=1))
    return data, facts


def cut_month(full: Path, base: Path, delta: Path, cut: dt.date) -> dict[str, int]:
    """Write ``base`` (the data as known on ``cut``) and ``delta`` (what changed after)."""
    base.mkdir(parents=True, exist_ok=True)
    delta.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(full / ORGUNITS_FILE, base / ORGUNITS_FILE)
    limit = cut.isoformat()  # ISO dates compare as text
    base_employments: set[str] = set()
    counts = {"delta_employments": 0, "delta_absences": 0}
    with (
        (full / EMPLOYMENTS_FILE).open(encoding="utf-8", newline="") as source,
        (base / EMPLOYMENTS_FILE).open("w", encoding="utf-8", newline="") as old,
        (delta / EMPLOYMENTS_FILE).open("w", encoding="utf-8", newline="") as new,
    ):
        reader = csv.DictReader(source)
        columns = list(reader.fieldnames or [])
        old_writer = csv.DictWriter(old, columns, lineterminator="\n")
        new_writer = csv.DictWriter(new, columns, lineterminator="\n")
        old_writer.writeheader()
        new_writer.writeheader()
        for row in reader:
            if row["start_date"] > limit:
                new_writer.writerow(row)
                counts["delta_employments"] += 1
                continue
            base_employments.add(row["employment_id"])
            if row["end_date"] and row["end_date"] > limit:
                new_writer.writerow(row)
                counts["delta_employments"] += 1
                row = {**row, "end_date": "", "end_reason": ""}
            old_writer.writerow(row)
    with (
        (full / ABSENCES_FILE).open(encoding="utf-8", newline="") as source,
        (base / ABSENCES_FILE).open("w", encoding="utf-8", newline="") as old,
        (delta / ABSENCES_FILE).open("w", encoding="utf-8", newline="") as new,
    ):
        reader = csv.DictReader(source)
        columns = list(reader.fieldnames or [])
        old_writer = csv.DictWriter(old, columns, lineterminator="\n")
        new_writer = csv.DictWriter(new, columns, lineterminator="\n")
        old_writer.writeheader()
        new_writer.writeheader()
        for row in reader:
            known = row["start_date"] <= limit and row["employment_id"] in base_employments
            if not known:
                new_writer.writerow(row)
                counts["delta_absences"] += 1
                continue
            if row["end_date"] > limit:
                new_writer.writerow(row)
                counts["delta_absences"] += 1
                row = {**row, "end_date": limit}
            old_writer.writerow(row)
    return counts
