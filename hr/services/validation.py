"""Validation of a whole batch: typed records, row rules and cross-row rules.

The rules are the tables and "Cross-row rules" of spec/hr-import.md. Every problem is
attached to the record (row) it concerns, so that every bad row is reported and, when
invalid rows are skipped, exactly the bad rows are left out.
"""

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple, TypeVar

from django.conf import settings
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from org.models import OrgUnit

from ..models import AbsenceSpell, Employment
from .reading import (
    KINDS,
    ImportIssue,
    RawRow,
    ReadResult,
    Table,
    control_character_name,
    control_character_problem,
)
from .stored import StoredAbsence, StoredEmployment, StoredState

# Required and optional columns per file (spec/hr-import.md, "Files").
COLUMNS = {
    "orgunits": {
        "code": True,
        "name": True,
        "parent_code": False,
        "level": True,
        "shift_based": False,
    },
    "employments": {
        "employment_id": True,
        "person_id": True,
        "birth_date": True,
        "gender": False,
        "unit_code": True,
        "position_pct": True,
        "start_date": True,
        "end_date": False,
        "end_reason": False,
        "employment_type": False,
        "job_title": False,
    },
    "absences": {
        "absence_id": True,
        "employment_id": True,
        "start_date": True,
        "end_date": True,
        "grade_pct": True,
        "kind": True,
    },
}
KEY_COLUMNS = {"orgunits": "code", "employments": "employment_id", "absences": "absence_id"}

LEVELS = [choice.value for choice in OrgUnit.Level]
END_REASONS = [choice.value for choice in Employment.EndReason]
EMPLOYMENT_TYPES = [choice.value for choice in Employment.Type]
GENDERS = [choice.value for choice in Employment.Gender]
KINDS_OF_ABSENCE = [choice.value for choice in AbsenceSpell.Kind]
BOOLEANS = {"ja": True, "nei": False, "true": True, "false": False, "1": True, "0": False}

_NORWEGIAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_DECIMAL = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
# Unit codes (spec/hr-import.md, "Parsing rules"): letters of any alphabet (æ, ø, å,
# Sami letters …), the digits 0-9, "-", "_" and "."; at least one letter or digit, so
# that a code is never "." or ".." (a path segment a browser would resolve away).
# Every page's URL holds a code percent-encoded, so these are safe in any URL.
_UNIT_CODE = re.compile(r"(?:[^\W\d_]|[0-9_.-])*(?:[^\W\d_]|[0-9])(?:[^\W\d_]|[0-9_.-])*")
UNIT_CODE_COLUMNS = ("code", "parent_code", "unit_code")

# Plausible dates (spec/hr-import.md, "Parsing rules"): events from this day to this
# many years after the import; ages at an employment's start in this range.
FIRST_EVENT_DATE = date(1950, 1, 1)
EVENT_YEARS_AHEAD = 2
AGE_AT_START = (14, 80)
# The longest list of lines or units one message names (the rest are counted).
LISTED_IN_MESSAGE = 10


def last_event_date(today: date | None = None) -> date:
    """The latest plausible event date: two years after ``today`` (the import's date)."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + EVENT_YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + EVENT_YEARS_AHEAD, day=28)


def age_on(birth_date: date, day: date) -> int:
    """Full years from ``birth_date`` to ``day``."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def listed(items: Sequence[object], *, separator: str = ", ") -> str:
    """The first ``LISTED_IN_MESSAGE`` items joined, and how many more there are."""
    shown = separator.join(str(item) for item in items[:LISTED_IN_MESSAGE])
    more = len(items) - LISTED_IN_MESSAGE
    if more <= 0:
        return shown
    return _("%(shown)s and %(count)s more") % {
        "shown": shown,
        "count": number_format(more, force_grouping=True),
    }


