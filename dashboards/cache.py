"""Cached page fragments of the dashboard and the unit pages, keyed by a data version.

The version is read from the database in one query of index look-ups: the newest
stored indicator value, the newest history row of targets, org units, goals, plans and
tertial reports, the newest import, and the reported values' latest change. A
recompute, a target saved, an import or a plan edited therefore shows on the next
request, in every process, without a hook. ``bump_version`` is for changes that leave
no such trace (an indicator renamed, a goal link changed, values only deleted); it
runs on ``measures.signals.figures_changed`` (connected in ``DashboardsConfig.ready``),
reaches other processes only when the cache is Redis, and every entry expires after
``TIMEOUT`` anyway.

Keys also hold the access scope (HR, or the exact set of units a leader sees), the
language and the suppression limit, so no entry is ever shown to a user who could not
have rendered it.

A cache that fails (Redis down) is skipped for a while: pages are then computed as if
nothing was cached.
"""

import functools
import hashlib
import logging
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.db.models import Field, Model
from django.http import HttpRequest
from django.utils import translation

from goals.models import Goal, Strategy, SubMeasure
from hr.models import ImportJob
from measures.models import Indicator, IndicatorValue, Target
from org import access
from org.models import OrgUnit
from plans.models import Action, ActionPlan, TertialReport

logger = logging.getLogger(__name__)

ALIAS = "pages"
# Seconds an entry lives; the bound on staleness for changes the version cannot see.
TIMEOUT = 600
# After a cache error, the cache is left alone this many seconds (this process only).
PAUSE_AFTER_ERROR = 30
_COUNTER_KEY = "pages:counter"

T = TypeVar("T")

try:  # the Redis client comes with Celery's Redis extra
    from redis.exceptions import RedisError

    CACHE_ERRORS: tuple[type[Exception], ...] = (OSError, RedisError)
except ImportError:  # pragma: no cover
    CACHE_ERRORS = (OSError,)

_paused_until = 0.0


def _cache_usable() -> bool:
    return time.monotonic() >= _paused_until


def _cache_failed(error: Exception) -> None:
    global _paused_until
    _paused_until = time.monotonic() + PAUSE_AFTER_ERROR
    logger.warning("page cache unavailable for %s s: %s", PAUSE_AFTER_ERROR, error)


def bump_version() -> None:
    """Make every cached page stale (call after a change the data version cannot see)."""
    if not _cache_usable():
        return
    cache = caches[ALIAS]
    try:
        if not cache.add(_COUNTER_KEY, 1, timeout=None):
            cache.incr(_COUNTER_KEY)
    except ValueError:  # expired between add and incr
        cache.add(_COUNTER_KEY, 1, timeout=None)
    except CACHE_ERRORS as error:
        _cache_failed(error)


def _counter() -> int:
    if not _cache_usable():
        return 0
    try:
        return caches[ALIAS].get(_COUNTER_KEY, 0)
    except CACHE_ERRORS as error:
        _cache_failed(error)
        return 0


