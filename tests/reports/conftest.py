"""Records the report tests read, made through the owning apps' services (the register's as
the system, the assessment's by the personas), and helpers to read the files back."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from fincloud.assessments import services as svc
from fincloud.assessments.models import Assessment

from assessments.factories_assessments import csp, document, institution, service, start
from reports.factories_reports import FORMULA_REMARK, IMPACT, MEASURE, NA_REASON


@pytest.fixture
def card(personas) -> dict[str, Any]:
    """A classification-1 service (a material consumer-finance system processed in JP) with
    its pre-use assessment: row 10.I.1 符合 with the master agreement, 10.I.2 未符合 with its
    Ch 3.3 assessment and an alternative measure, 17.I.3 不適用 with the reason, 10.I.3 符合
    with a remark that looks like a formula; the other rows not judged yet."""
    institution()
    provider = csp("Nimbus Cloud", "US")
    srv = service(
        provider,
        personas["governance_officer"].unit,
        name="信用卡授權核心系統",
        countries=("JP",),
        consumer_finance=True,
        model="SaaS",
        availability_target=Decimal("99.95"),
        rto_minutes=60,
        rpo_minutes=5,
    )
    assessment = start(personas, srv, material=True)
    legal = personas["legal"]
    master = document(provider, [srv], title="主約 Master agreement", reference="MA-2026-01")

    def row(row_id: str) -> Any:
        return assessment.contract_rows.get(row=row_id)

    svc.contract_row_save(
        actor=legal,
        row=row("10.I.1"),
        judgement="compliant",
        documents=[master],
        clauses="§4.2 責任分工",
    )
    svc.contract_row_save(
        actor=legal,
        row=row("10.I.2"),
        judgement="not_compliant",
        impact_assessment=IMPACT,
        significant_impact=True,
    )
    due = timezone.localdate() + dt.timedelta(days=90)
    svc.measure_add(
        actor=legal, row=row("10.I.2"), kind="c", description=MEASURE, owner=legal, due_date=due
    )
    svc.contract_row_save(
        actor=legal, row=row("17.I.3"), judgement="not_applicable", na_reason=NA_REASON
    )
    svc.contract_row_save(
        actor=legal,
        row=row("10.I.3"),
        judgement="compliant",
        documents=[master],
        remarks=FORMULA_REMARK,
    )
    srv.refresh_from_db()
    return {
        "service": srv,
        "assessment": Assessment.objects.get(pk=assessment.pk),
        "master": master,
        "due": due,
        "provider": provider,
    }
