"""Exports of a catalog edition: JSON (the stable interchange format), CSV and XLSX.

OSCAL lives in `oscal.py`. Every export keeps text_zh verbatim and marks text_en as this
project's translation. openpyxl is imported inside `write_xlsx` only.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, BinaryIO, Literal

from fincloud.catalog.model import Catalog, Node

ExportLang = Literal["zh-TW", "en"]

MANUAL_TITLE_ZH = "金融機構使用雲端服務實務手冊"
MANUAL_TITLE_EN = "Practice manual for financial institutions using cloud services"
TRANSLATION_NOTE_ZH = (
    "text_en 為本專案（fincloud）自行翻譯之英文譯文，非官方版本；以 text_zh 中文原文為準。"
)
TRANSLATION_NOTE_EN = (
    "text_en is a translation made for the fincloud project, not an official text; "
    "text_zh, the manual's own Traditional Chinese wording, is authoritative."
)
INTERCHANGE_FORMAT = "fincloud-catalog/1"


# JSON ------------------------------------------------------------------------------------------
def to_interchange(catalog: Catalog) -> dict[str, Any]:
    """The JSON interchange document: every node, in document order (docs/catalog.md)."""
    return {
        "format": INTERCHANGE_FORMAT,
        "edition": catalog.edition,
        "source": {"zh": MANUAL_TITLE_ZH, "en": MANUAL_TITLE_EN},
        "translation_note": {"zh": TRANSLATION_NOTE_ZH, "en": TRANSLATION_NOTE_EN},
        "nodes": [node.to_dict() for node in catalog],
    }


def write_json(catalog: Catalog, out: io.TextIOBase | Any) -> None:
    json.dump(to_interchange(catalog), out, ensure_ascii=False, indent=1)
    out.write("\n")


# Tables (CSV, XLSX) ----------------------------------------------------------------------------
COLUMNS: tuple[tuple[str, str, str, int], ...] = (
    # key, zh-TW header, en header, XLSX width
    ("id", "編號", "id", 24),
    ("parent", "上層編號", "parent", 20),
    ("kind", "類型", "kind", 14),
    ("level", "層級", "level", 7),
    ("order", "順序", "order", 7),
    ("text_zh", "原文（中文）", "text (Chinese, the manual's)", 70),
    ("text_en", "英文譯文（本專案翻譯）", "English (our translation)", 70),
    ("service_models", "服務模式", "service models", 14),
    ("citations", "引用法規", "citations", 22),
    ("tags", "標籤", "tags", 18),
    ("errata", "勘誤註記", "errata notes", 40),
    ("missing", "缺漏註記", "missing-content note", 30),
)
WRAPPED = frozenset({"text_zh", "text_en", "errata", "missing"})


def _cell(node: Node, key: str, lang: ExportLang) -> str | int:
    zh = lang == "zh-TW"
    if key in ("level", "order"):
        return int(getattr(node, key))
    if key in ("service_models", "citations", "tags"):
        return "; ".join(getattr(node, key))
    if key == "errata":
        return "\n".join(e.zh if zh else e.en for e in node.errata)
    if key == "missing":
        return "" if node.missing is None else node.missing.text("zh" if zh else "en")
    value = getattr(node, key)
    return "" if value is None else str(value)


def rows(nodes: Iterable[Node], lang: ExportLang) -> Iterable[list[str | int]]:
    for node in nodes:
        yield [_cell(node, key, lang) for key, *_ in COLUMNS]


def headers(lang: ExportLang) -> list[str]:
    return [zh if lang == "zh-TW" else en for _, zh, en, _ in COLUMNS]


# A cell a spreadsheet would read as a formula (CSV injection): = + - @, and tab / CR, which
# some spreadsheets strip before looking. Prefix with an apostrophe, the usual escape.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: str | int) -> str | int:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(catalog: Catalog, out: io.TextIOBase | Any, *, lang: ExportLang = "zh-TW") -> None:
    """CSV for spreadsheet users: write it with encoding 'utf-8-sig' (a BOM, so Excel in Taiwan
    opens the Chinese text correctly); cells that would start a formula are escaped."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers(lang))
    for row in rows(catalog, lang):
        writer.writerow([escape_formula(v) for v in row])


def csv_bytes(catalog: Catalog, *, lang: ExportLang = "zh-TW") -> bytes:
    buffer = io.StringIO()
    write_csv(catalog, buffer, lang=lang)
    return buffer.getvalue().encode("utf-8-sig")


def sheet_title(root: Node, lang: ExportLang) -> str:
    """'總則', '第1章', '附件1' / 'General', 'Chapter 1', 'Annex 1' (Excel allows 31 chars)."""
    number = root.id[2:] if root.id.startswith("ch") else root.id[1:]
    if root.id == "ch0":
        return "總則" if lang == "zh-TW" else "General"
    if root.kind == "chapter":
        return f"第{number}章" if lang == "zh-TW" else f"Chapter {number}"
    return f"附件{number}" if lang == "zh-TW" else f"Annex {number}"


def write_xlsx(catalog: Catalog, out: Path | BinaryIO, *, lang: ExportLang = "zh-TW") -> None:
    """One sheet per chapter and annex (frozen header, filter, set widths, wrapped text), and
    an 'About' sheet saying what the columns are and that English is our translation."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.worksheets[0])  # start without the default sheet
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    for root in catalog.roots():
        sheet = workbook.create_sheet(sheet_title(root, lang))
        sheet.append(headers(lang))
        for cell in sheet[1]:
            cell.font = header_font
            cell.fill = header_fill
        for values in rows(catalog.subtree(root.id), lang):
            sheet.append(values)
            for cell, (key, *_) in zip(sheet[sheet.max_row], COLUMNS, strict=True):
                # openpyxl reads a string starting with "=" as a formula: keep it text.
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                cell.alignment = wrap if key in WRAPPED else top
        for index, (*_, width) in enumerate(COLUMNS, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "B2"  # header row and the id column stay in view
        sheet.auto_filter.ref = sheet.dimensions
    about = workbook.create_sheet("說明" if lang == "zh-TW" else "About")
    for line in (
        (MANUAL_TITLE_ZH if lang == "zh-TW" else MANUAL_TITLE_EN, catalog.edition),
        ("版本 / edition", catalog.edition),
        ("節點數 / nodes", len(catalog)),
        ("譯文 / translation", TRANSLATION_NOTE_ZH if lang == "zh-TW" else TRANSLATION_NOTE_EN),
    ):
        about.append(list(line))
    about.column_dimensions["A"].width = 34
    about.column_dimensions["B"].width = 100
    workbook.save(out)
