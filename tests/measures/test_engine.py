"""Hand-computed cases of spec/indicators.md beyond the worked example."""

import datetime as dt

import pytest

from measures import periods as P
from measures.definitions import count_slugs
from measures.engine import calendar_ensure, default_range, recompute_range
from measures.models import CalendarDay, IndicatorValue

from .builders import build_absences, build_employments, build_units

pytestmark = pytest.mark.django_db

D = dt.date
TODAY = D(2025, 6, 1)
BORN = D(1980, 1, 1)


def value(slug: str, unit: str, period: str) -> IndicatorValue:
    return IndicatorValue.objects.get(indicator__slug=slug, unit__code=unit, period=period)


def emp(eid, person, unit, pct, start, end=None, reason="", birth=BORN):
    return {
        "employment_id": eid,
        "person_id": person,
        "birth_date": birth,
        "unit_code": unit,
        "position_pct": pct,
        "start_date": start,
        "end_date": end,
        "end_reason": reason,
    }


def spell(aid, eid, start, end, grade=100, kind="legemeldt"):
    return {
        "absence_id": aid,
        "employment_id": eid,
        "start_date": start,
        "end_date": end,
        "grade_pct": grade,
        "kind": kind,
    }


@pytest.fixture
def two_units():
    return build_units(
        [
            {"code": "K", "level": "kommune"},
            {"code": "A", "parent_code": "K", "shift_based": True},
            {"code": "B", "parent_code": "K"},
        ]
    )


def test_the_calendar_has_exactly_the_spec_holidays_on_weekdays_in_2024():
    calendar_ensure(D(2024, 1, 1), D(2024, 12, 31))

    free_weekdays = [
        day.date
        for day in CalendarDay.objects.filter(date__year=2024, is_working_day=False)
        if day.date.weekday() < 5
    ]
    assert free_weekdays == [
        D(2024, 1, 1),  # nyttårsdag
        D(2024, 3, 28),  # skjærtorsdag
        D(2024, 3, 29),  # langfredag
        D(2024, 4, 1),  # 2. påskedag
        D(2024, 5, 1),  # 1. mai
        D(2024, 5, 9),  # Kristi himmelfartsdag
        D(2024, 5, 17),  # 17. mai
        D(2024, 5, 20),  # 2. pinsedag
        D(2024, 12, 25),  # 1. juledag
        D(2024, 12, 26),  # 2. juledag
    ]
    assert CalendarDay.objects.filter(date__year=2024, is_working_day=True).count() == 252


def test_a_tie_for_main_unit_goes_to_the_smallest_employment_id_in_string_order(two_units):
    # E10 < E9 as strings, although 10 > 9 as numbers.
    build_employments(
        [emp("E9", "P1", "A", 50, D(2024, 1, 1)), emp("E10", "P1", "B", 50, D(2024, 1, 1))],
        two_units,
    )

    recompute_range(start="2024-01", end="2024-01", today=TODAY)

    assert value("headcount", "B", "2024-01").value == 1
    assert value("headcount", "A", "2024-01").value == 0
    assert value("fte", "A", "2024-01").value == 0.5
    assert value("fte", "K", "2024-01").value == 1.0


def test_a_spell_of_16_days_is_short_and_of_17_days_long(two_units, settings):
    settings.SUPPRESSION_MIN_PERSONS = 1
    employments = build_employments(
        [emp("E1", "P1", "A", 100, D(2024, 1, 1)), emp("E2", "P2", "A", 100, D(2024, 1, 1))],
        two_units,
    )
    # 16 calendar days, Mon 5 Feb – Tue 20 Feb: 12 working days.
    # 17 calendar days, Mon 5 Feb – Wed 21 Feb: 13 working days.
    build_absences(
        [
            spell("S1", "E1", D(2024, 2, 5), D(2024, 2, 20)),
            spell("S2", "E2", D(2024, 2, 5), D(2024, 2, 21), grade=50),
        ],
        employments,
    )

    recompute_range(start="2024-02", end="2024-02", today=TODAY)

    possible = 2 * 21  # February 2024 has 21 working days
    assert value("sick_leave_short_pct", "A", "2024-02").numerator == 12
    assert value("sick_leave_long_pct", "A", "2024-02").numerator == 6.5
    assert value("sick_leave_pct", "A", "2024-02").value == pytest.approx(100 * 18.5 / possible)


