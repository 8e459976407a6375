from django.urls import path

from fincloud.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("service/<uuid:code>/", views.service_reports, name="service"),
    path("run", views.run_create, name="run"),
    path("runs/<uuid:code>/", views.run_detail, name="run_detail"),
    path("runs/<uuid:code>/progress", views.run_progress, name="run_progress"),
    path("runs/<uuid:code>/download", views.run_download, name="run_download"),
]
