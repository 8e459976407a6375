from django.urls import include, path

from fincloud.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("language", views.set_language, name="set_language"),
    path("people/", include("fincloud.people.urls")),
    path("audit/", include("fincloud.auditlog.urls")),
    path("evidence/", include("fincloud.evidence.urls")),
    path("manual/", include("fincloud.manual.urls")),
    path("governance/", include("fincloud.governance.urls")),
    path("register/", include("fincloud.register.urls")),
    path("assessments/", include("fincloud.assessments.urls")),
    path("oversight/", include("fincloud.oversight.urls")),
    path("controls/", include("fincloud.controls.urls")),
    path("audits/", include("fincloud.audits.urls")),
    path("resilience/", include("fincloud.resilience.urls")),
    path("privacy/", include("fincloud.privacy.urls")),
    path("reports/", include("fincloud.reports.urls")),
    path("api/v1/", include("fincloud.api.urls")),
    path("", include("fincloud.api.web_urls")),
]
