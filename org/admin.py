"""The organisation in the administration: the unit tree read-only, roles through services.

Units come from the HR export: the import checks the tree (one root, no cycles) and
rebuilds the closure table that every subtree sum and the access gate read, and the
next import would overwrite a hand edit anyway. So the tree is shown, with its
history, but not changed here.
"""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from strategi.admin import HistoryAdmin, ReadOnlyAdmin

from .models import OrgUnit, RoleAssignment
from .services import role_assignment_create, role_assignment_delete


@admin.register(OrgUnit)
class OrgUnitAdmin(ReadOnlyAdmin, HistoryAdmin):
    list_display = ["code", "name", "level", "parent", "shift_based"]
    list_filter = ["level", "shift_based"]
    list_select_related = ["parent"]
    search_fields = ["code", "name"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(HistoryAdmin):
    """Added and removed through the services (HR only, history user recorded).

    An assignment is not edited: giving someone another unit or role is a new one.
    """

    list_display = ["user", "role", "unit"]
    list_filter = ["role"]
    list_select_related = ["user", "unit"]
    search_fields = ["user__username", "unit__code", "unit__name"]
    autocomplete_fields = ["user", "unit"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: RoleAssignment, form: Any, change: bool
    ) -> None:
        created = role_assignment_create(
            user=obj.user, unit=obj.unit, role=obj.role, by=request.user
        )
        obj.pk = created.pk

    def delete_model(self, request: HttpRequest, obj: RoleAssignment) -> None:
        role_assignment_delete(assignment=obj, by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[RoleAssignment]) -> None:
        for assignment in queryset:
            role_assignment_delete(assignment=assignment, by=request.user)
