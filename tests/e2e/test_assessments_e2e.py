"""The pre-use assessment in a real browser (issue 6 §5), in 繁體中文 and in English.

Register a CSP and a service with an offshore location off the FAQ-10 list (through the
register's pages), fill the assessment as the governance officer, risk, security and legal
would, see the location assessment demanded, mark a contract row 未符合 and add an
alternative measure, submit, fail to self-approve, approve as a second person, see the service
move to "in use", and compare vendors (the Annex 4 example and a comparison of our own).

The people are made for this test (one set per language, each with that language on their
profile) so that other end-to-end tests (which lock out or switch the demo sign-ins) cannot
disturb it.
"""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import Site, sign_in

pytestmark = pytest.mark.e2e

PASSWORD = "e2e-assessment-passphrase-73"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

TEXT = {
    "zh-hant": {
        "needs_judgement": "須先判斷重大性",
        "classification": "分級3",
        "sod": "職務分工",
        "in_use": "使用中評估",
        "approved": "已核准",
        "submitted": "已送審",
        "disclaimer": "本檢核結果僅供參考",
    },
    "en": {
        "needs_judgement": "judge its materiality",
        "classification": "Classification 3",
        "sod": "Segregation of duties",
        "in_use": "In use",
        "approved": "Approved",
        "submitted": "Submitted",
        "disclaimer": "for reference only",
    },
}


def _people(site: Site, lang: str) -> dict[str, str]:
    """Prepare the people of this run: a governance officer who is also an approver (to prove
    the self-approval refusal), risk, legal, security, and a second approver."""
    prefix = f"e2e-{lang}"
    people = {
        "prep": (f"{prefix}-prep", "GOVERNANCE_OFFICER, Role.APPROVER", "cloud-gov"),
        "risk": (f"{prefix}-risk", "RISK", "risk"),
        "legal": (f"{prefix}-legal", "LEGAL", "legal"),
        "sec": (f"{prefix}-sec", "SECURITY", "infosec"),
        "approver": (f"{prefix}-approver", "APPROVER", "management"),
    }
    lines = [
        "from fincloud.people.models import BusinessUnit, User",
        "from fincloud.people.roles import Role",
        "from fincloud.people.services import user_create",
        "units = list(BusinessUnit.objects.all())",
    ]
    for username, roles, unit in people.values():
        approves = "units" if "APPROVER" in roles else "[]"
        lines.append(
            f"User.objects.filter(username='{username}').exists() or user_create("
            f"actor=None, username='{username}', password='{PASSWORD}', "
            f"display_name='{username}', unit=BusinessUnit.objects.get(short_name='{unit}'), "
            f"roles=[Role.{roles}], approves_for={approves}, language='{lang}')"
        )
    site.manage("shell", "-c", "\n".join(lines))
    return {key: value[0] for key, value in people.items()}


def _page(new_page, site: Site, username: str, lang: str) -> Page:
    page = new_page("en" if lang == "en" else "zh-TW")
    sign_in(page, site, username, PASSWORD)
    expect(page.get_by_test_id("current-user")).to_be_visible()
    return page


def _in_days(n: int) -> str:
    # Dates in the forms are Taipei dates (the site's time zone).
    taipei = dt.timezone(dt.timedelta(hours=8))
    return (dt.datetime.now(tz=taipei).date() + dt.timedelta(days=n)).isoformat()


def _pdf(name: str) -> dict[str, object]:
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


def _saved(page: Page) -> None:
    expect(page.locator(".msg-success").first).to_be_visible()


def _own_form_submit(page: Page) -> None:
    """The page's main form, rendered by web/_form.html, posts to the page itself."""
    page.locator("main form:not([action]) button[type=submit]").first.click()


