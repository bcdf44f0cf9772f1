"""The demo installation: a small municipality and one user per role.

Used by ``make run`` (``manage.py load_demo``) in demo mode only.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from . import roles
from .services import orgunit_tree_rebuild, orgunit_upsert

DEMO_ORGUNITS = Path(__file__).resolve().parent / "data" / "demo_orgunits.csv"
DEMO_PASSWORD = "demo"  # noqa: S105 - demo mode only, printed on start
DEMO_USERS = (
    # username, role, is_staff (HR maintains strategies and targets in the admin)
    ("hr", roles.HR, True),
    ("leder", roles.LEADER, False),
    ("tillitsvalgt", roles.REPRESENTATIVE, False),
)


@dataclass
class DemoResult:
    units_changed: int
    users_created: list[str]


@transaction.atomic
def demo_load(*, orgunits_file: Path = DEMO_ORGUNITS) -> DemoResult:
    """Load the demo municipality and the demo users; safe to run again."""
    if not settings.DEMO_MODE:
        raise ImproperlyConfigured("The demo data is loaded only in demo mode (DEMO_MODE).")
    units_changed = 0
    with orgunits_file.open(encoding="utf-8", newline="") as handle:
        # The file lists parents before children.
        for row in csv.DictReader(handle):
            _, changed = orgunit_upsert(
                code=row["code"],
                name=row["name"],
                parent_code=row["parent_code"] or None,
                level=row["level"],
                shift_based=row["shift_based"] == "ja",
            )
            units_changed += changed
    orgunit_tree_rebuild()

    user_model = get_user_model()
    created = []
    for username, role, is_staff in DEMO_USERS:
        user, was_created = user_model.objects.get_or_create(
            username=username, defaults={"is_staff": is_staff}
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            created.append(username)
        user.groups.add(Group.objects.get(name=role))
    return DemoResult(units_changed=units_changed, users_created=created)
