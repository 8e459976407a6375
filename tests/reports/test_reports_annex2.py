"""Annex 2 (the recommended checklist): the institution-level 日常執行與控管 rows from the
governance answers, and one service's 使用前評估 / 使用中評估 / 使用後 rows; each with its
status, evidence references, who confirmed it and when, read back from XLSX and PDF."""

from __future__ import annotations

import pytest

from fincloud.assessments import services as svc
from fincloud.catalog import load_catalog
from fincloud.governance import services as governance
from fincloud.reports.builders.base import when
from fincloud.reports.services import report_generate

from assessments.factories_assessments import pdf
from reports.factories_reports import pdf_text, xlsx_rows

pytestmark = pytest.mark.django_db

TRAINING_NOTE = "年度資安意識訓練一人未通過測驗，補訓安排中。"


@pytest.fixture
def daily(personas):
    gov = personas["governance_officer"]
    partial = governance.checklist_answer(
        actor=gov, item_id="a2.daily.2.1", answer="partial", note=TRAINING_NOTE
    )
    met = governance.checklist_answer(
        actor=gov,
        item_id="a2.daily.3.1",
        answer="met",
        note="金鑰由HSM保管",
        upload=pdf("kms-policy.pdf"),
    )
    return {"partial": partial, "met": met}


def row_of(rows, sub_domain):
    return next(r for r in rows if r[2] == sub_domain)


def test_daily_part_against_the_governance_answers(personas, daily, card):
    _run, data = report_generate(actor=personas["examiner"], name="annex2", fmt="xlsx")
    rows = xlsx_rows(data)
    header = next(r for r in rows if r[0] == "階段")
    assert header == ["階段", "領域", "子領域", "狀態", "依據", "佐證", "確認人", "確認時間"]
    catalog = load_catalog()
    items = [n for n in catalog.descendants("a2.daily") if n.kind == "checklist_item"]
    listed = [r for r in rows if r[0] == "日常執行與控管" and r[2]]
    assert [r[2] for r in listed] == [n.text_zh for n in items]  # every row, in order
    training = row_of(rows, "雲端技術知識與能力培訓計畫與執行")
    answer = daily["partial"]
    assert training[1] == "人才培訓"
    assert training[3] == answer.get_answer_display()
    assert training[4] == TRAINING_NOTE
    assert personas["governance_officer"].username in training[6]
    assert training[7] == when(answer.answered_at)
    keys = row_of(rows, "加密與金鑰保護")
    assert keys[3] == daily["met"].get_answer_display()
    assert "kms-policy.pdf" in keys[5]  # the evidence file, with its SHA-256 prefix
    assert "SHA-256" in keys[5]
    # Without a service the report is the institution-level part only.
    assert not any(r[0] == "使用前評估" for r in rows)


def test_service_parts(personas, daily, card):
    assessment = card["assessment"]
    gov = personas["governance_officer"]
    answer = assessment.checklist_answers.get(item_id="a2.before.1.2")  # 營運衝擊分析
    svc.checklist_answer_save(actor=gov, answer=answer, status="done", answer_text="已完成BIA")
    svc.checklist_evidence_attach(actor=gov, answer=answer, upload=pdf("bia.pdf"), title="BIA")
    answer.refresh_from_db()
    _run, data = report_generate(
        actor=personas["risk"],
        name="annex2",
        fmt="xlsx",
        subject_code=str(card["service"].code),
    )
    before = xlsx_rows(data, "使用前評估")
    bia = row_of(before, "營運衝擊分析")
    assert (bia[0], bia[1]) == ("使用前評估", "風險評估與控管")
    assert bia[3] == "已完成"
    assert bia[4] == "已完成BIA"
    assert "bia.pdf" in bia[5]
    assert gov.username in bia[6]
    assert bia[7] == when(answer.updated_at)
    # A contract item rests on its Annex 3 rows and their documents.
    scope = row_of(before, "委外事項範圍及雲端服務業者之權責")
    assert "10.I.1" in scope[4]
    assert "主約 Master agreement（MA-2026-01）" in scope[5]
    in_use = xlsx_rows(data, "使用中評估")
    audit = next(r for r in in_use if r[1] == "雲端委外查核")
    assert audit[3] == "尚無紀錄"  # no audit of the service yet
    bia_in_use = row_of(in_use, "營運衝擊分析")
    assert bia_in_use[3] == "尚無紀錄"
    after = xlsx_rows(data, "使用後")
    assert [r[3] for r in after if r[0] == "使用後" and r[2]] == ["尚未適用", "尚未適用"]


def test_pdf_holds_every_stage(personas, daily, card):
    _run, data = report_generate(
        actor=personas["examiner"], name="annex2", fmt="pdf", subject_code=str(card["service"].code)
    )
    text = pdf_text(data, layout=False).replace("\n", "")
    for expected in (
        "使用雲端服務建議檢核表",
        "日常執行與控管",
        "使用前評估",
        "使用中評估",
        "使用後",
        "雲端技術知識與能力培訓計畫與執行",
        "服務/資料移轉",
        "測試商業銀行",
        "第 1 頁，共",
    ):
        assert expected in text, expected