class ErrorBudget:
    """How many problems an import keeps to list (``HR_IMPORT_MAX_ERRORS``); the rest are
    counted. Keeps the memory and the text of a batch of bad rows bounded."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = int(settings.HR_IMPORT_MAX_ERRORS) if limit is None else limit
        self.kept = 0
        self.dropped = 0

    def take(self) -> bool:
        if self.kept < self.limit:
            self.kept += 1
            return True
        self.dropped += 1
        return False


@dataclass(eq=False)
class Record:
    """One data row of a batch file and every problem found with it."""

    table: Table
    raw: RawRow
    budget: ErrorBudget
    # The problems listed for this row (as many as the budget keeps).
    errors: list[ImportIssue] = field(default_factory=list)
    # Problems that are listed once on another row (a duplicate id), kept as the
    # reason of a rejected row.
    notes: list[ImportIssue] = field(default_factory=list)
    rejected: bool = False

    @property
    def line(self) -> int:
        return self.raw.line

    @property
    def ok(self) -> bool:
        return not self.rejected

    @property
    def where(self) -> str:
        return _("%(file)s line %(line)d") % {"file": self.table.name, "line": self.line}

    @property
    def key(self) -> str | None:
        raise NotImplementedError

    def reject(self, column: str, reason: str, *, listed: bool = True) -> None:
        """Record a problem of this row; ``listed=False``: it is listed on another row."""
        self.rejected = True
        issue = ImportIssue(self.table.name, self.line, column, reason)
        if not listed:
            self.notes.append(issue)
        elif self.budget.take():
            self.errors.append(issue)


T = TypeVar("T")


class _Spell(NamedTuple):
    """A spell of the batch or the database, with its dates, for the overlap rule."""

    start: date
    end: date
    source: "AbsenceRecord | StoredAbsence"


def _present(value: T | None) -> T:
    """A value of a record without problems: validation has set every field of it."""
    if value is None:
        raise ValueError("a record with problems has no valid values")
    return value


class ValidUnit(NamedTuple):
    code: str
    name: str
    parent_code: str
    level: str
    shift_based: bool


class ValidEmployment(NamedTuple):
    employment_id: str
    person_id: str
    birth_date: date
    gender: str
    unit_code: str
    position_pct: float
    start_date: date
    end_date: date | None
    end_reason: str
    employment_type: str
    job_title: str


class ValidAbsence(NamedTuple):
    absence_id: str
    employment_id: str
    start_date: date
    end_date: date
    grade_pct: float
    kind: str


@dataclass(eq=False)
class UnitRecord(Record):
    code: str | None = None
    name: str | None = None
    parent_code: str = ""  # empty: the root
    level: str | None = None
    shift_based: bool | None = None
    parent_invalid: bool = False

    @property
    def key(self) -> str | None:
        return self.code

    def valid(self) -> ValidUnit:
        """The values to write (only for a record without problems)."""
        return ValidUnit(
            _present(self.code),
            _present(self.name),
            self.parent_code,
            _present(self.level),
            _present(self.shift_based),
        )


@dataclass(eq=False)
class EmploymentRecord(Record):
    employment_id: str | None = None
    person_id: str | None = None
    birth_date: date | None = None
    gender: str | None = None
    unit_code: str | None = None
    position_pct: float | None = None
    start_date: date | None = None
    end_date: date | None = None
    end_reason: str | None = None
    employment_type: str | None = None
    job_title: str | None = None

    @property
    def key(self) -> str | None:
        return self.employment_id

    def valid(self) -> ValidEmployment:
        """The values to write (only for a record without problems)."""
        return ValidEmployment(
            _present(self.employment_id),
            _present(self.person_id),
            _present(self.birth_date),
            _present(self.gender),
            _present(self.unit_code),
            _present(self.position_pct),
            _present(self.start_date),
            self.end_date,
            _present(self.end_reason),
            _present(self.employment_type),
            _present(self.job_title),
        )


@dataclass(eq=False)
class AbsenceRecord(Record):
    absence_id: str | None = None
    employment_id: str | None = None
    start_date: date | None = None
    end_date: date | None = None
    grade_pct: float | None = None
    kind: str | None = None

    @property
    def key(self) -> str | None:
        return self.absence_id

    def valid(self) -> ValidAbsence:
        """The values to write (only for a record without problems)."""
        return ValidAbsence(
            _present(self.absence_id),
            _present(self.employment_id),
            _present(self.start_date),
            _present(self.end_date),
            _present(self.grade_pct),
            _present(self.kind),
        )


@dataclass
class Batch:
    """The typed records of a batch, per file."""

    tables: dict[str, Table]
    units: list[UnitRecord] = field(default_factory=list)
    employments: list[EmploymentRecord] = field(default_factory=list)
    absences: list[AbsenceRecord] = field(default_factory=list)
    # Problems of the batch as a whole, not of one row.
    problems: list[ImportIssue] = field(default_factory=list)
    budget: ErrorBudget = field(default_factory=ErrorBudget)

    def records_of(self, kind: str) -> list[Record]:
        lists: dict[str, Any] = {
            "orgunits": self.units,
            "employments": self.employments,
            "absences": self.absences,
        }
        return lists[kind]

    def records(self) -> Iterator[Record]:
        for kind in KINDS:
            yield from self.records_of(kind)

    def errors(self) -> list[ImportIssue]:
        """The problems to list: of the batch, then of each file's rows in line order.

        At most ``HR_IMPORT_MAX_ERRORS`` of the rows' problems; ``unlisted`` counts the
        others.
        """
        return self.problems + [error for record in self.records() for error in record.errors]

    @property
    def unlisted(self) -> int:
        return self.budget.dropped


# --- Rows ---------------------------------------------------------------------------


def parse_tables(read: ReadResult) -> Batch:
    """Turn each readable table into typed records, checking the row rules.

    A table that lacks a required column is reported once (on its header line) and
    marked broken; its rows are not checked one by one.
    """
    batch = Batch(tables=read.tables)
    parsers = {
        "orgunits": _parse_unit,
        "employments": _parse_employment,
        "absences": _parse_absence,
    }
    for kind in KINDS:
        table = read.tables.get(kind)
        if table is None:
            continue
        missing = [
            c for c, required in COLUMNS[kind].items() if required and c not in table.columns
        ]
        for column in missing:
            read.errors.append(
                ImportIssue(
                    table.name, table.header_line, column, _("the required column is missing.")
                )
            )
        if missing:
            read.broken.add(kind)
            continue
        records = batch.records_of(kind)
        for raw in table.rows:
            record = parsers[kind](table, raw, batch.budget)
            for column, reason in raw.problems:
                record.reject(column, reason)
            records.append(record)
    return batch


class _Cells:
    """Reads the columns of one row, recording a problem on the record per bad value."""

    def __init__(self, record: Record) -> None:
        self.record = record
        self.values = record.raw.values

    def raw(self, column: str) -> str | None:
        """The cell's text; None (and a problem) when it has a control character."""
        value = self.values.get(column, "")
        if control := control_character_name(value):
            self.record.reject(column, control_character_problem(control))
            return None
        return value

    def text(self, column: str, *, required: bool, max_length: int) -> str | None:
        value = self.raw(column)
        if value is None:
            return None
        if not value:
            if required:
                self.record.reject(column, _("a value is required."))
                return None
            return ""
        if len(value) > max_length:
            self.record.reject(
                column, _("is longer than %(max)d characters.") % {"max": max_length}
            )
            return None
        return value

    def unit_code(self, column: str, *, required: bool) -> str | None:
        """A unit code: letters, digits, ``-``, ``_`` and ``.`` (``_UNIT_CODE``)."""
        value = self.text(column, required=required, max_length=50)
        if value and not _UNIT_CODE.fullmatch(value):
            self.record.reject(
                column,
                _(
                    "“%(value)s” is not a valid unit code: use letters, digits, -, _ and . "
                    "only, with at least one letter or digit."
                )
                % {"value": value},
            )
            return None
        return value

    def choice(
        self,
        column: str,
        choices: list[str],
        *,
        required: bool,
        default: str = "",
        upper: bool = False,
    ) -> str | None:
        value = self.raw(column)
        if value is None:
            return None
        if not value:
            if required:
                self.record.reject(column, _("a value is required."))
                return None
            return default
        normalised = value.upper() if upper else value.lower()
        if normalised not in choices:
            self.record.reject(
                column,
                _("“%(value)s” is not one of: %(choices)s.")
                % {"value": value, "choices": ", ".join(choices)},
            )
            return None
        return normalised

    def date(self, column: str, *, required: bool, event: bool = True) -> date | None:
        """A date; an ``event`` (not a birth date) must be from 1950 to two years ahead."""
        value = self.raw(column)
        if value is None:
            return None
        if not value:
            if required:
                self.record.reject(column, _("a value is required."))
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.record.reject(
                column,
                _("“%(value)s” is not a date: use YYYY-MM-DD or DD.MM.YYYY.") % {"value": value},
            )
            return None
        last = last_event_date()
        if event and not FIRST_EVENT_DATE <= parsed <= last:
            self.record.reject(
                column,
                _("%(value)s is not a plausible date: it must be from %(first)s to %(last)s.")
                % {
                    "value": parsed.isoformat(),
                    "first": FIRST_EVENT_DATE.isoformat(),
                    "last": last.isoformat(),
                },
            )
            return None
        return parsed

    def percentage(self, column: str) -> float | None:
        """A percentage ``0 < x ≤ 100``, with ``.`` or ``,`` as decimal mark."""
        value = self.raw(column)
        if value is None:
            return None
        if not value:
            self.record.reject(column, _("a value is required."))
            return None
        number = parse_decimal(value)
        if number is None:
            self.record.reject(column, _("“%(value)s” is not a number.") % {"value": value})
            return None
        if not 0 < number <= 100:
            self.record.reject(
                column, _("must be more than 0 and at most 100 (is %(value)s).") % {"value": value}
            )
            return None
        return number

    def boolean(self, column: str) -> bool | None:
        value = self.raw(column)
        if value is None:
            return None
        if not value:
            return False
        if value.lower() not in BOOLEANS:
            self.record.reject(
                column,
                _("“%(value)s” is not yes or no: use ja/nei, true/false or 1/0.")
                % {"value": value},
            )
            return None
        return BOOLEANS[value.lower()]


