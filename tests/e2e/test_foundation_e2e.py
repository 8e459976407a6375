"""The foundation in a real browser: sign in, wrong password, lock-out, language switch, a
denial, a submit-then-approve by a second person, a refused self-approval, the audit trail."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from e2e.conftest import choose_language, sign_in

pytestmark = pytest.mark.e2e


def test_sign_in_shows_user_role_and_stages(new_page, site, shots):
    page = new_page()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/people/sign-in\?next=/$"))
    shots(page, "sign-in-zh")
    sign_in(page, site, "gov.officer")
    expect(page.get_by_test_id("current-user")).to_contain_text("林雲管")
    expect(page.get_by_test_id("current-user")).to_contain_text("雲端服務專責單位人員")
    for stage in ("日常執行與控管", "使用前評估", "使用中評估", "使用後"):
        expect(page.locator("nav.sidenav")).to_contain_text(stage)
    shots(page, "home-zh")
    page.click("text=登出")
    expect(page).to_have_url(re.compile(r"/people/sign-in"))


def test_wrong_password_message(new_page, site, shots):
    page = new_page()
    sign_in(page, site, "legal.counsel", "not-the-password")
    expect(page.get_by_test_id("login-error")).to_contain_text("帳號或密碼錯誤")
    shots(page, "wrong-password")


LOCKOUT_PASSWORD = "e2e-lockout-passphrase-58"
MAKE_LOCKOUT_USER = f"""
from fincloud.people.models import BusinessUnit, User
from fincloud.people.roles import Role
from fincloud.people.services import user_create
User.objects.filter(username="e2e.lockout").exists() or user_create(
    actor=None, username="e2e.lockout", password="{LOCKOUT_PASSWORD}", display_name="e2e.lockout",
    unit=BusinessUnit.objects.get(short_name="risk"), roles=[Role.RISK], approves_for=[])
"""


def test_lock_out_after_repeated_failures(new_page, site, shots):
    # A person of this test's own: a demo sign-in locked out here would fail later tests.
    site.manage("shell", "-c", MAKE_LOCKOUT_USER)
    page = new_page()
    for attempt in range(5):
        sign_in(page, site, "e2e.lockout", f"wrong-password-{attempt}")
    sign_in(page, site, "e2e.lockout", LOCKOUT_PASSWORD)  # the right password, now refused
    expect(page.get_by_test_id("login-error")).to_contain_text("已暫停登入")
    shots(page, "locked-out")


def test_language_switch_to_english_and_back(new_page, site, shots):
    page = new_page()
    sign_in(page, site, "sec.officer")
    page.select_option("#lang-select", "en")
    expect(page.locator("nav.sidenav")).to_contain_text("Daily execution and control")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    shots(page, "home-en")
    choose_language(page, "zh-hant")
    expect(page.locator("nav.sidenav")).to_contain_text("日常執行與控管")


def test_denial_for_a_role_without_the_capability(new_page, site, shots):
    page = new_page()
    sign_in(page, site, "legal.counsel")
    response = page.goto("/audit/")
    assert response is not None and response.status == 403
    expect(page.locator("h1")).to_have_text("無權限")
    shots(page, "denied-zh")


def test_role_grant_submit_approve_grant_and_refused_self_approval(new_page, site, shots):
    # 1. The administrator creates a person who will hold two roles (approver + governance).
    admin = new_page()
    sign_in(admin, site, "admin")
    admin.goto("/people/new")
    admin.fill("#id_username", "dual.role")
    admin.fill("#id_display_name", "雙角色測試")
    admin.select_option("#id_unit", label="總經理室")
    admin.get_by_label("個人金融事業處").check()
    admin.fill("#id_password", "a-long-demo-passphrase-7")
    shots(admin, "new-person")
    admin.click("main button[type=submit]")
    expect(admin.locator(".msg-success")).to_be_visible()

    # 2. The governance officer requests two roles for that person and submits them.
    officer = new_page()
    sign_in(officer, site, "gov.officer")
    grant_urls = []
    for role in ("approver", "governance_officer"):
        officer.goto("/people/grants/new")
        officer.select_option("#id_grantee", label="雙角色測試")
        officer.select_option("#id_role", role)
        officer.fill("#id_reason", "e2e: needs the role for the pilot")
        officer.click("main button[type=submit]")
        expect(officer.get_by_test_id("record-state")).to_have_text("草稿")
        officer.get_by_test_id("submit").click()
        expect(officer.get_by_test_id("record-state")).to_have_text("已送審")
        grant_urls.append(officer.url)
    shots(officer, "grant-submitted")

    # 3. The preparer cannot approve (no approver role: no buttons); a second person approves.
    assert officer.get_by_test_id("approve").count() == 0
    approver = new_page()
    sign_in(approver, site, "approver")
    expect(approver.locator("main")).to_contain_text("待您核決")
    for url in grant_urls:
        approver.goto(url)
        approver.get_by_test_id("approve").click()
        expect(approver.get_by_test_id("record-state")).to_have_text("已核准")
    shots(approver, "grant-approved")

    # 4. The administrator grants both (neither requester nor approver).
    for url in grant_urls:
        admin.goto(url)
        admin.once("dialog", lambda dialog: dialog.accept())
        admin.get_by_test_id("implement").click()
        expect(admin.locator(".msg-success")).to_contain_text("已授予角色")
    shots(admin, "granted")

    # 5. The new person now prepares a grant and tries to approve it: refused by the rule.
    dual = new_page()
    sign_in(dual, site, "dual.role", "a-long-demo-passphrase-7")
    dual.goto("/people/grants/new")
    dual.select_option("#id_grantee", label="陳風控")
    dual.select_option("#id_role", "legal")
    dual.fill("#id_reason", "e2e: self-approval must be refused")
    dual.click("main button[type=submit]")
    dual.get_by_test_id("submit").click()
    expect(dual.locator(".refusal")).to_contain_text("職務分工")
    dual.get_by_test_id("approve").click()
    expect(dual.locator(".msg-error")).to_contain_text(
        "職務分工：經辦人不得核准或退回自己經辦的紀錄。"
    )
    expect(dual.get_by_test_id("record-state")).to_have_text("已送審")
    shots(dual, "self-approval-refused")

    # 6. The auditor sees all of it in the audit trail, in English too.
    auditor = new_page()
    sign_in(auditor, site, "auditor")
    auditor.goto("/audit/?actor=dual.role")
    choose_language(auditor, "en")
    expect(auditor.get_by_test_id("audit-table")).to_contain_text("Refused")
    expect(auditor.get_by_test_id("audit-table")).to_contain_text("Submitted")
    shots(auditor, "audit-trail-en")
    choose_language(auditor, "zh-hant")
    expect(auditor.get_by_test_id("audit-table")).to_contain_text("拒絕")
    shots(auditor, "audit-trail-zh")
