from django.urls import path

from fincloud.audits import views

app_name = "audits"
urlpatterns = [
    path("", views.plan, name="plan"),
    path("regenerate", views.plan_regenerate, name="plan_regenerate"),
    path("policy", views.policy, name="policy"),
    path("tailoring/", views.tailoring, name="tailoring"),
    path("services/<uuid:code>/", views.service_audits, name="service"),
    path("services/<uuid:code>/new", views.audit_create, name="audit_create"),
    path("services/<uuid:code>/tests/new", views.test_create, name="test_create"),
    path("tests/<uuid:code>/", views.test_edit, name="test"),
    path("tests/<uuid:code>/file", views.test_file, name="test_file"),
    path("list/", views.audit_list, name="audit_list"),
    path("a/<uuid:code>/", views.audit_detail, name="audit"),
    path("a/<uuid:code>/assign", views.audit_assign, name="audit_assign"),
    path("a/<uuid:code>/advance", views.audit_advance, name="audit_advance"),
    path("a/<uuid:code>/papers/new", views.paper_create, name="paper_create"),
    path("a/<uuid:code>/findings/new", views.finding_create, name="finding_create"),
    path("a/<uuid:code>/report/new", views.report_create, name="report_create"),
    path("participants/<uuid:code>/report", views.participant_report, name="participant_report"),
    path("programme/<uuid:code>/", views.programme_item, name="programme_item"),
    path("papers/<uuid:code>/", views.paper_detail, name="paper"),
    path("papers/<uuid:code>/file", views.paper_file, name="paper_file"),
    path("findings/", views.finding_list, name="finding_list"),
    path("findings/<uuid:code>/", views.finding_detail, name="finding"),
    path("findings/<uuid:code>/respond", views.finding_respond, name="finding_respond"),
    path("findings/<uuid:code>/remediate", views.finding_remediate, name="finding_remediate"),
    path("findings/<uuid:code>/verify", views.finding_verify, name="finding_verify"),
    path("reports/<uuid:code>/", views.report_detail, name="report"),
    path("reports/<uuid:code>/file", views.report_file, name="report_file"),
    path("reports/<uuid:code>/<str:action>", views.report_transition, name="report_transition"),
    path("auditors/", views.auditor_list, name="auditors"),
    path("auditors/new", views.auditor_create, name="auditor_create"),
    path("auditors/<uuid:code>/", views.auditor_detail, name="auditor"),
    path(
        "auditors/<uuid:code>/certificates", views.auditor_certificate, name="auditor_certificate"
    ),
    path("auditors/<uuid:code>/experience", views.auditor_experience, name="auditor_experience"),
]
