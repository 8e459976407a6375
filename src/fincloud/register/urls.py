from django.urls import path

from fincloud.register import views

app_name = "register"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("deadlines", views.deadlines, name="deadlines"),
    path("institution", views.institution, name="institution"),
    path("institution/edit", views.institution_edit, name="institution_edit"),
    # services
    path("services/", views.service_list, name="service_list"),
    path("services/new", views.service_create, name="service_create"),
    path("services/<uuid:code>/", views.service_detail, name="service_detail"),
    path("services/<uuid:code>/due", views.service_due, name="service_due"),
    path("services/<uuid:code>/edit", views.service_edit, name="service_edit"),
    path("services/<uuid:code>/status", views.service_status, name="service_status"),
    path("services/<uuid:code>/locations/add", views.location_add, name="location_add"),
    path(
        "services/<uuid:code>/locations/<uuid:location>/remove",
        views.location_remove,
        name="location_remove",
    ),
    path("services/<uuid:code>/chain/add", views.subprocessor_add, name="subprocessor_add"),
    path(
        "services/<uuid:code>/chain/<uuid:sub>/remove",
        views.subprocessor_remove,
        name="subprocessor_remove",
    ),
    path("services/<uuid:code>/dependencies/add", views.dependency_add, name="dependency_add"),
    path(
        "services/<uuid:code>/dependencies/<uuid:dependency>/remove",
        views.dependency_remove,
        name="dependency_remove",
    ),
    path("services/<uuid:code>/head-office", views.reliance_edit, name="reliance_edit"),
    path("services/<uuid:code>/head-office/upload", views.reliance_upload, name="reliance_upload"),
    # cloud service providers
    path("csps/", views.csp_list, name="csp_list"),
    path("csps/new", views.csp_create, name="csp_create"),
    path("csps/<uuid:code>/", views.csp_detail, name="csp_detail"),
    path("csps/<uuid:code>/edit", views.csp_edit, name="csp_edit"),
    path("csps/<uuid:code>/contacts/add", views.contact_add, name="contact_add"),
    path(
        "csps/<uuid:code>/contacts/<uuid:contact>/remove",
        views.contact_remove,
        name="contact_remove",
    ),
    path("csps/<uuid:code>/certifications/add", views.certification_add, name="certification_add"),
    path(
        "csps/<uuid:code>/certifications/<uuid:cert>/",
        views.certification_edit,
        name="certification_edit",
    ),
    path(
        "csps/<uuid:code>/certifications/<uuid:cert>/upload",
        views.certification_upload,
        name="certification_upload",
    ),
    path("csps/<uuid:code>/events/add", views.event_add, name="event_add"),
    # contracts and documents
    path("documents/", views.document_list, name="document_list"),
    path("documents/new", views.document_create, name="document_create"),
    path("documents/<uuid:code>/", views.document_detail, name="document_detail"),
    path("documents/<uuid:code>/edit", views.document_edit, name="document_edit"),
    path("documents/<uuid:code>/upload", views.document_upload, name="document_upload"),
]
