"""The one authorisation gate: which users may do what, on which units.

Every view, API view, export and selector asks these functions; nothing else decides.
HR staff (and superusers) see everything. A leader sees the units they are assigned
to and everything below them. Employee representatives read plans of their units
(never the health-data dashboards). ``access_required`` puts a rule in front of a view.
"""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.models import User as AuthUser
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from . import roles
from .models import OrgUnit, OrgUnitClosure, RoleAssignment

# Who asks: a user, or nobody logged in.
User = AuthUser | AnonymousUser
T = TypeVar("T")
View = Callable[..., HttpResponse]


def _remembered(user: Any, key: str, compute: Callable[[], T]) -> T:
    """Compute an answer once per user object, i.e. once per request.

    A page asks the gate several times (navigation, view, selectors); the user object
    lives for one request, so roles changed in between are seen on the next request.
    """
    cache = user.__dict__.setdefault("_access_answers", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def is_hr(user: User) -> bool:
    """HR staff (and superusers) see and maintain everything, and import HR data."""
    if not user.is_authenticated or not user.is_active:
        return False
    return _remembered(
        user,
        "is_hr",
        lambda: user.is_superuser or user.groups.filter(name=roles.HR).exists(),
    )


def _assigned_unit_ids(user: User, role: str) -> set[int]:
    """Units assigned to ``user`` in ``role``, with every unit below them (once a request)."""
    if not user.is_authenticated or not user.is_active:
        return set()

    def compute() -> frozenset[int]:
        roots = RoleAssignment.objects.filter(user=user, role=role)
        return frozenset(
            OrgUnitClosure.objects.filter(ancestor_id__in=roots.values("unit_id")).values_list(
                "descendant_id", flat=True
            )
        )

    return set(_remembered(user, f"assigned:{role}", compute))


def led_unit_ids(user: User) -> set[int]:
    """Units a user leads, with every unit below them."""
    return _assigned_unit_ids(user, RoleAssignment.Role.LEADER)


def can_view_indicators(user: User) -> bool:
    """Dashboards and indicator values: HR, and leaders for their own units."""
    return is_hr(user) or bool(led_unit_ids(user))


def indicator_units(user: User) -> QuerySet[OrgUnit]:
    """The units whose indicator values ``user`` may see (none for other users)."""
    if is_hr(user):
        return OrgUnit.objects.all()
    return OrgUnit.objects.filter(pk__in=led_unit_ids(user))


def can_view_unit_indicators(user: User, unit: OrgUnit) -> bool:
    """Whether ``user`` may see the indicator values of ``unit`` (and its subtree)."""
    return is_hr(user) or unit.pk in led_unit_ids(user)


def unit_ids_with_indicators(user: User, unit_ids: Iterable[int]) -> set[int]:
    """Of ``unit_ids``, those whose indicator values ``user`` may see (e.g. breadcrumb links)."""
    wanted = set(unit_ids)
    if is_hr(user):
        return wanted
    return wanted & led_unit_ids(user)


# --- Plans and tertial reports ----------------------------------------------------------


def represented_unit_ids(user: User) -> set[int]:
    """Units an employee representative covers, with every unit below them."""
    return _assigned_unit_ids(user, RoleAssignment.Role.REPRESENTATIVE)


def plan_units(user: User) -> QuerySet[OrgUnit]:
    """Units whose plans and tertial reports ``user`` may read."""
    if is_hr(user):
        return OrgUnit.objects.all()
    return OrgUnit.objects.filter(pk__in=led_unit_ids(user) | represented_unit_ids(user))


def can_read_plans(user: User, unit: OrgUnit) -> bool:
    """HR, the unit's leaders (and leaders above it), and its employee representatives."""
    return is_hr(user) or unit.pk in (led_unit_ids(user) | represented_unit_ids(user))


def can_edit_plans(user: User, unit: OrgUnit) -> bool:
    """HR and the leaders of the unit or of a unit above it."""
    return is_hr(user) or unit.pk in led_unit_ids(user)


def ensure_can_edit_plans(user: User, unit: OrgUnit) -> None:
    """Raise ``PermissionDenied`` unless ``user`` may change the unit's plans and reports."""
    if not can_edit_plans(user, unit):
        raise PermissionDenied


def ensure_can_read_plans(user: User, unit: OrgUnit) -> None:
    """Raise ``PermissionDenied`` unless ``user`` may read the unit's plans and reports."""
    if not can_read_plans(user, unit):
        raise PermissionDenied


def can_read_plans_any(user: User) -> bool:
    """Whether ``user`` may read any unit's plans (the navigation's «Action plans»)."""
    return is_hr(user) or bool(led_unit_ids(user) | represented_unit_ids(user))


def can_speak_as_representative(user: User, unit: OrgUnit) -> bool:
    """Whether ``user`` represents the employees of ``unit`` (assigned to it or a unit above).

    Only they confirm their participation in the unit's actions and write remarks on its
    plans and reports: not HR, not leaders (unless also assigned as representative).
    """
    return unit.pk in represented_unit_ids(user)


def ensure_can_speak_as_representative(user: User, unit: OrgUnit) -> None:
    """Raise ``PermissionDenied`` unless ``user`` is an employee representative of ``unit``."""
    if not can_speak_as_representative(user, unit):
        raise PermissionDenied


def reviewed_unit_ids(user: User) -> set[int]:
    """Units strictly below a unit ``user`` leads: those whose reports they review."""
    if not user.is_authenticated or not user.is_active:
        return set()

    def compute() -> frozenset[int]:
        roots = RoleAssignment.objects.filter(user=user, role=RoleAssignment.Role.LEADER)
        return frozenset(
            OrgUnitClosure.objects.filter(
                ancestor_id__in=roots.values("unit_id"), depth__gt=0
            ).values_list("descendant_id", flat=True)
        )

    return set(_remembered(user, "reviewed", compute))


def can_review(user: User, unit: OrgUnit) -> bool:
    """HR, and the leaders of a unit above ``unit``: they approve or return its reports."""
    return is_hr(user) or unit.pk in reviewed_unit_ids(user)


def leads_directly(user: User, unit: OrgUnit) -> bool:
    """Whether ``user`` is assigned as a leader of ``unit`` itself (not only of one above)."""
    if not user.is_authenticated or not user.is_active:
        return False
    direct = _remembered(
        user,
        "leads-directly",
        lambda: frozenset(
            RoleAssignment.objects.filter(user=user, role=RoleAssignment.Role.LEADER).values_list(
                "unit_id", flat=True
            )
        ),
    )
    return unit.pk in direct


def may_review_report(user: User, unit: OrgUnit, submitted_by_id: int | None) -> bool:
    """Whether ``user`` may approve or return this report of ``unit``: a reviewer of the
    unit who neither submitted it nor leads the unit itself (no one reviews their own
    report; HR is only held to the first)."""
    if not can_review(user, unit) or submitted_by_id == user.pk:
        return False
    return is_hr(user) or not leads_directly(user, unit)


def ensure_can_review(user: User, unit: OrgUnit) -> None:
    """Raise ``PermissionDenied`` unless ``user`` may review the unit's reports."""
    if not can_review(user, unit):
        raise PermissionDenied


def ensure_hr(user: User) -> None:
    """Raise ``PermissionDenied`` unless ``user`` is HR (roles, tokens, reopening reports)."""
    if not is_hr(user):
        raise PermissionDenied


# --- View decorators ----------------------------------------------------------------------


def access_required(allowed: Callable[[Any], bool]) -> Callable[[View], View]:
    """Anonymous users go to the login page; logged-in users for whom ``allowed`` is false
    get 403."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


hr_required = access_required(is_hr)
indicators_required = access_required(can_view_indicators)
plans_required = access_required(can_read_plans_any)
