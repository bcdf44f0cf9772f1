"""The engine against a day-by-day reading of the spec on random small municipalities."""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from measures import periods as P
from measures.definitions import count_slugs
from measures.engine import recompute_range
from measures.models import IndicatorValue

from .builders import build_absences, build_employments, build_units
from .oracle import Emp, Oracle, Spell, Unit

REASONS = ["alderspensjon", "afp", "uforetrygd", "oppsigelse", "dodsfall", "annet"]
POSITIONS = [20, 25, 33.33, 50, 60, 75, 80.5, 100]
# Births that make the retirement indicators interesting, including 29 February.
BIRTHS = [dt.date(1960, 2, 29), dt.date(1956, 3, 1), dt.date(1958, 12, 31), dt.date(1972, 3, 1)]
CHECKED = [
    P.month(2023, 12),
    P.month(2024, 2),
    P.month(2024, 3),
    P.month(2024, 12),
    P.tertial(2023, 3),
    P.tertial(2024, 1),
    P.year(2023),
    P.year(2024),
]
COUNTS = count_slugs()  # stored without n_persons, never suppressed


@st.composite
def municipalities(draw):
    units = [Unit("K", None, draw(st.booleans()))]
    for i in range(draw(st.integers(0, 4))):
        parent = draw(st.sampled_from(units)).code
        units.append(Unit(f"U{i}", parent, draw(st.booleans())))
    codes = [u.code for u in units]
    # Ids whose string order differs from their numeric order (ties go by string order).
    ids = iter(draw(st.lists(st.integers(1, 999), min_size=30, max_size=30, unique=True)))
    emps, spells = [], []
    for person in range(draw(st.integers(1, 7))):
        birth = draw(st.sampled_from(BIRTHS) | st.dates(dt.date(1950, 1, 1), dt.date(2000, 1, 1)))
        for _ in range(draw(st.integers(1, 3))):
            start = draw(st.dates(dt.date(2022, 6, 1), dt.date(2024, 12, 31)))
            end = draw(st.none() | st.dates(start, dt.date(2025, 3, 31)))
            emp = Emp(
                employment_id=f"E{next(ids)}",
                person_id=f"P{person}",
                birth_date=birth,
                unit=draw(st.sampled_from(codes)),
                pct=draw(st.sampled_from(POSITIONS)),
                start=start,
                end=end,
                reason=draw(st.sampled_from(REASONS)) if end else "",
            )
            emps.append(emp)
            # Up to three spells, never overlapping; they may reach outside the employment.
            cursor = start - dt.timedelta(days=20)
            for _ in range(draw(st.integers(0, 3))):
                first = cursor + dt.timedelta(days=draw(st.integers(0, 90)))
                length = draw(st.sampled_from([1, 2, 3, 16, 17]) | st.integers(1, 120))
                last = first + dt.timedelta(days=length - 1)
                spells.append(
                    Spell(
                        employment_id=emp.employment_id,
                        start=first,
                        end=last,
                        grade=draw(st.sampled_from([20, 50, 100])),
                        kind=draw(st.sampled_from(["egenmeldt", "legemeldt"])),
                    )
                )
                cursor = last + dt.timedelta(days=1)
    return units, emps, spells


def store(units, emps, spells) -> None:
    built = build_units(
        [{"code": u.code, "parent_code": u.parent, "shift_based": u.shift_based} for u in units]
    )
    employments = build_employments(
        [
            {
                "employment_id": e.employment_id,
                "person_id": e.person_id,
                "birth_date": e.birth_date,
                "unit_code": e.unit,
                "position_pct": e.pct,
                "start_date": e.start,
                "end_date": e.end,
                "end_reason": e.reason,
            }
            for e in emps
        ],
        built,
    )
    build_absences(
        [
            {
                "absence_id": f"A{i}",
                "employment_id": s.employment_id,
                "start_date": s.start,
                "end_date": s.end,
                "grade_pct": s.grade,
                "kind": s.kind,
            }
            for i, s in enumerate(spells)
        ],
        employments,
    )


def oracle_values(oracle: Oracle, codes: list[str]) -> dict:
    expected = {}
    for code in codes:
        for period in CHECKED:
            found = {
                **oracle.sick_leave(code, period.start, period.end),
                **oracle.positions(code, period.end),
                **oracle.flow(code, period.start, period.end),
            }
            year = period.start.year if period.granularity == P.YEAR else None
            if year and (value := oracle.expected_retirement_age(code, year)):
                found["expected_retirement_age"] = value
            for slug, (value, persons) in found.items():
                expected[(slug, code, period.label)] = (value, persons)
    return expected


def engine_values() -> dict:
    labels = [p.label for p in CHECKED]
    return {
        (v.indicator.slug, v.unit.code, v.period): (
            v.value,
            None if v.indicator.slug in COUNTS else v.n_persons,
        )
        for v in IndicatorValue.objects.filter(period__in=labels).select_related(
            "indicator", "unit"
        )
    }


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=municipalities())
def test_engine_matches_the_oracle(data, django_settings_threshold_one):
    units, emps, spells = data
    with transaction.atomic():
        store(units, emps, spells)
        recompute_range(start="2023-01", end="2024-12", today=dt.date(2025, 6, 1))
        got = engine_values()
        transaction.set_rollback(True)
    expected = oracle_values(Oracle(units, emps, spells), [u.code for u in units])

    assert set(got) == set(expected)
    for key, (value, persons) in expected.items():
        assert got[key][0] == pytest.approx(value, rel=1e-9, abs=1e-9), key
        assert got[key][1] == persons, key


@pytest.fixture
def django_settings_threshold_one(settings):
    settings.SUPPRESSION_MIN_PERSONS = 1
