"""The controls pages: what each role sees and may do, bad input named on the page and nothing
saved, uploads limited and typed, no query per service on the overview."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from factories_controls import classified, upload

from fincloud.controls import services
from fincloud.controls.models import CloudAsset, ControlItem
from fincloud.evidence.models import EvidenceFile

from paths import REPO_ROOT

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client, settings):
    """Pages in English, so the assertions read the message constants' own words."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def assessment(personas):
    service = classified(
        "material_offshore", service_model="PaaS", unit=personas["governance_officer"].unit
    )
    return services.assessment_start(actor=personas["security"], service=service)


def item_of(assessment, cid):
    return ControlItem.objects.get(assessment=assessment, catalog_id=cid)


def test_overview_draws_coverage_without_a_query_per_service(
    client, personas, django_assert_max_num_queries
):
    for _ in range(3):
        services.assessment_start(actor=personas["security"], service=classified("domestic"))
    client.force_login(personas["examiner"])
    with django_assert_max_num_queries(30) as few:
        response = client.get(reverse("controls:overview"))
    assert response.status_code == 200
    for _ in range(9):
        services.assessment_start(actor=personas["security"], service=classified("domestic"))
    with django_assert_max_num_queries(30) as many:
        client.get(reverse("controls:overview"))
    assert len(many.captured_queries) == len(few.captured_queries)
    assert b"<meter" in response.content and b"coverage-grid" in response.content


def test_a_figure_below_the_floor_is_named_on_the_page_and_not_saved(client, personas, assessment):
    item = item_of(assessment, "ch5.4.basic.a")
    client.force_login(personas["security"])
    url = reverse("controls:item", args=[item.code])
    response = client.post(
        url,
        {
            "decision": "adopted",
            "status": "implemented",
            "responsibility": "shared",
            "retention_months": "3",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Ch 5.4 basic (a)" in text and "6" in text
    item.refresh_from_db()
    assert (item.status, item.retention_months) == ("", None)
    response = client.post(
        url,
        {
            "decision": "adopted",
            "status": "implemented",
            "responsibility": "shared",
            "retention_months": "12",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.retention_months) == ("implemented", 12)


def test_only_the_items_own_figures_are_offered(client, personas, assessment):
    client.force_login(personas["security"])
    page = client.get(
        reverse("controls:item", args=[item_of(assessment, "ch5.1.advanced.b").code])
    ).content
    assert b'name="hsm_fips_level"' in page and b'name="retention_months"' not in page
    page = client.get(
        reverse("controls:item", args=[item_of(assessment, "ch6.4.basic.a").code])
    ).content
    assert b'name="hsm_fips_level"' not in page and b'name="tls_min_version"' not in page


def test_evidence_upload_is_stored_typed_and_limited(client, personas, assessment, settings):
    item = item_of(assessment, "ch5.3.basic.a")
    client.force_login(personas["security"])
    url = reverse("controls:item_evidence", args=[item.code])
    response = client.post(
        url, {"file": upload(), "title": "MFA settings", "expiry_date": "2027-06-30"}
    )
    assert response.status_code == 302
    stored = EvidenceFile.objects.get(owner_id=str(item.control_id))
    assert (stored.title, str(stored.expiry_date), stored.catalog_ids) == (
        "MFA settings",
        "2027-06-30",
        ["ch5.3.basic.a"],
    )
    response = client.post(url, {"file": SimpleUploadedFile("x.exe", b"MZ\x90\x00payload")})
    assert response.status_code == 400
    assert "x.exe" in response.content.decode()
    settings.FINCLOUD_UPLOAD_MAX_BYTES = 10
    response = client.post(url, {"file": upload(body=b"much more than ten bytes")})
    assert response.status_code == 400
    assert EvidenceFile.objects.filter(owner_id=str(item.control_id)).count() == 1
    # A revision of the same document.
    response = client.post(
        url, {"file": SimpleUploadedFile("v2.txt", b"ok"), "revises": str(stored.code)}
    )
    settings.FINCLOUD_UPLOAD_MAX_BYTES = 50 * 1024 * 1024
    assert response.status_code == 302
    assert EvidenceFile.objects.filter(document_code=stored.document_code).count() == 2


def test_examiner_reads_but_cannot_write(client, personas, assessment):
    item = item_of(assessment, "ch5.4.basic.a")
    client.force_login(personas["examiner"])
    page = client.get(reverse("controls:item", args=[item.code]))
    assert page.status_code == 200 and b'name="decision"' not in page.content
    assert (
        client.post(reverse("controls:item", args=[item.code]), {"decision": "adopted"}).status_code
        == 403
    )
    submit = reverse("controls:assessment_transition", args=[assessment.code, "submit"])
    assert client.post(submit).status_code == 403


def test_submitting_an_incomplete_assessment_says_what_is_missing(client, personas, assessment):
    client.force_login(personas["security"])
    url = reverse("controls:assessment_transition", args=[assessment.code, "submit"])
    response = client.post(url, follow=True)
    text = response.content.decode()
    assert "ch5.1.advanced.a" in text
    assessment.refresh_from_db()
    assert assessment.state == "draft"


def test_asset_import_page_names_the_error_and_keeps_nothing(client, personas, assessment):
    service = assessment.service
    client.force_login(personas["sysadmin"])
    url = reverse("controls:asset_import", args=[service.code])
    bad = SimpleUploadedFile("assets.json", b'{"data": [{"id": "/x", "name": "n"}]}')
    response = client.post(url, {"file": bad})
    assert response.status_code == 400
    assert "data[0]" in response.content.decode() and "type" in response.content.decode()
    assert not CloudAsset.objects.exists()
    good = SimpleUploadedFile(
        "graph.json", (REPO_ROOT / "tests/data/inventory/azure-resource-graph.json").read_bytes()
    )
    assert client.post(url, {"file": good}).status_code == 302
    assert CloudAsset.objects.filter(service=service).count() == 4
    listing = client.get(reverse("controls:assets", args=[service.code])).content.decode()
    assert "crm-sql-prod/crm" in listing


def test_advisory_form_names_the_missing_action(client, personas):
    source = services.intel_source_save(actor=personas["security"], name="F-ISAC", kind="isac")
    client.force_login(personas["security"])
    response = client.post(
        reverse("controls:advisory_create"),
        {
            "source": source.pk,
            "title": "Credential stuffing",
            "published_on": "2026-10-01",
            "received_on": "2026-10-01",
            "severity": "high",
            "state": "acted",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"action", "acted_on"}