def parse_decimal(value: str) -> float | None:
    """A decimal number with ``.`` or ``,`` as decimal mark (``4,5``); None otherwise."""
    if not _DECIMAL.fullmatch(value):
        return None
    return float(value.replace(",", "."))


def parse_date(value: str) -> date | None:
    """``YYYY-MM-DD`` or ``DD.MM.YYYY``; None when it is neither or no real day."""
    if len(value) == 10 and value[4] == "-" and value[7] == "-" and value.isascii():
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    if match := _NORWEGIAN_DATE.fullmatch(value):
        day, month, year = match.groups()
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            return None
    return None


def _parse_unit(table: Table, raw: RawRow, budget: ErrorBudget) -> UnitRecord:
    record = UnitRecord(table=table, raw=raw, budget=budget)
    cells = _Cells(record)
    record.code = cells.unit_code("code", required=True)
    record.name = cells.text("name", required=True, max_length=200)
    parent_code = cells.unit_code("parent_code", required=False)
    record.parent_code = parent_code or ""
    # A bad parent_code is not "no parent": the row must not count as a root.
    record.parent_invalid = parent_code is None
    record.level = cells.choice("level", LEVELS, required=True)
    record.shift_based = cells.boolean("shift_based")
    if record.code and record.parent_code == record.code:
        record.reject("parent_code", _("a unit cannot be its own parent."))
    return record


