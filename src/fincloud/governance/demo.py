"""Demo data of 日常執行與控管 for `fincloud demo`: the demo institution's adoption stage,
strategy documents, an approved policy with last year's review, a committee with a meeting and
actions, unit roles, an approved responsibility matrix, duty assignments with one accepted
conflict, the three mechanisms, people in training groups and training records.

Idempotent: every object is looked up by a natural key first. It uses the demo people and units
of fincloud.web.demo and adds three staff members who never sign in (a board member, a cloud
developer and a branch user), so the training matrix has people in every group.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from fincloud.governance import manual, services
from fincloud.governance.models import (
    AdoptionStageRecord,
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
    TrainingSession,
    UnitProfile,
)
from fincloud.people.models import BusinessUnit, User
from fincloud.workflow.models import State
from fincloud.workflow.services import record_approve, record_submit

EXTRA_STAFF = [
    # username, display name, unit, training group, board member
    ("board.director", "董事 趙董", "management", "ch4.2.training.r1", True),
    ("cloud.dev", "雲端開發 鄭工程師", "it-ops", "ch4.2.training.r3", False),
    ("branch.user", "分行 許專員", "retail", "ch4.2.training.r2", False),
]

UNIT_ROLES = {
    "cloud-gov": ("governance", "雲端服務專責單位：政策、委員會幕僚、風險評估機制與教育訓練。"),
    "it-ops": ("operations", "雲端平台建置、維運、變更與資源及成本管理。"),
    "infosec": ("security", "雲端安全控制措施之設計與資安策略推動。"),
    "risk": ("other", "風險評估方法與風險胃納。"),
    "legal": ("other", "與雲端服務業者之契約審閱與監督、法遵。"),
    "audit": ("other", "雲端委外查核。"),
    "retail": ("user", "提出雲端服務需求並驗收。"),
    "management": ("management", "核定雲端策略與資源。"),
}

# duty -> unit short name -> letters (Ch 1.4 (a)-(i))
MATRIX = {
    "ch1.4.duties.a": {"retail": "AR", "cloud-gov": "C", "it-ops": "C"},
    "ch1.4.duties.b": {"cloud-gov": "AR", "risk": "C", "legal": "C", "infosec": "C"},
    "ch1.4.duties.c": {"infosec": "AR", "it-ops": "C", "cloud-gov": "I"},
    "ch1.4.duties.d": {"cloud-gov": "AR", "legal": "C", "audit": "I"},
    "ch1.4.duties.e": {"it-ops": "AR", "infosec": "C", "retail": "C"},
    "ch1.4.duties.f": {"it-ops": "R", "infosec": "A", "retail": "C"},
    "ch1.4.duties.g": {"it-ops": "AR", "infosec": "C"},
    "ch1.4.duties.h": {"it-ops": "AR", "retail": "C"},
    "ch1.4.duties.i": {"cloud-gov": "A", "it-ops": "R", "management": "I"},
}


def _user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


def _approve(record: Any, preparer: User, approver: User) -> None:
    if record.state == State.DRAFT:
        record = record_submit(record=record, actor=preparer)
    if record.state == State.SUBMITTED:
        record_approve(record=record, actor=approver, comment="示範資料核准")


def _backdate(model: Any, record: Any, when: dt.datetime) -> None:
    # Demo history: approvals and reviews "a year ago" (workflow rows are plain columns).
    model._default_manager.filter(pk=record.pk).update(
        prepared_at=when, submitted_at=when, decided_at=when
    )


def _file(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/plain")


def load() -> None:
    officer = _user("gov.officer")
    approver = _user("approver")
    today = timezone.localdate()
    with transaction.atomic():
        staff = _extra_staff()
        _stage(officer, today)
        _strategy(officer, today)
        _policy(officer, approver, today)
        _units(officer)
        committee = _committee(officer, today)
        _meeting(officer, committee, today)
        _matrix(officer, approver)
        _assignments(officer, approver, today)
        _mechanisms(officer, approver)
        _training(officer, staff, today)
        _checklist(officer)


def _extra_staff() -> dict[str, User]:
    from fincloud.people.services import user_create

    out = {}
    for username, display, unit_short, _group, _board in EXTRA_STAFF:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                actor=None,
                username=username,
                password="demo-" + secrets.token_urlsafe(16),
                display_name=display,
                unit=BusinessUnit.objects.get(short_name=unit_short),
            )
            user.set_unusable_password()  # staff in the training records; they never sign in
            user.save(update_fields=["password"])
        out[username] = user
    return out


def _stage(officer: User, today: dt.date) -> None:
    if AdoptionStageRecord.objects.exists():
        return
    services.adoption_stage_record(
        actor=officer,
        stage="development",
        decided_on=today.replace(month=1, day=2) if today.month > 1 else today,
        rationale="已有三項雲端服務上線（郵件、人資、備份），正擴大至對外網站與開發測試環境；"
        "依 Ch 1.1 進入發展階段，訓練重點轉為雲端安全性與合規性。",
    )


def _strategy(officer: User, today: dt.date) -> None:
    docs = [
        (
            "cloud_strategy",
            "雲端服務採用策略（2025-2027）",
            "依 Ch 1.1 之八項考量訂定之雲端轉型策略，由準備、發展至優化階段逐步調整。",
            _user("approver"),
        ),
        (
            "multi_cloud",
            "多雲與資料可攜性政策",
            "依 Ch 1.2：核心系統採單雲加地端備援；非核心服務可多雲；資料以開放格式保存以降低鎖定。",
            officer,
        ),
    ]
    for kind, title, summary, owner in docs:
        if StrategyDocument.objects.filter(kind=kind, title=title).exists():
            continue
        services.strategy_document_create(
            actor=officer,
            kind=kind,
            title=title,
            summary=summary,
            owner=owner,
            next_review_on=today + dt.timedelta(days=200),
            upload=_file(f"{kind}.txt", f"{title}\n\n{summary}\n"),
            effective_date=today - dt.timedelta(days=300),
        )


def _policy(officer: User, approver: User, today: dt.date) -> None:
    if CloudPolicy.objects.exists():
        return
    policy = services.policy_create(
        actor=officer,
        title="雲端服務管理政策",
        summary="一、目的與適用範圍\n二、雲端治理組織與權責（雲端治理委員會、專責單位）\n"
        "三、風險評估機制與重大性判斷\n四、監控與定期審查\n五、轉移策略與退場\n六、人才培訓",
        effective_date=today - dt.timedelta(days=400),
    )
    services.policy_attach(
        actor=officer,
        policy=policy,
        upload=_file("cloud-policy-v1.txt", "雲端服務管理政策 第 1 版\n"),
        effective_date=today - dt.timedelta(days=400),
    )
    _approve(policy, officer, approver)
    approved_at = timezone.now() - dt.timedelta(days=400)
    _backdate(CloudPolicy, policy, approved_at)
    policy.refresh_from_db()
    reviewed_on = today - dt.timedelta(days=340)
    if not PolicyReview.objects.exists():
        answers = {
            n.id: services.FactorAnswer(False, "已檢視，無影響政策之變化。")
            for n in manual.review_factors()
        }
        answers["ch1.3.c"] = services.FactorAnswer(
            False, "主管機關 2025 年修正自律規範，已於本政策第三章涵蓋。"
        )
        services.policy_review_record(
            actor=officer,
            policy=policy,
            reviewed_on=reviewed_on,
            answers=answers,
            update_needed=False,
            update_due=None,
            conclusion="政策仍屬妥適，無須修正；明年度再行檢視。",
        )


def _units(officer: User) -> None:
    for short, (role, mandate) in UNIT_ROLES.items():
        unit = BusinessUnit.objects.filter(short_name=short).first()
        if unit is None or UnitProfile.objects.filter(unit=unit).exists():
            continue
        contact = User.objects.filter(unit=unit, is_active=True).order_by("username").first()
        services.unit_profile_save(
            actor=officer, unit=unit, cloud_role=role, mandate=mandate, contact=contact
        )


def _committee(officer: User, today: dt.date) -> Committee:
    committee = Committee.objects.filter(name="雲端治理委員會").first()
    if committee is None:
        committee = services.committee_save(
            actor=officer,
            name="雲端治理委員會",
            mandate="負責雲端治理之全面規劃與決策，確保資源與策略對齊（Ch 1.4 (a)）；每季開會。",
            established_on=today - dt.timedelta(days=500),
            meeting_interval_months=3,
        )
    members = [
        ("approver", "chair"),
        ("admin", "cio"),
        ("sec.officer", "ciso"),
        ("legal.counsel", "legal"),
        ("legal.counsel", "compliance"),
        ("risk.officer", "risk"),
        ("gov.officer", "governance_unit"),
        ("branch.user", "business"),
    ]
    for username, role in members:
        person = User.objects.filter(username=username).first()
        if person is None:
            continue
        if CommitteeMember.objects.filter(committee=committee, person=person, role=role).exists():
            continue
        services.committee_member_add(
            actor=officer,
            committee=committee,
            person=person,
            role=role,
            joined_on=today - dt.timedelta(days=480),
        )
    return committee


def _meeting(officer: User, committee: Committee, today: dt.date) -> None:
    title = "第 4 次雲端治理委員會"
    if Meeting.objects.filter(committee=committee, title=title).exists():
        return
    held = today - dt.timedelta(days=40)
    attendees = list(
        User.objects.filter(
            username__in=["approver", "admin", "sec.officer", "legal.counsel", "gov.officer"]
        )
    )
    meeting = services.meeting_save(
        actor=officer,
        committee=committee,
        title=title,
        held_on=held,
        agenda="1. 雲端服務管理政策年度檢視時程\n2. 新增對外網站上雲案\n3. 職能分工矩陣修訂",
        minutes="出席委員同意新增對外網站上雲案進行使用前評估；請資訊處提出資源與成本估算。",
        attendees=attendees,
    )
    decision = services.decision_add(
        actor=officer, meeting=meeting, text="同意對外網站上雲案進入使用前評估。"
    )
    services.action_add(
        actor=officer,
        meeting=meeting,
        decision=decision,
        title="提出對外網站上雲之資源與成本估算",
        owner=_user("admin"),
        due_on=today - dt.timedelta(days=5),
    )
    services.action_add(
        actor=officer,
        meeting=meeting,
        title="安排年度雲端資安意識訓練",
        owner=officer,
        due_on=today + dt.timedelta(days=30),
    )


def _matrix(officer: User, approver: User) -> None:
    if ResponsibilityMatrix.objects.exists():
        return
    units = {u.short_name: str(u.code) for u in BusinessUnit.objects.all()}
    cells = {
        duty: {units[s]: letters for s, letters in row.items() if s in units}
        for duty, row in MATRIX.items()
    }
    matrix = services.matrix_create(
        actor=officer, title="雲端服務職能分工（RACI）", cells=cells, note="依 Ch 1.4 (a)-(i)。"
    )
    if not services.matrix_problem_messages(matrix):
        record = services.matrix_submit(actor=officer, matrix=matrix)
        record_approve(record=record, actor=approver, comment="示範資料核准")


# Which Ch 1.4 duty the demo's activities belong to: application development (e), application
# access management (f), platform operations with its changes (g), security management (c).
DUTY_OF = {
    "code": "ch1.4.duties.e",
    "access": "ch1.4.duties.f",
    "change": "ch1.4.duties.g",
    "security_controls": "ch1.4.duties.c",
}


def _assignments(officer: User, approver: User, today: dt.date) -> None:
    if DutyAssignment.objects.exists():
        return
    start = today - dt.timedelta(days=90)
    plain = [
        ("cloud.dev", "code.implement"),
        ("sec.officer", "code.review"),
        ("admin", "change.execute"),
        ("gov.officer", "change.initiate"),
        ("approver", "change.approve"),
        ("sec.officer", "security_controls.design"),
        ("auditor", "security_controls.audit"),
        ("gov.officer", "access.request"),
        ("approver", "access.approve"),
        ("admin", "access.implement"),
    ]
    for username, activity in plain:
        person = User.objects.filter(username=username).first()
        if person is None:
            continue
        try:
            services.assignment_create(
                actor=officer,
                person=person,
                activity=activity,
                starts_on=start,
                duty_id=DUTY_OF[activity.split(".")[0]],
            )
        except services.SodConflictError:
            continue  # the demo's one conflict goes through an exception below
    # A small team: the cloud developer also designs the code, accepted with a mitigating
    # control (Ch 1.4 (c)).
    dev = User.objects.filter(username="cloud.dev").first()
    if dev is not None and not SodException.objects.exists():
        exception = services.sod_exception_request(
            actor=officer,
            person=dev,
            activity="code.design",
            duty_id=DUTY_OF["code"],
            starts_on=start,
            reason="開發團隊僅兩人，負責設計之工程師育嬰留停至年底。",
            mitigating_control="所有合併請求由資安部張資安事後抽查 20%，並保留完整版控紀錄。",
            review_by=today + dt.timedelta(days=120),
        )
        _approve(exception, officer, approver)


def _mechanisms(officer: User, approver: User) -> None:
    if not RiskMechanism.objects.exists():
        risk = services.mechanism_create(
            actor=officer,
            kind="risk",
            title="雲端風險評估機制",
            summary="以可能性 × 影響程度評分；每年及重大變更時重新評估。",
            review_months=12,
            effective_date=timezone.localdate() - dt.timedelta(days=300),
            answers={
                "ch2.2.mechanism.a": "風險分數 ≤ 6 可接受；7-12 需處理計畫；≥ 15 須經委員會核定。",
                "ch2.2.mechanism.b": "統一評分表與評分說明；由專責單位覆核，每年校準一次。",
                "ch2.2.mechanism.c": "每項風險指定風險擁有者（服務之業務單位主管）。",
                "ch2.2.mechanism.d": (
                    "依風險分數由高至低排定處理優先序，高風險 30 日內提出處理計畫。"
                ),
            },
            likelihood_levels=["極低", "低", "中", "高", "極高"],
            impact_levels=["輕微", "小", "中", "大", "重大"],
            acceptance_threshold=6,
            covered_items=[n.id for n in manual.risk_assessment_items()],
        )
        _approve(risk, officer, approver)
    if not MonitoringMechanism.objects.exists():
        answers = {n.id: "每季由專責單位彙整並提報委員會。" for n in manual.monitoring_items()}
        answers["ch3.4.a"] = "雲端服務管理科為專責單位，每項服務指定監督人員。"
        answers["ch3.4.b"] = "每月檢視 SLA 達成率，未達成者啟動服務水準罰則。"
        monitoring = services.mechanism_create(
            actor=officer,
            kind="monitoring",
            title="雲端服務監控機制",
            summary="依 Ch 3.4 建立定期審查與服務監督。",
            review_months=12,
            answers=answers,
            reports_to="雲端治理委員會",
        )
        _approve(monitoring, officer, approver)
    if not ExitStrategy.objects.exists():
        answers = {n.id: "各服務退場計畫須載明並經專責單位審查。" for n in manual.exit_items()}
        answers["ch8.5.deletion.a"] = "依資料分類選擇電子覆寫或加密刪除（銷毀金鑰）。"
        exit_strategy = services.mechanism_create(
            actor=officer,
            kind="exit",
            title="雲端服務轉移策略",
            summary="每項雲端服務均須有退場計畫，深度依風險而定（Ch 8.5）。",
            review_months=24,
            answers=answers,
            deletion_methods=["overwrite", "crypto_erase"],
        )
        _approve(exit_strategy, officer, approver)


COURSES = [
    # title, kind, provider, mode, hours, topics, validity months, pass score
    ("資訊安全意識年度課程", "internal", "資訊安全部", "online", "2", ["ch4.1.d"], 12, 80),
    (
        "董事會雲端風險意識講座",
        "internal",
        "雲端服務管理科",
        "classroom",
        "1.5",
        ["ch4.1.a"],
        None,
        None,
    ),
    (
        "雲端安全性與合規性",
        "vendor",
        "雲端服務業者教育訓練中心",
        "distance",
        "6",
        ["ch4.2.training.r1.c3", "ch4.2.training.r2.c3"],
        24,
        70,
    ),
    (
        "雲端解決方案架構師認證",
        "certification",
        "雲端服務業者",
        "self_paced",
        "40",
        ["ch4.2.training.r3.c3"],
        36,
        72,
    ),
]


def _training(officer: User, staff: dict[str, User], today: dt.date) -> None:
    for username, _display, _unit, group, board in EXTRA_STAFF:
        person = staff[username]
        profile = getattr(person, "training_profile", None)
        if profile is None or not profile.group_confirmed:
            services.training_profile_set(
                actor=officer, person=person, group=group, board_member=board
            )
    # The governance officer confirms the groups proposed for the demo people.
    for username in ("gov.officer", "risk.officer", "legal.counsel", "sec.officer", "auditor"):
        member = User.objects.filter(username=username).select_related("training_profile").first()
        profile = getattr(member, "training_profile", None) if member else None
        if profile is not None and not profile.group_confirmed and profile.group:
            services.training_profile_set(
                actor=officer, person=member, group=profile.group, board_member=False
            )
    courses = {}
    for title, kind, provider, mode, hours, topics, validity, pass_score in COURSES:
        course = Course.objects.filter(title=title).first()
        if course is None:
            course = services.course_save(
                actor=officer,
                title=title,
                kind=kind,
                provider=provider,
                delivery_mode=mode,
                hours=Decimal(hours),
                topics=topics,
                validity_months=validity,
                pass_score=pass_score,
            )
        courses[title] = course
    if TrainingSession.objects.exists():
        return
    awareness = services.session_create(
        actor=officer,
        course=courses["資訊安全意識年度課程"],
        starts_on=today - dt.timedelta(days=200),
    )
    for username, score in [
        ("gov.officer", 92),
        ("risk.officer", 88),
        ("legal.counsel", 85),
        ("sec.officer", 97),
        ("auditor", 90),
        ("approver", 81),
        ("admin", 86),
        ("cloud.dev", 65),
    ]:
        trainee = User.objects.filter(username=username).first()
        if trainee is not None:
            services.attendance_record(
                actor=officer,
                session=awareness,
                person=trainee,
                status="attended",
                test_score=score,
            )
    compliance = services.session_create(
        actor=officer,
        course=courses["雲端安全性與合規性"],
        starts_on=today - dt.timedelta(days=60),
        trainer="雲端服務業者講師",
    )
    for username, score in [("gov.officer", 84), ("approver", 78), ("board.director", 75)]:
        services.attendance_record(
            actor=officer,
            session=compliance,
            person=_user(username),
            status="attended",
            test_score=score,
        )
    board_session = services.session_create(
        actor=officer,
        course=courses["董事會雲端風險意識講座"],
        starts_on=today - dt.timedelta(days=20),
    )
    services.attendance_record(
        actor=officer, session=board_session, person=_user("board.director"), status="attended"
    )
    cert = services.session_create(
        actor=officer,
        course=courses["雲端解決方案架構師認證"],
        starts_on=today - dt.timedelta(days=1070),
    )
    services.attendance_record(
        actor=officer,
        session=cert,
        person=_user("admin"),
        status="attended",
        test_score=80,
        certificate_number="SAA-2023-004512",
    )
    if not GapAction.objects.exists():
        services.gap_action_create(
            actor=officer,
            person=_user("cloud.dev"),
            topic="ch4.1.d",
            description="資安意識測驗未達 80 分：安排下月補訓並重新測驗。",
            owner=officer,
            due_on=today + dt.timedelta(days=21),
        )


def _checklist(officer: User) -> None:
    rows = {
        "a2.daily.1.1": ("met", "雲端服務管理政策 v1 已核准，並完成年度檢視。"),
        "a2.daily.1.2": ("met", "委員會、專責單位與職能分工矩陣皆已核定。"),
        "a2.daily.2.1": ("partial", "年度資安意識訓練一人未通過測驗，補訓安排中。"),
    }
    from fincloud.governance.selectors import system_evidence

    evidence = system_evidence()
    for item, (answer, note) in rows.items():
        if ChecklistAnswer.objects.filter(item_id=item).exists():
            continue
        services.checklist_answer(
            actor=officer,
            item_id=item,
            answer=answer,
            note=note,
            has_system_evidence=any(s.ok for s in evidence.get(item, [])),
        )
