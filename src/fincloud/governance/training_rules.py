"""Who needs which training (Ch 4), as pure functions over the Ch 4.2 table.

A *topic* is a catalog id a person must be trained on:
- the cells of the Ch 4.2 table for the person's group at the institution's adoption stage
  (e.g. ``ch4.2.training.r1.c2`` 準備階段：雲端服務基礎概觀 for 治理及管理階層 at 準備);
- ``ch4.1.d`` (security awareness) for all staff (Ch 4.1 (d));
- ``ch4.1.a`` (risk awareness) for members of the board (Ch 4.1 (a)).
Ch 4.1 (b) and (c) are met through the groups: execution teams with specific skills are the
建置及維運執行團隊 (row r3); units and staff involved with the cloud are 治理及管理階層 and
服務監管與使用人員 (rows r1, r2).

Groups are not app roles (issue 7): a person is mapped to a group by the governance officer.
For a new hire or a person who moves, a group is *proposed* from the kind of their unit until
the officer confirms it; the proposal is our reading of the table, not the manual's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

from fincloud.governance.manual import TrainingTable

ALL_STAFF_TOPIC = "ch4.1.d"
BOARD_TOPIC = "ch4.1.a"
EXPIRY_WARNING_DAYS = 60

GROUP_GOVERNANCE = "ch4.2.training.r1"  # 治理及管理階層
GROUP_OVERSIGHT = "ch4.2.training.r2"  # 服務監管與使用人員
GROUP_BUILD = "ch4.2.training.r3"  # 建置及維運執行團隊

# BusinessUnit.Kind -> proposed group (the officer confirms or changes it).
PROPOSED_GROUP = {
    "management": GROUP_GOVERNANCE,
    "governance": GROUP_OVERSIGHT,
    "business": GROUP_OVERSIGHT,
    "security": GROUP_OVERSIGHT,
    "risk": GROUP_OVERSIGHT,
    "legal": GROUP_OVERSIGHT,
    "audit": GROUP_OVERSIGHT,
    "operations": GROUP_BUILD,
    "it": GROUP_BUILD,
}

# Ch 4.1 audiences by group (see the module docstring).
AUDIENCE_BY_GROUP = {
    GROUP_GOVERNANCE: "ch4.1.c",
    GROUP_OVERSIGHT: "ch4.1.c",
    GROUP_BUILD: "ch4.1.b",
}


def propose_group(unit_kind: str | None) -> str | None:
    return PROPOSED_GROUP.get(unit_kind or "")


def audiences(*, group: str | None, board_member: bool) -> tuple[str, ...]:
    """The Ch 4.1 audiences (a)-(d) a person belongs to, in the manual's order."""
    found = {ALL_STAFF_TOPIC}
    if board_member:
        found.add(BOARD_TOPIC)
    if group in AUDIENCE_BY_GROUP:
        found.add(AUDIENCE_BY_GROUP[group])
    return tuple(sorted(found))


def required_topics(
    *, group: str | None, stage: str | None, board_member: bool, table: TrainingTable
) -> tuple[str, ...]:
    """The topics a person needs. Without a group or a recorded adoption stage only the
    topics that depend on neither (all staff, the board) are required."""
    topics: list[str] = []
    if board_member:
        topics.append(BOARD_TOPIC)
    if group and stage:
        row = table.group(group)
        if row is not None:
            topics.extend(cell.id for cell in row.cells if stage in cell.stages)
    topics.append(ALL_STAFF_TOPIC)
    return tuple(topics)


def stage_topics(table: TrainingTable, stage: str) -> tuple[str, ...]:
    """Every topic of the table at one stage, group by group, plus the audience topics."""
    return (
        BOARD_TOPIC,
        *(c.id for c in table.cells() if stage in c.stages),
        ALL_STAFF_TOPIC,
    )


class Completion(str, Enum):
    MISSING = "missing"
    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"


def completion_state(
    valid_until: dt.date | None, today: dt.date, warning_days: int = EXPIRY_WARNING_DAYS
) -> Completion:
    """A completion without an end date stays valid; one ending within the warning window is
    expiring (a reminder is due); one whose end date has passed no longer counts."""
    if valid_until is None:
        return Completion.VALID
    if valid_until < today:
        return Completion.EXPIRED
    if (valid_until - today).days <= warning_days:
        return Completion.EXPIRING
    return Completion.VALID


@dataclass(frozen=True)
class NeedPlan:
    """What to change in a person's stored needs so they match the required topics."""

    to_open: tuple[str, ...]
    to_withdraw: tuple[str, ...]


def plan_needs(required: tuple[str, ...], open_topics: set[str], met_topics: set[str]) -> NeedPlan:
    """Open a need for each required topic neither open nor met; withdraw open needs for topics
    no longer required."""
    to_open = tuple(t for t in required if t not in open_topics and t not in met_topics)
    to_withdraw = tuple(sorted(t for t in open_topics if t not in required))
    return NeedPlan(to_open, to_withdraw)
