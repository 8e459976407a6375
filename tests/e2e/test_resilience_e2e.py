"""Resilience in a real browser: a member of staff reports an incident and sees the
notification countdown of the institution's rules (Ch 8.2); an exit runs to "after use" with
its plan, data transfer, deletion record with the external service's certificate, and the
approval of a second person (Ch 8.5). Screenshots in Chinese and English."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from e2e.conftest import choose_language, sign_in

pytestmark = pytest.mark.e2e

TAIPEI = ZoneInfo("Asia/Taipei")
PDF = b"%PDF-1.4\n% e2e\n%%EOF\n"


EXIT_SERVICE = "E2E 退場測試服務 Exit test service"

# A service of this test's own, in use, so the exit does not take a shared demo service out of
# use under other tests. It is registered through the register's services; how a service comes
# into use (an approved pre-use assessment) is the assessments app's flow and e2e test, so the
# stage is set directly here, with the approval reference the database requires.
SETUP = f"""
from django.contrib.contenttypes.models import ContentType
from fincloud.people.models import BusinessUnit
from fincloud.register import services as r
from fincloud.register.models import CloudService, CloudServiceProvider
if not CloudService.objects.filter(name={EXIT_SERVICE!r}).exists():
    csp = CloudServiceProvider.objects.filter(name="E2E Exit Cloud").first() or r.csp_create(
        actor=None, name="E2E Exit Cloud", country="TW")
    svc = r.service_create(actor=None, name={EXIT_SERVICE!r}, csp=csp, service_model="SaaS",
        business_process="e2e", unit=BusinessUnit.objects.get(short_name="it-ops"),
        involves_license_business=True, customer_data=True)
    CloudService.objects.filter(pk=svc.pk).update(stage="in_use",
        use_approval_type=ContentType.objects.get_for_model(CloudService),
        use_approval_id="e2e-pre-use-assessment")
