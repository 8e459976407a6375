"""The audit report (Ch 7) as DOCX and PDF, read back against the database: scope and
arrangement, the auditors, the programme with each result, the findings with severity and
status, and the sign-off of the approved report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from fincloud.audits import services
from fincloud.audits.models import Finding
from fincloud.reports.services import report_generate
from fincloud.workflow.services import record_approve, record_submit

from audits.factories_audits import classified
from factories import UnitFactory, UserFactory
from reports.factories_reports import docx_tables, docx_text, pdf_text

pytestmark = pytest.mark.django_db

SCOPE = "雲端服務所在機房之實體安全控管機制及日誌保存（第7.3節）"
FINDING = "稽核軌跡僅保存90日"
SUMMARY = "查核範圍內之控制大致有效，日誌保存期間不足。"
CONCLUSION = "整體尚屬有效，惟須於60日內改善日誌保存。"


@pytest.fixture
def closed_audit(personas):
    from assessments.factories_assessments import institution

    institution()
    auditor = personas["internal_auditor"]
    service = classified(
        "material_offshore", service_model="SaaS", unit=UnitFactory(short_name="retail-r")
    )
    audit = services.audit_plan(
        actor=auditor,
        service=service,
        kind="general",
        title="2026年度一般性查核",
        planned_start=dt.date(2026, 12, 1),
        planned_end=dt.date(2026, 12, 12),
        contact=personas["governance_officer"],
        arrangement="own",
        scope=SCOPE,
    )
    lead = services.auditor_save(actor=auditor, name="王稽核", kind="internal", unit=auditor.unit)
    services.certificate_add(actor=auditor, auditor=lead, name="CISSP", valid_until=None)
    services.audit_assign(actor=auditor, audit=audit, auditor=lead, role="lead")
    services.audit_advance(actor=auditor, audit=audit)
    items = list(audit.programme.order_by("order"))
    services.programme_record(
        actor=auditor, item=items[0], result="exception", conclusion="日誌保存期間不足"
    )
    for item in items[1:]:
        services.programme_record(actor=auditor, item=item, result="satisfactory")
    finding = services.finding_raise(
        actor=auditor,
        audit=audit,
        title=FINDING,
        description="依第5.4節基本項目(a)應保存六個月以上。",
        severity="high",
        owner=personas["governance_officer"],
        due_date=timezone.localdate() + dt.timedelta(days=60),
    )
    services.audit_advance(actor=auditor, audit=audit)
    report = services.report_draft(
        actor=auditor,
        audit=audit,
        report_date=dt.date(2026, 12, 20),
        summary=SUMMARY,
        conclusion=CONCLUSION,
    )
    record_submit(record=report, actor=auditor)
    approver = UserFactory(
        username="chief-auditor", roles=["approver"], approves_for=[auditor.unit]
    )
    record_approve(record=report, actor=approver)
    audit.refresh_from_db()
    report.refresh_from_db()
    return {
        "audit": audit,
        "finding": finding,
        "report": report,
        "approver": approver,
        "items": items,
    }


def test_docx_against_the_database(personas, closed_audit):
    audit = closed_audit["audit"]
    _run, data = report_generate(
        actor=personas["examiner"], name="audit", fmt="docx", subject_code=str(audit.code)
    )
    text = docx_text(data)
    assert audit.title in text
    assert SCOPE in text
    assert SUMMARY in text and CONCLUSION in text
    tables = docx_tables(data)
    facts = {row[0]: row[1] for t in tables for row in t if len(row) == 2}
    assert audit.status == "closed"
    assert facts["狀態"] == audit.get_status_display()
    assert facts["核准人"].startswith(str(closed_audit["approver"].display_name))
    assert "2026-12-20" in facts["報告日期"]
    findings = next(t for t in tables if t[0][0] == "發現事項")
    row = next(r for r in findings if r[0].startswith(FINDING))
    finding = Finding.objects.get(pk=closed_audit["finding"].pk)
    assert row[1] == finding.get_severity_display()
    assert row[2].startswith(finding.get_status_display())
    assert row[4] == finding.due_date.isoformat()
    programme = next(t for t in tables if t[0][0] == "項目")
    first = closed_audit["items"][0]
    line = next(r for r in programme if r[0] == first.catalog_id)
    first.refresh_from_db()
    assert line[2] == first.get_result_display()
    assert line[3] == "日誌保存期間不足"
    auditors = next(t for t in tables if t[0][0] == "查核人員")
    assert auditors[1][0] == "王稽核"


def test_pdf_text(personas, closed_audit):
    audit = closed_audit["audit"]
    _run, data = report_generate(
        actor=personas["internal_auditor"], name="audit", fmt="pdf", subject_code=str(audit.code)
    )
    text = pdf_text(data, layout=False)
    for expected in (
        audit.title,
        FINDING,
        SUMMARY,
        CONCLUSION,
        "測試商業銀行",
        "簽核",
        "第 1 頁，共",
    ):
        assert expected in text, expected
