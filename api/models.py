"""API tokens: a named client's key, stored hashed, optionally limited to org subtrees."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from org.models import OrgUnit

TOKEN_PREFIX = "stg_"  # noqa: S105 (a prefix, not a secret)


def token_hash(raw: str) -> str:
    """SHA-256 of the token: tokens are 256-bit random, so a fast hash is enough."""
    return hashlib.sha256(raw.encode()).hexdigest()


def token_generate() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


class ApiToken(models.Model):
    """A client's API key. The key itself is shown once; only its hash is stored.

    The client acts as ``user`` (its roles decide what it may see and change), further
    limited to the subtrees of ``units`` when it is ``unit_limited``, and to reading
    unless ``can_write``. A limited token whose units have all been deleted sees
    nothing (it fails closed): ``unit_codes`` keeps the codes it was limited to, so HR
    can see which are gone.
    """

    name = models.CharField(_("client name"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("acts as user"),
    )
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters of the key, so that a client can be recognised in lists.
    key_start = models.CharField(_("key starts with"), max_length=12, editable=False)
    units = models.ManyToManyField(
        OrgUnit,
        blank=True,
        related_name="+",
        verbose_name=_("limited to units"),
        help_text=_("The token sees only these units and the units below them."),
    )
    # Set once when the token is created: a limit is never lifted by its units
    # disappearing (deleting a unit removes it from ``units``).
    unit_limited = models.BooleanField(_("limited to units"), default=False, editable=False)
    unit_codes = models.JSONField(_("unit codes when created"), default=list, editable=False)
    can_write = models.BooleanField(_("may write"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["last_used_at"])

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_start}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def lost_unit_codes(self) -> list[str]:
        """The codes it was limited to whose units no longer exist (uses ``units``)."""
        present = {unit.code for unit in self.units.all()}
        return [code for code in self.unit_codes if code not in present]
