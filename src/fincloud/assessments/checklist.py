"""What a pre-use assessment asks, generated from the catalog (never typed by hand).

The backbone is every Annex 2 使用前評估 checklist item (``a2.before.*``); the sections that need
more than a yes/no come from the chapters the manual points at: Ch 1.2 (suitability, locations),
Ch 2.2 (risk mechanism, risk items, materiality factors), Ch 3.1 (due diligence), Ch 3.3
(alternative measures), Ch 7.2 (auditor qualification) and Annex 3 (contract rows).

Plain Python over ``fincloud.catalog``: no Django here, so it is tested without a database.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Final, Literal

from fincloud.catalog import Catalog, Node, load_catalog

Section = Literal["locations", "due_diligence", "risks", "contract", "answer"]

# Where an Annex 2 item's own reference (its catalog `data.refs`) is answered in the assessment.
# An item whose reference has no section of its own is answered directly, with evidence.
SECTION_BY_REF: Final[dict[str, Section]] = {
    "ch1.2": "locations",  # a2.before.1.1: data-protection law of the locations (Ch 1.2 (c))
    "ch3.1": "due_diligence",  # a2.before.2.1: the due-diligence procedure
    "ch2.2": "risks",  # a2.before.1.4: management capability, risk item (k)
}

# Ch 3.1: the due-diligence items that concern information security; the security officer
# answers these, the governance officer the others (issue 6: security owns the security items).
SECURITY_DUE_DILIGENCE: Final = frozenset(
    {
        "ch3.1.g",  # security capability, certifications
        "ch3.1.h",  # threat and vulnerability management, scans and penetration tests
        "ch3.1.i",  # security-incident notification
        "ch3.1.j",  # audit-trail retention
        "ch3.1.m",  # infrastructure and virtualisation security
        "ch3.1.n",  # destruction, loss and breach notification
    }
)
# Ch 3.1 (g) names the certifications a CSP may hold.
CERTIFICATION_ITEM: Final = "ch3.1.g"

# Annex 3 part 2 (協力義務): rows its footnote 1 lets an institution tailor to practical needs,
# the service model and the split of duties.
COOPERATION_SECTION: Final = "a3.part2"
COOPERATION_FOOTNOTE: Final = "a3.part2.fn1"

# Annex 3: the §18 I rows, the documents a classification-1 filing needs (委外辦法 §18 I).
FILING_ROWS: Final = ("18.I.4.3.1", "18.I.4.3.2", "18.I.5", "18.I.6")
NO_INCIDENT_ROW: Final = "18.I.6"
STABILITY_ROW: Final = "18.I.4.3.2"


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One Annex 2 before-use item, with the domain it sits in and where it is answered."""

    id: str
    domain_id: str
    domain_zh: str
    domain_en: str
    text_zh: str
    text_en: str
    refs: tuple[str, ...]
    section: Section
    # For items that point at Annex 3 rows: those rows, without the "a3." prefix.
    contract_rows: tuple[str, ...] = ()

    def text(self, lang: str) -> str:
        return self.text_en if lang.startswith("en") else self.text_zh

    def domain(self, lang: str) -> str:
        return self.domain_en if lang.startswith("en") else self.domain_zh


def _refs(node: Node) -> tuple[str, ...]:
    refs = node.data.get("refs", ()) if node.data else ()
    return tuple(str(r) for r in refs)


def _section(refs: tuple[str, ...]) -> tuple[Section, tuple[str, ...]]:
    rows = tuple(r.removeprefix("a3.") for r in refs if r.startswith("a3."))
    if rows:
        return "contract", rows
    for ref in refs:
        if ref in SECTION_BY_REF:
            return SECTION_BY_REF[ref], ()
    return "answer", ()


def before_use_items(catalog: Catalog | None = None) -> tuple[ChecklistItem, ...]:
    """Every Annex 2 使用前評估 checklist item (a2.before.*), in the manual's order."""
    return _before_use_items(catalog or load_catalog())


