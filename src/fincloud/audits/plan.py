"""The audit plan of one service: when its next audits are due (Ch 7.1 (a), RULES.md §3).

Plain Python (no Django). The cadence itself is ``fincloud.rules.audit_cadence`` (never
re-implemented here): classification 1 -> a general and a special (project) audit every 12
months; 2 -> one audit every 12 months; 3 and 4 -> every 24 months "or as the institution's
resources decide", so the institution's policy may set another interval for classes 3 and 4.

From the cadence, the last audits done and the date the service went into use, ``plan_for``
works out the next due dates and returns them as a ``fincloud.rules.Determination`` (kind
``audit_plan``) that the web app stores, with the citations and the reasons in both languages.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Final, cast

from fincloud.rules import RULE_VERSION, Determination, audit_cadence
from fincloud.rules.engine import Classification
from fincloud.rules.profile import ServiceModel
from fincloud.rules.texts import CLASSIFICATION_NUMBER

PLAN_KIND: Final = "audit_plan"
# The plan adds dates and the policy to the rules' cadence; bump when that arithmetic changes.
PLAN_VERSION: Final = f"{RULE_VERSION}+plan.1"
POLICY_CLASSES: Final = (3, 4)
POLICY_MONTHS_RANGE: Final = (1, 60)
POLICY_NODE: Final = "ch7.1.cadence.r3"


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 -> 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


@dataclass(frozen=True, slots=True)
class PlanInput:
    classification: str  # a fincloud.rules classification; "" or out_of_scope -> no plan
    service_model: str
    material: bool
    last_general: dt.date | None  # the last general audit completed (report date)
    last_special: dt.date | None  # the last special (project) audit completed
    baseline: dt.date | None  # when the service went into use (or was registered)
    policy_months: int | None = None  # the institution's interval for classes 3 and 4


@dataclass(frozen=True, slots=True)
class PlanEntry:
    classification_number: int
    interval_months: int
    default_interval_months: int
    policy_applied: bool
    special_required: bool
    focus_items: bool  # material: the Ch 7.3 (a)-(f) focus items join the programme
    next_general_due: dt.date
    next_special_due: dt.date | None
    determination: Determination

    def overdue(self, today: dt.date) -> bool:
        if self.next_general_due < today:
            return True
        return self.next_special_due is not None and self.next_special_due < today


def _due(last: dt.date | None, baseline: dt.date | None, months: int, today: dt.date) -> dt.date:
    # Never audited: due one interval after the service went into use; with no date at all,
    # an audit is due now.
    start = last or baseline
    return add_months(start, months) if start is not None else today


def plan_for(inp: PlanInput, today: dt.date) -> PlanEntry | None:
    """The plan entry, or None when the service has no cadence (unclassified, out of scope)."""
    number = CLASSIFICATION_NUMBER.get(inp.classification)
    if number is None:
        return None
    cadence_det = audit_cadence(
        cast(Classification, inp.classification),
        cast(ServiceModel, inp.service_model),
        inp.material,
    )
    outcome = cadence_det.outcome
    if not isinstance(outcome, dict):  # a known classification always has a cadence
        return None
    default_months = int(outcome["interval_months"])
    special = bool(outcome["special_audit_required"])
    policy_applied = (
        number in POLICY_CLASSES
        and inp.policy_months is not None
        and inp.policy_months != default_months
    )
    months = inp.policy_months if policy_applied and inp.policy_months else default_months
    general_due = _due(inp.last_general, inp.baseline, months, today)
    special_due = _due(inp.last_special, inp.baseline, months, today) if special else None

    zh = list(cadence_det.explanation_zh)
    en = list(cadence_det.explanation_en)
    citations = list(cadence_det.citations)
    if policy_applied:
        zh.append(f"依機構政策，分級{number}之查核間隔為{months}個月（預設{default_months}個月）。")
        en.append(
            f"The institution's policy sets the interval for classification {number} to "
            f"{months} months (default {default_months})."
        )
    if inp.last_general:
        zh.append(f"上次一般性查核完成於 {inp.last_general.isoformat()}。")
        en.append(f"Last general audit completed on {inp.last_general.isoformat()}.")
    elif inp.baseline:
        zh.append(f"尚無查核紀錄；自 {inp.baseline.isoformat()} 起算。")
        en.append(f"No audit on record; counted from {inp.baseline.isoformat()}.")
    else:
        zh.append("尚無查核紀錄，亦無使用起始日：應即辦理查核。")
        en.append("No audit on record and no start date: an audit is due now.")
    zh.append(f"下次一般性查核期限：{general_due.isoformat()}。")
    en.append(f"Next general audit due by {general_due.isoformat()}.")
    if special_due is not None:
        zh.append(f"下次專案查核期限：{special_due.isoformat()}。")
        en.append(f"Next special (project) audit due by {special_due.isoformat()}.")

    det = Determination(
        kind=PLAN_KIND,
        inputs={
            "classification": inp.classification,
            "service_model": inp.service_model,
            "material": inp.material,
            "last_general": inp.last_general.isoformat() if inp.last_general else None,
            "last_special": inp.last_special.isoformat() if inp.last_special else None,
            "baseline": inp.baseline.isoformat() if inp.baseline else None,
            "policy_months": inp.policy_months,
        },
        outcome={
            "classification_number": number,
            "interval_months": months,
            "default_interval_months": default_months,
            "policy_applied": policy_applied,
            "special_audit_required": special,
            "focus_items": inp.material,
            "next_general_due": general_due.isoformat(),
            "next_special_due": special_due.isoformat() if special_due else None,
        },
        citations=tuple(dict.fromkeys(citations)),
        explanation_zh=tuple(zh),
        explanation_en=tuple(en),
        rule_version=PLAN_VERSION,
    )
    return PlanEntry(
        classification_number=number,
        interval_months=months,
        default_interval_months=default_months,
        policy_applied=policy_applied,
        special_required=special,
        focus_items=inp.material,
        next_general_due=general_due,
        next_special_due=special_due,
        determination=det,
    )
