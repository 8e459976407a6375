"""Oversight's part of `fincloud demo`: SLA targets from the register's demo contracts, outages
(one overlapping pair, one planned maintenance, one that breaches the target), KPIs and KRIs
with six months of measurements (the latest KRI in red), a reviewed SOC 2 report with an open
exception, the review schedules, and one service whose periodic review is due this month.

Idempotent: every record is looked up by its natural key first (SLA target per service, outage
by CSP reference, indicator by service and name, measurement by day, report review by CSP and
title), and the load is one transaction.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from fincloud.oversight.dates import TAIPEI, add_months

# The register demo's services, by information system code (fincloud.register.demo).
SLA_SERVICES = {
    # code: (target, credit tiers)
    "CIB": ("99.95", "99.95: 10\n99: 25\n95: 100"),
    "CRM": ("99.9", "99.9: 10\n99: 30"),
    "EDOC": ("99.9", ""),
    "CARD-AUTH": ("99.99", "99.99: 10\n99.9: 25\n99: 50"),
}


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TAIPEI)


def load_oversight_demo() -> None:
    from fincloud.people.models import User
    from fincloud.register.models import CloudService

    officer = User.objects.filter(username="gov.officer").first()
    security = User.objects.filter(username="sec.officer").first()
    risk = User.objects.filter(username="risk.officer").first()
    approver = User.objects.filter(username="approver").first()
    if officer is None or security is None or risk is None or approver is None:
        return
    services = {
        s.information_system: s
        for s in CloudService.objects.filter(
            information_system__in=list(SLA_SERVICES)
        ).select_related("csp")
    }
    if not services:
        return
    with transaction.atomic():
        _targets(officer, services)
        _outages(officer, security, services)
        _indicators(officer, risk, services)
        _report(security, approver, services)
        _reviews(officer, approver)


def _targets(officer: Any, services: dict[str, Any]) -> None:
    from fincloud.oversight import services as svc
    from fincloud.oversight.models import SlaTarget
    from fincloud.register.models import Document

    for code, (target, terms) in SLA_SERVICES.items():
        service = services.get(code)
        if service is None or SlaTarget.objects.filter(service=service).exists():
            continue
        document = (
            Document.objects.filter(services=service, kind=Document.Kind.SLA).first()
            or Document.objects.filter(services=service).first()
        )
        svc.sla_target_save(
            actor=officer,
            service=service,
            target_percent=Decimal(target),
            credit_terms=svc.parse_credit_terms(terms),
            claim_window_days=60,
            document=document,
            note="示範：依契約之 SLA 附件 Demo: from the contract's SLA schedule.",
        )


def _outages(officer: Any, security: Any, services: dict[str, Any]) -> None:
    from fincloud.oversight import services as svc
    from fincloud.oversight.models import Outage

    today = timezone.localdate()
    this_month = today.replace(day=1)
    last_month = add_months(this_month, -1)
    cib, crm = services.get("CIB"), services.get("CRM")
    plan: list[tuple[Any, str, Any, dt.datetime, dt.datetime, bool, str, str]] = []
    if cib is not None:
        plan += [
            # Two reports of one incident, overlapping: merged, counted once (Ch 3.4 (b)).
            (
                officer,
                "DEMO-NIM-0101",
                [cib],
                _local(last_month, 2, 10),
                _local(last_month, 2, 40),
                False,
                "API 閘道逾時 API gateway time-outs",
                "負載平衡器設定錯誤 Load balancer misconfiguration",
            ),
            (
                security,
                "DEMO-NIM-0102",
                [cib],
                _local(last_month, 2, 30),
                _local(last_month, 2, 55),
                False,
                "API 閘道逾時（資安監控通報）API time-outs (security monitoring)",
                "同一事件 Same incident",
            ),
            # Announced maintenance: left out of the downtime, as the contract says.
            (
                officer,
                "DEMO-NIM-0110",
                [cib],
                _local(last_month + dt.timedelta(days=14), 1),
                _local(last_month + dt.timedelta(days=14), 3),
                True,
                "計畫性維護 Planned maintenance",
                "資料庫版本升級 Database engine upgrade",
            ),
        ]
    if crm is not None:
        plan.append(
            # Over an hour this month: a 99.9 % target allows 43.2 minutes in a 30-day month.
            (
                officer,
                "DEMO-SAK-0201",
                [crm],
                _local(this_month, 9, 5),
                _local(this_month, 10, 20),
                False,
                "CRM 無法登入 CRM sign-in failure",
                "身分驗證服務中斷 Identity provider outage",
            )
        )
    for actor, reference, affected, start, end, planned, title, cause in plan:
        if end > timezone.now():
            continue  # the demo only records what has already happened
        if Outage.objects.filter(csp_reference=reference).exists():
            continue
        svc.outage_record(
            actor=actor,
            services=affected,
            start=start,
            end=end,
            planned=planned,
            cause=cause,
            csp_reference=reference,
            title=title,
        )


INDICATORS = [
    # service, kind, name, unit, direction, green, amber, values (oldest first)
    (
        "CIB",
        "kpi",
        "月可用性 Monthly availability",
        "%",
        "higher",
        "99.95",
        "99.9",
        ["99.99", "99.98", "100", "99.96", "99.93", "99.97"],
    ),
    (
        "CIB",
        "kri",
        "高風險弱點未修補數 Open high-risk vulnerabilities",
        "",
        "lower",
        "0",
        "2",
        ["1", "0", "0", "2", "3", "4"],
    ),
    (
        "CRM",
        "kpi",
        "事件回應時間 Incident response time",
        "h",
        "lower",
        "2",
        "4",
        ["1.5", "2.5", "1", "3", "1.8", "1.2"],
    ),
]


def _indicators(officer: Any, risk: Any, services: dict[str, Any]) -> None:
    from fincloud.oversight import services as svc
    from fincloud.oversight.models import Indicator, Measurement

    today = timezone.localdate()
    for code, kind, name, unit, direction, green, amber, values in INDICATORS:
        service = services.get(code)
        if service is None:
            continue
        indicator = Indicator.objects.filter(service=service, name=name).first()
        if indicator is None:
            indicator = svc.indicator_create(
                actor=officer,
                service=service,
                kind=kind,
                name=name,
                unit=unit,
                direction=direction,
                green=Decimal(green),
                amber=Decimal(amber),
                owner=risk if kind == "kri" else officer,
                description="示範指標 Demo indicator (Ch 3.4 (d)).",
            )
        for back, value in zip(range(len(values) - 1, -1, -1), values, strict=True):
            day = add_months(today.replace(day=1), -back) - dt.timedelta(days=1)
            if (
                day > today
                or Measurement.objects.filter(indicator=indicator, measured_on=day).exists()
            ):
                continue
            svc.measurement_record(
                actor=risk, indicator=indicator, measured_on=day, value=Decimal(value)
            )


def _report(security: Any, approver: Any, services: dict[str, Any]) -> None:
    from fincloud.oversight import services as svc
    from fincloud.oversight.models import ReportReview
    from fincloud.register.models import Certification
    from fincloud.workflow.services import record_approve

    cib = services.get("CIB")
    if cib is None or security.unit_id is None:
        return
    title = "SOC 2 Type II 報告 2025 SOC 2 Type II report 2025"
    if ReportReview.objects.filter(csp=cib.csp, title=title).exists():
        return
    today = timezone.localdate()
    review = svc.report_review_create(
        actor=security,
        csp=cib.csp,
        report_kind=ReportReview.ReportKind.SOC2_TYPE2,
        title=title,
        certification=Certification.objects.filter(csp=cib.csp, standard="soc2").first(),
        document=None,
        issuer="Example & Co. CPAs",
        covers_from=add_months(today, -12),
        covers_to=add_months(today, -1),
        reviewed_on=today - dt.timedelta(days=3),
        opinion=ReportReview.Opinion.QUALIFIED,
        conclusion="例外一項：特權帳號季度審查未執行。One exception: a quarterly privileged-access "
        "review was not performed.",
    )
    svc.exception_add(
        actor=security,
        review=review,
        control_reference="CC6.2",
        description=(
            "特權帳號季度審查未於 Q2 執行 Quarterly privileged-access review not performed in Q2"
        ),
        severity="medium",
        csp_response="業者已於 Q3 補執行並導入自動提醒 Performed in Q3; automated reminders added.",
        action=(
            "取得 Q3 審查紀錄並於下期報告確認 Obtain the Q3 review record; confirm in next report."
        ),
        owner=security,
        due_date=today + dt.timedelta(days=20),
    )
    svc.report_review_submit(actor=security, review=review)
    if approver.may_approve_for(review.unit):
        record_approve(record=review, actor=approver, comment="示範核准 Demo approval")


def _reviews(officer: Any, approver: Any) -> None:
    """Schedules for services in use; one in-use service gets a review approved a cycle ago
    less two weeks, so its next review falls due in two weeks (on the calendar)."""
    from fincloud.oversight import services as svc
    from fincloud.oversight.models import PeriodicReview, ReviewItem, ReviewSchedule
    from fincloud.register.models import CloudService, Stage
    from fincloud.workflow.models import State
    from fincloud.workflow.services import record_approve

    svc.review_schedule_refresh()
    service = (
        CloudService.objects.filter(stage=Stage.IN_USE, started_on__isnull=False)
        .order_by("name")
        .first()
    )
    if service is None or PeriodicReview.objects.filter(service=service).exists():
        return
    schedule = ReviewSchedule.objects.get(service=service)
    today = timezone.localdate()
    reviewed = add_months(today + dt.timedelta(days=14), -schedule.interval_months)
    review = svc.review_start(actor=officer, service=service, review_date=reviewed)
    for item in review.items.all():
        svc.review_item_update(
            actor=officer, item=item, result=ReviewItem.Result.SATISFACTORY, notes="示範 Demo"
        )
    svc.review_update(
        actor=officer,
        review=review,
        review_date=reviewed,
        period_from=min(reviewed, service.started_on or reviewed),
        period_to=reviewed,
        conclusion=PeriodicReview.Conclusion.SATISFACTORY,
        summary="示範定期審查 Demo periodic review.",
    )
    svc.review_submit(actor=officer, review=review)
    if approver.may_approve_for(review.unit):
        record_approve(record=review, actor=approver, comment="示範核准 Demo approval")
    review.refresh_from_db()
    if review.state == State.APPROVED:
        svc.review_schedule_refresh(service_ids=[service.pk])
