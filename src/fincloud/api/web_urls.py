"""Pages of the api app (web, not the REST API): personal API tokens."""

from django.urls import path

from fincloud.api import views

app_name = "apiweb"
urlpatterns = [
    path("api-tokens/", views.tokens, name="tokens"),
    path("api-tokens/<uuid:code>/revoke", views.token_revoke, name="token_revoke"),
]
