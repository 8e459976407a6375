"""Reads of 日常執行與控管, for this app's pages and for other apps.

Stable lookups other apps call (the per-service work refers to the institution's mechanisms):
``current_policy()``, ``current_matrix()``, ``current_risk_mechanism()``,
``current_monitoring_mechanism()``, ``current_exit_strategy()``, ``current_stage()``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from fincloud.catalog import Node
from fincloud.evidence.models import EvidenceFile
from fincloud.governance import manual, schedule, sod, training_rules
from fincloud.governance.models import (
    ActionItem,
    AdoptionStageRecord,
    Attendance,
    ChecklistAnswer,
    CloudPolicy,
    Committee,
    CommitteeMember,
    Course,
    DutyAssignment,
    ExitStrategy,
    GapAction,
    Meeting,
    MonitoringMechanism,
    PolicyReview,
    ResponsibilityMatrix,
    RiskMechanism,
    SodException,
    StrategyDocument,
    TrainingNeed,
    TrainingProfile,
    UnitProfile,
)
from fincloud.people.models import BusinessUnit, User
from fincloud.workflow.models import ApprovableRecord, State


def today() -> dt.date:
    return timezone.localdate()


def _current(model: type[ApprovableRecord]) -> Any:
    return (
        model._default_manager.filter(state=State.APPROVED)
        .select_related("unit", "prepared_by", "decided_by")
        .order_by("-version")
        .first()
    )


def current_policy() -> CloudPolicy | None:
    result: CloudPolicy | None = _current(CloudPolicy)
    return result


def current_matrix() -> ResponsibilityMatrix | None:
    result: ResponsibilityMatrix | None = _current(ResponsibilityMatrix)
    return result


def current_risk_mechanism() -> RiskMechanism | None:
    """The approved risk-assessment mechanism (Ch 2.2) every service's risk assessment uses:
    its scale (``likelihood_levels``, ``impact_levels``, ``score()``, ``acceptable()``), the
    items it assesses and how often (``review_months``)."""
    result: RiskMechanism | None = _current(RiskMechanism)
    return result


def current_monitoring_mechanism() -> MonitoringMechanism | None:
    result: MonitoringMechanism | None = _current(MonitoringMechanism)
    return result


def current_exit_strategy() -> ExitStrategy | None:
    """The approved exit strategy (Ch 8.5) every service's exit plan follows."""
    result: ExitStrategy | None = _current(ExitStrategy)
    return result


def current_stage_record() -> AdoptionStageRecord | None:
    return (
        AdoptionStageRecord.objects.select_related("recorded_by")
        .order_by("-decided_on", "-recorded_at")
        .first()
    )


def current_stage() -> str | None:
    record = current_stage_record()
    return record.stage if record else None


def versions(model: type[ApprovableRecord]) -> QuerySet[Any]:
    return model._default_manager.select_related("unit", "prepared_by", "decided_by").order_by(
        "-version"
    )


def open_draft(model: type[ApprovableRecord]) -> Any:
    return (
        model._default_manager.filter(state__in=[State.DRAFT, State.SUBMITTED, State.REJECTED])
        .order_by("-version")
        .first()
    )


# --- policy review -------------------------------------------------------------------------


@dataclass(frozen=True)
class PolicyStatus:
    policy: CloudPolicy | None
    draft: CloudPolicy | None
    last_review: PolicyReview | None
    review: schedule.ReviewState
    update: schedule.UpdateState


