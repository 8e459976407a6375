"""Audits (issue 8 §4): the plan from the Ch 7.1 cadence stored as determinations and made
stale when the classification changes; auditors' qualification and independence with refusals
naming the rule; the programme from the Ch 7.3 table; findings with the CSP's response and
verification by someone else; the report through the workflow moving the plan on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from factories_audits import classified, upload

from fincloud.auditlog.models import AuditEvent
from fincloud.audits import messages as msg
from fincloud.audits import services
from fincloud.audits.models import (
    Audit,
    AuditAssignment,
    AuditPlanEntry,
    Finding,
    ProgrammeItem,
)
from fincloud.audits.plan import add_months
from fincloud.determinations.models import Determination
from fincloud.workflow.services import WorkflowError, record_approve, record_submit

from factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages in English, so the assertions read the message constants' own words."""
    with translation.override("en"):
        yield


TODAY = dt.date(2026, 11, 25)


@pytest.fixture
def auditor_actor(personas):
    return personas["internal_auditor"]


def entry_of(service):
    return AuditPlanEntry.objects.get(service=service)


# -- the plan ------------------------------------------------------------------------------------


def test_plan_follows_the_cadence_table_and_stores_determinations(auditor_actor):
    started = dt.date(2025, 1, 15)
    c1 = classified("material_consumer_finance_offshore", started_on=started)
    c2 = classified("material_offshore", started_on=started)
    c3 = classified("non_material_offshore", started_on=started)
    c4 = classified("domestic", started_on=started)
    stats = services.plan_regenerate(actor=auditor_actor, today=TODAY)
    assert stats.planned == 4
    e1, e2, e3, e4 = (entry_of(s) for s in (c1, c2, c3, c4))
    assert (e1.interval_months, e1.special_required, e1.next_general_due, e1.next_special_due) == (
        12,
        True,
        dt.date(2026, 1, 15),
        dt.date(2026, 1, 15),
    )
    assert (e2.interval_months, e2.special_required, e2.next_general_due) == (
        12,
        False,
        dt.date(2026, 1, 15),
    )
    assert (e3.interval_months, e3.next_general_due) == (24, dt.date(2027, 1, 15))
    assert (e4.interval_months, e4.next_general_due) == (24, dt.date(2027, 1, 15))
    assert stats.overdue == 2  # classes 1 and 2 were due in January 2026
    det = e1.determination
    assert (det.kind, det.current, det.subject_id) == ("audit_plan", True, str(c1.pk))
    assert det.outcome["next_special_due"] == "2026-01-15"
    assert "ch7.1.cadence.r1" in det.citations
    assert det.explanation_zh and det.explanation_en
    assert AuditEvent.objects.filter(object_type="audits.auditplan").count() == 1


def test_regenerating_keeps_an_unchanged_result_and_supersedes_a_changed_one(auditor_actor):
    service = classified("domestic")
    services.plan_regenerate(actor=auditor_actor, today=TODAY)
    first = entry_of(service).determination
    again = services.plan_regenerate(actor=auditor_actor, today=TODAY)
    assert (again.planned, again.written) == (1, 0)  # same inputs, same result: kept
    assert entry_of(service).determination == first
    forced = services.plan_regenerate(actor=auditor_actor, today=TODAY, force=True)
    assert forced.written == 1
    second = entry_of(service).determination
    assert first.pk != second.pk
    first.refresh_from_db()
    assert (first.current, second.current) == (False, True)
    assert Determination.objects.filter(subject_id=str(service.pk), kind="audit_plan").count() == 2
    # A completed audit changes the inputs: a new determination without forcing.
    Audit.objects.create(
        service=service,
        kind="general",
        title="done",
        planned_start=dt.date(2026, 3, 1),
        planned_end=dt.date(2026, 3, 5),
        contact=auditor_actor,
        service_model=service.service_model,
        material=False,
        status="closed",
        completed_on=dt.date(2026, 3, 31),
        created_by=auditor_actor,
        created_at=timezone.now(),
    )
    changed = services.plan_regenerate(actor=auditor_actor, today=TODAY)
    assert changed.written == 1
    assert entry_of(service).next_general_due == dt.date(2028, 3, 31)


