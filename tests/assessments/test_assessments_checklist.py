"""The assessment's checklists come from the catalog, and match what the manual prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from fincloud.assessments import checklist
from fincloud.catalog import load_catalog


def _annex2_before_lines(manual_path: Path) -> list[str]:
    """Non-empty lines of Annex 2 between 使用前評估 and 使用中評估, as printed."""
    lines = manual_path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if "附件 2 使用雲端服務建議檢核表" in line)
    begin = next(i for i in range(start, len(lines)) if lines[i].strip() == "使用前評估")
    end = next(i for i in range(begin, len(lines)) if lines[i].strip() == "使用中評估")
    return [line.strip() for line in lines[begin + 1 : end] if line.strip()]


def test_backbone_is_every_annex2_before_use_item_in_the_manuals_order(manual_path):
    items = checklist.before_use_items()
    printed = _annex2_before_lines(manual_path)
    domains = {i.domain_zh.replace(" ", "") for i in items}
    # The manual prints domain names (some broken over two lines) and the items; the items,
    # in order, are exactly the lines that are not domain names or pieces of one.
    item_lines = [
        line
        for line in printed
        if line.replace(" ", "") not in domains
        and not any(line in d and line != d for d in domains)
    ]
    assert [i.text_zh for i in items] == item_lines
    assert len(items) == 13
    assert all(i.id.startswith("a2.before.") for i in items)


def test_each_item_is_answered_where_its_catalog_reference_points():
    by_id = {i.id: i for i in checklist.before_use_items()}
    # 客戶資料處理及儲存地之資料保護法規 -> the locations section (Ch 1.2)
    assert by_id["a2.before.1.1"].section == "locations"
    # 盡職調查程序 -> the Ch 3.1 due diligence
    assert by_id["a2.before.2.1"].section == "due_diligence"
    # 管理能力與經驗 -> Ch 2.2 risk item (k)
    assert by_id["a2.before.1.4"].section == "risks"
    # the contract items point at their Annex 3 rows
    assert by_id["a2.before.3.1"].section == "contract"
    assert by_id["a2.before.3.1"].contract_rows == ("10.I.1",)
    assert by_id["a2.before.3.5"].contract_rows == ("10.I.10",)
    # items with no section of their own are answered directly, with evidence
    assert by_id["a2.before.2.4"].section == "answer"
    assert by_id["a2.before.1.3"].section == "answer"


@pytest.mark.parametrize(
    ("fn", "letters"),
    [
        (checklist.suitability_items, "abcd"),
        (checklist.location_items, "abcd"),
        (checklist.risk_mechanism, "abcd"),
        (checklist.risk_items, "abcdefghijk"),
        (checklist.materiality_factors, "abcdefg"),
        (checklist.due_diligence_items, "abcdefghijklmno"),
        (checklist.alternative_measures, "abcd"),
    ],
)
def test_item_lists_hold_the_manuals_letters(fn, letters):
    assert "".join(checklist.node_letter(n) for n in fn()) == letters


def test_due_diligence_g_names_the_certifications_of_the_manual():
    g = next(n for n in checklist.due_diligence_items() if n.id == checklist.CERTIFICATION_ITEM)
    for name in ("ISO 27001", "ISO 27701", "ISO 27017", "ISO 27018", "ISO 22301", "CSA STAR"):
        assert name.replace(" ", "") in g.text_zh.replace(" ", "")


def test_security_items_are_due_diligence_items():
    ids = {n.id for n in checklist.due_diligence_items()}
    assert checklist.SECURITY_DUE_DILIGENCE < ids


def test_only_annex3_part2_rows_may_be_tailored():
    # Annex 3 footnote 1 covers 協力義務 (part 2): §17, §18 I and §19 rows.
    for row in ("17.I.3", "17.I.5", "18.I.4.3.1", "18.I.6", "19.3", "19.6.1"):
        assert checklist.is_cooperation_row(row), row
    for row in ("10.I.1", "10.I.10", "10.II", "18.II.6"):
        assert not checklist.is_cooperation_row(row), row
    footnote = load_catalog().get(checklist.COOPERATION_FOOTNOTE)
    assert "服務模式及權責劃分調整" in footnote.text_zh


def test_filing_rows_are_the_section_18_rows_of_annex3():
    catalog = load_catalog()
    for row in checklist.FILING_ROWS:
        ancestors = [a.id for a in catalog.ancestors("a3." + row)]
        assert "a3.18.I" in ancestors, row


def test_auditor_certifications_of_ch7_2():
    certs = checklist.auditor_certifications()
    assert {"ISO 27001", "CCSP", "CISSP", "Azure AZ-500"} <= set(certs)
