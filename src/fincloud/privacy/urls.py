from django.urls import path

from fincloud.privacy import views

app_name = "privacy"
urlpatterns = [
    path("", views.job_list, name="job_list"),
    path("new", views.job_create, name="job_create"),
    path("<uuid:code>/", views.job_detail, name="job_detail"),
    path("<uuid:code>/progress", views.job_progress, name="job_progress"),
    path("<uuid:code>/run", views.job_run, name="job_run"),
    path("<uuid:code>/policy", views.job_policy, name="job_policy"),
    path("<uuid:code>/source", views.job_source, name="job_source"),
    path("<uuid:code>/download", views.job_download, name="job_download"),
    path("<uuid:code>/deletion", views.deletion_create, name="deletion_create"),
    path("<uuid:code>/<str:action>", views.job_transition, name="job_transition"),
]
