"""The Ch 5 and Ch 6 controls a service is assessed against, generated from the catalog.

Plain Python (no Django): the web app, the CLI and the tests share it.

Each section of Ch 5 (information security) and Ch 6 (operations) lists basic items (基本項目)
and advanced items (進階項目). The manual is advisory: the institution sets the strength of each
section by a risk-based approach and by the service model (Ch 5 and Ch 6, 參考指引; RULES.md
§7). So the checklist proposes every basic item (adopted unless a reason says otherwise) and
leaves every advanced item undecided until a person records a risk-based decision. Items the
catalog limits to a service model (Ch 6.2 (a) IaaS, (b) PaaS, (c) SaaS; Ch 6.3 basic (a)(2) IaaS)
appear only for that model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, TypeAlias

from fincloud.catalog import Catalog, Node

Strength: TypeAlias = Literal["basic", "advanced"]
CHAPTERS: Final = ("ch5", "ch6")
SERVICE_MODELS: Final = ("IaaS", "PaaS", "SaaS")

# The hard figures of the text, checked where an assessment enters them (RULES.md §7); see
# fincloud.controls.figures. Which figures belong to which control:
FIGURES_BY_CONTROL: Final[dict[str, tuple[str, ...]]] = {
    # Ch 5.1 basic (a): transmission over HTTPS (TLS 1.2 or higher)
    "ch5.1.basic.a": ("tls_min_version",),
    # Ch 5.1 basic (b): encryption at rest; the algorithm must meet basic (d)
    "ch5.1.basic.b": ("encryption_algorithm",),
    # Ch 5.1 basic (d): publicly validated high-security algorithms (e.g. AES 256 or above)
    "ch5.1.basic.d": ("encryption_algorithm",),
    # Ch 5.1 advanced (b): HSM certified FIPS 140-2 Level 3 or above
    "ch5.1.advanced.b": ("hsm_fips_standard", "hsm_fips_level"),
    # Ch 5.2 basic (d): high-security algorithms, no known-insecure protocols or versions
    "ch5.2.basic.d": ("tls_min_version", "encryption_algorithm"),
    # Ch 5.4 basic (a): audit trails kept at least six months
    "ch5.4.basic.a": ("retention_months",),
}


@dataclass(frozen=True, slots=True)
class ControlSpec:
    """One control to assess: a basic or advanced item of a Ch 5/Ch 6 section."""

    catalog_id: str
    section_id: str
    strength: Strength
    order: int  # position in the manual (document order across both chapters)
    service_models: tuple[str, ...]  # empty: every model
    sub_items: tuple[str, ...]  # ids of the sub-items that apply to the model
    figures: tuple[str, ...]

    @property
    def proposed_adopted(self) -> bool | None:
        """The proposal: basic items adopted, advanced items left to a decision (None)."""
        return True if self.strength == "basic" else None


def sections(catalog: Catalog) -> list[Node]:
    """The sections of Ch 5 and Ch 6, in the manual's order."""
    return [n for ch in CHAPTERS for n in catalog.children(ch) if n.kind == "section"]


def applies_to(node: Node, service_model: str | None) -> bool:
    return service_model is None or not node.service_models or service_model in node.service_models


def controls_for(catalog: Catalog, service_model: str | None) -> list[ControlSpec]:
    """Every basic and advanced item of Ch 5 and Ch 6 that applies to ``service_model``
    (None: all of them), in the manual's order."""
    if service_model is not None and service_model not in SERVICE_MODELS:
        raise ValueError(f"unknown service model {service_model!r}")
    out: list[ControlSpec] = []
    for section in sections(catalog):
        for node in catalog.children(section.id):
            if node.kind not in {"basic", "advanced"} or not applies_to(node, service_model):
                continue
            subs = tuple(
                d.id
                for d in catalog.descendants(node.id)
                if d.kind == "item" and applies_to(d, service_model)
            )
            out.append(
                ControlSpec(
                    catalog_id=node.id,
                    section_id=section.id,
                    strength="basic" if node.kind == "basic" else "advanced",
                    order=len(out),
                    service_models=node.service_models,
                    sub_items=subs,
                    figures=FIGURES_BY_CONTROL.get(node.id, ()),
                )
            )
    return out


def control_ids(catalog: Catalog, service_model: str | None) -> frozenset[str]:
    return frozenset(spec.catalog_id for spec in controls_for(catalog, service_model))
