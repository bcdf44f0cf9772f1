"""What the database already holds for the ids of a batch, loaded in a few queries.

Validation compares the batch with it (unknown references, birth dates, overlapping
spells) and writing compares against it to find created, updated and unchanged rows.
"""

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from django.db import connection

from org.models import OrgUnit

from ..models import AbsenceSpell, Employment


class StoredUnit(NamedTuple):
    pk: int
    code: str
    name: str
    parent_id: int | None
    level: str
    shift_based: bool


class StoredEmployment(NamedTuple):
    pk: int
    employment_id: str
    person_id: str
    birth_date: date
    gender: str
    unit_id: int
    position_pct: float
    start_date: date
    end_date: date | None
    end_reason: str
    employment_type: str
    job_title: str


class StoredAbsence(NamedTuple):
    pk: int
    absence_id: str
    employment: str  # the employment_id (not the pk) the spell belongs to
    start_date: date
    end_date: date
    grade_pct: float
    kind: str


@dataclass
class StoredState:
    units: dict[str, StoredUnit] = field(default_factory=dict)
    unit_codes: dict[int, str] = field(default_factory=dict)
    employments: dict[str, StoredEmployment] = field(default_factory=dict)
    employments_by_person: dict[str, list[StoredEmployment]] = field(default_factory=dict)
    absences: dict[str, StoredAbsence] = field(default_factory=dict)
    absences_by_employment: dict[str, list[StoredAbsence]] = field(default_factory=dict)


def chunked(values: Iterable[str]) -> Iterator[list[str]]:
    """Split ids for ``__in`` queries under the database's parameter limit (SQLite: 999)."""
    size = min(connection.features.max_query_params or 10_000, 10_000) - 10
    values = sorted(set(values))
    for start in range(0, len(values), size):
        yield values[start : start + size]


def load_stored(
    *,
    employment_ids: Iterable[str],
    person_ids: Iterable[str],
    absence_ids: Iterable[str],
    spell_employment_ids: Iterable[str],
) -> StoredState:
    """Load all units, and the employments and spells the batch's ids can touch."""
    state = StoredState()
    # In code order, so that messages (e.g. a cycle's path) are the same every time.
    for unit in OrgUnit.objects.values_list(*StoredUnit._fields).order_by("code"):
        stored_unit = StoredUnit(*unit)
        state.units[stored_unit.code] = stored_unit
        state.unit_codes[stored_unit.pk] = stored_unit.code

    employment_fields = [*StoredEmployment._fields]
    employment_fields[employment_fields.index("unit_id")] = "unit"
    queries = [("employment_id__in", chunk) for chunk in chunked(employment_ids)]
    queries += [("person_id__in", chunk) for chunk in chunked(person_ids)]
    for lookup, chunk in queries:
        rows = Employment.objects.filter(**{lookup: chunk}).order_by()
        for row in rows.values_list(*employment_fields):
            employment = StoredEmployment(*row)
            state.employments[employment.employment_id] = employment
    by_person = defaultdict(list)
    for employment in state.employments.values():
        by_person[employment.person_id].append(employment)
    state.employments_by_person = dict(by_person)

    absence_fields = [*StoredAbsence._fields]
    absence_fields[absence_fields.index("employment")] = "employment__employment_id"
    queries = [("absence_id__in", chunk) for chunk in chunked(absence_ids)]
    queries += [("employment__employment_id__in", chunk) for chunk in chunked(spell_employment_ids)]
    for lookup, chunk in queries:
        spells = AbsenceSpell.objects.filter(**{lookup: chunk}).order_by()
        for row in spells.values_list(*absence_fields):
            absence = StoredAbsence(*row)
            state.absences[absence.absence_id] = absence
    by_employment = defaultdict(list)
    for absence in state.absences.values():
        by_employment[absence.employment].append(absence)
    state.absences_by_employment = dict(by_employment)
    return state
