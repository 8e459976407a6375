"""The one workflow service every approvable record goes through.

Rules (RULES.md §8, Ch 1.4):
- only a draft is submitted; only a submitted record is approved or rejected;
- the preparer (and whoever submitted it) can never approve or reject it;
- an approver decides only for the units they are allowed to approve for;
- an approved record is frozen; a new version supersedes it when the new one is approved.
Every transition writes its audit event in the same transaction.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fincloud.auditlog.models import Action
from fincloud.auditlog.services import record_event, snapshot
from fincloud.workflow.models import ApprovableRecord, State

R = TypeVar("R", bound=ApprovableRecord)

# Messages are module constants so that tests (and the API) can match them exactly.
SOD_PREPARER_CANNOT_DECIDE = _(
    "Segregation of duties: the preparer cannot approve or reject their own record."
)
SOD_SUBMITTER_CANNOT_DECIDE = _(
    "Segregation of duties: whoever submitted a record cannot approve or reject it."
)
NOT_AN_APPROVER = _("Only a person with the approver role can approve or reject.")
UNIT_NOT_ALLOWED = _(
    "You are not allowed to approve records of the unit “%(unit)s”; ask an approver for that unit."
)
ONLY_DRAFT_SUBMITTED = _("Only a draft can be submitted; this record is “%(state)s”.")
ONLY_SUBMITTED_DECIDED = _(
    "Only a submitted record can be approved or rejected; this one is “%(state)s”."
)
ONLY_REJECTED_REOPENED = _("Only a rejected record can be reopened; this one is “%(state)s”.")
FROZEN = _("This record is “%(state)s” and can no longer be changed; start a new version instead.")
NEW_VERSION_ONLY_FROM_APPROVED = _("A new version can only be started from an approved record.")
REJECT_NEEDS_COMMENT = _("A rejection needs a comment that says why (field: comment).")
NOT_PREPARER = _("Only the preparer can submit or reopen this record.")


class WorkflowError(ValidationError):
    """A refused transition; ``code`` names the rule (e.g. ``sod_preparer``)."""


def _refuse(message: Any, code: str, params: dict[str, Any] | None = None) -> WorkflowError:
    return WorkflowError(message, code=code, params=params)


def ensure_editable(record: ApprovableRecord) -> None:
    """Raise unless the record may still be edited (draft or rejected)."""
    if record.state not in {State.DRAFT, State.REJECTED}:
        raise _refuse(FROZEN, "frozen", {"state": record.get_state_display()})


def _lock(record: R) -> R:
    return type(record)._default_manager.select_for_update().get(pk=record.pk)


def _decider_checks(record: ApprovableRecord, actor: Any) -> None:
    if record.state != State.SUBMITTED:
        raise _refuse(ONLY_SUBMITTED_DECIDED, "state", {"state": record.get_state_display()})
    if record.prepared_by_id == actor.pk:
        raise _refuse(SOD_PREPARER_CANNOT_DECIDE, "sod_preparer")
    if record.submitted_by_id == actor.pk:
        raise _refuse(SOD_SUBMITTER_CANNOT_DECIDE, "sod_submitter")
    if not actor.can("workflow.approve"):
        raise _refuse(NOT_AN_APPROVER, "not_approver")
    if not actor.may_approve_for(record.unit):
        raise _refuse(UNIT_NOT_ALLOWED, "unit_scope", {"unit": str(record.unit)})


def check_can_decide(record: ApprovableRecord, actor: Any) -> str | None:
    """The refusal message a decision by ``actor`` would get, or None if allowed (for the UI)."""
    try:
        _decider_checks(record, actor)
    except WorkflowError as exc:
        return str(exc.messages[0])
    return None


def record_submit(*, record: R, actor: Any) -> R:
    with transaction.atomic():
        record = _lock(record)
        if record.state != State.DRAFT:
            raise _refuse(ONLY_DRAFT_SUBMITTED, "state", {"state": record.get_state_display()})
        if record.prepared_by_id != actor.pk:
            raise _refuse(NOT_PREPARER, "not_preparer")
        record.state = State.SUBMITTED
        record.submitted_by = actor
        record.submitted_at = timezone.now()
        record.save(update_fields=["state", "submitted_by", "submitted_at"])
        record_event(
            actor=actor,
            action=Action.SUBMIT,
            obj=record,
            changes={"state": [State.DRAFT, State.SUBMITTED]},
        )
    return record


def _denied(record: ApprovableRecord, actor: Any, verb: str, exc: WorkflowError) -> None:
    # Written after the refused transaction rolled back, so the refusal itself stays on record.
    record_event(
        actor=actor,
        action=Action.DENIED,
        obj=record,
        changes={"attempted": [None, verb], "rule": [None, exc.code]},
    )


def record_approve(*, record: R, actor: Any, comment: str = "") -> R:
    try:
        return _approve(record=record, actor=actor, comment=comment)
    except WorkflowError as exc:
        _denied(record, actor, "approve", exc)
        raise


def _approve(*, record: R, actor: Any, comment: str) -> R:
    with transaction.atomic():
        record = _lock(record)
        _decider_checks(record, actor)
        record.state = State.APPROVED
        record.decided_by = actor
        record.decided_at = timezone.now()
        record.decision_comment = comment.strip()
        record.save(update_fields=["state", "decided_by", "decided_at", "decision_comment"])
        record_event(
            actor=actor,
            action=Action.APPROVE,
            obj=record,
            changes={"state": [State.SUBMITTED, State.APPROVED], "comment": [None, comment]},
        )
        previous = record.supersedes
        if previous is not None and previous.state == State.APPROVED:
            type(previous)._default_manager.filter(pk=previous.pk).update(state=State.SUPERSEDED)
            record_event(
                actor=actor,
                action=Action.SUPERSEDE,
                obj=previous,
                changes={
                    "state": [State.APPROVED, State.SUPERSEDED],
                    "superseded_by": [None, str(record.code)],
                },
            )
        record.on_approved(actor)
    return record


def record_reject(*, record: R, actor: Any, comment: str) -> R:
    if not comment or not comment.strip():
        raise _refuse(REJECT_NEEDS_COMMENT, "comment_required")
    try:
        return _reject(record=record, actor=actor, comment=comment)
    except WorkflowError as exc:
        _denied(record, actor, "reject", exc)
        raise


def _reject(*, record: R, actor: Any, comment: str) -> R:
    with transaction.atomic():
        record = _lock(record)
        _decider_checks(record, actor)
        record.state = State.REJECTED
        record.decided_by = actor
        record.decided_at = timezone.now()
        record.decision_comment = comment.strip()
        record.save(update_fields=["state", "decided_by", "decided_at", "decision_comment"])
        record_event(
            actor=actor,
            action=Action.REJECT,
            obj=record,
            changes={"state": [State.SUBMITTED, State.REJECTED], "comment": [None, comment]},
        )
        record.on_rejected(actor)
    return record


def record_reopen(*, record: R, actor: Any) -> R:
    """A rejected record goes back to draft for its preparer to correct and resubmit."""
    with transaction.atomic():
        record = _lock(record)
        if record.state != State.REJECTED:
            raise _refuse(ONLY_REJECTED_REOPENED, "state", {"state": record.get_state_display()})
        if record.prepared_by_id != actor.pk:
            raise _refuse(NOT_PREPARER, "not_preparer")
        record.state = State.DRAFT
        record.submitted_by = None
        record.submitted_at = None
        record.save(update_fields=["state", "submitted_by", "submitted_at"])
        record_event(
            actor=actor,
            action=Action.REOPEN,
            obj=record,
            changes={"state": [State.REJECTED, State.DRAFT]},
        )
    return record


def record_new_version(*, record: R, actor: Any, **overrides: Any) -> R:
    """Start a draft that will supersede an approved record once it is approved itself."""
    with transaction.atomic():
        record = _lock(record)
        if record.state != State.APPROVED:
            raise _refuse(NEW_VERSION_ONLY_FROM_APPROVED, "state")
        model = type(record)
        skip = {
            "id",
            "code",
            "state",
            "version",
            "supersedes",
            "prepared_by",
            "prepared_at",
            "submitted_by",
            "submitted_at",
            "decided_by",
            "decided_at",
            "decision_comment",
        }
        values = {
            f.attname: getattr(record, f.attname)
            for f in model._meta.concrete_fields
            if f.name not in skip
        }
        values.update(overrides)
        new = model._default_manager.create(
            **values,
            version=record.version + 1,
            supersedes=record,
            prepared_by=actor,
            prepared_at=timezone.now(),
        )
        record_event(actor=actor, action=Action.CREATE, obj=new, after=snapshot(new))
    return new
