"""HR records in the administration: read-only, with the history of every import's changes.

Employments and absence spells come from the HR export (``hr.services.hr_import``), so
they are shown, never changed here. Each version in an object's history names the
import that wrote it, with its user («who imported which change»).
"""

from django.contrib import admin
from django.utils.translation import gettext_noop

from strategi.admin import HistoryAdmin, ReadOnlyAdmin

from .models import AbsenceSpell, Employment

# simple-history's history page heads an extra column with its name, translated.
gettext_noop("import_job")


@admin.register(Employment)
class EmploymentAdmin(ReadOnlyAdmin, HistoryAdmin):
    list_display = [
        "employment_id",
        "person_id",
        "unit",
        "position_pct",
        "start_date",
        "end_date",
        "employment_type",
    ]
    list_filter = ["employment_type", "end_reason"]
    list_select_related = ["unit"]
    search_fields = ["employment_id", "person_id", "unit__code"]
    history_list_display = ["import_job"]


@admin.register(AbsenceSpell)
class AbsenceSpellAdmin(ReadOnlyAdmin, HistoryAdmin):
    list_display = ["absence_id", "employment", "start_date", "end_date", "grade_pct", "kind"]
    list_filter = ["kind"]
    list_select_related = ["employment"]
    search_fields = ["absence_id", "employment__employment_id"]
    history_list_display = ["import_job"]
