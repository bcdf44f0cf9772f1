"""spec/example: every expected value of the worked example, to 10 significant digits."""

import csv
import datetime as dt
from pathlib import Path

import pytest

from measures.definitions import count_slugs
from measures.engine import recompute_range
from measures.models import IndicatorValue

from .builders import load_csv_folder

EXAMPLE = Path(__file__).resolve().parent.parent / "data" / "spec_example"
PERIODS = {"2024-02", "2024-03", "2024-04", "2024-T1", "2024"}

pytestmark = pytest.mark.django_db


def expected_rows() -> dict[tuple[str, str, str], tuple[str, str]]:
    with (EXAMPLE / "expected.csv").open(encoding="utf-8") as handle:
        return {
            (row["indicator"], row["unit"], row["period"]): (row["value"], row["n_persons"])
            for row in csv.DictReader(handle)
        }


def significant(value: float) -> str:
    """Format as the example does: 10 significant digits, no trailing zeros."""
    return f"{value:.10g}"


@pytest.fixture
def example(settings):
    settings.SUPPRESSION_MIN_PERSONS = 1  # as the example's README says
    load_csv_folder(EXAMPLE)
    recompute_range(start="2024-01", end="2024-12", today=dt.date(2025, 6, 1))


def stored_rows() -> dict[tuple[str, str, str], tuple[str, str]]:
    rows = IndicatorValue.objects.filter(period__in=PERIODS).select_related("indicator", "unit")
    return {
        (v.indicator.slug, v.unit.code, v.period): (
            significant(v.value),
            "" if v.indicator.slug in count_slugs() else str(v.n_persons),
        )
        for v in rows
    }


def test_every_expected_value_matches(example):
    expected, stored = expected_rows(), stored_rows()

    mismatches = {
        key: (expected[key], stored.get(key))
        for key in expected
        if stored.get(key) != expected[key]
    }
    assert mismatches == {}


def test_no_value_is_stored_that_the_example_does_not_expect(example):
    extra = set(stored_rows()) - set(expected_rows())

    assert extra == set()


def test_hand_checked_sick_leave_of_the_readme(example):
    feb = IndicatorValue.objects.get(
        indicator__slug="sick_leave_pct", unit__code="K", period="2024-02"
    )
    mar = IndicatorValue.objects.get(
        indicator__slug="sick_leave_pct", unit__code="K", period="2024-03"
    )

    assert (feb.numerator, feb.denominator) == pytest.approx((4.6, 107.1))
    assert feb.value == pytest.approx(4.6 / 107.1 * 100)
    assert round(mar.value, 3) == 14.006
