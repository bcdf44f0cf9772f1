"""Writing a validated batch: upsert by id in bulk, never delete (spec/hr-import.md).

Runs inside the import's transaction. A row identical to the stored record is counted
as unchanged and not written, so importing the same batch twice writes nothing.
Every created or changed unit, employment and absence spell gets a history version
with the import's user and reason; employments' and spells' versions also name the
import job. Those are written set-based (``INSERT … SELECT`` of the rows just written),
as the import's other writes are.
"""

import sqlite3
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Field, Min, Model
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from org.models import OrgUnit
from org.services import orgunit_tree_rebuild

from ..models import AbsenceSpell, Employment, ImportJob
from .stored import StoredState
from .validation import AbsenceRecord, Batch, EmploymentRecord, UnitRecord, ValidUnit

BATCH_SIZE = 1000
UNIT_FIELDS = ["name", "parent", "level", "shift_based"]
EMPLOYMENT_FIELDS = [
    "person_id",
    "birth_date",
    "gender",
    "unit",
    "position_pct",
    "start_date",
    "end_date",
    "end_reason",
    "employment_type",
    "job_title",
]
ABSENCE_FIELDS = ["employment", "start_date", "end_date", "grade_pct", "kind"]


@dataclass
class WriteOutcome:
    # Per file name: {"created": n, "updated": n, "unchanged": n}
    counts: dict[str, dict[str, int]]
    first_month_touched: date | None


class _Counter:
    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = defaultdict(
            lambda: {"created": 0, "updated": 0, "unchanged": 0}
        )

    def add(self, record: UnitRecord | EmploymentRecord | AbsenceRecord, outcome: str) -> None:
        self.counts[record.table.name][outcome] += 1


@dataclass(frozen=True)
class _Version:
    """The history of one import's writes: when, by whom, why, which job."""

    user: User | None
    change_reason: str
    job: ImportJob | None
    date: datetime

    def write(self, model: type[Model], pks: Sequence[int], history_type: str) -> None:
        """One history version of each of ``model``'s rows ``pks``, as they are now."""
        if pks:
            _history_insert(model, pks, history_type, self)


def write_batch(
    *,
    batch: Batch,
    stored: StoredState,
    user: User | None,
    change_reason: str,
    job: ImportJob | None = None,
) -> WriteOutcome:
    """Write the valid records of a batch; returns the counts and the first month touched."""
    counter = _Counter()
    touched: list[date] = []
    version = _Version(user=user, change_reason=change_reason, job=job, date=timezone.now())
    unit_pk, structure_changed = _write_units(
        batch, stored, counter, user=user, change_reason=change_reason
    )
    employment_pk = _write_employments(batch, stored, counter, unit_pk, touched, version)
    _write_absences(batch, stored, counter, employment_pk, touched, version)
    if structure_changed:
        # A new, moved or re-flagged unit changes its ancestors' figures for as long
        # as anyone has been employed.
        earliest = Employment.objects.aggregate(first=Min("start_date"))["first"]
        if earliest:
            touched.append(earliest)
    first = min(touched).replace(day=1) if touched else None
    if first is not None:
        # Indicators exist only from the first month with absence data (the engine's
        # default range), so an employment from 1990 does not reach back to 1990.
        data_start = AbsenceSpell.objects.aggregate(first=Min("start_date"))["first"]
        first = max(first, data_start.replace(day=1)) if data_start else None
    return WriteOutcome(counts=dict(counter.counts), first_month_touched=first)