def test_a_tertial_sums_numerators_and_denominators_instead_of_averaging(two_units, settings):
    settings.SUPPRESSION_MIN_PERSONS = 1
    employments = build_employments(
        [
            emp("E1", "P1", "A", 100, D(2024, 1, 1)),
            emp("E2", "P2", "A", 100, D(2024, 3, 1)),  # present in March and April only
        ],
        two_units,
    )
    build_absences(
        [spell("S1", "E1", D(2024, 1, 2), D(2024, 1, 5))],  # 4 working days in January
        employments,
    )

    recompute_range(start="2024-01", end="2024-04", today=TODAY)

    # Working days: Jan 22, Feb 21, Mar 19, Apr 21.
    tertial = value("sick_leave_pct", "A", "2024-T1")
    assert (tertial.numerator, tertial.denominator) == (4, 83 + 19 + 21)
    assert tertial.value == pytest.approx(100 * 4 / 123)
    assert value("sick_leave_pct", "A", "2024-01").value == pytest.approx(100 * 4 / 22)
    assert tertial.n_persons == 2


def test_a_four_person_unit_is_suppressed_and_its_smallest_sibling_with_it(settings):
    settings.SUPPRESSION_MIN_PERSONS = 5
    units = build_units(
        [
            {"code": "K", "level": "kommune"},
            {"code": "FOUR", "parent_code": "K"},
            {"code": "FIVE", "parent_code": "K"},
            {"code": "SIX", "parent_code": "K"},
        ]
    )
    rows = [emp(f"E{i}", f"P{i}", "FOUR", 100, D(2024, 1, 1)) for i in range(4)]
    rows += [emp(f"F{i}", f"Q{i}", "FIVE", 100, D(2024, 1, 1)) for i in range(5)]
    rows += [emp(f"G{i}", f"R{i}", "SIX", 100, D(2024, 1, 1)) for i in range(6)]
    employments = build_employments(rows, units)
    build_absences([spell("S1", "E0", D(2024, 1, 8), D(2024, 1, 9))], employments)

    recompute_range(start="2024-01", end="2024-01", today=TODAY)

    four = value("sick_leave_pct", "FOUR", "2024-01")
    assert (four.suppressed, four.complementary, four.value, four.numerator) == (
        True,
        False,
        None,
        None,
    )
    assert (four.denominator, four.n_persons) == (None, 4)
    # K minus FIVE and SIX would be FOUR: the smallest sibling is withheld with it.
    five = value("sick_leave_pct", "FIVE", "2024-01")
    assert (five.suppressed, five.complementary, five.value, five.n_persons) == (
        True,
        True,
        None,
        5,
    )
    six = value("sick_leave_pct", "SIX", "2024-01")
    assert (six.suppressed, six.value, six.n_persons) == (False, 0.0, 6)
    total = value("sick_leave_pct", "K", "2024-01")
    assert (total.suppressed, total.n_persons) == (False, 15)
    # Counts are never suppressed.
    headcount = value("headcount", "FOUR", "2024-01")
    assert (headcount.suppressed, headcount.value) == (False, 4)


def test_counts_are_stored_for_every_unit_and_period_zero_included(two_units):
    employments = build_employments([emp("E1", "P1", "A", 100, D(2024, 1, 1))], two_units)
    build_absences([spell("S1", "E1", D(2024, 1, 8), D(2024, 1, 8))], employments)

    recompute_range(start="2024-01", end="2024-02", today=TODAY)

    for slug in sorted(count_slugs()):
        assert value(slug, "B", "2024-02").value == 0
    assert value("new_hires", "A", "2024-01").value == 1
    assert value("new_hires", "A", "2024-T1").value == 1
    # No ratio is stored where its denominator is zero.
    assert not IndicatorValue.objects.filter(indicator__slug="sick_leave_pct", unit__code="B")


def test_turnover_counts_resignations_against_headcount_the_day_before(two_units, settings):
    settings.SUPPRESSION_MIN_PERSONS = 1
    employments = build_employments(
        [
            emp("E1", "P1", "A", 100, D(2020, 1, 1), D(2024, 3, 10), "oppsigelse"),
            emp(
                "E2", "P2", "A", 100, D(2020, 1, 1), D(2024, 3, 20), "alderspensjon", D(1958, 3, 3)
            ),
            emp("E3", "P3", "A", 100, D(2020, 1, 1)),
            emp("E4", "P4", "A", 100, D(2020, 1, 1)),
            # An internal move is not an exit.
            emp("E5", "P5", "A", 100, D(2020, 1, 1), D(2024, 3, 15), "annet"),
            emp("E6", "P5", "B", 100, D(2024, 3, 16)),
        ],
        two_units,
    )
    build_absences([spell("S1", "E3", D(2024, 3, 4), D(2024, 3, 4))], employments)

    recompute_range(start="2024-03", end="2024-03", today=TODAY)

    turnover = value("turnover_pct", "A", "2024-03")
    assert (turnover.numerator, turnover.denominator, turnover.value) == (1, 5, 20)
    retirement = value("retirement_age_avg", "A", "2024-03")
    assert retirement.value == pytest.approx((D(2024, 3, 20) - D(1958, 3, 3)).days / 365.25)
    assert value("new_hires", "B", "2024-03").value == 0


