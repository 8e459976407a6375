"""The coverage check: does every item of the manual have a node?

It scans the manual itself, not the catalog, for the places where an item starts:
- item markers at the start of a line: (a) (1) 1、 一、 (一) 1. 第N章、 and the citation heads
  【委外辦法§10 I①】 of Annex 3; bullets · and • anywhere in a line (Ch 7.3, Ch 8.5 tables);
- rows of the tables that print no marker, found by each table's own layout (`TABLES`).
For each place it takes the text that follows (the item's first words, whitespace removed) and
looks, in the same chapter or annex, for a node whose text_zh (or one of its fragments) starts
with it (a leading marker in the node's text is ignored); table rows whose first cell is a term
(Annex 1) only need the node to contain it. Each node answers for one place at most, so an item
printed twice needs two nodes. A place with no node is a miss, unless `ALLOWED` lists it as a
non-item with the reason.

Scope: 總則 (ch0), chapters 1–9 and annexes 1–3. Annex 4 is a separate data set and Annex 5 the
revision table (issue 4 §1(b)).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from fincloud.catalog.model import Catalog, Node
from fincloud.catalog.text import Manual, squash

SCOPE: tuple[str, ...] = (
    "ch0", "ch1", "ch2", "ch3", "ch4", "ch5", "ch6", "ch7", "ch8", "ch9", "a1", "a2", "a3",
)  # fmt: skip
KEY_LENGTH = 20  # characters of an item's first words that a node must start with

_CN = "一二三四五六七八九十"
# Markers that open an item at the start of a line.
_LINE_MARKER = re.compile(
    r"^(?P<m>第\s*\d+\s*章、"
    r"|[(（][a-z][)）]"
    r"|[(（]\d{1,2}[)）]"
    rf"|[(（][{_CN}]+[)）]"
    r"|\d{1,2}、"
    rf"|[{_CN}]+、"
    r"|\d{1,2}\.(?!\d)"
    r"|[IVX]{1,4}\.(?=\S)"  # the regulation's paragraphs in Annex 3: "I.金融機構將作業…"
    r"|【[^】]+】)"
)
_BULLETS = "·•"
# Text of the checklist form, not of an item: Annex 3 prints it beside the rows.
_FORM_TEXT = re.compile(r"□符合|□未符合|檢核結果")


@dataclass(frozen=True)
class Place:
    """A place in the manual where an item starts."""

    root: str
    line: int  # 1-based line of the manual
    marker: str  # "(a)", "1、", "·", "【委外辦法§10 I①】", "row" for a table row
    key: str  # the item's first words, whitespace removed
    text: str  # the manual's line, for the report
    contains: bool = False  # True: the node must contain the key (a term), not start with it

    @property
    def where(self) -> str:
        return f"{self.root} line {self.line}"


@dataclass(frozen=True)
class Allowed:
    root: str
    key: str  # the Place.key (or its start) this entry excuses
    reason: str


# Reviewed non-items: places the scan finds that are not items of the manual. Keep it short;
# each entry says why.
ALLOWED: tuple[Allowed, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    """A table whose rows print no marker: where it starts and how its row keys are found."""

    root: str
    name: str
    header: str  # the header row, whitespace removed; the table runs from it to `end`
    end: str | None  # text (whitespace removed) after the table, or None: the region's end
    rows: Callable[[str], list[str]]  # row keys from the table's text (whitespace removed)
    contains: bool = False


def _labels_before(pattern: str) -> Callable[[str], list[str]]:
    """Row labels printed just before a fixed phrase (Ch 4.2: each 培訓對象 before 著重於)."""
    regex = re.compile(rf"(?:^|。)([^。]{{2,16}}?){pattern}")
    return lambda text: [m.group(1) for m in regex.finditer(text)]


def _labels_between_bullets(bullet: str) -> Callable[[str], list[str]]:
    """In a table of label + bulleted checks (Ch 7.3 domains, Ch 8.5 phases), the label is the
    text between the end of the previous check (。) and the next bullet."""

    def rows(text: str) -> list[str]:
        labels = []
        for segment in text.split(bullet)[:-1]:
            label = segment.rsplit("。", 1)[-1]
            if label:
                labels.append(label)
        return labels

    return rows


def _first_cells(pattern: str) -> Callable[[str], list[str]]:
    regex = re.compile(pattern)
    return lambda text: [m.group(1) for m in regex.finditer(text)]


TABLES: tuple[TableSpec, ...] = (
    # Ch 3.4: the downtime table, one row per availability level.
    TableSpec("ch3", "sla", "服務水準每年停機時間每月停機時間每週停機時間", None,
              _first_cells(r"(?:^|[時鐘秒])(\d{2}(?:\.\d+)?%)")),
    # Ch 4.2: the training table, one row per 培訓對象 (the contents follow 著重於).
    TableSpec("ch4", "training", "培訓對象培訓內容建議培訓重點", "(c)雲端原廠",
              _labels_before("著重於")),
    # Ch 7.1: the cadence table. Its four 分級 are fixed phrases; the extraction merges the last
    # two rows' cells ("…決定查核頻率境內雲端委外作業"), so they are named, not parsed.
    TableSpec("ch7", "cadence", "分級查核頻率", "(b)金融機構為定期審查",
              _first_cells(r"(雲端委外作業涉及重大性消費金融業務資訊系統委託至境外處理"
                           r"|(?<!不)具重大性之境外雲端委外作業|不具重大性之境外雲端委外作業"
                           r"|境內雲端委外作業)")),
    # Ch 7.3: the audit table, one row per 領域, its checks bulleted with ·.
    TableSpec("ch7", "audit domains", "領域查核項目", None, _labels_between_bullets("·")),
    # Ch 8.5: the exit table, one row per 階段, its items bulleted with •.
    TableSpec("ch8", "exit phases", "階段退場要項", None, _labels_between_bullets("•")),
    # Ch 9.3: the de-identification techniques table.
    TableSpec("ch9", "de-identification", "去識別化技術說明", "4.中小型企業上雲案例分享",
              lambda text: []),  # rows come from lines (below): "統計工具 進行隨機抽樣…"
)  # fmt: skip


# The words of the layout, not of the text: markers, the 目的 / 參考指引 / 基本項目 / 進階項目
# headings, table headers, the checklist's boxes, citation heads (kept in `citations`), the
# glossary's letter dividers, footnote numbers. Text left between nodes once these are removed
# is text of the manual that no node holds.
_LAYOUT = re.compile(
    r"第\d+章、|[(（][a-z0-9一二三四五六七八九十]{1,2}[)）]|\d{1,2}[、.]|[一二三四五六七八九十]+、"
    r"|[IVX]{1,4}\.|[·•]|目的|參考指引|基本項目|進階項目|【[^】]*】|□符合|□未符合|檢核結果"
    r"|-[A-Z]-|附件\d|英文名稱縮寫中文名稱|階段領域子領域|階段退場要項|\d"
)


@dataclass(frozen=True)
class Residue:
    """Text of the manual (whitespace removed) that no node's text or fragment holds."""

    root: str
    line: int
    text: str


