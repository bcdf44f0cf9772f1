"""The org tree and role assignments through the administration itself.

The tree is read-only there (it comes from the HR import, which keeps the closure
table in step); role assignments go through their services. Each test tries the
write an HR user could send by hand and checks that nothing was written.
"""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from hr.models import ImportJob
from org.models import OrgUnit, OrgUnitClosure, RoleAssignment
from org.services import orgunit_tree_rebuild
from tests.hr.hr_import_helpers import messages, run, units
from tests.measures.builders import build_units

pytestmark = pytest.mark.django_db

TREE = [
    {"code": "K", "level": "kommune"},
    {"code": "A", "parent_code": "K", "level": "tjenesteomrade"},
    {"code": "B", "parent_code": "A", "level": "virksomhet"},
]


def tree_state() -> tuple:
    return (
        sorted(OrgUnit.objects.values_list("code", "parent__code", "name", "level")),
        sorted(OrgUnitClosure.objects.values_list("ancestor__code", "descendant__code")),
        OrgUnit.history.count(),
    )


def change_form(unit: OrgUnit, **changes) -> dict:
    data = {
        "code": unit.code,
        "name": unit.name,
        "parent": unit.parent_id or "",
        "level": unit.level,
        "shift_based": "on" if unit.shift_based else "",
    }
    return {**data, **changes}


def test_hr_sees_the_tree_in_the_admin(hr_admin):
    units_by_code = build_units(TREE)

    assert hr_admin.get(reverse("admin:org_orgunit_changelist")).status_code == 200
    page = hr_admin.get(reverse("admin:org_orgunit_change", args=[units_by_code["B"].pk]))
    assert page.status_code == 200
    assert b'name="parent"' not in page.content  # shown, not editable


def test_a_parent_cycle_cannot_be_saved_in_the_admin(hr_admin):
    # Given K → A → B
    units_by_code = build_units(TREE)
    before = tree_state()

    # When HR posts A with B as its parent (A → B → A)
    a = units_by_code["A"]
    response = hr_admin.post(
        reverse("admin:org_orgunit_change", args=[a.pk]),
        change_form(a, parent=units_by_code["B"].pk),
    )

    # Then it is refused and the tree, its closure and its history are as before
    assert response.status_code == 403
    assert tree_state() == before

    # And an import that writes units still works
    result = run(units("K,K,,kommune,nei", "A,A,K,tjenesteomrade,nei", "C,Ny,A,virksomhet,nei"))
    assert result.succeeded, messages(result)
    assert OrgUnitClosure.objects.filter(ancestor__code="K", descendant__code="C").exists()


def test_a_unit_cannot_be_moved_added_or_deleted_in_the_admin(hr_admin):
    units_by_code = build_units(TREE)
    before = tree_state()
    b = units_by_code["B"]

    moved = hr_admin.post(
        reverse("admin:org_orgunit_change", args=[b.pk]),
        change_form(b, parent=units_by_code["K"].pk),
    )
    added = hr_admin.post(
        reverse("admin:org_orgunit_add"),
        {"code": "X", "name": "X", "parent": units_by_code["K"].pk, "level": "virksomhet"},
    )
    deleted = hr_admin.post(reverse("admin:org_orgunit_delete", args=[b.pk]), {"post": "yes"})

    assert (moved.status_code, added.status_code, deleted.status_code) == (403, 403, 403)
    assert tree_state() == before


def test_an_old_version_cannot_be_saved_back_from_the_history_page(hr_admin):
    units_by_code = build_units(TREE)
    b = units_by_code["B"]
    OrgUnit.history.create(
        id=b.pk,
        code=b.code,
        name="Old name",
        parent_id=units_by_code["K"].pk,
        level=b.level,
        shift_based=False,
        history_date=b.history.first().history_date,
        history_type="~",
    )
    version = OrgUnit.history.filter(id=b.pk, name="Old name").get()
    url = reverse("admin:org_orgunit_simple_history", args=[b.pk, version.history_id])
    before = tree_state()

    assert hr_admin.get(url).status_code == 200
    response = hr_admin.post(url, change_form(b, name="Old name", parent=units_by_code["K"].pk))

    assert response.status_code == 403
    assert tree_state() == before


