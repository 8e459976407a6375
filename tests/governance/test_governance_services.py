"""Services of 日常執行與控管 with a database: what each writes, what each refuses (naming the
field and the rule), and that a refusal leaves nothing half-saved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from fincloud.auditlog.models import AuditEvent
from fincloud.governance import manual, schedule, selectors, services
from fincloud.governance.models import (
    ActionItem,
    AdoptionStageRecord,
    ChecklistAnswer,
    CloudPolicy,
    DutyAssignment,
    PolicyReview,
    ResponsibilityMatrix,
    RiskMechanism,
    SodException,
    TrainingNeed,
)
from fincloud.workflow.models import State
from fincloud.workflow.services import WorkflowError, record_approve, record_submit

from factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _english():
    # Messages are compared in English; a page rendered earlier on this thread may have
    # left 繁體中文 active.
    with translation.override("en"):
        yield


def txt(name: str = "policy.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, "雲端服務管理政策\n".encode(), "text/plain")


def errors_of(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return {k: [str(m) for m in v] for k, v in exc.value.message_dict.items()}


def approved_policy(officer, approver, **kwargs) -> CloudPolicy:
    policy = services.policy_create(
        actor=officer, title="雲端服務管理政策", summary="一、目的", **kwargs
    )
    services.policy_attach(actor=officer, policy=policy, upload=txt())
    services.policy_submit(actor=officer, policy=policy)
    return record_approve(record=policy, actor=approver)


def all_factors(affected: bool = False) -> dict[str, services.FactorAnswer]:
    return {n.id: services.FactorAnswer(affected, "已檢視。") for n in manual.review_factors()}


# --- 1. Policy and its yearly review -----------------------------------------------------------


def test_policy_needs_its_document_before_submission(personas):
    officer = personas["governance_officer"]
    policy = services.policy_create(actor=officer, title="雲端服務管理政策", summary="一、目的")
    with pytest.raises(WorkflowError) as exc:
        services.policy_submit(actor=officer, policy=policy)
    assert exc.value.messages == [str(services.POLICY_NEEDS_DOCUMENT)]
    policy.refresh_from_db()
    assert policy.state == State.DRAFT


def test_policy_versions_supersede_and_only_one_series(personas):
    officer, approver = personas["governance_officer"], personas["approver"]
    first = approved_policy(officer, approver)
    with pytest.raises(WorkflowError):
        services.policy_create(actor=officer, title="另一份政策", summary="x")
    second = services.policy_new_version(actor=officer, policy=first)
    assert second.version == 2 and second.state == State.DRAFT
    with pytest.raises(WorkflowError) as exc:
        services.policy_new_version(actor=officer, policy=first)
    assert "v2" in exc.value.messages[0]
    # The approved version is frozen: its document cannot be changed.
    with pytest.raises(WorkflowError):
        services.policy_attach(actor=officer, policy=first, upload=txt("v1b.txt"))
    services.policy_attach(actor=officer, policy=second, upload=txt("v2.txt"))
    services.policy_submit(actor=officer, policy=second)
    record_approve(record=second, actor=approver)
    first.refresh_from_db()
    assert first.state == State.SUPERSEDED
    assert selectors.current_policy().pk == second.pk


def test_preparer_cannot_approve_their_own_policy(personas):
    officer = personas["governance_officer"]
    policy = services.policy_create(actor=officer, title="雲端服務管理政策", summary="一、目的")
    services.policy_attach(actor=officer, policy=policy, upload=txt())
    services.policy_submit(actor=officer, policy=policy)
    with pytest.raises(WorkflowError):
        record_approve(record=policy, actor=officer)


def test_review_answers_every_factor(personas):
    officer, approver = personas["governance_officer"], personas["approver"]
    policy = approved_policy(officer, approver)
    answers = all_factors()
    answers["ch1.3.c"] = services.FactorAnswer(None, "")  # (c) left unanswered
    answers["ch1.3.e"] = services.FactorAnswer(False, "  ")  # (e) answered without a finding
    with pytest.raises(ValidationError) as exc:
        services.policy_review_record(
            actor=officer,
            policy=policy,
            reviewed_on=TODAY,
            answers=answers,
            update_needed=False,
            update_due=None,
            conclusion="妥適",
        )
    errors = errors_of(exc)
    assert set(errors) == {"factor_ch1_3_c", "factor_ch1_3_e"}
    assert "(c)" in errors["factor_ch1_3_c"][0] and "Ch 1.3" in errors["factor_ch1_3_c"][0]
    assert not PolicyReview.objects.exists()  # nothing half-saved


def test_an_affecting_factor_needs_an_update_with_a_date(personas):
    officer, approver = personas["governance_officer"], personas["approver"]
    policy = approved_policy(officer, approver)
    answers = all_factors()
    answers["ch1.3.c"] = services.FactorAnswer(True, "主管機關修正自律規範。")
    kwargs = {"actor": officer, "policy": policy, "reviewed_on": TODAY, "conclusion": "需修正"}
    with pytest.raises(ValidationError) as exc:
        services.policy_review_record(
            answers=answers, update_needed=False, update_due=None, **kwargs
        )
    assert list(errors_of(exc)) == ["update_needed"]
    assert "(c)" in errors_of(exc)["update_needed"][0]
    with pytest.raises(ValidationError) as exc:
        services.policy_review_record(
            answers=answers, update_needed=True, update_due=None, **kwargs
        )
    assert errors_of(exc) == {"update_due": [str(services.UPDATE_DUE_REQUIRED)]}
    with pytest.raises(ValidationError) as exc:
        services.policy_review_record(
            answers=answers, update_needed=True, update_due=TODAY, **kwargs
        )
    assert errors_of(exc) == {"update_due": [str(services.UPDATE_DUE_AFTER_REVIEW)]}
    review = services.policy_review_record(
        answers=answers, update_needed=True, update_due=TODAY + dt.timedelta(days=60), **kwargs
    )
    assert review.answers["ch1.3.c"] == {"affected": True, "note": "主管機關修正自律規範。"}
    status = selectors.policy_status(TODAY)
    assert status.update.pending and status.update.due_on == TODAY + dt.timedelta(days=60)
    # Overdue once the date passes without an approved new version.
    later = selectors.policy_status(TODAY + dt.timedelta(days=61))
    assert later.update.status.value == "overdue"


def test_review_date_rules(personas):
    officer, approver = personas["governance_officer"], personas["approver"]
    policy = approved_policy(officer, approver)
    kwargs = {
        "actor": officer,
        "policy": policy,
        "answers": all_factors(),
        "update_needed": False,
        "update_due": None,
        "conclusion": "妥適",
    }
    with pytest.raises(ValidationError) as exc:
        services.policy_review_record(reviewed_on=TODAY + dt.timedelta(days=1), **kwargs)
    assert list(errors_of(exc)) == ["reviewed_on"]
    with pytest.raises(ValidationError) as exc:
        services.policy_review_record(reviewed_on=TODAY - dt.timedelta(days=3), **kwargs)
    assert "approved" in errors_of(exc)["reviewed_on"][0]


def test_a_draft_policy_cannot_be_reviewed(personas):
    officer = personas["governance_officer"]
    policy = services.policy_create(actor=officer, title="雲端服務管理政策", summary="一、目的")
    with pytest.raises(ValidationError) as exc:
        services.policy_review_record(
            actor=officer,
            policy=policy,
            reviewed_on=TODAY,
            answers=all_factors(),
            update_needed=False,
            update_due=None,
            conclusion="x",
        )
    assert list(errors_of(exc)) == ["policy"]


def test_review_overdue_shows_on_the_due_registry(personas):
    from fincloud.web import due

    officer, approver = personas["governance_officer"], personas["approver"]
    policy = approved_policy(officer, approver)
    # Approved 400 days ago and never reviewed: the yearly review is overdue (Ch 1.3).
    long_ago = timezone.now() - dt.timedelta(days=400)
    CloudPolicy.objects.filter(pk=policy.pk).update(decided_at=long_ago)
    status = selectors.policy_status(TODAY)
    assert status.review.status.value == "overdue"
    assert status.review.due_on == timezone.localdate(long_ago).replace(
        year=timezone.localdate(long_ago).year + 1
    )
    items = due.collect(due.DueQuery(end=TODAY))
    reviews = [i for i in items if i.kind == "policy_review"]
    assert len(reviews) == 1 and reviews[0].overdue(TODAY)
    # The review is recorded: the next is a year from it, nothing overdue any more.
    services.policy_review_record(
        actor=officer,
        policy=policy,
        reviewed_on=TODAY,
        answers=all_factors(),
        update_needed=False,
        update_due=None,
        conclusion="妥適",
    )
    assert selectors.policy_status(TODAY).review.status.value == "ok"
    assert not [i for i in due.collect(due.DueQuery(end=TODAY)) if i.kind == "policy_review"]


def test_strategy_document_with_a_refused_file_saves_nothing(personas):
    from fincloud.governance.models import StrategyDocument

    officer = personas["governance_officer"]
    exe = SimpleUploadedFile("strategy.exe", b"MZ\x90\x00", "application/octet-stream")
    with pytest.raises(ValidationError) as exc:
        services.strategy_document_create(
            actor=officer,
            kind="cloud_strategy",
            title="雲端策略",
            summary="",
            owner=officer,
            upload=exe,
        )
    assert list(errors_of(exc)) == ["file"]
    assert not StrategyDocument.objects.exists()
    doc = services.strategy_document_create(
        actor=officer, kind="cloud_strategy", title="雲端策略", summary="", owner=officer
    )
    first = services.strategy_document_upload(actor=officer, document=doc, upload=txt("s1.txt"))
    second = services.strategy_document_upload(actor=officer, document=doc, upload=txt("s2.txt"))
    # Versions of one document: the second upload is revision 2 of the same document.
    assert (first.revision, second.revision) == (1, 2)
    assert first.document_code == second.document_code
    # Its owner's review date is on the due registry.
    from fincloud.web import due

    services.strategy_document_update(
        actor=officer,
        document=doc,
        title=doc.title,
        summary="",
        owner=personas["approver"],
        next_review_on=TODAY + dt.timedelta(days=10),
    )
    mine = due.collect(due.DueQuery(start=TODAY, end=TODAY + dt.timedelta(days=30)))
    assert [(i.kind, i.owner_id) for i in mine if i.kind == "strategy_review"] == [
        ("strategy_review", personas["approver"].pk)
    ]


def test_examiner_cannot_write(personas):
    with pytest.raises(ValidationError) as exc:
        services.policy_create(actor=personas["examiner"], title="x", summary="y")
    assert "governance.edit" in exc.value.messages[0]


# --- 2. Committee, units, matrix ------------------------------------------------------------------


def test_meeting_actions_and_their_rules(personas):
    officer = personas["governance_officer"]
    committee = services.committee_save(
        actor=officer,
        name="雲端治理委員會",
        mandate="全面規劃與決策",
        established_on=TODAY - dt.timedelta(days=100),
        meeting_interval_months=3,
    )
    planned = services.meeting_save(
        actor=officer,
        committee=committee,
        title="下次會議",
        held_on=TODAY + dt.timedelta(days=10),
        agenda="1. 年度檢視",
    )
    with pytest.raises(ValidationError) as exc:
        services.action_add(actor=officer, meeting=planned, title="x", owner=officer, due_on=TODAY)
    assert list(errors_of(exc)) == ["meeting"]
    with pytest.raises(ValidationError) as exc:
        services.meeting_save(
            actor=officer,
            committee=committee,
            title="未來會議",
            held_on=TODAY + dt.timedelta(days=3),
            agenda="a",
            minutes="不應有紀錄",
        )
    assert list(errors_of(exc)) == ["minutes"]
    held = services.meeting_save(
        actor=officer,
        committee=committee,
        title="第 1 次會議",
        held_on=TODAY - dt.timedelta(days=2),
        agenda="1. 政策",
        minutes="通過",
        attendees=[officer, personas["approver"]],
    )
    decision = services.decision_add(actor=officer, meeting=held, text="通過政策")
    assert decision.number == 1
    with pytest.raises(ValidationError) as exc:
        services.action_add(
            actor=officer,
            meeting=held,
            title="提出估算",
            owner=personas["sysadmin"],
            due_on=TODAY - dt.timedelta(days=5),
        )
    assert list(errors_of(exc)) == ["due_on"]
    action = services.action_add(
        actor=officer,
        meeting=held,
        title="提出估算",
        owner=personas["sysadmin"],
        due_on=TODAY - dt.timedelta(days=1),
        decision=decision,
    )
    # The action is overdue: on the due registry for its owner.
    from fincloud.web import due

    mine = due.collect(due.DueQuery(end=TODAY, user=personas["sysadmin"]))
    assert [(i.kind, i.title) for i in mine] == [("committee_action", "提出估算")]
    with pytest.raises(ValidationError) as exc:
        services.action_close(
            actor=officer, action=action, status="cancelled", closed_on=TODAY, note=""
        )
    assert list(errors_of(exc)) == ["closing_note"]
    services.action_close(actor=officer, action=action, status="done", closed_on=TODAY)
    action.refresh_from_db()
    assert action.status == ActionItem.Status.DONE and action.closed_on == TODAY
    # Next meeting: three months after the last one held (Ch 1.4 (c) regular communication).
    assert selectors.next_meeting_due(committee) == schedule.add_months(held.held_on, 3)


def test_committee_composition_names_missing_ch_1_4_roles(personas):
    officer = personas["governance_officer"]
    committee = services.committee_save(
        actor=officer,
        name="雲端治理委員會",
        mandate="m",
        established_on=TODAY,
        meeting_interval_months=3,
    )
    services.committee_member_add(
        actor=officer, committee=committee, person=personas["sysadmin"], role="cio", joined_on=TODAY
    )
    services.committee_member_add(
        actor=officer, committee=committee, person=personas["legal"], role="legal", joined_on=TODAY
    )
    with pytest.raises(ValidationError) as exc:
        services.committee_member_add(
            actor=officer,
            committee=committee,
            person=personas["legal"],
            role="legal",
            joined_on=TODAY,
        )
    assert list(errors_of(exc)) == ["person"]
    members = selectors.committee().active_members
    comp = selectors.composition(members)
    assert comp.missing_senior == ("ciso", "cto")
    assert comp.missing_departments == ("compliance", "risk", "it", "business")


def test_one_governance_unit(personas):
    officer = personas["governance_officer"]
    first, second = UnitFactory(), UnitFactory()
    services.unit_profile_save(actor=officer, unit=first, cloud_role="governance", mandate="專責")
    with pytest.raises(ValidationError) as exc:
        services.unit_profile_save(actor=officer, unit=second, cloud_role="governance", mandate="")
    assert list(errors_of(exc)) == ["cloud_role"]
    assert str(first) in errors_of(exc)["cloud_role"][0]
    assert selectors.governance_unit() == first


def test_matrix_rows_come_from_the_catalog_and_submission_needs_a_and_r(personas):
    officer, approver = personas["governance_officer"], personas["approver"]
    unit_a = officer.unit
    unit_b = personas["sysadmin"].unit
    a, b = str(unit_a.code), str(unit_b.code)
    cells = {n.id: {a: "A", b: "R"} for n in manual.duties()}
    cells["ch1.4.duties.i"] = {a: "C"}  # cost management: no A, no R
    cells["not.a.duty"] = {a: "AR"}  # dropped: rows are the catalog's duties only
    matrix = services.matrix_create(actor=officer, title="RACI", cells=cells)
    assert "not.a.duty" not in matrix.cells
    _units, rows = selectors.matrix_rows(matrix)
    assert [r.duty.id for r in rows] == [n.id for n in manual.duties()]
    with pytest.raises(WorkflowError) as exc:
        services.matrix_submit(actor=officer, matrix=matrix)
    assert len(exc.value.messages) == 2
    assert all("(i)" in m for m in exc.value.messages)
    cells["ch1.4.duties.i"] = {a: "AR", b: "I"}
    services.matrix_update(actor=officer, matrix=matrix, title="RACI", cells=cells, note="")
    matrix = services.matrix_submit(actor=officer, matrix=matrix)
    matrix = record_approve(record=matrix, actor=approver)
    assert selectors.current_matrix().pk == matrix.pk
    second = services.matrix_new_version(actor=officer, matrix=matrix)
    assert second.cells == matrix.cells and second.version == 2
    # An approved version cannot be edited, even through a copy read before it was approved.
    stale = ResponsibilityMatrix.objects.get(pk=matrix.pk)
    stale.state = State.DRAFT
    with pytest.raises(WorkflowError):
        services.matrix_update(actor=officer, matrix=stale, title="x", cells={}, note="")
    matrix.refresh_from_db()
    assert matrix.title == "RACI" and matrix.state == State.APPROVED


# --- 3. Segregation of duties ---------------------------------------------------------------------

PAIRS = [
    ("change.initiate", "change.approve", "(a)"),
    ("access.request", "access.implement", "(b)"),
    ("code.design", "code.review", "(c)"),
    ("security_controls.design", "security_controls.audit", "(d)"),
]


@pytest.mark.parametrize(("held", "wanted", "letter"), PAIRS)
def test_each_conflict_pair_blocks_the_assignment(personas, held, wanted, letter):
    officer = personas["governance_officer"]
    person = UserFactory(display_name="陳工程師")
    services.assignment_create(actor=officer, person=person, activity=held, starts_on=TODAY)
    with pytest.raises(services.SodConflictError) as exc:
        services.assignment_create(actor=officer, person=person, activity=wanted, starts_on=TODAY)
    message = exc.value.message_dict["activity"][0]
    assert f"Ch 1.4 {letter}" in message and "陳工程師" in message
    assert len(exc.value.conflicts) == 1
    assert DutyAssignment.objects.filter(person=person).count() == 1  # blocked, nothing saved
    # Another person may hold it: that is the segregation kept.
    services.assignment_create(
        actor=officer, person=UserFactory(), activity=wanted, starts_on=TODAY
    )


def test_conflict_blocked_then_accepted_by_an_approver(personas):
    officer, approver = personas["governance_officer"], personas["approver"]
    person = UserFactory(unit=UnitFactory(short_name="dev"))
    services.assignment_create(
        actor=officer, person=person, activity="code.implement", starts_on=TODAY
    )
    with pytest.raises(ValidationError) as exc:
        services.sod_exception_request(
            actor=officer,
            person=person,
            activity="code.review",
            starts_on=TODAY,
            reason="",
            mitigating_control="抽查",
            review_by=TODAY + dt.timedelta(days=90),
        )
    assert list(errors_of(exc)) == ["reason"]
    with pytest.raises(ValidationError) as exc:
        services.sod_exception_request(
            actor=officer,
            person=person,
            activity="change.execute",  # no conflict: no exception needed
            starts_on=TODAY,
            reason="r",
            mitigating_control="m",
            review_by=TODAY + dt.timedelta(days=90),
        )
    assert errors_of(exc) == {"activity": [str(services.NO_CONFLICT)]}
    exception = services.sod_exception_request(
        actor=officer,
        person=person,
        activity="code.review",
        starts_on=TODAY,
        reason="團隊僅兩人",
        mitigating_control="資安部事後抽查 20%",
        review_by=TODAY + dt.timedelta(days=90),
    )
    assert exception.conflicts[0]["rule"] == "ch1.4.sod.c"
    report = selectors.sod_report()
    assert report == []  # not yet assigned: nothing to report
    record_submit(record=exception, actor=officer)
    approver.approves_for.add(person.unit)
    record_approve(record=exception, actor=approver, comment="接受")
    assignment = DutyAssignment.objects.get(exception=exception)
    assert assignment.activity == "code.review"
    report = selectors.sod_report()
    assert len(report) == 1
    row = report[0]
    assert row.accepted and row.exception.pk == exception.pk
    assert {row.first.activity, row.second.activity} == {"code.implement", "code.review"}


def test_nobody_accepts_a_conflict_in_their_own_duties(personas):
    officer, approver = personas["governance_officer"], personas["approver"]
    services.assignment_create(
        actor=officer, person=approver, activity="access.request", starts_on=TODAY
    )
    exception = services.sod_exception_request(
        actor=officer,
        person=approver,
        activity="access.approve",
        starts_on=TODAY,
        reason="r",
        mitigating_control="m",
        review_by=TODAY + dt.timedelta(days=30),
    )
    record_submit(record=exception, actor=officer)
    with pytest.raises(WorkflowError) as exc:
        record_approve(record=exception, actor=approver)
    assert exc.value.messages == [str(services.APPROVER_IS_PERSON)]
    exception.refresh_from_db()
    assert exception.state == State.SUBMITTED
    assert not DutyAssignment.objects.filter(exception=exception).exists()
    # A second approver may.
    record_approve(record=exception, actor=personas["second_approver"])
    assert DutyAssignment.objects.filter(exception=exception).exists()


def test_a_rejected_exception_assigns_nothing(personas):
    officer, approver = personas["governance_officer"], personas["approver"]
    person = personas["risk"]
    services.assignment_create(
        actor=officer, person=person, activity="change.initiate", starts_on=TODAY
    )
    exception = services.sod_exception_request(
        actor=officer,
        person=person,
        activity="change.execute",
        starts_on=TODAY,
        reason="r",
        mitigating_control="m",
        review_by=TODAY + dt.timedelta(days=30),
    )
    record_submit(record=exception, actor=officer)
    from fincloud.workflow.services import record_reject

    record_reject(record=exception, actor=approver, comment="請改派他人")
    assert DutyAssignment.objects.filter(person=person).count() == 1


def cloud_service(name: str):
    from fincloud.register.models import CloudService, CloudServiceProvider

    csp, _ = CloudServiceProvider.objects.get_or_create(
        name="Example Cloud", defaults={"country": "US", "channel": "direct"}
    )
    return CloudService.objects.create(
        name=name, csp=csp, service_model="SaaS", business_process="存款", unit=UnitFactory()
    )


def test_conflicts_are_per_cloud_service(personas):
    officer = personas["governance_officer"]
    person = UserFactory()
    web, mail = cloud_service("對外網站"), cloud_service("雲端郵件")
    services.assignment_create(
        actor=officer, person=person, activity="change.approve", starts_on=TODAY, service=web
    )
    # Executing changes on another service is no conflict ...
    services.assignment_create(
        actor=officer, person=person, activity="change.execute", starts_on=TODAY, service=mail
    )
    # ... but initiating changes on every service overlaps both.
    with pytest.raises(services.SodConflictError) as exc:
        services.assignment_create(
            actor=officer, person=person, activity="change.initiate", starts_on=TODAY
        )
    messages = exc.value.message_dict["activity"]
    assert len(messages) == 2
    assert any("對外網站" in m for m in messages) and any("雲端郵件" in m for m in messages)


# --- 4. Mechanisms --------------------------------------------------------------------------------


def risk_fields(**overrides):
    fields = {
        "title": "雲端風險評估機制",
        "summary": "可能性 × 影響",
        "review_months": 12,
        "answers": {n.id: "說明" for n in manual.risk_mechanism_items()},
        "likelihood_levels": ["低", "中", "高"],
        "impact_levels": ["小", "中", "大"],
        "acceptance_threshold": 3,
        "covered_items": [n.id for n in manual.risk_assessment_items()],
    }
    fields.update(overrides)
    return fields


def test_risk_mechanism_scale_and_lookup(personas):
    officer, approver = personas["governance_officer"], personas["approver"]
    with pytest.raises(ValidationError) as exc:
        services.mechanism_create(actor=officer, kind="risk", **risk_fields(impact_levels=["x"]))
    assert list(errors_of(exc)) == ["impact_levels"]
    with pytest.raises(ValidationError) as exc:
        services.mechanism_create(actor=officer, kind="risk", **risk_fields(acceptance_threshold=9))
    assert errors_of(exc)["acceptance_threshold"][0].endswith("(likelihood × impact).")
    assert not RiskMechanism.objects.exists()
    missing = risk_fields(covered_items=[n.id for n in manual.risk_assessment_items()][:9])
    missing["answers"]["ch2.2.mechanism.d"] = ""
    record = services.mechanism_create(actor=officer, kind="risk", **missing)
    with pytest.raises(WorkflowError) as wexc:
        services.mechanism_submit(actor=officer, record=record)
    text = " ".join(wexc.value.messages)
    assert "ch2.2.mechanism.d" in text and "(j) (k)" in text
    services.mechanism_update(actor=officer, record=record, **risk_fields())
    services.mechanism_submit(actor=officer, record=record)
    assert selectors.current_risk_mechanism() is None  # submitted is not yet current
    record_approve(record=record, actor=approver)
    current = selectors.current_risk_mechanism()
    assert current.pk == record.pk
    assert current.score(3, 2) == 6 and current.max_score == 9
    assert current.acceptable(1, 3) and not current.acceptable(2, 2)
    with pytest.raises(ValueError):
        current.score(4, 1)


def test_exit_strategy_needs_a_deletion_method(personas):
    officer = personas["governance_officer"]
    with pytest.raises(ValidationError) as exc:
        services.mechanism_create(
            actor=officer,
            kind="exit",
            title="轉移策略",
            review_months=24,
            answers={},
            deletion_methods=["shredding"],
        )
    assert list(errors_of(exc)) == ["deletion_methods"]


# --- 5. Training ------------------------------------------------------------------------------


def open_topics(person) -> set[str]:
    return set(
        TrainingNeed.objects.filter(person=person, status="open").values_list("topic", flat=True)
    )


def set_stage(actor, stage: str) -> None:
    services.adoption_stage_record(
        actor=actor, stage=stage, decided_on=TODAY, rationale="依 Ch 1.1 調整"
    )


def test_a_new_hire_gets_training_needs_at_once(personas):
    set_stage(personas["governance_officer"], "preparation")
    ops = UnitFactory(short_name="ops", kind="operations")
    hire = UserFactory(username="new.hire", unit=ops)  # post_save: a new hire
    profile = hire.training_profile
    assert profile.group == "ch4.2.training.r3" and not profile.group_confirmed
    assert profile.last_change == "new_hire"
    # 建置及維運執行團隊 at 準備: 雲端架構設計; and everyone's security awareness.
    assert open_topics(hire) == {"ch4.2.training.r3.c2", "ch4.1.d"}
    need = TrainingNeed.objects.get(person=hire, topic="ch4.1.d")
    assert need.reason == "new_hire" and need.due_on == TODAY + dt.timedelta(days=90)
    assert AuditEvent.objects.filter(object_type="governance.trainingneed").exists()


def test_someone_without_a_unit_is_not_staff(personas):
    examiner = UserFactory(username="visiting.examiner", unit=None)
    assert not TrainingNeed.objects.filter(person=examiner).exists()


def test_moving_to_another_unit_changes_the_needs(personas):
    set_stage(personas["governance_officer"], "development")
    business = UnitFactory(short_name="retail", kind="business")
    ops = UnitFactory(short_name="ops2", kind="operations")
    person = UserFactory(unit=business)
    assert open_topics(person) == {"ch4.2.training.r2.c3", "ch4.1.d"}
    person.unit = ops
    person.save()  # post_save with the unit changed: a move
    person.training_profile.refresh_from_db()
    assert person.training_profile.last_change == "unit_change"
    assert open_topics(person) == {"ch4.2.training.r3.c3", "ch4.1.d"}
    withdrawn = TrainingNeed.objects.get(person=person, topic="ch4.2.training.r2.c3")
    assert withdrawn.status == "withdrawn"


def test_a_new_role_flags_the_group_for_confirmation(personas):
    from django.contrib.auth.models import Group

    officer = personas["governance_officer"]
    set_stage(officer, "development")
    person = UserFactory(unit=UnitFactory(kind="business"))
    person.date_joined = timezone.now() - dt.timedelta(days=400)
    person.save(update_fields=["date_joined"])
    services.training_profile_set(
        actor=officer, person=person, group="ch4.2.training.r2", board_member=False
    )
    person.training_profile.refresh_from_db()
    assert person.training_profile.group_confirmed
    group, _ = Group.objects.get_or_create(name="security")
    person.groups.add(group)  # m2m_changed: a new role
    person.training_profile.refresh_from_db()
    assert person.training_profile.last_change == "role_change"
    assert not person.training_profile.group_confirmed  # the officer confirms it again


def test_a_stage_change_moves_everyone_to_the_new_stages_content(personas):
    officer = personas["governance_officer"]
    set_stage(officer, "preparation")
    person = UserFactory(unit=UnitFactory(kind="operations"))
    assert "ch4.2.training.r3.c2" in open_topics(person)
    set_stage(officer, "optimisation")
    assert open_topics(person) == {"ch4.2.training.r3.c4", "ch4.1.d"}
    assert TrainingNeed.objects.get(person=person, topic="ch4.2.training.r3.c4").reason == (
        "stage_change"
    )
    assert AdoptionStageRecord.objects.count() == 2


def test_passing_a_course_meets_the_need_failing_does_not(personas):
    officer = personas["governance_officer"]
    person = UserFactory(unit=UnitFactory(kind="business"))
    course = services.course_save(
        actor=officer,
        title="資安意識",
        kind="internal",
        provider="資安部",
        delivery_mode="online",
        hours=Decimal("2"),
        topics=["ch4.1.d"],
        validity_months=12,
        pass_score=80,
    )
    session = services.session_create(
        actor=officer, course=course, starts_on=TODAY - dt.timedelta(days=1)
    )
    with pytest.raises(ValidationError) as exc:
        services.attendance_record(actor=officer, session=session, person=person, status="attended")
    assert errors_of(exc) == {"test_score": [str(services.SCORE_REQUIRED)]}
    services.attendance_record(
        actor=officer, session=session, person=person, status="attended", test_score=70
    )
    assert "ch4.1.d" in open_topics(person)
    assert selectors.course_effectiveness(course)["pass_rate"] == 0
    gaps = [g for g in selectors.training_gaps() if g.kind == "failed_test"]
    assert [(g.person, g.topic) for g in gaps] == [(person, "ch4.1.d")]
    row = services.attendance_record(
        actor=officer, session=session, person=person, status="attended", test_score=85
    )
    assert row.valid_until == session.starts_on.replace(year=session.starts_on.year + 1)
    need = TrainingNeed.objects.get(person=person, topic="ch4.1.d")
    assert need.status == "met" and need.met_by == row
    effect = selectors.course_effectiveness(course)
    assert effect["average"] == 85 and effect["pass_rate"] == 100


def test_certification_needs_its_number_and_expiry_reminds(personas):
    officer = personas["governance_officer"]
    person = UserFactory(unit=UnitFactory(kind="operations"))
    course = services.course_save(
        actor=officer,
        title="雲端架構師認證",
        kind="certification",
        provider="CSP",
        delivery_mode="self_paced",
        hours=Decimal("40"),
        topics=["ch4.2.training.r3.c3"],
        validity_months=36,
        pass_score=70,
    )
    session = services.session_create(
        actor=officer, course=course, starts_on=TODAY - dt.timedelta(days=1080)
    )
    with pytest.raises(ValidationError) as exc:
        services.attendance_record(
            actor=officer, session=session, person=person, status="attended", test_score=75
        )
    assert list(errors_of(exc)) == ["certificate_number"]
    row = services.attendance_record(
        actor=officer,
        session=session,
        person=person,
        status="attended",
        test_score=75,
        certificate_number="SAA-1",
    )
    from fincloud.web import due

    window = due.DueQuery(start=TODAY, end=TODAY + dt.timedelta(days=60))
    reminders = [i for i in due.collect(window) if i.kind == "certificate_expiry"]
    assert [(i.due, i.owner_id) for i in reminders] == [(row.valid_until, person.pk)]
    assert selectors.expiring_certificates(TODAY) == [row]


def test_course_topics_must_be_ch4_topics(personas):
    with pytest.raises(ValidationError) as exc:
        services.course_save(
            actor=personas["governance_officer"],
            title="x",
            kind="internal",
            provider="",
            delivery_mode="online",
            hours=Decimal("1"),
            topics=["ch5.1"],
            validity_months=None,
            pass_score=None,
        )
    assert list(errors_of(exc)) == ["topics"]


def test_training_matrix_by_unit_group_and_stage(personas):
    officer = personas["governance_officer"]
    set_stage(officer, "development")
    ops = UnitFactory(short_name="ops3", kind="operations")
    dev = UserFactory(username="dev", unit=ops)
    matrix = selectors.training_matrix(unit=ops)
    assert [r.person for r in matrix.rows] == [dev]
    cells = {c.topic: c.state for c in matrix.rows[0].cells}
    assert cells["ch4.2.training.r3.c3"] == "missing"
    assert cells["ch4.2.training.r1.c3"] == "not_required"
    by_group = selectors.training_matrix(group="ch4.2.training.r3")
    assert dev in [r.person for r in by_group.rows]
    assert all(t.startswith(("ch4.2.training.r3", "ch4.1.")) for t in by_group.topics)
    optimisation = selectors.training_matrix(unit=ops, stage="optimisation")
    assert "ch4.2.training.r3.c4" in optimisation.topics


# --- 6. Annex 2 checklist ------------------------------------------------------------------------


def test_checklist_answer_met_needs_evidence(personas):
    officer = personas["governance_officer"]
    with pytest.raises(ValidationError) as exc:
        services.checklist_answer(actor=officer, item_id="a2.daily.3.1", answer="met", note="")
    assert errors_of(exc) == {"answer": [str(services.MET_NEEDS_EVIDENCE)]}
    assert not ChecklistAnswer.objects.exists()
    with pytest.raises(ValidationError) as exc:
        services.checklist_answer(actor=officer, item_id="a2.daily.3.1", answer="partial", note="")
    assert list(errors_of(exc)) == ["note"]
    with pytest.raises(ValidationError) as exc:
        services.checklist_answer(actor=officer, item_id="a2.before.1.1", answer="na", note="")
    assert list(errors_of(exc)) == ["item_id"]
    row = services.checklist_answer(
        actor=officer,
        item_id="a2.daily.3.1",
        answer="met",
        note="金鑰管理程序",
        upload=txt("kms.txt"),
    )
    rows = {r.node.id: r for r in selectors.checklist_rows()}
    assert rows["a2.daily.3.1"].answer == row and len(rows["a2.daily.3.1"].files) == 1
    # Every Annex 2 daily row is on the checklist, in the manual's order.
    assert [r.node.id for r in selectors.checklist_rows()] == [
        n.id for n in manual.daily_checklist()
    ]


def test_an_approved_policy_is_evidence_for_its_row(personas):
    officer, approver = personas["governance_officer"], personas["approver"]
    approved_policy(officer, approver)
    rows = {r.node.id: r for r in selectors.checklist_rows()}
    assert rows["a2.daily.1.1"].has_system_evidence
    services.checklist_answer(
        actor=officer,
        item_id="a2.daily.1.1",
        answer="met",
        note="",
        has_system_evidence=rows["a2.daily.1.1"].has_system_evidence,
    )


def test_demo_loader_is_idempotent(settings, tmp_path):
    from fincloud.governance.demo import load
    from fincloud.web.demo import load_people

    settings.VAR_DIR = tmp_path
    load_people()
    load()
    counts = {
        m.__name__: m.objects.count()
        for m in (CloudPolicy, ResponsibilityMatrix, SodException, DutyAssignment, TrainingNeed)
    }
    events = AuditEvent.objects.count()
    load_people()
    load()
    assert {
        m.__name__: m.objects.count()
        for m in (CloudPolicy, ResponsibilityMatrix, SodException, DutyAssignment, TrainingNeed)
    } == counts
    assert AuditEvent.objects.count() == events
    assert selectors.current_policy() is not None
    assert len(selectors.sod_report()) == 1 and selectors.sod_report()[0].accepted
