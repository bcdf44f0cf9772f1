"""The indicator registry: the engine's families and indicators.json say the same."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from measures import engine
from measures.definitions import computed_slugs, count_slugs, dashboard_slugs, family_slugs
from measures.engine import core
from measures.models import Indicator
from measures.services import indicator_definitions_seeded, indicators_ensure


def test_every_computed_indicator_is_computed_by_the_family_it_names():
    assert engine.registry_problems() == []
    registered = {slug for family in engine.FAMILIES.values() for slug in family.slugs}
    assert registered == set(computed_slugs())
    for name, slugs in family_slugs().items():
        assert set(slugs) <= set(engine.FAMILIES[name].slugs)


def test_a_definition_without_a_family_or_a_family_without_a_definition_is_found(monkeypatch):
    defined = {**family_slugs(), "composition": ("women_share",)}
    monkeypatch.setattr(core, "family_slugs", lambda: defined)
    monkeypatch.setitem(
        core.FAMILIES,
        "stray",
        core.Family(name="stray", slugs=("stray_pct",), compute=lambda context: {}),
    )

    assert engine.registry_problems() == [
        "no engine family 'composition' (indicators women_share)",
        "family 'stray' computes stray_pct, not defined for it",
    ]
    with pytest.raises(ImproperlyConfigured):
        engine.compute([])


def test_counts_dashboard_and_suppression_come_from_the_definitions(db):
    assert count_slugs() == {"headcount", "fte", "new_hires"}
    assert dashboard_slugs() == (
        "sick_leave_pct",
        "sick_leave_long_pct",
        "headcount",
        "full_time_share",
        "full_time_share_shift",
        "avg_position_pct",
        "turnover_pct",
    )
    indicators = indicators_ensure()
    for slug in computed_slugs():
        assert indicators[slug].suppressible == (slug not in count_slugs()), slug
    reported = [s for s in indicator_definitions_seeded() if s["kind"] == Indicator.Kind.REPORTED]
    assert reported and not any(spec["suppressible"] for spec in reported)