# Reviewed text that belongs to no node, with the reason.
_DIVIDER = (
    "a divider the extraction left after Ch 9 (the titles of Annexes 4 and 5), "
    "not text of Ch 9; the annexes have their own root nodes"
)
ALLOWED_TEXT: tuple[Allowed, ...] = (
    Allowed("ch9", "CSP合約檢核表（檢核案例）", _DIVIDER),
    Allowed("ch9", "修正對照表", _DIVIDER),
)  # fmt: skip


@dataclass
class CoverageReport:
    places: list[Place]
    matched: dict[int, str] = field(default_factory=dict)  # index in places -> node id
    allowed: dict[int, Allowed] = field(default_factory=dict)
    edition: str = ""
    manual: str = ""
    residues: list[Residue] = field(default_factory=list)
    allowed_residues: list[tuple[Residue, Allowed]] = field(default_factory=list)

    @property
    def missing(self) -> list[Place]:
        return [
            p for i, p in enumerate(self.places) if i not in self.matched and i not in self.allowed
        ]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.residues

    def per_root(self) -> dict[str, tuple[int, int, int]]:
        """root -> (places, with a node, allowed)."""
        out: dict[str, list[int]] = {}
        for i, p in enumerate(self.places):
            counts = out.setdefault(p.root, [0, 0, 0])
            counts[0] += 1
            counts[1] += i in self.matched
            counts[2] += i in self.allowed
        return {root: (c[0], c[1], c[2]) for root, c in out.items()}

    def to_dict(self) -> dict[str, object]:
        return {
            "edition": self.edition,
            "manual": self.manual,
            "places": len(self.places),
            "with_node": len(self.matched),
            "allowed": len(self.allowed),
            "missing": [
                {"root": p.root, "line": p.line, "marker": p.marker, "key": p.key, "text": p.text}
                for p in self.missing
            ],
            "text_without_node": [
                {"root": r.root, "line": r.line, "text": r.text} for r in self.residues
            ],
            "per_root": {
                root: {"places": a, "with_node": b, "allowed": c}
                for root, (a, b, c) in self.per_root().items()
            },
        }

    def format(self, *, lang: str = "en") -> str:
        zh = lang.startswith("zh")
        missing = self.missing
        lines = [
            (
                f"涵蓋檢查：{self.edition} 版目錄對照 {self.manual}（總則、第1至9章、附件1至3）"
                if zh
                else f"Coverage of catalog edition {self.edition} against {self.manual} "
                "(總則, chapters 1-9, annexes 1-3)"
            ),
            (
                f"項目標記 {len(self.places)} 處；有節點 {len(self.matched)}；"
                f"列為非項目 {len(self.allowed)}；缺漏 {len(missing)}"
                if zh
                else f"item places: {len(self.places)}; with a node: {len(self.matched)}; "
                f"allowed non-items: {len(self.allowed)}; missing: {len(missing)}"
            ),
            (
                f"節點以外的原文 {len(self.residues)} 段；"
                f"列為非項目之原文 {len(self.allowed_residues)} 段"
                if zh
                else f"text of the manual in no node: {len(self.residues)}; "
                f"allowed (reviewed) text outside nodes: {len(self.allowed_residues)}"
            ),
            "",
            "依檔案 / per file:  places  with node  allowed  missing",
        ]
        for root, (total, found, allowed) in self.per_root().items():
            lines.append(
                f"  {root:<4} {total:>16} {found:>10} {allowed:>8} {total - found - allowed:>8}"
            )
        if missing:
            lines += [
                "",
                "缺漏（沒有節點以該項目文字開頭）："
                if zh
                else "missing (no node starts with the item's text):",
            ]
            lines += [
                f"  {p.root:<4} line {p.line:>4}  {p.marker:<14} {p.key}   | {p.text.strip()}"
                for p in missing
            ]
        if self.residues:
            lines += [
                "",
                "沒有節點收錄的原文 / text of the manual in no node:",
                *(f"  {r.root:<4} line {r.line:>4}  {r.text}" for r in self.residues),
            ]
        if self.allowed or self.allowed_residues:
            lines += ["", "列為非項目 / allowed non-items:"]
            for residue, entry in self.allowed_residues:
                lines.append(
                    f"  {residue.root:<4} line {residue.line:>4}  {residue.text}: {entry.reason}"
                )
            for i, entry in sorted(self.allowed.items()):
                p = self.places[i]
                lines.append(
                    f"  {p.root:<4} line {p.line:>4}  {p.marker:<14} {p.key}: {entry.reason}"
                )
        return "\n".join(lines)