@lru_cache(maxsize=4)
def _before_use_items(catalog: Catalog) -> tuple[ChecklistItem, ...]:
    items: list[ChecklistItem] = []
    for node in catalog.subtree("a2.before"):
        if node.kind != "checklist_item":
            continue
        domain = catalog.parent(node.id)
        assert domain is not None  # noqa: S101 - a checklist item always sits in a domain
        refs = _refs(node)
        section, rows = _section(refs)
        items.append(
            ChecklistItem(
                id=node.id,
                domain_id=domain.id,
                domain_zh=domain.text_zh,
                domain_en=domain.text_en,
                text_zh=node.text_zh,
                text_en=node.text_en,
                refs=refs,
                section=section,
                contract_rows=rows,
            )
        )
    return tuple(items)


def _items(catalog: Catalog, parent: str, prefix: str) -> tuple[Node, ...]:
    return tuple(n for n in catalog.children(parent) if n.id.startswith(prefix))


def suitability_items(catalog: Catalog | None = None) -> tuple[Node, ...]:
    """Ch 1.2 雲適性評估 (a)-(d): business, technical, financial and CSP items."""
    return _items(catalog or load_catalog(), "ch1.2", "ch1.2.suitability.")


def location_items(catalog: Catalog | None = None) -> tuple[Node, ...]:
    """Ch 1.2 location items (a)-(d)."""
    return _items(catalog or load_catalog(), "ch1.2", "ch1.2.location.")


def risk_mechanism(catalog: Catalog | None = None) -> tuple[Node, ...]:
    """Ch 2.2 risk-assessment mechanism (a)-(d)."""
    return _items(catalog or load_catalog(), "ch2.2", "ch2.2.mechanism.")


def risk_items(catalog: Catalog | None = None) -> tuple[Node, ...]:
    """Ch 2.2 risk-assessment items (a)-(k): the starting risk list."""
    return _items(catalog or load_catalog(), "ch2.2", "ch2.2.risk.")


def materiality_factors(catalog: Catalog | None = None) -> tuple[Node, ...]:
    """Ch 2.2 materiality factors (a)-(g) (FAQ 4)."""
    return _items(catalog or load_catalog(), "ch2.2", "ch2.2.materiality.")


def due_diligence_items(catalog: Catalog | None = None) -> tuple[Node, ...]:
    """Ch 3.1 due-diligence items (a)-(o)."""
    cat = catalog or load_catalog()
    return tuple(n for n in cat.children("ch3.1") if n.kind == "item")


def alternative_measures(catalog: Catalog | None = None) -> tuple[Node, ...]:
    """Ch 3.3 alternative measures (a)-(d) for a mandatory clause that cannot be agreed."""
    return _items(catalog or load_catalog(), "ch3.3", "ch3.3.alternative.")


def auditor_qualification_items(catalog: Catalog | None = None) -> tuple[Node, ...]:
    """Ch 7.2 (a)-(c): certifications, cloud-audit experience, independence."""
    return _items(catalog or load_catalog(), "ch7.2", "ch7.2.")


def auditor_certifications(catalog: Catalog | None = None) -> tuple[str, ...]:
    """The certifications Ch 7.2 (a) names, as the catalog records them."""
    node = (catalog or load_catalog()).get("ch7.2.a")
    return tuple(str(c) for c in node.data.get("certifications", ()))


def is_cooperation_row(row: str, catalog: Catalog | None = None) -> bool:
    """Annex 3 part 2 rows (協力義務) may be tailored (footnote 1); part 1 rows may not."""
    cat = catalog or load_catalog()
    return any(a.id == COOPERATION_SECTION for a in cat.ancestors("a3." + row))


def contract_row_node(row: str, catalog: Catalog | None = None) -> Node:
    return (catalog or load_catalog()).get("a3." + row)


def node_letter(node: Node) -> str:
    """The item's letter or number as the manual prints it: "ch3.1.g" -> "g"."""
    return node.id.rsplit(".", 1)[-1]


def letter_of(node_id: str) -> str:
    """The letter or number at the end of a catalog id: "ch3.1.g" -> "g"."""
    return node_id.rsplit(".", 1)[-1]
