"""日常執行與控管 in a real browser: record the yearly policy review, hold a committee meeting
with a follow-up action, see a segregation-of-duties conflict blocked and then accepted by an
approver, and see a new hire's training needs. Screenshots in 繁體中文 and English."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from e2e.conftest import choose_language, sign_in

pytestmark = pytest.mark.e2e

TODAY = dt.datetime.now(ZoneInfo("Asia/Taipei")).date()  # the server's today


@contextmanager
def english(page) -> Iterator[None]:
    """Switch to English for a look, then back: the choice is kept on the person's profile,
    and other tests sign in as the same demo people."""
    choose_language(page, "en")
    try:
        yield
    finally:
        choose_language(page, "zh-hant")


def test_overview_page_for_the_examiner(new_page, site, shots):
    page = new_page()
    sign_in(page, site, "examiner")
    page.goto("/governance/")
    expect(page.locator("h1")).to_have_text("日常執行與控管")
    # The demo institution's answer on one page: policy, committee, matrix, SoD, training.
    expect(page.get_by_test_id("policy-summary")).to_contain_text("雲端服務管理政策 v1")
    expect(page.get_by_test_id("open-actions")).to_contain_text("提出對外網站上雲之資源與成本估算")
    expect(page.get_by_test_id("overdue")).to_contain_text("委員會追蹤事項")
    expect(page.get_by_test_id("raci")).to_contain_text("雲端服務需求申請")
    expect(page.get_by_test_id("conflicts")).to_contain_text("已接受")
    expect(page.get_by_test_id("checklist")).to_contain_text("加密與金鑰保護")
    # The examiner reads; no write links.
    expect(page.locator("a[href^='/governance/checklist/']")).to_have_count(0)
    shots(page, "overview-zh")
    with english(page):
        expect(page.locator("h1")).to_have_text("Daily execution and control")
        shots(page, "overview-en")


def test_record_the_yearly_policy_review(new_page, site, shots):
    page = new_page()
    sign_in(page, site, "gov.officer")
    page.goto("/governance/policy/")
    shots(page, "policy-zh")
    page.get_by_test_id("record-review").click()
    expect(page.locator("h1")).to_have_text("雲端服務管理政策年度檢視")
    for letter in "abde":
        page.check(f"input[name=factor_ch1_3_{letter}][value=no]")
        page.fill(f"#id_factor_ch1_3_{letter}_note", f"({letter}) 已檢視，無影響。")
    # (c) answered "affects" but no update: refused, naming the factor and the rule.
    page.check("input[name=factor_ch1_3_c][value=yes]")
    page.fill("#id_factor_ch1_3_c_note", "主管機關修正自律規範，須納入政策。")
    page.check("input[name=update_needed][value=no]")
    page.fill("#id_conclusion", "政策須配合法規修正。")
    page.click("main button[type=submit]")
    expect(page.locator("main")).to_contain_text("要素 (c) 影響政策，應修正政策（Ch 1.3）")
    shots(page, "review-refused-zh")
    page.check("input[name=update_needed][value=yes]")
    page.fill("#id_update_due", (TODAY + dt.timedelta(days=60)).isoformat())
    page.click("main button[type=submit]")
    expect(page.locator(".msg-success")).to_contain_text("已記錄年度檢視")
    expect(page.get_by_test_id("reviews")).to_contain_text(TODAY.isoformat())
    # The next review is a year after this one (Ch 1.3).
    if (TODAY.month, TODAY.day) != (2, 29):
        next_year = TODAY.replace(year=TODAY.year + 1)
        expect(page.get_by_test_id("review-due")).to_contain_text(next_year.isoformat())
    expect(page.locator("main")).to_contain_text("待修正")
    shots(page, "review-recorded-zh")
    with english(page):
        expect(page.get_by_test_id("reviews")).to_contain_text("affects")
        shots(page, "review-recorded-en")


def test_hold_a_committee_meeting_with_an_action(new_page, site, shots):
    page = new_page()
    sign_in(page, site, "gov.officer")
    page.goto("/governance/committee/")
    expect(page.get_by_test_id("members")).to_contain_text("資安長")
    page.get_by_test_id("new-meeting").click()
    page.fill("#id_title", "臨時雲端治理委員會")
    page.fill("#id_held_on", TODAY.isoformat())
    page.fill("#id_agenda", "1. 雲端郵件服務異常檢討")
    page.fill("#id_minutes", "決議由資訊處於兩週內提出改善報告。")
    page.get_by_label("林雲管 (gov.officer)").check()
    page.get_by_label("黃核決 (approver)").check()
    page.click("main button[type=submit]")
    expect(page.locator(".msg-success")).to_contain_text("已記錄會議")
    page.fill("#id_text", "資訊處兩週內提出雲端郵件異常改善報告。")
    page.get_by_test_id("add-decision").click()
    expect(page.get_by_test_id("decisions")).to_contain_text("改善報告")
    # A bad due date (before the meeting) is refused with the field named.
    page.fill("form[action$='/actions'] #id_title", "提出雲端郵件異常改善報告")
    page.select_option("form[action$='/actions'] #id_owner", label="系統管理 吳 (admin)")
    page.fill("form[action$='/actions'] #id_due_on", (TODAY - dt.timedelta(days=3)).isoformat())
    page.get_by_test_id("add-action").click()
    expect(page.locator(".errorlist")).to_contain_text("到期日：不得早於會議日期")
    shots(page, "action-refused-zh")
    page.fill("#id_due_on", (TODAY + dt.timedelta(days=14)).isoformat())
    page.click("main button[type=submit]")
    expect(page.get_by_test_id("actions")).to_contain_text("提出雲端郵件異常改善報告")
    expect(page.get_by_test_id("actions")).to_contain_text("系統管理 吳")
    shots(page, "meeting-zh")
    page.goto("/governance/")
    expect(page.get_by_test_id("open-actions")).to_contain_text("提出雲端郵件異常改善報告")
    with english(page):
        page.goto("/governance/committee/")
        expect(page.get_by_test_id("meetings")).to_contain_text("臨時雲端治理委員會")
        shots(page, "committee-en")


def test_sod_conflict_blocked_then_accepted_by_an_approver(new_page, site, shots):
    officer = new_page()
    sign_in(officer, site, "gov.officer")
    officer.goto("/governance/sod/")
    officer.get_by_test_id("assign").click()
    # The administrator executes changes (demo); approving changes too breaks Ch 1.4 (a).
    officer.select_option("#id_person", label="系統管理 吳 (admin)")
    officer.select_option("#id_activity", "change.approve")
    officer.click("main button[type=submit]")
    blocked = officer.get_by_test_id("sod-blocked")
    expect(blocked).to_contain_text("職務區隔（Ch 1.4 (a)）")
    expect(blocked).to_contain_text("系統管理 吳")
    expect(blocked).to_contain_text("執行變更")
    expect(blocked).to_contain_text("核可變更")
    shots(officer, "blocked-zh")
    officer.get_by_test_id("request-exception").click()
    expect(officer.locator("#id_activity")).to_have_value("change.approve")
    officer.fill("#id_reason", "夜間緊急變更無第二位主管可核可。")
    officer.fill("#id_mitigating_control", "緊急變更次一工作日由資安長覆核並留存紀錄。")
    officer.fill("#id_review_by", (TODAY + dt.timedelta(days=90)).isoformat())
    officer.click("main button[type=submit]")
    expect(officer.get_by_test_id("exception-assignment")).to_contain_text("核准前維持阻擋")
    officer.get_by_test_id("submit").click()
    expect(officer.get_by_test_id("record-state")).to_have_text("已送審")
    shots(officer, "exception-submitted-zh")
    url = officer.url

    approver = new_page()
    sign_in(approver, site, "approver")
    approver.goto("/")
    expect(approver.locator("main")).to_contain_text("職務區隔例外")
    approver.goto(url)
    approver.fill("#wf-comment", "同意，三個月後覆核。")
    approver.get_by_test_id("approve").click()
    expect(approver.get_by_test_id("record-state")).to_have_text("已核准")
    expect(approver.get_by_test_id("exception-assignment")).to_contain_text("已指派")
    shots(approver, "exception-approved-zh")
    approver.goto("/governance/sod/")
    row = approver.get_by_test_id("conflicts").locator("tr", has_text="核可變更")
    expect(row).to_contain_text("已接受")
    expect(row).to_contain_text("夜間緊急變更")
    with english(approver):
        expect(approver.get_by_test_id("conflicts")).to_contain_text("Accepted")
        shots(approver, "sod-report-en")


def test_new_hire_gets_training_needs(new_page, site, shots):
    admin = new_page()
    sign_in(admin, site, "admin")
    admin.goto("/people/new")
    admin.fill("#id_username", "new.engineer")
    admin.fill("#id_display_name", "新進 雲端工程師")
    admin.select_option("#id_unit", label="資訊作業處")
    admin.fill("#id_password", "a-long-demo-passphrase-9")
    admin.click("main button[type=submit]")
    expect(admin.locator(".msg-success")).to_be_visible()

    officer = new_page()
    sign_in(officer, site, "gov.officer")
    officer.goto("/governance/training/")
    row = officer.get_by_test_id("training-matrix").locator("tr[data-person='new.engineer']")
    expect(row).to_contain_text("建置及維運執行團隊")
    expect(row).to_contain_text("待確認")
    expect(row).to_contain_text("待培訓")
    shots(officer, "training-matrix-zh")
    row.get_by_role("link", name="新進 雲端工程師").click()
    needs = officer.get_by_test_id("needs")
    # The demo institution is at 發展: the build and operations team's 發展 focus, and every
    # staff member's security awareness, both raised because of the hire.
    expect(needs).to_contain_text("發展階段：雲端解決方案配置和管理")
    expect(needs).to_contain_text("全體人員：資訊科技安全意識")
    expect(needs).to_contain_text("新進人員")
    shots(officer, "new-hire-zh")
    officer.get_by_test_id("save-group").click()
    expect(officer.locator(".msg-success")).to_contain_text("已儲存培訓群組")
    expect(officer.get_by_test_id("group")).not_to_contain_text("待確認")
    with english(officer):
        expect(officer.get_by_test_id("needs")).to_contain_text("New hire")
        shots(officer, "new-hire-en")


def test_examiner_cannot_write(new_page, site, shots):
    page = new_page()
    sign_in(page, site, "examiner")
    response = page.goto("/governance/sod/assign")
    assert response is not None and response.status == 403
    page.goto("/governance/training/")
    expect(page).to_have_url(re.compile(r"/governance/training/$"))
    shots(page, "examiner-training-zh")
