"""Targets and indicators through the administration itself, and the database's own rule.

The admin is a client of the services: an overlapping target and a change to a
computed indicator are refused there as everywhere, and nothing is written.
"""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from measures.models import Indicator, Target
from measures.services import indicators_ensure, target_save
from tests.conftest import require_service
from tests.measures.builders import build_units

pytestmark = pytest.mark.django_db

TREE = [
    {"code": "K", "level": "kommune"},
    {"code": "HV", "parent_code": "K", "level": "tjenesteomrade"},
]


@pytest.fixture
def world():
    units = build_units(TREE)
    return units, indicators_ensure()["sick_leave_pct"]


def target_form(indicator, unit, **changes) -> dict:
    data = {
        "indicator": indicator.pk,
        "unit": unit.pk,
        "comparator": "<",
        "value": "6",
        "margin": "0",
        "valid_from": "",
        "valid_to": "",
    }
    return {**data, **changes}


def targets() -> list[tuple]:
    return sorted(
        Target.objects.values_list("unit__code", "value", "valid_from", "valid_to", "margin")
    )


def test_hr_adds_a_target_in_the_admin_through_the_service(hr_admin, world):
    units, sick_leave = world

    response = hr_admin.post(
        reverse("admin:measures_target_add"),
        target_form(sick_leave, units["HV"], value="8.5", valid_from="2025-01-01"),
    )

    assert response.status_code == 302, response.content[:2000]
    target = Target.objects.get()
    assert (target.value, target.valid_from) == (8.5, dt.date(2025, 1, 1))
    assert target.history.get().history_user == hr_admin.user


def test_an_overlapping_target_is_a_form_error_in_the_admin_and_nothing_is_written(hr_admin, world):
    # Given a target for HV from 2025 on
    units, sick_leave = world
    target_save(
        indicator=sick_leave,
        unit=units["HV"],
        comparator="<",
        value=8,
        valid_from=dt.date(2025, 1, 1),
    )
    before = targets()

    # When HR adds one for the same indicator and unit that overlaps it
    response = hr_admin.post(
        reverse("admin:measures_target_add"),
        target_form(sick_leave, units["HV"], valid_from="2024-01-01", valid_to="2025-06-30"),
    )

    # Then the form says why, and nothing is written
    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert "allerede et mål" in str(errors) or "already has a target" in str(errors)
    assert targets() == before


def test_changing_a_target_into_an_overlap_is_refused_in_the_admin(hr_admin, world):
    units, sick_leave = world
    old = target_save(
        indicator=sick_leave,
        unit=units["HV"],
        comparator="<",
        value=9,
        valid_to=dt.date(2024, 12, 31),
    )
    target_save(
        indicator=sick_leave,
        unit=units["HV"],
        comparator="<",
        value=8,
        valid_from=dt.date(2025, 1, 1),
    )
    before = targets()

    response = hr_admin.post(
        reverse("admin:measures_target_change", args=[old.pk]),
        target_form(sick_leave, units["HV"], value="9", valid_to="2025-03-31"),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert targets() == before


def test_an_old_target_cannot_be_saved_back_from_the_history_page(hr_admin, world):
    units, sick_leave = world
    target = target_save(indicator=sick_leave, unit=units["HV"], comparator="<", value=8)
    target_save(indicator=sick_leave, unit=units["HV"], comparator="<", value=7, target=target)
    first = target.history.order_by("history_id").first()
    url = reverse("admin:measures_target_simple_history", args=[target.pk, first.history_id])

    response = hr_admin.post(url, target_form(sick_leave, units["HV"], value="8"))

    assert response.status_code == 403
    assert Target.objects.get().value == 7


@pytest.mark.services
def test_postgresql_refuses_an_overlapping_target_whatever_writes_it(world):
    require_service(connection.vendor == "postgresql", "the constraint is PostgreSQL's")
    units, sick_leave = world
    Target.objects.create(indicator=sick_leave, unit=units["HV"], comparator="<", value=8)

    # A write past the service (e.g. a script using the ORM) meets the database's rule
    with pytest.raises(IntegrityError), transaction.atomic():
        Target.objects.create(
            indicator=sick_leave,
            unit=units["HV"],
            comparator="<",
            value=7,
            valid_from=dt.date(2025, 1, 1),
        )
    # Targets for another unit, or one after the other, are fine
    Target.objects.filter(unit=units["HV"]).update(valid_to=dt.date(2024, 12, 31))
    Target.objects.create(
        indicator=sick_leave,
        unit=units["HV"],
        comparator="<",
        value=7,
        valid_from=dt.date(2025, 1, 1),
    )
    Target.objects.create(indicator=sick_leave, unit=units["K"], comparator="<", value=6)
    assert Target.objects.count() == 3


# --- Indicators ---------------------------------------------------------------------------


def indicator_form(indicator: Indicator, **changes) -> dict:
    data = {
        "slug": indicator.slug,
        "name": indicator.name,
        "description": indicator.description,
        "unit_of_measure": indicator.unit_of_measure,
        "direction": indicator.direction,
        "scale_min": "",
        "scale_max": "",
        "order": indicator.order,
    }
    return {**data, **changes}


def test_a_computed_indicator_is_read_only_in_the_admin(hr_admin, world):
    _units, sick_leave = world
    url = reverse("admin:measures_indicator_change", args=[sick_leave.pk])

    page = hr_admin.get(url)
    changed = hr_admin.post(url, indicator_form(sick_leave, name="Fravær", direction="higher"))
    deleted = hr_admin.post(
        reverse("admin:measures_indicator_delete", args=[sick_leave.pk]), {"post": "yes"}
    )

    assert page.status_code == 200
    assert b'name="name"' not in page.content
    assert (changed.status_code, deleted.status_code) == (403, 403)
    sick_leave.refresh_from_db()
    assert (sick_leave.name, sick_leave.direction) == ("Sykefravær", "lower")


def test_hr_adds_a_reported_indicator_in_the_admin_through_the_service(hr_admin, world):
    response = hr_admin.post(
        reverse("admin:measures_indicator_add"),
        {
            "slug": "laerlinger",
            "name": "Lærlinger",
            "description": "",
            "unit_of_measure": "personer",
            "direction": "higher",
            "scale_min": "0",
            "scale_max": "",
            "order": "30",
        },
    )

    assert response.status_code == 302, response.content[:2000]
    created = Indicator.objects.get(slug="laerlinger")
    assert (created.kind, created.suppressible, created.order) == ("reported", False, 30)


def test_a_reported_indicator_may_not_take_a_computed_short_name_in_the_admin(hr_admin, world):
    count = Indicator.objects.count()

    response = hr_admin.post(
        reverse("admin:measures_indicator_add"),
        {
            "slug": "headcount",
            "name": "Hoder",
            "description": "",
            "unit_of_measure": "personer",
            "direction": "neutral",
            "scale_min": "",
            "scale_max": "",
            "order": "0",
        },
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert Indicator.objects.count() == count