def _local(value: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(value) if value else None


def policy_status(on: dt.date | None = None) -> PolicyStatus:
    on = on or today()
    current = current_policy()
    first = (
        CloudPolicy.objects.filter(state__in=[State.APPROVED, State.SUPERSEDED])
        .order_by("decided_at")
        .values_list("decided_at", flat=True)
        .first()
    )
    last = PolicyReview.objects.select_related("policy", "reviewed_by").first()
    review = schedule.policy_review_state(
        first_approved_on=_local(first),
        last_review_on=last.reviewed_on if last else None,
        today=on,
        interval_months=manual.review_interval_months(),
    )
    update = schedule.policy_update_state(
        review_at=last.recorded_at if last else None,
        update_needed=bool(last and last.update_needed),
        update_due=last.update_due if last else None,
        latest_approved_at=current.decided_at if current else None,
        today=on,
    )
    return PolicyStatus(current, open_draft(CloudPolicy), last, review, update)


def strategy_documents() -> list[StrategyDocument]:
    docs = list(StrategyDocument.objects.select_related("owner").order_by("kind", "title"))
    files = _latest_files(docs)
    for doc in docs:
        doc.latest_file = files.get(str(doc.pk))  # type: ignore[attr-defined]
    return docs


def _latest_files(objs: list[Any]) -> dict[str, EvidenceFile]:
    if not objs:
        return {}
    ct = ContentType.objects.get_for_model(objs[0])
    out: dict[str, EvidenceFile] = {}
    for row in EvidenceFile.objects.filter(
        owner_type=ct, owner_id__in=[str(o.pk) for o in objs]
    ).order_by("owner_id", "-revision"):
        out.setdefault(row.owner_id, row)
    return out


# --- committee -----------------------------------------------------------------------------


ROLE_ORDER = {role: i for i, role in enumerate(CommitteeMember.Role.values)}


def committee() -> Committee | None:
    """The committee with its current members (``active_members``), chair first, in the order
    of Ch 1.4 (a)'s list."""
    found = (
        Committee.objects.prefetch_related(
            Prefetch(
                "members",
                queryset=CommitteeMember.objects.filter(left_on__isnull=True).select_related(
                    "person", "person__unit"
                ),
                to_attr="active_members",
            )
        )
        .order_by("established_on")
        .first()
    )
    if found is not None:
        found.active_members.sort(  # type: ignore[attr-defined]
            key=lambda m: (ROLE_ORDER.get(m.role, len(ROLE_ORDER)), m.joined_on)
        )
    return found


@dataclass(frozen=True)
class Composition:
    missing_senior: tuple[str, ...]
    missing_departments: tuple[str, ...]


def composition(members: list[CommitteeMember]) -> Composition:
    """Ch 1.4 (a): which of the named senior roles and departments no member covers."""
    roles = {m.role for m in members}
    return Composition(
        tuple(r for r in CommitteeMember.SENIOR if r not in roles),
        tuple(r for r in CommitteeMember.DEPARTMENTS if r not in roles),
    )


def meetings(committee_obj: Committee | None) -> QuerySet[Meeting]:
    return (
        Meeting.objects.filter(committee=committee_obj)
        .prefetch_related("attendees")
        .order_by("-held_on")
    )


def last_held_meeting(committee_obj: Committee, on: dt.date | None = None) -> Meeting | None:
    return (
        Meeting.objects.filter(committee=committee_obj, held_on__lte=on or today())
        .order_by("-held_on")
        .first()
    )


def next_meeting_due(committee_obj: Committee | None) -> dt.date | None:
    if committee_obj is None:
        return None
    last = last_held_meeting(committee_obj)
    return schedule.next_meeting_due(
        last.held_on if last else None,
        committee_obj.established_on,
        committee_obj.meeting_interval_months,
    )


def open_actions() -> QuerySet[ActionItem]:
    return (
        ActionItem.objects.filter(status=ActionItem.Status.OPEN)
        .select_related("owner", "meeting", "decision")
        .order_by("due_on")
    )


# --- units and matrix ----------------------------------------------------------------------

PROPOSED_ROLE = {
    "governance": UnitProfile.CloudRole.GOVERNANCE,
    "management": UnitProfile.CloudRole.MANAGEMENT,
    "operations": UnitProfile.CloudRole.OPERATIONS,
    "it": UnitProfile.CloudRole.OPERATIONS,
    "business": UnitProfile.CloudRole.USER,
    "security": UnitProfile.CloudRole.SECURITY,
}


def units_with_profiles() -> list[tuple[BusinessUnit, UnitProfile | None]]:
    units = BusinessUnit.objects.select_related(
        "governance_profile", "governance_profile__contact"
    ).order_by("short_name")
    return [(u, getattr(u, "governance_profile", None)) for u in units]


def governance_unit() -> BusinessUnit | None:
    profile = (
        UnitProfile.objects.filter(cloud_role=UnitProfile.CloudRole.GOVERNANCE)
        .select_related("unit")
        .first()
    )
    return profile.unit if profile else None


@dataclass
class MatrixRow:
    duty: Node
    cells: list[tuple[BusinessUnit, str]]


def matrix_rows(matrix: ResponsibilityMatrix | None) -> tuple[list[BusinessUnit], list[MatrixRow]]:
    """The duties (a)-(i) from the catalog as rows, the units as columns."""
    units = list(BusinessUnit.objects.order_by("short_name"))
    cells = matrix.cells if matrix else {}
    rows = [
        MatrixRow(duty, [(u, (cells.get(duty.id) or {}).get(str(u.code), "")) for u in units])
        for duty in manual.duties()
    ]
    # Columns only for units that hold a letter somewhere (or all units if none does yet).
    used = {str(u.code) for row in rows for u, v in row.cells if v}
    if used:
        keep = [i for i, u in enumerate(units) if str(u.code) in used]
        units = [units[i] for i in keep]
        for row in rows:
            row.cells = [row.cells[i] for i in keep]
    return units, rows


# --- segregation of duties -----------------------------------------------------------------


@dataclass
class ConflictRow:
    conflict: sod.Conflict
    person: User
    rule: Node
    first: DutyAssignment
    second: DutyAssignment
    exception: SodException | None
    accepted: bool
    review_overdue: bool

    @property
    def service(self) -> Any:
        """The cloud service both hold it for, or None for every service."""
        if self.conflict.service is None:
            return None
        for a in (self.first, self.second):
            if a.service_id is not None and str(a.service_id) == self.conflict.service:
                return a.service
        return None


def sod_report(on: dt.date | None = None) -> list[ConflictRow]:
    """Every Ch 1.4 conflict among active assignments, and whether an approver accepted it."""
    on = on or today()
    rows = list(
        DutyAssignment.objects.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .select_related("person", "person__unit", "service", "exception", "exception__decided_by")
        .order_by("assigned_at", "pk")
    )
    by_key = {str(a.code): a for a in rows}
    conflicts = sod.find_conflicts(
        [
            sod.Assignment(
                str(a.code),
                str(a.person_id),
                a.activity,
                None if a.service_id is None else str(a.service_id),
            )
            for a in rows
        ],
        sod.rules_from_nodes(manual.sod_items()),
    )
    cat = manual.catalog()
    out = []
    for c in conflicts:
        first, second = by_key[c.first.key], by_key[c.second.key]
        exception = None
        for candidate, other in ((second, first), (first, second)):
            exc = candidate.exception
            if exc is not None and exc.state in {State.APPROVED, State.SUPERSEDED}:
                if str(other.code) in {x["assignment"] for x in exc.conflicts}:
                    exception = exc
                    break
        out.append(
            ConflictRow(
                conflict=c,
                person=first.person,
                rule=cat.get(c.rule.item_id),
                first=first,
                second=second,
                exception=exception,
                accepted=exception is not None,
                review_overdue=bool(exception and exception.review_by < on),
            )
        )
    return out


def assignments(on: dt.date | None = None) -> QuerySet[DutyAssignment]:
    on = on or today()
    return (
        DutyAssignment.objects.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .select_related("person", "person__unit", "service", "exception")
        .order_by("person__username", "activity")
    )


def pending_exceptions() -> QuerySet[SodException]:
    return (
        SodException.objects.filter(state__in=[State.DRAFT, State.SUBMITTED, State.REJECTED])
        .select_related("person", "prepared_by", "unit", "service")
        .order_by("-prepared_at")
    )


# --- training ------------------------------------------------------------------------------


@dataclass
class MatrixCell:
    topic: str
    required: bool
    state: str  # not_required / missing / overdue / valid / expiring / expired
    need: TrainingNeed | None = None
    completion: Attendance | None = None


@dataclass
class PersonRow:
    person: User
    profile: TrainingProfile | None
    group: str
    cells: list[MatrixCell] = field(default_factory=list)

    @property
    def missing(self) -> int:
        return sum(1 for c in self.cells if c.state in {"missing", "overdue", "expired"})


@dataclass
class TrainingMatrix:
    stage: str | None
    topics: list[str]
    rows: list[PersonRow]

    def coverage(self) -> tuple[int, int]:
        required = [c for r in self.rows for c in r.cells if c.required]
        done = [c for c in required if c.state in {"valid", "expiring"}]
        return len(done), len(required)


def _completions_by_person(person_ids: list[int], on: dt.date) -> dict[int, dict[str, Attendance]]:
    out: dict[int, dict[str, Attendance]] = defaultdict(dict)
    rows = Attendance.objects.filter(
        person_id__in=person_ids, status=Attendance.Status.ATTENDED
    ).select_related("session__course")
    for att in rows:
        if not att.passed():
            continue
        for topic in att.session.course.topics:
            current = out[att.person_id].get(topic)
            if current is None or _later(att.valid_until, current.valid_until):
                out[att.person_id][topic] = att
    return out


def _later(a: dt.date | None, b: dt.date | None) -> bool:
    if a is None:
        return b is not None
    return b is not None and a > b


def training_matrix(
    *,
    unit: BusinessUnit | None = None,
    group: str = "",
    stage: str | None = None,
    on: dt.date | None = None,
) -> TrainingMatrix:
    """Who needs what and who is missing or expiring what, by unit, group and stage."""
    on = on or today()
    stage = stage or current_stage()
    table = manual.training_table()
    people = User.objects.filter(is_active=True, unit__isnull=False).select_related(
        "unit", "training_profile"
    )
    if unit is not None:
        people = people.filter(unit=unit)
    if group:
        people = people.filter(training_profile__group=group)
    people_list = list(people.order_by("unit__short_name", "username"))
    ids = [p.pk for p in people_list]
    needs: dict[tuple[int, str], TrainingNeed] = {}
    for need in TrainingNeed.objects.filter(person_id__in=ids, status=TrainingNeed.Status.OPEN):
        needs[(need.person_id, need.topic)] = need
    done = _completions_by_person(ids, on)
    if stage:
        topics = list(training_rules.stage_topics(table, stage))
    else:
        topics = [training_rules.BOARD_TOPIC, training_rules.ALL_STAFF_TOPIC]
    if group:
        table_row = table.group(group)
        keep = {c.id for c in table_row.cells} if table_row else set()
        topics = [t for t in topics if t in keep or t.startswith("ch4.1.")]
    rows = []
    for person in people_list:
        profile = getattr(person, "training_profile", None)
        required = set(
            training_rules.required_topics(
                group=(profile.group if profile else "") or None,
                stage=stage,
                board_member=bool(profile and profile.board_member),
                table=table,
            )
        )
        row = PersonRow(person, profile, profile.group if profile else "")
        for topic in topics:
            completion = done.get(person.pk, {}).get(topic)
            open_need = needs.get((person.pk, topic))
            if completion is not None:
                state = training_rules.completion_state(completion.valid_until, on).value
            elif topic not in required:
                state = "not_required"
            elif open_need is not None and open_need.due_on < on:
                state = "overdue"
            else:
                state = "missing"
            row.cells.append(MatrixCell(topic, topic in required, state, open_need, completion))
        rows.append(row)
    return TrainingMatrix(stage, topics, rows)


@dataclass(frozen=True)
class CoverageLine:
    key: str
    label: str
    done: int
    required: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.required) if self.required else 100


