"""Annex 4 (the vendor comparison) as XLSX and DOCX, read back and checked against the
database: every row x vendor cell holds that vendor's covering documents and remarks for the
row as stored; the manual's own example (its vendors A/B/C, loaded by the assessments app)
carries the manual's "for reference only" disclaimer verbatim, a comparison people made does
not; a remark that looks like a formula stays text."""

from __future__ import annotations

import re

import pytest

from fincloud.assessments import services as svc
from fincloud.assessments.models import ComparisonCell, VendorComparison
from fincloud.catalog import load_catalog
from fincloud.reports.services import report_generate

from assessments.factories_assessments import csp
from reports.factories_reports import docx_tables, docx_text, sha256, xlsx_rows

pytestmark = pytest.mark.django_db

HEADER = "金融機構作業委外契約應載明下列事項"
FORMULA = "=SUM(A1:A9)"


def generate(actor, comparison, fmt, **kw):
    return report_generate(
        actor=actor, name="annex4", fmt=fmt, subject_code=str(comparison.code), **kw
    )


def expected_cell(cell: ComparisonCell | None, *, lang: str = "zh") -> str:
    """What the manual's Annex 4 cell holds, from the database: the judgement (the example has
    none), the covering documents after their label, the remarks."""
    if cell is None:
        return ""
    documents = cell.documents_en if lang == "en" and cell.documents_en else cell.documents
    remarks = cell.remarks_en if lang == "en" and cell.remarks_en else cell.remarks
    parts = []
    if cell.judgement:
        parts.append(cell.get_judgement_display())
    if documents:
        parts.append(("Documents: " if lang == "en" else "文件：") + documents)
    if remarks:
        parts.append(remarks)
    return "\n".join(parts)


def table_of(rows: list[list], header: str = HEADER) -> list[list]:
    start = next(i for i, r in enumerate(rows) if r[0] == header)
    return rows[start:]


def row_lines(table: list[list], comparison: VendorComparison, lang: str = "zh") -> dict:
    """Each compared Annex 3 row's line of the table, found by the row's own wording in the
    catalog (the line of the left column that ends with it), in the manual's order."""
    catalog = load_catalog(comparison.catalog_edition)
    found: dict[str, list] = {}
    positions = []
    for row_id in comparison.rows:
        wording = catalog.get("a3." + row_id).text(lang)
        hits = [
            (i, r)
            for i, r in enumerate(table)
            if isinstance(r[0], str)
            and any(line.endswith(wording) for line in r[0].split("\n"))
            and r[1:] != [r[0]] * (len(r) - 1)  # not a merged group line (DOCX repeats it)
        ]
        assert len(hits) == 1, (row_id, len(hits))
        positions.append(hits[0][0])
        found[row_id] = hits[0][1]
    assert positions == sorted(positions)  # the manual's order
    return found


def vendors_of(comparison: VendorComparison) -> list:
    return list(comparison.vendors.order_by("order", "id").prefetch_related("cells"))


def check_cells(
    table: list[list], comparison: VendorComparison, lang: str = "zh", *, xlsx: bool = True
) -> int:
    """Every row x vendor cell of the table equals the database (in an XLSX, a cell that a
    spreadsheet would run as a formula carries the escaping apostrophe)."""
    vendors = vendors_of(comparison)
    lines = row_lines(table, comparison, lang)
    checked = 0
    for row_id, line in lines.items():
        assert len(line) == 1 + len(vendors)
        for column, vendor in enumerate(vendors, start=1):
            cell = next((c for c in vendor.cells.all() if c.row == row_id), None)
            expected = expected_cell(cell, lang=lang)
            if xlsx and expected.startswith(("=", "+", "-", "@")):
                expected = "'" + expected
            assert (line[column] or "") == expected, (row_id, vendor.label)
            checked += 1
    return checked


def manual_disclaimer(manual_path) -> str:
    """The parenthesis of Annex 4's title in the manual, with the page's line breaks removed."""
    text = re.sub(r"\s*\n\s*", "", manual_path.read_text(encoding="utf-8"))
    match = re.search(r"CSP合約檢核表2（檢核案例示範，(本檢核結果僅供參考.*?)）", text)
    assert match is not None
    return match.group(1)


@pytest.fixture
def example():
    return svc.comparison_load_a4_example()


