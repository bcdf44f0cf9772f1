"""Targets and status (spec: Targets and status): nearest ancestor, comparators, margin."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from measures.models import Target
from measures.services import indicators_ensure, target_save, targets_seed_strategy
from measures.status import Status, TargetResolver, evaluate

from .builders import build_units

pytestmark = pytest.mark.django_db
D = dt.date


def target(comparator: str, value: float, margin: float = 0.0) -> Target:
    return Target(comparator=comparator, value=value, margin=margin)


@pytest.mark.parametrize(
    ("comparator", "value", "expected"),
    [
        ("<", 5.99, Status.MET),
        ("<", 6.0, Status.NEAR),  # not below 6, but within the margin
        ("<", 6.5, Status.NEAR),
        ("<", 6.51, Status.MISSED),
        ("<=", 6.0, Status.MET),
        ("<=", 6.5, Status.NEAR),
        ("<=", 6.6, Status.MISSED),
        (">=", 6.0, Status.MET),
        (">=", 5.5, Status.NEAR),
        (">=", 5.4, Status.MISSED),
        (">", 6.0, Status.NEAR),
        (">", 6.01, Status.MET),
        (">", 5.4, Status.MISSED),
    ],
)
def test_each_comparator_with_a_margin(comparator, value, expected):
    assert evaluate(value, suppressed=False, target=target(comparator, 6.0, 0.5)) == expected


def test_without_margin_a_miss_is_a_miss():
    assert evaluate(50.0, suppressed=False, target=target(">", 50.0)) == Status.MISSED
    assert evaluate(50.0, suppressed=False, target=target(">=", 50.0)) == Status.MET


def test_no_target_no_value_or_a_suppressed_value_has_no_status():
    assert evaluate(5.0, suppressed=False, target=None) == Status.NONE
    assert evaluate(None, suppressed=False, target=target("<", 6)) == Status.NONE
    assert evaluate(None, suppressed=True, target=target("<", 6)) == Status.NONE


@pytest.fixture
def tree():
    return build_units(
        [
            {"code": "K", "level": "kommune"},
            {"code": "HV", "parent_code": "K", "level": "tjenesteomrade"},
            {"code": "SH", "parent_code": "HV"},
            {"code": "SK", "parent_code": "K"},
        ]
    )


@pytest.fixture
def sick_leave():
    return indicators_ensure()["sick_leave_pct"]


def test_the_nearest_ancestor_target_applies(tree, sick_leave):
    root = target_save(indicator=sick_leave, unit=tree["K"], comparator="<", value=6)
    area = target_save(indicator=sick_leave, unit=tree["HV"], comparator="<", value=8)
    resolver = TargetResolver()

    def resolve(code):
        return resolver.resolve(
            indicator_id=sick_leave.pk, unit_id=tree[code].pk, on=D(2024, 3, 31)
        )

    assert resolve("SH") == area
    assert resolve("HV") == area
    assert resolve("SK") == root
    assert resolve("K") == root


def test_validity_intervals_choose_the_target_of_the_period(tree, sick_leave):
    old = target_save(
        indicator=sick_leave, unit=tree["K"], comparator="<", value=7, valid_to=D(2023, 12, 31)
    )
    new = target_save(
        indicator=sick_leave, unit=tree["K"], comparator="<", value=6, valid_from=D(2024, 1, 1)
    )
    area = target_save(
        indicator=sick_leave,
        unit=tree["HV"],
        comparator="<",
        value=8,
        valid_from=D(2024, 5, 1),
        valid_to=D(2024, 12, 31),
    )
    resolver = TargetResolver()

    def resolve(code, on):
        return resolver.resolve(indicator_id=sick_leave.pk, unit_id=tree[code].pk, on=on)

    assert resolve("SH", D(2023, 12, 31)) == old
    assert resolve("SH", D(2024, 4, 30)) == new  # the area's target is not valid yet
    assert resolve("SH", D(2024, 8, 31)) == area
    assert resolve("SH", D(2025, 1, 31)) == new


def test_a_target_for_another_indicator_does_not_apply(tree, sick_leave):
    indicators = indicators_ensure()
    target_save(
        indicator=indicators["full_time_share_shift"], unit=tree["K"], comparator=">=", value=50
    )

    resolved = TargetResolver().resolve(
        indicator_id=sick_leave.pk, unit_id=tree["SH"].pk, on=D(2024, 1, 31)
    )

    assert resolved is None


def test_overlapping_targets_for_one_unit_are_refused(tree, sick_leave):
    target_save(
        indicator=sick_leave, unit=tree["K"], comparator="<", value=6, valid_from=D(2024, 1, 1)
    )

    with pytest.raises(ValidationError, match="har allerede et mål"):
        target_save(
            indicator=sick_leave, unit=tree["K"], comparator="<", value=5, valid_to=D(2024, 6, 30)
        )
    assert Target.objects.count() == 1


def test_editing_a_target_keeps_its_history(tree, sick_leave):
    saved = target_save(indicator=sick_leave, unit=tree["K"], comparator="<", value=6)

    target_save(indicator=sick_leave, unit=tree["K"], comparator="<", value=5.5, target=saved)

    assert Target.objects.get().value == 5.5
    assert list(saved.history.order_by("history_date").values_list("value", flat=True)) == [6, 5.5]


def test_the_strategy_targets_are_seeded_at_the_root_once(tree):
    assert targets_seed_strategy() == 2
    assert targets_seed_strategy() == 0

    seeded = {(t.indicator.slug, t.unit.code, t.comparator, t.value) for t in Target.objects.all()}
    assert seeded == {("full_time_share_shift", "K", ">=", 50), ("sick_leave_pct", "K", "<", 6)}
