"""The catalog as an OSCAL 1.1 catalog (JSON), which compliance-trestle loads and validates.

Mapping:
- chapters, annexes and sections are `groups` (a group holds either groups or controls, never
  both; where a chapter mixes sections and loose items, the items get a group of their own);
- every other node is a `control` (items, basic/advanced controls, table rows, contract rows,
  glossary terms ...), nested as in the catalog;
- text nodes without children (目的 purpose, 參考指引 guidance, running paragraphs, 參考範例
  model clauses) are `parts` of their group or control;
- a control's own text is its `statement` part: `prose` is text_zh (the manual's, verbatim); a
  nested part named `translation` (class `en`) carries text_en, marked as our translation;
- props (namespace FINCLOUD_NS) give kind, level, service models, basic/advanced strength,
  citations, lifecycle stage and tags; `sort-id` keeps the manual's order.
Errata and notes of missing content are parts named `erratum` and `missing`.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from fincloud.catalog.export import (
    MANUAL_TITLE_EN,
    MANUAL_TITLE_ZH,
    TRANSLATION_NOTE_EN,
    TRANSLATION_NOTE_ZH,
    ExportLang,
)
from fincloud.catalog.model import Catalog, Node

OSCAL_VERSION = "1.1.2"
FINCLOUD_NS = "urn:fincloud:catalog"
_UUID_NS = uuid.UUID("6f1d0d5e-7c55-4a84-9a4e-3f1c0a7b2e11")  # fixed: same content, same uuid

GROUP_KINDS = frozenset({"chapter", "annex", "section"})
PART_KINDS = {  # node kind -> OSCAL part name (only for nodes without children)
    "purpose": "overview",
    "guidance": "guidance",
    "paragraph": "overview",
    "model_clause": "model-clause",
}
TITLE_LENGTH = 60


def _prop(name: str, value: str, **extra: str) -> dict[str, str]:
    return {"name": name, "ns": FINCLOUD_NS, "value": value, **extra}


def _title(node: Node, lang: ExportLang) -> str:
    text = " ".join((node.text_zh if lang == "zh-TW" else node.text_en).split())
    return text if len(text) <= TITLE_LENGTH else text[: TITLE_LENGTH - 1] + "…"


class _Builder:
    def __init__(self, catalog: Catalog, lang: ExportLang) -> None:
        self.catalog = catalog
        self.lang = lang

    def props(self, node: Node, strength: str | None) -> list[dict[str, str]]:
        props = [
            {"name": "label", "value": node.id},
            {"name": "sort-id", "value": f"{self.catalog.position(node.id):05d}"},
            _prop("kind", node.kind),
            _prop("level", str(node.level)),
        ]
        if strength:  # Ch 5 / Ch 6: 基本項目 or 進階項目, inherited by the sub-items
            props.append(_prop("strength", strength))
        props += [_prop("service-model", model) for model in node.service_models]
        props += [_prop("citation", citation) for citation in node.citations]
        for tag in node.tags:
            if tag.startswith("stage:"):
                props.append(_prop("stage", tag.removeprefix("stage:")))
            else:
                props.append(_prop("tag", tag))
        return props

    def text_part(self, node: Node, name: str, part_id: str) -> dict[str, Any]:
        part: dict[str, Any] = {
            "id": part_id,
            "name": name,
            "props": [_prop("lang", "zh-TW")],
            "prose": node.text_zh,
            "parts": [
                {
                    "id": f"{part_id}_en",
                    "name": "translation",
                    "class": "en",
                    "props": [_prop("lang", "en"), _prop("translation", "fincloud")],
                    "prose": node.text_en,
                }
            ],
        }
        part["parts"] += self.notes(node, part_id)
        return part

    def notes(self, node: Node, prefix: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for i, erratum in enumerate(node.errata, start=1):
            out.append(
                {
                    "id": f"{prefix}_erratum{i}",
                    "name": "erratum",
                    "prose": erratum.zh,
                    "parts": [
                        {
                            "id": f"{prefix}_erratum{i}_en",
                            "name": "translation",
                            "class": "en",
                            "prose": erratum.en,
                        }
                    ],
                }
            )
        if node.missing is not None:
            out.append(
                {
                    "id": f"{prefix}_missing",
                    "name": "missing",
                    "prose": node.missing.zh,
                    "parts": [
                        {
                            "id": f"{prefix}_missing_en",
                            "name": "translation",
                            "class": "en",
                            "prose": node.missing.en,
                        }
                    ],
                }
            )
        return out

    def is_part(self, node: Node) -> bool:
        return node.kind in PART_KINDS and not self.catalog.children(node.id)

    def control(self, node: Node, strength: str | None) -> dict[str, Any]:
        if node.kind in ("basic", "advanced"):
            strength = node.kind
        control: dict[str, Any] = {
            "id": node.id,
            "class": node.kind,
            "title": _title(node, self.lang),
            "props": self.props(node, strength),
            "parts": [self.text_part(node, "statement", f"{node.id}_smt")],
        }
        subcontrols = []
        for child in self.catalog.children(node.id):
            if self.is_part(child):
                control["parts"].append(self.text_part(child, PART_KINDS[child.kind], child.id))
            else:
                subcontrols.append(self.control(child, strength))
        if subcontrols:
            control["controls"] = subcontrols
        return control

    def group(self, node: Node) -> dict[str, Any]:
        group: dict[str, Any] = {
            "id": node.id,
            "class": node.kind,
            "title": _title(node, self.lang),
            "props": self.props(node, None),
            "parts": [self.text_part(node, "title", f"{node.id}_title")],
        }
        groups: list[dict[str, Any]] = []
        controls: list[dict[str, Any]] = []
        for child in self.catalog.children(node.id):
            if child.kind in GROUP_KINDS:
                groups.append(self.group(child))
            elif self.is_part(child):
                group["parts"].append(self.text_part(child, PART_KINDS[child.kind], child.id))
            else:
                controls.append(self.control(child, None))
        if groups and controls:
            # OSCAL: a group holds groups or controls; loose items get a group of their own.
            groups.insert(
                0,
                {
                    "id": f"{node.id}_items",
                    "class": "items",
                    "title": _title(node, self.lang),
                    "controls": controls,
                },
            )
            controls = []
        if groups:
            group["groups"] = groups
        if controls:
            group["controls"] = controls
        return group


def to_oscal(
    catalog: Catalog, *, lang: ExportLang = "zh-TW", now: datetime | None = None
) -> dict[str, Any]:
    """The OSCAL document `{"catalog": {...}}` for the edition."""
    builder = _Builder(catalog, lang)
    stamp = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    title = (
        f"{MANUAL_TITLE_ZH}（{catalog.edition}）"
        if lang == "zh-TW"
        else (f"{MANUAL_TITLE_EN} ({catalog.edition})")
    )
    return {
        "catalog": {
            "uuid": str(uuid.uuid5(_UUID_NS, f"{catalog.edition}/{catalog.key}")),
            "metadata": {
                "title": title,
                "last-modified": stamp,
                "version": catalog.edition,
                "oscal-version": OSCAL_VERSION,
                "props": [
                    _prop("language", lang),
                    _prop("translation-note", TRANSLATION_NOTE_EN),
                ],
                "remarks": f"{TRANSLATION_NOTE_ZH}\n\n{TRANSLATION_NOTE_EN}",
            },
            "groups": [builder.group(root) for root in catalog.roots()],
        }
    }
