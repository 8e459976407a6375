"""The assessments' part of `fincloud demo` (after the register's demo institution).

- the manual's Annex 4 vendor A/B/C example, as a vendor comparison with its disclaimer;
- the CRM on Sakura SaaS (non-material offshore, Japan and Thailand: Thailand is off the FAQ-10
  list): a complete pre-use assessment, approved by a second person, so the service is in use;
- the card authorisation core on Nimbus (classification 1): an assessment in progress, with a
  未符合 contract row, its Ch 3.3 assessment and an alternative measure, and the regulator
  filing checklist started.

Idempotent: a service that already has an assessment is left alone.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)

CRM = "客戶關係管理 CRM"
CARD = "信用卡授權核心系統 Card authorisation core"


def load_demo() -> None:
    from fincloud.assessments.services import comparison_load_a4_example
    from fincloud.register.models import CloudService

    comparison_load_a4_example(actor=None)
    people = _people()
    if people is None:
        return
    crm = CloudService.objects.filter(name=CRM).first()
    if crm is not None and not crm.assessments.exists():
        with transaction.atomic():
            _approved_crm(crm, people)
    card = CloudService.objects.filter(name=CARD).first()
    if card is not None and not card.assessments.exists():
        with transaction.atomic():
            _card_in_progress(card, people)


def _people() -> dict[str, Any] | None:
    from fincloud.people.models import User

    names = {
        "gov": "gov.officer",
        "risk": "risk.officer",
        "legal": "legal.counsel",
        "sec": "sec.officer",
        "approver": "approver",
    }
    found = {k: User.objects.filter(username=v).first() for k, v in names.items()}
    if any(v is None for v in found.values()):
        return None
    return found


def _pdf(title: str) -> Any:
    from fincloud.register.demo import demo_pdf

    return demo_pdf(title)


SUITABILITY = {
    "suitability_business": (
        "理財客戶關係管理，支援理專服務流程；非核心帳務，中斷時可暫以分行作業替代。"
    ),
    "suitability_technical": (
        "標準化 SaaS，以 SSO 整合行內身分管理，每日批次與核心系統交換客戶往來摘要。"
    ),
    "suitability_financial": "五年總持有成本較自建低約三成；無須地端硬體汰換。",
    "suitability_csp": (
        "日本市占前三之 CRM 業者，具金融業客戶案例、ISO 27001 與 SOC 2 Type II 報告。"
    ),
    "migration_path": "replace",
    "migration_reason": "現行自建 CRM 將退役，由 SaaS 取代；不保留舊系統客製功能。",
    "multi_cloud": "單一 SaaS；集中度以本行對 Sakura 之總支出監控，退場計畫涵蓋替代業者。",
    "portability": "提供 CSV 與 API 全量匯出，每月演練匯出一次。",
}

FACTORS_CRM = {
    "a": ("low", "非關鍵營運流程；BCP 未列為關鍵業務。"),
    "b": ("low", "對盈餘與資本無直接影響。"),
    "c": ("medium", "客戶資料外洩將影響聲譽；RTO 8 小時可容忍。"),
    "d": ("low", "年費約新臺幣 360 萬元。"),
    "e": ("medium", "更換業者需資料轉換，約 3 個月。"),
    "f": ("low", "本行對 Sakura 僅此及人資兩項服務。"),
    "g": ("low", "業者異常時可改以分行作業維持內控。"),
}

FACTORS_CARD = {
    "a": ("high", "信用卡授權為關鍵業務，直接影響營收，列於 BCP 關鍵營運流程。"),
    "b": ("medium", "中斷將影響手續費收入。"),
    "c": ("high", "中斷時持卡人無法刷卡，RTO 僅 1 小時，直接影響客戶重大權益。"),
    "d": ("medium", "建置成本約新臺幣 4,800 萬元。"),
    "e": ("high", "移回自建或更換業者需 12 個月以上。"),
    "f": ("medium", "本行對 Nimbus 另有網路銀行與洗錢防制服務。"),
    "g": ("medium", "授權作業無人工替代程序。"),
}


def _fill_common(a: Any, p: dict[str, Any], factors: dict[str, Any], material: bool) -> Any:
    from fincloud.assessments import services as svc
    from fincloud.assessments.models import Assessment

    svc.assessment_update_suitability(actor=p["gov"], assessment=a, **SUITABILITY)
    svc.materiality_save_factors(actor=p["risk"], assessment=a, ratings=factors)
    svc.materiality_judge(
        actor=p["risk"],
        assessment=a,
        material=material,
        reason="依第2章二七項因素綜合判斷，與系統建議一致。"
        if material
        else "僅兩項因素為中，系統建議不具重大性；本行同意。",
    )
    a = Assessment.objects.get(pk=a.pk)
    svc.assessment_evaluate(actor=p["gov"], assessment=a)
    return Assessment.objects.get(pk=a.pk)


def _approved_crm(service: Any, p: dict[str, Any]) -> None:
    from fincloud.assessments import checklist
    from fincloud.assessments import services as svc
    from fincloud.assessments.models import Assessment
    from fincloud.assessments.readiness import readiness
    from fincloud.register.models import Document

    a = svc.assessment_start(actor=p["gov"], service=service)
    a = _fill_common(a, p, FACTORS_CRM, material=False)
    for risk in a.risks.all():
        svc.risk_update(
            actor=p["risk"],
            risk=risk,
            cause="依第2章二風險評估項目檢視",
            likelihood=2,
            impact=2 if risk.catalog_id.endswith((".e", ".g")) else 1,
            existing_controls="契約、SLA 監控、年度審查",
            owner=p["risk"],
        )
    for review in a.location_reviews.filter(present=True):
        svc.location_review_save(
            actor=p["gov"],
            review=review,
            data_protection_assessment=(
                "泰國個人資料保護法（PDPA, B.E. 2562）已於 2022 年全面施行，設有主管機關、"
                "當事人權利及跨境傳輸限制；經法遵部評估不低於我國個資法要求。"
            )
            if review.country == "TH"
            else "",
            stability_assessment="政治、經濟及法制環境穩定。",
        )
    svc.assessment_update_location_terms(
        actor=p["gov"],
        assessment=a,
        designation_right=True,
        designation_note="訂閱協議 §7：資料儲存於日本大阪，備援於泰國曼谷，變更須經本行同意。",
        disclosure_notice=True,
        disclosure_note="承諾函第5點：除法律禁止外，依法須向第三方揭露時先通知本行。",
    )
    svc.due_diligence_depth_save(
        actor=p["gov"],
        assessment=a,
        depth="standard",
        reason="不具重大性之境外委外，採文件審閱、問卷及訪談。",
    )
    for answer in a.due_diligence_answers.all():
        actor = (
            p["sec"]
            if svc.due_diligence_capability(answer.item_id) == svc.CAP_SECURITY
            else p["gov"]
        )
        svc.due_diligence_answer_save(
            actor=actor,
            answer=answer,
            result="satisfactory",
            answer_text="已審閱業者提供之文件及問卷回覆，符合本行需求。",
        )
        svc.due_diligence_evidence_attach(
            actor=actor,
            answer=answer,
            upload=_pdf(f"CRM due diligence {answer.item_id}"),
            title=f"盡職調查 {checklist.letter_of(answer.item_id)}",
        )
    documents = list(
        svc.documents_for(a).filter(
            kind__in=[
                Document.Kind.SUBSCRIPTION,
                Document.Kind.MASTER_AGREEMENT,
                Document.Kind.COMMITMENT_LETTER,
                Document.Kind.DPA,
            ]
        )
    )
    for row in a.contract_rows.filter(applicable=True):
        svc.contract_row_save(
            actor=p["legal"],
            row=row,
            judgement="compliant",
            documents=documents,
            remarks="承諾函及訂閱協議涵蓋相關約定。",
        )
    for answer in a.checklist_answers.all():
        item = next(i for i in checklist.before_use_items() if i.id == answer.item_id)
        if item.section != "answer":
            continue
        svc.checklist_answer_save(
            actor=p["gov"], answer=answer, status="done", answer_text="已評估，詳附件。"
        )
        svc.checklist_evidence_attach(
            actor=p["gov"], answer=answer, upload=_pdf(f"CRM {item.id}"), title=item.text_zh
        )
    a = Assessment.objects.get(pk=a.pk)
    report = readiness(a)
    if report.blockers:  # e.g. a certificate expired since the register demo was loaded
        log.warning("demo CRM assessment left as a draft: %s", [b.code for b in report.blockers])
        return
    a = svc.assessment_submit(actor=p["gov"], assessment=a)
    svc.assessment_approve(actor=p["approver"], assessment=a, comment="同意開始使用。")


def _card_in_progress(service: Any, p: dict[str, Any]) -> None:
    from fincloud.assessments import services as svc
    from fincloud.assessments.models import FilingItem

    a = svc.assessment_start(actor=p["gov"], service=service)
    a = _fill_common(a, p, FACTORS_CARD, material=True)
    concentration = a.risks.get(catalog_id="ch2.2.risk.j")
    svc.risk_update(
        actor=p["risk"],
        risk=concentration,
        cause="三項重要服務集中於同一業者",
        consequence="業者區域性中斷將同時影響授權、網銀及洗錢防制",
        likelihood=3,
        impact=5,
        treatment="mitigate",
        treatment_plan="第二區域熱備援，並評估多雲策略",
        residual_likelihood=2,
        residual_impact=4,
        owner=p["risk"],
        due_date=timezone.localdate() + dt.timedelta(days=120),
    )
    legal = p["legal"]
    row = a.contract_rows.get(row="10.I.5")
    svc.contract_row_save(
        actor=legal,
        row=row,
        judgement="not_compliant",
        remarks="業者標準條款未約定消費者爭端解決時程。",
        impact_assessment="持卡人爭議可能延遲處理，影響客戶權益。",
        significant_impact=True,
    )
    svc.measure_add(
        actor=legal,
        row=row,
        kind="a",
        description="建立內部客訴管道，要求業者於重大異常時立即通知本行。",
        owner=legal,
        due_date=timezone.localdate() + dt.timedelta(days=45),
    )
    svc.measure_add(
        actor=legal,
        row=row,
        kind="c",
        description="將業者審查頻率由每年一次調整為每季一次。",
        owner=p["risk"],
        due_date=timezone.localdate() + dt.timedelta(days=90),
    )
    for item in a.filing_items.filter(active=True, source=FilingItem.Source.ANNEX3)[:2]:
        svc.filing_evidence_attach(
            actor=p["gov"], item=item, upload=_pdf(f"Filing {item.row}"), title=item.title
        )
