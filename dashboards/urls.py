from django.urls import path

import strategi.converters  # noqa: F401 - registers <unitcode:…>

from .views import dashboard, report, units

app_name = "dashboards"

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("dashboard/rows/<unitcode:code>/", dashboard.dashboard_rows, name="dashboard-rows"),
    path("dashboard/export.csv", dashboard.dashboard_export_csv, name="dashboard-export-csv"),
    path("dashboard/export.xlsx", dashboard.dashboard_export_xlsx, name="dashboard-export-xlsx"),
    path("dashboard/sammenheng/", units.sammenheng, name="sammenheng"),
    path("reports/<int:year>/T<int:number>/", report.tertial_report, name="tertial-report"),
    path(
        "reports/<int:year>/T<int:number>.pdf", report.tertial_report_pdf, name="tertial-report-pdf"
    ),
    path(
        "reports/<int:year>/T<int:number>.docx",
        report.tertial_report_docx,
        name="tertial-report-docx",
    ),
    path("reports/<int:year>/", report.year_report, name="year-report"),
    path("reports/<int:year>.pdf", report.year_report_pdf, name="year-report-pdf"),
    path("reports/<int:year>.docx", report.year_report_docx, name="year-report-docx"),
    path("units/<unitcode:code>/", units.unit_detail, name="unit-detail"),
]
