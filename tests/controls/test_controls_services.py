"""Control assessments (issue 8 §3): the checklist per service model, the risk-based decision,
status, responsibility, the hard figures with errors naming the field and the rule, evidence,
the workflow, coverage; nothing half-saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from factories_controls import classified, upload

from fincloud.auditlog.models import AuditEvent
from fincloud.catalog import load_catalog
from fincloud.controls import messages as msg
from fincloud.controls import selectors, services
from fincloud.controls.checklist import controls_for
from fincloud.controls.models import ControlAssessment, ControlItem, ServiceControl
from fincloud.evidence.models import EvidenceFile
from fincloud.workflow.services import WorkflowError, record_approve

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages in English, so the assertions read the message constants' own words."""
    with translation.override("en"):
        yield


@pytest.fixture
def service(personas):
    # The approver persona may approve for the governance officer's unit.
    return classified(
        "material_offshore", service_model="IaaS", unit=personas["governance_officer"].unit
    )


@pytest.fixture
def assessment(service, personas):
    return services.assessment_start(actor=personas["security"], service=service)


def item(assessment, catalog_id):
    return ControlItem.objects.get(assessment=assessment, catalog_id=catalog_id)


def field_errors(exc):
    return {field: [str(m) for m in msgs] for field, msgs in exc.value.message_dict.items()}


def test_start_generates_the_checklist_for_the_service_model(assessment, service):
    expected = [s.catalog_id for s in controls_for(load_catalog(), "IaaS")]
    items = list(assessment.items.order_by("order"))
    assert [i.catalog_id for i in items] == expected
    assert "ch6.2.basic.a" in expected and "ch6.2.basic.b" not in expected
    by_strength = {i.strength: set() for i in items}
    for i in items:
        by_strength[i.strength].add(i.decision)
    assert by_strength == {"basic": {"adopted"}, "advanced": {"undecided"}}
    assert ServiceControl.objects.filter(service=service).count() == len(expected)
    assert assessment.unit_id == service.unit_id
    assert AuditEvent.objects.filter(object_id=str(assessment.code), action="create").exists()


def test_only_one_first_assessment(assessment, service, personas):
    with pytest.raises(ValidationError) as exc:
        services.assessment_start(actor=personas["security"], service=service)
    assert field_errors(exc) == {"service": [str(msg.ASSESSMENT_EXISTS)]}


def test_a_role_without_the_capability_cannot_assess(service, personas):
    with pytest.raises(ValidationError, match=r"controls\.assess"):
        services.assessment_start(actor=personas["risk"], service=service)


RULE_CASES = [
    ("ch5.1.basic.c", {"decision": "not_adopted"}, "decision_reason", msg.NOT_ADOPTED_NEEDS_REASON),
    ("ch5.1.advanced.a", {"decision": "adopted"}, "decision_reason", msg.ADVANCED_NEEDS_REASON),
    (
        "ch5.1.basic.c",
        {"status": "not_applicable", "responsibility": "csp"},
        "status_note",
        msg.NOT_APPLICABLE_NEEDS_REASON,
    ),
    ("ch5.1.basic.c", {"status": "partial"}, "target_date", msg.GAP_NEEDS_TARGET),
]


@pytest.mark.parametrize("case", RULE_CASES, ids=[c[2] for c in RULE_CASES])
def test_decision_and_status_rules_name_the_field(assessment, personas, case):
    catalog_id, fields, field, message = case
    target = item(assessment, catalog_id)
    with pytest.raises(ValidationError) as exc:
        services.item_update(actor=personas["security"], item=target, **fields)
    assert field_errors(exc)[field] == [str(message)]


HSM_LOW = {
    "decision": "adopted",
    "decision_reason": "card data",
    "hsm_fips_standard": "140-2",
    "hsm_fips_level": 2,
}
FIGURE_CASES = [
    (
        "ch5.4.basic.a",
        {"retention_months": 3},
        "retention_months",
        ["3 months", "6 months", "Ch 5.4 basic (a)"],
    ),
    (
        "ch5.1.basic.a",
        {"tls_min_version": "TLS 1.1"},
        "tls_min_version",
        ["TLS 1.1", "TLS 1.2", "Ch 5.1 basic (a)"],
    ),
    (
        "ch5.1.basic.d",
        {"encryption_algorithm": "AES-128-GCM"},
        "encryption_algorithm",
        ["128-bit", "AES 256", "Ch 5.1 basic (d)"],
    ),
    ("ch5.1.basic.d", {"encryption_algorithm": "3DES"}, "encryption_algorithm", ["3DES", "(d)"]),
    ("ch5.1.advanced.b", HSM_LOW, "hsm_fips_level", ["Level 2", "Level 3", "advanced (b)"]),
]


