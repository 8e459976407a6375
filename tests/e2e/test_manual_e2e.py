"""The catalog browser in Chromium: results while typing, a node in both languages, Annex 4."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.conftest import choose_language, sign_in

pytestmark = pytest.mark.e2e


def test_browse_search_and_read_a_node(new_page, site, shots):
    page = new_page()
    sign_in(page, site, "legal.counsel")
    page.goto("/manual/")
    expect(page.locator("h1")).to_contain_text("實務手冊")
    shots(page, "manual-index-zh")
    page.fill("#manual-q", "金鑰")
    expect(page.locator("#manual-hits")).to_contain_text("ch5.1")  # results while typing
    shots(page, "manual-search-typing")
    page.locator("#manual-hits a", has_text="ch5.1.basic").first.click()
    expect(page.get_by_test_id("text-zh")).to_be_visible()
    expect(page.get_by_test_id("text-en")).to_be_visible()
    shots(page, "manual-node-zh")
    choose_language(page, "en")
    expect(page.locator("main")).to_contain_text("translation made for this project")
    shots(page, "manual-node-en")
    page.goto("/manual/annex4")
    expect(page.get_by_test_id("disclaimer")).to_contain_text("僅供參考")
    shots(page, "annex4-en")
