"""The whitespace normalisation shared by the honesty tests, the coverage check and search.

The manual is a text extraction of a PDF: sentences are broken across lines, pages start with a
stray space, two pages carry their page number on a line of its own, and table columns are
interleaved. `text_zh` keeps the manual's words and removes only those artefacts, so the test of
faithfulness is: with all whitespace removed (on both sides) and the page numbers dropped, the
node's text is a substring of the manual.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

_WS = re.compile(r"\s+")
# A line that is only a page number ("35", "49"): an artefact of the extraction.
_PAGE_NUMBER = re.compile(r"^\s*\d{1,3}\s*$")
# Running headers or footers repeated on every page. The 2025 text has none; a line listed here
# is dropped like a page number.
RUNNING_HEADERS: tuple[str, ...] = ()

# Where each chapter and annex starts. Searched in this order, each after the previous one: the
# text names 附件 4 and 附件 5 once before Annex 1 (a divider after Ch 9), which must not count.
_ROOT_HEADINGS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("ch0", re.compile(r"^\s*總則\s*$")),
    *((f"ch{n}", re.compile(rf"^\s*第\s*{n}\s*章、")) for n in range(1, 10)),
    ("a1", re.compile(r"^\s*附件\s*1\s")),
    ("a2", re.compile(r"^\s*附件\s*2\s")),
    ("a3", re.compile(r"^\s*附件\s*3\s")),
    ("a4", re.compile(r"^\s*附件\s*4\s")),
    ("a5", re.compile(r"^\s*附件\s*(5|五)\s")),
)


def squash(text: str) -> str:
    """Remove every whitespace character (spaces, ideographic spaces, line breaks)."""
    return _WS.sub("", text)


def collapse(text: str) -> str:
    """Collapse runs of whitespace to one space (for English)."""
    return _WS.sub(" ", text).strip()


@dataclass(frozen=True)
class Region:
    root: str  # ch0 … ch9, a1 … a5
    first_line: int  # 1-based, inclusive
    last_line: int  # 1-based, inclusive
    start: int  # offset in Manual.text
    end: int


class Manual:
    """The manual's text, normalised, with a map back to its line numbers."""

    def __init__(self, raw: str, name: str = "manual") -> None:
        self.name = name
        self.lines: tuple[str, ...] = tuple(raw.splitlines())
        parts: list[str] = []
        starts: list[int] = []
        pos = 0
        for line in self.lines:
            starts.append(pos)
            if _PAGE_NUMBER.match(line) or line.strip() in RUNNING_HEADERS:
                continue
            squashed = squash(line)
            parts.append(squashed)
            pos += len(squashed)
        self.text = "".join(parts)
        # _starts[i] is the offset in self.text where line i+1 begins.
        self._starts = starts

    @classmethod
    def read(cls, path: Path) -> Manual:
        return cls(path.read_text(encoding="utf-8"), name=path.name)

    def line_of(self, offset: int) -> int:
        """The 1-based line of the manual that holds this offset of `text`."""
        return bisect.bisect_right(self._starts, offset)

    def offset_of_line(self, line: int) -> int:
        return self._starts[line - 1] if line <= len(self._starts) else len(self.text)

    def contains(self, fragment: str, region: Region | None = None) -> bool:
        needle = squash(fragment)
        if not needle:
            return False
        if region is None:
            return needle in self.text
        return self.text.find(needle, region.start, region.end) >= 0

    def find(self, fragment: str, start: int = 0, end: int | None = None) -> int:
        return self.text.find(squash(fragment), start, len(self.text) if end is None else end)

    @cached_property
    def regions(self) -> dict[str, Region]:
        """The span of each chapter and annex, from its heading to the next one's."""
        found: list[tuple[str, int]] = []
        line_no = 0
        for root, pattern in _ROOT_HEADINGS:
            for i in range(line_no, len(self.lines)):
                if pattern.match(self.lines[i]):
                    found.append((root, i + 1))
                    line_no = i + 1
                    break
        out: dict[str, Region] = {}
        for k, (root, first) in enumerate(found):
            last = found[k + 1][1] - 1 if k + 1 < len(found) else len(self.lines)
            out[root] = Region(
                root, first, last, self.offset_of_line(first), self.offset_of_line(last + 1)
            )
        return out