@pytest.mark.parametrize("case", FIGURE_CASES, ids=[c[1].__repr__() for c in FIGURE_CASES])
def test_hard_figures_are_refused_below_the_manuals_floor(assessment, personas, case):
    catalog_id, fields, field, words = case
    target = item(assessment, catalog_id)
    before = (target.status, target.retention_months, target.tls_min_version, target.updated_at)
    with pytest.raises(ValidationError) as exc:
        services.item_update(
            actor=personas["security"],
            item=target,
            status="implemented",
            responsibility="shared",
            **fields,
        )
    text = " ".join(field_errors(exc)[field])
    for word in words:
        assert word in text
    target.refresh_from_db()  # nothing half-saved
    assert (target.status, target.retention_months, target.tls_min_version, target.updated_at) == (
        before
    )


def test_figures_at_the_floor_are_accepted_and_audit_logged(assessment, personas):
    target = item(assessment, "ch5.4.basic.a")
    services.item_update(
        actor=personas["security"],
        item=target,
        status="implemented",
        responsibility="shared",
        retention_months=6,
    )
    target.refresh_from_db()
    assert (target.status, target.retention_months, target.updated_by) == (
        "implemented",
        6,
        personas["security"],
    )
    event = AuditEvent.objects.filter(object_id=str(target.code)).latest("seq")
    assert "retention_months" in event.changes


def test_not_adopting_clears_the_status_and_records_who_decided(assessment, personas):
    target = item(assessment, "ch5.2.basic.e")
    services.item_update(
        actor=personas["security"], item=target, status="implemented", responsibility="institution"
    )
    services.item_update(
        actor=personas["governance_officer"],
        item=target,
        decision="not_adopted",
        decision_reason="No de-identification in this service: it holds no personal data.",
    )
    target.refresh_from_db()
    assert (target.decision, target.status, target.decided_by) == (
        "not_adopted",
        "",
        personas["governance_officer"],
    )


def _complete(assessment, actor):
    for i in assessment.items.all():
        if i.strength == "advanced":
            services.item_update(
                actor=actor, item=i, decision="not_adopted", decision_reason="Risk accepted: low"
            )
        else:
            services.item_update(actor=actor, item=i, status="implemented", responsibility="shared")


def test_submission_waits_for_every_decision_then_goes_through_the_workflow(assessment, personas):
    actor = personas["security"]
    with pytest.raises(ValidationError) as exc:
        services.assessment_submit(actor=actor, assessment=assessment)
    text = " ".join(exc.value.messages)
    assert "ch5.1.advanced.a" in text  # undecided advanced items are named
    _complete(assessment, actor)
    services.assessment_submit(actor=actor, assessment=assessment)
    assessment.refresh_from_db()
    assert assessment.state == "submitted"
    # Frozen while submitted: no edits.
    with pytest.raises(WorkflowError):
        services.item_update(actor=actor, item=item(assessment, "ch5.1.basic.a"), status="partial")
    # The preparer cannot approve; the approver can.
    with pytest.raises(WorkflowError):
        record_approve(record=assessment, actor=actor)
    record_approve(record=assessment, actor=personas["approver"])
    assessment.refresh_from_db()
    assert assessment.state == "approved"


def test_new_version_carries_answers_and_keeps_evidence_with_the_control(assessment, personas):
    actor = personas["security"]
    first = item(assessment, "ch5.4.basic.a")
    services.control_evidence_attach(
        actor=actor, item=first, upload=upload(), expiry_date=dt.date(2027, 1, 1)
    )
    _complete(assessment, actor)
    services.assessment_submit(actor=actor, assessment=assessment)
    record_approve(record=assessment, actor=personas["approver"])
    new = services.assessment_new_version(actor=actor, assessment=assessment)
    assert (new.version, new.state) == (2, "draft")
    carried = item(new, "ch5.4.basic.a")
    assert (carried.status, carried.responsibility) == ("implemented", "shared")
    assert carried.control_id == first.control_id
    assert EvidenceFile.objects.filter(owner_id=str(first.control_id)).count() == 1
    with pytest.raises(ValidationError):
        services.assessment_new_version(actor=actor, assessment=assessment)


