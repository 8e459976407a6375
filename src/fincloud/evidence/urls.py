from django.urls import path

from fincloud.evidence import views

app_name = "evidence"
urlpatterns = [path("<uuid:code>/download", views.download, name="download")]