def _parse_employment(table: Table, raw: RawRow, budget: ErrorBudget) -> EmploymentRecord:
    record = EmploymentRecord(table=table, raw=raw, budget=budget)
    cells = _Cells(record)
    record.employment_id = cells.text("employment_id", required=True, max_length=100)
    record.person_id = cells.text("person_id", required=True, max_length=100)
    record.birth_date = cells.date("birth_date", required=True, event=False)
    record.gender = cells.choice("gender", GENDERS, required=False, upper=True)
    record.unit_code = cells.unit_code("unit_code", required=True)
    record.position_pct = cells.percentage("position_pct")
    record.start_date = cells.date("start_date", required=True)
    record.end_date = cells.date("end_date", required=False)
    record.end_reason = cells.choice("end_reason", END_REASONS, required=False)
    record.employment_type = cells.choice(
        "employment_type", EMPLOYMENT_TYPES, required=False, default=Employment.Type.PERMANENT
    )
    record.job_title = cells.text("job_title", required=False, max_length=200)
    if record.birth_date and record.start_date:
        age = age_on(record.birth_date, record.start_date)
        youngest, oldest = AGE_AT_START
        if not youngest <= age <= oldest:
            record.reject(
                "birth_date",
                _(
                    "%(birth_date)s gives an age of %(age)d at the employment's start "
                    "(%(start)s): it must be %(youngest)d to %(oldest)d."
                )
                % {
                    "birth_date": record.birth_date.isoformat(),
                    "age": age,
                    "start": record.start_date.isoformat(),
                    "youngest": youngest,
                    "oldest": oldest,
                },
            )
            record.birth_date = None
    if record.start_date and record.end_date and record.end_date < record.start_date:
        record.reject(
            "end_date",
            _("the end date is before the start date (%(start)s).")
            % {"start": record.start_date.isoformat()},
        )
    has_end = bool(raw.values.get("end_date"))
    if has_end and record.end_reason == "":
        record.reject("end_reason", _("a value is required when end_date is set."))
    if not has_end and record.end_reason:
        record.reject("end_reason", _("must be empty when end_date is empty (ongoing)."))
    return record


