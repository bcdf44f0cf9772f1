"""An import's recompute, from the first month it touched, equals a full recompute.

The monthly export mostly closes employments; such an import recomputes only from the
earlier end date. This checks that nothing before it would have changed.
"""

import csv
import datetime as dt
import math
from pathlib import Path

import pytest

from demo.generator import generate_municipality
from hr.models import ImportJob
from hr.services import ImportSource, hr_import
from measures.engine import recompute_range
from measures.models import IndicatorValue
from measures.services import indicators_load_seeded
from strategi.celery import app as celery_app

END = dt.date(2025, 6, 30)


def stored() -> dict[tuple, tuple]:
    return {
        (v.indicator_id, v.unit_id, v.granularity, v.period): (
            v.value,
            v.numerator,
            v.denominator,
            v.n_persons,
            v.suppressed,
        )
        for v in IndicatorValue.objects.all()
    }


def import_folder(folder: Path) -> ImportJob:
    sources = [
        ImportSource.from_path(folder / name)
        for name in ("orgunits.csv", "employments.csv", "absences.csv")
    ]
    result = hr_import(sources=sources, user=None, source=ImportJob.Source.COMMAND)
    assert result.succeeded, result.errors[:5]
    return result.job


def close_and_move_employments(folder: Path) -> int:
    """Close some open employments in the last month; move some earlier end dates."""
    path = folder / "employments.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    changed = 0
    for index, row in enumerate(rows):
        if row["start_date"] >= "2025-06-01":
            continue
        if not row["end_date"] and index % 7 == 0:
            row["end_date"], row["end_reason"] = f"2025-06-{10 + index % 15:02d}", "oppsigelse"
            changed += 1
        elif row["end_date"] and row["end_date"] >= "2025-01-01" and index % 3 == 0:
            row["end_date"] = "2025-06-28"
            changed += 1
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return changed


@pytest.mark.django_db(transaction=True)
def test_recompute_from_the_first_month_touched_equals_a_full_recompute(
    tmp_path: Path, monkeypatch
):
    # Each import's recompute (measures.tasks.recompute from the first month it
    # touched) runs in-process after commit, also where a broker is configured.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    indicators_load_seeded()
    generate_municipality(persons=300, seed=7, out_dir=tmp_path, end_date=END, years=2)
    import_folder(tmp_path)

    assert close_and_move_employments(tmp_path) > 10
    job = import_folder(tmp_path)
    assert job.first_month_touched is not None
    assert job.first_month_touched > dt.date(2024, 1, 1)  # not from the employments' starts
    incremental = stored()

    IndicatorValue.objects.all().delete()
    recompute_range(within_data=True)
    full = stored()
    assert full.keys() == incremental.keys()
    # Equal up to the order of floating-point sums (a stale value differs far more).
    stale = {
        key: (incremental[key], value)
        for key, value in full.items()
        if not all(same(a, b) for a, b in zip(incremental[key], value, strict=True))
    }
    assert stale == {}


def same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return a == b
