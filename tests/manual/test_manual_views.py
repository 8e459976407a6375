"""The catalog browser: tree, node pages in both languages, search while typing, Annex 4."""

from __future__ import annotations

import pytest

from fincloud.determinations.services import determination_record
from fincloud.rules import evaluate, parse_profile

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(client, personas):
    client.force_login(personas["legal"])
    return client


def test_index_lists_every_chapter_and_annex(reader):
    body = reader.get("/manual/").content.decode()
    for root in ["ch0", "ch1", "ch5", "ch9", "a1", "a2", "a3", "a5"]:
        assert f'href="/manual/node/{root}"' in body
    assert "794" in body


def test_node_page_shows_both_texts_citations_and_neighbours(reader):
    body = reader.get("/manual/node/a3.10.I.1").content.decode()
    assert 'data-testid="text-zh"' in body and 'data-testid="text-en"' in body
    assert "委外辦法§10 I①" in body
    assert 'href="/manual/node/a3.10.I.1.sr"' in body  # the next node: its sub-clause


def test_node_page_shows_errata_and_annex5_revisions(reader):
    body = reader.get("/manual/node/ch8.5.post").content.decode()
    assert "事後管理" in body  # the erratum naming the other name of the phase
    revised = reader.get("/manual/node/ch1.4.governance.a").content.decode()
    assert "a5.r1" in revised


def test_unknown_node_is_404(reader):
    assert reader.get("/manual/node/ch99.1").status_code == 404


def test_search_matches_chinese_and_english_and_htmx_returns_hits_only(reader):
    zh = reader.get("/manual/search", {"q": "稽核軌跡"}).content.decode()
    assert "ch5.4" in zh
    en = reader.get("/manual/search", {"q": "audit trail"}, HTTP_HX_REQUEST="true")
    body = en.content.decode()
    assert "ch5.4" in body and "<html" not in body


def test_where_it_is_used_lists_determinations_citing_the_node(reader, personas):
    result = evaluate(
        parse_profile(
            {
                "institution_type": "domestic_bank",
                "license_business_or_customer_data": True,
                "csp_processes_or_stores_data": True,
                "service_model": "SaaS",
                "locations": ["TW"],
                "material": False,
            }
        )
    )
    contract = next(d for d in result.parts if d.kind == "contract_rows")
    determination_record(subject=personas["risk"].unit, result=contract)
    body = reader.get("/manual/node/a3.19.3").content.decode()
    assert "contract_rows" in body


def test_annex4_shows_the_disclaimer_and_all_vendors(reader):
    body = reader.get("/manual/annex4").content.decode()
    assert "僅供參考" in body
    assert body.count('href="/manual/node/a3.') == 22
    assert "廠商 C" in body
