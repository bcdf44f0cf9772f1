"""The engine's core: figures, the registry of indicator families, and ``compute``.

A family is one function that computes some indicators from the HR data in the
database (one or two set-based SQL statements) and registers the slugs it computes::

    @family("sick_leave", slugs=("sick_leave_pct", ...))
    def sick_leave(context: Context) -> Figures: ...

``measures/data/indicators.json`` names each computed indicator's family
(``measures.definitions``); ``compute`` runs every family and checks that the two
agree, and stores the counts for every unit and period (0 included).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from org.models import OrgUnit
from strategi.db import Dialect, dialect_for

from .. import periods as P
from ..definitions import count_slugs, family_slugs
from .protection import withhold

# Key: (unit_id, period label).
Key = tuple[int, str]
# Key → aggregate columns.
Aggregates = dict[Key, dict[str, Any]]
T = TypeVar("T")


@dataclass(frozen=True)
class Figure:
    """One computed value before storage."""

    value: float | None
    numerator: float | None = None
    denominator: float | None = None
    n_persons: int | None = None
    # Withheld for privacy: "primary" (fewer than the threshold of persons) or
    # "complementary" (so that no subtraction reveals a small group); None: published.
    withheld: str | None = None


# Slug → key → figure.
Figures = dict[str, dict[Key, Figure]]


def ratio(
    numerator: float, denominator: float, persons: int, scale: float = 100.0
) -> Figure | None:
    """``scale × numerator / denominator``; None (no value) when the denominator is 0."""
    if not denominator:
        return None
    return Figure(scale * numerator / denominator, numerator, denominator, persons)


@dataclass
class Context:
    """What the families of one computation share: the dialect, periods and units.

    ``shared`` computes a result once for all families that need it (the stock of
    persons at the period ends is read by the positions and the exits).
    """

    dialect: Dialect
    periods: list[P.Period]
    unit_ids: list[int]
    # Protection pattern → the persons of each unit's own staff (not its subtree), for
    # patterns whose persons do not add up over the tree (``protection``).
    own_persons: dict[str, dict[Key, int]] = field(default_factory=dict)
    _shared: dict[str, Any] = field(default_factory=dict)

    def shared(self, key: str, compute: Callable[[], T]) -> T:
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]

    @property
    def reference_dates(self) -> list[dt.date]:
        """Every period's last day and the day before it starts."""
        return sorted({p.end for p in self.periods} | {p.day_before for p in self.periods})


@dataclass(frozen=True)
class Family:
    name: str
    slugs: tuple[str, ...]
    compute: Callable[[Context], Figures]


FAMILIES: dict[str, Family] = {}


def family(name: str, *, slugs: Sequence[str]) -> Callable[[Callable[[Context], Figures]], Any]:
    """Register a family function and the slugs it computes."""

    def register(function: Callable[[Context], Figures]) -> Callable[[Context], Figures]:
        FAMILIES[name] = Family(name=name, slugs=tuple(slugs), compute=function)
        return function

    return register


def registry_problems() -> list[str]:
    """Where the families and the definitions disagree (empty when they agree)."""
    problems = []
    defined = family_slugs()
    for name, slugs in defined.items():
        registered = FAMILIES.get(name)
        if registered is None:
            problems.append(f"no engine family {name!r} (indicators {', '.join(slugs)})")
            continue
        if missing := sorted(set(slugs) - set(registered.slugs)):
            problems.append(f"family {name!r} does not compute {', '.join(missing)}")
    for name, registered in FAMILIES.items():
        if extra := sorted(set(registered.slugs) - set(defined.get(name, ()))):
            problems.append(f"family {name!r} computes {', '.join(extra)}, not defined for it")
    return problems


def compute(periods: Sequence[P.Period]) -> Figures:
    """Every computed indicator for every unit and the given periods (nothing stored)."""
    if problems := registry_problems():
        raise ImproperlyConfigured("; ".join(problems))
    parents = dict(OrgUnit.objects.values_list("id", "parent_id"))
    context = Context(
        dialect=dialect_for(connection),
        periods=list(periods),
        unit_ids=list(parents),
    )
    figures: Figures = defaultdict(dict)
    # In the order of the definitions (the spec's), so that values are stored in it too.
    for registered in (FAMILIES[name] for name in family_slugs()):
        for slug, values in registered.compute(context).items():
            if slug not in registered.slugs:
                raise ImproperlyConfigured(f"family {registered.name!r} returned {slug!r}")
            figures[slug].update(values)
    # Spec: Privacy. The counts are stored for every unit and period, 0 included.
    for slug in count_slugs():
        values = figures[slug]
        for period in context.periods:
            for unit_id in context.unit_ids:
                values.setdefault((unit_id, period.label), Figure(0.0))
    # Spec: Privacy, and the complementary rule (``protection``).
    withheld = withhold(
        figures,
        context.periods,
        parents,
        context.own_persons,
        settings.SUPPRESSION_MIN_PERSONS,
        [slug for slug in figures if slug not in count_slugs()],
    )
    for slug, cells in withheld.items():
        values = figures[slug]
        for key, how in cells.items():
            values[key] = replace(values[key], withheld=how)
    return figures


# --- SQL helpers -----------------------------------------------------------------------


def fetch(sql: str, params: Sequence[Any]) -> list[tuple]:
    """Run ``sql`` and return its rows."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def values_cte(name: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> tuple:
    """A ``name(columns) AS (VALUES …)`` common table expression with parameters."""
    placeholders = ", ".join("(" + ", ".join(["%s"] * len(columns)) + ")" for _ in rows)
    params = [value for row in rows for value in row]
    return f"{name} ({', '.join(columns)}) AS (VALUES {placeholders})", params


def periods_cte(periods: Sequence[P.Period]) -> tuple[str, list[Any]]:
    """``periods(label, start_date, end_date)`` of the given periods."""
    return values_cte(
        "periods",
        ["label", "start_date", "end_date"],
        [(p.label, p.start, p.end) for p in periods],
    )


def months_of(periods: Sequence[P.Period]) -> list[P.Period]:
    """Every month from the first period's start to the last period's end."""
    return list(P.months_between(min(p.start for p in periods), max(p.end for p in periods)))
