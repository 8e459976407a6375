"""What a report says, independent of its file format: headings, paragraphs, facts, tables and
charts. The builders (fincloud.reports.builders) fill one from the apps' selectors; the
renderers (fincloud.reports.render) turn it into XLSX, DOCX or PDF. Plain Python, no Django.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

# The manual's form prints "□符合 □未符合"; a ticked box is "■" (both in Noto CJK).
TICKED = "■"
EMPTY = "□"


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    bold: bool = False
    span: int = 1  # columns this cell covers (a group heading across the table)
    shade: bool = False  # a heading or group row
    mono: bool = False  # codes and hashes


CellLike = str | Cell


def cell_text(value: CellLike) -> str:
    return value.text if isinstance(value, Cell) else value


@dataclass(frozen=True, slots=True)
class Heading:
    text: str
    level: int = 1
    sheet: str = ""  # starts this XLSX sheet (a part of the report on its own sheet)


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    style: Literal["normal", "note", "small", "lead"] = "normal"


@dataclass(frozen=True, slots=True)
class Facts:
    """Label / value pairs (a definition list)."""

    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[CellLike, ...], ...]
    widths: tuple[float, ...] = ()  # relative column widths
    sheet: str = ""  # the XLSX sheet this table goes to (default: the report's first sheet)
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    svg: str  # drawn on the server (matplotlib), text kept as text
    png: bytes = b""  # the same figure as PNG, where a DOCX needs it


@dataclass(frozen=True, slots=True)
class PageBreak:
    pass


Block = Heading | Paragraph | Facts | Table | Chart | PageBreak


@dataclass(frozen=True, slots=True)
class Labels:
    """The words of the frame (header, footer) in the report's language."""

    generated: str  # "產製時間" / "Generated"
    page: str  # "第 {page} 頁，共 {pages} 頁" / "Page {page} of {pages}"
    sha_note: str = ""  # where the report's SHA-256 is kept


@dataclass(frozen=True, slots=True)
class ReportDocument:
    title: str
    institution: str
    generated_at: dt.datetime  # aware, shown in Asia/Taipei
    lang: Literal["zh", "en"]
    labels: Labels
    blocks: tuple[Block, ...] = ()
    subtitle: str = ""
    landscape: bool = False
    meta: dict[str, str] = field(default_factory=dict)

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    def text(self) -> str:
        """Every word of the report, in order (tests and search)."""
        out: list[str] = [self.title, self.subtitle, self.institution]
        for block in self.blocks:
            if isinstance(block, Heading | Paragraph):
                out.append(block.text)
            elif isinstance(block, Facts):
                out.extend(f"{k} {v}" for k, v in block.items)
            elif isinstance(block, Table):
                out.extend(block.columns)
                out.extend(cell_text(c) for row in block.rows for c in row)
            elif isinstance(block, Chart):
                out.append(block.title)
        return "\n".join(t for t in out if t)


def boxes(options: tuple[str, ...], chosen: str | None) -> str:
    """The form's check boxes: ``boxes(("符合", "未符合"), "符合")`` -> "■符合 □未符合"."""
    return " ".join(f"{TICKED if o == chosen else EMPTY}{o}" for o in options)
