"""Incident notification duties (Ch 8.2) and their countdowns: plain Python, no Django.

The manual asks for a notification mechanism (Ch 8.2 notification (a)-(f)) and says that staff
report "immediately" (立即通報, (e)) and that major incidents go "immediately" to the internal
platform and operations centre ((f)); it gives no number of hours, and the authorities'
own deadlines live outside the manual. So every duty is a rule the institution sets: which
incidents it covers (a minimum severity, optionally some categories, optionally only when
customers are affected) and how many hours after detection the notice is due.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

# Catalog ids.
NOTIFY_CHANNEL: Final = "ch8.2.notification.a"
NOTIFY_IMMEDIATELY: Final = "ch8.2.notification.e"
NOTIFY_MAJOR: Final = "ch8.2.notification.f"
COORDINATE_EXTERNAL: Final = "ch8.2.management.d"  # regulators, CSPs, customers
CITED_IDS: Final = (NOTIFY_CHANNEL, NOTIFY_IMMEDIATELY, NOTIFY_MAJOR, COORDINATE_EXTERNAL)

# Severity, lowest first; "major" is the manual's 重大 (Ch 8.2 notification (f)).
SEVERITIES: Final = ("low", "medium", "high", "major")
MAX_HOURS: Final = Decimal(24 * 90)

State = Literal["pending", "overdue", "done", "late"]


def severity_rank(severity: str) -> int:
    try:
        return SEVERITIES.index(severity)
    except ValueError:
        raise ValueError(
            f"unknown severity {severity!r} (known: {', '.join(SEVERITIES)})"
        ) from None


def _aware(value: dt.datetime, name: str) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must carry a time zone")
    return value


@dataclass(frozen=True, slots=True)
class Rule:
    """An institution's notification duty: notify ``authority`` within ``hours`` of detection
    for incidents of at least ``min_severity`` (and of ``categories``, if any are named; and
    only where customers are affected, if ``customer_impact_only``)."""

    key: str
    authority: str
    min_severity: str
    hours: Decimal
    categories: frozenset[str] = frozenset()
    customer_impact_only: bool = False

    def __post_init__(self) -> None:
        severity_rank(self.min_severity)
        if not Decimal(0) < Decimal(self.hours) <= MAX_HOURS:
            raise ValueError(f"hours must lie in (0, {MAX_HOURS}], got {self.hours}")


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    detected_at: dt.datetime
    severity: str
    category: str
    customer_impact: bool = False


def applies(rule: Rule, facts: IncidentFacts) -> bool:
    if severity_rank(facts.severity) < severity_rank(rule.min_severity):
        return False
    if rule.categories and facts.category not in rule.categories:
        return False
    return not (rule.customer_impact_only and not facts.customer_impact)


def due_at(detected_at: dt.datetime, hours: Decimal) -> dt.datetime:
    """Detection time plus the rule's hours (to the second)."""
    _aware(detected_at, "detected_at")
    return detected_at + dt.timedelta(seconds=int(Decimal(hours) * 3600))


@dataclass(frozen=True, slots=True)
class Duty:
    rule: Rule
    due_at: dt.datetime


def duties(facts: IncidentFacts, rules: Iterable[Rule]) -> list[Duty]:
    """The notices this incident calls for, soonest first."""
    out = [
        Duty(rule, due_at(facts.detected_at, rule.hours)) for rule in rules if applies(rule, facts)
    ]
    out.sort(key=lambda d: (d.due_at, d.rule.authority))
    return out


@dataclass(frozen=True, slots=True)
class Countdown:
    due_at: dt.datetime
    state: State
    # pending: time left; overdue: time past the deadline (positive); done: margin kept;
    # late: how late the notice was.
    delta: dt.timedelta

    @property
    def alert(self) -> bool:
        return self.state in {"overdue", "late"}


def countdown(due: dt.datetime, now: dt.datetime, done_at: dt.datetime | None = None) -> Countdown:
    _aware(due, "due_at")
    _aware(now, "now")
    if done_at is not None:
        _aware(done_at, "done_at")
        if done_at <= due:
            return Countdown(due, "done", due - done_at)
        return Countdown(due, "late", done_at - due)
    if now <= due:
        return Countdown(due, "pending", due - now)
    return Countdown(due, "overdue", now - due)


def duration_text(delta: dt.timedelta, lang: Literal["zh-TW", "en"] = "zh-TW") -> str:
    """'1 天 2 小時 5 分鐘' / '1 d 2 h 5 min', whole minutes, at least one part."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    units = ("天", "小時", "分鐘") if lang == "zh-TW" else ("d", "h", "min")
    parts = [f"{n} {u}" for n, u in zip((days, hours, mins), units, strict=True) if n]
    return " ".join(parts) if parts else f"0 {units[2]}"
