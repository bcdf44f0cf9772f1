"""The small statistics of the unit pages: least-squares projection and Pearson's r."""

import datetime as dt
import math

import pytest

from dashboards.projection import (
    Outcome,
    Projection,
    Strength,
    correlation_strength,
    least_squares,
    month_index,
    month_start,
    pearson,
    project_target,
)

D = dt.date
JANUARY_2024 = D(2024, 1, 1)


def monthly(values: list[float], first: D = JANUARY_2024) -> list[tuple[D, float]]:
    """``values`` as consecutive months from ``first``."""
    start = month_index(first)
    return [(month_start(start + i), value) for i, value in enumerate(values)]


def test_month_index_and_month_start_round_trip_across_a_year_end():
    assert month_index(D(2024, 12, 31)) + 1 == month_index(D(2025, 1, 1))
    assert month_start(month_index(D(2025, 3, 17))) == D(2025, 3, 1)


def test_least_squares_finds_the_exact_line_and_the_best_fit():
    assert least_squares([(0, 1.0), (1, 3.0), (2, 5.0)]) == (2.0, 1.0)
    slope, intercept = least_squares([(0, 0.0), (1, 1.0), (2, 1.0), (3, 2.0)])
    assert (slope, intercept) == (pytest.approx(0.6), pytest.approx(0.1))
    assert least_squares([(1, 2.0)]) is None
    assert least_squares([(1, 2.0), (1, 3.0)]) is None


def test_a_falling_series_reaches_a_less_than_target():
    # 9.0, 8.8, …, 6.8 from January 2024 to December 2024: 0.2 down per month; the
    # line gives 6.0 in April 2025 and 5.8 in May 2025, the first below 5.9.
    points = monthly([9.0 - 0.2 * i for i in range(12)])

    projection = project_target(points, comparator="<", target=5.9)

    assert projection.outcome == Outcome.REACHED
    assert projection.month == D(2025, 5, 1)
    assert projection.slope == pytest.approx(-0.2)


def test_a_less_or_equal_target_is_reached_the_month_the_line_touches_it():
    points = monthly([9.0 - 0.2 * i for i in range(12)])

    projection = project_target(points, comparator="<=", target=6.0)

    # 6.0 lies on the line in April 2025 (up to rounding, hence April or May).
    assert projection.outcome == Outcome.REACHED
    assert projection.month in {D(2025, 4, 1), D(2025, 5, 1)}


def test_a_rising_series_reaches_a_greater_or_equal_target():
    # 40, 40.5, …, 45.5 through 2024; the line gives 49.5 in August 2025 and 50 in
    # September 2025.
    points = monthly([40 + 0.5 * i for i in range(12)])

    projection = project_target(points, comparator=">=", target=49.8)

    assert projection == Projection(Outcome.REACHED, D(2025, 9, 1), pytest.approx(0.5))


def test_a_greater_than_target_is_reached_the_first_month_above_it():
    # The line gives 50 in September and 50.5 in October 2025.
    points = monthly([40 + 0.5 * i for i in range(12)])

    projection = project_target(points, comparator=">", target=50.2)

    assert projection.month == D(2025, 10, 1)


@pytest.mark.parametrize(
    ("values", "comparator", "target"),
    [
        ([6 + 0.1 * i for i in range(12)], "<", 6.0),  # sick leave rising
        ([6 + 0.1 * i for i in range(12)], "<=", 5.0),
        ([50 - 0.5 * i for i in range(12)], ">=", 50.5),  # full-time share falling
        ([50 - 0.5 * i for i in range(12)], ">", 60.0),
        ([7.0] * 12, "<", 6.0),  # flat
    ],
)
def test_a_trend_away_from_the_target_or_flat_never_reaches_it(values, comparator, target):
    projection = project_target(monthly(values), comparator=comparator, target=target)

    assert projection.outcome == Outcome.NEVER
    assert projection.month is None


@pytest.mark.parametrize(
    ("latest", "comparator", "target"),
    [(5.9, "<", 6.0), (6.0, "<=", 6.0), (50.0, ">=", 50.0), (50.1, ">", 50.0)],
)
def test_a_target_the_latest_value_meets_is_already_met(latest, comparator, target):
    # Earlier values on the wrong side do not matter: the latest meets it.
    values = [100.0 if comparator in {"<", "<="} else 0.0] * 11 + [latest]

    projection = project_target(monthly(values), comparator=comparator, target=target)

    assert projection == Projection(Outcome.MET)


def test_only_the_last_12_months_count():
    # Two years of rising values, then a year falling 0.2 a month: the old rise is ignored.
    values = [5 + 0.1 * i for i in range(12)] + [9.0 - 0.2 * i for i in range(12)]

    projection = project_target(monthly(values, D(2023, 1, 1)), comparator="<", target=5.9)

    assert projection.month == D(2025, 5, 1)


def test_missing_months_are_left_out_not_treated_as_zero():
    points = [p for i, p in enumerate(monthly([9.0 - 0.2 * i for i in range(12)])) if i != 5]

    projection = project_target(points, comparator="<", target=5.9)

    assert projection.month == D(2025, 5, 1)


def test_too_few_values_give_no_projection():
    assert project_target(monthly([9, 8, 7, 6.5, 6.2]), comparator="<", target=6.0) == Projection(
        Outcome.TOO_FEW
    )
    assert project_target([], comparator="<", target=6.0) == Projection(Outcome.TOO_FEW)


def test_a_target_further_away_than_the_horizon_is_beyond():
    # Falls 0.01 a month: the line reaches 6 in 2049, 24 years on.
    points = monthly([9.0 - 0.01 * i for i in range(12)])

    projection = project_target(points, comparator="<", target=6.0)

    assert projection.outcome == Outcome.BEYOND
    assert projection.month is None


def test_pearson_of_known_data():
    # Anscombe's first quartet: r = 0.81642…
    xs = [10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5]
    ys = [8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68]

    assert pearson(xs, ys) == pytest.approx(0.81642, abs=1e-5)


def test_pearson_of_perfect_positive_and_negative_lines_is_one_and_minus_one():
    xs = [40.0, 50.0, 60.0, 70.0]

    assert pearson(xs, [2 * x + 1 for x in xs]) == 1.0
    assert pearson(xs, [10 - 0.1 * x for x in xs]) == -1.0


def test_pearson_needs_three_points_and_variation():
    assert pearson([], []) is None
    assert pearson([1.0, 2.0], [3.0, 5.0]) is None
    assert pearson([1.0, 1.0, 1.0], [3.0, 5.0, 4.0]) is None
    assert pearson([1.0, 2.0, 3.0], [4.0, 4.0, 4.0]) is None
    with pytest.raises(ValueError):
        pearson([1.0, 2.0, 3.0], [1.0, 2.0])


def test_pearson_is_symmetric_and_not_nan_for_ordinary_data():
    xs, ys = [1.0, 2.0, 3.0, 4.0, 5.0], [2.0, 1.0, 4.0, 3.0, 5.0]

    r = pearson(xs, ys)

    assert r == pytest.approx(0.8)
    assert r == pearson(ys, xs)
    assert not math.isnan(r)


@pytest.mark.parametrize(
    ("r", "strength"),
    [
        (0.0, Strength.NONE),
        (-0.09, Strength.NONE),
        (0.1, Strength.WEAK),
        (-0.29, Strength.WEAK),
        (0.3, Strength.MODERATE),
        (-0.49, Strength.MODERATE),
        (0.5, Strength.STRONG),
        (-1.0, Strength.STRONG),
    ],
)
def test_correlation_strength_bands(r, strength):
    assert correlation_strength(r) == strength
