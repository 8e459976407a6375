"""Recognising recurring incidents (Ch 8.2): plain Python, no Django.

Ch 8.2 closes with: when frequently recurring incidents become a systemic problem, carry out
mitigation and a handling process (對經常發生之…事件變成系統問題時，執行減緩措施及處理流程).
The manual gives no number for "frequently"; the institution sets one: ``threshold`` incidents
of the same category on the same service within ``window``. Incidents without a service are
grouped by category alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

RECURRING_PROBLEM: Final = "ch8.2.p3"
ROOT_CAUSE: Final = "ch8.2.management.g"
CITED_IDS: Final = (RECURRING_PROBLEM, ROOT_CAUSE)


@dataclass(frozen=True, slots=True)
class Occurrence:
    ident: str
    service: str | None
    category: str
    detected_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Recurrence:
    service: str | None
    category: str
    idents: tuple[str, ...]  # in order of detection
    first: dt.datetime
    last: dt.datetime

    @property
    def count(self) -> int:
        return len(self.idents)


def _check(threshold: int, window: dt.timedelta) -> None:
    if threshold < 2:
        raise ValueError(f"threshold must be at least 2, got {threshold}")
    if window <= dt.timedelta(0):
        raise ValueError("window must be positive")


def recurrence_of(
    target: Occurrence,
    history: Iterable[Occurrence],
    *,
    threshold: int,
    window: dt.timedelta,
) -> Recurrence | None:
    """The largest group of same-service, same-category incidents, the target among them, that
    fits in one window and reaches the threshold; None if there is none."""
    _check(threshold, window)
    same = {
        o.ident: o for o in history if o.service == target.service and o.category == target.category
    }
    same[target.ident] = target
    ordered = sorted(same.values(), key=lambda o: (o.detected_at, o.ident))
    best: list[Occurrence] = []
    for start in ordered:
        if start.detected_at > target.detected_at:
            break
        end = start.detected_at + window
        if target.detected_at > end:
            continue
        group = [o for o in ordered if start.detected_at <= o.detected_at <= end]
        if len(group) > len(best):
            best = group
    if len(best) < threshold:
        return None
    return Recurrence(
        service=target.service,
        category=target.category,
        idents=tuple(o.ident for o in best),
        first=best[0].detected_at,
        last=best[-1].detected_at,
    )


def recurrences(
    occurrences: Iterable[Occurrence], *, threshold: int, window: dt.timedelta
) -> list[Recurrence]:
    """Every maximal recurring group in a history (for a report over all incidents)."""
    _check(threshold, window)
    by_key: dict[tuple[str | None, str], list[Occurrence]] = {}
    for o in occurrences:
        by_key.setdefault((o.service, o.category), []).append(o)
    found: list[Recurrence] = []
    for (service, category), items in by_key.items():
        items.sort(key=lambda o: (o.detected_at, o.ident))
        covered: set[str] = set()
        for i, start in enumerate(items):
            end = start.detected_at + window
            group = [o for o in items[i:] if o.detected_at <= end]
            if len(group) >= threshold and not {o.ident for o in group} <= covered:
                covered.update(o.ident for o in group)
                found.append(
                    Recurrence(
                        service=service,
                        category=category,
                        idents=tuple(o.ident for o in group),
                        first=group[0].detected_at,
                        last=group[-1].detected_at,
                    )
                )
    found.sort(key=lambda r: (r.first, r.category))
    return found
