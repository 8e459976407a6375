"""The coverage check: it finds the items of the manual by their markers and table rows, and it
fails, naming the line, when an item or a stretch of text has no node."""

from __future__ import annotations

from pathlib import Path

import pytest

from fincloud.catalog import Catalog, Node, load_catalog
from fincloud.catalog.coverage import check, scan
from fincloud.catalog.text import Manual

SYNTHETIC = """\
 總則
1、 目的
本手冊係屬建議性質。
 第1章、 測試章
1、測試節
目的
確保測試。

參考指引
(a) 第一項文字；
(b)
第二項在下一行；
（一）中文括號項目；
一、中文數字項目；
2. 點號項目；服務水準 99.9% 不是項目
領域 查核項目
加密 · 確認金鑰。
· 確認傳輸。
【委外辦法§10 I①】
委外事項範圍。
【委外辦法第十七條 】
I.金融機構將作業委託境外處理：
"""


def node(nid: str, parent: str | None, text: str, kind: str = "item", root: str = "ch1") -> Node:
    return Node(nid, parent, kind, 0, 0, text, "en", source=f"{root}.yaml")


def synthetic_catalog(*drop: str) -> Catalog:
    nodes = [
        node("ch0", None, "總則", "chapter", "ch0"),
        node("ch0.1", "ch0", "目的", "section", "ch0"),
        node("ch0.1.p1", "ch0.1", "本手冊係屬建議性質。", "paragraph", "ch0"),
        node("ch1", None, "測試章", "chapter"),
        node("ch1.1", "ch1", "測試節", "section"),
        node("ch1.1.purpose", "ch1.1", "確保測試。", "purpose"),
        node("ch1.1.a", "ch1.1", "第一項文字；"),
        node("ch1.1.b", "ch1.1", "第二項在下一行；"),
        node("ch1.1.c", "ch1.1", "中文括號項目；"),
        node("ch1.1.d", "ch1.1", "中文數字項目；"),
        node("ch1.1.e", "ch1.1", "點號項目；服務水準 99.9% 不是項目"),
        node("ch1.1.t", "ch1.1", "領域 查核項目", "table"),
        node("ch1.1.t.d1", "ch1.1.t", "加密", "audit_domain"),
        node("ch1.1.t.d1.1", "ch1.1.t.d1", "確認金鑰。", "audit_check"),
        node("ch1.1.t.d1.2", "ch1.1.t.d1", "確認傳輸。", "audit_check"),
        node("ch1.1.r1", "ch1.1", "委外事項範圍。", "contract_row"),
        node("ch1.1.r2", "ch1.1", "金融機構將作業委託境外處理：", "paragraph"),
    ]
    return Catalog("test", tuple(n for n in nodes if n.id not in drop))


@pytest.fixture(scope="module")
def synthetic() -> Manual:
    return Manual(SYNTHETIC, name="synthetic.txt")


def test_scan_finds_each_kind_of_marker(synthetic: Manual) -> None:
    places = scan(synthetic, ("ch0", "ch1"))
    found = [(p.line, p.marker, p.key) for p in places]
    assert found == [
        (2, "1、", "目的"),
        (4, "第1章、", "測試章"),
        (5, "1、", "測試節"),
        (10, "(a)", "第一項文字；"),
        (11, "(b)", "第二項在下一行；"),  # the words on the next line
        (13, "（一）", "中文括號項目；"),
        (14, "一、", "中文數字項目；"),
        (15, "2.", "點號項目；服務水準99.9%不是項目"),  # 99.9% is not a marker
        (17, "·", "確認金鑰。"),  # a bullet in the middle of a line
        (18, "·", "確認傳輸。"),
        (19, "【委外辦法§10I①】", "委外事項範圍。"),
        # 【委外辦法第十七條】 heads a group: the next line's marker (I.) is the place
        (22, "I.", "金融機構將作業委託境外處理："),
    ]


def test_complete_synthetic_catalog_passes(synthetic: Manual) -> None:
    report = check(synthetic_catalog(), synthetic, ("ch0", "ch1"))
    assert report.ok, report.format()
    assert len(report.matched) == 12


def test_a_missing_item_is_listed_with_its_line(synthetic: Manual) -> None:
    report = check(synthetic_catalog("ch1.1.c"), synthetic, ("ch0", "ch1"))
    assert not report.ok
    assert [(p.root, p.line, p.marker) for p in report.missing] == [("ch1", 13, "（一）")]
    assert "ch1  line   13  （一）" in report.format()


def test_a_paragraph_without_node_is_reported_as_text(synthetic: Manual) -> None:
    report = check(synthetic_catalog("ch1.1.purpose"), synthetic, ("ch0", "ch1"))
    assert not report.missing  # no marker lost ...
    assert [(r.root, r.line, r.text) for r in report.residues] == [("ch1", 7, "確保測試。")]
    assert not report.ok  # ... but the text is


def test_an_item_printed_twice_needs_two_nodes() -> None:
    manual = Manual(" 總則\n 第1章、 章\n(a) 相同文字。\n(b) 相同文字。\n")
    one = Catalog(
        "test",
        (node("ch1", None, "章", "chapter"), node("ch1.a", "ch1", "相同文字。")),
    )
    report = check(one, manual, ("ch1",))
    assert [p.line for p in report.missing] == [4]


# On the real manual and data ----------------------------------------------------------------
@pytest.fixture(scope="module")
def manual(manual_path: Path) -> Manual:
    return Manual.read(manual_path)


@pytest.mark.parametrize(
    ("drop", "line", "marker"),
    [
        ("ch1.4.sod.c", 164, "(c)"),
        ("ch2.2.materiality.c", 224, "(c)"),
        ("ch0.3.b", 25, "(b)"),
        ("ch1.2", 53, "2、"),
    ],
)
def test_dropping_a_node_of_the_real_catalog_is_caught(
    manual: Manual, drop: str, line: int, marker: str
) -> None:
    full = load_catalog("2025")
    kept = tuple(n for n in full if n.id != drop)
    report = check(Catalog("2025", kept), manual, ("ch0", "ch1", "ch2"))
    assert [(p.line, p.marker) for p in report.missing] == [(line, marker)]


def test_dropping_a_paragraph_of_the_real_catalog_is_caught(manual: Manual) -> None:
    full = load_catalog("2025")
    kept = tuple(n for n in full if n.id != "ch1.2.p3")
    report = check(Catalog("2025", kept), manual, ("ch1",))
    assert len(report.residues) == 1
    assert report.residues[0].line == 93
    assert report.residues[0].text.startswith("基於作業風險分散之原則")


def test_table_rows_without_markers_are_found(manual: Manual) -> None:
    places = scan(manual, ("ch3", "ch7", "ch8", "ch9"))
    rows = {(p.root, p.key) for p in places if p.marker == "row"}
    for expected in [
        ("ch3", "99%"),
        ("ch3", "99.999%"),
        ("ch7", "境內雲端委外作業"),
        ("ch7", "事件監控與數位鑑識"),
        ("ch8", "事後確認"),
        ("ch9", "合成資料"),
    ]:
        assert expected in rows
    assert sum(1 for p in places if p.root == "ch7" and p.marker == "row") == 4 + 13
    assert sum(1 for p in places if p.root == "ch9" and p.marker == "row") == 8
