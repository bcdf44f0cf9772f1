from django.urls import path

import strategi.converters  # noqa: F401 - registers <unitcode:…>

from .views import dashboard, units

app_name = "dashboards"

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/rows/<unitcode:code>/", dashboard.dashboard_rows, name="dashboard-rows"),
    path("dashboard/export.csv", dashboard.dashboard_export_csv, name="dashboard-export-csv"),
    path("dashboard/export.xlsx", dashboard.dashboard_export_xlsx, name="dashboard-export-xlsx"),
    path("dashboard/sammenheng/", units.sammenheng, name="sammenheng"),
    path("reports/<int:year>/T<int:number>/", dashboard.tertial_report, name="tertial-report"),
    path("units/<unitcode:code>/", units.unit_detail, name="unit-detail"),
]