def test_policy_adjusts_classes_3_and_4_and_the_plan_follows(personas, auditor_actor):
    c2 = classified("material_offshore", started_on=dt.date(2025, 1, 15))
    c4 = classified("domestic", started_on=dt.date(2025, 1, 15))
    services.plan_regenerate(actor=auditor_actor, today=TODAY)
    c2_before = entry_of(c2).determination_id
    services.policy_update(actor=personas["governance_officer"], class34_interval_months=36)
    assert entry_of(c2).determination_id == c2_before  # the policy is not an input of class 2
    assert (entry_of(c4).interval_months, entry_of(c4).policy_applied) == (36, True)
    assert entry_of(c4).next_general_due == dt.date(2028, 1, 15)
    assert entry_of(c2).interval_months == 12  # the manual's "every year" is not policy's
    with pytest.raises(ValidationError) as exc:
        services.policy_update(actor=personas["governance_officer"], class34_interval_months=0)
    assert "class34_interval_months" in exc.value.message_dict
    with pytest.raises(ValidationError, match=r"audits\.policy"):
        services.policy_update(actor=auditor_actor, class34_interval_months=12)


def test_out_of_scope_and_after_use_are_not_planned(auditor_actor):
    kept = classified("domestic")
    gone = classified("domestic")
    services.plan_regenerate(actor=auditor_actor, today=TODAY)
    type(gone).objects.filter(pk=gone.pk).update(stage="after_use")
    stats = services.plan_regenerate(actor=auditor_actor, today=TODAY)
    assert (stats.planned, stats.removed) == (1, 1)
    assert AuditPlanEntry.objects.filter(service=kept).exists()


def test_regeneration_is_bulk_not_a_query_per_service(auditor_actor, django_assert_max_num_queries):
    for _ in range(5):
        classified("domestic")
    services.plan_regenerate(actor=auditor_actor, today=TODAY)  # warm caches (roles, types)
    with django_assert_max_num_queries(40) as small:
        services.plan_regenerate(actor=auditor_actor, today=TODAY, force=True)
    for _ in range(30):
        classified("material_offshore")
    with django_assert_max_num_queries(40) as large:
        services.plan_regenerate(actor=auditor_actor, today=TODAY, force=True)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_classification_change_makes_the_plan_stale_and_recomputes_it(
    personas, auditor_actor, django_capture_on_commit_callbacks
):
    from fincloud.determinations.services import determination_record
    from fincloud.register.services import service_record_classification
    from fincloud.rules import classify

    service = classified("domestic", started_on=dt.date(2025, 1, 15))
    services.plan_regenerate(actor=auditor_actor, today=TODAY)
    old = entry_of(service).determination
    result = classify(True, True, True, False)  # now offshore and material: classification 2
    det = determination_record(subject=service, result=result)
    with django_capture_on_commit_callbacks(execute=True):
        service_record_classification(
            service=service,
            actor=personas["governance_officer"],
            determination=det,
            in_scope=True,
            offshore=True,
            material=True,
            classification="material_offshore",
        )
    old.refresh_from_db()
    assert old.stale and not old.current
    entry = entry_of(service)
    assert (entry.classification, entry.interval_months, entry.stale) == (
        "material_offshore",
        12,
        False,
    )
    assert entry.determination.current


def test_a_changed_input_leaves_the_plan_stale_until_classified_again(personas, auditor_actor):
    from fincloud.register.signals import service_inputs_changed

    service = classified("domestic")
    services.plan_regenerate(actor=auditor_actor, today=TODAY)
    service_inputs_changed.send(
        sender=type(service), service=service, fields=["locations"], actor=None
    )
    entry = entry_of(service)
    assert entry.stale
    entry.determination.refresh_from_db()
    assert entry.determination.stale


# -- auditors and audits -------------------------------------------------------------------------


@pytest.fixture
def service(personas):
    return classified(
        "material_offshore", service_model="SaaS", unit=UnitFactory(short_name="retail-x")
    )


@pytest.fixture
def audit(service, auditor_actor, personas):
    return services.audit_plan(
        actor=auditor_actor,
        service=service,
        kind="general",
        title="2026 audit",
        planned_start=dt.date(2026, 12, 1),
        planned_end=dt.date(2026, 12, 12),
        contact=personas["governance_officer"],
        arrangement="own",
    )


