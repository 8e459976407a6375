"""The audits app's part of `fincloud demo`.

The institution's audit policy; six auditors that show every Ch 7.2 outcome (qualified by a
certificate, by documented experience, an external firm's auditor, one whose certificate has
expired, and two who are not independent of the demo services' units); the audit plan of every
classified service; a general audit of the card authorisation core in fieldwork with a
working paper and a finding answered by the CSP; a joint audit planned through an independent
third party; a programme tailoring decision; security tests. Idempotent: natural keys first.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from fincloud.audits import services
from fincloud.audits.models import (
    Audit,
    Auditor,
    AuditPlanEntry,
    ProgrammeTailoring,
    SecurityTest,
)
from fincloud.people.models import BusinessUnit, User
from fincloud.register.models import CloudService

# name, kind, unit short name or firm, account, certificates (name, valid from, valid until,
# in days from today), experience
AUDITORS = [
    ("李稽核", "internal", "audit", "auditor", [("CISSP", -900, 700), ("CCSK", -400, 330)], None),
    (
        "陳雲安",
        "internal",
        "audit",
        None,
        [],
        ("2025年度核心系統上雲專案查核（AWS）", "稽核報告 114-稽-017"),
    ),
    ("鄭新進", "internal", "audit", None, [("CISSP", -1500, -240)], None),
    ("周維運", "internal", "it-ops", None, [("AWS Certified Security Specialty", -200, 900)], None),
    ("吳業管", "internal", "retail", None, [("CCSP", -300, 800)], None),
    ("林外稽", "external", "信誠資安顧問股份有限公司", None, [("ISO 27001", -500, 600)], None),
]


def _pdf(title: str) -> SimpleUploadedFile:
    body = b"%PDF-1.4\n% fincloud demo working paper: " + title.encode("utf-8") + b"\n%%EOF\n"
    return SimpleUploadedFile("working-paper.pdf", body, content_type="application/pdf")


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _service(system: str) -> CloudService | None:
    return CloudService.objects.filter(information_system=system).first()


def load_audits_demo() -> None:
    auditor_user = _user("auditor")
    governance = _user("gov.officer")
    security = _user("sec.officer")
    if auditor_user is None or governance is None:
        return
    today = timezone.localdate()
    with transaction.atomic():
        policy = services.policy_get()
        if not policy.policy_reference:
            services.policy_update(
                actor=governance,
                policy_reference="內部稽核實施細則第12條（示範）：分級3、4每24個月查核一次",
            )
        auditors = _auditors(auditor_user, today)
        if not ProgrammeTailoring.objects.exists():
            services.tailoring_set(
                actor=auditor_user,
                service_model="SaaS",
                domain_id="ch7.3.table.d02",
                excluded=True,
                reason=(
                    "SaaS 無本行可控之虛擬化層，依 CSP 之 ISO 27017 證書及 SOC 2 Type II"
                    "報告辦理（第7章三：由 CSP 負責之底層架構依其國際標準認證報告辦理）。"
                ),
            )
        if not AuditPlanEntry.objects.exists():
            services.plan_regenerate(actor=None, today=today)
        card = _service("CARD-AUTH")
        if card is not None:
            _card_audit(card, auditor_user, governance, auditors, today)
        aml = _service("AML-MON")
        if aml is not None and not Audit.objects.filter(service=aml).exists():
            services.audit_plan(
                actor=auditor_user,
                service=aml,
                participants=["甲商業銀行", "乙商業銀行"],
                kind="general",
                title=f"{today.year}年度集團洗錢防制監控聯合查核",
                planned_start=today + dt.timedelta(days=45),
                planned_end=today + dt.timedelta(days=60),
                contact=governance,
                csp_contact="Nimbus Cloud 客戶稽核窗口",
                arrangement="joint",
                third_party="信誠資安顧問股份有限公司",
                scope="與使用同一 CSP 之金融機構聯合委託獨立第三人查核；各機構分別出具查核報告。",
            )
        if security is not None:
            _tests(security, today)


def _auditors(actor: User, today: dt.date) -> dict[str, Auditor]:
    out: dict[str, Auditor] = {}
    for name, kind, where, account, certs, experience in AUDITORS:
        existing = Auditor.objects.filter(name=name).first()
        if existing is not None:
            out[name] = existing
            continue
        unit = BusinessUnit.objects.filter(short_name=where).first() if kind == "internal" else None
        if kind == "internal" and unit is None:
            continue
        auditor = services.auditor_save(
            actor=actor,
            name=name,
            kind=kind,
            unit=unit,
            firm=where if kind == "external" else "",
            user=_user(account) if account else None,
        )
        for cert, start, end in certs:
            services.certificate_add(
                actor=actor,
                auditor=auditor,
                name=cert,
                number=f"DEMO-{cert.replace(' ', '')}-{auditor.pk}",
                valid_from=today + dt.timedelta(days=start),
                valid_until=today + dt.timedelta(days=end),
            )
        if experience is not None:
            services.experience_add(
                actor=actor,
                auditor=auditor,
                description=experience[0],
                reference=experience[1],
                period_from=today - dt.timedelta(days=420),
                period_to=today - dt.timedelta(days=380),
            )
        out[name] = auditor
    return out


def _card_audit(
    card: CloudService, actor: User, contact: User, auditors: dict[str, Auditor], today: dt.date
) -> None:
    title = f"{today.year}年度信用卡授權核心系統一般性查核"
    if Audit.objects.filter(service=card, title=title).exists():
        return
    it_ops = BusinessUnit.objects.filter(short_name="it-ops").first()
    audit = services.audit_plan(
        actor=actor,
        service=card,
        kind="general",
        title=title,
        planned_start=today - dt.timedelta(days=10),
        planned_end=today + dt.timedelta(days=20),
        contact=contact,
        csp_contact="Nimbus Cloud 技術客戶經理",
        arrangement="own",
        operating_unit=it_ops,
        scope="雲端委外作業之資安與維運控制，含第7章三重點項目 (a)–(f)。",
    )
    if "李稽核" in auditors:
        services.audit_assign(actor=actor, audit=audit, auditor=auditors["李稽核"], role="lead")
    if "陳雲安" in auditors:
        services.audit_assign(actor=actor, audit=audit, auditor=auditors["陳雲安"], role="member")
    services.audit_advance(actor=actor, audit=audit)
    logs = audit.programme.get(catalog_id="ch7.3.table.d06.03")
    services.programme_record(
        actor=actor,
        item=logs,
        result="exception",
        conclusion="管理日誌保存90天，未達第5章四基本項目 (a) 之六個月。",
    )
    keys = audit.programme.get(catalog_id="ch7.3.table.d01.02")
    services.programme_record(actor=actor, item=keys, result="satisfactory")
    services.working_paper_add(
        actor=actor,
        audit=audit,
        programme_item=logs,
        reference="WP-06-03",
        title="管理日誌保存期間檢查",
        procedure="調閱 CSP 主控台之日誌保存設定及近六個月之日誌清單。",
        conclusion="日誌僅保存90天。",
        upload=_pdf("log retention"),
        effective_date=today - dt.timedelta(days=5),
    )
    finding = services.finding_raise(
        actor=actor,
        audit=audit,
        programme_item=logs,
        title="雲端管理日誌保存期間不足六個月",
        description="管理日誌保存90天，未符第5章四基本項目 (a) 稽核軌跡至少保留六個月之建議。",
        recommendation="調整日誌保存政策至13個月，並集中保存至行內 SIEM。",
        severity="high",
        owner=contact,
        due_date=today + dt.timedelta(days=45),
    )
    services.finding_csp_response(
        actor=contact,
        finding=finding,
        response="CSP 回覆：可由客戶自行設定保存期間，最長可達7年；建議啟用日誌封存。",
        responded_on=today - dt.timedelta(days=1),
    )


def _tests(security: User, today: dt.date) -> None:
    cib = _service("CIB")
    if cib is not None and not SecurityTest.objects.filter(service=cib).exists():
        services.security_test_save(
            actor=security,
            service=cib,
            kind="dynamic",
            scope="企業網路銀行前台與 API 之黑箱測試",
            tester="外部滲透測試廠商",
            planned_on=today + dt.timedelta(days=20),
        )
    card = _service("CARD-AUTH")
    if card is not None and not SecurityTest.objects.filter(service=card).exists():
        services.security_test_save(
            actor=security,
            service=card,
            kind="static",
            scope="授權交易模組原始碼白箱檢測",
            tester="資訊安全部",
            planned_on=today - dt.timedelta(days=60),
            status="done",
            performed_on=today - dt.timedelta(days=58),
            result="無高風險弱點；中風險2項已修補。",
            high_issues=0,
        )