def test_recompute_replaces_only_its_range(two_units, settings):
    settings.SUPPRESSION_MIN_PERSONS = 1
    employments = build_employments([emp("E1", "P1", "A", 100, D(2024, 1, 1))], two_units)
    build_absences([spell("S1", "E1", D(2024, 1, 8), D(2024, 1, 8))], employments)
    recompute_range(start="2024-01", end="2024-06", today=TODAY)
    before = value("sick_leave_pct", "A", "2024-02").computed_at

    build_absences([spell("S2", "E1", D(2024, 5, 6), D(2024, 5, 6))], employments)
    recompute_range(start="2024-05", end="2024-05", today=TODAY)

    assert value("sick_leave_pct", "A", "2024-05").numerator == 1
    assert value("sick_leave_pct", "A", "2024-02").computed_at == before
    assert value("sick_leave_pct", "A", "2024").numerator == 2
    assert IndicatorValue.objects.filter(period="2024-05", indicator__slug="fte").count() == 3


def test_the_default_range_runs_from_the_first_absence_to_the_last_complete_month(two_units):
    employments = build_employments([emp("E1", "P1", "A", 100, D(2024, 1, 1))], two_units)
    build_absences([spell("S1", "E1", D(2024, 10, 8), D(2024, 10, 8))], employments)

    assert default_range(D(2025, 2, 14)) == (D(2024, 10, 8), D(2025, 1, 31))
    result = recompute_range(today=D(2025, 2, 14))

    # Whole years: the first absence's year from January (protection withholds a
    # year's cells together), to the last complete month.
    assert (result.start, result.end) == ("2024-01", "2025-01")
    months = set(
        IndicatorValue.objects.filter(granularity="month").values_list("period", flat=True)
    )
    assert months == {f"2024-{m:02d}" for m in range(1, 13)} | {"2025-01"}


def test_a_range_is_never_computed_into_the_future(two_units):
    employments = build_employments([emp("E1", "P1", "A", 100, D(2024, 1, 1))], two_units)
    build_absences([spell("S1", "E1", D(2024, 10, 8), D(2024, 10, 8))], employments)

    result = recompute_range(start="2024-12", end="2030-12", today=D(2025, 2, 14))

    assert result.end == "2025-01"
    assert not IndicatorValue.objects.filter(period="2025-02").exists()


@pytest.mark.parametrize(
    ("label", "start", "end", "granularity"),
    [
        ("2024-02", D(2024, 2, 1), D(2024, 2, 29), "month"),
        ("2024-T2", D(2024, 5, 1), D(2024, 8, 31), "tertial"),
        ("2023-T3", D(2023, 9, 1), D(2023, 12, 31), "tertial"),
        ("2024", D(2024, 1, 1), D(2024, 12, 31), "year"),
    ],
)
def test_periods_parse(label, start, end, granularity):
    period = P.parse(label)

    assert (period.start, period.end, period.granularity, period.label) == (
        start,
        end,
        granularity,
        label,
    )


@pytest.mark.parametrize("label", ["2024-13", "2024-T4", "24", "2024-3", "mars"])
def test_bad_periods_are_refused(label):
    with pytest.raises(ValueError, match="is not a period"):
        P.parse(label)


def test_a_tertial_or_year_that_has_not_ended_is_not_computed(two_units):
    employments = build_employments([emp("E1", "P1", "A", 100, D(2024, 1, 1))], two_units)
    build_absences([spell("S1", "E1", D(2024, 10, 8), D(2024, 10, 8))], employments)

    recompute_range(today=D(2025, 6, 14))

    periods = set(IndicatorValue.objects.values_list("period", flat=True))
    assert {"2024-T3", "2024", "2025-T1", "2025-05"} <= periods
    assert not periods & {"2025-T2", "2025"}
