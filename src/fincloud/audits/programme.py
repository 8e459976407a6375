"""The audit programme of one audit, generated from the Ch 7.3 table (RULES.md §3).

Plain Python (no Django). Ch 7.3 gives a table of 13 domains (加密及金鑰管理 … 資料安全), each
with audit checks, and says the audit items "can be adjusted to the service model chosen"
(IaaS: infrastructure security; PaaS: development security; SaaS: application security), but it
does not say which domain belongs to which model. So the system does not invent a mapping: every
domain is in the programme unless the institution's recorded tailoring for that service model
leaves it out (with a reason, kept in the database and the audit trail). For material services
the focus items (a)–(f) of Ch 7.3 come first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

from fincloud.catalog import Catalog, Node

TABLE_NODE: Final = "ch7.3.table"
FOCUS_PREFIX: Final = "ch7.3.focus."
ItemKind: TypeAlias = Literal["focus", "check"]


def domains(catalog: Catalog) -> list[Node]:
    """The 13 domains of the Ch 7.3 table, in the manual's order."""
    return [n for n in catalog.children(TABLE_NODE) if n.kind == "audit_domain"]


def focus_items(catalog: Catalog) -> list[Node]:
    """Ch 7.3 (a)–(f), the focus items for material services."""
    return [n for n in catalog.children("ch7.3") if n.id.startswith(FOCUS_PREFIX)]


@dataclass(frozen=True, slots=True)
class ProgrammeSpec:
    catalog_id: str
    kind: ItemKind
    domain_id: str  # "" for the focus items
    order: int


@dataclass(frozen=True, slots=True)
class Programme:
    items: tuple[ProgrammeSpec, ...]
    excluded_domains: tuple[str, ...]  # left out by the tailoring, in the manual's order
    focus_included: bool


def build_programme(
    catalog: Catalog, *, material: bool, excluded: Mapping[str, str] | frozenset[str] = frozenset()
) -> Programme:
    """The programme for one audit: the focus items when material, then every check of every
    domain not excluded by the tailoring (``excluded``: domain id -> reason, or a set of ids)."""
    out: list[ProgrammeSpec] = []
    if material:
        for node in focus_items(catalog):
            out.append(ProgrammeSpec(node.id, "focus", "", len(out)))
    left_out: list[str] = []
    for domain in domains(catalog):
        if domain.id in excluded:
            left_out.append(domain.id)
            continue
        for check in catalog.children(domain.id):
            if check.kind == "audit_check":
                out.append(ProgrammeSpec(check.id, "check", domain.id, len(out)))
    return Programme(items=tuple(out), excluded_domains=tuple(left_out), focus_included=material)