def _parse_absence(table: Table, raw: RawRow, budget: ErrorBudget) -> AbsenceRecord:
    record = AbsenceRecord(table=table, raw=raw, budget=budget)
    cells = _Cells(record)
    record.absence_id = cells.text("absence_id", required=True, max_length=100)
    record.employment_id = cells.text("employment_id", required=True, max_length=100)
    record.start_date = cells.date("start_date", required=True)
    record.end_date = cells.date("end_date", required=True)
    record.grade_pct = cells.percentage("grade_pct")
    record.kind = cells.choice("kind", KINDS_OF_ABSENCE, required=True)
    if record.start_date and record.end_date and record.end_date < record.start_date:
        record.reject(
            "end_date",
            _("the end date is before the start date (%(start)s).")
            % {"start": record.start_date.isoformat()},
        )
    return record


# --- Cross-row rules ----------------------------------------------------------------


def check_batch(batch: Batch, stored: StoredState, *, skip_invalid: bool, broken: set[str]) -> None:
    """Check the cross-row rules, recording problems on the records.

    First pass: a reference is known when it is in the batch (even on a bad row) or in
    the database, so only genuinely bad rows are reported. When invalid rows are
    skipped, further passes consider only the rows still valid — a row whose unit,
    parent or employment was rejected (and is not stored) is rejected too, and the
    tree, birth-date and overlap rules are checked again against what will really be
    written — until nothing changes.
    """
    _check_duplicates(batch)
    _check_references(batch, stored, live=lambda r: r.key is not None, broken=broken)
    if not skip_invalid or broken:
        return
    while True:
        rejected = sum(not record.ok for record in batch.records())
        _check_references(batch, stored, live=lambda r: r.ok, broken=set())
        if sum(not record.ok for record in batch.records()) == rejected:
            return


def _check_duplicates(batch: Batch) -> None:
    """Each id given more than once is listed once, on its first row, with its lines.

    Every row with the id is rejected; the others name the first row as their reason
    (listing every line on every row grows with the square of the rows).
    """
    for kind in KINDS:
        column = KEY_COLUMNS[kind]
        lines: dict[str, list[Record]] = defaultdict(list)
        for record in batch.records_of(kind):
            if record.key is not None:
                lines[record.key].append(record)
        for key, records in lines.items():
            if len(records) < 2:
                continue
            first, *others = records
            first.reject(
                column,
                _("%(id)s appears %(count)s times in this file (lines %(lines)s).")
                % {
                    "id": key,
                    "count": number_format(len(records), force_grouping=True),
                    "lines": listed([record.line for record in records]),
                },
            )
            reason = _("%(id)s appears more than once in this file: see line %(line)d.") % {
                "id": key,
                "line": first.line,
            }
            for record in others:
                record.reject(column, reason, listed=False)


def _check_references(
    batch: Batch,
    stored: StoredState,
    *,
    live: Callable[[Record], bool],
    broken: set[str],
) -> None:
    _check_units(batch, stored, live=live)
    _check_employments(batch, stored, live=live, broken=broken)
    _check_absences(batch, stored, live=live, broken=broken)