def test_example_xlsx_every_cell_against_the_database(personas, example, manual_path):
    run, data = generate(personas["legal"], example, "xlsx")
    rows = xlsx_rows(data)
    assert rows[0][0] == "CSP合約檢核表2（附件4）"
    table = table_of(rows)
    assert table[0] == [HEADER, "檢核結果－廠商 A", "檢核結果－廠商 B", "檢核結果－廠商 C"]
    cells = ComparisonCell.objects.filter(vendor__comparison=example)
    # Every row x vendor cell, the empty ones too; the example's cells are all there.
    assert check_cells(table, example) == len(example.rows) * 3
    assert cells.count() > 60
    # One of the manual's cells, as printed (vendor B, 委外辦法 §10 I①).
    b = example.vendors.get(label="廠商 B").cells.get(row="10.I.1")
    assert b.documents == "FSCMA、CDPA、SLA、SST"
    line = row_lines(table, example)["10.I.1"]
    assert line[2].startswith("文件：FSCMA、CDPA、SLA、SST\n")
    # The disclaimer above the table, word for word as the manual prints it.
    disclaimer = manual_disclaimer(manual_path)
    above = [r[0] for r in rows[: rows.index(table[0])]]
    assert disclaimer in above
    assert run.sha256 == sha256(data)


def test_example_docx_every_cell_and_the_disclaimer(personas, example, manual_path):
    _run, data = generate(personas["examiner"], example, "docx")
    table = docx_tables(data)[-1]
    assert table[0][0] == HEADER
    assert check_cells(table, example, xlsx=False) == len(example.rows) * 3
    text = docx_text(data)
    assert manual_disclaimer(manual_path) in text
    # The manual's footnotes 2 and 3 under the table.
    assert "本檢核案例示範僅提供參考，將不會隨實務手冊更新" in text


def test_example_in_english_uses_the_translated_cells(personas, example):
    _run, data = generate(personas["legal"], example, "xlsx", lang="en")
    rows = xlsx_rows(data)
    table = table_of(rows, "Items the outsourcing contract shall state")
    assert check_cells(table, example, lang="en") == len(example.rows) * 3
    assert any(
        isinstance(r[0], str) and r[0].startswith("This check result is for reference only")
        for r in rows
    )


@pytest.fixture
def made(personas):
    """A comparison people made: two candidate CSPs on three rows, with judgements."""
    legal = personas["legal"]
    nimbus = csp("Nimbus Cloud", "US", certs=False)
    comparison = svc.comparison_create(
        actor=legal,
        title="核心系統上雲 RFP 比較",
        rows=["19.3", "10.I.1", "10.I.7"],
        vendors=[("甲", nimbus), ("乙", None)],
        description="三家業者合約條款比較",
    )
    first, second = vendors_of(comparison)
    svc.comparison_cell_save(
        actor=legal,
        vendor=first,
        row="10.I.1",
        judgement="compliant",
        documents="MSA §2、SLA",
        remarks="責任分工見 §2.3",
    )
    svc.comparison_cell_save(
        actor=legal,
        vendor=second,
        row="10.I.1",
        judgement="not_compliant",
        remarks="業者不同意列明責任區分",
    )
    svc.comparison_cell_save(actor=legal, vendor=second, row="19.3", remarks=FORMULA)
    svc.comparison_cell_save(
        actor=legal, vendor=first, row="10.I.7", judgement="not_applicable", remarks="不涉及"
    )
    return comparison


def test_made_comparison_xlsx_and_docx_against_the_database(personas, made):
    assert made.rows == ["10.I.1", "10.I.7", "19.3"]  # the manual's order
    _run, data = generate(personas["legal"], made, "xlsx")
    rows = xlsx_rows(data)
    table = table_of(rows)
    # Vendor columns carry the label and, when the vendor is a registered CSP, its name.
    assert table[0] == [HEADER, "檢核結果－甲\nNimbus Cloud", "檢核結果－乙"]
    assert check_cells(table, made) == 6
    lines = row_lines(table, made)
    assert lines["10.I.1"][1] == "符合\n文件：MSA §2、SLA\n責任分工見 §2.3"
    assert lines["10.I.1"][2] == "未符合\n業者不同意列明責任區分"
    assert lines["10.I.7"][2] is None  # nothing recorded for 乙 on this row
    # A remark that a spreadsheet would run stays text.
    assert lines["19.3"][2] == "'" + FORMULA
    # Not the example: no disclaimer; the purpose and title as recorded.
    flat = [str(c) for r in rows for c in r if c]
    assert not any("僅供參考" in c for c in flat)
    assert "三家業者合約條款比較" in flat and "核心系統上雲 RFP 比較" in flat

    _run, data = generate(personas["legal"], made, "docx")
    table = docx_tables(data)[-1]
    assert check_cells(table, made, xlsx=False) == 6
    assert row_lines(table, made)["19.3"][2] == FORMULA  # a Word cell runs nothing
    assert "僅供參考" not in docx_text(data)
