"""Writes for workplaces: org units (the HR import builds on these)."""

from django.db import transaction

from .models import OrgUnit


@transaction.atomic
def orgunit_upsert(
    *, code: str, name: str, parent_code: str | None, level: str, shift_based: bool
) -> tuple[OrgUnit, bool]:
    """Create or update one unit by code; returns (unit, changed).

    The parent must exist already (callers load units parents-first).
    """
    parent = OrgUnit.objects.get(code=parent_code) if parent_code else None
    values = {"name": name, "parent": parent, "level": level, "shift_based": shift_based}
    unit = OrgUnit.objects.filter(code=code).first()
    if unit is None:
        return OrgUnit.objects.create(code=code, **values), True
    changed = [field for field, value in values.items() if getattr(unit, field) != value]
    if changed:
        for field in changed:
            setattr(unit, field, values[field])
        unit.full_clean()
        unit.save(update_fields=changed)
    return unit, bool(changed)