# --- The data version --------------------------------------------------------------------


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _column(model: type[Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, Field) and field.column  # noqa: S101 - a column, not a relation
    return field.column


def _newest(model: type[Model], key: str, stamp: str) -> str:
    """The largest ``key`` and the ``stamp`` of that row, as one text (index look-up).

    The stamp tells apart rows that reuse a key after a rollback (SQLite reuses ids).
    """
    table = _q(model._meta.db_table)
    key_column = _q(_column(model, key))
    stamp_column = _q(_column(model, stamp))
    return (
        f"(SELECT {key_column} || '@' || {stamp_column} FROM {table} "  # noqa: S608 - names from the model
        f"ORDER BY {key_column} DESC LIMIT 1)"
    )


def _history(model: type[Model]) -> str:
    return _newest(model.history.model, "history_id", "history_date")  # type: ignore[attr-defined]


def _count_and_max(table: str, column: str, where: str = "") -> str:
    return f"(SELECT COUNT(*) || '@' || MAX({_q(column)}) FROM {_q(table)}{where})"  # noqa: S608


def _reported_values(reported_ids: tuple[int, ...]) -> str:
    """Count and latest change of the reported indicators' values.

    The reported indicators' ids are written into the query, so that the planner sees
    they have few values and uses the index that starts with the indicator; a join on
    the indicator's kind made PostgreSQL scan every computed value (1 s at 13 million).
    """
    if not reported_ids:
        return "''"
    ids = ", ".join(str(int(pk)) for pk in reported_ids)
    return (
        f"(SELECT COUNT(*) || '@' || MAX({_q('computed_at')}) "  # noqa: S608 - names from the model, ids are ints
        f"FROM {_q(IndicatorValue._meta.db_table)} WHERE {_q('indicator_id')} IN ({ids}))"
    )


def _indicator_parts(reported_ids: tuple[int, ...]) -> list[str]:
    """What the indicator tables of a page depend on (values, targets, units, goals).

    Reported values are edited in place (ids stay), so they count by their latest
    change; the engine replaces computed values with new rows.
    """
    return [
        _newest(IndicatorValue, "id", "computed_at"),
        _reported_values(reported_ids),
        _count_and_max(Indicator._meta.db_table, "id"),
        _count_and_max(Indicator.goals.through._meta.db_table, "id"),
        _count_and_max(Indicator.sub_measures.through._meta.db_table, "id"),
        _history(Target),
        _history(OrgUnit),
        _history(Strategy),
        _history(Goal),
        _history(SubMeasure),
        f"(SELECT MAX({_q('id')}) || '@' || MAX({_q('finished_at')}) "  # noqa: S608
        f"FROM {_q(ImportJob._meta.db_table)})",
    ]


def _plan_parts() -> list[str]:
    """What the dashboard's plan coverage depends on."""
    return [_history(ActionPlan), _history(Action), _history(TertialReport)]


@dataclass(frozen=True)
class DataVersion:
    """Short digests of the data behind a page: indicator tables, and plans and reports."""

    indicators: str
    plans: str


def _digest(parts: Iterable[object]) -> str:
    return hashlib.sha1(repr(tuple(parts)).encode(), usedforsecurity=False).hexdigest()[:16]


@functools.lru_cache(maxsize=16)
def _version_sql(reported_ids: tuple[int, ...]) -> tuple[str, int]:
    """The version query, and where its plan columns start."""
    indicator_parts = _indicator_parts(reported_ids)
    return "SELECT " + ", ".join(indicator_parts + _plan_parts()), len(indicator_parts)


_STATEMENT = "strategi_data_version"
# Raw PostgreSQL connections on which the version query is prepared (planning it costs
# more than running it), with the query text prepared.
_prepared: "weakref.WeakKeyDictionary[object, str]" = weakref.WeakKeyDictionary()


def _version_row(sql: str) -> tuple:
    with connection.cursor() as cursor:
        # Outside a transaction a failed EXECUTE (statement gone, e.g. behind a pooler
        # that resets sessions) harms nothing, and is retried as a plain query.
        if connection.vendor != "postgresql" or connection.in_atomic_block:
            cursor.execute(sql)
            return cursor.fetchone()
        raw = connection.connection
        try:
            if _prepared.get(raw) != sql:
                if raw in _prepared:  # the reported indicators changed
                    cursor.execute(f"DEALLOCATE {_STATEMENT}")
                cursor.execute(f"PREPARE {_STATEMENT} AS {sql}")
                _prepared[raw] = sql
            cursor.execute(f"EXECUTE {_STATEMENT}")
        except DatabaseError:
            _prepared.pop(raw, None)
            cursor.execute(sql)
        return cursor.fetchone()


def data_version() -> DataVersion:
    """The current data version: two queries, plus one cache read for ``bump_version``."""
    reported = Indicator.objects.filter(kind=Indicator.Kind.REPORTED).order_by("pk")
    sql, split = _version_sql(tuple(reported.values_list("pk", flat=True)))
    row = _version_row(sql)
    counter = _counter()
    return DataVersion(
        indicators=_digest([counter, *row[:split]]), plans=_digest([counter, *row[split:]])
    )


def request_data_version(request: HttpRequest) -> DataVersion:
    """``data_version()`` once per request."""
    if "_data_version" not in request.__dict__:
        request.__dict__["_data_version"] = data_version()
    return request.__dict__["_data_version"]


# --- Keys and entries ----------------------------------------------------------------------


def access_scope(user: access.User) -> str:
    """Who may see what, as a key part: ``hr``, or a digest of the units a leader sees.

    Two users with the same scope see exactly the same dashboard, so they may share it.
    """
    if access.is_hr(user):
        return "hr"
    return "units-" + _digest(sorted(access.led_unit_ids(user)))


def page_key(kind: str, *parts: object) -> str:
    """A cache key for ``kind`` with the language and the suppression limit added."""
    language = translation.get_language() or ""
    return f"{kind}:" + _digest([language, settings.SUPPRESSION_MIN_PERSONS, *parts])


def cached(key: str, compute: Callable[[], T]) -> T:
    """The cached value of ``key``, else ``compute()`` (stored for next time)."""
    cache = caches[ALIAS]
    if _cache_usable():
        try:
            hit = cache.get(key)
        except CACHE_ERRORS as error:
            _cache_failed(error)
            hit = None
        if hit is not None:
            return hit
    value = compute()
    if _cache_usable():
        try:
            cache.set(key, value, TIMEOUT)
        except CACHE_ERRORS as error:
            _cache_failed(error)
    return value
