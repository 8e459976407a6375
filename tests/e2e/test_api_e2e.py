"""The api app's pages in a real browser: a personal API token made and shown once, then used
against the REST API and revoked; a bulk import's dry run listing what would be created and
every error with its row and column. Screenshots in Chinese and English."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from e2e.conftest import choose_language, sign_in

pytestmark = pytest.mark.e2e

# Two new services of the demo's CSP and a third with errors: an unknown unit and a location
# that is not "country region (role)" (row 3), a formula cell (row 4). The dry run stores
# nothing, so the demo the other tests see is untouched.
HEADER = (
    "服務名稱,雲端服務業者,業務單位,服務模式,支援之業務流程,客戶資料,資料處理及儲存地點,複委託\n"
)
GOOD = (
    "E2E 匯入測試：帳務查詢,Nimbus Cloud Inc.,retail,SaaS,帳務查詢,是,"
    '"JP Tokyo (both); SG Singapore (backup)","Equinix SG | SG | colocation | | SG Singapore"\n'
)
BAD = (
    "E2E 匯入測試：行銷名單,Nimbus Cloud Inc.,marketing,SaaS,行銷,否,JP Tokyo (sometimes),\n"
    "E2E 匯入測試：公式,Nimbus Cloud Inc.,retail,SaaS,=cmd|' /C calc'!A0,否,TW Taipei,\n"
)


def _enter(page, site, username: str, language: str) -> None:
    """Sign in and choose the language (it is kept on the person's profile)."""
    sign_in(page, site, username)
    choose_language(page, language)


def _api(site, path: str, token: str) -> tuple[int, dict]:
    url = f"{site.url}/api/v1{path}"
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310 (the test server on the loopback)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_a_token_is_shown_once_works_and_is_revoked(new_page, site, shots, language):
    page = new_page()
    _enter(page, site, "risk.officer", language)
    zh = language == "zh-hant"
    page.click("nav.sidenav >> text=" + ("API 存取權杖" if zh else "API tokens"))
    expect(page.locator("h1")).to_have_text("API 存取權杖" if zh else "API tokens")
    name = f"KRI feed {language}"
    page.fill("#id_name", name)
    page.select_option("#id_scope", "read")
    shots(page, f"token-form-{language}")
    page.click("main button[type=submit]")
    secret = page.get_by_test_id("new-token").inner_text().strip()
    assert secret.startswith("fc_")
    expect(page.locator(".token-once")).to_contain_text(
        "僅顯示這一次" if zh else "shown only this once"
    )
    shots(page, f"token-shown-once-{language}")
    status, me = _api(site, "/me", secret)
    assert status == 200 and me["username"] == "risk.officer" and me["token"]["scope"] == "read"
    # Shown once: the list names it by its prefix only.
    page.goto("/api-tokens/")
    expect(page.locator("main")).not_to_contain_text(secret)
    expect(page.locator("main")).to_contain_text(secret[:13])
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("tr", has_text=name).locator("button[type=submit]").click()
    expect(page.locator(".msg-success")).to_contain_text(name)
    shots(page, f"token-revoked-{language}")
    status, body = _api(site, "/me", secret)
    assert status == 401 and body["rule"] == "token_revoked"
    choose_language(page, "zh-hant")


@pytest.mark.parametrize("language", ["zh-hant", "en"])
def test_an_import_dry_run_names_every_error(new_page, site, shots, language, tmp_path):
    page = new_page()
    _enter(page, site, "gov.officer", language)
    zh = language == "zh-hant"
    page.click("nav.sidenav >> text=" + ("批次匯入" if zh else "Bulk import"))
    page.click("main a[href$='/imports/services/']")
    expect(page.locator("h1")).to_have_text("匯入雲端服務" if zh else "Import cloud services")
    shots(page, f"import-page-{language}")
    path = tmp_path / "services.csv"
    path.write_text(HEADER + GOOD + BAD, encoding="utf-8")
    page.set_input_files("#id_file", str(path))
    page.click("main button[type=submit]")
    report = page.get_by_test_id("import-report")
    expect(report).to_be_visible()
    errors = page.get_by_test_id("import-errors").locator("tbody tr")
    expect(errors).to_have_count(3)
    rows = errors.all_inner_texts()
    # Each with its row and its column as the file names it.
    assert {tuple(r.split("\t")[:3]) for r in rows} == {
        ("3", "業務單位", "unknown_unit"),
        ("3", "資料處理及儲存地點", "location"),
        ("4", "支援之業務流程", "formula"),
    }
    expect(report).to_contain_text("未儲存任何資料" if zh else "Nothing was stored")
    expect(page.locator("main")).not_to_contain_text("Import these")
    shots(page, f"import-dry-run-errors-{language}")
    # Only the good row: the dry run lists what would be created, with the import button.
    path.write_text(HEADER + GOOD, encoding="utf-8")
    page.set_input_files("#id_file", str(path))
    page.locator("main button[type=submit]").last.click()
    actions = page.get_by_test_id("import-actions")
    expect(actions).to_contain_text("E2E 匯入測試：帳務查詢")
    expect(page.locator("main")).to_contain_text("匯入這 1 列" if zh else "Import this row")
    shots(page, f"import-dry-run-clean-{language}")
    choose_language(page, "zh-hant")