def _missing(kind: str, key: str, batch_records: Mapping[str, Record]) -> str:
    """Why a reference fails: unknown, or (skipping invalid rows) its row was rejected."""
    rejected = batch_records.get(key)
    if rejected is not None:
        return {
            "unit": _("unit %(id)s was rejected (%(where)s)."),
            "parent": _("parent unit %(id)s was rejected (%(where)s)."),
            "employment": _("employment %(id)s was rejected (%(where)s)."),
        }[kind] % {"id": key, "where": rejected.where}
    return {
        "unit": _("unknown unit %(id)s: it is neither in orgunits nor in the database."),
        "parent": _("unknown parent unit %(id)s: it is neither in orgunits nor in the database."),
        "employment": _(
            "unknown employment %(id)s: it is neither in employments nor in the database."
        ),
    }[kind] % {"id": key}


def _check_units(batch: Batch, stored: StoredState, *, live: Callable[[Record], bool]) -> None:
    units = [record for record in batch.units if live(record) and not record.parent_invalid]
    if not units:
        return
    by_code = {record.code: record for record in units if record.code}
    all_by_code = {record.code: record for record in batch.units if record.code}
    for record in units:
        parent = record.parent_code
        if parent and parent not in by_code and parent not in stored.units:
            record.reject("parent_code", _missing("parent", parent, all_by_code))

    # The tree after the import: stored units, overlaid with the batch's units.
    parent_of = {
        code: stored.unit_codes.get(unit.parent_id, "") if unit.parent_id else ""
        for code, unit in stored.units.items()
    }
    parent_of.update({code: record.parent_code for code, record in by_code.items()})

    cycles = _cycles(parent_of)
    # A cycle among stored units only (the database was changed past the import) would
    # break the closure table: the batch must give those units their right parents.
    stored_only = {
        tuple(cycle) for cycle in cycles.values() if not any(code in by_code for code in cycle)
    }
    for cycle in sorted(stored_only):
        problem = ImportIssue(
            batch.tables["orgunits"].name,
            None,
            "parent_code",
            _(
                "the stored unit tree has a cycle: %(path)s. Import these units with their "
                "right parent_code."
            )
            % {"path": _cycle_path(cycle)},
        )
        if problem not in batch.problems:
            batch.problems.append(problem)
    roots = sorted(code for code, parent in parent_of.items() if not parent)
    for code, record in by_code.items():
        # A unit that is its own parent was reported with its row already.
        if code in cycles and len(cycles[code]) > 1:
            record.reject(
                "parent_code",
                _("the unit tree would have a cycle: %(path)s.")
                % {"path": _cycle_path(cycles[code])},
            )
        if len(roots) > 1 and code in roots:
            record.reject(
                "parent_code",
                _(
                    "more than one root unit (without parent_code): %(codes)s. There must "
                    "be exactly one, the municipality."
                )
                % {"codes": listed(roots)},
            )


def _cycle_path(cycle: Sequence[str]) -> str:
    """``A → B → A``; a long cycle by its first units and its length."""
    if len(cycle) <= LISTED_IN_MESSAGE:
        return " → ".join([*cycle, cycle[0]])
    return _("%(path)s → … (%(count)s units) → %(first)s") % {
        "path": " → ".join(cycle[:LISTED_IN_MESSAGE]),
        "count": number_format(len(cycle), force_grouping=True),
        "first": cycle[0],
    }


def _cycles(parent_of: dict[str, str]) -> dict[str, list[str]]:
    """Every unit on a cycle of the parent relation → the cycle."""
    on_cycle: dict[str, list[str]] = {}
    done: set[str] = set()
    for start in parent_of:
        path: list[str] = []
        position: dict[str, int] = {}
        node = start
        while node and node in parent_of and node not in done:
            if node in position:
                cycle = path[position[node] :]
                for member in cycle:
                    on_cycle[member] = cycle
                break
            position[node] = len(path)
            path.append(node)
            node = parent_of[node]
        done.update(path)
    return on_cycle