def _write_units(
    batch: Batch,
    stored: StoredState,
    counter: _Counter,
    *,
    user: User | None,
    change_reason: str,
) -> tuple[dict[str, int], bool]:
    """Upsert units parents-first (level by level of the new tree); returns code → pk."""
    unit_pk = {code: unit.pk for code, unit in stored.units.items()}
    records = [(record, record.valid()) for record in batch.units if record.ok]
    if not records:
        return unit_pk, False
    parent_of = {
        code: stored.unit_codes.get(u.parent_id or 0, "") for code, u in stored.units.items()
    }
    parent_of.update({row.code: row.parent_code for _record, row in records})
    by_depth: dict[int, list[tuple[UnitRecord, ValidUnit]]] = defaultdict(list)
    for record, row in records:
        by_depth[_depth(row.code, parent_of)].append((record, row))

    changed = structure_changed = False
    for depth in sorted(by_depth):
        to_create, to_update = [], []
        for record, row in by_depth[depth]:
            parent_id = unit_pk[row.parent_code] if row.parent_code else None
            unit = OrgUnit(
                code=row.code,
                name=row.name,
                parent_id=parent_id,
                level=row.level,
                shift_based=row.shift_based,
            )
            old = stored.units.get(row.code)
            if old is None:
                to_create.append(unit)
                counter.add(record, "created")
                structure_changed = True
            elif (old.name, old.parent_id, old.level, old.shift_based) != (
                unit.name,
                parent_id,
                unit.level,
                unit.shift_based,
            ):
                unit.pk = old.pk
                to_update.append(unit)
                counter.add(record, "updated")
                if (old.parent_id, old.shift_based) != (parent_id, unit.shift_based):
                    structure_changed = True
            else:
                counter.add(record, "unchanged")
        if to_create:
            created = bulk_create_with_history(
                to_create,
                OrgUnit,
                batch_size=BATCH_SIZE,
                default_user=user,
                default_change_reason=change_reason,
            )
            unit_pk.update({unit.code: unit.pk for unit in created})
        if to_update:
            bulk_update_with_history(
                to_update,
                OrgUnit,
                UNIT_FIELDS,
                batch_size=BATCH_SIZE,
                default_user=user,
                default_change_reason=change_reason,
            )
        changed = changed or bool(to_create or to_update)
    if changed:
        orgunit_tree_rebuild()
    return unit_pk, structure_changed


def _depth(code: str, parent_of: dict[str, str]) -> int:
    depth = 0
    # Validation has ruled out cycles; the bound only guards against a broken tree.
    while (code := parent_of.get(code, "")) and depth < len(parent_of):
        depth += 1
    return depth


def _write_employments(
    batch: Batch,
    stored: StoredState,
    counter: _Counter,
    unit_pk: dict[str, int],
    touched: list[date],
    version: _Version,
) -> dict[str, int]:
    """Upsert employments; returns employment_id → pk (stored and created)."""
    employment_pk = {key: employment.pk for key, employment in stored.employments.items()}
    to_create, to_update = [], []
    for record in batch.employments:
        if not record.ok:
            continue
        row = record.valid()
        # In the order of StoredEmployment's fields after pk and employment_id.
        values = (
            row.person_id,
            row.birth_date,
            row.gender,
            unit_pk[row.unit_code],
            row.position_pct,
            row.start_date,
            row.end_date,
            row.end_reason,
            row.employment_type,
            row.job_title,
        )
        old = stored.employments.get(row.employment_id)
        if old is not None and old[2:] == values:
            counter.add(record, "unchanged")
            continue
        employment = Employment(
            employment_id=row.employment_id,
            person_id=row.person_id,
            birth_date=row.birth_date,
            gender=row.gender,
            unit_id=unit_pk[row.unit_code],
            position_pct=row.position_pct,
            start_date=row.start_date,
            end_date=row.end_date,
            end_reason=row.end_reason,
            employment_type=row.employment_type,
            job_title=row.job_title,
        )
        if old is None:
            touched.append(row.start_date)
            to_create.append(employment)
            counter.add(record, "created")
        else:
            employment.pk = old.pk
            to_update.append(employment)
            counter.add(record, "updated")
            touched.append(_employment_change_start(old[2:], values))
    Employment.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    _bulk_update(Employment, to_update, EMPLOYMENT_FIELDS)
    version.write(Employment, [e.pk for e in to_create], "+")
    version.write(Employment, [e.pk for e in to_update], "~")
    employment_pk.update({employment.employment_id: employment.pk for employment in to_create})
    return employment_pk


# Positions in the employment values tuple (see ``_write_employments``).
_START, _END, _END_REASON = 5, 6, 7


def _employment_change_start(old: tuple, new: tuple) -> date:
    """The first day whose figures a change of an employment can alter.

    The monthly export mostly closes employments: when only the end date (and end
    reason) changed, days before the earlier of the two end dates keep their figures,
    so the recompute need not reach back to the employment's start. Any other change
    counts from the earlier start date.
    """
    others_same = all(old[i] == new[i] for i in range(len(new)) if i not in {_END, _END_REASON})
    if others_same:
        ends = [end for end in (old[_END], new[_END]) if end is not None]
        if ends:
            return min(ends)
    return min(old[_START], new[_START])


