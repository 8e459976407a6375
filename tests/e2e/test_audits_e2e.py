"""Controls and audits in a real browser, on the demo data (issue 8 §3, §4):
- the security officer assesses a control of the CRM, is refused a retention under six months
  (Ch 5.4 basic (a)) and uploads the evidence;
- the internal auditor plans an audit of the CRM and is refused an auditor of the unit that
  owns it (Ch 7.2 (c)) and one whose only certificate has expired with no recorded experience
  (Ch 7.2 (a)/(b)), then assigns a qualified, independent one;
- a finding is raised by the auditor, answered and remediated by its owner (the governance
  officer), and verified and closed by the auditor: a second person.
Screenshots in Traditional Chinese and English go to test-results/e2e/."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from e2e.conftest import choose_language, sign_in

pytestmark = pytest.mark.e2e

CRM = "客戶關係管理 CRM"
CARD = "信用卡授權核心系統 Card authorisation core"


def _chinese(page):
    # A person's language is kept on their profile: an earlier test may have left English.
    if page.locator("html").get_attribute("lang") != "zh-Hant-TW":
        choose_language(page, "zh-hant")


def _english(page):
    choose_language(page, "en")


def test_assess_controls_with_an_evidence_upload(new_page, site, shots, tmp_path):
    page = new_page()
    sign_in(page, site, "sec.officer")
    _chinese(page)
    page.goto("/controls/")
    expect(page.get_by_test_id("coverage-grid")).to_contain_text(CRM)
    shots(page, "overview-zh")
    page.get_by_role("link", name=CRM).first.click()
    page.get_by_test_id("open-assessment").click()
    expect(page.locator("h1")).to_contain_text("控制措施評估")
    page.locator("a.mono", has_text="ch5.4.basic.a").click()
    expect(page.locator("blockquote")).to_contain_text("稽核軌跡至少保留六個月")
    item_url = page.url

    page.select_option("#id_status", "implemented")
    page.select_option("#id_responsibility", "shared")
    page.fill("#id_retention_months", "3")
    page.click("main form.stacked button[type=submit] >> nth=0")
    errors = page.locator(".errorlist")
    expect(errors).to_contain_text("稽核軌跡保存期間（月）")
    expect(errors).to_contain_text("第5章四基本項目 (a)")
    shots(page, "retention-refused-zh")

    page.fill("#id_retention_months", "13")
    page.click("main form.stacked button[type=submit] >> nth=0")
    expect(page.locator(".msg-success")).to_be_visible()

    evidence = tmp_path / "cloudtrail-retention.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% retention 13 months\n%%EOF\n")
    page.set_input_files("#id_file", str(evidence))
    page.fill("#id_title", "稽核軌跡保存設定")
    page.fill("#id_effective_date", timezone.localdate().isoformat())
    page.fill("#id_expiry_date", (timezone.localdate() + dt.timedelta(days=365)).isoformat())
    page.get_by_test_id("upload").click()
    expect(page.locator(".msg-success")).to_be_visible()
    listing = page.locator(".evidence-list")
    expect(listing).to_contain_text("稽核軌跡保存設定")
    expect(listing).to_contain_text("r1")
    shots(page, "evidence-uploaded-zh")

    # A file that is not an accepted type is refused, named, and not stored.
    bad = tmp_path / "tool.exe"
    bad.write_bytes(b"MZ\x90\x00 not evidence")
    page.set_input_files("#id_file", str(bad))
    page.get_by_test_id("upload").click()
    expect(page.locator(".errorlist")).to_contain_text("tool.exe")
    expect(page.locator(".evidence-list tbody tr")).to_have_count(1)

    page.goto(item_url)
    _english(page)
    expect(page.locator("h1")).to_contain_text("ch5.4.basic.a")
    expect(page.get_by_text("Audit-trail retention (months)")).to_be_visible()
    shots(page, "item-en")


def test_plan_an_audit_refusing_dependent_and_unqualified_auditors(new_page, site, shots):
    page = new_page()
    sign_in(page, site, "auditor")
    _chinese(page)
    page.goto("/audits/")
    expect(page.get_by_test_id("plan-table")).to_contain_text(CRM)
    shots(page, "plan-zh")
    page.get_by_role("link", name=CRM).first.click()
    page.get_by_test_id("plan-audit").click()
    start = timezone.localdate() + dt.timedelta(days=14)
    page.fill("#id_title", "CRM 雲端委外查核（端對端測試）")
    page.fill("#id_planned_start", start.isoformat())
    page.fill("#id_planned_end", (start + dt.timedelta(days=5)).isoformat())
    # No contact: refused, naming Ch 7.1 (d).
    page.click("main button[type=submit]")
    expect(page.locator(".errorlist")).to_contain_text("第7章一 (d)")
    page.select_option("#id_contact", label="林雲管")
    page.click("main button[type=submit]")
    expect(page.locator(".msg-success")).to_be_visible()
    expect(page.get_by_test_id("contact")).to_contain_text("林雲管")

    # An auditor of the retail unit, which owns the CRM: not independent.
    page.select_option("#id_auditor", label="吳業管")
    page.get_by_test_id("assign").click()
    refusal = page.locator(".msg-error")
    expect(refusal).to_contain_text("吳業管")
    expect(refusal).to_contain_text("第7章二 (c)")
    shots(page, "refused-not-independent-zh")

    # An auditor whose only certificate expired, with no recorded experience: not qualified.
    page.select_option("#id_auditor", label="鄭新進")
    page.get_by_test_id("assign").click()
    refusal = page.locator(".messages")
    expect(refusal).to_contain_text("鄭新進")
    expect(refusal).to_contain_text("第7章二 (b)")
    expect(refusal).to_contain_text("CISSP")
    shots(page, "refused-not-qualified-zh")
    expect(page.get_by_test_id("team")).not_to_contain_text("吳業管")
    expect(page.get_by_test_id("team")).not_to_contain_text("鄭新進")

    page.select_option("#id_auditor", label="李稽核")
    page.get_by_test_id("assign").click()
    expect(page.locator(".msg-success")).to_be_visible()
    expect(page.get_by_test_id("team")).to_contain_text("李稽核")
    expect(page.get_by_test_id("team")).to_contain_text("CISSP")
    shots(page, "assigned-zh")

    _english(page)
    page.select_option("#id_auditor", label="吳業管")
    page.get_by_test_id("assign").click()
    expect(page.locator(".msg-error")).to_contain_text("Ch 7.2 (c)")
    shots(page, "refused-not-independent-en")


def test_raise_and_close_a_finding_with_a_second_person(new_page, site, shots):
    auditor = new_page()
    sign_in(auditor, site, "auditor")
    _chinese(auditor)
    auditor.goto("/audits/list/")
    auditor.get_by_role("link", name=re.compile("信用卡授權核心系統一般性查核")).click()
    auditor.get_by_test_id("raise-finding").click()
    auditor.fill("#id_title", "管理者帳號未定期覆核（端對端測試）")
    auditor.fill("#id_description", "雲端主控台特權帳號近一年未覆核（第7章三身分辨識和存取管理）。")
    auditor.select_option("#id_severity", "medium")
    auditor.select_option("#id_owner", label="林雲管")
    auditor.fill("#id_due_date", (timezone.localdate() + dt.timedelta(days=30)).isoformat())
    auditor.click("main button[type=submit]")
    expect(auditor.get_by_test_id("finding-status")).to_have_text("未完成")
    finding_url = auditor.url
    shots(auditor, "finding-raised-zh")

    owner = new_page()
    sign_in(owner, site, "gov.officer")
    _chinese(owner)
    owner.goto(finding_url)
    owner.fill("#id_csp_response", "CSP 回覆：已提供特權帳號清單匯出功能。")
    owner.get_by_test_id("respond").click()
    expect(owner.get_by_test_id("finding-status")).to_have_text("雲端服務業者已回應")
    owner.fill("#id_remediation", "已完成特權帳號覆核，並訂定每季覆核程序。")
    owner.get_by_test_id("remediate").click()
    expect(owner.get_by_test_id("finding-status")).to_have_text("已改善，待驗證")
    # The owner holds no verification right: no verification form for them.
    expect(owner.get_by_test_id("verify")).to_have_count(0)
    expect(owner.get_by_test_id("awaiting-verification")).to_contain_text("改善執行人以外")
    shots(owner, "finding-remediated-zh")

    auditor.goto(finding_url)
    auditor.fill("#id_verification", "抽查覆核紀錄及程序文件，確認已改善。")
    auditor.get_by_label("改善經驗證：結案").check()
    auditor.get_by_test_id("verify").click()
    expect(auditor.get_by_test_id("finding-status")).to_have_text("已驗證結案")
    expect(auditor.locator("dl.facts")).to_contain_text("林雲管")
    expect(auditor.locator("dl.facts")).to_contain_text("李稽核")
    shots(auditor, "finding-closed-zh")
    _english(auditor)
    expect(auditor.get_by_test_id("finding-status")).to_have_text("Verified and closed")
    shots(auditor, "finding-closed-en")
