"""The resilience pages with real records: each renders for a writer and for the read-only
examiner, forms refuse bad input with the field named, and the htmx countdown partial."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from factories_resilience import ServiceFactory, in_use, pdf

from fincloud.resilience import checklists, services
from fincloud.resilience.models import BusinessImpactAnalysis, Incident
from fincloud.workflow.services import record_approve, record_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas):
    officer = personas["governance_officer"]
    approver = personas["approver"]
    service = in_use(ServiceFactory(unit=officer.unit, material=True))
    services.notification_rule_create(
        actor=officer,
        authority="Operations centre",
        recipient_kind="internal",
        min_severity="major",
        categories=[],
        customer_impact_only=False,
        hours=Decimal(1),
        basis="",
        active=True,
    )
    bia = services.bia_create(
        actor=officer,
        service=service,
        business_process="Payments",
        mtpd_minutes=240,
        rto_minutes=30,
        rpo_minutes=5,
        priority=1,
        csp_sla_percent=Decimal("99.9"),
        availability_target=Decimal("99.9"),
    )
    incident = services.incident_report(
        actor=personas["legal"],
        title="Sign-in failures",
        description="Customers cannot sign in.",
        service=service,
        category="outage",
        severity="major",
        detected_at=timezone.now() - dt.timedelta(minutes=10),
    )
    plan = services.plan_create(
        actor=officer,
        service=service,
        impact_analysis=bia,
        title="Payments BCP",
        requirements="r",
        backup_method="b",
        backup_location="l",
        alternative_procedures="a",
        scenarios={
            e.key: {"response": "r", "not_applicable_reason": ""}
            for e in checklists.bcp_event_types()
        },
    )
    services.plan_submit(actor=officer, plan=plan)
    record_approve(record=plan, actor=approver)
    drill = services.drill_create(
        actor=officer,
        plan=plan,
        title="Notification drill",
        kind="notification",
        joint_with_csp=True,
        scenario="csp_failure",
        planned_on=dt.date(2026, 4, 1),
        objectives="o",
        participants="p",
    )
    record_submit(record=drill, actor=officer)
    record_approve(record=drill, actor=approver)
    report = services.drill_report_create(
        actor=officer,
        drill=drill,
        performed_on=dt.date(2026, 4, 1),
        participants="p",
        recovery_minutes=20,
        data_loss_minutes=5,
        results="ok",
    )
    review = services.provider_review_create(
        actor=officer,
        csp=service.csp,
        report_kind="soc2_type2",
        reviewed_on=dt.date(2026, 2, 1),
        conclusion="adequate",
        bcp_assessment="fine",
    )
    exit_plan = services.exit_plan_create(
        actor=officer,
        service=service,
        target_kind="in_house",
        target_name="Own data centre",
        triggers=["strategy"],
        data_transfer_steps="Export",
        checklist={i.id: {"applicable": True, "note": "n"} for i in checklists.exit_checklist()},
    )
    services.exit_plan_submit(actor=officer, plan=exit_plan)
    record_approve(record=exit_plan, actor=approver)
    execution = services.exit_start(actor=officer, plan=exit_plan, reason="Strategy")
    transfer = services.transfer_record(
        actor=officer,
        execution=execution,
        data_set="d",
        destination="t",
        method="m",
        started_on=timezone.localdate(),
    )
    deletion = services.deletion_create(
        actor=officer,
        execution=execution,
        method="overwrite",
        scope="s",
        performed_on=timezone.localdate(),
        performed_by="csp",
        result="r",
    )
    return {
        "bia_detail": bia,
        "incident_detail": incident,
        "plan_detail": plan,
        "drill_detail": drill,
        "report_detail": report,
        "provider_review_detail": review,
        "exit_detail": exit_plan,
        "execution_detail": execution,
        "deletion_detail": deletion,
        "transfer_edit": transfer,
    }


LISTS = [
    "dashboard",
    "bia_list",
    "incident_list",
    "plan_list",
    "exit_list",
    "rule_list",
    "problem_list",
]


@pytest.mark.parametrize("who", ["governance_officer", "examiner"])
def test_every_page_renders_with_records(client, personas, world, who):
    client.force_login(personas[who])
    for name in LISTS:
        assert client.get(reverse(f"resilience:{name}")).status_code == 200, name
    for name, obj in world.items():
        if name == "transfer_edit" and who == "examiner":
            continue
        response = client.get(reverse(f"resilience:{name}", kwargs={"code": obj.code}))
        assert response.status_code == 200, name
        if who == "examiner":
            assert b'data-testid="submit"' not in response.content, name


def test_the_incident_page_shows_the_countdown(client, personas, world):
    client.force_login(personas["legal"])
    incident = world["incident_detail"]
    page = client.get(reverse("resilience:incident_detail", kwargs={"code": incident.code}))
    assert b'data-state="pending"' in page.content
    partial = client.get(reverse("resilience:incident_duties", kwargs={"code": incident.code}))
    assert partial.status_code == 200
    assert b'hx-trigger="every 60s"' in partial.content
    assert b"<html" not in partial.content


def test_the_bia_form_names_both_fields(client, personas, world):
    client.force_login(personas["risk"])
    service = world["bia_detail"].service
    response = client.post(
        reverse("resilience:bia_create"),
        {
            "service": service.code,
            "business_process": "Deposits",
            "mtpd_minutes": 60,
            "rto_minutes": 120,
            "rpo_minutes": 10,
            "priority": 2,
            "sla_period": "month",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="id_rto_minutes_errors"' in text and 'id="id_mtpd_minutes_errors"' in text
    assert "RTO (120 minutes) is longer than the MTPD (60 minutes)" in text or (
        "RTO（120 分鐘）" in text
    )
    assert BusinessImpactAnalysis.objects.count() == 1


def test_staff_report_through_the_form(client, personas, world):
    client.force_login(personas["internal_auditor"])
    response = client.post(
        reverse("resilience:incident_report"),
        {
            "title": "Phishing mail",
            "description": "A mail asks for cloud console credentials.",
            "category": "unauthorised_access",
            "severity": "medium",
            "detected_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    incident = Incident.objects.get(title="Phishing mail")
    assert response.status_code == 302
    assert incident.reported_by == personas["internal_auditor"]


def test_an_upload_of_the_wrong_type_is_refused_with_a_message(client, personas, world):
    client.force_login(personas["governance_officer"])
    deletion = world["deletion_detail"]
    bad = pdf("wipe.exe")
    response = client.post(
        reverse("resilience:deletion_upload", kwargs={"code": deletion.code}),
        {"file": bad, "title": "x", "certificate": "on"},
        follow=True,
    )
    assert "wipe.exe" in response.content.decode()
    assert not services.evidence_for(deletion)


def test_exit_pages_link_the_institutions_exit_strategy(client, personas, world):
    from fincloud.governance.models import ExitStrategy
    from fincloud.workflow.models import State

    client.force_login(personas["examiner"])
    page = client.get(reverse("resilience:exit_list")).content.decode()
    assert reverse("governance:mechanisms") in page
    strategy = ExitStrategy.objects.create(
        title="雲端服務轉移策略",
        review_months=12,
        unit=personas["governance_officer"].unit,
        prepared_by=personas["governance_officer"],
        prepared_at=timezone.now(),
        state=State.APPROVED,
    )
    page = client.get(reverse("resilience:exit_list")).content.decode()
    url = reverse("governance:mechanism_detail", kwargs={"kind": "exit", "code": strategy.code})
    assert url in page
    detail = client.get(
        reverse("resilience:exit_detail", kwargs={"code": world["exit_detail"].code})
    )
    assert url in detail.content.decode()