def test_evidence_is_content_addressed_revised_and_typed(assessment, personas):
    actor = personas["security"]
    target = item(assessment, "ch5.4.basic.a")
    first = services.control_evidence_attach(
        actor=actor,
        item=target,
        upload=upload(),
        effective_date=dt.date(2026, 1, 1),
        expiry_date=dt.date(2026, 12, 31),
    )
    assert len(first.blob.sha256) == 64 and first.catalog_ids == ["ch5.4.basic.a"]
    second = services.control_evidence_revise(
        actor=actor, previous=first, upload=upload(body=b"v2")
    )
    assert (second.revision, second.document_code) == (2, first.document_code)
    with pytest.raises(ValidationError) as exc:
        services.control_evidence_attach(
            actor=actor, item=target, upload=upload("run.exe", b"MZ\x90\x00")
        )
    assert "file" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.control_evidence_attach(
            actor=actor,
            item=target,
            upload=upload(),
            effective_date=dt.date(2026, 2, 1),
            expiry_date=dt.date(2026, 1, 1),
        )
    assert "expiry_date" in exc.value.message_dict


def test_coverage_counts_per_section_in_one_query(assessment, personas, django_assert_num_queries):
    actor = personas["security"]
    services.item_update(
        actor=actor,
        item=item(assessment, "ch5.1.basic.a"),
        status="implemented",
        responsibility="csp",
    )
    services.item_update(
        actor=actor,
        item=item(assessment, "ch5.1.basic.b"),
        status="partial",
        responsibility="shared",
        target_date=dt.date(2027, 3, 31),
    )
    services.item_update(
        actor=actor,
        item=item(assessment, "ch5.1.basic.c"),
        decision="not_adopted",
        decision_reason="CSP-managed keys only",
    )
    with django_assert_num_queries(1):
        coverage = selectors.coverage_by_assessment([assessment.pk])[assessment.pk]
    s51 = coverage["ch5.1"]
    # Ch 5.1: 4 basic (1 implemented, 1 partial, 1 not adopted, 1 not assessed) and
    # 3 advanced, undecided.
    assert (s51.implemented, s51.partial, s51.not_adopted, s51.not_assessed, s51.undecided) == (
        1,
        1,
        1,
        1,
        3,
    )
    assert s51.in_scope == 6 and s51.percent == 17 and s51.gaps == 5
    bar = s51.bar()
    assert [seg["name"] for seg in bar] == ["implemented", "partial", "not_assessed", "undecided"]
    assert bar[0]["x"] == 0
    assert bar[-1]["x"] + bar[-1]["width"] == pytest.approx(100, abs=0.001)
    assert [seg["count"] for seg in bar] == [1, 1, 1, 3]


def test_latest_assessment_ids_in_one_query(assessment, service, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert selectors.latest_assessment_ids([service.pk]) == {service.pk: assessment.pk}


def test_the_demo_style_gap_shows_as_due(assessment, personas):
    from fincloud.controls.due import control_gaps, evidence_expiries
    from fincloud.web.due import DueQuery

    actor = personas["security"]
    target = item(assessment, "ch5.1.basic.b")
    services.item_update(
        actor=actor,
        item=target,
        status="not_implemented",
        responsibility="institution",
        target_date=dt.date(2026, 12, 1),
    )
    services.control_evidence_attach(
        actor=actor, item=target, upload=upload(), expiry_date=dt.date(2026, 12, 5)
    )
    query = DueQuery(start=dt.date(2026, 11, 1), end=dt.date(2026, 12, 31))
    assert [(d.kind, d.due) for d in control_gaps(query)] == [("control_gap", dt.date(2026, 12, 1))]
    assert [(d.kind, d.due) for d in evidence_expiries(query)] == [
        ("control_evidence_expiry", dt.date(2026, 12, 5))
    ]
    # Scoped to another service: nothing.
    assert (
        list(
            evidence_expiries(
                DueQuery(
                    start=query.start,
                    end=query.end,
                    service_code="00000000-0000-0000-0000-000000000000",
                )
            )
        )
        == []
    )


def test_assessment_model_is_registered_for_the_home_page():
    from fincloud.workflow.registry import registered

    assert ControlAssessment in [r.model for r in registered()]


def test_the_manual_browser_lists_the_items_that_assess_a_node(assessment):
    from fincloud.manual.usage import usages

    refs = [r for r in usages("ch5.4.basic.a") if "controls/items/" in (r.url or "")]
    assert len(refs) == 1 and str(assessment.service) in refs[0].title
