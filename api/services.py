"""Creating and revoking API tokens (the command and HR's page call these)."""

from collections.abc import Sequence

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from org import access, roles
from org.models import OrgUnit
from strategi.db import history_user_set

from .models import ApiToken, token_generate, token_hash


def units_from_codes(codes: Sequence[str]) -> list[OrgUnit]:
    """The units of ``codes``; ``ValidationError`` naming every unknown code."""
    wanted = [code.strip() for code in codes if code.strip()]
    units = {unit.code: unit for unit in OrgUnit.objects.filter(code__in=wanted)}
    unknown = [code for code in wanted if code not in units]
    if unknown:
        raise ValidationError(_("Unknown unit code(s): %(codes)s.") % {"codes": ", ".join(unknown)})
    return [units[code] for code in dict.fromkeys(wanted)]


def service_user_for(name: str) -> User:
    """The user a client's token acts as when no user is named: ``api-<name>``, in HR.

    It cannot log in to the web pages (no usable password).
    """
    username = f"api-{slugify(name)}"[:150]
    user, created = get_user_model().objects.get_or_create(username=username)
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    user.groups.add(Group.objects.get(name=roles.HR))
    return user


@transaction.atomic
def token_create(
    *,
    name: str,
    by: User | None,
    user: User | None = None,
    units: Sequence[OrgUnit] = (),
    can_write: bool = False,
) -> tuple[ApiToken, str]:
    """A new token; returns it with the key, which is shown once and never stored.

    ``by`` must be HR (``None``: the command line, run by the server's operator).
    Without ``user`` the token acts as the client's own service user (HR rights).
    """
    if by is not None:
        access.ensure_hr(by)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the client a name.")})
    limit = ApiToken._meta.get_field("name").max_length or 0
    if len(name) > limit:
        raise ValidationError(
            {"name": _("Give a name of at most %(limit)s characters.") % {"limit": limit}}
        )
    units = list(dict.fromkeys(units))
    raw = token_generate()
    token = ApiToken(
        name=name,
        user=user or service_user_for(name),
        key_hash=token_hash(raw),
        key_start=raw[:10],
        can_write=can_write,
        created_by=by,
        unit_limited=bool(units),
        unit_codes=sorted(unit.code for unit in units),
    )
    history_user_set(token, by)
    token.save()
    token.units.set(units)
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken, by: User | None) -> ApiToken:
    """Revoke a token at once; it stays listed, with when it was revoked."""
    if by is not None:
        access.ensure_hr(by)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        history_user_set(token, by)
        token.save(update_fields=["revoked_at"])
    return token
