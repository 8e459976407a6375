"""Where a catalog node is used: apps register a lookup so the browser can show, for a manual
item, the records that rest on it (determinations citing it, evidence for it, checklist answers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class UsageRef:
    label: str | Promise  # what kind of record ("Determination", "Evidence file")
    title: str
    url: str | None = None


Lookup = Callable[[str, int], Iterable[UsageRef]]
_LOOKUPS: dict[str, Lookup] = {}


def register(name: str, lookup: Lookup) -> None:
    _LOOKUPS[name] = lookup


def usages(node_id: str, limit: int = 50) -> list[UsageRef]:
    found: list[UsageRef] = []
    for lookup in _LOOKUPS.values():
        found.extend(lookup(node_id, limit))
        if len(found) >= limit:
            break
    return found[:limit]
