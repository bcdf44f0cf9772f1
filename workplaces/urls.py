from django.urls import path

from . import report_views, views, views_plans

app_name = "workplaces"

urlpatterns = [
    path("import/", views.hr_import_upload, name="import"),
    path("import/<int:pk>/", views.hr_import_detail, name="import-detail"),
]

# Action plans and role assignments (views_plans).
urlpatterns += [
    path("plans/", views_plans.plan_list, name="plan-list"),
    path("plans/assignments/", views_plans.assignments, name="assignments"),
    path(
        "plans/assignments/<int:pk>/delete/",
        views_plans.assignment_delete,
        name="assignment-delete",
    ),
    path("plans/<str:unit_code>/<int:year>/", views_plans.plan_detail, name="plan-detail"),
    path(
        "plans/<str:unit_code>/<int:year>/actions/new/",
        views_plans.action_create,
        name="action-create",
    ),
    path(
        "plans/<str:unit_code>/<int:year>/actions/<int:pk>/",
        views_plans.action_edit,
        name="action-edit",
    ),
    path(
        "plans/<str:unit_code>/<int:year>/actions/<int:pk>/delete/",
        views_plans.action_delete,
        name="action-delete",
    ),
    path("plans/<str:unit_code>/<int:year>/copy/", views_plans.plan_copy, name="plan-copy"),
    path("plans/<str:unit_code>/<int:year>/history/", views_plans.history, name="history"),
]

# Tertial reports (report_views).
urlpatterns += [
    path("tertialrapporter/", report_views.report_list, name="tertial-report-list"),
    path("tertialrapporter/mangler/", report_views.missing_reports, name="missing-reports"),
    path(
        "tertialrapporter/<str:unit_code>/<int:year>/T<int:tertial>/",
        report_views.report_edit,
        name="tertial-report-edit",
    ),
    path(
        "tertialrapporter/<str:unit_code>/<int:year>/T<int:tertial>/send/",
        report_views.report_submit,
        name="tertial-report-submit",
    ),
    path(
        "tertialrapporter/<str:unit_code>/<int:year>/T<int:tertial>/gjenapne/",
        report_views.report_reopen,
        name="tertial-report-reopen",
    ),
]
