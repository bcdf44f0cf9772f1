"""No group of 1–4 persons is revealed by subtracting published figures (personvern).

A hostile municipality (tiny units, own staff of 1 person, a month of 4 persons inside a
tertial of 5, one-person exits) and random ones are published as HR sees them, then
attacked (``attacker``). With the complementary rule switched off the same attacker
finds the leaks the issue describes: the self-test shows the attacker has teeth.
"""

import datetime as dt
import random

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from measures.engine import protection, recompute_range
from measures.models import IndicatorValue

from .attacker import Truth, attack, published_records
from .oracle import Emp, Spell, Unit
from .test_engine_oracle import store

D = dt.date
TODAY = D(2025, 2, 1)


def hostile() -> tuple[list[Unit], list[Emp], list[Spell]]:
    units = [
        Unit("K", None, False),
        Unit("A", "K", False),
        Unit("A1", "A", False),
        Unit("A2", "A", False),
        Unit("A3", "A", False),
        Unit("B", "K", True),
        Unit("B1", "B", True),
        Unit("B2", "B", True),
        Unit("C", "K", False),
        Unit("C1", "C", False),
        Unit("C2", "C", False),
        Unit("C3", "C", False),
        Unit("R", "K", False),
    ]
    sizes = {
        **{"A": 1, "A1": 8, "A2": 6, "A3": 3, "B1": 5, "B2": 7},
        **{"C1": 2, "C2": 7, "C3": 6, "R": 14},
    }
    # R: 5 retirements in the first tertial, 1 in the second, 5 in the third.
    retiring = [D(2024, 2, 10 + i) for i in range(5)] + [D(2024, 6, 10)]
    retiring += [D(2024, 10, 10 + i) for i in range(5)]
    rng = random.Random(13)
    emps, spells = [], []
    for unit, size in sizes.items():
        for i in range(size):
            eid = f"{unit}-{i}"
            end, reason, birth = None, "", D(1975, 6, 1)
            if unit == "B1" and i == 0:
                # B1: April has 4 persons, the first tertial 5; a one-person retirement.
                end, reason, birth = D(2024, 3, 31), "alderspensjon", D(1958, 2, 1)
            if unit == "R" and i < len(retiring):
                end, reason, birth = retiring[i], "alderspensjon", D(1958, 1, 1 + i)
            if unit == "C2" and i < 4:
                # Four retirements in C2's second tertial.
                end, reason, birth = D(2024, 5 + i, 15), "afp", D(1960, 1, 1 + i)
            pct = rng.choice([40, 60, 80, 100, 100])
            emps.append(Emp(eid, f"P-{eid}", birth, unit, pct, D(2020, 1, 1), end, reason))
            for _ in range(rng.randint(0, 3)):
                start = D(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 350))
                length = rng.choice([1, 3, 10, 20, 45])
                spells.append(
                    Spell(
                        eid,
                        start,
                        start + dt.timedelta(days=length - 1),
                        rng.choice([50, 100]),
                        rng.choice(["egenmeldt", "legemeldt"]),
                    )
                )
    # Spells of one employment never overlap (the import's rule): keep the first.
    kept, last_end = [], {}
    for spell in sorted(spells, key=lambda s: (s.employment_id, s.start)):
        if spell.employment_id in last_end and spell.start <= last_end[spell.employment_id]:
            continue
        kept.append(spell)
        last_end[spell.employment_id] = spell.end
    return units, emps, kept


def leaks_of(units, emps, spells) -> list:
    with transaction.atomic():
        store(units, emps, spells)
        recompute_range(start="2024-01", end="2024-12", today=TODAY)
        records = published_records()
        transaction.set_rollback(True)
    return attack(records, Truth(units, emps, spells), units)


@pytest.fixture
def threshold_five(settings):
    settings.SUPPRESSION_MIN_PERSONS = 5


@pytest.fixture
def primary_rule_only(monkeypatch):
    """The complementary rule switched off: only cells of 1–4 persons are withheld."""

    def primary(table):
        return {c for c in range(len(table.keys)) if table.small(c) and table.published[c]}

    monkeypatch.setattr(protection, "_protect_table", primary)


@pytest.mark.django_db(transaction=True)
def test_the_attacker_learns_nothing_about_a_small_group(threshold_five):
    units, emps, spells = hostile()

    leaks = leaks_of(units, emps, spells)

    assert not leaks, "\n".join(map(str, leaks[:20]))


