from django.urls import path

from fincloud.oversight import views

app_name = "oversight"
urlpatterns = [
    # The one calendar of what is due (every app's deadlines).
    path("calendar/", views.calendar, name="calendar"),
    path("calendar.ics", views.calendar_ics, name="calendar_ics"),
    # Service levels and outages (Ch 3.4 (b)).
    path("sla/", views.sla_overview, name="sla_overview"),
    path("sla/recompute", views.sla_recompute, name="sla_recompute"),
    path("services/<uuid:code>/sla", views.service_sla, name="service_sla"),
    path("services/<uuid:code>/sla/target", views.sla_target_edit, name="sla_target_edit"),
    path("services/<uuid:code>/composite", views.composite_record, name="composite_record"),
    path("services/<uuid:code>/feed", views.feed_import, name="feed_import"),
    path("claims/<uuid:code>/", views.claim_edit, name="claim_edit"),
    path("outages/", views.outage_list, name="outage_list"),
    path("outages/new", views.outage_create, name="outage_create"),
    path("outages/import", views.outage_import, name="outage_import"),
    path("outages/<uuid:code>/", views.outage_detail, name="outage_detail"),
    path("outages/<uuid:code>/edit", views.outage_edit, name="outage_edit"),
    # KPI / KRI (Ch 3.4 (d)).
    path("indicators/", views.indicator_list, name="indicator_list"),
    path("services/<uuid:code>/indicators/new", views.indicator_create, name="indicator_create"),
    path("indicators/<uuid:code>/", views.indicator_detail, name="indicator_detail"),
    path("indicators/<uuid:code>/edit", views.indicator_edit, name="indicator_edit"),
    path("indicators/<uuid:code>/measure", views.indicator_measure, name="indicator_measure"),
    # Periodic reviews (Ch 3.4 (a)-(g)).
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/policy/<str:classification>", views.policy_edit, name="policy_edit"),
    path("services/<uuid:code>/reviews", views.service_reviews, name="service_reviews"),
    path("services/<uuid:code>/reviews/start", views.review_start, name="review_start"),
    path("services/<uuid:code>/reviews/frequency", views.review_raise, name="review_raise"),
    path("reviews/<uuid:code>/", views.review_detail, name="review_detail"),
    path("reviews/<uuid:code>/edit", views.review_edit, name="review_edit"),
    path("reviews/<uuid:code>/items/<str:catalog_id>", views.review_item, name="review_item"),
    path("reviews/<uuid:code>/findings/new", views.review_finding_add, name="review_finding_add"),
    path("reviews/<uuid:code>/evidence", views.review_evidence, name="review_evidence"),
    path("reviews/<uuid:code>/<str:action>", views.review_transition, name="review_transition"),
    path("findings/<uuid:code>/close", views.finding_close, name="finding_close"),
    # Reviews of the CSP's certification and third-party reports (Ch 3.4 (c)).
    path("reports/", views.report_list, name="report_list"),
    path("reports/new", views.report_create, name="report_create"),
    path("reports/<uuid:code>/", views.report_detail, name="report_detail"),
    path("reports/<uuid:code>/edit", views.report_edit, name="report_edit"),
    path(
        "reports/<uuid:code>/exceptions/new",
        views.report_exception_add,
        name="report_exception_add",
    ),
    path("reports/<uuid:code>/evidence", views.report_evidence, name="report_evidence"),
    path("reports/<uuid:code>/<str:action>", views.report_transition, name="report_transition"),
    path("exceptions/<uuid:code>/follow-up", views.exception_follow_up, name="exception_follow_up"),
    path("exceptions/<uuid:code>/close", views.exception_close, name="exception_close"),
]
