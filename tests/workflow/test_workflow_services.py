"""The shared workflow: states, segregation of duties, unit scope, versions, audit events."""

from __future__ import annotations

import pytest
from django.utils import translation

from fincloud.auditlog.models import AuditEvent
from fincloud.people.models import RoleGrant
from fincloud.people.roles import Role
from fincloud.people.services import role_grant_implement, role_grant_request
from fincloud.workflow import services as wf
from fincloud.workflow.models import State


def _grant(personas, *, preparer="governance_officer", grantee="risk", role=Role.SECURITY):
    return role_grant_request(
        actor=personas[preparer], grantee=personas[grantee], role=role, reason="needs it"
    )


def test_submit_then_approve_by_a_second_person(personas):
    grant = _grant(personas)
    assert grant.state == State.DRAFT
    grant = wf.record_submit(record=grant, actor=personas["governance_officer"])
    assert grant.state == State.SUBMITTED
    grant = wf.record_approve(record=grant, actor=personas["approver"], comment="ok")
    grant.refresh_from_db()
    assert grant.state == State.APPROVED
    assert grant.decided_by == personas["approver"]
    actions = list(
        AuditEvent.objects.filter(object_id=str(grant.code))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "submit", "approve"]


def test_preparer_cannot_approve_own_record_even_as_approver(personas):
    approver = personas["approver"]
    approver.groups.add(*personas["governance_officer"].groups.all())  # now both roles
    approver._role_names = None
    grant = _grant(personas, preparer="approver", grantee="risk")
    wf.record_submit(record=grant, actor=approver)
    with pytest.raises(wf.WorkflowError) as exc:
        wf.record_approve(record=grant, actor=approver)
    assert exc.value.code == "sod_preparer"
    grant.refresh_from_db()
    assert grant.state == State.SUBMITTED
    # The refusal itself is on record.
    denied = AuditEvent.objects.filter(object_id=str(grant.code), action="denied").get()
    assert '"sod_preparer"' in denied.changes


def test_refusal_message_names_the_rule_in_the_users_language(personas):
    approver = personas["approver"]
    approver.groups.add(*personas["governance_officer"].groups.all())
    approver._role_names = None
    grant = _grant(personas, preparer="approver")
    wf.record_submit(record=grant, actor=approver)
    with translation.override("zh-hant"), pytest.raises(wf.WorkflowError) as exc:
        wf.record_approve(record=grant, actor=approver)
    with translation.override("zh-hant"):
        assert "職務分工" in exc.value.messages[0]
    with translation.override("en"):
        assert exc.value.messages[0].startswith("Segregation of duties")


def test_approver_outside_unit_scope_is_refused(personas):
    # The approver may approve for every unit but the internal auditor's.
    grant = _grant(personas, grantee="internal_auditor")
    wf.record_submit(record=grant, actor=personas["governance_officer"])
    with pytest.raises(wf.WorkflowError) as exc:
        wf.record_approve(record=grant, actor=personas["approver"])
    assert exc.value.code == "unit_scope"


def test_non_approver_cannot_decide(personas):
    grant = _grant(personas)
    wf.record_submit(record=grant, actor=personas["governance_officer"])
    for role in ("risk", "legal", "security", "examiner", "sysadmin"):
        with pytest.raises(wf.WorkflowError) as exc:
            wf.record_approve(record=grant, actor=personas[role])
        assert exc.value.code == "not_approver"


def test_only_submitted_records_are_decided_and_only_drafts_submitted(personas):
    grant = _grant(personas)
    with pytest.raises(wf.WorkflowError) as exc:
        wf.record_approve(record=grant, actor=personas["approver"])
    assert exc.value.code == "state"
    wf.record_submit(record=grant, actor=personas["governance_officer"])
    with pytest.raises(wf.WorkflowError):
        wf.record_submit(record=grant, actor=personas["governance_officer"])


def test_reject_needs_a_comment_and_returns_to_preparer(personas):
    grant = _grant(personas)
    wf.record_submit(record=grant, actor=personas["governance_officer"])
    with pytest.raises(wf.WorkflowError) as exc:
        wf.record_reject(record=grant, actor=personas["approver"], comment="  ")
    assert exc.value.code == "comment_required"
    grant = wf.record_reject(record=grant, actor=personas["approver"], comment="why?")
    assert grant.state == State.REJECTED
    with pytest.raises(wf.WorkflowError):
        wf.record_reopen(record=grant, actor=personas["approver"])  # not the preparer
    grant = wf.record_reopen(record=grant, actor=personas["governance_officer"])
    assert grant.state == State.DRAFT


def test_approved_record_is_frozen_and_new_version_supersedes_it(personas):
    grant = _grant(personas)
    wf.record_submit(record=grant, actor=personas["governance_officer"])
    wf.record_approve(record=grant, actor=personas["approver"])
    grant.refresh_from_db()
    with pytest.raises(wf.WorkflowError) as exc:
        wf.ensure_editable(grant)
    assert exc.value.code == "frozen"
    v2 = wf.record_new_version(record=grant, actor=personas["governance_officer"], reason="widened")
    assert (v2.version, v2.supersedes_id, v2.state) == (2, grant.pk, State.DRAFT)
    wf.record_submit(record=v2, actor=personas["governance_officer"])
    wf.record_approve(record=v2, actor=personas["second_approver"])
    grant.refresh_from_db()
    assert grant.state == State.SUPERSEDED


def test_role_grant_needs_three_different_people(personas):
    """Ch 1.4 (b): requesting, approving and granting access are separate duties."""
    grant = _grant(personas, preparer="sysadmin", grantee="risk")
    wf.record_submit(record=grant, actor=personas["sysadmin"])
    wf.record_approve(record=grant, actor=personas["approver"])
    grant.refresh_from_db()
    with pytest.raises(wf.WorkflowError) as exc:
        role_grant_implement(actor=personas["sysadmin"], grant=grant)  # the requester
    assert exc.value.code == "sod_requester"
    other_admin = personas["nobody"]
    other_admin.groups.add(*personas["sysadmin"].groups.all())
    other_admin._role_names = None
    role_grant_implement(actor=other_admin, grant=grant)
    assert personas["risk"].groups.filter(name="security").exists()
    grant.refresh_from_db()
    assert grant.implemented_by == other_admin


def test_role_grant_cannot_be_granted_before_approval_or_by_approver(personas):
    grant = _grant(personas)
    with pytest.raises(wf.WorkflowError) as exc:
        role_grant_implement(actor=personas["sysadmin"], grant=grant)
    assert exc.value.code == "state"
    wf.record_submit(record=grant, actor=personas["governance_officer"])
    approver = personas["approver"]
    approver.groups.add(*personas["sysadmin"].groups.all())
    approver._role_names = None
    wf.record_approve(record=grant, actor=approver)
    with pytest.raises(wf.WorkflowError) as exc:
        role_grant_implement(actor=approver, grant=RoleGrant.objects.get(pk=grant.pk))
    assert exc.value.code == "sod_approver"


def test_nobody_requests_a_role_for_themselves(personas):
    with pytest.raises(wf.WorkflowError) as exc:
        _grant(personas, preparer="governance_officer", grantee="governance_officer")
    assert exc.value.code == "sod_self_request"