def coverage_by(matrix: TrainingMatrix, by: str) -> list[CoverageLine]:
    """Coverage per unit ("unit") or per group ("group")."""
    from fincloud.governance.labels import group_label

    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    labels: dict[str, str] = {}
    for row in matrix.rows:
        if by == "unit":
            key = row.person.unit.short_name if row.person.unit else ""
            labels[key] = str(row.person.unit) if row.person.unit else "—"
        else:
            key = row.group
            labels[key] = group_label(key)
        for cell in row.cells:
            if cell.required:
                totals[key][1] += 1
                if cell.state in {"valid", "expiring"}:
                    totals[key][0] += 1
    return [CoverageLine(k, labels[k], v[0], v[1]) for k, v in sorted(totals.items())]


def person_training(person: User) -> dict[str, Any]:
    profile = TrainingProfile.objects.filter(person=person).first()
    needs = (
        TrainingNeed.objects.filter(person=person)
        .select_related("met_by__session__course")
        .order_by("status", "due_on")
    )
    attendance = (
        Attendance.objects.filter(person=person)
        .select_related("session__course")
        .order_by("-session__starts_on")
    )
    rows = list(attendance)
    year_ago = today() - dt.timedelta(days=365)
    attended = [
        (a.session.starts_on, a.hours)
        for a in rows
        if a.status == Attendance.Status.ATTENDED and a.hours is not None
    ]
    return {
        "profile": profile,
        "needs": list(needs),
        "attendance": rows,
        "hours_total": sum((h for _d, h in attended), Decimal(0)),
        "hours_year": sum((h for d, h in attended if d >= year_ago), Decimal(0)),
    }


