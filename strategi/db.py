"""Database helpers every app shares; they know no app's models.

- ``Dialect``: the few SQL expressions that differ between SQLite and PostgreSQL. Dates
  are ``date`` in PostgreSQL and ISO text in SQLite; both compare correctly, but
  arithmetic on them is spelled differently.
- ``advisory_xact_lock``: PostgreSQL's transaction-level advisory lock (SQLite
  serializes writers by itself).
- ``process_lock``: a lock of the installation held by one process while it works, and
  let go when that process dies (PostgreSQL session lock, or a file lock beside SQLite).
- ``as_date``: a date column read through a raw cursor.
- ``upsert_changed``: create-or-update that writes only what changed.
- ``database_busy``: whether an error is SQLite's "database is locked" (answered 503).
"""

import contextlib
import datetime as dt
import fcntl
import os
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from django.db import DatabaseError, OperationalError, connection, models
from django.db.backends.base.base import BaseDatabaseWrapper

M = TypeVar("M", bound=models.Model)
Outcome = Literal["created", "updated", "unchanged"]


@dataclass(frozen=True)
class Dialect:
    vendor: str

    @property
    def postgres(self) -> bool:
        return self.vendor == "postgresql"

    def greatest(self, *args: str) -> str:
        """The largest of non-NULL arguments."""
        return f"{'GREATEST' if self.postgres else 'MAX'}({', '.join(args)})"

    def least(self, *args: str) -> str:
        """The smallest of non-NULL arguments."""
        return f"{'LEAST' if self.postgres else 'MIN'}({', '.join(args)})"

    def add_days(self, date: str, days: int) -> str:
        if self.postgres:
            return f"({date} + {days})"
        return f"date({date}, '{days:+d} day')"

    def days_between(self, first: str, last: str) -> str:
        """``last - first`` in days (an integer)."""
        if self.postgres:
            return f"({last} - {first})"
        return f"CAST(julianday({last}) - julianday({first}) AS INTEGER)"

    def birthday(self, birth: str, years: str) -> str:
        """The date a person born on ``birth`` turns ``years`` (an SQL integer expression).

        A 29 February birthday falls on 1 March in other years (spec: Retirement).
        SQLite's '+N years' already rolls 29 Feb over to 1 Mar. PostgreSQL clamps to
        28 Feb, so for those births it shifts 28 Feb and adds the day back.
        """
        if self.postgres:
            return (
                f"(CASE WHEN to_char({birth}, 'MM-DD') = '02-29'"
                f" THEN CAST(({birth} - 1) + make_interval(years => {years}) AS date) + 1"
                f" ELSE CAST({birth} + make_interval(years => {years}) AS date) END)"
            )
        return f"date({birth}, '+' || ({years}) || ' years')"

    def month_label(self, date: str) -> str:
        """The ``YYYY-MM`` label of the month a date falls in."""
        if self.postgres:
            return f"to_char({date}, 'YYYY-MM')"
        return f"substr({date}, 1, 7)"

    def distinct(self, left: str, right: str) -> str:
        """``left`` and ``right`` differ, NULL counting as a value."""
        return f"{left} IS DISTINCT FROM {right}" if self.postgres else f"{left} IS NOT {right}"

    @property
    def collate_c(self) -> str:
        """Byte-wise string order, as Python sorts (spec: ties by employment_id)."""
        return ' COLLATE "C"' if self.postgres else ""


def dialect_for(connection: BaseDatabaseWrapper) -> Dialect:
    if connection.vendor not in {"postgresql", "sqlite"}:
        raise NotImplementedError(
            f"The indicator engine supports PostgreSQL and SQLite, not {connection.vendor}."
        )
    return Dialect(connection.vendor)


def advisory_xact_lock(*key: int) -> None:
    """PostgreSQL: wait for, then hold until the transaction ends, the lock ``key``.

    ``key`` is one 64-bit or two 32-bit integers (PostgreSQL's two forms). Must run
    inside a transaction. SQLite writes one transaction at a time anyway: a no-op.
    """
    if connection.vendor != "postgresql":
        return
    if len(key) not in (1, 2):
        raise ValueError("an advisory lock key is one or two integers")
    marks = ", ".join(["%s"] * len(key))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_advisory_xact_lock({marks})", list(key))


