from django.urls import path

import strategi.converters  # noqa: F401 - registers <unitcode:…>

from .views import actions, reports, representatives, review, rounds

app_name = "plans"

# Action plans and their actions.
urlpatterns = [
    path("plans/", actions.plan_list, name="plan-list"),
    path(
        "plans/<unitcode:unit_code>/<int:year>/actions/new/",
        actions.action_create,
        name="action-create",
    ),
    path(
        "plans/<unitcode:unit_code>/<int:year>/actions/<int:pk>/",
        actions.action_edit,
        name="action-edit",
    ),
    path(
        "plans/<unitcode:unit_code>/<int:year>/actions/<int:pk>/delete/",
        actions.action_delete,
        name="action-delete",
    ),
    path("plans/<unitcode:unit_code>/<int:year>/copy/", actions.plan_copy, name="plan-copy"),
    # The employee representatives' own voice.
    path(
        "plans/<unitcode:unit_code>/<int:year>/deltakelse/<int:pk>/bekreft/",
        representatives.participation_confirm,
        name="participation-confirm",
    ),
    path(
        "plans/<unitcode:unit_code>/<int:year>/deltakelse/<int:pk>/trekk-tilbake/",
        representatives.participation_withdraw,
        name="participation-withdraw",
    ),
    path(
        "plans/<unitcode:unit_code>/<int:year>/merknader/",
        representatives.plan_remark_add,
        name="plan-remark-add",
    ),
    path("plans/merknader/<int:pk>/slett/", representatives.remark_delete, name="remark-delete"),
    path("plans/<unitcode:unit_code>/<int:year>/history/", actions.history, name="history"),
    # Last: a unit code may hold "/" (<unitcode:…>), so ".../2024/actions/5/" would also
    # read as the plan of unit "…/2024/actions" in year 5.
    path("plans/<unitcode:unit_code>/<int:year>/", actions.plan_detail, name="plan-detail"),
]

# Tertial reports.
urlpatterns += [
    path("tertialrapporter/", reports.report_list, name="tertial-report-list"),
    path("tertialrapporter/mangler/", reports.missing_reports, name="missing-reports"),
    path("tertialrapporter/runder/", rounds.round_list, name="rounds"),
    path("tertialrapporter/runder/<int:pk>/frist/", rounds.round_deadline, name="round-deadline"),
    path("tertialrapporter/runder/<int:pk>/lukk/", rounds.round_close, name="round-close"),
    path("tertialrapporter/runder/apne/", rounds.round_open, name="round-open"),
    path("tertialrapporter/gjennomgang/", review.review_index, name="review-index"),
    path(
        "tertialrapporter/gjennomgang/<unitcode:unit_code>/<int:year>/T<int:tertial>/",
        review.review,
        name="review",
    ),
    path(
        "tertialrapporter/gjennomgang/<unitcode:unit_code>/<int:year>/T<int:tertial>/oppsummering/",
        review.area_summary,
        name="area-summary",
    ),
    path(
        "tertialrapporter/gjennomgang/<unitcode:unit_code>/<int:year>/T<int:tertial>/"
        "<int:pk>/godkjenn/",
        review.review_decide,
        {"decision": "approve"},
        name="review-approve",
    ),
    path(
        "tertialrapporter/gjennomgang/<unitcode:unit_code>/<int:year>/T<int:tertial>/"
        "<int:pk>/send-tilbake/",
        review.review_decide,
        {"decision": "return"},
        name="review-return",
    ),
    path(
        "tertialrapporter/<unitcode:unit_code>/<int:year>/T<int:tertial>/",
        reports.report_edit,
        name="tertial-report-edit",
    ),
    path(
        "tertialrapporter/<unitcode:unit_code>/<int:year>/T<int:tertial>/send/",
        reports.report_submit,
        name="tertial-report-submit",
    ),
    path(
        "tertialrapporter/<unitcode:unit_code>/<int:year>/T<int:tertial>/bekreft/",
        reports.report_confirm,
        name="tertial-report-confirm",
    ),
    path(
        "tertialrapporter/<unitcode:unit_code>/<int:year>/T<int:tertial>/merknader/",
        representatives.report_remark_add,
        name="report-remark-add",
    ),
    path(
        "tertialrapporter/<unitcode:unit_code>/<int:year>/T<int:tertial>/gjenapne/",
        reports.report_reopen,
        name="tertial-report-reopen",
    ),
]
