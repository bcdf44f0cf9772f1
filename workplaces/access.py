"""The one authorisation gate: which users may do what, on which units.

Every view, API view, export and selector asks these functions; nothing else decides.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from . import roles


def is_hr(user: AbstractBaseUser | AnonymousUser) -> bool:
    """HR staff (and superusers) see and maintain everything, and import HR data."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=roles.HR).exists()
