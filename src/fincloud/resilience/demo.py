"""Demo data of the resilience app: notification rules, a BIA, a BCP with an approved drill,
a review of the CSP's SOC 2 report, incidents, and exit plans.

Idempotent: everything is looked up by a natural key first, so ``fincloud demo`` run twice
changes nothing. Runs after the register's loader (it needs its services and people).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from fincloud.people.models import User
from fincloud.resilience import checklists, services
from fincloud.resilience.models import (
    BusinessImpactAnalysis,
    ContinuityPlan,
    Drill,
    ExitPlan,
    Incident,
    NotificationRule,
    ProviderContinuityReview,
)
from fincloud.workflow.models import State
from fincloud.workflow.services import record_approve, record_submit

# The institution's own notification rules. The manual (Ch 8.2) says "immediately" without a
# number; these are the demo institution's choices, not the manual's or a regulator's.
DEMO_RULES: list[tuple[str, str, str, list[str], bool, Decimal, str]] = [
    # authority, kind, min severity, categories, customers only, hours, basis
    (
        "資訊作業中心 Operations centre",
        "internal",
        "major",
        [],
        False,
        Decimal(1),
        "本行資安事件通報程序（示範）",
    ),
    (
        "主管機關 Supervisory authority",
        "regulator",
        "high",
        [],
        False,
        Decimal(1),
        "本行資安事件通報程序（示範；依主管機關規定設定）",
    ),
    (
        "雲端服務業者 Cloud service provider",
        "csp",
        "medium",
        [],
        False,
        Decimal(4),
        "雲端服務契約通報條款（示範）",
    ),
    (
        "受影響客戶 Affected customers",
        "customers",
        "medium",
        ["data_breach"],
        True,
        Decimal(72),
        "個人資料外洩通知作業（示範）",
    ),
]

CARD = "CARD-AUTH"
EDOC = "EDOC"
CRM = "CRM"


def _pdf(title: str) -> SimpleUploadedFile:
    body = f"%PDF-1.4\n% fincloud demo: {title}\n%%EOF\n".encode()
    return SimpleUploadedFile(f"{title}.pdf", body, "application/pdf")


def _service(system: str) -> Any:
    from fincloud.register.models import CloudService

    return CloudService.objects.filter(information_system=system).select_related("csp").first()


def _approve(record: Any, preparer: User, approver: User) -> None:
    if record.state == State.DRAFT:
        record_submit(record=record, actor=preparer)
    record.refresh_from_db()
    if record.state == State.SUBMITTED:
        record_approve(record=record, actor=approver, comment="示範資料 Demo data")


def _rules(officer: User) -> None:
    for authority, kind, severity, categories, customers, hours, basis in DEMO_RULES:
        if NotificationRule.objects.filter(authority=authority).exists():
            continue
        services.notification_rule_create(
            actor=officer,
            authority=authority,
            recipient_kind=kind,
            min_severity=severity,
            categories=categories,
            customer_impact_only=customers,
            hours=hours,
            basis=basis,
            active=True,
        )


def _impact_analysis(officer: User, approver: User, service: Any) -> BusinessImpactAnalysis:
    found = BusinessImpactAnalysis.objects.filter(
        service=service, business_process="信用卡授權與清算"
    ).first()
    if found is not None:
        return found
    record = services.bia_create(
        actor=officer,
        service=service,
        business_process="信用卡授權與清算",
        description="Card authorisation for all issued cards; clearing batches at night.",
        impacts={
            "financial": {"60": 2, "240": 3, "1440": 4, "4320": 4, "10080": 4},
            "customer": {"60": 3, "240": 4, "1440": 4, "4320": 4, "10080": 4},
            "regulatory": {"60": 1, "240": 2, "1440": 3, "4320": 4, "10080": 4},
            "reputational": {"60": 2, "240": 3, "1440": 4, "4320": 4, "10080": 4},
            "operational": {"60": 2, "240": 3, "1440": 3, "4320": 4, "10080": 4},
        },
        mtpd_minutes=240,
        rto_minutes=60,
        rpo_minutes=5,
        priority=1,
        availability_target=Decimal("99.95"),
        csp_sla_percent=Decimal("99.99"),
        sla_period="month",
        # The CSP commits to two hours: the check flags it against the one-hour RTO.
        csp_rto_minutes=120,
        csp_rpo_minutes=5,
        resources="Two regions; the card-network links; the on-call authorisation team.",
    )
    _approve(record, officer, approver)
    return record


def _plan(
    officer: User, approver: User, service: Any, analysis: BusinessImpactAnalysis
) -> ContinuityPlan:
    found = ContinuityPlan.objects.filter(service=service, title="信用卡授權 BCP").first()
    if found is not None:
        return found
    responses = {
        "ch8.3.events.a": "Fail over to the second region; manual stand-in authorisation.",
        "ch8.3.events.b": "Second region in another jurisdiction; exit plan to the domestic CSP.",
        "ch8.3.events.c": "Contractual audit rights; the CSP's SOC 2 exceptions followed up.",
        "ch8.3.events.d": "Relies on the CSP's physical controls (SOC 2 CC6.4); fail over.",
        "ch8.3.events.e": "Isolate, restore from immutable snapshots, notify per the rules.",
        "ch8.3.events.f": "Exit plan to the domestic CSP; data exported monthly.",
        "single_point": "Redundant network paths and load balancers in each region.",
        "region_loss": "Active-passive second region; RTO 60 minutes tested yearly.",
        "csp_failure": "Stand-in authorisation limits at the card network; branch procedure.",
    }
    plan = services.plan_create(
        actor=officer,
        service=service,
        impact_analysis=analysis,
        title="信用卡授權 BCP",
        requirements="Authorisation within the BIA's RTO of 60 minutes and RPO of 5 minutes.",
        backup_method="Database snapshots every 5 minutes, replicated to the second region.",
        backup_location="Second region (Singapore), encrypted with the bank's keys",
        recovery_order="1. network links 2. database 3. authorisation service 4. reports",
        alternative_procedures="Stand-in processing at the card network with reduced limits.",
        csp_duties="The CSP notifies the bank of any region switch-over within 15 minutes.",
        csp_notification="Security contact and the status page; joint drill yearly.",
        scenarios={k: {"response": v, "not_applicable_reason": ""} for k, v in responses.items()},
        drill_interval_months=12,
    )
    _approve(plan, officer, approver)
    plan.refresh_from_db()
    return plan


def _drill(officer: User, security: User, approver: User, plan: ContinuityPlan) -> None:
    if Drill.objects.filter(plan=plan, title="年度區域切換共同演練").exists():
        return
    performed = timezone.localdate() - dt.timedelta(days=40)
    drill = services.drill_create(
        actor=officer,
        plan=plan,
        title="年度區域切換共同演練",
        kind="failover",
        joint_with_csp=True,
        scenario="region_loss",
        planned_on=performed,
        objectives="Switch authorisation to the second region within the RTO; the CSP "
        "notifies the bank of the switch-over (Ch 8.3, Ch 8.4 (b)).",
        participants="IT operations, information security, card operations",
        csp_participants="CSP technical account manager, CSP incident desk",
    )
    _approve(drill, officer, approver)
    report = services.drill_report_create(
        actor=officer,
        drill=drill,
        performed_on=performed,
        participants="IT operations (4), information security (1), card operations (2), CSP (2)",
        recovery_minutes=48,
        data_loss_minutes=3,
        csp_notice_minutes=11,
        results="Switched over in 48 minutes; no authorisation lost beyond 3 minutes.",
        issues="The DNS time-to-live delayed some terminals by 6 minutes.",
    )
    services.drill_report_attach(
        actor=officer, report=report, upload=_pdf("drill-log"), title="演練紀錄 Drill log"
    )
    _approve(report, officer, approver)
    services.follow_up_add(
        actor=officer,
        drill=drill,
        description="Lower the DNS time-to-live to 60 seconds",
        due_date=timezone.localdate() + dt.timedelta(days=20),
        owner=security,
    )


def _provider_review(risk: User, service: Any) -> None:
    if ProviderContinuityReview.objects.filter(csp=service.csp).exists():
        return
    today = timezone.localdate()
    review = services.provider_review_create(
        actor=risk,
        csp=service.csp,
        report_kind="soc2_type2",
        period_start=dt.date(today.year - 1, 1, 1),
        period_end=dt.date(today.year - 1, 12, 31),
        reviewed_on=today - dt.timedelta(days=30),
        conclusion="exceptions",
        bcp_assessment="Availability criteria A1.2 and A1.3 tested without exception except "
        "one restore test; the BCP names owners and escalation.",
        dr_functions="Cross-region snapshots, replicated storage, managed fail-over.",
        switchover_notice=True,
        exceptions="One quarterly restore test not performed in one region.",
        follow_up="Ask the CSP for the next restore test's evidence.",
        follow_up_due=today + dt.timedelta(days=45),
    )
    services.provider_review_attach(
        actor=risk, review=review, upload=_pdf("soc2-type2"), title="SOC 2 Type II"
    )


def _incidents(officer: User, security: User, legal: User, approver: User, service: Any) -> None:
    now = timezone.now()
    if not Incident.objects.filter(title="授權延遲 Authorisation latency").exists():
        closed = services.incident_report(
            actor=legal,
            title="授權延遲 Authorisation latency",
            description="Authorisation responses above five seconds for 25 minutes.",
            service=service,
            category="outage",
            severity="high",
            detected_at=now - dt.timedelta(days=12, hours=2),
        )
        services.incident_update(actor=security, incident=closed, handler=security)
        for notice in closed.notices.all():
            services.notice_record_sent(
                actor=security,
                notice=notice,
                sent_at=closed.detected_at + dt.timedelta(minutes=40),
                method="e-mail",
            )
        services.incident_record_step(
            actor=security,
            incident=closed,
            kind="resolved",
            at=closed.detected_at + dt.timedelta(minutes=50),
            note="The CSP rolled back a load-balancer change.",
        )
        review = services.review_create(
            actor=security,
            incident=closed,
            summary="Latency after a CSP load-balancer change.",
            root_cause="An unannounced configuration change by the CSP.",
            went_well="Detected by monitoring within 3 minutes.",
            lessons="Ask the CSP for advance notice of changes to shared components.",
            actions="Raise in the quarterly service review.",
        )
        _approve(review, security, approver)
    if not Incident.objects.filter(title="疑似憑證外洩 Suspected credential leak").exists():
        services.incident_report(
            actor=legal,
            title="疑似憑證外洩 Suspected credential leak",
            description="A cloud console access key was found in a public code repository.",
            service=service,
            category="unauthorised_access",
            severity="major",
            detected_at=now - dt.timedelta(minutes=25),
        )


def _exit_plans(officer: User, approver: User) -> None:
    items = checklists.exit_checklist()
    for system, target_kind, target, approve in (
        (EDOC, "in_house", "本行電子文件保管系統 In-house archive", True),
        (CARD, "other_csp", "Formosa Cloud Services Co., Ltd.", False),
    ):
        service = _service(system)
        if service is None or ExitPlan.objects.filter(service=service).exists():
            continue
        plan = services.exit_plan_create(
            actor=officer,
            service=service,
            target_kind=target_kind,
            target_name=target,
            triggers=["contract_end", "termination_right", "csp_failure"],
            triggers_note="Also when a regulator asks, or the CSP's change of control.",
            data_transfer_steps="1. Freeze changes 2. Bulk export with the CSP's tool "
            "3. Verify counts and SHA-256 4. Import and user test 5. Delete and certify",
            checklist={
                i.id: {"applicable": True, "note": f"IT operations · {i.text_en[:60]}"}
                for i in items
            },
        )
        if approve:
            services.exit_plan_submit(actor=officer, plan=plan)
            record_approve(record=plan, actor=approver, comment="示範資料 Demo data")


def load_resilience_demo() -> None:
    officer = User.objects.filter(username="gov.officer").first()
    approver = User.objects.filter(username="approver").first()
    security = User.objects.filter(username="sec.officer").first()
    risk = User.objects.filter(username="risk.officer").first()
    legal = User.objects.filter(username="legal.counsel").first()
    if officer is None or approver is None or security is None or risk is None or legal is None:
        return  # the people demo did not run
    with transaction.atomic():
        _rules(officer)
        card = _service(CARD)
        if card is None:  # the register's demo did not run
            return
        analysis = _impact_analysis(officer, approver, card)
        plan = _plan(officer, approver, card, analysis)
        _drill(officer, security, approver, plan)
        _provider_review(risk, card)
        _incidents(officer, security, legal, approver, card)
        _exit_plans(officer, approver)
