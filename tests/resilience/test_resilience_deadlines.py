"""Notification duties as institution rules (Ch 8.2: the manual says "immediately" and gives no
number, so the institution sets the hours), with countdowns and overdue states."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from fincloud.resilience.deadlines import (
    IncidentFacts,
    Rule,
    applies,
    countdown,
    due_at,
    duration_text,
    duties,
)

TAIPEI = ZoneInfo("Asia/Taipei")
DETECTED = dt.datetime(2026, 3, 2, 10, 0, tzinfo=TAIPEI)

# The institution's own settings: Ch 8.2 notification (f) says major incidents go to the
# internal platform and operations centre "immediately"; this institution reads that as one hour.
OPS_CENTRE = Rule("ops", "內部平台和作業中心", min_severity="major", hours=Decimal(1))
REGULATOR = Rule(
    "fsc",
    "主管機關",
    min_severity="high",
    hours=Decimal(4),
    categories=frozenset({"data_breach", "malware"}),
)
CUSTOMERS = Rule(
    "customers", "受影響客戶", min_severity="medium", hours=Decimal(72), customer_impact_only=True
)


def test_institution_rule_gives_a_due_time_and_a_countdown() -> None:
    facts = IncidentFacts(DETECTED, "major", "outage")
    [duty] = duties(facts, [OPS_CENTRE])
    assert duty.due_at == dt.datetime(2026, 3, 2, 11, 0, tzinfo=TAIPEI)
    soon = countdown(duty.due_at, DETECTED + dt.timedelta(minutes=20))
    assert (soon.state, soon.delta) == ("pending", dt.timedelta(minutes=40))
    assert not soon.alert
    late = countdown(duty.due_at, DETECTED + dt.timedelta(minutes=75))
    assert (late.state, late.delta) == ("overdue", dt.timedelta(minutes=15))
    assert late.alert


def test_a_notice_sent_in_time_is_done_and_one_sent_late_is_marked_late() -> None:
    due = due_at(DETECTED, Decimal(1))
    now = DETECTED + dt.timedelta(hours=5)
    assert countdown(due, now, DETECTED + dt.timedelta(minutes=50)).state == "done"
    late = countdown(due, now, DETECTED + dt.timedelta(minutes=65))
    assert (late.state, late.delta) == ("late", dt.timedelta(minutes=5))


def test_fractional_hours() -> None:
    assert due_at(DETECTED, Decimal("0.5")) == DETECTED + dt.timedelta(minutes=30)


def test_which_rules_apply() -> None:
    rules = [OPS_CENTRE, REGULATOR, CUSTOMERS]
    breach = IncidentFacts(DETECTED, "major", "data_breach", customer_impact=True)
    assert [d.rule.key for d in duties(breach, rules)] == ["ops", "fsc", "customers"]
    outage = IncidentFacts(DETECTED, "high", "outage")
    assert [d.rule.key for d in duties(outage, rules)] == []
    assert applies(REGULATOR, IncidentFacts(DETECTED, "high", "malware"))
    assert not applies(REGULATOR, IncidentFacts(DETECTED, "medium", "malware"))
    assert not applies(CUSTOMERS, IncidentFacts(DETECTED, "major", "outage"))


def test_rules_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="hours must lie in"):
        Rule("x", "x", min_severity="low", hours=Decimal(0))
    with pytest.raises(ValueError, match="unknown severity"):
        Rule("x", "x", min_severity="catastrophic", hours=Decimal(1))


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="time zone"):
        due_at(dt.datetime(2026, 3, 2, 10, 0), Decimal(1))  # noqa: DTZ001 (the point of the test)


def test_duration_text() -> None:
    assert duration_text(dt.timedelta(days=1, hours=2, minutes=5)) == "1 天 2 小時 5 分鐘"
    assert duration_text(dt.timedelta(minutes=40), "en") == "40 min"
    assert duration_text(dt.timedelta(seconds=30), "en") == "0 min"
