"""`/api/v1/`: the django-ninja API (routers per app are added in fincloud.api.api)."""

from django.urls import path

from fincloud.api.api import api

urlpatterns = [path("", api.urls)]
