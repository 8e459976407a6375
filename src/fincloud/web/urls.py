from django.urls import include, path

from fincloud.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("language", views.set_language, name="set_language"),
    path("people/", include("fincloud.people.urls")),
    path("audit/", include("fincloud.auditlog.urls")),
]
