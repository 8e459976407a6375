"""Segregation of duties among the institution's staff (Ch 1.4, RULES.md §8), as a pure function.

Ch 1.4 lists four groups of activities that one person should not perform alone:
(a) initiating / approving / executing changes; (b) requesting / approving / implementing
access; (c) designing / implementing / reviewing code; (d) designing / auditing cloud security
controls. The catalog gives each group's subject and activities (``ch1.4.sod.*`` data); an
activity is named ``"<subject>.<activity>"``, e.g. ``"change.approve"``.

Two assignments of one person conflict when they are different activities of the same group and
their scopes overlap: the same cloud service, or either of them covering every service
(``service is None``). Plain Python, no Django: frozen dataclasses in and out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

from fincloud.catalog import Catalog, Node

ALL_SERVICES = None


@dataclass(frozen=True)
class SodRule:
    """One Ch 1.4 segregation item: any two of its activities conflict."""

    item_id: str  # catalog id, e.g. "ch1.4.sod.a"
    subject: str  # "change", "access", "code", "security_controls"
    activities: tuple[str, ...]  # ("initiate", "approve", "execute")

    def names(self) -> tuple[str, ...]:
        return tuple(f"{self.subject}.{a}" for a in self.activities)


@dataclass(frozen=True)
class Assignment:
    """One person's assignment to one activity, for one service or (None) for every service."""

    key: str  # the assignment's identity (its code), carried into the report
    person: str
    activity: str  # "<subject>.<activity>"
    service: str | None = ALL_SERVICES


@dataclass(frozen=True)
class Conflict:
    person: str
    rule: SodRule
    first: Assignment
    second: Assignment
    # The services on which both hold: one service, or None for every service.
    service: str | None

    @property
    def activities(self) -> tuple[str, str]:
        return (self.first.activity, self.second.activity)


def rules_from_nodes(nodes: Iterable[Node]) -> tuple[SodRule, ...]:
    return tuple(
        SodRule(
            item_id=n.id,
            subject=str(n.data["subject"]),
            activities=tuple(str(a) for a in n.data["activities"]),
        )
        for n in nodes
    )


def rules_from_catalog(catalog: Catalog) -> tuple[SodRule, ...]:
    return rules_from_nodes(n for n in catalog.children("ch1.4") if n.id.startswith("ch1.4.sod."))


def activity_names(rules: Iterable[SodRule]) -> tuple[str, ...]:
    return tuple(name for rule in rules for name in rule.names())


def rule_for(activity: str, rules: Iterable[SodRule]) -> SodRule | None:
    return next((r for r in rules if activity in r.names()), None)


def overlap(a: str | None, b: str | None) -> tuple[bool, str | None]:
    """Do two scopes overlap, and on what: (True, service), (True, None) = every service."""
    if a is ALL_SERVICES:
        return True, b
    if b is ALL_SERVICES or a == b:
        return True, a
    return False, None


def find_conflicts(assignments: Iterable[Assignment], rules: Iterable[SodRule]) -> list[Conflict]:
    """Every pair of one person's assignments that Ch 1.4 says must be held by different people.

    The result is ordered by person, then by the rule's order in the manual, then by the
    assignments' order in the input; each unordered pair appears once.
    """
    rules = tuple(rules)
    by_person: dict[str, list[tuple[int, Assignment]]] = defaultdict(list)
    for index, assignment in enumerate(assignments):
        by_person[assignment.person].append((index, assignment))
    found: list[Conflict] = []
    for person in sorted(by_person):
        held = by_person[person]
        for rule in rules:
            names = rule.names()
            mine = [(i, a) for i, a in held if a.activity in names]
            for (_i, a), (_j, b) in combinations(mine, 2):
                if a.activity == b.activity:
                    continue  # the same activity twice (e.g. two services) is no conflict
                hit, service = overlap(a.service, b.service)
                if hit:
                    found.append(Conflict(person, rule, a, b, service))
    return found


def conflicts_of(
    candidate: Assignment, existing: Iterable[Assignment], rules: Iterable[SodRule]
) -> list[Conflict]:
    """The conflicts a new assignment would create with a person's current assignments."""
    rules = tuple(rules)
    rule = rule_for(candidate.activity, rules)
    if rule is None:
        return []
    found = []
    for other in existing:
        if other.person != candidate.person or other.activity == candidate.activity:
            continue
        if other.activity not in rule.names():
            continue
        hit, service = overlap(other.service, candidate.service)
        if hit:
            found.append(Conflict(candidate.person, rule, other, candidate, service))
    return found
