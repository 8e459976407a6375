"""The honesty tests of issue 4 §1 on the real edition-2025 data.

(a) every text_zh, or each fragment of a rebuilt cell, occurs in the manual (whitespace, page
numbers removed on both sides); (b) the coverage check finds a node for every item of the manual
and no text of the manual outside a node; (c) ids unique, parents exist and come first, order
contiguous; (d) the 22 Annex 3 ids and the 5 SLA rows exactly as RULES.md says. Plus: the anchor
ids of docs/catalog-format.md exist, Annex 4 rows point at Annex 3, Annex 5 links resolve.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from fincloud.catalog import NODE_FILES, Catalog, load_a4_example, load_catalog
from fincloud.catalog.coverage import check
from fincloud.catalog.loader import DATA_ROOT
from fincloud.catalog.text import Manual, squash

REPO = Path(__file__).resolve().parents[2]
FORMAT_DOC = REPO / "docs" / "catalog-format.md"


@pytest.fixture(scope="module")
def manual(manual_path: Path) -> Manual:
    return Manual.read(manual_path)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog("2025")


@pytest.fixture(scope="module")
def rules_md(shared_dir: Path) -> str:
    return (shared_dir / "RULES.md").read_text(encoding="utf-8")


def test_every_file_of_the_edition_is_present() -> None:
    names = {p.name for p in (DATA_ROOT / "2025").glob("*.yaml")}
    assert names == {f"{stem}.yaml" for stem in NODE_FILES} | {"a4_example.yaml"}


def test_roots_are_the_chapters_and_annexes_in_manual_order(catalog: Catalog) -> None:
    assert [n.id for n in catalog.roots()] == list(NODE_FILES)
    assert {n.kind for n in catalog.roots()} == {"chapter", "annex"}


# (a) -------------------------------------------------------------------------------------
def test_every_text_zh_occurs_verbatim_in_its_chapter_or_annex(
    catalog: Catalog, manual: Manual
) -> None:
    problems = []
    for node in catalog:
        region = manual.regions[node.root]
        if node.fragments:
            problems += [
                f"{node.source}:{node.line} {node.id}: fragment not in {node.root}: {fragment!r}"
                for fragment in node.fragments
                if not manual.contains(fragment, region)
            ]
        elif not manual.contains(node.text_zh, region):
            problems.append(
                f"{node.source}:{node.line} {node.id}: text_zh not in {node.root}: "
                f"{node.text_zh[:60]!r}"
            )
    assert not problems, "\n".join(problems)


def test_text_zh_keeps_no_extraction_artefacts(catalog: Catalog) -> None:
    problems = [
        f"{node.source}:{node.line} {node.id}"
        for node in catalog
        if "  " in node.text_zh or "\u3000" in node.text_zh or "\t" in node.text_zh
        or re.search(r"\n\s*\n", node.text_zh)
    ]  # fmt: skip
    assert not problems, "doubled spaces or blank lines in text_zh:\n" + "\n".join(problems)


def test_text_en_is_a_translation_not_a_copy(catalog: Catalog) -> None:
    problems = [
        f"{n.source}:{n.line} {n.id}"
        for n in catalog
        if not re.search(r"[A-Za-z]{2}", n.text_en) or squash(n.text_en) == squash(n.text_zh)
    ]
    assert not problems, "\n".join(problems)


# (b) -------------------------------------------------------------------------------------
def test_coverage_every_item_of_the_manual_has_a_node(catalog: Catalog, manual: Manual) -> None:
    report = check(catalog, manual)
    assert len(report.places) > 600  # the scan itself works: the manual has ~650 items
    assert report.ok, "\n" + report.format()


# (c) -------------------------------------------------------------------------------------
def test_ids_unique_parents_first_order_contiguous_levels_consistent(catalog: Catalog) -> None:
    ids = [n.id for n in catalog]
    assert len(ids) == len(set(ids))
    seen: set[str] = set()
    for node in catalog:
        if node.parent is None:
            assert node.level == 0 and node.kind in ("chapter", "annex"), node.id
        else:
            assert node.parent in seen, f"{node.id}: parent {node.parent} not before it"
            assert node.level == catalog.get(node.parent).level + 1, node.id
        seen.add(node.id)
    for node in [None, *catalog.nodes]:
        kids = catalog.roots() if node is None else catalog.children(node.id)
        assert [k.order for k in kids] == list(range(len(kids))), node and node.id


def test_every_annex5_change_points_at_a_node(catalog: Catalog) -> None:
    revisions = catalog.by_kind("revision")
    assert revisions
    dangling = [
        f"{rev.id} -> {target}"
        for rev in revisions
        for target in rev.data.get("changes", ())
        if target not in catalog
    ]
    assert not dangling
    assert all(rev.data.get("changes") for rev in revisions)


# (d) -------------------------------------------------------------------------------------
def _rules_a3_order(rules_md: str) -> list[str]:
    # RULES.md §4: "the manual's order is 10.I.1–10.I.10, 10.II, 18.II.6, … 19.6.1):"
    text = " ".join(rules_md.split())
    listed = re.search(r"the manual's order is (.+?)\):", text)
    assert listed, "RULES.md §4 no longer states the Annex 3 order"
    out: list[str] = []
    for item in (s.strip() for s in listed.group(1).split(",")):
        span = re.fullmatch(r"(\d+\.[IVX]+)\.(\d+)–\1\.(\d+)", item)
        if span:
            out += [
                f"{span.group(1)}.{k}" for k in range(int(span.group(2)), int(span.group(3)) + 1)
            ]
        else:
            out.append(item)
    return out


def test_annex3_has_the_22_rows_of_rules_md_in_the_manuals_order(
    catalog: Catalog, rules_md: str
) -> None:
    expected = [f"a3.{row}" for row in _rules_a3_order(rules_md)]
    assert len(expected) == 22
    rows = [n.id for n in catalog.by_kind("contract_row")]
    assert rows == expected
    for row in rows:  # each row is of Annex 3 and cites its own regulation paragraph
        assert catalog.root(row).id == "a3"
        assert catalog.get(row).citations, row


_UNITS = {"h": "小時", "min": "分鐘", "s": "秒"}


def test_sla_table_rows_are_the_five_rows_of_rules_md(catalog: Catalog, rules_md: str) -> None:
    expected = []
    for line in rules_md.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and re.fullmatch(r"\d+(\.\d+)?%", cells[0]):
            availability = cells[0].removesuffix("%")
            durations = [
                (Decimal(value), _UNITS[unit]) for value, unit in (c.split() for c in cells[1:])
            ]
            expected.append((Decimal(availability), durations))
    assert len(expected) == 5
    rows = catalog.children("ch3.4.sla_table")
    assert [r.id for r in rows] == [f"ch3.4.sla_table.r{i}" for i in range(1, 6)]
    for row, (availability, durations) in zip(rows, expected, strict=True):
        assert Decimal(row.data["availability_percent"]) == availability, row.id
        got = []
        for key in ("per_year", "per_month", "per_week"):
            value, unit = re.fullmatch(r"([\d.]+)(\D+)", row.data[key]).groups()  # type: ignore[union-attr]
            got.append((Decimal(value), unit))
        assert got == durations, row.id
        assert squash(row.text_zh).startswith(f"{availability}%"), row.id


# Anchors of docs/catalog-format.md ----------------------------------------------------------
def _expand(start: str, end: str) -> list[str]:
    base, first = start.rsplit(".", 1)
    last = end.rsplit(".", 1)[1] if not end.startswith(".") else end[1:]
    if end.startswith(".") and "." in last:  # ".d13" style stays one segment
        raise AssertionError(f"cannot expand {start} … {end}")
    m1 = re.fullmatch(r"([a-z]*?)(\d+)", first)
    m2 = re.fullmatch(r"([a-z]*?)(\d+)", last)
    if m1 and m2 and m1.group(1) == m2.group(1):
        width = len(m1.group(2)) if m1.group(2).startswith("0") else 0
        numbers = range(int(m1.group(2)), int(m2.group(2)) + 1)
        return [f"{base}.{m1.group(1)}{str(k).zfill(width)}" for k in numbers]
    assert len(first) == len(last) == 1, (start, end)
    return [f"{base}.{chr(c)}" for c in range(ord(first), ord(last) + 1)]


def anchor_ids(doc: str) -> tuple[list[str], list[str]]:
    """Ids of the 'Anchor ids' table, ranges expanded; and the ids that must have a `.model`
    child (Ch 3.3 items)."""
    section = doc.split("### Anchor ids", 1)[1].split("\n## ", 1)[0]
    ids: list[str] = []
    with_model: list[str] = []
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        cell = line.split("|")[1]
        tokens = re.findall(r"`([^`]+)`|(…)", cell)
        row: list[str] = []
        i = 0
        while i < len(tokens):
            code, dots = tokens[i]
            if dots and i + 1 < len(tokens) and tokens[i + 1][0] and "…" not in tokens[i + 1][0]:
                end = tokens[i + 1][0]
                row += _expand(row.pop(), end)
                i += 2
                continue
            if code:
                row.append(code)
            i += 1
        # "model wording as child `….model`": each id of the row has a `.model` child.
        if re.search(r"`…\W*\.model`", line):
            with_model += row
        ids += row
    return ids, with_model


def test_anchor_parser_expands_ranges() -> None:
    doc = (
        "### Anchor ids\n| id | what |\n| --- | --- |\n"
        "| `ch2.2.mechanism.a` … `.d` | x |\n"
        "| `ch3.3.mandatory.1` … `.3`, `ch3.3.cooperation.1` | model as child `…\u200b.model` |\n"
        "| `ch7.3.table`, domains `ch7.3.table.d01` … `.d03`, checks `ch7.3.table.d01.01` … | t |\n"
    )
    ids, with_model = anchor_ids(doc)
    assert ids == [
        "ch2.2.mechanism.a", "ch2.2.mechanism.b", "ch2.2.mechanism.c", "ch2.2.mechanism.d",
        "ch3.3.mandatory.1", "ch3.3.mandatory.2", "ch3.3.mandatory.3", "ch3.3.cooperation.1",
        "ch7.3.table", "ch7.3.table.d01", "ch7.3.table.d02", "ch7.3.table.d03",
        "ch7.3.table.d01.01",
    ]  # fmt: skip
    assert with_model[-1] == "ch3.3.cooperation.1"


def test_every_anchor_id_of_the_format_doc_exists(catalog: Catalog) -> None:
    ids, with_model = anchor_ids(FORMAT_DOC.read_text(encoding="utf-8"))
    assert len(ids) > 100
    missing = [i for i in ids if i not in catalog]
    missing += [f"{i}.model" for i in with_model if f"{i}.model" not in catalog]
    assert not missing, missing


def test_anchor_lists_hold_exactly_the_manuals_items(catalog: Catalog) -> None:
    # The nine duties, four SoD pairs and seven materiality factors: no more in the catalog.
    for prefix, count in (
        ("ch1.4.duties.", 9),
        ("ch1.4.sod.", 4),
        ("ch1.2.location.", 4),
        ("ch2.2.mechanism.", 4),
        ("ch2.2.risk.", 11),
        ("ch2.2.materiality.", 7),
    ):
        found = [n.id for n in catalog if n.id.startswith(prefix) and n.id.count(".") == 3]
        assert len(found) == count, (prefix, found)


def test_faq10_country_list_is_the_manuals(catalog: Catalog) -> None:
    node = catalog.get("ch1.2.location.c")
    names = [c["zh"] for c in node.data["faq10_countries"]]
    assert "、".join(names[:6]) + "等歐盟國家" in node.text_zh
    assert "、".join(names[6:]) in node.text_zh
    assert len(names) == 18


# Annex 4 -----------------------------------------------------------------------------------
def test_annex4_example_rows_are_the_annex3_rows(catalog: Catalog, manual: Manual) -> None:
    example = load_a4_example("2025")
    assert example.vendors == ("A", "B", "C")
    assert [r.row for r in example.rows] == [n.id for n in catalog.by_kind("contract_row")]
    region = manual.regions["a4"]
    assert manual.contains(example.disclaimer_zh, region)
    problems = []
    for row in example.rows:
        for cell in row.cells:
            texts = cell.fragments or tuple(t for t in (cell.remarks_zh,) if t)
            problems += [
                f"{row.row}/{cell.vendor}: {t!r}" for t in texts if not manual.contains(t, region)
            ]
    assert not problems, "\n".join(problems)
