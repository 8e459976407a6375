"""The assessments' demo data, after the register's demo institution."""

from __future__ import annotations

import pytest

from fincloud.assessments.demo import CARD, CRM, load_demo
from fincloud.assessments.models import (
    AlternativeMeasure,
    Assessment,
    ComparisonCell,
    VendorComparison,
)
from fincloud.assessments.readiness import readiness
from fincloud.register.demo import load_register_demo
from fincloud.register.models import CloudService
from fincloud.web.demo import load_people
from fincloud.workflow.models import State

pytestmark = pytest.mark.django_db


def _counts():
    return tuple(
        m.objects.count()
        for m in (Assessment, VendorComparison, ComparisonCell, AlternativeMeasure)
    )


def test_demo_assessments_and_annex4_example_idempotent(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    load_people()
    load_register_demo()
    load_demo()
    first = _counts()
    load_demo()
    assert _counts() == first
    crm = CloudService.objects.get(name=CRM)
    approved = crm.assessments.get()
    assert approved.state == State.APPROVED
    assert approved.prepared_by.username == "gov.officer"
    assert approved.decided_by.username == "approver"
    assert crm.stage == "in_use" and crm.classification == "non_material_offshore"
    # Thailand is off the FAQ-10 list: its data-protection assessment is on record
    assert approved.location_reviews.get(country="TH").data_protection_assessment
    card = CloudService.objects.get(name=CARD).assessments.get()
    assert card.state == State.DRAFT
    assert card.service.classification == "material_consumer_finance_offshore"
    row = card.contract_rows.get(row="10.I.5")
    assert row.judgement == "not_compliant" and row.measures.count() == 2
    codes = {p.code for p in readiness(card).blockers}
    assert "nc_without_measure" not in codes and "stability" in codes
    example = VendorComparison.objects.get(is_example=True)
    assert len(example.rows) == 22 and example.vendors.count() == 3
