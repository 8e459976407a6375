"""The register in a real browser: register a CSP and a service with an offshore location off
the FAQ-10 list, see bad input named, view the service's page and the dashboard, in 繁體中文
and in English."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from e2e.conftest import choose_language, sign_in

pytestmark = pytest.mark.e2e

TEXT = {
    "zh-hant": {
        "needs": "未列入：須另行評估其資料保護法規",
        "line_error": "第 1 行：「vn」不是 ISO 3166-1 alpha-2 國家代碼",
        "dashboard": "管理儀表板",
        "stage": "使用前評估",
        "new_service": "登錄雲端服務",
    },
    "en": {
        "needs": "not listed: needs its own data-protection assessment",
        "line_error": "line 1: “vn” is not an ISO 3166-1 alpha-2 country code",
        "dashboard": "Management dashboard",
        "stage": "Before use",
        "new_service": "Register a cloud service",
    },
}


@pytest.mark.parametrize("lang", ["zh-hant", "en"])
def test_register_a_csp_and_an_offshore_service(new_page, site, shots, lang):
    text = TEXT[lang]
    stamp = time.strftime("%H%M%S")
    page = new_page()
    sign_in(page, site, "gov.officer")
    choose_language(page, lang)
    try:
        # A CSP bought directly.
        page.goto("/register/csps/new")
        page.fill("#id_name", f"Mekong Cloud {lang} {stamp}")
        page.fill("#id_country", "VN")
        page.select_option("#id_channel", "direct")
        page.fill("#id_status_page_url", "https://status.mekong.example.com")
        shots(page, f"csp-form-{lang}")
        page.click("main button[type=submit]")
        expect(page.locator("h1")).to_contain_text(f"Mekong Cloud {lang} {stamp}")
        shots(page, f"csp-detail-{lang}")

        # A service on it, processed in Vietnam (not on the FAQ-10 list) and Singapore.
        page.click(f"main .actions >> text={text['new_service']}")
        page.fill("#id_name", f"Loan servicing {lang} {stamp}")
        page.select_option("#id_service_model", "SaaS")
        page.fill("#id_business_process", "Consumer loan servicing")
        page.select_option("#id_unit", "retail")
        page.check("#id_customer_data")
        page.check("#id_personal_data")
        page.fill("#id_locations", "vn Hanoi\nSG Singapore")
        page.click("main button[type=submit]")
        # Bad input: the field, the line and the rule, in the user's language; nothing saved.
        expect(page.locator("main .errorlist")).to_contain_text(text["line_error"])
        shots(page, f"service-form-error-{lang}")
        page.fill("#id_locations", "VN Hanoi\nSG Singapore")
        page.click("main button[type=submit]")

        expect(page.locator("h1")).to_contain_text(f"Loan servicing {lang} {stamp}")
        expect(page.get_by_test_id("stage").first).to_contain_text(text["stage"])
        locations = page.get_by_test_id("locations")
        expect(locations).to_contain_text("Hanoi")
        expect(locations.get_by_test_id("needs-assessment")).to_have_count(1)
        expect(locations.get_by_test_id("needs-assessment")).to_contain_text(text["needs"])
        expect(page.get_by_test_id("assessment-slot")).to_be_visible()
        shots(page, f"service-detail-{lang}")

        # The dashboard counts it, and its CSP's bar links to the CSP's services.
        page.goto("/register/")
        expect(page.locator("h1")).to_contain_text(text["dashboard"])
        expect(page.get_by_test_id("concentration-chart")).to_be_visible()
        expect(page.get_by_test_id("matrix")).to_be_visible()
        shots(page, f"dashboard-{lang}")
        page.get_by_test_id("concentration").get_by_role(
            "link", name=f"Mekong Cloud {lang} {stamp}"
        ).click()
        expect(page).to_have_url(re.compile(r"/register/csps/"))
        page.goto("/register/services/?q=" + f"Loan servicing {lang} {stamp}".replace(" ", "+"))
        expect(page.get_by_test_id("service-table")).to_contain_text(
            f"Loan servicing {lang} {stamp}"
        )
        shots(page, f"service-list-{lang}")
    finally:
        choose_language(page, "zh-hant")


def test_examiner_reads_the_demo_register(new_page, site, shots):
    """The examiner follows a dashboard figure to the list, opens the service that relies on
    the head office, its CSP bought through a reseller, and a contract with its revisions."""
    page = new_page()
    sign_in(page, site, "examiner")
    page.goto("/register/")
    shots(page, "dashboard")
    page.get_by_test_id("matrix").get_by_role("link", name=re.compile("分級2")).first.click()
    expect(page).to_have_url(re.compile(r"classification=material_offshore"))
    expect(page.get_by_test_id("service-table")).to_contain_text("集團洗錢防制監控")
    shots(page, "list-class-2")
    page.get_by_role("link", name=re.compile("集團洗錢防制監控")).click()
    expect(page.get_by_test_id("reliance")).to_contain_text("Demo Banking Group")
    expect(page.get_by_test_id("reliance")).to_contain_text("具獨立性")
    # The examiner reads only: no edit actions (the report buttons only read, and are theirs).
    expect(page.locator("main .actions:not(.report-buttons)")).to_have_count(0)
    expect(page.locator("main .report-buttons").first).to_be_visible()
    shots(page, "service-relying-on-head-office")
    page.goto("/register/csps/")
    page.get_by_role("link", name="Sakura SaaS K.K.").click()
    expect(page.locator("main")).to_contain_text("已留存")  # the commitment letter is on file
    expect(page.locator("#events")).to_contain_text("所有權發生變更")
    shots(page, "csp-through-reseller")
    page.goto("/register/documents/?due=soon")
    page.get_by_role("link", name=re.compile("Nimbus 雲端服務主約")).click()
    expect(page.locator("#files")).to_contain_text("r1")
    shots(page, "contract")