def course_effectiveness(course: Course) -> dict[str, Any]:
    """Ch 4.2 (f): how those trained did on the test."""
    rows = list(
        Attendance.objects.filter(
            session__course=course, status=Attendance.Status.ATTENDED
        ).select_related("session__course", "person")
    )
    scored = [a.test_score for a in rows if a.test_score is not None]
    passed = sum(1 for a in rows if a.passed())
    return {
        "attended": len(rows),
        "tested": len(scored),
        "average": round(sum(scored) / len(scored), 1) if scored else None,
        "passed": passed,
        "pass_rate": round(100 * passed / len(rows)) if rows else None,
        "failed": [a for a in rows if not a.passed()],
    }


@dataclass
class Gap:
    kind: str  # overdue_need / failed_test / expired / no_course / unmapped
    person: User | None
    topic: str
    detail: str
    action: GapAction | None


def training_gaps(on: dt.date | None = None) -> list[Gap]:
    """Ch 4.2 (e): missing skills, and whether each is being acted on."""
    on = on or today()
    actions = list(
        GapAction.objects.filter(status=GapAction.Status.OPEN).select_related("owner", "person")
    )

    def action_for(person: User | None, topic: str) -> GapAction | None:
        for a in actions:
            if a.topic == topic and (
                a.person_id is None or person is None or a.person_id == person.pk
            ):
                return a
        return None

    gaps: list[Gap] = []
    for need in TrainingNeed.objects.filter(
        status=TrainingNeed.Status.OPEN, due_on__lt=on
    ).select_related("person"):
        gaps.append(
            Gap(
                "overdue_need",
                need.person,
                need.topic,
                f"{need.due_on:%Y-%m-%d}",
                action_for(need.person, need.topic),
            )
        )
    for att in Attendance.objects.filter(
        status=Attendance.Status.ATTENDED, session__course__pass_score__isnull=False
    ).select_related("person", "session__course"):
        if not att.passed():
            for topic in att.session.course.topics:
                gaps.append(
                    Gap(
                        "failed_test",
                        att.person,
                        topic,
                        f"{att.session.course}: {att.test_score}/{att.session.course.pass_score}",
                        action_for(att.person, topic),
                    )
                )
    offered = {t for c in Course.objects.filter(active=True) for t in c.topics}
    required = set(
        TrainingNeed.objects.filter(status=TrainingNeed.Status.OPEN).values_list("topic", flat=True)
    )
    for topic in sorted(required - offered):
        gaps.append(Gap("no_course", None, topic, "", action_for(None, topic)))
    for profile in TrainingProfile.objects.filter(
        Q(group="") | Q(group_confirmed=False), person__is_active=True
    ).select_related("person"):
        gaps.append(Gap("unmapped", profile.person, "", profile.get_last_change_display(), None))
    return gaps