def _strip_markers(text: str) -> str:
    while True:
        m = _LINE_MARKER.match(text)
        if not m or m.end() == len(text):
            return text
        text = text[m.end() :]


def _key(rest: str) -> str:
    return _strip_markers(_FORM_TEXT.sub("", squash(rest)))[:KEY_LENGTH]


def scan(manual: Manual, roots: Iterable[str] = SCOPE) -> list[Place]:
    """Every place in the manual, in document order, where an item starts."""
    places: list[Place] = []
    for root in roots:
        region = manual.regions.get(root)
        if region is None:
            continue
        found, spans = _table_places(manual, root)
        for number in range(region.first_line, region.last_line + 1):
            found.extend(_line_places(root, number, manual.lines, spans))
        found.sort(key=lambda p: p.line)
        places.extend(found)
    return places


def _line_places(
    root: str, number: int, lines: tuple[str, ...], spans: dict[str, tuple[int, int]]
) -> list[Place]:
    raw = lines[number - 1]
    line = raw.strip()
    out: list[Place] = []
    m = _LINE_MARKER.match(line)
    if m:
        key = _key(line[m.end() :])
        follow = number
        while not key and follow < len(lines):  # the item's words are on the next line
            following = lines[follow].strip()
            if _LINE_MARKER.match(following):
                break  # a heading such as 【委外辦法第十七條】: the next marker is the item
            key = _key(following)
            follow += 1
        if key:
            out.append(Place(root, number, squash(m.group("m")), key, raw))
    for bullet in _BULLETS:
        for part in line.split(bullet)[1:]:
            key = _key(part)
            if key:
                out.append(Place(root, number, bullet, key, raw))
    span = spans.get("de-identification")
    if span is not None and span[0] < number < span[1]:
        out.extend(_deid_row(root, number, line, raw))
    if root == "a1":
        out.extend(_glossary_row(root, number, lines))
    if root == "a2":
        out.extend(_checklist_cells(root, number, line, raw))
    return out


