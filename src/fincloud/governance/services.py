"""Write operations of 日常執行與控管: one keyword-only function per business action, each in
one transaction with its audit event. Messages are module constants (tests match them)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fincloud.auditlog.models import Action
from fincloud.auditlog.services import record_event, snapshot
from fincloud.evidence.services import evidence_attach, evidence_for, evidence_new_revision
from fincloud.governance import manual, raci, sod, training_rules
from fincloud.governance.labels import activity_label, item_letter
from fincloud.governance.models import (
    ActionItem,
    AdoptionStage,
    AdoptionStageRecord,
    Attendance,
    ChecklistAnswer,
    CloudPolicy,
    Committee,
    CommitteeMember,
    Course,
    Decision,
    DutyAssignment,
    ExitStrategy,
    GapAction,
    Mechanism,
    Meeting,
    MonitoringMechanism,
    PolicyReview,
    ResponsibilityMatrix,
    RiskMechanism,
    SodException,
    StrategyDocument,
    TrainingNeed,
    TrainingProfile,
    TrainingSession,
    UnitProfile,
)
from fincloud.workflow.models import ApprovableRecord, State
from fincloud.workflow.services import (
    WorkflowError,
    ensure_editable,
    record_new_version,
    record_submit,
)

R = TypeVar("R", bound=ApprovableRecord)

NO_PERMISSION = _("You do not have the permission “%(capability)s”.")
REQUIRED = _("%(field)s: required.")
NOT_IN_FUTURE = _("%(field)s: must not be in the future.")
ACTOR_WITHOUT_UNIT = _(
    "You have no business unit; the record needs one so that an approver for it can decide."
)
PERSON_INACTIVE = _("%(field)s: %(person)s is not an active person.")

# Strategy and policy
POLICY_EXISTS = _(
    "Policy: the institution already has its cloud service management policy; "
    "start a new version of it instead."
)
DRAFT_EXISTS = _("A draft version (v%(version)s) already exists; continue with that one.")
POLICY_NEEDS_DOCUMENT = _(
    "Policy document: attach the policy file before submitting it for approval."
)
REVIEW_NEEDS_APPROVED = _(
    "Policy: only the approved, current version of the policy can be reviewed."
)
REVIEW_BEFORE_APPROVAL = _(
    "Review date: must not be before the reviewed version was approved (%(date)s)."
)
FACTOR_UNANSWERED = _(
    "Factor %(letter)s: say whether it affects the policy and why (Ch 1.3 %(letter)s)."
)
AFFECTED_NEEDS_UPDATE = _(
    "Update needed: factor(s) %(letters)s affect the policy, so an update is needed (Ch 1.3)."
)
UPDATE_DUE_REQUIRED = _("Update due by: required when an update is needed.")
UPDATE_DUE_AFTER_REVIEW = _("Update due by: must be after the review date.")
UPDATE_DUE_NOT_NEEDED = _("Update due by: leave empty when no update is needed.")
STAGE_UNKNOWN = _("Adoption stage: must be one of preparation, development, optimisation.")

# Structure
ONE_GOVERNANCE_UNIT = _(
    "Role in cloud governance: %(unit)s is already the cloud service governance unit; "
    "there is one dedicated unit (Ch 1.4)."
)
COMMITTEE_EXISTS = _("Name: a committee with this name already exists.")
MEMBER_ALREADY = _("Person: %(person)s already sits on the committee as %(role)s.")
MEMBER_LEFT_BEFORE_JOINED = _("Left on: must not be before the date the member joined.")
MINUTES_FOR_FUTURE = _("Minutes: a meeting on a future date has no minutes yet.")
MEETING_NOT_HELD = _("Meeting: decisions and actions are recorded once the meeting has been held.")
ACTION_DUE_BEFORE_MEETING = _("Due date: must not be before the meeting (%(date)s).")
DECISION_OTHER_MEETING = _("Decision: belongs to another meeting.")
ACTION_NOT_OPEN = _("This action is already closed (%(status)s).")
CLOSE_STATUS = _("Status: choose done or cancelled.")
CANCEL_NEEDS_NOTE = _("Closing note: say why the action is cancelled.")
CLOSED_BEFORE_CREATED = _("Closed on: must not be before the action was created (%(date)s).")
MATRIX_EXISTS = _("Responsibility matrix: one already exists; start a new version of it instead.")
MATRIX_LETTER = _("%(duty)s, %(unit)s: “%(letter)s” is not one of R, A, A/R, C, I.")
MATRIX_NO_A = _("%(duty)s: needs exactly one accountable (A) unit; none is set.")
MATRIX_MANY_A = _("%(duty)s: needs exactly one accountable (A) unit; %(units)s are set.")
MATRIX_NO_R = _("%(duty)s: needs at least one responsible (R) unit.")

# Segregation of duties
ACTIVITY_UNKNOWN = _("Activity: “%(activity)s” is not one of the Ch 1.4 activities.")
DUTY_UNKNOWN = _("Duty: “%(duty)s” is not one of the Ch 1.4 duties (a)-(i).")
SOD_CONFLICT = _(
    "Segregation of duties (Ch 1.4 %(letter)s): %(person)s already holds “%(other)s” for "
    "%(services)s, so cannot also “%(activity)s”, unless an approver accepts the conflict "
    "with a reason and a mitigating control."
)
NO_CONFLICT = _(
    "Activity: assigning this creates no conflict; assign it directly, no exception is needed."
)
ASSIGNMENT_DUPLICATE = _("Activity: %(person)s already holds “%(activity)s” for %(services)s.")
REVIEW_BY_FUTURE = _("Review by: must be a date after today.")
ENDS_BEFORE_START = _("Until: must not be before the start (%(date)s).")
ASSIGNMENT_ENDED = _("This assignment has already ended.")
APPROVER_IS_PERSON = _("Segregation of duties: nobody can accept a conflict in their own duties.")
NEW_CONFLICT_SINCE = _(
    "Segregation of duties: since the request, %(person)s has taken on “%(other)s”, which "
    "this exception does not cover; reject it and request again."
)
ALL_SERVICES_LABEL = _("all services")

# Mechanisms
MECHANISM_EXISTS = _("%(kind)s: one already exists; start a new version of it instead.")
ANSWER_MISSING = _("%(item)s: say how the institution does this.")
RISK_ITEMS_MISSING = _(
    "Risk items assessed: Ch 2.2 lists items the assessment includes at least; missing %(items)s."
)
LEVELS_RANGE = _("%(field)s: give between 2 and 10 levels, one per line.")
THRESHOLD_RANGE = _("Acceptable up to score: must be between 1 and %(max)s (likelihood × impact).")
DELETION_METHODS = _(
    "Accepted deletion methods: choose electronic overwriting, cryptographic erasure or both "
    "(Ch 8.5)."
)

# Training
GROUP_UNKNOWN = _("Training group: must be one of the three groups of the Ch 4.2 table.")
TOPIC_UNKNOWN = _("Topics covered: “%(topic)s” is not a training topic of Ch 4.")
TOPICS_REQUIRED = _("Topics covered: choose at least one.")
SCORE_ONLY_ATTENDED = _("Test score: only for someone who attended.")
SCORE_REQUIRED = _(
    "Test score: this course tests its effectiveness (Ch 4.2 (f)); enter the score (0-100)."
)
CERTIFICATE_REQUIRED = _("Certificate number: required for a passed certification course.")
VALID_UNTIL_BEFORE = _("Valid until: must be after the session date (%(date)s).")
HOURS_RANGE = _("Hours attended: between 0 and %(max)s (the session's hours).")
GAP_NOT_OPEN = _("This action is already done.")
CHECKLIST_ITEM_UNKNOWN = _("Checklist item: “%(item)s” is not a 日常執行與控管 item of Annex 2.")
MET_NEEDS_EVIDENCE = _(
    "Answer: “met” needs evidence: an approved record of this app for the item, or a file."
)
NOTE_FOR_GAP = _("Note: say what is missing and what is being done about it.")


def today() -> dt.date:
    return timezone.localdate()


def _require(actor: Any, capability: str) -> None:
    if actor is not None and not actor.can(capability):
        raise ValidationError(NO_PERMISSION, code="permission", params={"capability": capability})


def _error(name: str, message: Any, code: str, **params: Any) -> ValidationError:
    """A refusal naming the field (``name``); ``params`` fill the message."""
    return ValidationError({name: ValidationError(message, code=code, params=params or None)})


def _not_future(name: str, label: str, value: dt.date | None) -> None:
    if value is not None and value > today():
        raise _error(name, NOT_IN_FUTURE, "future", field=label)


def _required_text(name: str, label: str, value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise _error(name, REQUIRED, "required", field=label)
    return value


def _active_person(name: str, label: str, person: Any) -> None:
    if person is None or not person.is_active:
        raise _error(name, PERSON_INACTIVE, "inactive", field=label, person=str(person))


def _actor_unit(actor: Any) -> Any:
    if actor.unit_id is None:
        raise ValidationError(ACTOR_WITHOUT_UNIT, code="no_unit")
    return actor.unit


def _create(obj: models.Model, actor: Any, exclude: list[str] | None = None) -> None:
    obj.full_clean(exclude=exclude)
    obj.save()
    record_event(actor=actor, action=Action.CREATE, obj=obj, after=snapshot(obj))


def _update(obj: models.Model, actor: Any, before: dict[str, Any]) -> None:
    obj.full_clean()
    obj.save()
    record_event(actor=actor, action=Action.UPDATE, obj=obj, before=before, after=snapshot(obj))


def _locked_editable(record: R) -> R:
    """The record re-read under a row lock, refused unless it is still a draft or rejected
    (the caller's copy may be stale: another request may have submitted it meanwhile)."""
    fresh = type(record)._default_manager.select_for_update().get(pk=record.pk)
    ensure_editable(fresh)
    return fresh


def _no_open_draft(model: type[ApprovableRecord], **filters: Any) -> None:
    draft = (
        model._default_manager.filter(state__in=[State.DRAFT, State.SUBMITTED, State.REJECTED])
        .filter(**filters)
        .first()
    )
    if draft is not None:
        raise WorkflowError(DRAFT_EXISTS, code="draft_exists", params={"version": draft.version})


def _new_version(record: R, actor: Any) -> R:
    with transaction.atomic():
        _no_open_draft(type(record))
        return record_new_version(record=record, actor=actor)


# === 1. Strategy and policy ===============================================================


def adoption_stage_record(
    *, actor: Any, stage: str, decided_on: dt.date, rationale: str
) -> AdoptionStageRecord:
    """Record the institution's cloud adoption stage (Ch 1.1); a change of stage changes what
    the Ch 4.2 table asks of each group, so everyone's training needs are refreshed."""
    _require(actor, "governance.edit")
    if stage not in AdoptionStage.values:
        raise _error("stage", STAGE_UNKNOWN, "invalid")
    _not_future("decided_on", str(_("Date")), decided_on)
    rationale = _required_text("rationale", str(_("Rationale")), rationale)
    with transaction.atomic():
        previous = current_stage()
        record = AdoptionStageRecord(
            stage=stage,
            decided_on=decided_on,
            rationale=rationale,
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        _create(record, actor)
        if current_stage() != previous:
            for profile in TrainingProfile.objects.select_related("person"):
                training_needs_refresh(
                    person=profile.person, reason=TrainingProfile.Change.STAGE_CHANGE
                )
    return record


def current_stage() -> str | None:
    record = AdoptionStageRecord.objects.order_by("-decided_on", "-recorded_at").first()
    return record.stage if record else None


def strategy_document_create(
    *,
    actor: Any,
    kind: str,
    title: str,
    summary: str,
    owner: Any,
    next_review_on: dt.date | None = None,
    upload: Any = None,
    effective_date: dt.date | None = None,
) -> StrategyDocument:
    _require(actor, "governance.edit")
    _active_person("owner", str(_("Owner")), owner)
    now = timezone.now()
    with transaction.atomic():
        doc = StrategyDocument(
            kind=kind,
            title=title.strip(),
            summary=summary.strip(),
            owner=owner,
            next_review_on=next_review_on,
            created_by=actor,
            created_at=now,
            updated_at=now,
        )
        _create(doc, actor)
        if upload is not None:
            strategy_document_upload(
                actor=actor, document=doc, upload=upload, effective_date=effective_date
            )
    return doc


def strategy_document_update(
    *,
    actor: Any,
    document: StrategyDocument,
    title: str,
    summary: str,
    owner: Any,
    next_review_on: dt.date | None,
) -> StrategyDocument:
    _require(actor, "governance.edit")
    _active_person("owner", str(_("Owner")), owner)
    with transaction.atomic():
        before = snapshot(document)
        document.title = title.strip()
        document.summary = summary.strip()
        document.owner = owner
        document.next_review_on = next_review_on
        document.updated_at = timezone.now()
        _update(document, actor, before)
    return document


def strategy_document_upload(
    *,
    actor: Any,
    document: StrategyDocument,
    upload: Any,
    effective_date: dt.date | None = None,
    note: str = "",
) -> Any:
    """A new version of the document: the next revision of its file (the first upload is r1)."""
    _require(actor, "governance.edit")
    with transaction.atomic():
        existing = evidence_for(document)
        if existing:
            return evidence_new_revision(
                actor=actor,
                previous=existing[0],
                upload=upload,
                effective_date=effective_date,
                note=note,
            )
        return evidence_attach(
            actor=actor,
            owner=document,
            upload=upload,
            title=document.title,
            kind=document.kind,
            effective_date=effective_date,
            catalog_ids=StrategyDocument.CATALOG_IDS.get(document.kind, []),
            note=note,
        )


def policy_create(
    *, actor: Any, title: str, summary: str, effective_date: dt.date | None = None
) -> CloudPolicy:
    _require(actor, "governance.edit")
    unit = _actor_unit(actor)
    with transaction.atomic():
        if CloudPolicy.objects.exists():
            raise WorkflowError(POLICY_EXISTS, code="exists")
        policy = CloudPolicy(
            title=title.strip(),
            summary=summary.strip(),
            effective_date=effective_date,
            unit=unit,
            prepared_by=actor,
            prepared_at=timezone.now(),
        )
        _create(policy, actor)
    return policy


def policy_update(
    *,
    actor: Any,
    policy: CloudPolicy,
    title: str,
    summary: str,
    effective_date: dt.date | None,
) -> CloudPolicy:
    _require(actor, "governance.edit")
    with transaction.atomic():
        policy = _locked_editable(policy)
        before = snapshot(policy)
        policy.title, policy.summary = title.strip(), summary.strip()
        policy.effective_date = effective_date
        _update(policy, actor, before)
    return policy


def policy_attach(
    *, actor: Any, policy: CloudPolicy, upload: Any, effective_date: dt.date | None = None
) -> Any:
    """Attach (or revise) the policy document of a version still being prepared."""
    _require(actor, "governance.edit")
    with transaction.atomic():
        policy = _locked_editable(policy)
        existing = evidence_for(policy)
        if existing:
            return evidence_new_revision(
                actor=actor, previous=existing[0], upload=upload, effective_date=effective_date
            )
        return evidence_attach(
            actor=actor,
            owner=policy,
            upload=upload,
            title=policy.title,
            kind="policy",
            effective_date=effective_date,
            catalog_ids=["ch1.3", "a2.daily.1.1"],
        )


def policy_new_version(*, actor: Any, policy: CloudPolicy) -> CloudPolicy:
    _require(actor, "governance.edit")
    return _new_version(policy, actor)


def policy_submit(*, actor: Any, policy: CloudPolicy) -> CloudPolicy:
    _require(actor, "governance.edit")
    if not evidence_for(policy):
        raise WorkflowError(POLICY_NEEDS_DOCUMENT, code="no_document")
    return record_submit(record=policy, actor=actor)


@dataclass(frozen=True)
class FactorAnswer:
    affected: bool | None
    note: str


def factor_field(node_id: str) -> str:
    return "factor_" + node_id.replace(".", "_")


def policy_review_record(
    *,
    actor: Any,
    policy: CloudPolicy,
    reviewed_on: dt.date,
    answers: Mapping[str, FactorAnswer],
    update_needed: bool,
    update_due: dt.date | None,
    conclusion: str,
) -> PolicyReview:
    """The yearly review (Ch 1.3): each factor (a)-(e) answered, and whether to update."""
    _require(actor, "governance.edit")
    if policy.state != State.APPROVED:
        raise _error("policy", REVIEW_NEEDS_APPROVED, "not_approved")
    _not_future("reviewed_on", str(_("Review date")), reviewed_on)
    if policy.decided_at and reviewed_on < timezone.localdate(policy.decided_at):
        raise _error(
            "reviewed_on",
            REVIEW_BEFORE_APPROVAL,
            "before_approval",
            date=f"{timezone.localdate(policy.decided_at):%Y-%m-%d}",
        )
    errors: dict[str, list[ValidationError]] = {}
    stored: dict[str, dict[str, Any]] = {}
    affected: list[str] = []
    for node in manual.review_factors():
        answer = answers.get(node.id)
        letter = item_letter(node.id)
        if answer is None or answer.affected is None or not answer.note.strip():
            errors[factor_field(node.id)] = [
                ValidationError(FACTOR_UNANSWERED, code="unanswered", params={"letter": letter})
            ]
            continue
        stored[node.id] = {"affected": bool(answer.affected), "note": answer.note.strip()}
        if answer.affected:
            affected.append(letter)
    if errors:
        raise ValidationError(errors)
    if affected and not update_needed:
        raise _error(
            "update_needed", AFFECTED_NEEDS_UPDATE, "affected", letters=", ".join(affected)
        )
    if update_needed and update_due is None:
        raise _error("update_due", UPDATE_DUE_REQUIRED, "required")
    if update_needed and update_due is not None and update_due <= reviewed_on:
        raise _error("update_due", UPDATE_DUE_AFTER_REVIEW, "order")
    if not update_needed and update_due is not None:
        raise _error("update_due", UPDATE_DUE_NOT_NEEDED, "not_needed")
    conclusion = _required_text("conclusion", str(_("Conclusion")), conclusion)
    with transaction.atomic():
        review = PolicyReview(
            policy=policy,
            reviewed_on=reviewed_on,
            answers=stored,
            update_needed=update_needed,
            update_due=update_due,
            conclusion=conclusion,
            reviewed_by=actor,
            recorded_at=timezone.now(),
        )
        _create(review, actor)
    return review


# === 2. Governance structure ==============================================================


def unit_profile_save(
    *, actor: Any, unit: Any, cloud_role: str, mandate: str, contact: Any = None
) -> UnitProfile:
    _require(actor, "governance.edit")
    if contact is not None:
        _active_person("contact", str(_("Contact person")), contact)
    with transaction.atomic():
        if cloud_role == UnitProfile.CloudRole.GOVERNANCE:
            other = (
                UnitProfile.objects.filter(cloud_role=UnitProfile.CloudRole.GOVERNANCE)
                .exclude(unit=unit)
                .select_related("unit")
                .first()
            )
            if other is not None:
                raise _error("cloud_role", ONE_GOVERNANCE_UNIT, "one_unit", unit=str(other.unit))
        profile = UnitProfile.objects.filter(unit=unit).first()
        if profile is None:
            profile = UnitProfile(
                unit=unit,
                cloud_role=cloud_role,
                mandate=mandate.strip(),
                contact=contact,
                updated_by=actor,
                updated_at=timezone.now(),
            )
            _create(profile, actor)
        else:
            before = snapshot(profile)
            profile.cloud_role, profile.mandate, profile.contact = (
                cloud_role,
                mandate.strip(),
                contact,
            )
            profile.updated_by, profile.updated_at = actor, timezone.now()
            _update(profile, actor, before)
    return profile


def committee_save(
    *,
    actor: Any,
    name: str,
    mandate: str,
    established_on: dt.date,
    meeting_interval_months: int,
    committee: Committee | None = None,
) -> Committee:
    _require(actor, "governance.edit")
    _not_future("established_on", str(_("Established on")), established_on)
    with transaction.atomic():
        duplicate = Committee.objects.filter(name=name.strip())
        if committee is not None:
            duplicate = duplicate.exclude(pk=committee.pk)
        if duplicate.exists():
            raise _error("name", COMMITTEE_EXISTS, "unique")
        if committee is None:
            committee = Committee(
                name=name.strip(),
                mandate=mandate.strip(),
                established_on=established_on,
                meeting_interval_months=meeting_interval_months,
                created_by=actor,
                created_at=timezone.now(),
            )
            _create(committee, actor)
        else:
            before = snapshot(committee)
            committee.name, committee.mandate = name.strip(), mandate.strip()
            committee.established_on = established_on
            committee.meeting_interval_months = meeting_interval_months
            _update(committee, actor, before)
    return committee


def committee_member_add(
    *, actor: Any, committee: Committee, person: Any, role: str, joined_on: dt.date
) -> CommitteeMember:
    _require(actor, "governance.edit")
    _active_person("person", str(_("Person")), person)
    with transaction.atomic():
        if CommitteeMember.objects.filter(
            committee=committee, person=person, role=role, left_on__isnull=True
        ).exists():
            raise _error(
                "person",
                MEMBER_ALREADY,
                "duplicate",
                person=str(person),
                role=str(CommitteeMember.Role(role).label),
            )
        member = CommitteeMember(committee=committee, person=person, role=role, joined_on=joined_on)
        _create(member, actor)
    return member


def committee_member_end(*, actor: Any, member: CommitteeMember, left_on: dt.date) -> None:
    _require(actor, "governance.edit")
    if left_on < member.joined_on:
        raise _error("left_on", MEMBER_LEFT_BEFORE_JOINED, "order")
    with transaction.atomic():
        before = snapshot(member)
        member.left_on = left_on
        _update(member, actor, before)


def meeting_save(
    *,
    actor: Any,
    committee: Committee,
    title: str,
    held_on: dt.date,
    agenda: str,
    minutes: str = "",
    attendees: Iterable[Any] = (),
    meeting: Meeting | None = None,
) -> Meeting:
    _require(actor, "governance.edit")
    agenda = _required_text("agenda", str(_("Agenda")), agenda)
    if minutes.strip() and held_on > today():
        raise _error("minutes", MINUTES_FOR_FUTURE, "future")
    attendees = list(attendees)
    with transaction.atomic():
        if meeting is None:
            meeting = Meeting(
                committee=committee,
                title=title.strip(),
                held_on=held_on,
                agenda=agenda,
                minutes=minutes.strip(),
                recorded_by=actor,
                recorded_at=timezone.now(),
            )
            meeting.full_clean()
            meeting.save()
            meeting.attendees.set(attendees)
            after = snapshot(meeting)
            after["attendees"] = sorted(p.username for p in attendees)
            record_event(actor=actor, action=Action.CREATE, obj=meeting, after=after)
        else:
            before = snapshot(meeting)
            before["attendees"] = sorted(p.username for p in meeting.attendees.all())
            meeting.title, meeting.held_on = title.strip(), held_on
            meeting.agenda, meeting.minutes = agenda, minutes.strip()
            meeting.full_clean()
            meeting.save()
            meeting.attendees.set(attendees)
            after = snapshot(meeting)
            after["attendees"] = sorted(p.username for p in attendees)
            record_event(actor=actor, action=Action.UPDATE, obj=meeting, before=before, after=after)
    return meeting


def _held(meeting: Meeting) -> None:
    if meeting.held_on > today():
        raise _error("meeting", MEETING_NOT_HELD, "not_held")


def decision_add(*, actor: Any, meeting: Meeting, text: str) -> Decision:
    _require(actor, "governance.edit")
    _held(meeting)
    text = _required_text("text", str(_("Decision")), text)
    with transaction.atomic():
        Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
        number = (meeting.decisions.aggregate(n=models.Max("number"))["n"] or 0) + 1
        decision = Decision(
            meeting=meeting,
            number=number,
            text=text,
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        _create(decision, actor)
    return decision


def action_add(
    *,
    actor: Any,
    meeting: Meeting,
    title: str,
    owner: Any,
    due_on: dt.date,
    decision: Decision | None = None,
) -> ActionItem:
    _require(actor, "governance.edit")
    _held(meeting)
    title = _required_text("title", str(_("Follow-up action")), title)
    _active_person("owner", str(_("Owner")), owner)
    if due_on < meeting.held_on:
        raise _error(
            "due_on", ACTION_DUE_BEFORE_MEETING, "order", date=f"{meeting.held_on:%Y-%m-%d}"
        )
    if decision is not None and decision.meeting_id != meeting.pk:
        raise _error("decision", DECISION_OTHER_MEETING, "other_meeting")
    with transaction.atomic():
        action = ActionItem(
            meeting=meeting,
            decision=decision,
            title=title,
            owner=owner,
            due_on=due_on,
            created_by=actor,
            created_at=timezone.now(),
        )
        _create(action, actor)
    return action


def action_close(
    *, actor: Any, action: ActionItem, status: str, closed_on: dt.date, note: str = ""
) -> ActionItem:
    _require(actor, "governance.edit")
    if action.status != ActionItem.Status.OPEN:
        raise WorkflowError(
            ACTION_NOT_OPEN, code="closed", params={"status": action.get_status_display()}
        )
    if status not in {ActionItem.Status.DONE, ActionItem.Status.CANCELLED}:
        raise _error("status", CLOSE_STATUS, "invalid")
    if status == ActionItem.Status.CANCELLED and not note.strip():
        raise _error("closing_note", CANCEL_NEEDS_NOTE, "required")
    _not_future("closed_on", str(_("Closed on")), closed_on)
    created = timezone.localdate(action.created_at)
    if closed_on < min(created, action.meeting.held_on):
        raise _error("closed_on", CLOSED_BEFORE_CREATED, "order", date=f"{created:%Y-%m-%d}")
    with transaction.atomic():
        before = snapshot(action)
        action.status, action.closed_on, action.closing_note = status, closed_on, note.strip()
        _update(action, actor, before)
    return action


def _matrix_clean_cells(cells: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    duty_ids = {n.id for n in manual.duties()}
    return {
        duty: {unit: letters for unit, letters in row.items() if letters}
        for duty, row in cells.items()
        if duty in duty_ids
    }


def matrix_create(
    *, actor: Any, title: str, cells: Mapping[str, Mapping[str, str]], note: str = ""
) -> ResponsibilityMatrix:
    _require(actor, "governance.edit")
    unit = _actor_unit(actor)
    with transaction.atomic():
        if ResponsibilityMatrix.objects.exists():
            raise WorkflowError(MATRIX_EXISTS, code="exists")
        matrix = ResponsibilityMatrix(
            title=title.strip(),
            cells=_matrix_clean_cells(cells),
            note=note.strip(),
            unit=unit,
            prepared_by=actor,
            prepared_at=timezone.now(),
        )
        _create(matrix, actor)
    return matrix


def matrix_update(
    *,
    actor: Any,
    matrix: ResponsibilityMatrix,
    title: str,
    cells: Mapping[str, Mapping[str, str]],
    note: str,
) -> ResponsibilityMatrix:
    _require(actor, "governance.edit")
    with transaction.atomic():
        matrix = _locked_editable(matrix)
        before = snapshot(matrix)
        matrix.title, matrix.note = title.strip(), note.strip()
        matrix.cells = _matrix_clean_cells(cells)
        _update(matrix, actor, before)
    return matrix


def matrix_problem_messages(matrix: ResponsibilityMatrix) -> list[str]:
    from fincloud.governance.labels import short_duty
    from fincloud.people.models import BusinessUnit

    units = {str(u.code): u for u in BusinessUnit.objects.all()}
    duties = {n.id: n for n in manual.duties()}
    out = []
    for problem in raci.problems(matrix.cells, list(duties), list(units)):
        duty = f"{item_letter(problem.duty_id)} {short_duty(duties[problem.duty_id])}"
        names = ", ".join(str(units[u]) for u in problem.units)
        if problem.code == "bad_letter":
            for u in problem.units:
                out.append(
                    str(MATRIX_LETTER)
                    % {"duty": duty, "unit": units[u], "letter": matrix.cells[problem.duty_id][u]}
                )
        elif problem.code == "no_accountable":
            out.append(str(MATRIX_NO_A) % {"duty": duty})
        elif problem.code == "many_accountable":
            out.append(str(MATRIX_MANY_A) % {"duty": duty, "units": names})
        else:
            out.append(str(MATRIX_NO_R) % {"duty": duty})
    return out


def matrix_new_version(*, actor: Any, matrix: ResponsibilityMatrix) -> ResponsibilityMatrix:
    _require(actor, "governance.edit")
    return _new_version(matrix, actor)


def matrix_submit(*, actor: Any, matrix: ResponsibilityMatrix) -> ResponsibilityMatrix:
    _require(actor, "governance.edit")
    with transaction.atomic():
        matrix = ResponsibilityMatrix.objects.select_for_update().get(pk=matrix.pk)
        problems = matrix_problem_messages(matrix)
        if problems:
            raise WorkflowError(problems, code="incomplete")
        return record_submit(record=matrix, actor=actor)


# === 3. Segregation of duties =============================================================


class SodConflictError(ValidationError):
    """An assignment refused because of Ch 1.4 conflicts; ``conflicts`` lists them."""

    def __init__(self, messages: list[str], conflicts: list[sod.Conflict]) -> None:
        super().__init__({"activity": messages}, code="sod_conflict")
        self.conflicts = conflicts


def sod_rules() -> tuple[sod.SodRule, ...]:
    return sod.rules_from_nodes(manual.sod_items())


def service_label(service: Any) -> str:
    return str(ALL_SERVICES_LABEL) if service is None else str(service)


def _service_key(service_id: Any) -> str | None:
    return None if service_id is None else str(service_id)


def as_sod_assignment(a: DutyAssignment) -> sod.Assignment:
    return sod.Assignment(
        key=str(a.code),
        person=str(a.person_id),
        activity=a.activity,
        service=_service_key(a.service_id),
    )


def active_assignments(person: Any = None, on: dt.date | None = None) -> models.QuerySet[Any]:
    on = on or today()
    qs = DutyAssignment.objects.filter(models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=on))
    if person is not None:
        qs = qs.filter(person=person)
    return qs


def _validate_activity(activity: str, duty_id: str) -> None:
    if activity not in sod.activity_names(sod_rules()):
        raise _error("activity", ACTIVITY_UNKNOWN, "unknown", activity=activity)
    if duty_id and duty_id not in {n.id for n in manual.duties()}:
        raise _error("duty_id", DUTY_UNKNOWN, "unknown", duty=duty_id)


def conflicts_for(*, person: Any, activity: str, service: Any = None) -> list[sod.Conflict]:
    existing = [as_sod_assignment(a) for a in active_assignments(person)]
    candidate = sod.Assignment(
        key="new",
        person=str(person.pk),
        activity=activity,
        service=_service_key(service.pk if service is not None else None),
    )
    return sod.conflicts_of(candidate, existing, sod_rules())


def _services_named(conflicts: list[sod.Conflict]) -> dict[str | None, str]:
    from fincloud.register.models import CloudService

    keys = {c.service for c in conflicts if c.service is not None}
    names: dict[str | None, str] = {None: str(ALL_SERVICES_LABEL)}
    for svc in CloudService.objects.filter(pk__in=keys):
        names[str(svc.pk)] = str(svc)
    return names


def _conflict_messages(person: Any, conflicts: list[sod.Conflict]) -> list[str]:
    names = _services_named(conflicts)
    return [
        str(SOD_CONFLICT)
        % {
            "letter": item_letter(c.rule.item_id),
            "person": str(person),
            "other": activity_label(c.first.activity),
            "activity": activity_label(c.second.activity),
            "services": names.get(c.service, str(c.service)),
        }
        for c in conflicts
    ]


def assignment_create(
    *,
    actor: Any,
    person: Any,
    activity: str,
    starts_on: dt.date,
    duty_id: str = "",
    service: Any = None,
) -> DutyAssignment:
    """Assign a person to an activity for one cloud service or (no service) for all of them;
    refused (SodConflictError) if it conflicts with their other assignments (Ch 1.4)."""
    _require(actor, "governance.edit")
    _active_person("person", str(_("Person")), person)
    _validate_activity(activity, duty_id)
    with transaction.atomic():
        # Serialise assignments of one person so two requests cannot slip past each other.
        type(person)._default_manager.select_for_update().filter(pk=person.pk).first()
        if active_assignments(person).filter(activity=activity, service=service).exists():
            raise _error(
                "activity",
                ASSIGNMENT_DUPLICATE,
                "duplicate",
                person=str(person),
                activity=activity_label(activity),
                services=service_label(service),
            )
        conflicts = conflicts_for(person=person, activity=activity, service=service)
        if conflicts:
            raise SodConflictError(_conflict_messages(person, conflicts), conflicts)
        assignment = DutyAssignment(
            person=person,
            activity=activity,
            duty_id=duty_id,
            service=service,
            starts_on=starts_on,
            assigned_by=actor,
            assigned_at=timezone.now(),
        )
        _create(assignment, actor)
    return assignment


def assignment_end(*, actor: Any, assignment: DutyAssignment, ends_on: dt.date) -> None:
    _require(actor, "governance.edit")
    if assignment.ends_on is not None and assignment.ends_on < today():
        raise WorkflowError(ASSIGNMENT_ENDED, code="ended")
    if ends_on < assignment.starts_on:
        raise _error("ends_on", ENDS_BEFORE_START, "order", date=f"{assignment.starts_on:%Y-%m-%d}")
    with transaction.atomic():
        before = snapshot(assignment)
        assignment.ends_on = ends_on
        _update(assignment, actor, before)


def sod_exception_request(
    *,
    actor: Any,
    person: Any,
    activity: str,
    starts_on: dt.date,
    reason: str,
    mitigating_control: str,
    review_by: dt.date,
    duty_id: str = "",
    service: Any = None,
) -> SodException:
    """Ask an approver to accept a conflicting assignment (draft; submit it next)."""
    _require(actor, "governance.edit")
    _active_person("person", str(_("Person")), person)
    _validate_activity(activity, duty_id)
    reason = _required_text("reason", str(_("Reason")), reason)
    mitigating_control = _required_text(
        "mitigating_control", str(_("Mitigating control")), mitigating_control
    )
    if review_by <= today():
        raise _error("review_by", REVIEW_BY_FUTURE, "future")
    if person.unit_id is None:
        raise _error("person", ACTOR_WITHOUT_UNIT, "no_unit")
    conflicts = conflicts_for(person=person, activity=activity, service=service)
    if not conflicts:
        raise _error("activity", NO_CONFLICT, "no_conflict")
    with transaction.atomic():
        exception = SodException(
            person=person,
            activity=activity,
            duty_id=duty_id,
            service=service,
            starts_on=starts_on,
            conflicts=[
                {
                    "rule": c.rule.item_id,
                    "activity": c.first.activity,
                    "assignment": c.first.key,
                }
                for c in conflicts
            ],
            reason=reason,
            mitigating_control=mitigating_control,
            review_by=review_by,
            unit=person.unit,
            prepared_by=actor,
            prepared_at=timezone.now(),
        )
        _create(exception, actor)
    return exception


def sod_exception_carry_out(*, exception: SodException, actor: Any) -> DutyAssignment:
    """Run inside the approval: the approver is not the person concerned, the conflicts are
    still the ones accepted, and the assignment is made under the exception."""
    if exception.person_id == actor.pk:
        raise WorkflowError(APPROVER_IS_PERSON, code="sod_self_exception")
    accepted = {c["assignment"] for c in exception.conflicts}
    for conflict in conflicts_for(
        person=exception.person, activity=exception.activity, service=exception.service
    ):
        if conflict.first.key not in accepted:
            raise WorkflowError(
                NEW_CONFLICT_SINCE,
                code="new_conflict",
                params={
                    "person": str(exception.person),
                    "other": activity_label(conflict.first.activity),
                },
            )
    assignment = DutyAssignment(
        person=exception.person,
        activity=exception.activity,
        duty_id=exception.duty_id,
        service=exception.service,
        starts_on=exception.starts_on,
        exception=exception,
        assigned_by=actor,
        assigned_at=timezone.now(),
    )
    _create(assignment, actor)
    return assignment


# === 4. Mechanisms ========================================================================


@dataclass(frozen=True)
class MechanismKind:
    key: str
    model: type[Mechanism]
    label: Any
    checklist_item: str  # the Annex 2 row it answers


MECHANISMS: dict[str, MechanismKind] = {
    "risk": MechanismKind("risk", RiskMechanism, _("Risk-assessment mechanism"), "a2.daily.1.3"),
    "monitoring": MechanismKind(
        "monitoring", MonitoringMechanism, _("Monitoring mechanism"), "a2.daily.1.4"
    ),
    "exit": MechanismKind("exit", ExitStrategy, _("Exit strategy"), "a2.daily.1.5"),
}
DELETION_METHOD_CHOICES = (
    ("overwrite", _("Electronic overwriting")),
    ("crypto_erase", _("Cryptographic erasure")),
)


def mechanism_items(kind: str) -> tuple[Any, ...]:
    if kind == "risk":
        return manual.risk_mechanism_items()
    if kind == "monitoring":
        return manual.monitoring_items()
    return manual.exit_items()


def answer_field(node_id: str) -> str:
    return "answer_" + node_id.replace(".", "_")


def mechanism_kind_of(record: Mechanism) -> str:
    return next(k for k, spec in MECHANISMS.items() if isinstance(record, spec.model))


def _mechanism_fields(kind: str, fields: dict[str, Any]) -> dict[str, Any]:
    items = {n.id for n in mechanism_items(kind)}
    answers = {k: str(v).strip() for k, v in (fields.get("answers") or {}).items() if k in items}
    out = {**fields, "answers": answers}
    for key in ("title", "summary", "reports_to"):
        if key in out and isinstance(out[key], str):
            out[key] = out[key].strip()
    if kind == "risk":
        for key in ("likelihood_levels", "impact_levels"):
            out[key] = [str(x).strip() for x in out.get(key) or [] if str(x).strip()]
            if not 2 <= len(out[key]) <= 10:
                label = _("Likelihood levels") if key == "likelihood_levels" else _("Impact levels")
                raise _error(key, LEVELS_RANGE, "levels", field=str(label))
        top = len(out["likelihood_levels"]) * len(out["impact_levels"])
        threshold = out.get("acceptance_threshold")
        if threshold is None or not 1 <= int(threshold) < top:
            raise _error("acceptance_threshold", THRESHOLD_RANGE, "range", max=top - 1)
        known = {n.id for n in manual.risk_assessment_items()}
        out["covered_items"] = [i for i in out.get("covered_items") or [] if i in known]
    if kind == "exit":
        methods = [
            m for m in out.get("deletion_methods") or [] if m in dict(DELETION_METHOD_CHOICES)
        ]
        if not methods:
            raise _error("deletion_methods", DELETION_METHODS, "required")
        out["deletion_methods"] = methods
    return out


def mechanism_create(*, actor: Any, kind: str, **fields: Any) -> Mechanism:
    _require(actor, "governance.edit")
    spec = MECHANISMS[kind]
    unit = _actor_unit(actor)
    values = _mechanism_fields(kind, fields)
    with transaction.atomic():
        if spec.model._default_manager.exists():
            raise WorkflowError(MECHANISM_EXISTS, code="exists", params={"kind": str(spec.label)})
        record = spec.model(**values, unit=unit, prepared_by=actor, prepared_at=timezone.now())
        _create(record, actor)
    return record


def mechanism_update(*, actor: Any, record: Mechanism, **fields: Any) -> Mechanism:
    _require(actor, "governance.edit")
    values = _mechanism_fields(mechanism_kind_of(record), fields)
    with transaction.atomic():
        record = _locked_editable(record)
        before = snapshot(record)
        for key, value in values.items():
            setattr(record, key, value)
        _update(record, actor, before)
    return record


def mechanism_problem_messages(record: Mechanism) -> list[str]:
    from fincloud.governance.labels import node_text

    kind = mechanism_kind_of(record)
    out = []
    for node in mechanism_items(kind):
        if not str(record.answers.get(node.id, "")).strip():
            label = f"{node.id} {node_text(node)[:40]}"
            out.append(str(ANSWER_MISSING) % {"item": label})
    if isinstance(record, RiskMechanism):
        missing = [
            item_letter(n.id)
            for n in manual.risk_assessment_items()
            if n.id not in record.covered_items
        ]
        if missing:
            out.append(str(RISK_ITEMS_MISSING) % {"items": " ".join(missing)})
    return out


def mechanism_submit(*, actor: Any, record: Mechanism) -> Mechanism:
    _require(actor, "governance.edit")
    with transaction.atomic():
        record = type(record)._default_manager.select_for_update().get(pk=record.pk)
        problems = mechanism_problem_messages(record)
        if problems:
            raise WorkflowError(problems, code="incomplete")
        return record_submit(record=record, actor=actor)


def mechanism_new_version(*, actor: Any, record: Mechanism) -> Mechanism:
    _require(actor, "governance.edit")
    return _new_version(record, actor)


# === 5. Training ==========================================================================


def training_due_days() -> int:
    return int(getattr(settings, "FINCLOUD_TRAINING_DUE_DAYS", 90))


def completions(person: Any) -> dict[str, Attendance]:
    """The best valid completion per topic: attended and passed, not expired (the one valid
    longest, no end date first)."""
    best: dict[str, Attendance] = {}
    rows = Attendance.objects.filter(person=person, status=Attendance.Status.ATTENDED)
    now = today()
    for att in rows.select_related("session__course"):
        if not att.passed():
            continue
        if (
            training_rules.completion_state(att.valid_until, now)
            == training_rules.Completion.EXPIRED
        ):
            continue
        for topic in att.session.course.topics:
            current = best.get(topic)
            if current is None or _longer(att.valid_until, current.valid_until):
                best[topic] = att
    return best


def _longer(a: dt.date | None, b: dt.date | None) -> bool:
    if a is None:
        return b is not None
    return b is not None and a > b


def training_profile_ensure(person: Any, reason: str) -> TrainingProfile:
    """The person's profile, created with a group proposed from their unit if missing."""
    profile = TrainingProfile.objects.filter(person=person).first()
    if profile is not None:
        return profile
    unit_kind = person.unit.kind if person.unit_id else None
    profile = TrainingProfile(
        person=person,
        group=training_rules.propose_group(unit_kind) or "",
        group_confirmed=False,
        last_change=reason,
        last_change_on=today(),
    )
    profile.save()
    record_event(actor=None, action=Action.CREATE, obj=profile, after=snapshot(profile))
    return profile


def training_on_new_hire(person: Any) -> TrainingProfile | None:
    """Ch 4.1: a new hire's training needs follow at once (called from the post_save signal).
    People without a business unit (an external examiner) are not the institution's staff and
    get no training needs; they do once they are given a unit."""
    if person.unit_id is None:
        return None
    with transaction.atomic():
        profile = training_profile_ensure(person, TrainingProfile.Change.NEW_HIRE)
        training_needs_refresh(person=person, reason=TrainingProfile.Change.NEW_HIRE)
    return profile


def training_on_move(person: Any, reason: str) -> TrainingProfile | None:
    """Ch 4.1: someone moving to a new unit or role gets the new role's needs. A group that was
    only proposed follows the new unit; a confirmed group stays, but is flagged for the
    governance officer to confirm again."""
    if person.unit_id is None and not TrainingProfile.objects.filter(person=person).exists():
        return None
    with transaction.atomic():
        profile = training_profile_ensure(person, reason)
        before = snapshot(profile)
        proposed = training_rules.propose_group(person.unit.kind if person.unit_id else None)
        if proposed and (
            reason == TrainingProfile.Change.UNIT_CHANGE or not profile.group_confirmed
        ):
            profile.group = proposed
        profile.group_confirmed = False
        profile.last_change, profile.last_change_on = reason, today()
        profile.save()
        record_event(
            actor=None, action=Action.UPDATE, obj=profile, before=before, after=snapshot(profile)
        )
        training_needs_refresh(person=person, reason=reason)
    return profile


def training_profile_set(
    *, actor: Any, person: Any, group: str, board_member: bool
) -> TrainingProfile:
    """The governance officer maps (or confirms) a person's Ch 4.2 group."""
    _require(actor, "governance.edit")
    if group and manual.training_table().group(group) is None:
        raise _error("group", GROUP_UNKNOWN, "unknown")
    with transaction.atomic():
        profile = training_profile_ensure(person, TrainingProfile.Change.INITIAL)
        before = snapshot(profile)
        changed = profile.group != group or profile.board_member != board_member
        profile.group, profile.board_member = group, board_member
        profile.group_confirmed = bool(group)
        profile.mapped_by = actor
        if changed:
            profile.last_change = TrainingProfile.Change.GROUP_CHANGE
            profile.last_change_on = today()
        profile.save()
        record_event(
            actor=actor, action=Action.UPDATE, obj=profile, before=before, after=snapshot(profile)
        )
        training_needs_refresh(person=person, reason=TrainingProfile.Change.GROUP_CHANGE)
    return profile


def training_needs_refresh(*, person: Any, reason: str, actor: Any = None) -> list[TrainingNeed]:
    """Bring a person's stored needs in line with the table: open what is required and not
    met, mark met what a valid completion now covers, withdraw what is no longer required.
    Returns the needs opened."""
    profile = TrainingProfile.objects.filter(person=person).first()
    group = profile.group if profile else ""
    board = profile.board_member if profile else False
    required = training_rules.required_topics(
        group=group or None,
        stage=current_stage(),
        board_member=board,
        table=manual.training_table(),
    )
    done = completions(person)
    now = today()
    opened: list[TrainingNeed] = []
    with transaction.atomic():
        open_needs = {n.topic: n for n in TrainingNeed.objects.filter(person=person, status="open")}
        # Met: an open need whose topic a valid completion covers.
        for topic, need in open_needs.items():
            if topic in done:
                need.status, need.met_by, need.closed_on = TrainingNeed.Status.MET, done[topic], now
                need.save(update_fields=["status", "met_by", "closed_on"])
                record_event(
                    actor=actor,
                    action=Action.UPDATE,
                    obj=need,
                    changes={"status": ["open", "met"], "met_by": [None, str(done[topic].code)]},
                )
        still_open = {t for t in open_needs if t not in done}
        plan = training_rules.plan_needs(required, still_open, set(done))
        for topic in plan.to_withdraw:
            need = open_needs[topic]
            need.status, need.closed_on = TrainingNeed.Status.WITHDRAWN, now
            need.save(update_fields=["status", "closed_on"])
            record_event(
                actor=actor,
                action=Action.UPDATE,
                obj=need,
                changes={"status": ["open", "withdrawn"], "reason": [None, reason]},
            )
        for topic in plan.to_open:
            need = TrainingNeed.objects.create(
                person=person,
                topic=topic,
                reason=reason,
                raised_on=now,
                due_on=now + dt.timedelta(days=training_due_days()),
            )
            record_event(actor=actor, action=Action.CREATE, obj=need, after=snapshot(need))
            opened.append(need)
    return opened


def _topics_valid(topics: Iterable[str]) -> list[str]:
    from fincloud.governance.labels import topic_choices

    known = dict(topic_choices())
    topics = list(dict.fromkeys(topics))
    if not topics:
        raise _error("topics", TOPICS_REQUIRED, "required")
    for topic in topics:
        if topic not in known:
            raise _error("topics", TOPIC_UNKNOWN, "unknown", topic=topic)
    return topics


def course_save(
    *,
    actor: Any,
    title: str,
    kind: str,
    provider: str,
    delivery_mode: str,
    hours: Decimal,
    topics: Iterable[str],
    validity_months: int | None,
    pass_score: int | None,
    active: bool = True,
    course: Course | None = None,
) -> Course:
    _require(actor, "governance.edit")
    topic_list = _topics_valid(topics)
    with transaction.atomic():
        values = {
            "title": title.strip(),
            "kind": kind,
            "provider": provider.strip(),
            "delivery_mode": delivery_mode,
            "hours": hours,
            "topics": topic_list,
            "validity_months": validity_months,
            "pass_score": pass_score,
            "active": active,
        }
        if course is None:
            course = Course(**values, created_by=actor, created_at=timezone.now())
            _create(course, actor)
        else:
            before = snapshot(course)
            for key, value in values.items():
                setattr(course, key, value)
            _update(course, actor, before)
    return course


def session_create(
    *,
    actor: Any,
    course: Course,
    starts_on: dt.date,
    delivery_mode: str = "",
    trainer: str = "",
    hours: Decimal | None = None,
) -> TrainingSession:
    _require(actor, "governance.edit")
    with transaction.atomic():
        session = TrainingSession(
            course=course,
            starts_on=starts_on,
            delivery_mode=delivery_mode or course.delivery_mode,
            trainer=trainer.strip(),
            hours=hours if hours is not None else course.hours,
            created_by=actor,
            created_at=timezone.now(),
        )
        _create(session, actor)
    return session


def attendance_record(
    *,
    actor: Any,
    session: TrainingSession,
    person: Any,
    status: str,
    hours: Decimal | None = None,
    test_score: int | None = None,
    certificate_number: str = "",
    valid_until: dt.date | None = None,
) -> Attendance:
    """Enrol someone, or record that they attended (hours, test score, certificate) or not.
    A pass then meets their open needs for the course's topics."""
    _require(actor, "governance.edit")
    course = session.course
    attended = status == Attendance.Status.ATTENDED
    if test_score is not None and not attended:
        raise _error("test_score", SCORE_ONLY_ATTENDED, "not_attended")
    if attended and session.starts_on > today():
        raise _error("status", NOT_IN_FUTURE, "future", field=str(_("Session date")))
    if attended and course.pass_score is not None and test_score is None:
        raise _error("test_score", SCORE_REQUIRED, "required")
    if hours is not None and not Decimal(0) <= hours <= session.hours:
        raise _error("hours", HOURS_RANGE, "range", max=session.hours)
    if attended and hours is None:
        hours = session.hours
    passed = attended and (
        course.pass_score is None or (test_score is not None and test_score >= course.pass_score)
    )
    if passed and course.kind == Course.Kind.CERTIFICATION and not certificate_number.strip():
        raise _error("certificate_number", CERTIFICATE_REQUIRED, "required")
    if passed and valid_until is None and course.validity_months:
        from fincloud.governance.schedule import add_months

        valid_until = add_months(session.starts_on, course.validity_months)
    if valid_until is not None and valid_until <= session.starts_on:
        raise _error(
            "valid_until", VALID_UNTIL_BEFORE, "order", date=f"{session.starts_on:%Y-%m-%d}"
        )
    with transaction.atomic():
        row = Attendance.objects.filter(session=session, person=person).first()
        values = {
            "status": status,
            "hours": hours if attended else None,
            "test_score": test_score,
            "certificate_number": certificate_number.strip(),
            "valid_until": valid_until if passed else None,
            "recorded_by": actor,
            "recorded_at": timezone.now(),
        }
        if row is None:
            row = Attendance(session=session, person=person, **values)
            _create(row, actor)
        else:
            before = snapshot(row)
            for key, value in values.items():
                setattr(row, key, value)
            _update(row, actor, before)
        training_profile_ensure(person, TrainingProfile.Change.INITIAL)
        training_needs_refresh(person=person, reason=TrainingProfile.Change.INITIAL, actor=actor)
    return row


def gap_action_create(
    *,
    actor: Any,
    topic: str,
    description: str,
    owner: Any,
    due_on: dt.date,
    person: Any = None,
) -> GapAction:
    """Ch 4.2 (e): when staff lack a needed skill, act at once and record what is done."""
    _require(actor, "governance.edit")
    _topics_valid([topic])
    description = _required_text("description", str(_("Action taken")), description)
    _active_person("owner", str(_("Owner")), owner)
    with transaction.atomic():
        action = GapAction(
            person=person,
            topic=topic,
            description=description,
            owner=owner,
            due_on=due_on,
            created_by=actor,
            created_at=timezone.now(),
        )
        _create(action, actor)
    return action


def gap_action_close(*, actor: Any, action: GapAction, done_on: dt.date) -> GapAction:
    _require(actor, "governance.edit")
    if action.status != GapAction.Status.OPEN:
        raise WorkflowError(GAP_NOT_OPEN, code="closed")
    _not_future("done_on", str(_("Done on")), done_on)
    with transaction.atomic():
        before = snapshot(action)
        action.status, action.done_on = GapAction.Status.DONE, done_on
        _update(action, actor, before)
    return action


# === 6. Annex 2 checklist =================================================================


def checklist_answer(
    *,
    actor: Any,
    item_id: str,
    answer: str,
    note: str,
    upload: Any = None,
    has_system_evidence: bool = False,
) -> ChecklistAnswer:
    """Answer one 日常執行與控管 row of Annex 2, with evidence for a "met"."""
    _require(actor, "governance.edit")
    items = {n.id for n in manual.daily_checklist() if n.kind == "checklist_item"}
    if item_id not in items:
        raise _error("item_id", CHECKLIST_ITEM_UNKNOWN, "unknown", item=item_id)
    if answer not in ChecklistAnswer.Answer.values:
        raise _error("answer", REQUIRED, "invalid", field=str(_("Answer")))
    note = (note or "").strip()
    if answer in {ChecklistAnswer.Answer.PARTIAL, ChecklistAnswer.Answer.NOT_MET} and not note:
        raise _error("note", NOTE_FOR_GAP, "required")
    with transaction.atomic():
        row = ChecklistAnswer.objects.select_for_update().filter(item_id=item_id).first()
        files = evidence_for(row) if row is not None else []
        if (
            answer == ChecklistAnswer.Answer.MET
            and not has_system_evidence
            and not files
            and upload is None
        ):
            raise _error("answer", MET_NEEDS_EVIDENCE, "evidence")
        if row is None:
            row = ChecklistAnswer(
                item_id=item_id,
                answer=answer,
                note=note,
                answered_by=actor,
                answered_at=timezone.now(),
            )
            _create(row, actor)
        else:
            before = snapshot(row)
            row.answer, row.note = answer, note
            row.answered_by, row.answered_at = actor, timezone.now()
            _update(row, actor, before)
        if upload is not None:
            evidence_attach(
                actor=actor,
                owner=row,
                upload=upload,
                title=getattr(upload, "name", item_id),
                kind="checklist",
                catalog_ids=[item_id],
            )
    return row