def expiring_certificates(on: dt.date | None = None, days: int = 60) -> list[Attendance]:
    on = on or today()
    return list(
        Attendance.objects.filter(
            valid_until__isnull=False,
            valid_until__gte=on,
            valid_until__lte=on + dt.timedelta(days=days),
        )
        .select_related("person", "session__course")
        .order_by("valid_until")
    )


# --- Annex 2 checklist ---------------------------------------------------------------------


@dataclass
class SystemEvidence:
    label: str
    url: str
    ok: bool


@dataclass
class ChecklistRow:
    node: Node
    answer: ChecklistAnswer | None
    files: list[EvidenceFile]
    system: list[SystemEvidence]

    @property
    def has_system_evidence(self) -> bool:
        return any(s.ok for s in self.system)


def system_evidence() -> dict[str, list[SystemEvidence]]:
    """What this app itself holds for an Annex 2 row (approved records count as evidence)."""
    from django.urls import reverse

    from fincloud.governance.labels import node_text

    def entry(record: Any, url: str) -> SystemEvidence:
        return SystemEvidence(
            f"{record.workflow_type_label} v{record.version} · {record.get_state_display()}",
            url,
            record.state == State.APPROVED,
        )

    out: dict[str, list[SystemEvidence]] = defaultdict(list)
    latest: dict[str, tuple[type[Any], str]] = {
        "a2.daily.1.1": (CloudPolicy, "governance:policy_detail"),
        "a2.daily.1.2": (ResponsibilityMatrix, "governance:matrix_detail"),
        "a2.daily.1.3": (RiskMechanism, "governance:mechanism_detail"),
        "a2.daily.1.4": (MonitoringMechanism, "governance:mechanism_detail"),
        "a2.daily.1.5": (ExitStrategy, "governance:mechanism_detail"),
    }
    kinds: dict[type[Any], str] = {
        RiskMechanism: "risk",
        MonitoringMechanism: "monitoring",
        ExitStrategy: "exit",
    }
    for item, (model, url_name) in latest.items():
        record = _current(model) or model._default_manager.order_by("-version").first()
        if record is None:
            continue
        kwargs: dict[str, Any] = {"code": record.code}
        if model in kinds:
            kwargs["kind"] = kinds[model]
        out[item].append(entry(record, reverse(url_name, kwargs=kwargs)))
    if UnitProfile.objects.filter(cloud_role=UnitProfile.CloudRole.GOVERNANCE).exists():
        out["a2.daily.1.2"].append(
            SystemEvidence(node_text("ch1.4"), reverse("governance:committee"), True)
        )
    if Course.objects.filter(active=True).exists() and Attendance.objects.exists():
        out["a2.daily.2.1"].append(
            SystemEvidence(node_text("ch4"), reverse("governance:training"), True)
        )
    return out


def checklist_rows() -> list[ChecklistRow]:
    answers = {a.item_id: a for a in ChecklistAnswer.objects.select_related("answered_by")}
    files: dict[str, list[EvidenceFile]] = defaultdict(list)
    if answers:
        ct = ContentType.objects.get_for_model(ChecklistAnswer)
        by_pk = {str(a.pk): a.item_id for a in answers.values()}
        seen: set[Any] = set()
        for f in EvidenceFile.objects.filter(owner_type=ct, owner_id__in=list(by_pk)).order_by(
            "document_code", "-revision"
        ):
            if f.document_code not in seen:
                seen.add(f.document_code)
                files[by_pk[f.owner_id]].append(f)
    system = system_evidence()
    return [
        ChecklistRow(node, answers.get(node.id), files.get(node.id, []), system.get(node.id, []))
        for node in manual.daily_checklist()
    ]