def test_a_cycle_made_behind_the_apps_back_is_a_clear_import_error_not_a_crash(db):
    # Given a stored tree that someone changed in the database: A → B → A
    units_by_code = build_units(TREE)
    OrgUnit.objects.filter(code="A").update(parent=units_by_code["B"])
    before = sorted(OrgUnit.objects.values_list("code", "parent__code"))

    # When an import writes another unit
    result = run(units("K,K,,kommune,nei", "C,Ny,K,virksomhet,nei"))

    # Then it is refused, naming the cycle and what to do, and nothing is written
    assert not result.succeeded
    assert messages(result) == [
        "orgunits.csv: parent_code: det lagrede enhetstreet har en sirkel: A → B → A. "
        "Importer disse enhetene med riktig parent_code."
    ]
    assert result.job.status == ImportJob.Status.FAILED
    assert sorted(OrgUnit.objects.values_list("code", "parent__code")) == before

    # And an import that gives them their right parents mends the tree
    mended = run(units("K,K,,kommune,nei", "A,A,K,tjenesteomrade,nei", "B,B,A,virksomhet,nei"))
    assert mended.succeeded, messages(mended)
    assert orgunit_tree_rebuild() == 6


# --- Role assignments ----------------------------------------------------------------------


def assignment_form(user, unit, role="leader") -> dict:
    return {"user": user.pk, "unit": unit.pk, "role": role}


def test_hr_adds_a_role_in_the_admin_through_the_service(hr_admin, django_user_model):
    units_by_code = build_units(TREE)
    leader = django_user_model.objects.create_user(username="leader", password="secret-pw-1")

    response = hr_admin.post(
        reverse("admin:org_roleassignment_add"), assignment_form(leader, units_by_code["B"])
    )

    assert response.status_code == 302
    assignment = RoleAssignment.objects.get()
    assert (assignment.user, assignment.unit.code, assignment.role) == (leader, "B", "leader")
    assert assignment.history.get().history_user == hr_admin.user


def test_a_duplicate_role_is_a_form_error_and_nothing_is_written(hr_admin, django_user_model):
    units_by_code = build_units(TREE)
    leader = django_user_model.objects.create_user(username="leader", password="secret-pw-1")
    RoleAssignment.objects.create(user=leader, unit=units_by_code["B"], role="leader")

    response = hr_admin.post(
        reverse("admin:org_roleassignment_add"), assignment_form(leader, units_by_code["B"])
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert RoleAssignment.objects.count() == 1


def test_staff_outside_hr_cannot_give_roles_even_with_the_admin_permission(
    client, django_user_model
):
    # Given a staff user who is not HR but was given the model permission directly
    units_by_code = build_units(TREE)
    staff = django_user_model.objects.create_user(
        username="staff", password="secret-pw-1", is_staff=True
    )
    staff.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="org", codename__in=["add_roleassignment", "view_orgunit"]
        )
    )
    client.force_login(staff)

    # When they give themselves a leader's role in the admin
    response = client.post(
        reverse("admin:org_roleassignment_add"), assignment_form(staff, units_by_code["K"])
    )

    # Then the service refuses, and nothing is written
    assert response.status_code == 403
    assert not RoleAssignment.objects.exists()


def test_a_role_is_not_edited_but_removed_through_the_service(hr_admin, django_user_model):
    units_by_code = build_units(TREE)
    leader = django_user_model.objects.create_user(username="leader", password="secret-pw-1")
    assignment = RoleAssignment.objects.create(user=leader, unit=units_by_code["B"], role="leader")

    edited = hr_admin.post(
        reverse("admin:org_roleassignment_change", args=[assignment.pk]),
        assignment_form(leader, units_by_code["K"]),
    )
    assert edited.status_code == 403
    assert RoleAssignment.objects.get().unit.code == "B"

    deleted = hr_admin.post(
        reverse("admin:org_roleassignment_delete", args=[assignment.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 302
    assert not RoleAssignment.objects.exists()
    removal = RoleAssignment.history.filter(history_type="-").get()
    assert removal.history_user == hr_admin.user