def _check_employments(
    batch: Batch,
    stored: StoredState,
    *,
    live: Callable[[Record], bool],
    broken: set[str],
) -> None:
    employments = [record for record in batch.employments if live(record)]
    if not employments:
        return
    if "orgunits" not in broken:
        units = {record.code for record in batch.units if live(record)}
        all_units = {record.code: record for record in batch.units if record.code}
        for record in employments:
            code = record.unit_code
            if code and code not in units and code not in stored.units:
                record.reject("unit_code", _missing("unit", code, all_units))

    # One birth date per person, across the batch and the stored employments that the
    # batch does not replace.
    replaced = {record.employment_id for record in employments}
    by_person: dict[str, list[EmploymentRecord]] = defaultdict(list)
    for record in employments:
        if record.person_id and record.birth_date:
            by_person[record.person_id].append(record)
    for person, records in by_person.items():
        sources: list[tuple[date, EmploymentRecord | StoredEmployment]] = [
            (_present(record.birth_date), record) for record in records
        ]
        sources += [
            (employment.birth_date, employment)
            for employment in stored.employments_by_person.get(person, [])
            if employment.employment_id not in replaced
        ]
        if len({birth_date for birth_date, _source in sources}) < 2:
            continue
        for record in records:
            other, source = next((d, s) for d, s in sources if d != record.birth_date)
            where = (
                source.where
                if isinstance(source, EmploymentRecord)
                else _("stored employment %(id)s") % {"id": source.employment_id}
            )
            record.reject(
                "birth_date",
                _("person %(person)s has another birth date, %(other)s, in %(where)s.")
                % {"person": person, "other": other.isoformat(), "where": where},
            )


def _check_absences(
    batch: Batch,
    stored: StoredState,
    *,
    live: Callable[[Record], bool],
    broken: set[str],
) -> None:
    absences = [record for record in batch.absences if live(record)]
    if not absences:
        return
    if "employments" not in broken:
        employments = {record.employment_id for record in batch.employments if live(record)}
        all_employments = {r.employment_id: r for r in batch.employments if r.employment_id}
        for record in absences:
            key = record.employment_id
            if key and key not in employments and key not in stored.employments:
                record.reject("employment_id", _missing("employment", key, all_employments))

    # Spells of one employment must not overlap: the batch's spells and the stored
    # ones the batch does not replace.
    replaced = {record.absence_id for record in absences}
    # A spell given twice is reported as a duplicate, not as overlapping itself.
    duplicated = {key for key, n in Counter(r.absence_id for r in absences).items() if n > 1}
    spells: dict[str, list[_Spell]] = defaultdict(list)
    for record in absences:
        if (
            record.absence_id not in duplicated
            and record.employment_id
            and record.start_date
            and record.end_date
            and record.end_date >= record.start_date
        ):
            spells[record.employment_id].append(_Spell(record.start_date, record.end_date, record))
    for employment_id, batch_spells in spells.items():
        batch_spells += [
            _Spell(spell.start_date, spell.end_date, spell)
            for spell in stored.absences_by_employment.get(employment_id, [])
            if spell.absence_id not in replaced
        ]
    flagged: set[int] = set()

    def flag(spell: _Spell, other: _Spell) -> None:
        record = spell.source
        if not isinstance(record, AbsenceRecord) or id(record) in flagged:
            return
        flagged.add(id(record))
        where = other.source.where if isinstance(other.source, AbsenceRecord) else _("the database")
        record.reject(
            "start_date",
            _(
                "the spell overlaps spell %(other)s (%(start)s to %(end)s, %(where)s) of the "
                "same employment."
            )
            % {
                "other": other.source.absence_id,
                "start": other.start.isoformat(),
                "end": other.end.isoformat(),
                "where": where,
            },
        )

    for employment_spells in spells.values():
        if len(employment_spells) < 2:
            continue
        employment_spells.sort(key=lambda spell: (spell.start, spell.end))
        # Sweep in start order, keeping the spell that reaches furthest: every spell
        # that overlaps another is flagged, with one of the spells it overlaps.
        furthest = employment_spells[0]
        for spell in employment_spells[1:]:
            if spell.start <= furthest.end:
                flag(spell, furthest)
                flag(furthest, spell)
            if spell.end > furthest.end:
                furthest = spell
