"""Outage imports from a CSV and from a CSP status feed file: typed and size-limited through
fincloud.evidence's checks, all or nothing, the file kept as evidence, re-imports updating."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation
from factories_oversight import CspFactory, ServiceFactory, errors

from fincloud.evidence.models import EvidenceFile
from fincloud.oversight import services as svc
from fincloud.oversight.models import AttainmentRecord, Outage, OutageImport, SlaTarget

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English here (the Chinese ones are tested where noted)."""
    with translation.override("en"):
        yield


def upload(name: str, body: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body)


@pytest.fixture
def officer(personas):
    return personas["governance_officer"]


def test_a_csv_names_services_by_code_or_name_and_is_kept_as_evidence(officer):
    csp = CspFactory()
    first = ServiceFactory(name="網路銀行", csp=csp)
    second = ServiceFactory(csp=csp)
    SlaTarget.objects.create(service=first, target_percent=99.9)
    body = (
        "start,end,services,planned,csp_reference,title\n"
        f"2025-06-05T10:00,2025-06-05T11:00,網路銀行;{second.code},false,INC-1,API down\n"
        "2025-06-06T01:00,2025-06-06T02:00,網路銀行,true,,Maintenance\n"
    ).encode()
    result = svc.outage_import_csv(actor=officer, upload=upload("outages.csv", body))
    assert (result.created, result.updated) == (2, 0)
    incident = Outage.objects.get(csp_reference="INC-1")
    assert set(incident.services.all()) == {first, second}
    assert incident.csp == csp and incident.source == "csv"
    files = EvidenceFile.objects.filter(owner_id=str(result.record.pk))
    assert files.count() == 1 and files.get().original_name == "outages.csv"
    month = AttainmentRecord.objects.get(service=first, period="2025-06")
    assert month.downtime_minutes == 60 and month.breach is True
    # The same file again: the CSP's incident is updated, not duplicated.
    again = svc.outage_import_csv(actor=officer, upload=upload("outages.csv", body))
    assert (again.created, again.updated) == (1, 1)  # the row without a reference is new again
    assert Outage.objects.filter(csp_reference="INC-1").count() == 1


def test_a_fault_anywhere_refuses_the_whole_file(officer):
    service = ServiceFactory(name="CRM")
    body = (
        b"start,end,services\n"
        b"2025-06-05T10:00,2025-06-05T11:00,CRM\n"
        b"2025-06-05T10:00,2025-06-05T09:00,CRM\n"
    )
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        svc.outage_import_csv(actor=officer, upload=upload("o.csv", body))
    message = errors(exc)["file"][0]
    assert "o.csv line 3, column end" in message
    assert "ends (2025-06-05 09:00) before it starts (2025-06-05 10:00" in message
    assert Outage.objects.count() == 0 and OutageImport.objects.count() == 0
    assert service.outages.count() == 0


def test_unknown_and_ambiguous_service_names(officer):
    ServiceFactory(name="Twin")
    ServiceFactory(name="Twin")
    with pytest.raises(ValidationError) as exc:
        svc.outage_import_csv(
            actor=officer, upload=upload("o.csv", b"start,end,services\n2025-06-01T00:00,,Nobody\n")
        )
    assert "o.csv line 2" in errors(exc)["file"][0] and "Nobody" in errors(exc)["file"][0]
    with pytest.raises(ValidationError) as exc:
        svc.outage_import_csv(
            actor=officer, upload=upload("o.csv", b"start,end,services\n2025-06-01T00:00,,Twin\n")
        )
    assert "2 services" in errors(exc)["file"][0]


@override_settings(FINCLOUD_IMPORT_MAX_BYTES=1024)
def test_a_file_over_the_limit_is_refused_before_it_is_read(officer):
    body = b"start,end,services\n" + b"2025-06-01T00:00,,X\n" * 100
    with pytest.raises(ValidationError) as exc:
        svc.outage_import_csv(actor=officer, upload=upload("big.csv", body))
    assert "at most 1 KB" in errors(exc)["file"][0]


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("outages.exe", b"MZ\x90\x00"),
        ("outages.csv", b"start,end\x00,services\n"),  # binary content under a .csv name
        ("outages.pdf", b"%PDF-1.4\n"),  # an accepted evidence type, but not a CSV
    ],
)
def test_the_type_is_checked_by_content_through_fincloud_evidence(officer, name, body):
    with pytest.raises(ValidationError) as exc:
        svc.outage_import_csv(actor=officer, upload=upload(name, body))
    message = errors(exc)["file"][0]
    assert name in message
    assert "%(" not in message  # the parameters are filled in


RSS = b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>
<item><title>Investigating: Compute (Taipei) errors</title><guid>inc-7</guid>
<pubDate>Thu, 05 Jun 2025 10:00:00 +0800</pubDate><category>Compute (Taipei)</category></item>
<item><title>Investigating: Storage (Tokyo) slow</title><guid>inc-8</guid>
<pubDate>Thu, 05 Jun 2025 12:00:00 +0800</pubDate><category>Storage (Tokyo)</category></item>
</channel></rss>"""
RSS_RESOLVED = RSS.replace(
    b"</channel>",
    b"<item><title>Resolved: Compute (Taipei) errors</title><guid>inc-7</guid>"
    b"<pubDate>Thu, 05 Jun 2025 10:50:00 +0800</pubDate></item></channel>",
)


def test_a_status_feed_for_one_service_filtered_by_component_and_updated_on_reimport(officer):
    service = ServiceFactory()
    SlaTarget.objects.create(service=service, target_percent=99.9)
    first = svc.outage_import_feed(
        actor=officer, upload=upload("status.xml", RSS), service=service, component_filter="taipei"
    )
    assert (first.created, first.skipped) == (1, 1)
    outage = Outage.objects.get()
    assert outage.end is None and outage.csp == service.csp and outage.source == "feed"
    second = svc.outage_import_feed(
        actor=officer,
        upload=upload("status.xml", RSS_RESOLVED),
        service=service,
        component_filter="taipei",
    )
    assert (second.created, second.updated) == (0, 1)
    outage.refresh_from_db()
    assert outage.end is not None
    assert AttainmentRecord.objects.get(service=service, period="2025-06").downtime_minutes == 50


def test_a_feed_must_be_xml_or_json_and_well_formed(officer):
    service = ServiceFactory()
    with pytest.raises(ValidationError) as exc:
        svc.outage_import_feed(
            actor=officer, upload=upload("status.csv", b"a,b\n"), service=service
        )
    assert ".xml / .json" in errors(exc)["file"][0]
    with pytest.raises(ValidationError) as exc:
        svc.outage_import_feed(
            actor=officer, upload=upload("status.xml", b"<rss><channel></rss>"), service=service
        )
    assert "status.xml line 1" in errors(exc)["file"][0]
    with pytest.raises(ValidationError) as exc:
        svc.outage_import_feed(
            actor=officer,
            upload=upload("status.xml", RSS),
            service=service,
            component_filter="Mars",
        )
    assert "nothing was imported" in errors(exc)["file"][0]
    assert Outage.objects.count() == 0