def make_auditor(
    actor, *, unit=None, cert=None, valid_until=None, experience=None, kind="internal"
):
    auditor = services.auditor_save(
        actor=actor,
        name=f"Auditor {unit or 'ext'} {cert or experience or 'none'}",
        kind=kind,
        unit=unit,
        firm="" if kind == "internal" else "Independent IT Audit Co.",
    )
    if cert:
        services.certificate_add(actor=actor, auditor=auditor, name=cert, valid_until=valid_until)
    if experience:
        services.experience_add(
            actor=actor, auditor=auditor, description=experience, reference="Report 2025-07"
        )
    return auditor


def test_programme_from_the_ch7_3_table_with_focus_items_for_material(audit):
    items = list(audit.programme.order_by("order"))
    assert [i.catalog_id for i in items[:6]] == [f"ch7.3.focus.{x}" for x in "abcdef"]
    assert len(items) == 6 + 61
    assert audit.material and audit.service_model == "SaaS"


def test_tailoring_is_recorded_and_shapes_new_programmes(service, auditor_actor, personas):
    services.tailoring_set(
        actor=auditor_actor,
        service_model="SaaS",
        domain_id="ch7.3.table.d04",
        excluded=True,
        reason="SaaS: data-centre physical security is relied on from the CSP's SOC 2 report.",
    )
    with pytest.raises(ValidationError) as exc:
        services.tailoring_set(
            actor=auditor_actor, service_model="SaaS", domain_id="ch7.3.table.d02", excluded=True
        )
    assert exc.value.message_dict == {"reason": [str(msg.TAILORING_NEEDS_REASON)]}
    audit = services.audit_plan(
        actor=auditor_actor,
        service=service,
        kind="special",
        title="Special audit",
        planned_start=dt.date(2026, 12, 1),
        planned_end=dt.date(2026, 12, 2),
        contact=personas["governance_officer"],
    )
    assert not audit.programme.filter(domain_id="ch7.3.table.d04").exists()
    assert audit.programme.count() == 6 + 61 - 6
    assert AuditEvent.objects.filter(object_type="audits.programmetailoring").exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"contact": None}, "contact"),
        ({"arrangement": "third_party"}, "third_party"),
        ({"arrangement": "joint", "third_party": "IT Audit Co."}, "participants"),
        ({"planned_end": dt.date(2026, 11, 1)}, "planned_end"),
    ],
)
def test_audit_planning_bad_input_names_the_field(service, auditor_actor, personas, fields, field):
    base = {
        "kind": "general",
        "title": "x",
        "planned_start": dt.date(2026, 12, 1),
        "planned_end": dt.date(2026, 12, 2),
        "contact": personas["governance_officer"],
    }
    with pytest.raises(ValidationError) as exc:
        services.audit_plan(actor=auditor_actor, service=service, **{**base, **fields})
    assert field in exc.value.message_dict
    assert not Audit.objects.exists()


def test_joint_audit_lists_each_institution_for_its_own_report(service, auditor_actor, personas):
    audit = services.audit_plan(
        actor=auditor_actor,
        service=service,
        participants=["甲銀行", "乙銀行"],
        kind="general",
        title="Joint audit of the CSP",
        planned_start=dt.date(2026, 12, 1),
        planned_end=dt.date(2026, 12, 20),
        contact=personas["governance_officer"],
        arrangement="joint",
        third_party="Independent IT Audit Co.",
    )
    participant = audit.participants.get(institution="甲銀行")
    services.participant_report(
        actor=auditor_actor,
        participant=participant,
        reference="甲-2026-01",
        report_date=dt.date(2027, 1, 10),
    )
    participant.refresh_from_db()
    assert participant.own_report_reference == "甲-2026-01"


def test_an_auditor_of_the_owning_unit_is_refused_naming_the_rule(audit, service, auditor_actor):
    insider = make_auditor(auditor_actor, unit=service.unit, cert="CISSP")
    with pytest.raises(ValidationError) as exc:
        services.audit_assign(actor=auditor_actor, audit=audit, auditor=insider, role="lead")
    text = exc.value.message_dict["auditor"][0]
    assert "Ch 7.2 (c)" in text and str(service.unit) in text and insider.name in text
    assert not AuditAssignment.objects.exists()
    denied = AuditEvent.objects.filter(action="denied", object_id=str(audit.code)).get()
    assert "independence:owning_unit" in denied.changes


