from django.urls import path

from fincloud.resilience import views

app_name = "resilience"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("settings", views.settings_edit, name="settings"),
    path("rules/", views.rule_list, name="rule_list"),
    path("rules/new", views.rule_create, name="rule_create"),
    path("rules/<uuid:code>/edit", views.rule_edit, name="rule_edit"),
    # Ch 8.1 business impact analysis
    path("bia/", views.bia_list, name="bia_list"),
    path("bia/new", views.bia_create, name="bia_create"),
    path("bia/<uuid:code>/", views.bia_detail, name="bia_detail"),
    path("bia/<uuid:code>/edit", views.bia_edit, name="bia_edit"),
    path("bia/<uuid:code>/recheck", views.bia_recheck, name="bia_recheck"),
    path("bia/<uuid:code>/new-version", views.bia_new_version, name="bia_new_version"),
    path("bia/<uuid:code>/<str:action>", views.bia_transition, name="bia_transition"),
    # Ch 8.2 incidents
    path("incidents/", views.incident_list, name="incident_list"),
    path("incidents/report", views.incident_report, name="incident_report"),
    path("incidents/<uuid:code>/", views.incident_detail, name="incident_detail"),
    path("incidents/<uuid:code>/duties", views.incident_duties, name="incident_duties"),
    path("incidents/<uuid:code>/handle", views.incident_handle, name="incident_handle"),
    path("incidents/<uuid:code>/step", views.incident_step, name="incident_step"),
    path("incidents/<uuid:code>/notices/add", views.notice_add, name="notice_add"),
    path("incidents/<uuid:code>/upload", views.incident_upload, name="incident_upload"),
    path("incidents/<uuid:code>/review", views.review_create, name="review_create"),
    path("notices/<uuid:code>/sent", views.notice_sent, name="notice_sent"),
    path("reviews/<uuid:code>/", views.review_detail, name="review_detail"),
    path("reviews/<uuid:code>/edit", views.review_edit, name="review_edit"),
    path("reviews/<uuid:code>/<str:action>", views.review_transition, name="review_transition"),
    path("problems/", views.problem_list, name="problem_list"),
    path("problems/<uuid:code>/", views.problem_detail, name="problem_detail"),
    path("problems/<uuid:code>/edit", views.problem_edit, name="problem_edit"),
    path("problems/<uuid:code>/close", views.problem_close, name="problem_close"),
    # Ch 8.3 / 8.4 continuity plans and drills
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new", views.plan_create, name="plan_create"),
    path("plans/<uuid:code>/", views.plan_detail, name="plan_detail"),
    path("plans/<uuid:code>/edit", views.plan_edit, name="plan_edit"),
    path("plans/<uuid:code>/new-version", views.plan_new_version, name="plan_new_version"),
    path("plans/<uuid:code>/drills/new", views.drill_create, name="drill_create"),
    path("plans/<uuid:code>/<str:action>", views.plan_transition, name="plan_transition"),
    path("drills/<uuid:code>/", views.drill_detail, name="drill_detail"),
    path("drills/<uuid:code>/edit", views.drill_edit, name="drill_edit"),
    path("drills/<uuid:code>/results", views.report_create, name="report_create"),
    path("drills/<uuid:code>/follow-ups", views.follow_up_add, name="follow_up_add"),
    path("drills/<uuid:code>/<str:action>", views.drill_transition, name="drill_transition"),
    path("follow-ups/<uuid:code>/done", views.follow_up_done, name="follow_up_done"),
    path("results/<uuid:code>/", views.report_detail, name="report_detail"),
    path("results/<uuid:code>/edit", views.report_edit, name="report_edit"),
    path("results/<uuid:code>/upload", views.report_upload, name="report_upload"),
    path("results/<uuid:code>/<str:action>", views.report_transition, name="report_transition"),
    path("provider-reviews/new", views.provider_review_create, name="provider_review_create"),
    path(
        "provider-reviews/<uuid:code>/",
        views.provider_review_detail,
        name="provider_review_detail",
    ),
    path(
        "provider-reviews/<uuid:code>/edit", views.provider_review_edit, name="provider_review_edit"
    ),
    path(
        "provider-reviews/<uuid:code>/upload",
        views.provider_review_upload,
        name="provider_review_upload",
    ),
    # Ch 8.5 exit
    path("exits/", views.exit_list, name="exit_list"),
    path("exits/new", views.exit_create, name="exit_create"),
    path("exits/<uuid:code>/", views.exit_detail, name="exit_detail"),
    path("exits/<uuid:code>/edit", views.exit_edit, name="exit_edit"),
    path("exits/<uuid:code>/new-version", views.exit_new_version, name="exit_new_version"),
    path("exits/<uuid:code>/start", views.exit_start, name="exit_start"),
    path("exits/<uuid:code>/<str:action>", views.exit_transition, name="exit_transition"),
    path("executions/<uuid:code>/", views.execution_detail, name="execution_detail"),
    path("executions/<uuid:code>/progress", views.execution_progress, name="execution_progress"),
    path("executions/<uuid:code>/transfers/new", views.transfer_create, name="transfer_create"),
    path("executions/<uuid:code>/deletion/new", views.deletion_create, name="deletion_create"),
    path("transfers/<uuid:code>/edit", views.transfer_edit, name="transfer_edit"),
    path("deletions/<uuid:code>/", views.deletion_detail, name="deletion_detail"),
    path("deletions/<uuid:code>/edit", views.deletion_edit, name="deletion_edit"),
    path("deletions/<uuid:code>/upload", views.deletion_upload, name="deletion_upload"),
    path(
        "deletions/<uuid:code>/<str:action>", views.deletion_transition, name="deletion_transition"
    ),
]