@pytest.mark.django_db(transaction=True)
def test_without_the_complementary_rule_the_attacker_finds_the_small_groups(
    threshold_five, primary_rule_only
):
    units, emps, spells = hostile()

    leaks = leaks_of(units, emps, spells)

    found = {(cell[0], cell[1], cell[3]) for leak in leaks for cell in leak.cells}
    # Parent minus children: A's own staff of one person.
    assert ("sick_leave_pct", "A", True) in found
    # The one suppressed child: C minus C2 and C3 is C1 (2 persons).
    assert ("sick_leave_pct", "C1", False) in found
    # R's one retirement of the second tertial: the year minus the other tertials.
    assert ("retirement_age_avg", "R", False) in found
    assert any(c[0] == "full_time_share" for leak in leaks for c in leak.cells)


@pytest.mark.django_db(transaction=True)
def test_a_stored_withheld_value_keeps_only_its_group_size(threshold_five):
    units, emps, spells = hostile()
    store(units, emps, spells)
    recompute_range(start="2024-01", end="2024-12", today=TODAY)

    withheld = IndicatorValue.objects.filter(suppressed=True)
    assert withheld.filter(complementary=True).exists()
    assert not withheld.exclude(value=None).exists()
    assert not withheld.exclude(numerator=None).exists()
    # The five sick-leave figures are withheld together (total = short + long = …).
    by_cell: dict = {}
    for unit_id, period, _slug, suppressed in IndicatorValue.objects.filter(
        indicator__slug__startswith="sick_leave"
    ).values_list("unit_id", "period", "indicator__slug", "suppressed"):
        by_cell.setdefault((unit_id, period), set()).add(suppressed)
    assert all(len(states) == 1 for states in by_cell.values())


@st.composite
def municipalities(draw):
    units = [Unit("K", None, draw(st.booleans()))]
    for i in range(draw(st.integers(1, 6))):
        parent = draw(st.sampled_from(units)).code
        units.append(Unit(f"U{i}", parent, draw(st.booleans())))
    emps, spells = [], []
    for unit in units:
        for p in range(draw(st.integers(0, 7))):
            eid = f"{unit.code}-{p}"
            start = draw(st.sampled_from([D(2020, 1, 1), D(2024, 3, 1), D(2024, 7, 15)]))
            ends = draw(st.booleans()) and draw(st.booleans())
            end = draw(st.dates(max(start, D(2024, 1, 1)), D(2024, 12, 30))) if ends else None
            emps.append(
                Emp(
                    eid,
                    f"P-{eid}",
                    draw(st.sampled_from([D(1958, 3, 1), D(1980, 1, 1)])),
                    unit.code,
                    draw(st.sampled_from([50, 80, 100])),
                    start,
                    end,
                    draw(st.sampled_from(["alderspensjon", "afp", "oppsigelse"])) if end else "",
                )
            )
            if draw(st.booleans()):
                start = draw(st.dates(D(2024, 1, 1), D(2024, 12, 1)))
                spells.append(
                    Spell(
                        eid,
                        start,
                        start + dt.timedelta(days=draw(st.sampled_from([2, 12, 30]))),
                        100,
                        draw(st.sampled_from(["egenmeldt", "legemeldt"])),
                    )
                )
    # A person with two employments in different units.
    if len(emps) > 2:
        first = emps[0]
        emps.append(
            Emp(
                "X-1",
                first.person_id,
                first.birth_date,
                draw(st.sampled_from([u.code for u in units])),
                20,
                D(2021, 1, 1),
                None,
            )
        )
    return units, emps, spells


@pytest.mark.django_db
@settings(
    max_examples=30,
    derandomize=True,  # reproducible in CI; see the closing note on turnover
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=municipalities())
def test_random_municipalities_reveal_no_small_group(data, threshold_five):
    units, emps, spells = data

    leaks = leaks_of(units, emps, spells)

    assert not leaks, "\n".join(map(str, leaks[:20]))


@pytest.mark.django_db(transaction=True)
def test_a_person_joining_the_parents_own_staff_mid_tertial_stays_hidden(threshold_five):
    # Found by hypothesis: P-K-0 works in U0 until K's own staff gets her in March.
    # K's own staff has nobody at the tertial's start, but turnover counts exits of
    # everyone, so K minus U0 over the tertial is about her alone.
    units = [Unit("K", None, False), Unit("U0", "K", False)]
    born = D(1958, 3, 1)
    emps = [Emp("K-0", "P-K-0", born, "K", 50, D(2024, 3, 1), None)]
    emps += [Emp(f"U0-{i}", f"P-U0-{i}", born, "U0", 50, D(2020, 1, 1), None) for i in range(5)]
    emps += [Emp("X-1", "P-K-0", born, "U0", 20, D(2021, 1, 1), None)]

    leaks = leaks_of(units, emps, [])

    assert not leaks, "\n".join(map(str, leaks[:20]))
