"""The recompute fanned out over a real Celery worker equals the in-process recompute."""

import datetime as dt

import pytest
from django.utils import timezone

from measures import periods as P
from measures.engine import recompute_plan, recompute_range
from measures.models import IndicatorValue
from measures.tasks import recompute

from .builders import build_absences, build_employments, build_units


def stored() -> dict:
    return {
        (v.indicator_id, v.unit_id, v.period): (v.value, v.numerator, v.denominator, v.n_persons)
        for v in IndicatorValue.objects.all()
    }


def two_years_of_data() -> None:
    """A small municipality with absence from 2023-11 to the last complete month."""
    units = build_units(
        [
            {"code": "K", "parent_code": None, "shift_based": False},
            {"code": "A", "parent_code": "K", "shift_based": True},
            {"code": "B", "parent_code": "K", "shift_based": False},
        ]
    )
    employments = build_employments(
        [
            {
                "employment_id": f"E{i}",
                "person_id": f"P{i % 7}",
                "birth_date": dt.date(1960 + i, 3, 1),
                "unit_code": "AB"[i % 2],
                "position_pct": [50, 80, 100][i % 3],
                "start_date": dt.date(2022, 1 + i % 12, 1),
                "end_date": None if i % 4 else dt.date(2025, 6, 30),
                "end_reason": "" if i % 4 else "oppsigelse",
            }
            for i in range(12)
        ],
        units,
    )
    last = P.last_complete_month(timezone.localdate())
    build_absences(
        [
            {
                "absence_id": f"S{i}",
                "employment_id": f"E{i % 12}",
                "start_date": day,
                "end_date": day + dt.timedelta(days=[2, 20, 40][i % 3]),
                "grade_pct": 100,
                "kind": ["egenmeldt", "legemeldt"][i % 2],
            }
            for i, day in enumerate(
                dt.date(2023, 11, 3) + dt.timedelta(days=45 * i)
                for i in range(40)
                if dt.date(2023, 11, 3) + dt.timedelta(days=45 * i) < last.start
            )
        ],
        employments,
    )


@pytest.mark.services
def test_the_fanned_out_recompute_equals_the_in_process_one(celery_worker_process):
    # Given data over three calendar years (so at least three slices)
    two_years_of_data()
    plan = recompute_plan(within_data=True)
    assert len(plan.slices()) >= 3

    # When the recompute runs through Redis on a real worker (chord of year slices)
    outcome = recompute.apply_async(queue=celery_worker_process).get(timeout=180)
    by_worker = stored()

    # Then every slice ran, and the values equal an in-process recompute of the range
    assert outcome["slices"] == len(plan.slices())
    assert outcome["values_stored"] == len(by_worker) > 0
    IndicatorValue.objects.all().delete()
    recompute_range(within_data=True)
    in_process = stored()
    assert by_worker.keys() == in_process.keys()
    assert any(v[0] is None for v in in_process.values())  # suppressed ones compared too
    for key, values in in_process.items():
        for got, expected in zip(by_worker[key], values, strict=True):
            assert got == (None if expected is None else pytest.approx(expected, rel=1e-12)), key
