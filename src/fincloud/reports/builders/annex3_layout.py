"""The layout of the manual's Annex 3 form (CSP合約檢核表), read from the catalog: its two parts
(1.契約應記載事項, 2.協力義務), the article groups of part 2 (【委外辦法第十七條】 with its lead-in)
and each row's citation brackets and wording, with the item markers the manual prints (三、,
（三）, 1.). Annex 4 uses the same rows. Plain Python over fincloud.catalog."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from fincloud.catalog import Catalog, Node

PART_NUMBERS = {"a3.part1": "1.", "a3.part2": "2."}
# Part 2's article groups: the manual prints the article once, in a bracket (【委外辦法第十七條】)
# above the paragraph's lead-in (I. for §17 and §18).
GROUPS = {"a3.17.I": "I.", "a3.18.I": "I.", "a3.19": ""}
CHINESE_DIGITS = "〇一二三四五六七八九十"


def chinese_number(n: int) -> str:
    if n <= 10:
        return CHINESE_DIGITS[n]
    if n < 20:
        return "十" + CHINESE_DIGITS[n - 10]
    tens, ones = divmod(n, 10)
    return CHINESE_DIGITS[tens] + "十" + (CHINESE_DIGITS[ones] if ones else "")


def _level_marker(level: int, number: int, wide: bool) -> str:
    if level == 0:
        return f"{chinese_number(number)}、"
    if level == 1:
        return f"（{chinese_number(number)}）" if wide else f"({chinese_number(number)})"
    return f"{number}. "


def marker(catalog: Catalog, node: Node) -> str:
    """The item marker the manual prints before a part-2 node: 三、 for §17 I③, （三） under
    it, 1. below that; a level with no node of its own (§18 I④) is printed with the next
    (四、（三）)."""
    group = next((g for g in GROUPS if node.id.startswith(g + ".")), None)
    if group is None:
        return ""
    parts = node.id[len(group) + 1 :].split(".")
    # Levels down to the deepest ancestor that is a node of its own are printed on its line.
    printed = max(
        (
            level + 1
            for level in range(len(parts) - 1)
            if catalog.find(".".join([group, *parts[: level + 1]])) is not None
        ),
        default=0,
    )
    out = []
    for level, number in enumerate(parts):
        if level < printed:
            continue
        if not number.isdigit():
            return ""
        # The manual prints full-width brackets under §18 and §19, half-width under §17.
        out.append(_level_marker(level, int(number), wide=not group.startswith("a3.17")))
    return "".join(out)


def brackets(node: Node) -> list[str]:
    return [f"【{c}】" for c in node.citations[:1]]


@dataclass(frozen=True)
class Line:
    kind: Literal["part", "group", "row"]
    node: Node
    text: str  # the part or group heading, or the row's requirement as the form prints it


def requirement(catalog: Catalog, row: Node, lang: Literal["zh", "en"]) -> str:
    """The row's left cell: its citation bracket and wording, the sub-items (一)(二)(三), and
    the self-regulatory wording printed under it with its own bracket."""
    # Part 1 prints each row's citation in a bracket; part 2 prints the article once, above
    # its group (【委外辦法第十七條】), and the rows by their item markers.
    part2 = any(row.id.startswith(g + ".") for g in GROUPS)
    lines = [*([] if part2 else brackets(row)), marker(catalog, row) + row.text(lang)]
    for child in catalog.children(row.id):
        if child.id.endswith(".sr"):
            lines.extend(brackets(child))
            lines.append(child.text(lang))
        elif child.kind == "item":
            lines.append(marker(catalog, child) + child.text(lang))
    return "\n".join(lines)


def _group_text(catalog: Catalog, node: Node, lang: Literal["zh", "en"]) -> str:
    if node.id in GROUPS:
        head = [f"【{c}】" for c in node.citations[:1]]
        return "\n".join([*head, GROUPS[node.id] + node.text(lang)])
    return marker(catalog, node) + node.text(lang)


def lines(catalog: Catalog, lang: Literal["zh", "en"]) -> Iterator[Line]:
    """The form from top to bottom: part headings, part 2's group rows, and every row."""
    for node in catalog.subtree("a3"):
        if node.kind == "section" and node.id in PART_NUMBERS:
            text = PART_NUMBERS[node.id] + node.text(lang)
            lead = next((c for c in catalog.children(node.id) if c.id == f"{node.id}.p1"), None)
            if lead is not None:
                text += "\n" + lead.text(lang)
            yield Line("part", node, text)
        elif node.kind == "paragraph" and (
            node.id in GROUPS or any(node.id.startswith(g + ".") for g in GROUPS)
        ):
            yield Line("group", node, _group_text(catalog, node, lang))
        elif node.kind == "contract_row":
            yield Line("row", node, requirement(catalog, node, lang))


def row_ids(catalog: Catalog) -> list[str]:
    """Every Annex 3 row, without the "a3." prefix, in the manual's order."""
    return [n.id.removeprefix("a3.") for n in catalog.subtree("a3") if n.kind == "contract_row"]