# First key of every ``process_lock`` (the second is the name's checksum).
PROCESS_LOCK_ID = 7_301_003
# An in-memory SQLite database lives in one process: a lock of that process is enough.
_memory_locks: dict[str, threading.Lock] = {}
_memory_locks_guard = threading.Lock()


@contextlib.contextmanager
def process_lock(name: str, *, blocking: bool) -> Iterator[bool]:
    """Hold the installation's lock ``name`` while the block runs; yields whether it is held.

    For work that must not run twice at once and whose holder must be known to be
    alive: the lock belongs to a process (a thread's connection), so it is let go when
    the block ends or when the process dies, and a killed process leaves no stale lock.
    Another process that gets the lock therefore knows that nobody is doing that work.
    PostgreSQL: a session-level advisory lock of this thread's connection (re-entrant
    within that connection); SQLite: an ``flock`` on ``<database file>.<name>.lock``
    beside the database, held by an open file of its own (two threads or processes
    exclude each other); in-memory SQLite: a lock of this process. With ``blocking``
    False it yields False at once when another holds the lock.
    """
    if connection.vendor == "postgresql":
        key = [PROCESS_LOCK_ID, zlib.crc32(name.encode()) & 0x7FFFFFFF]
        with connection.cursor() as cursor:
            if blocking:
                cursor.execute("SELECT pg_advisory_lock(%s, %s)", key)
                held = True
            else:
                cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
                held = bool(cursor.fetchone()[0])
        try:
            yield held
        finally:
            if held:
                # A connection that broke meanwhile took its lock with it.
                with contextlib.suppress(DatabaseError), connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
        return
    if connection.vendor != "sqlite":
        raise NotImplementedError(f"No process lock for {connection.vendor}.")
    if connection.is_in_memory_db():  # type: ignore[attr-defined] # SQLite's own
        with _memory_locks_guard:
            lock = _memory_locks.setdefault(name, threading.Lock())
        held = lock.acquire(blocking=blocking)
        try:
            yield held
        finally:
            if held:
                lock.release()
        return
    path = Path(f"{connection.settings_dict['NAME']}.{name}.lock")
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            held = True
        except BlockingIOError:
            held = False
        yield held
    finally:
        # Closing the file lets the lock go (the kernel does it when the process dies).
        os.close(descriptor)


def as_date(value: dt.date | str) -> dt.date:
    """A date column read through a raw cursor (SQLite returns text)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def upsert_changed(
    model: type[M], *, lookup: dict[str, Any], values: dict[str, Any]
) -> tuple[M, Outcome]:
    """Create the row matching ``lookup``, or update only the fields of ``values`` that differ.

    No needless saves, so no needless history rows.
    """
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        return model._default_manager.create(**lookup, **values), "created"
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        return obj, "unchanged"
    for name in changed:
        setattr(obj, name, values[name])
    obj.save(update_fields=changed)
    return obj, "updated"


def history_user_set(obj: models.Model, user: object) -> None:
    """Record ``user`` (None: the system) as the author of ``obj``'s next history row.

    django-simple-history reads ``_history_user`` when the object is saved or deleted,
    so the audit trail names the right person outside a request too.
    """
    obj._history_user = user  # type: ignore[attr-defined]


# A client told that the database is busy may try again after this many seconds.
BUSY_RETRY_AFTER_SECONDS = 5


def database_busy(error: BaseException) -> bool:
    """Whether ``error`` is SQLite's "database is locked": a writer waited in vain.

    With ``BEGIN IMMEDIATE`` and a busy timeout (settings) this happens only when one
    write takes longer than the timeout; the transaction was rolled back, nothing was
    written, and the request may simply be sent again.
    """
    if not isinstance(error, OperationalError):
        return False
    message = str(error).lower()
    return "database is locked" in message or "database table is locked" in message
