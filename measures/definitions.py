"""The shipped indicator definitions, ``measures/data/indicators.json``.

Each computed indicator names its engine ``family`` (the function in
``measures.engine`` that computes it and registers its slug), whether it is a
``count`` (spec: Privacy — never suppressed, stored for every unit and period, 0
included) and whether the ``dashboard`` shows it. The engine, the loader, the pages,
the tests and the benchmark read these lists instead of keeping their own.
"""

import functools
import json
from pathlib import Path
from typing import Any

INDICATORS_FILE = Path(__file__).resolve().parent / "data" / "indicators.json"


@functools.cache
def _shipped() -> dict[str, Any]:
    with INDICATORS_FILE.open(encoding="utf-8") as handle:
        return json.load(handle)


def shipped_indicators() -> dict[str, Any]:
    """The whole file: the computed indicators and the seeded reported ones (a copy)."""
    return json.loads(json.dumps(_shipped()))


def computed_definitions() -> list[dict[str, Any]]:
    """The computed indicators of the spec, in their order."""
    return shipped_indicators()["indicators"]


def computed_slugs() -> list[str]:
    return [spec["slug"] for spec in _shipped()["indicators"]]


def count_slugs() -> frozenset[str]:
    """The counts: never suppressed, stored for every unit and period (0 included)."""
    return frozenset(spec["slug"] for spec in _shipped()["indicators"] if spec["count"])


def dashboard_slugs() -> tuple[str, ...]:
    """The key indicators of the dashboard and the council's tertial report."""
    return tuple(spec["slug"] for spec in _shipped()["indicators"] if spec["dashboard"])


def family_slugs() -> dict[str, tuple[str, ...]]:
    """Each engine family with the slugs the definitions give it."""
    families: dict[str, list[str]] = {}
    for spec in _shipped()["indicators"]:
        families.setdefault(spec["family"], []).append(spec["slug"])
    return {name: tuple(slugs) for name, slugs in families.items()}


def protection_patterns() -> list[dict[str, Any]]:
    """The protection patterns, each with the slugs withheld together (in the spec's order)."""
    shipped = _shipped()
    return [
        {
            **pattern,
            "slugs": tuple(
                spec["slug"]
                for spec in shipped["indicators"]
                if spec.get("pattern") == pattern["name"]
            ),
        }
        for pattern in shipped["protection_patterns"]
    ]
