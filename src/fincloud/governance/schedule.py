"""Dates of the yearly policy review and other recurring governance work (pure functions).

Ch 1.3: the institution is advised to review every year whether its cloud service management
policy is affected by factors (a)-(e), so as to update it in good time. The clock starts when
the first version of the policy is approved and restarts at every completed review; an approved
new version of the policy does not restart it (a revision is not a review of the factors).
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import Enum

DUE_SOON_DAYS = 30


class Status(str, Enum):
    NONE = "none"  # nothing to track yet (no approved policy)
    OK = "ok"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the 29th-31st fall back to the month's last day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def status_for(due: dt.date | None, today: dt.date, soon_days: int = DUE_SOON_DAYS) -> Status:
    if due is None:
        return Status.NONE
    if due < today:
        return Status.OVERDUE
    if (due - today).days <= soon_days:
        return Status.DUE_SOON
    return Status.OK


@dataclass(frozen=True)
class ReviewState:
    last_review_on: dt.date | None
    due_on: dt.date | None
    status: Status


def policy_review_state(
    *,
    first_approved_on: dt.date | None,
    last_review_on: dt.date | None,
    today: dt.date,
    interval_months: int = 12,
) -> ReviewState:
    """When the next yearly review is due and whether it is overdue."""
    start = last_review_on or first_approved_on
    if start is None:
        return ReviewState(None, None, Status.NONE)
    due = add_months(start, interval_months)
    return ReviewState(last_review_on, due, status_for(due, today))


@dataclass(frozen=True)
class UpdateState:
    pending: bool
    due_on: dt.date | None
    status: Status


def policy_update_state(
    *,
    review_at: dt.date | None,
    update_needed: bool,
    update_due: dt.date | None,
    latest_approved_at: dt.date | None,
    today: dt.date,
) -> UpdateState:
    """A review that found an update needed stays pending until a version of the policy is
    approved after the review was recorded; it is overdue after the date the reviewer set.
    ``review_at`` and ``latest_approved_at`` are both dates or both datetimes."""
    if review_at is None or not update_needed:
        return UpdateState(False, None, Status.NONE)
    if latest_approved_at is not None and latest_approved_at > review_at:
        return UpdateState(False, update_due, Status.NONE)
    return UpdateState(True, update_due, status_for(update_due, today))


def next_meeting_due(
    last_held_on: dt.date | None, established_on: dt.date | None, interval_months: int
) -> dt.date | None:
    """Ch 1.4 (c) asks for regular communication: the next meeting after the last one held."""
    start = last_held_on or established_on
    return add_months(start, interval_months) if start else None
