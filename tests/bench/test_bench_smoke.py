"""The benchmark's DuckDB reference against the engine, on a tiny generated nation.

Skips without the benchmark's own dependencies (bench/requirements.txt); CI does not
install them.
"""

import csv
import datetime as dt
from pathlib import Path

import pytest

pytest.importorskip("duckdb")

from bench import reference  # noqa: E402
from bench.app_side import dump  # noqa: E402
from bench.data import cut_month  # noqa: E402
from demo.generator import generate_municipality  # noqa: E402
from hr.services import ImportSource, hr_import  # noqa: E402
from measures.engine import recompute_range  # noqa: E402
from measures.models import IndicatorValue  # noqa: E402

END = dt.date(2024, 12, 31)
TODAY = dt.date(2025, 1, 15)  # the last complete month is 2024-12


@pytest.fixture
def nation(tmp_path: Path) -> Path:
    folder = tmp_path / "full"
    generate_municipality(
        persons=300, seed=11, out_dir=folder, end_date=END, years=2, municipalities=2
    )
    return folder


def import_and_recompute(folder: Path) -> None:
    result = hr_import(sources=[ImportSource.from_path(folder)], user=None, source="command")
    assert result.succeeded, result.errors[:5]
    recompute_range(end="2024-12", today=TODAY)


@pytest.mark.django_db
def test_the_duckdb_reference_agrees_with_every_stored_value(nation, tmp_path):
    import_and_recompute(nation)
    dump(tmp_path / "app.csv")

    ref = reference.compute(nation, last_month=END, complete_until=END)
    result = reference.compare(ref, tmp_path / "app.csv")

    units = len(list(csv.DictReader((nation / "orgunits.csv").open(encoding="utf-8"))))
    periods = len(ref.periods)
    # headcount and fte exist for every unit and period; the ratios where defined.
    assert result.compared >= 2 * units * periods
    assert result.as_dict()["ok"], result.as_dict()
    assert result.matching == result.compared
    assert result.max_relative_difference < 1e-9
    spells = csv.DictReader((nation / "absences.csv").open(encoding="utf-8"))
    first_spell = min(row["start_date"] for row in spells)
    # The app's default range starts in January of that year (whole years).
    assert ref.periods[0].label == first_spell[:4] + "-01"
    assert ref.periods[-1].label == "2024"


@pytest.mark.django_db
def test_the_comparison_finds_a_changed_value_and_a_missing_one(nation, tmp_path):
    import_and_recompute(nation)
    earliest = IndicatorValue.objects.filter(
        indicator__slug="sick_leave_pct", suppressed=False, granularity="month"
    ).order_by("period_start", "unit_id")
    changed, deleted = earliest[0], earliest[1]
    changed.value += 1e-6
    changed.save(update_fields=["value"])
    deleted.delete()
    dump(tmp_path / "app.csv")

    ref = reference.compute(nation, last_month=END, complete_until=END)
    result = reference.compare(ref, tmp_path / "app.csv")
    recent = reference.compare(ref, tmp_path / "app.csv", periods_ending_from=dt.date(2024, 12, 1))

    assert not result.ok
    assert (result.mismatched, result.missing_in_app, result.missing_in_reference) == (1, 1, 0)
    assert result.by_slug["sick_leave_pct"] == 2
    assert {e["problem"] for e in result.examples} == {"value differs", "missing in the app"}
    # 2024-12, 2024-T3 and 2024 only: the early month is not looked at.
    assert recent.ok
    assert 0 < recent.compared < result.compared / 8


def test_base_and_delta_together_give_the_full_files(nation, tmp_path):
    cut = dt.date(2024, 11, 30)
    base, delta = tmp_path / "base", tmp_path / "delta"

    cut_month(nation, base, delta, cut)

    for name, key in (("employments.csv", "employment_id"), ("absences.csv", "absence_id")):
        full_rows = {r[key]: r for r in csv.DictReader((nation / name).open(encoding="utf-8"))}
        base_rows = {r[key]: r for r in csv.DictReader((base / name).open(encoding="utf-8"))}
        delta_rows = {r[key]: r for r in csv.DictReader((delta / name).open(encoding="utf-8"))}
        assert {**base_rows, **delta_rows} == full_rows
        assert delta_rows, name  # the month brings something new
        for row in base_rows.values():
            assert row["start_date"] <= cut.isoformat()
            assert row["end_date"] <= cut.isoformat()  # "" (ongoing) sorts first
        for key_, row in delta_rows.items():
            assert key_ not in base_rows or base_rows[key_] != row
