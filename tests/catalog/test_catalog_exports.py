"""The four exports, each read back: JSON (the interchange format), OSCAL (validated with
compliance-trestle's own models and validators), XLSX (openpyxl) and CSV (UTF-8 with BOM)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import trestle.core.validator_factory as validators
from openpyxl import load_workbook
from pydantic import ValidationError
from trestle.core.catalog.catalog_interface import CatalogInterface
from trestle.oscal.catalog import Catalog as OscalCatalog

from fincloud.catalog import Catalog, Node, load_catalog
from fincloud.catalog.export import (
    COLUMNS,
    csv_bytes,
    escape_formula,
    sheet_title,
    to_interchange,
    write_xlsx,
)
from fincloud.catalog.oscal import OSCAL_VERSION, to_oscal

INTERCHANGE_KEYS = [
    "id", "parent", "kind", "level", "order", "text_zh", "text_en",
    "service_models", "citations", "tags",
]  # fmt: skip


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog("2025")


def tricky_catalog() -> Catalog:
    """Texts a spreadsheet would take for formulas, and a multi-line CJK text."""
    nodes = (
        Node("ch1", None, "chapter", 0, 0, "=1+1", '=HYPERLINK("x")', source="ch1.yaml"),
        Node("ch1.1", "ch1", "item", 1, 0, "-A-", "+cmd|' /C calc'!A0", source="ch1.yaml"),
        Node("ch1.2", "ch1", "item", 1, 1, "@SUM(1)", "plain", source="ch1.yaml"),
        Node("ch1.3", "ch1", "item", 1, 2, "甲方\n乙方", "Party A\nParty B", source="ch1.yaml"),
    )
    return Catalog("test", nodes)


# JSON ------------------------------------------------------------------------------------------
def test_json_interchange_has_every_node_in_document_order(catalog: Catalog) -> None:
    document = json.loads(json.dumps(to_interchange(catalog), ensure_ascii=False))
    assert document["edition"] == "2025"
    assert [n["id"] for n in document["nodes"]] == [n.id for n in catalog]
    for data, node in zip(document["nodes"], catalog, strict=True):
        assert list(data)[:10] == INTERCHANGE_KEYS
        assert data["text_zh"] == node.text_zh and data["text_en"] == node.text_en
        assert (data["level"], data["order"], data["parent"]) == (
            node.level,
            node.order,
            node.parent,
        )
    sod = next(n for n in document["nodes"] if n["id"] == "ch1.4.sod.a")
    assert sod["data"] == {"subject": "change", "activities": ["initiate", "approve", "execute"]}
    assert "translation" in document["translation_note"]["en"]


# CSV -------------------------------------------------------------------------------------------
def test_csv_has_bom_every_node_and_cjk_intact(catalog: Catalog) -> None:
    data = csv_bytes(catalog, lang="zh-TW")
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel in Taiwan reads it as UTF-8
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][:2] == ["編號", "上層編號"]
    assert len(table) == len(catalog) + 1
    by_id = {row[0]: row for row in table[1:]}
    node = catalog.get("ch1.2.location.c")
    assert by_id[node.id][5] == node.text_zh
    assert by_id[node.id][8] == "委外辦法問答集第10題"
    model = catalog.get("ch3.3.mandatory.4.model")
    assert "\n" in model.text_zh and by_id[model.id][5] == model.text_zh  # multi-line cell


def test_csv_escapes_cells_that_start_a_formula() -> None:
    data = csv_bytes(tricky_catalog(), lang="en")
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0][0] == "id"
    cells = {row[0]: row for row in table[1:]}
    assert cells["ch1"][5:7] == ["'=1+1", '\'=HYPERLINK("x")']
    assert cells["ch1.1"][5:7] == ["'-A-", "'+cmd|' /C calc'!A0"]
    assert cells["ch1.2"][5:7] == ["'@SUM(1)", "plain"]
    assert cells["ch1.3"][5] == "甲方\n乙方"
    assert escape_formula(3) == 3 and escape_formula("\tx") == "'\tx"


# XLSX ------------------------------------------------------------------------------------------
def test_xlsx_one_sheet_per_chapter_and_annex_read_back(catalog: Catalog, tmp_path: Path) -> None:
    path = tmp_path / "catalog.xlsx"
    write_xlsx(catalog, path, lang="zh-TW")
    workbook = load_workbook(path)
    roots = catalog.roots()
    assert workbook.sheetnames == [sheet_title(r, "zh-TW") for r in roots] + ["說明"]
    assert workbook.sheetnames[:3] == ["總則", "第1章", "第2章"]
    assert workbook.sheetnames[-2] == "附件5"
    for root, name in zip(roots, workbook.sheetnames, strict=False):
        sheet = workbook[name]
        nodes = catalog.subtree(root.id)
        assert sheet.max_row == len(nodes) + 1
        assert [c.value for c in sheet[1]][:3] == ["編號", "上層編號", "類型"]
        assert sheet.freeze_panes == "B2"
        assert sheet.auto_filter.ref == f"A1:L{len(nodes) + 1}"
        assert sheet.column_dimensions["F"].width == 70  # text_zh readable
        for row, node in zip(sheet.iter_rows(min_row=2, values_only=True), nodes, strict=True):
            assert row[0] == node.id
            assert row[5] == node.text_zh  # CJK intact
            assert row[6] == node.text_en
            assert row[3] == node.level
    assert len(COLUMNS) == 12


def test_xlsx_keeps_formula_like_text_as_text(tmp_path: Path) -> None:
    path = tmp_path / "tricky.xlsx"
    write_xlsx(tricky_catalog(), path, lang="en")
    sheet = load_workbook(path)["Chapter 1"]
    assert sheet["F2"].value == "=1+1" and sheet["F2"].data_type == "s"
    assert sheet["G2"].data_type == "s"
    assert sheet["F3"].value == "-A-"
    assert sheet["F5"].value == "甲方\n乙方"
    assert sheet["A1"].value == "id"


# OSCAL -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def oscal_doc(catalog: Catalog) -> dict[str, object]:
    return to_oscal(catalog, now=datetime(2025, 1, 1, tzinfo=UTC))


def _all(items: list[dict[str, object]] | None, key: str) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for item in items or []:
        out.append(item)
        out += _all(item.get(key), key)  # type: ignore[arg-type]
    return out


def test_oscal_loads_and_validates_with_trestle(
    oscal_doc: dict[str, object], tmp_path: Path
) -> None:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(oscal_doc, ensure_ascii=False), encoding="utf-8")
    model = OscalCatalog.oscal_read(path)
    assert model is not None
    assert model.metadata.oscal_version.root.root == OSCAL_VERSION  # type: ignore[union-attr]
    failed = [
        type(v).__name__
        for v in validators.validator_factory.get_all()
        if not v.model_is_valid(model, True, None)
    ]
    assert not failed


def test_oscal_holds_every_node_as_group_control_or_part(
    catalog: Catalog, oscal_doc: dict[str, object]
) -> None:
    model = OscalCatalog.model_validate(oscal_doc["catalog"])
    controls = set(CatalogInterface(model).get_control_ids())
    body = oscal_doc["catalog"]
    groups = {g["id"] for g in _all(body["groups"], "groups")}  # type: ignore[index]
    parts: set[str] = set()

    def walk(obj: object) -> None:
        if isinstance(obj, dict):
            for part in obj.get("parts", []):
                parts.add(part["id"])
            for value in obj.values():
                walk(value)
        elif isinstance(obj, list):
            for value in obj:
                walk(value)

    walk(body)
    for node in catalog:
        if node.kind in ("chapter", "annex", "section"):
            assert node.id in groups, node.id
        else:
            assert node.id in controls or node.id in parts, node.id
    assert "ch1.4.sod.a" in controls and "ch3.4.sla_table.r5" in controls
    assert "ch1.4.purpose" in parts and "ch3.3.mandatory.1.model" in parts


def test_oscal_props_and_translation(oscal_doc: dict[str, object], catalog: Catalog) -> None:
    model = OscalCatalog.model_validate(oscal_doc["catalog"])
    interface = CatalogInterface(model)

    def props(control_id: str) -> dict[str, list[str]]:
        control = interface.get_control(control_id)
        out: dict[str, list[str]] = {}
        for prop in control.props or []:  # type: ignore[union-attr]
            out.setdefault(prop.name, []).append(prop.value)
        return out

    basic = next(n for n in catalog.by_kind("basic") if n.service_models)
    got = props(basic.id)
    assert got["kind"] == ["basic"] and got["strength"] == ["basic"]
    assert got["service-model"] == list(basic.service_models)
    assert got["level"] == [str(basic.level)]
    advanced_child = next(
        n for n in catalog if n.parent and catalog.get(n.parent).kind == "advanced"
    )
    assert props(advanced_child.id)["strength"] == ["advanced"]  # inherited by sub-items
    assert props("ch1.2.location.c")["citation"] == ["委外辦法問答集第10題"]
    assert props("ch1.2.location.c")["stage"] == ["before"]
    statement = interface.get_control("ch1.4.sod.a").parts[0]  # type: ignore[index,union-attr]
    assert statement.name == "statement"
    assert statement.prose == "啟動、核可及執行變更；"
    translation = statement.parts[0]  # type: ignore[index]
    assert translation.name == "translation" and translation.class_ == "en"
    assert translation.prose == catalog.get("ch1.4.sod.a").text_en
    assert "translation" in oscal_doc["catalog"]["metadata"]["remarks"]  # type: ignore[index]


def test_trestle_rejects_a_broken_document(oscal_doc: dict[str, object]) -> None:
    # The validation above is real: a control without a title is refused.
    broken = json.loads(json.dumps(oscal_doc["catalog"]))
    del broken["groups"][1]["groups"][0]["controls"][0]["title"]
    with pytest.raises(ValidationError):
        OscalCatalog.model_validate(broken)


def test_oscal_gives_loose_items_beside_sections_a_group_of_their_own() -> None:
    # OSCAL (and trestle's models) let a group hold groups or controls, not both.
    nodes = (
        Node("ch1", None, "chapter", 0, 0, "章", "Chapter", source="ch1.yaml"),
        Node("ch1.a", "ch1", "item", 1, 0, "散項", "Loose item", source="ch1.yaml"),
        Node("ch1.1", "ch1", "section", 1, 1, "節", "Section", source="ch1.yaml"),
        Node("ch1.1.p1", "ch1.1", "paragraph", 2, 0, "段落", "Paragraph", source="ch1.yaml"),
        Node("ch1.1.a", "ch1.1", "basic", 2, 1, "基本", "Basic", ("SaaS",), source="ch1.yaml"),
    )
    doc = to_oscal(Catalog("test", nodes), lang="en")
    model = OscalCatalog.model_validate(doc["catalog"])
    chapter = model.groups[0]  # type: ignore[index]
    assert [g.id for g in chapter.groups] == ["ch1_items", "ch1.1"]  # type: ignore[union-attr]
    assert [c.id for c in chapter.groups[0].controls] == ["ch1.a"]  # type: ignore[union-attr,index]
    section = chapter.groups[1]  # type: ignore[index]
    assert section.title == "Section"
    assert [p.id for p in section.parts] == ["ch1.1_title", "ch1.1.p1"]  # type: ignore[union-attr]
