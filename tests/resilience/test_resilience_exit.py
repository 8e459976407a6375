"""Exit (Ch 8.5): a plan with the three phases' items, depth by risk; carrying it out records
the data transfer and the deletion; the service reaches "after use" only when a second person
approves the deletion record."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from factories_resilience import ServiceFactory, in_use, pdf

from fincloud.auditlog.models import AuditEvent
from fincloud.register.models import Stage
from fincloud.resilience import checklists, services
from fincloud.resilience.models import ExitExecution
from fincloud.workflow.models import State
from fincloud.workflow.services import WorkflowError, record_approve

pytestmark = pytest.mark.django_db


def all_answered(note: str = "") -> dict[str, dict[str, object]]:
    return {i.id: {"applicable": True, "note": note} for i in checklists.exit_checklist()}


PLAN = {
    "target_kind": "other_csp",
    "target_name": "Formosa Cloud",
    "triggers": ["contract_end", "termination_right"],
    "data_transfer_steps": "Export with the CSP's bulk export; verify counts and checksums.",
}


@pytest.fixture
def officer(personas):
    return personas["governance_officer"]


@pytest.fixture
def service(officer):
    return in_use(ServiceFactory(unit=officer.unit, material=True))


def approved_plan(officer, approver, service):
    plan = services.exit_plan_create(
        actor=officer, service=service, checklist=all_answered("Owner: IT operations"), **PLAN
    )
    services.exit_plan_submit(actor=officer, plan=plan)
    record_approve(record=plan, actor=approver)
    plan.refresh_from_db()
    return plan


def test_a_material_service_needs_a_full_plan(officer, service):
    plan = services.exit_plan_create(
        actor=officer, service=service, checklist=all_answered(), **PLAN
    )
    assert plan.depth == "full"
    with pytest.raises(WorkflowError) as exc:
        services.exit_plan_submit(actor=officer, plan=plan)
    assert "ch8.5.pre.1" in exc.value.messages[0]
    services.exit_plan_update(actor=officer, plan=plan, checklist=all_answered("How: ..."))
    services.exit_plan_submit(actor=officer, plan=plan)
    plan.refresh_from_db()
    assert plan.state == State.SUBMITTED


def test_a_standard_plan_needs_every_item_answered_and_reasons_for_exclusions(officer):
    service = in_use(ServiceFactory(unit=officer.unit, material=False))
    answers = all_answered()
    answers["ch8.5.termination.e"] = {"applicable": False, "note": ""}
    plan = services.exit_plan_create(actor=officer, service=service, checklist=answers, **PLAN)
    assert plan.depth == "standard"
    assert services.exit_plan_unanswered(plan) == ["ch8.5.termination.e"]
    answers["ch8.5.termination.e"] = {"applicable": False, "note": "No assets lent."}
    del answers["ch8.5.post.3"]
    services.exit_plan_update(actor=officer, plan=plan, checklist=answers)
    plan.refresh_from_db()
    assert services.exit_plan_unanswered(plan) == ["ch8.5.post.3"]


def test_plan_input_is_checked(officer, service):
    with pytest.raises(ValidationError) as exc:
        services.exit_plan_create(actor=officer, service=service, **{**PLAN, "triggers": []})
    assert "triggers" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.exit_plan_create(
            actor=officer, service=service, checklist={"ch9.1.a": {"note": "x"}}, **PLAN
        )
    assert "checklist" in exc.value.message_dict


def test_only_an_approved_plan_is_carried_out(officer, service):
    plan = services.exit_plan_create(actor=officer, service=service, **PLAN)
    with pytest.raises(ValidationError) as exc:
        services.exit_start(actor=officer, plan=plan, reason="Contract ends")
    assert "plan" in exc.value.message_dict
    assert not ExitExecution.objects.exists()


def _run_to_deletion(officer, approver, service, *, performed_by="csp", external=""):
    plan = approved_plan(officer, approver, service)
    execution = services.exit_start(actor=officer, plan=plan, reason="The contract ends in June.")
    with pytest.raises(ValidationError):
        services.exit_start(actor=officer, plan=plan, reason="again")  # one exit at a time
    record = services.deletion_create(
        actor=officer,
        execution=execution,
        method="crypto_erase",
        scope="All tenant data, snapshots and backups in both regions",
        performed_on=timezone.localdate(),
        performed_by=performed_by,
        external_service=external,
        result="Customer-managed keys destroyed; the CSP confirmed.",
    )
    return execution, record


def _submit_problems(officer, record):
    with pytest.raises(WorkflowError) as exc:
        services.deletion_submit(actor=officer, record=record)
    return exc.value


def test_exit_reaches_after_use_only_with_an_approved_deletion_record(personas, officer, service):
    approver = personas["approver"]
    execution, record = _run_to_deletion(officer, approver, service)
    # Nothing is deleted before the data has moved and been verified.
    assert _submit_problems(officer, record).code == "no_transfer"
    transfer = services.transfer_record(
        actor=officer,
        execution=execution,
        data_set="Card transactions 2019-2026",
        destination="Formosa Cloud, Taipei",
        method="CSP bulk export (encrypted)",
        started_on=timezone.localdate() - dt.timedelta(days=3),
    )
    assert _submit_problems(officer, record).code == "unverified"
    with pytest.raises(ValidationError) as exc:
        services.transfer_update(actor=officer, transfer=transfer, verified=True)
    assert "verified" in exc.value.message_dict
    services.transfer_update(
        actor=officer,
        transfer=transfer,
        completed_on=timezone.localdate(),
        records=2_300_000,
        verified=True,
        verification="Row counts and SHA-256 of each export file match.",
    )
    assert _submit_problems(officer, record).code == "open_items"
    items = [i.id for i in checklists.exit_checklist()]
    execution = services.exit_record_progress(
        actor=officer, execution=execution, done={i: True for i in items}, notes={}
    )
    assert services.exit_open_items(execution) == []
    assert _submit_problems(officer, record).code == "no_evidence"
    services.deletion_attach(
        actor=officer, record=record, upload=pdf("deletion.pdf"), title="Deletion report"
    )
    services.deletion_submit(actor=officer, record=record)

    # The preparer cannot approve; the service stays in use.
    with pytest.raises(WorkflowError):
        record_approve(record=record, actor=officer)
    service.refresh_from_db()
    assert service.stage == Stage.IN_USE

    record_approve(record=record, actor=approver)
    service.refresh_from_db()
    execution.refresh_from_db()
    assert service.stage == Stage.AFTER_USE
    assert service.ended_on == timezone.localdate()
    assert execution.status == ExitExecution.Status.COMPLETED
    stage_event = AuditEvent.objects.filter(
        object_type="register.cloudservice", object_id=str(service.code)
    ).latest("seq")
    assert stage_event.actor_id == approver.pk
    assert json.loads(stage_event.changes)["stage"] == ["in_use", "after_use"]
    # The exit is over: nothing more is recorded on it.
    with pytest.raises(ValidationError):
        services.transfer_record(
            actor=officer,
            execution=execution,
            data_set="x",
            destination="y",
            method="z",
            started_on=timezone.localdate(),
        )


def test_an_external_deletion_service_needs_its_certificate(personas, officer, service):
    approver = personas["approver"]
    with pytest.raises(ValidationError) as exc:
        _run_to_deletion(officer, approver, service, performed_by="external")
    assert "external_service" in exc.value.message_dict
    execution = ExitExecution.objects.get()
    record = services.deletion_create(
        actor=officer,
        execution=execution,
        method="overwrite",
        scope="Archive disks",
        performed_on=timezone.localdate(),
        performed_by="external",
        external_service="SecureWipe Taiwan Ltd.",
        result="Overwritten three passes.",
    )
    services.transfer_record(
        actor=officer,
        execution=execution,
        data_set="Archive",
        destination="In-house",
        method="Export",
        started_on=timezone.localdate(),
        completed_on=timezone.localdate(),
        verified=True,
        verification="Counts match",
    )
    services.exit_record_progress(
        actor=officer,
        execution=execution,
        done={i.id: True for i in checklists.exit_checklist()},
        notes={},
    )
    services.deletion_attach(actor=officer, record=record, upload=pdf(), title="Our record")
    assert _submit_problems(officer, record).code == "no_certificate"
    with pytest.raises(ValidationError):  # the certificate must be a real, accepted file
        services.deletion_attach(
            actor=officer,
            record=record,
            upload=SimpleUploadedFile("certificate.pdf", b"MZ\x90\x00", "application/pdf"),
            title="Certificate",
            certificate=True,
        )
    services.deletion_attach(
        actor=officer,
        record=record,
        upload=pdf("certificate.pdf"),
        title="Certificate",
        certificate=True,
    )
    services.deletion_submit(actor=officer, record=record)
    record_approve(record=record, actor=approver)
    service.refresh_from_db()
    assert service.stage == Stage.AFTER_USE