def test_an_auditor_of_the_running_unit_is_refused(service, auditor_actor, personas):
    ops = UnitFactory(short_name="it-ops-x")
    audit = services.audit_plan(
        actor=auditor_actor,
        service=service,
        kind="general",
        title="Audit",
        planned_start=dt.date(2026, 12, 1),
        planned_end=dt.date(2026, 12, 2),
        contact=personas["governance_officer"],
        operating_unit=ops,
    )
    operator = make_auditor(auditor_actor, unit=ops, cert="CCSP")
    with pytest.raises(ValidationError, match="runs the service"):
        services.audit_assign(actor=auditor_actor, audit=audit, auditor=operator, role="member")


def test_an_auditor_without_a_valid_certificate_or_experience_is_refused(audit, auditor_actor):
    audit_unit = auditor_actor.unit
    expired = make_auditor(
        auditor_actor, unit=audit_unit, cert="CISSP", valid_until=dt.date(2026, 11, 30)
    )
    with pytest.raises(ValidationError) as exc:
        services.audit_assign(actor=auditor_actor, audit=audit, auditor=expired, role="lead")
    texts = exc.value.message_dict["auditor"]
    assert expired.name in texts[0] and "2026-12-01" in texts[0] and "Ch 7.2 (b)" in texts[0]
    assert "CISSP" in texts[1]  # the certificate not valid on the audit date is named
    other = make_auditor(auditor_actor, unit=audit_unit, cert="CISA")
    with pytest.raises(ValidationError, match="cannot be assigned"):
        services.audit_assign(actor=auditor_actor, audit=audit, auditor=other, role="lead")
    assert AuditEvent.objects.filter(action="denied", object_id=str(audit.code)).count() == 2


def test_qualified_by_certificate_or_by_experience_and_one_lead(audit, auditor_actor):
    unit = auditor_actor.unit
    lead = make_auditor(
        auditor_actor, unit=unit, cert="Azure AZ-500", valid_until=dt.date(2027, 6, 30)
    )
    member = make_auditor(
        auditor_actor, unit=unit, experience="2025 cloud security audit of the CRM SaaS"
    )
    external = make_auditor(auditor_actor, kind="external", cert="CCSK")
    first = services.audit_assign(actor=auditor_actor, audit=audit, auditor=lead, role="lead")
    assert first.qualification["certificates"] == ["Azure AZ-500"]
    assert "ch7.2.c" in first.qualification["citations"]
    second = services.audit_assign(actor=auditor_actor, audit=audit, auditor=member, role="member")
    assert second.qualification["experience"] is True
    with pytest.raises(ValidationError) as exc:
        services.audit_assign(actor=auditor_actor, audit=audit, auditor=external, role="lead")
    assert "role" in exc.value.message_dict


def test_fieldwork_needs_a_lead(audit, auditor_actor):
    with pytest.raises(ValidationError) as exc:
        services.audit_advance(actor=auditor_actor, audit=audit)
    assert exc.value.messages == [str(msg.FIELDWORK_NEEDS_LEAD)]


# -- findings and the report ---------------------------------------------------------------------


@pytest.fixture
def finding(audit, auditor_actor, personas):
    return services.finding_raise(
        actor=auditor_actor,
        audit=audit,
        title="Audit logs kept 90 days",
        description="CloudTrail logs are kept 90 days; Ch 5.4 basic (a) asks for six months.",
        severity="high",
        owner=personas["governance_officer"],
        due_date=timezone.localdate() + dt.timedelta(days=60),
    )


def test_csp_response_due_follows_the_policy_reasonable_time(finding):
    assert finding.csp_response_due == timezone.localdate() + dt.timedelta(days=14)


def test_finding_is_verified_by_someone_other_than_the_remediator(finding, personas, auditor_actor):
    owner = personas["governance_officer"]
    services.finding_csp_response(
        actor=owner,
        finding=finding,
        response="Retention set to 400 days.",
        responded_on=timezone.localdate(),
    )
    services.finding_remediate(
        actor=owner, finding=finding, remediation="Lifecycle rule changed; evidence attached."
    )
    # A person holding both capabilities who remediated cannot verify.
    both = UserFactory(username="both", roles=["internal_auditor", "governance_officer"])
    finding2 = services.finding_raise(
        actor=auditor_actor,
        audit=finding.audit,
        title="t",
        description="d",
        severity="low",
        owner=both,
        due_date=timezone.localdate() + dt.timedelta(days=10),
    )
    services.finding_remediate(actor=both, finding=finding2, remediation="done")
    with pytest.raises(WorkflowError) as exc:
        services.finding_verify(actor=both, finding=finding2, verification="checked", accepted=True)
    assert exc.value.messages == [str(msg.VERIFIER_IS_REMEDIATOR)]
    assert AuditEvent.objects.filter(action="denied", object_id=str(finding2.code)).exists()
    finding2.refresh_from_db()
    assert finding2.status == "remediated"
    # The internal auditor verifies the first one.
    services.finding_verify(
        actor=auditor_actor,
        finding=finding,
        verification="Lifecycle rule seen: 400 days.",
        accepted=True,
    )
    finding.refresh_from_db()
    assert (finding.status, finding.verified_by, finding.remediated_by) == (
        "closed",
        auditor_actor,
        owner,
    )


