"""The indicator engine: every computed indicator of spec/indicators.md, set-based.

Each indicator family (``sick_leave``, ``positions``, ``flow``, ``life_table``) is one
or two SQL statements that aggregate in the database (SQLite and PostgreSQL alike,
see ``strategi.db``) and return one row per org unit (over its subtree, via the
closure table) and period; it registers the slugs it computes (``core.family``).
Python only turns those aggregates into values; ``recompute`` applies suppression and
stores them. No loop runs over employees or days: working days are counted with two
joins on the cumulative calendar (``CalendarDay``).

``recompute_range`` replaces the stored values of a range of months, with their
tertials and years, in one transaction.
"""

from . import flow, life_table, positions, sick_leave  # noqa: F401 - they register their families
from .calendar import calendar_ensure, working_days
from .core import FAMILIES, Context, Figure, compute, registry_problems
from .flow import exit_aggregates, hire_aggregates
from .life_table import expected_retirement_age, life_table_aggregates
from .positions import position_aggregates
from .recompute import (
    RecomputePlan,
    RecomputeResult,
    default_range,
    recompute_plan,
    recompute_prepare,
    recompute_range,
)
from .sick_leave import sick_leave_aggregates, sick_leave_persons

__all__ = [
    "FAMILIES",
    "Context",
    "Figure",
    "RecomputePlan",
    "RecomputeResult",
    "calendar_ensure",
    "compute",
    "default_range",
    "exit_aggregates",
    "expected_retirement_age",
    "hire_aggregates",
    "life_table_aggregates",
    "position_aggregates",
    "recompute_plan",
    "recompute_prepare",
    "recompute_range",
    "registry_problems",
    "sick_leave_aggregates",
    "sick_leave_persons",
    "working_days",
]
