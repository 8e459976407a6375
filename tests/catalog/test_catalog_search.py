"""Search: zh and en, the manual's line breaks and full/half-width forms don't matter, exact
phrases rank first, hits carry a snippet with the match."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fincloud.catalog import Catalog, load_catalog
from fincloud.catalog.search import RANK_PHRASE, RANK_WHOLE, RANK_WORDS, make_snippet
from fincloud.catalog.text import squash

CATALOG = load_catalog("2025")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return CATALOG


def test_a_title_equal_to_the_query_ranks_first(catalog: Catalog) -> None:
    hits = catalog.search("共享責任")
    assert hits[0].node.id == "ch3.2" and hits[0].rank == RANK_WHOLE
    assert all(h.rank >= RANK_PHRASE for h in hits[1:])


def test_exact_phrase_before_scattered_words(catalog: Catalog) -> None:
    hits = catalog.search("key management", limit=None)
    ranks = [h.rank for h in hits]
    assert ranks == sorted(ranks)  # phrase hits first, then all-words hits
    assert {RANK_PHRASE, RANK_WORDS} <= set(ranks)
    first_words = ranks.index(RANK_WORDS)
    assert all("key management" in h.node.text_en.lower() or "key management" in
               h.node.text_zh.lower() for h in hits[:first_words])  # fmt: skip
    assert all(
        "key" in h.node.text(h.lang).lower() and "management" in h.node.text(h.lang).lower()
        for h in hits[first_words:]
    )


def test_chinese_query_ignores_the_manuals_spacing_and_width(catalog: Catalog) -> None:
    # The manual prints "HTTPS （TLS 1.2以上）"; a user types it without spaces, half-width.
    hits = catalog.search("HTTPS(TLS1.2以上)", limit=None)
    assert "ch5.1.basic.a.1" in [h.node.id for h in hits]
    assert (
        catalog.search("ｋｅｙ　ｍａｎａｇｅｍｅｎｔ")[0].node.id
        == catalog.search("key management")[0].node.id
    )


def test_english_query_is_case_insensitive(catalog: Catalog) -> None:
    lower = [h.node.id for h in catalog.search("segregation", limit=None)]
    upper = [h.node.id for h in catalog.search("SEGREGATION", limit=None)]
    assert lower == upper and lower


def test_language_filter(catalog: Catalog) -> None:
    # The Chinese text quotes English product names ("Customer managed encryption key"), so
    # "encryption" is found in zh too; "segregation" is only in the translation.
    assert catalog.search("encryption", lang="zh")
    assert catalog.search("segregation", lang="zh") == ()
    assert {h.lang for h in catalog.search("segregation", lang="en")} == {"en"}
    assert catalog.search("加密", lang="en") == ()


def test_snippet_marks_the_match(catalog: Catalog) -> None:
    hit = catalog.search("六個月")[0]
    assert hit.node.id == "ch5.4.basic.a"
    assert hit.highlight is not None
    start, end = hit.highlight
    assert squash(hit.snippet[start:end]) == "六個月"


def test_snippet_maps_back_across_line_breaks_and_width() -> None:
    text = "使用 HTTPS （TLS 1.2以上）之通訊協定加密" + "，很長的說明" * 20
    snippet, span = make_snippet(text, "https(tls1.2以上)", squash_ws=True)
    assert span is not None
    assert snippet[span[0] : span[1]] == "HTTPS （TLS 1.2以上）"
    assert snippet.endswith("…")


def test_empty_query_finds_nothing(catalog: Catalog) -> None:
    assert catalog.search("   ") == ()


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_any_piece_of_a_nodes_text_finds_that_node(data: st.DataObject) -> None:
    node = data.draw(st.sampled_from(CATALOG.nodes))
    text = unicodedata.normalize("NFKC", squash(node.text_zh))
    start = data.draw(st.integers(0, max(0, len(text) - 2)))
    length = data.draw(st.integers(2, 12))
    query = text[start : start + length]
    ids = [h.node.id for h in CATALOG.search(query, lang="zh", limit=None)]
    assert node.id in ids