def test_a_rejected_verification_reopens_the_finding(finding, personas, auditor_actor):
    owner = personas["governance_officer"]
    services.finding_remediate(actor=owner, finding=finding, remediation="Ticket raised.")
    services.finding_verify(
        actor=auditor_actor, finding=finding, verification="Still 90 days.", accepted=False
    )
    finding.refresh_from_db()
    assert (finding.status, finding.remediated_by, finding.verification) == (
        "open",
        None,
        "Still 90 days.",
    )


def test_finding_steps_refuse_out_of_order_and_blank_input(finding, personas, auditor_actor):
    owner = personas["governance_officer"]
    with pytest.raises(ValidationError) as exc:
        services.finding_verify(
            actor=auditor_actor, finding=finding, verification="x", accepted=True
        )
    assert "remediated" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        services.finding_csp_response(
            actor=owner, finding=finding, response=" ", responded_on=timezone.localdate()
        )
    assert exc.value.message_dict == {"csp_response": [str(msg.RESPONSE_REQUIRED)]}
    with pytest.raises(ValidationError) as exc:
        services.finding_raise(
            actor=auditor_actor,
            audit=finding.audit,
            title="t",
            description="d",
            severity="low",
            owner=owner,
            due_date=timezone.localdate() - dt.timedelta(days=1),
        )
    assert "due_date" in exc.value.message_dict
    with pytest.raises(ValidationError, match=r"audits\.respond"):
        services.finding_remediate(actor=personas["legal"], finding=finding, remediation="x")


def _to_reporting(audit, actor):
    lead = make_auditor(actor, unit=actor.unit, cert="CISSP")
    services.audit_assign(actor=actor, audit=audit, auditor=lead, role="lead")
    services.audit_advance(actor=actor, audit=audit)
    services.audit_advance(actor=actor, audit=audit)
    for item in audit.programme.all():
        services.programme_record(actor=actor, item=item, result="satisfactory")


def test_report_approved_closes_the_audit_and_moves_the_plan_on(
    audit, service, auditor_actor, personas
):
    services.plan_regenerate(actor=auditor_actor)
    with pytest.raises(ValidationError, match="reporting"):
        services.report_draft(
            actor=auditor_actor,
            audit=audit,
            report_date=dt.date(2026, 12, 20),
            summary="s",
            conclusion="c",
        )
    lead = make_auditor(auditor_actor, unit=auditor_actor.unit, cert="CISSP")
    services.audit_assign(actor=auditor_actor, audit=audit, auditor=lead, role="lead")
    services.audit_advance(actor=auditor_actor, audit=audit)
    services.audit_advance(actor=auditor_actor, audit=audit)
    with pytest.raises(ValidationError, match=r"ch7\.3\.focus\.a"):
        services.report_draft(
            actor=auditor_actor,
            audit=audit,
            report_date=dt.date(2026, 12, 20),
            summary="s",
            conclusion="c",
        )
    with pytest.raises(ValidationError) as exc:
        services.programme_record(
            actor=auditor_actor, item=audit.programme.first(), result="exception"
        )
    assert "conclusion" in exc.value.message_dict
    for item in audit.programme.all():
        services.programme_record(actor=auditor_actor, item=item, result="satisfactory")
    report = services.report_draft(
        actor=auditor_actor,
        audit=audit,
        report_date=dt.date(2026, 12, 20),
        summary="No exceptions.",
        conclusion="Effective.",
    )
    assert report.unit == auditor_actor.unit
    record_submit(record=report, actor=auditor_actor)
    approver = UserFactory(
        username="chief-auditor", roles=["approver"], approves_for=[auditor_actor.unit]
    )
    record_approve(record=report, actor=approver)
    audit.refresh_from_db()
    assert (audit.status, audit.completed_on) == ("closed", dt.date(2026, 12, 20))
    entry = entry_of(service)
    assert entry.last_general == dt.date(2026, 12, 20)
    assert entry.next_general_due == add_months(dt.date(2026, 12, 20), 12)
    # A closed audit takes no more changes.
    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.finding_raise(
            actor=auditor_actor,
            audit=audit,
            title="t",
            description="d",
            severity="low",
            owner=personas["governance_officer"],
            due_date=dt.date(2027, 2, 1),
        )


