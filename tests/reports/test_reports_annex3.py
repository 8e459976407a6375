"""Annex 3 of one service, in XLSX, DOCX and PDF, read back and checked against the database:
the manual's rows with their citation brackets, the 符合/未符合 boxes ticked from the
judgements (不適用: empty boxes, the reason as a remark), covering documents, remarks,
alternative measures; the frame (institution, time, pages); the SHA-256 in the audit log."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from fincloud.auditlog.models import AuditEvent
from fincloud.reports.errors import ReportRefused
from fincloud.reports.models import ReportRun
from fincloud.reports.services import report_generate

from reports.factories_reports import (
    FORMULA_REMARK,
    IMPACT,
    MEASURE,
    NA_REASON,
    docx_tables,
    pdf_text,
    sha256,
    xlsx_rows,
)

pytestmark = pytest.mark.django_db


def generate(personas, card, fmt, **kw):
    return report_generate(
        actor=personas["examiner"],
        name="annex3",
        fmt=fmt,
        subject_code=str(card["service"].code),
        **kw,
    )


def by_citation(rows, citation):
    return next(r for r in rows if isinstance(r[0], str) and r[0].startswith(citation))


def test_xlsx_rows_against_the_database(personas, card):
    run, data = generate(personas, card, "xlsx")
    rows = xlsx_rows(data)
    assert rows[0][0] == "CSP合約檢核表（附件3）"
    legal = personas["legal"]
    # Every one of the assessment's 22 rows, in the manual's order, each once.
    judged = card["assessment"].contract_rows.filter(applicable=True)
    assert judged.count() == 22
    requirement_rows = [r for r in rows if r[1] and str(r[1]).startswith(("■", "□"))]
    assert len(requirement_rows) == 22

    compliant = by_citation(rows, "【委外辦法§10 I①】")
    assert compliant[1] == "■符合 □未符合"
    assert "委外事項範圍及受委託機構之權責。" in compliant[0]
    assert "【自律規範§5 II①(1)】" in compliant[0]  # the self-regulatory wording under it
    assert "主約 Master agreement（MA-2026-01）" in compliant[2]
    assert "§4.2 責任分工" in compliant[2]
    assert legal.username in compliant[3]

    not_compliant = by_citation(rows, "【委外辦法§10 I②】")
    assert not_compliant[1] == "□符合 ■未符合"
    assert IMPACT in not_compliant[3]
    assert MEASURE in not_compliant[4]
    assert card["due"].isoformat() in not_compliant[4]
    assert legal.username in not_compliant[4]

    not_applicable = next(
        r for r in rows if isinstance(r[0], str) and r[0].startswith("三、應要求受託機構")
    )
    assert not_applicable[1] == "□符合 □未符合"  # the boxes stay empty
    assert f"不適用：{NA_REASON}" in not_applicable[3]
    assert "(一)金融機構之客戶資訊僅限由受委託機構之獲授權人員" in not_applicable[0]

    unjudged = by_citation(rows, "【委外辦法§10 I④】")
    assert unjudged[1] == "□符合 □未符合"
    assert unjudged[3].startswith("尚未")

    # The remark that looks like a formula stays text.
    formula = by_citation(rows, "【委外辦法§10 I③】")
    assert formula[3].startswith("'" + FORMULA_REMARK)
    # Part 2's article groups, as the manual prints them.
    flat = [r[0] for r in rows if r[0]]
    assert "【委外辦法第十七條】\nI.金融機構將作業委託境外處理，應依下列規定辦理：" in flat
    assert "四、（三）資訊安全及管理：" in flat
    assert run.sha256 == sha256(data)


def test_docx_table_against_the_database(personas, card):
    _run, data = generate(personas, card, "docx")
    table = docx_tables(data)[-1]
    assert table[0][1] == "檢核結果"
    row = by_citation(table, "【委外辦法§10 I②】")
    assert row[1] == "□符合 ■未符合"
    assert MEASURE in row[4]
    row = by_citation(table, "【委外辦法§10 I①】")
    assert row[1] == "■符合 □未符合"
    assert "主約 Master agreement（MA-2026-01）" in row[2]


def test_pdf_text_frame_and_audit_event(personas, card):
    run, data = generate(personas, card, "pdf")
    text = pdf_text(data)
    for expected in (
        "CSP合約檢核表（附件3）",
        "信用卡授權核心系統",
        "【委外辦法§10 I①】",
        "■符合 □未符合",
        "□符合 ■未符合",
        "測試商業銀行",  # the institution profile's name, in the header
        "第 1 頁，共",
        f"產製時間 {timezone.localdate():%Y-%m-%d}",
        "(Asia/Taipei)",
        "金融機構須保有其指定資料處理及儲存地之權利",
    ):
        assert expected in text, expected
    drawn = pdf_text(data, layout=False).replace("\n", "")
    assert f"不適用：{NA_REASON}" in drawn
    assert MEASURE in drawn
    event = AuditEvent.objects.get(object_id=str(run.code), action="export")
    changes = json.loads(event.changes)
    assert changes["sha256"] == [None, sha256(data)]
    assert changes["report"] == [None, "annex3"]
    assert event.actor_id == personas["examiner"].pk
    assert ReportRun.objects.get(pk=run.pk).sha256 == sha256(data)


def test_english_keeps_the_citations_and_uses_the_catalog_translation(personas, card):
    _run, data = generate(personas, card, "xlsx", lang="en")
    rows = xlsx_rows(data)
    row = by_citation(rows, "【委外辦法§10 I①】")
    assert "The scope of the outsourced work" in row[0]
    assert row[1] == "■Compliant □Not compliant"


def test_a_service_without_an_assessment_is_refused(personas, card):
    from assessments.factories_assessments import service

    other = service(card["provider"], personas["governance_officer"].unit, name="Other")
    with pytest.raises(ReportRefused) as refused:
        report_generate(actor=None, name="annex3", fmt="pdf", subject_code=str(other.code))
    assert refused.value.field == "service"
    assert refused.value.rule == "failed"