_DEID_ROW = re.compile(r"^([\u4e00-\u9fff]{2,6}) \S")
_CJK = re.compile(r"[\u3400-\u9fff]")


def _deid_row(root: str, number: int, line: str, raw: str) -> list[Place]:
    # Ch 9.3 table rows: "統計工具 進行隨機抽樣…": a short technique name, a space, its
    # explanation (only looked for between the table's header and the next section).
    m = _DEID_ROW.match(line)
    return [Place(root, number, "row", m.group(1), raw)] if m else []


def _glossary_row(root: str, number: int, lines: tuple[str, ...]) -> list[Place]:
    """Annex 1 rows: English term (wrapped over lines), abbreviation, Chinese term. A row's
    Chinese term is the CJK text of the first line that has any; a CJK line right after another
    CJK line continues the term ("Gartner 5R模型:原封不動的遷移" / "至雲端")."""
    line = lines[number - 1].strip()
    if not _CJK.search(line) or line in ("英文名稱 縮寫 中文名稱",) or "附件" in line:
        return []
    previous = next((p.strip() for p in reversed(lines[: number - 1]) if p.strip()), "")
    if _CJK.match(line) and _CJK.search(previous) and "附件" not in previous:
        return []  # continues the previous row's Chinese term
    start = _CJK.search(line)
    assert start is not None  # noqa: S101
    return [Place(root, number, "row", squash(line[start.start() :]), lines[number - 1], True)]


def _checklist_cells(root: str, number: int, line: str, raw: str) -> list[Place]:
    """Annex 2 rows: 階段 / 領域 / 子領域 cells, several on a line or one per line. A cell of one
    character is the wrapped tail of the cell above ("雲端服務治理制" / "度")."""
    if not line or line.startswith("附件") or squash(line) == "階段領域子領域":
        return []
    return [Place(root, number, "row", cell, raw) for cell in line.split() if len(cell) > 1]


def _table_places(manual: Manual, root: str) -> tuple[list[Place], dict[str, tuple[int, int]]]:
    """The rows of the root's marker-less tables, and each table's span of lines."""
    region = manual.regions[root]
    out: list[Place] = []
    spans: dict[str, tuple[int, int]] = {}
    for spec in TABLES:
        if spec.root != root:
            continue
        start = manual.text.find(spec.header, region.start, region.end)
        if start < 0:
            continue
        end = region.end
        if spec.end is not None:
            found = manual.text.find(spec.end, start, region.end)
            end = found if found >= 0 else region.end
        spans[spec.name] = (manual.line_of(start), manual.line_of(end))
        text = manual.text[start + len(spec.header) : end]
        cursor = start + len(spec.header)
        for key in spec.rows(text):
            at = manual.text.find(key, cursor, end)
            line = manual.line_of(at if at >= 0 else cursor)
            cursor = at + len(key) if at >= 0 else cursor
            out.append(
                Place(root, line, "row", key[:KEY_LENGTH], manual.lines[line - 1], spec.contains)
            )
    return out, spans


