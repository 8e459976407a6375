"""Continuity plans (Ch 8.3) and drills (Ch 8.4): every disaster event type answered before
management approves the plan; drill plans and results approved; the next drill due."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from factories_resilience import ServiceFactory, pdf

from fincloud.determinations.services import current_determinations
from fincloud.evidence.services import evidence_for
from fincloud.resilience import checklists, due, services
from fincloud.resilience.models import ContinuityPlan
from fincloud.web.due import DueQuery
from fincloud.workflow.models import State
from fincloud.workflow.services import WorkflowError, record_approve, record_submit

pytestmark = pytest.mark.django_db

PLAN = {
    "title": "網路銀行 BCP",
    "requirements": "Recover payments within the BIA's RTO of one hour.",
    "backup_method": "Snapshots every 15 minutes, replicated.",
    "backup_location": "Second region (Osaka)",
    "alternative_procedures": "Branch counters take over; manual authorisation list.",
}


def answered(skip: str | None = None) -> dict[str, dict[str, str]]:
    return {
        e.key: {"response": f"Response to {e.key}", "not_applicable_reason": ""}
        for e in checklists.bcp_event_types()
        if e.key != skip
    }


@pytest.fixture
def service(personas):
    return ServiceFactory(unit=personas["governance_officer"].unit)


def approved_plan(personas, service, **extra):
    plan = services.plan_create(
        actor=personas["governance_officer"], service=service, scenarios=answered(), **PLAN, **extra
    )
    services.plan_submit(actor=personas["governance_officer"], plan=plan)
    record_approve(record=plan, actor=personas["approver"])
    plan.refresh_from_db()
    return plan


def test_a_plan_cannot_be_submitted_until_every_event_type_is_answered(personas, service):
    plan = services.plan_create(
        actor=personas["governance_officer"],
        service=service,
        scenarios=answered(skip="region_loss"),
        **PLAN,
    )
    with pytest.raises(WorkflowError) as exc:
        services.plan_submit(actor=personas["governance_officer"], plan=plan)
    assert "region_loss" in exc.value.messages[0]
    assert services.plan_uncovered(plan) == ["region_loss"]
    scenarios = answered()
    scenarios["ch8.3.events.b"] = {"response": "", "not_applicable_reason": "Domestic only."}
    services.plan_update(actor=personas["governance_officer"], plan=plan, scenarios=scenarios)
    services.plan_submit(actor=personas["governance_officer"], plan=plan)
    plan.refresh_from_db()
    assert plan.state == State.SUBMITTED


def test_unknown_event_types_are_refused(personas, service):
    with pytest.raises(ValidationError) as exc:
        services.plan_create(
            actor=personas["governance_officer"],
            service=service,
            scenarios={"alien_invasion": {"response": "x"}},
            **PLAN,
        )
    assert "scenarios" in exc.value.message_dict
    assert not ContinuityPlan.objects.exists()


def test_management_approval_schedules_the_first_drill(personas, service):
    plan = approved_plan(personas, service, drill_interval_months=6)
    assert plan.state == State.APPROVED
    assert plan.next_drill_due == services._add_months(timezone.localdate(), 6)
    items = list(due.drills_due(DueQuery()))
    assert [(i.kind, i.due) for i in items] == [("drill", plan.next_drill_due)]


def test_drills_need_an_approved_plan_and_results_reschedule(personas, service):
    draft = services.plan_create(
        actor=personas["governance_officer"], service=service, scenarios=answered(), **PLAN
    )
    drill_values = {
        "title": "Joint fail-over drill",
        "kind": "failover",
        "joint_with_csp": True,
        "scenario": "region_loss",
        "planned_on": dt.date(2026, 5, 10),
        "objectives": "Switch to the second region; the CSP notifies us.",
        "participants": "IT operations, security",
        "csp_participants": "CSP support desk",
    }
    with pytest.raises(ValidationError) as exc:
        services.drill_create(actor=personas["risk"], plan=draft, **drill_values)
    assert "plan" in exc.value.message_dict
    services.plan_submit(actor=personas["governance_officer"], plan=draft)
    record_approve(record=draft, actor=personas["approver"])
    draft.refresh_from_db()
    with pytest.raises(ValidationError):
        services.drill_create(
            actor=personas["risk"], plan=draft, **{**drill_values, "scenario": "meteor"}
        )
    drill = services.drill_create(
        actor=personas["risk"], plan=draft, rto_minutes=60, rpo_minutes=15, **drill_values
    )
    with pytest.raises(ValidationError) as exc:
        services.drill_report_create(
            actor=personas["risk"],
            drill=drill,
            performed_on=dt.date(2026, 5, 10),
            participants="x",
            results="y",
        )
    assert "drill" in exc.value.message_dict
    record_submit(record=drill, actor=personas["risk"])
    record_approve(record=drill, actor=personas["approver"])
    drill.refresh_from_db()
    report = services.drill_report_create(
        actor=personas["risk"],
        drill=drill,
        performed_on=dt.date(2026, 5, 10),
        participants="IT operations, security, CSP support desk",
        recovery_minutes=75,
        data_loss_minutes=10,
        csp_notice_minutes=12,
        results="Switched over; DNS change took longer than planned.",
        issues="DNS TTL too long.",
    )
    det = current_determinations(report)["drill_result"]
    assert det.outcome == {"met": False}
    assert det.explanation_zh[0] == "演練復原時間 75分鐘，RTO 60分鐘：未達。"
    services.drill_report_attach(
        actor=personas["risk"], report=report, upload=pdf("drill.pdf"), title="Drill log"
    )
    assert len(evidence_for(report)) == 1
    record_submit(record=report, actor=personas["risk"])
    record_approve(record=report, actor=personas["approver"])
    draft.refresh_from_db()
    assert draft.next_drill_due == dt.date(2027, 5, 10)  # twelve months after the drill
    follow = services.follow_up_add(
        actor=personas["risk"],
        drill=drill,
        description="Lower the DNS TTL to 60 s",
        due_date=dt.date(2026, 6, 30),
        owner=personas["security"],
    )
    items = list(due.follow_ups_due(DueQuery(user=personas["security"])))
    assert [(i.kind, i.due) for i in items] == [("drill_follow_up", dt.date(2026, 6, 30))]
    services.follow_up_done(actor=personas["security"], follow_up=follow)
    assert list(due.follow_ups_due(DueQuery())) == []


def test_months_are_added_to_the_calendar():
    assert services._add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert services._add_months(dt.date(2026, 11, 15), 3) == dt.date(2027, 2, 15)
    assert services._add_months(dt.date(2028, 1, 31), 1) == dt.date(2028, 2, 29)


def test_the_csps_continuity_report_is_reviewed_with_its_file(personas, service):
    review = services.provider_review_create(
        actor=personas["risk"],
        csp=service.csp,
        report_kind="soc2_type2",
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2025, 12, 31),
        reviewed_on=dt.date(2026, 2, 1),
        conclusion="exceptions",
        bcp_assessment="CC7.5 and A1.2-A1.3 tested; one exception on restore testing.",
        exceptions="Restore test of one region missed in Q3.",
        follow_up="Ask for the Q1 restore test evidence.",
        follow_up_due=dt.date(2026, 3, 31),
    )
    services.provider_review_attach(
        actor=personas["risk"], review=review, upload=pdf("soc2.pdf"), title="SOC 2 Type II 2025"
    )
    assert evidence_for(review)[0].catalog_ids == ["ch8.3.provider.b"]
    items = list(due.provider_follow_ups_due(DueQuery()))
    assert [(i.kind, i.due) for i in items] == [("csp_bcp_follow_up", dt.date(2026, 3, 31))]
    with pytest.raises(ValidationError) as exc:
        services.provider_review_update(
            actor=personas["risk"], review=review, period_end=dt.date(2024, 1, 1)
        )
    assert "period_end" in exc.value.message_dict
