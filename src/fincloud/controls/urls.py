from django.urls import path

from fincloud.controls import views

app_name = "controls"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("services/<uuid:code>/", views.service_controls, name="service"),
    path("services/<uuid:code>/start", views.assessment_start, name="assessment_start"),
    path("services/<uuid:code>/assets/", views.asset_list, name="assets"),
    path("services/<uuid:code>/assets/import", views.asset_import, name="asset_import"),
    path("services/<uuid:code>/assets/new", views.asset_create, name="asset_create"),
    path("assets/<uuid:code>/", views.asset_edit, name="asset_edit"),
    path("assessments/<uuid:code>/", views.assessment_detail, name="assessment"),
    path(
        "assessments/<uuid:code>/new-version",
        views.assessment_new_version,
        name="assessment_new_version",
    ),
    path(
        "assessments/<uuid:code>/<str:action>",
        views.assessment_transition,
        name="assessment_transition",
    ),
    path("items/<uuid:code>/", views.item_detail, name="item"),
    path("items/<uuid:code>/evidence", views.item_evidence, name="item_evidence"),
    path("threat-intelligence/", views.intel, name="intel"),
    path("threat-intelligence/sources/new", views.source_create, name="source_create"),
    path("threat-intelligence/advisories/new", views.advisory_create, name="advisory_create"),
    path("threat-intelligence/advisories/<uuid:code>/", views.advisory_detail, name="advisory"),
]
