"""The pages: bad input comes back on the form naming the field, nothing is saved; the
periodic review goes through the checklist and the workflow panel; pages in both languages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from factories_oversight import ServiceFactory, put_in_use

from fincloud.oversight import services as svc
from fincloud.oversight.models import AttainmentRecord, Outage, SlaTarget

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(client, personas):
    client.force_login(personas["governance_officer"])
    client.cookies["fincloud_language"] = "en"
    return client


def test_recording_an_outage_in_the_form_shows_the_breach(officer_client):
    service = ServiceFactory(name="Corporate banking")
    SlaTarget.objects.create(service=service, target_percent=D("99.95"))
    page = officer_client.get(f"/oversight/outages/new?service={service.code}")
    assert "Corporate banking" in page.content.decode()
    response = officer_client.post(
        "/oversight/outages/new",
        {
            "start": "2025-06-05T10:00",
            "end": "2025-06-05T10:45",
            "services_text": "Corporate banking",
            "title": "API down",
        },
        follow=True,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Breach" in html and "2025-06" in html
    assert AttainmentRecord.objects.get(service=service, period="2025-06").breach


def test_an_outage_ending_before_it_starts_comes_back_on_the_form(officer_client):
    service = ServiceFactory(name="CRM")
    response = officer_client.post(
        "/oversight/outages/new",
        {"start": "2025-06-05T10:00", "end": "2025-06-05T09:00", "services_text": "CRM"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "End: the outage ends (2025-06-05 09:00) before it starts (2025-06-05 10:00)" in html
    assert "End: End:" not in html
    assert Outage.objects.count() == 0 and service.outages.count() == 0


def test_an_unknown_service_in_the_form_is_named(officer_client):
    response = officer_client.post(
        "/oversight/outages/new", {"start": "2025-06-05T10:00", "services_text": "Nowhere"}
    )
    assert "no cloud service “Nowhere”" in response.content.decode()
    assert Outage.objects.count() == 0


def test_a_refused_csv_upload_names_the_line(officer_client):
    ServiceFactory(name="CRM")
    upload = SimpleUploadedFile(
        "o.csv", b"start,end,services\n2025-06-05T10:00,2025-06-05T09:00,CRM\n"
    )
    response = officer_client.post("/oversight/outages/import", {"file": upload})
    assert response.status_code == 200
    assert "o.csv line 2, column end" in response.content.decode()
    assert Outage.objects.count() == 0


def test_a_review_through_the_pages(client, personas):
    officer = personas["governance_officer"]
    service = put_in_use(ServiceFactory(unit=officer.unit), dt.date(2025, 1, 1), "domestic")
    client.force_login(officer)
    client.cookies["fincloud_language"] = "en"
    response = client.post(f"/oversight/services/{service.code}/reviews/start", follow=True)
    html = response.content.decode()
    assert "Assign a dedicated unit or person to supervise the CSP" in html or "ch3.4.a" in html
    review = service.periodic_reviews.get()
    for item in review.items.all():
        prefix = item.catalog_id.replace(".", "_")
        client.post(
            f"/oversight/reviews/{review.code}/items/{item.catalog_id}",
            {f"{prefix}-result": "ok", f"{prefix}-notes": ""},
        )
    refused = client.post(f"/oversight/reviews/{review.code}/submit", follow=True)
    assert "Conclusion: choose one before submitting." in refused.content.decode()
    client.post(
        f"/oversight/reviews/{review.code}/edit",
        {
            "review_date": "2025-12-01",
            "period_from": "2025-01-01",
            "period_to": "2025-12-01",
            "conclusion": "satisfactory",
            "summary": "ok",
        },
    )
    client.post(f"/oversight/reviews/{review.code}/submit")
    review.refresh_from_db()
    assert review.state == "submitted"
    client.force_login(personas["approver"])
    client.post(f"/oversight/reviews/{review.code}/approve", {"comment": "fine"})
    review.refresh_from_db()
    assert review.state == "approved"


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_the_pages_render_for_the_examiner_in_both_languages(client, personas, language):
    officer = personas["governance_officer"]
    service = ServiceFactory()
    svc.sla_target_save(actor=officer, service=service, target_percent=D("99.9"))
    indicator = svc.indicator_create(
        actor=officer,
        service=service,
        kind="kpi",
        name="Availability",
        direction="higher",
        green=D("99.9"),
        amber=D("99.5"),
    )
    client.force_login(personas["examiner"])
    client.cookies["fincloud_language"] = language
    for url in (
        "/oversight/sla/",
        f"/oversight/services/{service.code}/sla",
        "/oversight/outages/",
        "/oversight/indicators/",
        f"/oversight/indicators/{indicator.code}/",
        "/oversight/reviews/",
        "/oversight/reports/",
        "/oversight/calendar/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        # A read-only examiner sees no write button.
        assert "Record an outage" not in html and "登錄服務中斷" not in html, url
