"""The audits pages: the plan, planning an audit with refusals shown on the page, a finding
raised, answered, remediated and verified by a second person, the report panel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from factories_audits import classified

from fincloud.audits import services
from fincloud.audits.models import Audit, AuditAssignment, Finding

from factories import UnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client, settings):
    """Pages in English, so the assertions read the message constants' own words."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


@pytest.fixture
def service():
    return classified("material_offshore", unit=UnitFactory(short_name="retail-v"))


def make_auditor(actor, name, *, unit, cert=None, valid_until=None):
    auditor = services.auditor_save(actor=actor, name=name, kind="internal", unit=unit)
    if cert:
        services.certificate_add(actor=actor, auditor=auditor, name=cert, valid_until=valid_until)
    return auditor


def test_plan_page_and_regeneration_rights(
    client, personas, service, django_assert_max_num_queries
):
    client.force_login(personas["internal_auditor"])
    assert client.post(reverse("audits:plan_regenerate")).status_code == 302
    with django_assert_max_num_queries(20):
        page = client.get(reverse("audits:plan"))
    assert service.name in page.content.decode()
    client.force_login(personas["governance_officer"])
    assert client.post(reverse("audits:plan_regenerate")).status_code == 403
    assert client.get(reverse("audits:policy")).status_code == 200


def test_planning_without_a_contact_names_ch_7_1_d(client, personas, service):
    client.force_login(personas["internal_auditor"])
    response = client.post(
        reverse("audits:audit_create", args=[service.code]),
        {
            "kind": "general",
            "title": "2026 audit",
            "planned_start": "2026-12-01",
            "planned_end": "2026-12-10",
            "arrangement": "own",
        },
    )
    assert response.status_code == 200
    assert "Ch 7.1 (d)" in response.content.decode()
    assert not Audit.objects.exists()


def test_assignment_refusals_are_shown_and_nothing_is_assigned(client, personas, service):
    actor = personas["internal_auditor"]
    audit = services.audit_plan(
        actor=actor,
        service=service,
        kind="general",
        title="2026 audit",
        planned_start=dt.date(2026, 12, 1),
        planned_end=dt.date(2026, 12, 10),
        contact=personas["governance_officer"],
    )
    insider = make_auditor(actor, "Insider", unit=service.unit, cert="CISSP")
    lapsed = make_auditor(
        actor, "Lapsed", unit=actor.unit, cert="CISSP", valid_until=dt.date(2025, 1, 1)
    )
    client.force_login(actor)
    url = reverse("audits:audit_assign", args=[audit.code])
    text = client.post(url, {"auditor": insider.code, "role": "lead"}, follow=True).content.decode()
    assert "Insider" in text and "Ch 7.2 (c)" in text
    text = client.post(url, {"auditor": lapsed.code, "role": "lead"}, follow=True).content.decode()
    assert "Lapsed" in text and "Ch 7.2 (b)" in text
    assert not AuditAssignment.objects.exists()


def test_finding_is_closed_by_a_second_person(client, personas, service):
    auditor, owner = personas["internal_auditor"], personas["governance_officer"]
    audit = services.audit_plan(
        actor=auditor,
        service=service,
        kind="general",
        title="2026 audit",
        planned_start=dt.date(2026, 12, 1),
        planned_end=dt.date(2026, 12, 10),
        contact=owner,
    )
    client.force_login(auditor)
    due = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    response = client.post(
        reverse("audits:finding_create", args=[audit.code]),
        {
            "title": "Logs kept 90 days",
            "description": "Ch 5.4 (a) asks six months.",
            "severity": "high",
            "owner": owner.code,
            "due_date": due,
        },
    )
    finding = Finding.objects.get()
    assert response.status_code == 302
    client.force_login(owner)
    today = timezone.localdate().isoformat()
    assert (
        client.post(
            reverse("audits:finding_respond", args=[finding.code]),
            {"csp_response": "Configurable.", "csp_responded_on": today},
        ).status_code
        == 302
    )
    bad = client.post(reverse("audits:finding_remediate", args=[finding.code]), {"remediation": ""})
    assert bad.status_code == 400
    assert (
        client.post(
            reverse("audits:finding_remediate", args=[finding.code]),
            {"remediation": "Set to 13 months."},
        ).status_code
        == 302
    )
    # The owner cannot verify (no capability); the auditor can.
    assert (
        client.post(
            reverse("audits:finding_verify", args=[finding.code]),
            {"verification": "x", "accepted": "1"},
        ).status_code
        == 403
    )
    client.force_login(auditor)
    page = client.get(reverse("audits:finding", args=[finding.code])).content.decode()
    assert "RULES.md §8" in page
    assert (
        client.post(
            reverse("audits:finding_verify", args=[finding.code]),
            {"verification": "Seen 13 months.", "accepted": "1"},
        ).status_code
        == 302
    )
    finding.refresh_from_db()
    assert (finding.status, finding.remediated_by, finding.verified_by) == (
        "closed",
        owner,
        auditor,
    )


def test_auditor_page_records_another_certificate_without_qualifying(client, personas):
    actor = personas["internal_auditor"]
    auditor = make_auditor(actor, "Newcomer", unit=actor.unit)
    client.force_login(actor)
    url = reverse("audits:auditor_certificate", args=[auditor.code])
    response = client.post(url, {"name": "__other__", "other_name": ""})
    assert response.status_code == 400 and "other_name" in response.context["cert_form"].errors
    response = client.post(
        url, {"name": "__other__", "other_name": "CISA", "valid_until": "2030-01-01"}
    )
    assert response.status_code == 302
    assert not services.auditor_qualification(auditor, dt.date(2026, 12, 1)).qualified
    listing = client.get(reverse("audits:auditors")).content.decode()
    assert "Newcomer" in listing
