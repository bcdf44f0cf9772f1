from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import OrgUnit


@admin.register(OrgUnit)
class OrgUnitAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "level", "parent", "shift_based"]
    list_filter = ["level", "shift_based"]
    list_select_related = ["parent"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
