"""The pure rules of 日常執行與控管 (no database): segregation of duties (Ch 1.4), the yearly
policy review (Ch 1.3), the RACI checks, and who needs which training (Ch 4.2)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fincloud.catalog import load_catalog
from fincloud.governance import manual, raci, schedule, sod, training_rules
from fincloud.governance.schedule import Status

D = dt.date


@pytest.fixture(scope="module")
def rules() -> tuple[sod.SodRule, ...]:
    return sod.rules_from_catalog(load_catalog())


# --- the catalog parts this app reads ---------------------------------------------------------


def test_catalog_parts_match_the_manual():
    # Ch 1.4 lists nine duties (a)-(i) and four segregation items (a)-(d); Ch 1.3 five factors.
    assert [n.id[-1] for n in manual.duties()] == list("abcdefghi")
    assert manual.duties()[0].text_zh.startswith("雲端服務需求申請")
    assert manual.duties()[-1].text_zh.startswith("雲端成本管理")
    assert [n.text_zh for n in manual.sod_items()] == [
        "啟動、核可及執行變更；",
        "申請、核可及實作存取權限；",
        "設計、實作及檢視程式碼；",
        "設計及查核雲端安全控制措施。",
    ]
    assert [n.text_zh for n in manual.review_factors()] == [
        "市場與雲端服務業者等外部環境。",
        "金融機構營運策略及利害關係人要求。",
        "主管機關雲端相關法規、法律等監管規範之要求。",
        "金融機構組織、資安、風控等政策之影響。",
        "雲端技術安全風險及威脅。",
    ]
    # 建議每年檢視 (Ch 1.3): twelve months.
    assert manual.review_interval_months() == 12
    assert len(manual.risk_mechanism_items()) == 4
    assert len(manual.risk_assessment_items()) == 11  # (a)-(k)
    assert len(manual.monitoring_items()) == 7  # Ch 3.4 (a)-(g)
    checklist = manual.daily_checklist()
    assert [n.text_zh for n in checklist if n.kind == "domain"] == [
        "雲端服務治理制度",
        "人才培訓",
        "資安控管",
    ]
    assert len([n for n in checklist if n.kind == "checklist_item"]) == 13


def test_training_table_has_three_groups_and_the_manuals_stages():
    table = manual.training_table()
    cat = load_catalog()
    assert table.stages == ("preparation", "development", "optimisation")
    assert table.stages_zh == ("準備", "發展", "優化")
    assert [cat.get(g.id).text_zh for g in table.groups] == [
        "治理及管理階層",
        "服務監管與使用人員",
        "建置及維運執行團隊",
    ]
    # 建置及維運執行團隊 has one focus per stage; the other two join 發展/優化.
    assert [c.stages for c in table.groups[2].cells] == [
        ("preparation",),
        ("development",),
        ("optimisation",),
    ]
    assert [c.stages for c in table.groups[0].cells] == [
        ("preparation",),
        ("development", "optimisation"),
    ]


# --- segregation of duties ---------------------------------------------------------------------


def test_rules_come_from_the_catalog(rules):
    assert [(r.item_id, r.subject, r.activities) for r in rules] == [
        ("ch1.4.sod.a", "change", ("initiate", "approve", "execute")),
        ("ch1.4.sod.b", "access", ("request", "approve", "implement")),
        ("ch1.4.sod.c", "code", ("design", "implement", "review")),
        ("ch1.4.sod.d", "security_controls", ("design", "audit")),
    ]


@pytest.mark.parametrize(
    ("first", "second", "item"),
    [
        ("change.initiate", "change.approve", "ch1.4.sod.a"),
        ("change.approve", "change.execute", "ch1.4.sod.a"),
        ("change.initiate", "change.execute", "ch1.4.sod.a"),
        ("access.request", "access.approve", "ch1.4.sod.b"),
        ("access.approve", "access.implement", "ch1.4.sod.b"),
        ("access.request", "access.implement", "ch1.4.sod.b"),
        ("code.design", "code.implement", "ch1.4.sod.c"),
        ("code.implement", "code.review", "ch1.4.sod.c"),
        ("code.design", "code.review", "ch1.4.sod.c"),
        ("security_controls.design", "security_controls.audit", "ch1.4.sod.d"),
    ],
)
def test_each_pair_of_each_rule_conflicts(rules, first, second, item):
    found = sod.find_conflicts(
        [sod.Assignment("1", "amy", first), sod.Assignment("2", "amy", second)], rules
    )
    assert len(found) == 1
    conflict = found[0]
    assert conflict.rule.item_id == item
    assert conflict.person == "amy"
    assert conflict.activities == (first, second)
    assert conflict.service is None  # both for every service


def test_activities_of_different_rules_or_people_do_not_conflict(rules):
    assignments = [
        # approving changes and approving access are different rules
        sod.Assignment("1", "amy", "change.approve"),
        sod.Assignment("2", "amy", "access.approve"),
        # designing code and designing security controls too
        sod.Assignment("3", "amy", "code.design"),
        sod.Assignment("4", "amy", "security_controls.design"),
        # initiating and approving a change by two people is the rule kept
        sod.Assignment("5", "ben", "change.initiate"),
        sod.Assignment("6", "cat", "change.approve"),
    ]
    assert sod.find_conflicts(assignments, rules) == []


def test_the_same_activity_on_two_services_is_no_conflict(rules):
    assignments = [
        sod.Assignment("1", "amy", "change.execute", "svc-1"),
        sod.Assignment("2", "amy", "change.execute", "svc-2"),
    ]
    assert sod.find_conflicts(assignments, rules) == []


def test_scopes_overlap_on_the_same_service_or_on_all_services(rules):
    separate = [
        sod.Assignment("1", "amy", "code.implement", "svc-1"),
        sod.Assignment("2", "amy", "code.review", "svc-2"),
    ]
    assert sod.find_conflicts(separate, rules) == []  # different services: no conflict
    same = [
        sod.Assignment("1", "amy", "code.implement", "svc-1"),
        sod.Assignment("2", "amy", "code.review", "svc-1"),
    ]
    assert [c.service for c in sod.find_conflicts(same, rules)] == ["svc-1"]
    wide = [
        sod.Assignment("1", "amy", "code.implement", None),
        sod.Assignment("2", "amy", "code.review", "svc-2"),
    ]
    # An assignment for every service overlaps each service's: the conflict names svc-2.
    assert [c.service for c in sod.find_conflicts(wide, rules)] == ["svc-2"]


def test_three_activities_of_one_rule_give_three_conflicts(rules):
    held = [
        sod.Assignment("1", "amy", "change.initiate"),
        sod.Assignment("2", "amy", "change.approve"),
        sod.Assignment("3", "amy", "change.execute"),
    ]
    pairs = {c.activities for c in sod.find_conflicts(held, rules)}
    assert pairs == {
        ("change.initiate", "change.approve"),
        ("change.initiate", "change.execute"),
        ("change.approve", "change.execute"),
    }


def test_conflicts_of_a_candidate(rules):
    existing = [
        sod.Assignment("1", "amy", "access.request"),
        sod.Assignment("2", "amy", "change.execute"),
        sod.Assignment("3", "ben", "access.approve"),
    ]
    found = sod.conflicts_of(sod.Assignment("new", "amy", "access.approve"), existing, rules)
    assert [(c.first.key, c.second.key, c.rule.item_id) for c in found] == [
        ("1", "new", "ch1.4.sod.b")
    ]
    assert sod.conflicts_of(sod.Assignment("new", "amy", "unknown.verb"), existing, rules) == []


ACTIVITIES = [
    f"{s}.{a}"
    for s, acts in [
        ("change", ("initiate", "approve", "execute")),
        ("access", ("request", "approve", "implement")),
        ("code", ("design", "implement", "review")),
        ("security_controls", ("design", "audit")),
    ]
    for a in acts
]
assignment_lists = st.lists(
    st.tuples(
        st.sampled_from(["amy", "ben"]),
        st.sampled_from(ACTIVITIES),
        st.sampled_from([None, "svc-1", "svc-2"]),
    ),
    max_size=12,
)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(assignment_lists)
def test_conflicts_are_exactly_the_overlapping_pairs_of_a_rule(rows):
    rules = sod.rules_from_catalog(load_catalog())
    assignments = [sod.Assignment(str(i), p, a, s) for i, (p, a, s) in enumerate(rows)]
    found = {(c.first.key, c.second.key) for c in sod.find_conflicts(assignments, rules)}
    expected = set()
    for i, a in enumerate(assignments):
        for b in assignments[i + 1 :]:
            same_rule = a.activity.split(".")[0] == b.activity.split(".")[0]
            overlap = a.service is None or b.service is None or a.service == b.service
            if a.person == b.person and a.activity != b.activity and same_rule and overlap:
                expected.add((a.key, b.key))
    assert found == expected
    # The order of the input does not change which pairs conflict.
    again = sod.find_conflicts(list(reversed(assignments)), rules)
    assert {frozenset((c.first.key, c.second.key)) for c in again} == {frozenset(p) for p in found}


# --- the yearly review ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (D(2024, 3, 15), 12, D(2025, 3, 15)),
        (D(2024, 2, 29), 12, D(2025, 2, 28)),  # leap day falls back to the month's last day
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2025, 11, 30), 3, D(2026, 2, 28)),
        (D(2025, 12, 1), 1, D(2026, 1, 1)),
    ],
)
def test_add_months(start, months, expected):
    assert schedule.add_months(start, months) == expected


def test_review_due_a_year_after_the_first_approval_without_a_review():
    state = schedule.policy_review_state(
        first_approved_on=D(2024, 6, 1), last_review_on=None, today=D(2025, 5, 5)
    )
    assert state.due_on == D(2025, 6, 1)
    assert state.status is Status.DUE_SOON  # within 30 days
    earlier = schedule.policy_review_state(
        first_approved_on=D(2024, 6, 1), last_review_on=None, today=D(2025, 5, 1)
    )
    assert earlier.status is Status.OK  # 31 days ahead


def test_review_overdue_the_day_after_the_due_date():
    due = schedule.policy_review_state(
        first_approved_on=D(2024, 6, 1), last_review_on=None, today=D(2025, 6, 1)
    )
    assert due.status is Status.DUE_SOON  # due today is not yet overdue
    late = schedule.policy_review_state(
        first_approved_on=D(2024, 6, 1), last_review_on=None, today=D(2025, 6, 2)
    )
    assert late.status is Status.OVERDUE


def test_a_review_restarts_the_clock():
    state = schedule.policy_review_state(
        first_approved_on=D(2023, 1, 10), last_review_on=D(2025, 2, 20), today=D(2025, 6, 1)
    )
    assert state.due_on == D(2026, 2, 20)
    assert state.status is Status.OK


def test_nothing_to_review_before_a_policy_is_approved():
    state = schedule.policy_review_state(
        first_approved_on=None, last_review_on=None, today=D(2025, 6, 1)
    )
    assert state.status is Status.NONE and state.due_on is None


def test_update_pending_until_a_version_is_approved_after_the_review():
    pending = schedule.policy_update_state(
        review_at=D(2025, 3, 1),
        update_needed=True,
        update_due=D(2025, 6, 30),
        latest_approved_at=D(2024, 1, 5),
        today=D(2025, 7, 1),
    )
    assert pending.pending and pending.status is Status.OVERDUE
    done = schedule.policy_update_state(
        review_at=D(2025, 3, 1),
        update_needed=True,
        update_due=D(2025, 6, 30),
        latest_approved_at=D(2025, 5, 2),
        today=D(2025, 7, 1),
    )
    assert not done.pending
    same_day = schedule.policy_update_state(
        review_at=D(2025, 3, 1),
        update_needed=True,
        update_due=D(2025, 6, 30),
        latest_approved_at=D(2025, 3, 1),  # approved before the review was recorded
        today=D(2025, 3, 2),
    )
    assert same_day.pending and same_day.status is Status.OK
    none = schedule.policy_update_state(
        review_at=D(2025, 3, 1),
        update_needed=False,
        update_due=None,
        latest_approved_at=None,
        today=D(2025, 7, 1),
    )
    assert not none.pending and none.status is Status.NONE


def test_next_meeting_after_the_last_one_held():
    assert schedule.next_meeting_due(D(2025, 3, 31), D(2024, 1, 1), 3) == D(2025, 6, 30)
    assert schedule.next_meeting_due(None, D(2025, 1, 15), 6) == D(2025, 7, 15)
    assert schedule.next_meeting_due(None, None, 3) is None


# --- the responsibility matrix --------------------------------------------------------------------


def test_raci_needs_one_accountable_and_a_responsible_unit_per_duty():
    duties = ["d1", "d2", "d3", "d4"]
    units = ["u1", "u2"]
    cells = {
        "d1": {"u1": "AR"},  # fine
        "d2": {"u1": "A", "u2": "A"},  # two accountable, no responsible
        "d3": {"u1": "C", "gone": "AR"},  # a unit that no longer exists does not count
        "d4": {"u1": "A", "u2": "X"},
    }
    found = [(p.duty_id, p.code, p.units) for p in raci.problems(cells, duties, units)]
    assert found == [
        ("d2", "many_accountable", ("u1", "u2")),
        ("d2", "no_responsible", ()),
        ("d3", "no_accountable", ()),
        ("d3", "no_responsible", ()),
        ("d4", "bad_letter", ("u2",)),
        ("d4", "no_responsible", ()),
    ]
    assert raci.problems({"d1": {"u1": "A", "u2": "R"}}, ["d1"], units) == []


# --- training needs ------------------------------------------------------------------------------


def test_required_topics_follow_the_table():
    table = manual.training_table()
    # 治理及管理階層 at 準備: 雲端服務基礎概觀, plus all staff's security awareness.
    assert training_rules.required_topics(
        group="ch4.2.training.r1", stage="preparation", board_member=False, table=table
    ) == ("ch4.2.training.r1.c2", "ch4.1.d")
    # The same group at 優化 needs 雲端安全性與合規性 (the 發展/優化 cell).
    assert training_rules.required_topics(
        group="ch4.2.training.r1", stage="optimisation", board_member=False, table=table
    ) == ("ch4.2.training.r1.c3", "ch4.1.d")
    # 建置及維運執行團隊 at 優化: 雲端計算與成本管理、雲端自動化設計.
    assert training_rules.required_topics(
        group="ch4.2.training.r3", stage="optimisation", board_member=False, table=table
    ) == ("ch4.2.training.r3.c4", "ch4.1.d")
    # The board (Ch 4.1 (a)) adds risk awareness.
    assert training_rules.required_topics(
        group="ch4.2.training.r1", stage="development", board_member=True, table=table
    ) == ("ch4.1.a", "ch4.2.training.r1.c3", "ch4.1.d")


def test_without_a_group_or_a_stage_only_all_staff_topics():
    table = manual.training_table()
    assert training_rules.required_topics(
        group=None, stage="development", board_member=False, table=table
    ) == ("ch4.1.d",)
    assert training_rules.required_topics(
        group="ch4.2.training.r2", stage=None, board_member=False, table=table
    ) == ("ch4.1.d",)


def test_groups_proposed_from_units_and_audiences():
    assert training_rules.propose_group("operations") == "ch4.2.training.r3"
    assert training_rules.propose_group("management") == "ch4.2.training.r1"
    assert training_rules.propose_group("business") == "ch4.2.training.r2"
    assert training_rules.propose_group(None) is None
    assert training_rules.audiences(group="ch4.2.training.r3", board_member=False) == (
        "ch4.1.b",
        "ch4.1.d",
    )
    assert training_rules.audiences(group="ch4.2.training.r1", board_member=True) == (
        "ch4.1.a",
        "ch4.1.c",
        "ch4.1.d",
    )


def test_completion_state_and_the_reminder_window():
    today = D(2025, 6, 1)
    assert training_rules.completion_state(None, today) is training_rules.Completion.VALID
    assert training_rules.completion_state(D(2025, 9, 1), today).value == "valid"
    assert training_rules.completion_state(D(2025, 7, 31), today).value == "expiring"  # 60 days
    assert training_rules.completion_state(D(2025, 6, 1), today).value == "expiring"
    assert training_rules.completion_state(D(2025, 5, 31), today).value == "expired"


def test_plan_needs_opens_missing_and_withdraws_stale():
    plan = training_rules.plan_needs(
        ("ch4.2.training.r3.c3", "ch4.1.d"),
        open_topics={"ch4.2.training.r3.c2"},
        met_topics={"ch4.1.d"},
    )
    assert plan.to_open == ("ch4.2.training.r3.c3",)
    assert plan.to_withdraw == ("ch4.2.training.r3.c2",)