"""


def _enter(page, site, username: str, language: str = "zh-hant") -> None:
    """Sign in and choose the language: it is kept on the person's profile, and other tests in
    the same session may have left it in English."""
    sign_in(page, site, username)
    choose_language(page, language)


def _local(minutes_ago: int) -> str:
    when = dt.datetime.now(TAIPEI) - dt.timedelta(minutes=minutes_ago)
    return when.strftime("%Y-%m-%dT%H:%M")


def test_staff_report_an_incident_and_see_the_countdown(new_page, site, shots):
    # Anyone on the staff reports: here the legal counsel, who handles no incidents.
    page = new_page()
    _enter(page, site, "legal.counsel")
    page.click("nav.sidenav >> text=通報資安事件")
    expect(page.locator("h1")).to_have_text("通報資安事件")
    page.fill("#id_title", "網路銀行無法登入")
    page.fill("#id_description", "多位客戶反映登入逾時，雲端主控台顯示區域異常。")
    page.select_option("#id_service", label="信用卡授權核心系統 Card authorisation core")
    page.select_option("#id_category", "outage")
    page.select_option("#id_severity", "major")
    page.fill("#id_detected_at", _local(10))
    shots(page, "report-form-zh")
    page.click("main button[type=submit]")
    expect(page.locator(".msg-success")).to_contain_text("已通報")
    expect(page.locator("h1")).to_contain_text("網路銀行無法登入")
    duties = page.get_by_test_id("duties")
    # The demo institution's rules: operations centre and regulator within 1 h, CSP within 4 h.
    expect(duties.get_by_test_id("notice")).to_have_count(3)
    first = duties.get_by_test_id("countdown").first
    expect(first).to_have_attribute("data-state", "pending")
    expect(first).to_have_text(re.compile(r"剩餘 (4[6-9]|50) 分鐘"))
    shots(page, "countdown-zh")

    choose_language(page, "en")
    expect(page.get_by_test_id("duties").get_by_test_id("countdown").first).to_have_text(
        re.compile(r"(4[6-9]|50) min left")
    )
    shots(page, "countdown-en")
    choose_language(page, "zh-hant")  # leave the profile as it was

    # The incident team records the notice to the operations centre as sent.
    handler = new_page()
    _enter(handler, site, "sec.officer")
    handler.goto(page.url)
    handler.get_by_test_id("duties").get_by_test_id("mark-sent").first.click()
    expect(handler.locator(".msg-success")).to_contain_text("已記錄")
    expect(
        handler.get_by_test_id("duties").locator('[data-testid="countdown"][data-state="done"]')
    ).to_have_count(1)
    expect(handler.get_by_test_id("duties")).to_contain_text("已於期限內通報")
    shots(handler, "notice-sent-zh")


def test_exit_runs_to_after_use(new_page, site, shots):
    site.manage("shell", "-c", SETUP)
    officer = new_page()
    _enter(officer, site, "gov.officer")
    officer.goto("/resilience/exits/")
    expect(officer.locator("h1")).to_have_text("退場計畫")
    shots(officer, "exit-list-zh")

    # 1. The exit plan: target, trigger, steps; the Ch 8.5 checklist comes from the catalog.
    officer.goto("/resilience/exits/new")
    officer.select_option("#id_service", label=EXIT_SERVICE)
    officer.check("#id_target_kind_1")  # back in house (0: another CSP)
    officer.fill("#id_target_name", "本行客戶關係管理系統")
    officer.check("input[name=triggers][value=contract_end]")
    officer.fill("#id_data_transfer_steps", "匯出、比對筆數與雜湊值、匯入、使用者測試。")
    expect(officer.locator("tr[data-item]")).to_have_count(16)
    expect(officer.locator("main")).to_contain_text("盤點應返還、移轉之資料及資源。")
    shots(officer, "exit-plan-form-zh")
    officer.click("main form.wide button[type=submit]")
    expect(officer.locator(".msg-success")).to_contain_text("退場計畫已儲存")
    officer.get_by_test_id("submit").click()
    expect(officer.get_by_test_id("record-state")).to_have_text("已送審")
    plan_url = officer.url

    approver = new_page()
    _enter(approver, site, "approver")
    approver.goto(plan_url)
    approver.get_by_test_id("approve").click()
    expect(approver.get_by_test_id("record-state")).to_have_text("已核准")

    # 2. The governance officer starts the exit and carries out the steps.
    officer.goto(plan_url)
    officer.fill("#id_reason", "契約到期不續約。")
    officer.once("dialog", lambda dialog: dialog.accept())
    officer.get_by_test_id("start-exit").click()
    expect(officer.locator(".msg-success")).to_contain_text("退場已啟動")
    execution_url = officer.url
    boxes = officer.locator("input[type=checkbox][name^=done_]")
    expect(boxes).to_have_count(16)
    for i in range(boxes.count()):
        boxes.nth(i).check()
    officer.get_by_test_id("save-progress").click()
    expect(officer.locator(".msg-success")).to_contain_text("辦理情形已儲存")

    # 3. The data transfer, verified.
    officer.get_by_test_id("add-transfer").click()
    officer.fill("#id_data_set", "客戶往來資料 2019-2026")
    officer.fill("#id_destination", "本行資料中心")
    officer.fill("#id_method", "業者提供之批次匯出（加密）")
    today = dt.datetime.now(TAIPEI).date().isoformat()
    officer.fill("#id_started_on", today)
    officer.fill("#id_completed_on", today)
    officer.fill("#id_records", "420000")
    officer.check("#id_verified")
    officer.fill("#id_verification", "兩端筆數與各檔 SHA-256 相符。")
    officer.click("main button[type=submit]")
    expect(officer.locator(".msg-success")).to_contain_text("資料移轉已記錄")

    # 4. The deletion by an external service: its certificate is required.
    officer.get_by_test_id("add-deletion").click()
    officer.check("#id_method_1")  # crypto-erase
    officer.fill("#id_scope", "租戶全部資料、快照及兩區域之備份")
    officer.fill("#id_performed_on", today)
    officer.select_option("#id_performed_by", "external")
    officer.fill("#id_external_service", "安全抹除股份有限公司")
    officer.fill("#id_result", "金鑰已銷毀，業者確認無法還原。")
    officer.click("main button[type=submit]")
    expect(officer.locator(".msg-success")).to_contain_text("資料刪除已記錄")
    deletion_url = officer.url
    officer.set_input_files(
        "#id_file",
        files=[{"name": "deletion-report.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    officer.fill("#id_title", "刪除結果報告")
    officer.get_by_test_id("attach").click()
    expect(officer.get_by_test_id("deletion-problems")).to_contain_text("刪除證明")
    officer.get_by_test_id("submit").click()
    expect(officer.locator(".msg-error")).to_contain_text("刪除證明")
    shots(officer, "deletion-needs-certificate-zh")
    officer.set_input_files(
        "#id_file",
        files=[{"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": PDF + b"c"}],
    )
    officer.fill("#id_title", "刪除證明")
    officer.check("#id_certificate")
    officer.get_by_test_id("attach").click()
    expect(officer.get_by_test_id("deletion-problems")).to_have_count(0)
    officer.get_by_test_id("submit").click()
    expect(officer.get_by_test_id("record-state")).to_have_text("已送審")
    expect(officer.get_by_test_id("service-stage")).to_have_text("使用中評估")
    assert officer.get_by_test_id("approve").count() == 0  # the preparer cannot approve
    shots(officer, "deletion-submitted-zh")

    # 5. A second person approves; the service is now "after use".
    approver.goto(deletion_url)
    approver.get_by_test_id("approve").click()
    expect(approver.get_by_test_id("record-state")).to_have_text("已核准")
    expect(approver.get_by_test_id("service-stage")).to_have_text("使用後")
    shots(approver, "deletion-approved-zh")
    approver.goto(execution_url)
    expect(approver.get_by_test_id("execution-status")).to_contain_text("已完成")
    choose_language(approver, "en")
    expect(approver.get_by_test_id("service-stage")).to_have_text("After use")
    shots(approver, "exit-completed-en")
    approver.goto(deletion_url)
    shots(approver, "deletion-approved-en")
    choose_language(approver, "zh-hant")  # leave the profile as it was