@pytest.mark.parametrize("lang", ["zh-hant", "en"])
def test_pre_use_assessment_end_to_end(new_page, site, shots, lang):
    text = TEXT[lang]
    stamp = time.strftime("%H%M%S")
    users = _people(site, lang)
    csp_name = f"Mekong Cloud {lang} {stamp}"
    service_name = f"Loan servicing {lang} {stamp}"

    # -- the register: a CSP and a service processed in Vietnam (off the FAQ-10 list) ------
    prep = _page(new_page, site, users["prep"], lang)
    prep.goto("/register/csps/new")
    prep.fill("#id_name", csp_name)
    prep.fill("#id_country", "VN")
    prep.select_option("#id_channel", "direct")
    prep.click("main button[type=submit]")
    expect(prep.locator("h1")).to_contain_text(csp_name)
    prep.click("main a[href*='/register/services/new']")
    prep.fill("#id_name", service_name)
    prep.select_option("#id_service_model", "SaaS")
    prep.fill("#id_business_process", "Consumer loan servicing")
    prep.select_option("#id_unit", "retail")
    prep.check("#id_involves_license_business")
    prep.check("#id_customer_data")
    prep.check("#id_personal_data")
    prep.fill("#id_planned_start", _in_days(30))
    prep.fill("#id_locations", "VN Hanoi\nJP Tokyo")
    prep.click("main button[type=submit]")
    expect(prep.locator("h1")).to_contain_text(service_name)
    service_url = re.sub(r"[?#].*$", "", prep.url)
    service_code = service_url.rstrip("/").rsplit("/", 1)[-1]

    # the contract that will cover the Annex 3 rows
    prep.goto(f"/register/documents/new?service={service_code}")
    prep.select_option("#id_kind", "master_agreement")
    prep.fill("#id_title", f"Mekong MSA {stamp}")
    prep.set_input_files("#id_file", _pdf("msa.pdf"))
    prep.click("main button[type=submit]")
    _saved(prep)

    # -- start the assessment from the service page -----------------------------------------
    prep.goto(service_url)
    expect(prep.get_by_test_id("assessment-summary")).to_be_visible()
    shots(prep, f"service-before-{lang}")
    prep.get_by_test_id("start-assessment").click()
    prep.click("main button[type=submit]")
    expect(prep.get_by_test_id("assessment-state")).to_be_visible()
    assessment_url = re.sub(r"[?#].*$", "", prep.url)
    shots(prep, f"overview-new-{lang}")

    prep.goto(assessment_url + "suitability/edit")
    prep.fill("#id_suitability_business", "Loan servicing, not in the BCP's critical list")
    prep.fill("#id_suitability_technical", "SaaS with SSO; nightly file exchange")
    prep.fill("#id_suitability_financial", "Lower five-year cost than in-house")
    prep.fill("#id_suitability_csp", "Regional leader, ISO 27001 in progress")
    prep.select_option("#id_migration_path", "replace")
    prep.fill("#id_migration_reason", "The in-house system retires")
    prep.fill("#id_multi_cloud", "Single SaaS; exit plan names an alternative")
    prep.fill("#id_portability", "Full export in CSV and by API")
    _own_form_submit(prep)
    _saved(prep)

    # scope first: in scope, so the classification waits for the materiality judgement
    prep.goto(assessment_url + "scope")
    prep.get_by_test_id("evaluate").click()
    expect(prep.locator(".msg-warning")).to_contain_text(text["needs_judgement"])

    # -- risk: materiality and the risk list ------------------------------------------------
    risk = _page(new_page, site, users["risk"], lang)
    risk.goto(assessment_url + "materiality")
    for factor in "abcdefg":
        risk.select_option(f"#id_level_{factor}", "low")
        risk.fill(f"#id_note_{factor}", f"factor {factor}: low for loan servicing")
    risk.get_by_test_id("save-factors").click()
    _saved(risk)
    expect(risk.get_by_test_id("proposal")).to_be_visible()
    risk.select_option("#id_material", "no")
    risk.fill("#id_reason", "No factor points to materiality; agrees with the proposal")
    risk.get_by_test_id("judge").click()
    _saved(risk)
    shots(risk, f"materiality-{lang}")
    risk.goto(assessment_url + "risks")
    links = risk.get_by_test_id("risk-list").locator("a[href*='/risks/']")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert len(hrefs) == 11  # Ch 2.2 risk items (a)-(k)
    for href in hrefs:
        risk.goto(href)
        risk.select_option("#id_likelihood", "2")
        risk.select_option("#id_impact", "1")
        risk.select_option("#id_owner", label=users["risk"])
        _own_form_submit(risk)
        _saved(risk)
    shots(risk, f"risks-heatmap-{lang}")

    # -- the governance officer: classification, locations, due diligence -------------------
    prep.goto(assessment_url + "scope")
    prep.get_by_test_id("evaluate").click()
    _saved(prep)
    expect(prep.locator("main")).to_contain_text(text["classification"])
    shots(prep, f"scope-{lang}")
    prep.goto(assessment_url + "locations")
    vn = prep.get_by_test_id("location-VN")
    expect(vn.get_by_test_id("dp-demanded")).to_be_visible()  # the assessment is demanded
    expect(prep.get_by_test_id("location-JP").get_by_test_id("dp-demanded")).to_have_count(0)
    shots(prep, f"locations-demanded-{lang}")
    vn.locator("textarea[name$=data_protection_assessment]").fill(
        "Decree 13/2023 on personal data protection reviewed: not lower than Taiwan's PDPA"
    )
    prep.get_by_test_id("save-location-VN").click()
    _saved(prep)
    prep.select_option("#id_designation_right", "yes")
    prep.fill("#id_designation_note", "MSA clause 7")
    prep.select_option("#id_disclosure_notice", "yes")
    prep.fill("#id_disclosure_note", "MSA clause 9")
    prep.get_by_test_id("save-terms").click()
    _saved(prep)
    prep.goto(assessment_url + "due-diligence")
    prep.select_option("#id_depth", "standard")
    prep.fill("#id_reason", "Non-material offshore: documents, questionnaire, interview")
    prep.get_by_test_id("save-depth").click()
    _saved(prep)
    _dd_bulk(prep, "governance report")

    sec = _page(new_page, site, users["sec"], lang)
    sec.goto(assessment_url + "due-diligence")
    _dd_bulk(sec, "security questionnaire")
    shots(sec, f"due-diligence-{lang}")

    # -- legal: the contract checklist, one row 未符合 with an alternative measure ------------
    legal = _page(new_page, site, users["legal"], lang)
    legal.goto(assessment_url + "contract")
    for box in legal.locator("#contract-bulk input[name=rows]").all():
        box.check()
    legal.locator("#contract-bulk input[name=documents]").first.check()
    legal.get_by_test_id("contract-bulk").click()
    _saved(legal)
    legal.get_by_test_id("row-link-10.I.5").click()
    legal.select_option("#id_judgement", "not_compliant")
    legal.fill("#id_impact_assessment", "Consumer disputes could go unanswered")
    legal.select_option("#id_significant_impact", "yes")
    _own_form_submit(legal)
    _saved(legal)
    legal.select_option("#id_kind", "a")
    legal.fill("#id_description", "Complaint channel; the CSP reports major anomalies at once")
    legal.select_option("#id_owner", label=users["legal"])
    legal.fill("#id_due_date", _in_days(30))
    legal.get_by_test_id("add-measure").click()
    _saved(legal)
    expect(legal.get_by_test_id("measures")).to_contain_text(users["legal"])
    expect(legal.get_by_test_id("row-problems")).to_have_count(0)
    shots(legal, f"contract-row-measure-{lang}")

    # -- the Annex 2 items answered directly, with evidence ---------------------------------
    prep.goto(assessment_url)
    answer_links = prep.get_by_test_id("checklist").locator("a[href*='/checklist/']")
    hrefs = [answer_links.nth(i).get_attribute("href") for i in range(answer_links.count())]
    assert len(hrefs) == 5
    for href in hrefs:
        prep.goto(href)
        prep.select_option("#id_status", "done")
        prep.fill("#id_answer", "Assessed; see the attached file")
        _own_form_submit(prep)
        _saved(prep)
        prep.set_input_files("#id_file", _pdf("annex2.pdf"))
        prep.get_by_test_id("upload").click()
        _saved(prep)

    # -- submit, a refused self-approval, approval by a second person ------------------------
    prep.goto(assessment_url)
    expect(prep.get_by_test_id("ready")).to_be_visible()
    shots(prep, f"overview-ready-{lang}")
    prep.get_by_test_id("submit").click()
    expect(prep.get_by_test_id("assessment-state")).to_contain_text(text["submitted"])
    prep.get_by_test_id("approve").click()  # the preparer also holds the approver role
    expect(prep.locator(".msg-error")).to_contain_text(text["sod"])
    expect(prep.get_by_test_id("assessment-state")).to_contain_text(text["submitted"])
    shots(prep, f"self-approval-refused-{lang}")

    approver = _page(new_page, site, users["approver"], lang)
    approver.goto(assessment_url)
    approver.fill("#wf-comment", "Approved for use")
    approver.get_by_test_id("approve").click()
    expect(approver.get_by_test_id("assessment-state")).to_contain_text(text["approved"])
    expect(approver.get_by_test_id("service-stage")).to_contain_text(text["in_use"])
    shots(approver, f"approved-{lang}")
    approver.goto(service_url)
    expect(approver.get_by_test_id("summary-state")).to_contain_text(text["approved"])
    shots(approver, f"service-in-use-{lang}")

    # -- compare vendors ------------------------------------------------------------------------
    legal.goto("/assessments/comparisons/")
    legal.get_by_test_id("comparison-list").locator("a").first.click()
    expect(legal.get_by_test_id("a4-disclaimer")).to_contain_text(text["disclaimer"])
    shots(legal, f"annex4-example-{lang}")
    legal.goto(assessment_url + "contract")
    legal.locator("form[action$='/contract/compare'] button").click()
    _saved(legal)
    legal.fill("#id_label", f"Candidate B {stamp}")
    legal.locator("form[action$='/vendors'] button").click()
    _saved(legal)
    expect(legal.get_by_test_id("comparison")).to_contain_text(f"Candidate B {stamp}")
    expect(legal.get_by_test_id("comparison")).to_contain_text(f"Mekong MSA {stamp}")
    shots(legal, f"comparison-{lang}")


def _dd_bulk(page: Page, title: str) -> None:
    for box in page.locator("#dd-bulk input[name=items]").all():
        box.check()
    page.select_option("#id_result", "satisfactory")
    page.fill("#id_answer", f"Reviewed the {title}")
    page.set_input_files("#id_file", _pdf(f"{title}.pdf"))
    page.fill("#id_title", title)
    page.get_by_test_id("dd-bulk").click()
    _saved(page)
