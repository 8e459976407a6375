"""Register rows and assessments for the assessment tests, made through the real services
(the register's with actor=None, the system; ours with the personas)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from fincloud.assessments import services as svc
from fincloud.assessments.models import Assessment, ContractRowCheck, DueDiligenceAnswer
from fincloud.register import services as register
from fincloud.register.models import Certification, Document

BUSINESS_NUMBER = "86510007"  # valid under the rule in force since 2023-04-01
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "evidence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def institution(kind: str = "domestic_bank") -> Any:
    return register.institution_save(
        actor=None,
        institution_type=kind,
        name_zh="測試商業銀行",
        name_en="Test Commercial Bank",
        business_number=BUSINESS_NUMBER,
    )


def csp(name: str = "Example Cloud", country: str = "US", certs: bool = True) -> Any:
    provider = register.csp_create(actor=None, name=name, country=country)
    if certs:
        register.certification_add(
            actor=None,
            csp=provider,
            standard=Certification.Standard.ISO27001,
            number="IS 123456",
            scope="Cloud infrastructure",
            issuer="BSI",
            expiry_date=timezone.localdate() + dt.timedelta(days=400),
        )
    return provider


def service(
    provider: Any,
    unit: Any,
    *,
    name: str = "Card platform",
    countries: tuple[str, ...] = ("JP",),
    model: str = "SaaS",
    consumer_finance: bool = False,
    **fields: Any,
) -> Any:
    return register.service_create(
        actor=None,
        name=name,
        csp=provider,
        service_model=model,
        business_process="Card authorisation",
        unit=unit,
        involves_license_business=True,
        customer_data=True,
        personal_data=True,
        consumer_finance_system=consumer_finance,
        planned_start=timezone.localdate() + dt.timedelta(days=30),
        locations=[register.LocationInput(c) for c in countries],
        **fields,
    )


def document(provider: Any, services: list[Any], kind: str = "master_agreement", **kw: Any) -> Any:
    return register.document_create(
        actor=None,
        kind=kind,
        title=kw.pop("title", f"{provider.name} {kind}"),
        csp=provider,
        services=services,
        **kw,
    )


FACTORS_LOW = {f: ("low", f"factor {f} is low") for f in "abcdefg"}
FACTORS_HIGH_A = {**FACTORS_LOW, "a": ("high", "core business: card authorisation")}


def judged(assessment: Assessment, personas: dict[str, Any], *, material: bool) -> Assessment:
    ratings = FACTORS_HIGH_A if material else FACTORS_LOW
    svc.materiality_save_factors(actor=personas["risk"], assessment=assessment, ratings=ratings)
    svc.materiality_judge(
        actor=personas["risk"],
        assessment=assessment,
        material=material,
        reason="as the factors show",
    )
    return Assessment.objects.get(pk=assessment.pk)


def start(personas: dict[str, Any], srv: Any, *, material: bool | None = False) -> Assessment:
    a = svc.assessment_start(actor=personas["governance_officer"], service=srv)
    if material is not None:
        a = judged(a, personas, material=material)
    svc.assessment_evaluate(actor=personas["governance_officer"], assessment=a)
    return Assessment.objects.get(pk=a.pk)


def complete(assessment: Assessment, personas: dict[str, Any]) -> Assessment:
    """Fill every section the way a governance officer, risk, legal and security would, so
    that nothing blocks submission."""
    gov, risk, legal, sec = (
        personas["governance_officer"],
        personas["risk"],
        personas["legal"],
        personas["security"],
    )
    svc.assessment_update_suitability(
        actor=gov,
        assessment=assessment,
        suitability_business="critical process",
        suitability_technical="cloud-native",
        suitability_financial="cheaper over five years",
        suitability_csp="market leader, interoperable",
        migration_path="replace",
        migration_reason="a SaaS replaces the in-house system",
        multi_cloud="single cloud; exit plan covers a second provider",
        portability="exports in open formats",
    )
    for risk_row in assessment.risks.all():
        svc.risk_update(actor=risk, risk=risk_row, likelihood=2, impact=1, owner=risk)
    for review in assessment.location_reviews.filter(present=True):
        svc.location_review_save(
            actor=gov,
            review=review,
            data_protection_assessment="law reviewed: comparable to Taiwan's",
            stability_assessment="stable legal, political and economic environment",
        )
    svc.assessment_update_location_terms(
        actor=gov,
        assessment=assessment,
        designation_right=True,
        designation_note="FSA clause 4",
        disclosure_notice=True,
        disclosure_note="DPA clause 9",
    )
    svc.due_diligence_depth_save(
        actor=gov, assessment=assessment, depth="standard", reason="non-material offshore"
    )
    for answer in assessment.due_diligence_answers.all():
        actor = sec if svc.due_diligence_capability(answer.item_id) == svc.CAP_SECURITY else gov
        svc.due_diligence_answer_save(
            actor=actor, answer=answer, result="satisfactory", answer_text="reviewed"
        )
        svc.due_diligence_evidence_attach(
            actor=actor,
            answer=DueDiligenceAnswer.objects.get(pk=answer.pk),
            upload=pdf(),
            title="report",
        )
    srv = assessment.service
    doc = document(srv.csp, [srv], title="Master agreement")
    for row in assessment.contract_rows.filter(applicable=True):
        svc.contract_row_save(actor=legal, row=row, judgement="compliant", documents=[doc])
    for answer in assessment.checklist_answers.all():
        item = next(i for i in svc.checklist.before_use_items() if i.id == answer.item_id)
        if item.section == "answer":
            svc.checklist_answer_save(actor=gov, answer=answer, status="done", answer_text="done")
            svc.checklist_evidence_attach(actor=gov, answer=answer, upload=pdf(), title="x")
    return Assessment.objects.get(pk=assessment.pk)


def row(assessment: Assessment, row_id: str) -> ContractRowCheck:
    return assessment.contract_rows.get(row=row_id)


def no_incident(srv: Any) -> Document:
    return document(srv.csp, [srv], kind="no_incident_declaration", title="No-incident declaration")
