"""Pages of the api app (web, not the REST API): personal API tokens and the bulk import."""

from django.urls import path

from fincloud.api import import_views, views

app_name = "apiweb"
urlpatterns = [
    path("api-tokens/", views.tokens, name="tokens"),
    path("api-tokens/<uuid:code>/revoke", views.token_revoke, name="token_revoke"),
    path("imports/", import_views.import_index, name="import_index"),
    path("imports/<str:kind>/", import_views.import_kind, name="import_kind"),
    path(
        "imports/<str:kind>/current.<str:fmt>",
        import_views.import_current,
        name="import_current",
    ),
    path(
        "imports/<str:kind>/template.<str:fmt>",
        import_views.import_template,
        name="import_template",
    ),
]
