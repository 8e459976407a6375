"""Search over the catalog's zh and en texts.

Each node gets a precomputed search text per language, normalised once: NFKC (so full-width
（）：, and half-width ():, match each other), case-folded, and for Chinese all whitespace removed
(the manual's line breaks fall anywhere). Ranking: a node whose whole text is the query, then
nodes containing the exact phrase, then nodes containing every word of the query; ties keep
document order. A hit carries a snippet around the match for the browser and the CLI.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fincloud.catalog.text import collapse, squash

if TYPE_CHECKING:
    from fincloud.catalog.model import Lang, Node

RANK_WHOLE = 0  # the node's text is the query (a title, a glossary term)
RANK_PHRASE = 1  # the exact phrase occurs
RANK_WORDS = 2  # every word occurs, not as one phrase

SNIPPET_CONTEXT = 30  # characters of context on each side of the match


@dataclass(frozen=True, slots=True)
class SearchHit:
    node: Node
    rank: int
    lang: Lang  # the language whose text matched
    snippet: str  # the matching text around the match, "…" where cut
    highlight: tuple[int, int] | None  # the match's span inside `snippet`

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.node.id,
            "kind": self.node.kind,
            "rank": self.rank,
            "lang": self.lang,
            "snippet": self.snippet,
            "highlight": list(self.highlight) if self.highlight else None,
            "text_zh": self.node.text_zh,
            "text_en": self.node.text_en,
        }


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def normalise_zh(text: str) -> str:
    return squash(_fold(text))


def normalise_en(text: str) -> str:
    return collapse(_fold(text))


class SearchIndex:
    __slots__ = ("_en", "_nodes", "_zh")

    def __init__(self, nodes: tuple[Node, ...]) -> None:
        self._nodes = nodes
        self._zh = tuple(normalise_zh(n.text_zh) for n in nodes)
        self._en = tuple(normalise_en(n.text_en) for n in nodes)

    def search(
        self, query: str, *, lang: Lang | None = None, limit: int | None = 50
    ) -> tuple[SearchHit, ...]:
        q_zh = normalise_zh(query)
        q_en = normalise_en(query)
        if not q_zh:
            return ()
        words = tuple(dict.fromkeys(q_en.split(" "))) if " " in q_en else ()
        words_zh = tuple(squash(w) for w in words)
        use_zh = lang in (None, "zh")
        use_en = lang in (None, "en")
        found: list[tuple[int, int, Lang]] = []  # (rank, position, lang)
        for i, (zh, en) in enumerate(zip(self._zh, self._en, strict=True)):
            if use_zh and q_zh in zh:
                found.append((RANK_WHOLE if zh == q_zh else RANK_PHRASE, i, "zh"))
            elif use_en and q_en in en:
                found.append((RANK_WHOLE if en == q_en else RANK_PHRASE, i, "en"))
            elif words:
                if use_zh and all(w in zh for w in words_zh):
                    found.append((RANK_WORDS, i, "zh"))
                elif use_en and all(w in en for w in words):
                    found.append((RANK_WORDS, i, "en"))
        found.sort()
        if limit is not None:
            found = found[:limit]
        hits = []
        for rank, i, hit_lang in found:
            node = self._nodes[i]
            needle = q_zh if hit_lang == "zh" else q_en
            if rank == RANK_WORDS:
                needle = squash(words[0]) if hit_lang == "zh" else words[0]
            snippet, span = make_snippet(node.text(hit_lang), needle, squash_ws=hit_lang == "zh")
            hits.append(SearchHit(node, rank, hit_lang, snippet, span))
        return tuple(hits)


def _folded_with_map(text: str, *, squash_ws: bool) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, the index of the original character."""
    out: list[str] = []
    where: list[int] = []
    pending_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            pending_space = not squash_ws and bool(out)
            continue
        if pending_space:
            out.append(" ")
            where.append(i - 1)
            pending_space = False
        for folded in _fold(ch):
            out.append(folded)
            where.append(i)
    return "".join(out), where


def make_snippet(text: str, needle: str, *, squash_ws: bool) -> tuple[str, tuple[int, int] | None]:
    """A window of `text` around the first match of the (folded) `needle`."""
    folded, where = _folded_with_map(text, squash_ws=squash_ws)
    at = folded.find(needle) if needle else -1
    if at < 0:
        cut = text[: 2 * SNIPPET_CONTEXT]
        return (cut + "…" if len(text) > len(cut) else cut), None
    start = where[at]
    end = where[at + len(needle) - 1] + 1
    lo = max(0, start - SNIPPET_CONTEXT)
    hi = min(len(text), end + SNIPPET_CONTEXT)
    prefix = "…" if lo > 0 else ""
    suffix = "…" if hi < len(text) else ""
    snippet = prefix + text[lo:hi] + suffix
    offset = len(prefix) - lo
    return snippet, (start + offset, end + offset)