def _write_absences(
    batch: Batch,
    stored: StoredState,
    counter: _Counter,
    employment_pk: dict[str, int],
    touched: list[date],
    version: _Version,
) -> None:
    to_create, to_update = [], []
    for record in batch.absences:
        if not record.ok:
            continue
        row = record.valid()
        old = stored.absences.get(row.absence_id)
        # In the order of StoredAbsence's fields after pk and absence_id.
        values = (
            row.employment_id,
            row.start_date,
            row.end_date,
            row.grade_pct,
            row.kind,
        )
        if old is not None and old[2:] == values:
            counter.add(record, "unchanged")
            continue
        spell = AbsenceSpell(
            absence_id=row.absence_id,
            employment_id=employment_pk[row.employment_id],
            start_date=row.start_date,
            end_date=row.end_date,
            grade_pct=row.grade_pct,
            kind=row.kind,
        )
        touched.append(row.start_date)
        if old is None:
            to_create.append(spell)
            counter.add(record, "created")
        else:
            spell.pk = old.pk
            to_update.append(spell)
            counter.add(record, "updated")
            touched.append(old.start_date)
    AbsenceSpell.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    _bulk_update(AbsenceSpell, to_update, ABSENCE_FIELDS)
    version.write(AbsenceSpell, [s.pk for s in to_create], "+")
    version.write(AbsenceSpell, [s.pk for s in to_update], "~")


def _column(model: type[Model], name: str) -> Field:
    field = model._meta.get_field(name)
    assert isinstance(field, Field)  # noqa: S101 - a column, not a reverse relation
    return field


def _name(field: Field) -> str:
    if not field.column:
        raise ValueError(f"{field} has no column")
    return field.column


def _bulk_update(model: type[Model], objs: Sequence[Model], fields: list[str]) -> None:
    """``UPDATE … FROM (VALUES …)`` in batches, on PostgreSQL and SQLite ≥ 3.33.

    Django's ``bulk_update`` builds a ``CASE`` per field and row in Python, which takes
    minutes for the 100,000 spells of a municipality; this takes seconds. Other
    databases fall back to ``bulk_update``.
    """
    vendor = connection.vendor
    if not objs:
        return
    if not (
        vendor == "postgresql" or (vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 33))
    ):
        model._default_manager.bulk_update(objs, fields, batch_size=BATCH_SIZE)
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [_column(model, name) for name in fields]
    # VALUES columns are column1 (the pk), column2, …; PostgreSQL needs their types,
    # as a column of NULLs would be text. (SQLite must not cast: CAST(… AS date) is a number.)
    assignments = ", ".join(
        f"{quote(_name(field))} = "
        + (
            f"CAST(v.column{i} AS {field.db_type(connection)})"
            if vendor == "postgresql"
            else f"v.column{i}"
        )
        for i, field in enumerate(columns, start=2)
    )
    width = len(columns) + 1
    size = min(BATCH_SIZE, (connection.features.max_query_params or 10**6) // width)
    row = "(" + ", ".join(["%s"] * width) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            chunk = objs[start : start + size]
            params: list[Any] = []
            for obj in chunk:
                params.append(obj.pk)
                params += [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in columns]
            cursor.execute(
                f"UPDATE {table} SET {assignments} "  # noqa: S608 - names from the model
                f"FROM (VALUES {', '.join([row] * len(chunk))}) AS v "
                f"WHERE {table}.{quote(_name(_column(model, model._meta.pk.name)))} = v.column1",
                params,
            )


def _history_insert(
    model: type[Model], pks: Sequence[int], history_type: str, version: _Version
) -> None:
    """``INSERT INTO history SELECT row, when, why, type, who, job FROM table WHERE pk IN …``.

    simple-history's ``bulk_create_with_history`` builds a historical object per row in
    Python; for the 100,000 spells of a municipality's first import this copies the
    rows in the database instead, in batches, on PostgreSQL and SQLite alike.
    """
    history: type[Model] = model.history.model  # type: ignore[attr-defined]
    quote = connection.ops.quote_name
    columns = [quote(_name(field)) for field in model._meta.concrete_fields]
    extra = ["history_date", "history_change_reason", "history_type", "history_user", "import_job"]
    extra_columns = [quote(_name(_column(history, name))) for name in extra]
    extra_values = [
        _column(history, "history_date").get_db_prep_save(version.date, connection),
        version.change_reason[:100],
        history_type,
        version.user.pk if version.user else None,
        version.job.pk if version.job else None,
    ]
    table = quote(model._meta.db_table)
    pk = quote(_name(_column(model, model._meta.pk.name)))
    size = min(BATCH_SIZE, (connection.features.max_query_params or 10**6) - len(extra))
    with connection.cursor() as cursor:
        for start in range(0, len(pks), size):
            chunk = list(pks[start : start + size])
            cursor.execute(
                f"INSERT INTO {quote(history._meta.db_table)} "  # noqa: S608 - model names
                f"({', '.join(columns + extra_columns)}) "
                f"SELECT {', '.join(columns)}, {', '.join(['%s'] * len(extra))} FROM {table} "
                f"WHERE {pk} IN ({', '.join(['%s'] * len(chunk))})",
                [*extra_values, *chunk],
            )