def test_working_paper_with_evidence(audit, auditor_actor):
    item = audit.programme.get(catalog_id="ch7.3.table.d01.04")
    paper = services.working_paper_add(
        actor=auditor_actor,
        audit=audit,
        programme_item=item,
        reference="WP-01",
        title="Encryption settings",
        procedure="Inspected the storage encryption settings and KMS key policy.",
        upload=upload("kms-policy.json", b'{"KeySpec": "SYMMETRIC_DEFAULT"}'),
    )
    from fincloud.evidence.services import evidence_for

    files = evidence_for(paper)
    assert [f.catalog_ids for f in files] == [["ch7.3.table.d01.04"]]
    with pytest.raises(ValidationError):
        services.working_paper_add(
            actor=auditor_actor, audit=audit, reference="WP-01", title="dup", procedure="p"
        )


def test_security_test_done_needs_a_result(service, personas):
    actor = personas["security"]
    test = services.security_test_save(
        actor=actor,
        service=service,
        kind="dynamic",
        scope="Internet banking front end",
        tester="Red team",
        planned_on=dt.date(2027, 1, 10),
    )
    with pytest.raises(ValidationError) as exc:
        services.security_test_save(actor=actor, service=service, test=test, status="done")
    assert set(exc.value.message_dict) == {"performed_on", "result"}
    services.security_test_save(
        actor=actor,
        service=service,
        test=test,
        status="done",
        performed_on=dt.date(2027, 1, 12),
        result="2 medium issues",
        high_issues=0,
    )


def test_due_items(finding, service, auditor_actor):
    from fincloud.audits.due import findings_due, planned_audits
    from fincloud.web.due import DueQuery

    services.plan_regenerate(actor=auditor_actor)
    window = DueQuery(start=None, end=timezone.localdate() + dt.timedelta(days=400))
    kinds = {d.kind for d in planned_audits(window)}
    assert "audit_due" in kinds
    items = list(findings_due(window))
    assert {d.kind for d in items} == {"finding_due", "finding_csp_response"}
    mine = DueQuery(end=window.end, user=finding.owner)
    assert {d.kind for d in findings_due(mine)} == {"finding_due", "finding_csp_response"}
    assert list(findings_due(DueQuery(end=window.end, user=auditor_actor))) == []


def test_programme_item_rows_exist_for_each_check(audit):
    assert ProgrammeItem.objects.filter(audit=audit, kind="check").count() == 61
    assert Finding.objects.count() == 0


def test_bulk_rows_read_back_as_the_orm_writes_them(auditor_actor):
    service = classified("material_consumer_finance_offshore", started_on=dt.date(2024, 2, 29))
    services.plan_regenerate(actor=auditor_actor, today=TODAY)
    bulk = entry_of(service).determination
    services.plan_recompute_service(actor=auditor_actor, service=service, today=TODAY)
    single = entry_of(service)
    orm = single.determination
    bulk.refresh_from_db()
    for name in ("kind", "inputs", "outcome", "rule_version", "citations", "explanation_zh"):
        assert getattr(bulk, name) == getattr(orm, name), name
    assert (bulk.current, orm.current, bulk.stale) == (False, True, False)
    assert bulk.computed_by == auditor_actor and bulk.computed_at.tzinfo is not None
    assert bulk.code != orm.code
    assert single.next_general_due == dt.date(2025, 2, 28)  # 29 Feb + 12 months, clamped
    assert single.next_special_due == dt.date(2025, 2, 28)


def test_the_manual_browser_lists_the_programme_items_of_a_check(audit):
    from fincloud.manual.usage import usages

    refs = [r for r in usages("ch7.3.table.d01.01") if "audits/programme/" in (r.url or "")]
    assert len(refs) == 1 and "2026 audit" in refs[0].title