def _candidates(node: Node) -> list[str]:
    texts = [squash(node.text_zh), *(squash(f) for f in node.fragments)]
    return [t for text in texts for t in {text, _strip_markers(text)}]


def _matches(place: Place, texts: list[str]) -> bool:
    for text in texts:
        if place.contains:
            if place.key in text:
                return True
        elif text.startswith(place.key) or (len(text) >= 2 and place.key.startswith(text)):
            return True
    return False


def check(catalog: Catalog, manual: Manual, roots: Iterable[str] = SCOPE) -> CoverageReport:
    roots = tuple(roots)
    places = scan(manual, roots)
    report = CoverageReport(places, edition=catalog.edition, manual=manual.name)
    for residue in residues(catalog, manual, roots):
        entry = next(
            (a for a in ALLOWED_TEXT if a.root == residue.root and residue.text == a.key), None
        )
        if entry is None:
            report.residues.append(residue)
        else:
            report.allowed_residues.append((residue, entry))
    by_root: dict[str, list[tuple[Node, list[str]]]] = {}
    for node in catalog:
        by_root.setdefault(node.root, []).append((node, _candidates(node)))
    used: set[str] = set()
    for i, place in enumerate(places):
        for node, texts in by_root.get(place.root, ()):
            if node.id not in used and _matches(place, texts):
                used.add(node.id)
                report.matched[i] = node.id
                break
        else:
            entry = next(
                (a for a in ALLOWED if a.root == place.root and place.key.startswith(a.key)),
                None,
            )
            if entry is not None:
                report.allowed[i] = entry
    return report


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, tuple | list):
        return [s for v in value for s in _strings(v)]
    return []


def residues(catalog: Catalog, manual: Manual, roots: Iterable[str] = SCOPE) -> list[Residue]:
    """Stretches of each chapter's or annex's text that no node holds, layout words removed.

    A node holds every occurrence, in its own chapter or annex, of its text_zh, its fragments
    and the strings of its data (Annex 1 keeps the English term and abbreviation there)."""
    texts: dict[str, list[str]] = {}
    for node in catalog:
        pieces = [node.text_zh, *node.fragments, *_strings(node.data)]
        if node.kind == "glossary_term":
            pieces.append(node.text_en)  # Annex 1 prints the English term verbatim
        texts.setdefault(node.root, []).extend(squash(p) for p in pieces)
    out: list[Residue] = []
    for root in roots:
        region = manual.regions.get(root)
        if region is None:
            continue
        covered = bytearray(region.end - region.start)
        for layout in _LAYOUT.finditer(manual.text, region.start, region.end):
            covered[layout.start() - region.start : layout.end() - region.start] = b"\x01" * len(
                layout.group()
            )
        for piece in texts.get(root, ()):
            if not piece:
                continue
            at = manual.text.find(piece, region.start, region.end)
            while at >= 0:
                covered[at - region.start : at - region.start + len(piece)] = b"\x01" * len(piece)
                at = manual.text.find(piece, at + 1, region.end)
        for gap in re.finditer(b"\x00+", bytes(covered)):
            text = manual.text[region.start + gap.start() : region.start + gap.end()]
            out.append(Residue(root, manual.line_of(region.start + gap.start()), text))
    return out


@dataclass(frozen=True)
class TextProblem:
    node: str
    source: str  # file:line of the node
    text: str  # the text_zh or fragment not found


def unverified_texts(catalog: Catalog, manual: Manual) -> list[TextProblem]:
    """Nodes whose text_zh (or, for a rebuilt cell, a fragment) does not occur in the manual's
    text of their chapter or annex, whitespace and page numbers removed (issue 4 §1 (a))."""
    out: list[TextProblem] = []
    for node in catalog:
        region = manual.regions.get(node.root)
        for text in node.fragments or (node.text_zh,):
            if not manual.contains(text, region):
                out.append(TextProblem(node.id, f"{node.source}:{node.line}", text))
    return out
