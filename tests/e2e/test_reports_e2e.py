"""Reports in a real browser, as the governance officer, in 繁體中文 and in English: on the
demo's classification-1 service page a report button queues Annex 3 (XLSX) and the progress
shows until the background worker (started after the click, so that the queued state is seen)
has made it; then the Download link, whose file opens in openpyxl and is that service's Annex
3; on the register dashboard the board summary (PDF) the same way."""

from __future__ import annotations

import hashlib
import io
import subprocess
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import expect

from e2e.conftest import FINCLOUD, Site, sign_in
from paths import REPO_ROOT

pytestmark = pytest.mark.e2e

CARD = "信用卡授權核心系統 Card authorisation core"
TEXT = {
    "zh-hant": {
        "queued": "等待背景作業程序",
        "download": "下載",
        "annex3": "CSP合約檢核表（附件3）",
        "board": "董事會摘要報告",
        "reports": "報表",
    },
    "en": {
        "queued": "Waiting for the background worker",
        "download": "Download",
        "annex3": "CSP contract checklist (Annex 3)",
        "board": "Board summary",
        "reports": "Reports",
    },
}
DONE_TIMEOUT = 90_000  # the worker starts a Django process, then renders


@pytest.fixture
def worker(site: Site) -> Iterator[object]:
    """Starts the background worker on demand and stops the process it started."""
    started: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        log = (Path(site.env["FINCLOUD_VAR_DIR"]) / "worker-reports.log").open("ab")
        started.append(
            subprocess.Popen(
                [
                    FINCLOUD,
                    *("manage", "db_worker", "--queue-name", "*", "--interval", "0.5"),
                    *("--no-startup-delay", "--no-reload"),
                ],
                env=site.env,
                cwd=REPO_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=20)


def _download(page: object, slot: object) -> bytes:
    link = slot.get_by_test_id("report-download")  # type: ignore[attr-defined]
    with page.expect_download() as info:  # type: ignore[attr-defined]
        link.click()
    return Path(info.value.path()).read_bytes()


@pytest.mark.parametrize("lang", ["zh-hant", "en"])
def test_report_buttons_show_progress_then_the_download(new_page, site, shots, worker, lang):
    text = TEXT[lang]
    page = new_page("en" if lang == "en" else "zh-TW")
    sign_in(page, site, "gov.officer")
    expect(page.locator("html")).to_have_attribute("lang", "en" if lang == "en" else "zh-Hant-TW")

    # The demo's classification-1 service, found from the register's list.
    page.goto("/register/services/")
    page.get_by_role("link", name=CARD).first.click()
    expect(page.locator("h1")).to_contain_text(CARD)
    card = page.get_by_test_id("service-reports")
    expect(card).to_contain_text(text["reports"])
    annex3 = card.locator('[data-report="annex3"]')
    annex3.get_by_test_id("report-annex3-xlsx").click()
    run = annex3.get_by_test_id("report-run")
    expect(run).to_have_attribute("data-status", "queued")
    expect(run.get_by_test_id("report-progress")).to_be_visible()
    expect(run).to_contain_text(text["queued"])
    card.scroll_into_view_if_needed()
    shots(page, f"service-queued-{lang}")

    worker()
    expect(run).to_have_attribute("data-status", "done", timeout=DONE_TIMEOUT)
    expect(run.get_by_test_id("report-download")).to_contain_text(text["download"])
    sha = run.get_by_test_id("report-sha256").inner_text()
    card.scroll_into_view_if_needed()
    shots(page, f"service-done-{lang}")
    data = _download(page, run)
    assert hashlib.sha256(data).hexdigest() == sha
    book = openpyxl.load_workbook(io.BytesIO(data))
    rows = [list(r) for r in book.worksheets[0].iter_rows(max_row=4, values_only=True)]
    assert rows[0][0] == text["annex3"]
    assert any(CARD in str(r[0]) for r in rows[1:])

    # The register dashboard: the board summary as PDF.
    page.goto("/register/")
    board = page.locator('[data-report="board"]')
    board.get_by_test_id("report-board-pdf").click()
    run = board.get_by_test_id("report-run")
    expect(run).to_be_visible()
    shots(page, f"dashboard-progress-{lang}")
    expect(run).to_have_attribute("data-status", "done", timeout=DONE_TIMEOUT)
    shots(page, f"dashboard-done-{lang}")
    pdf = _download(page, run)
    assert pdf.startswith(b"%PDF-")
    words = subprocess.run(
        ["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    assert text["board"] in words
    assert "Nimbus Cloud Inc." in words  # the demo's largest CSP, in the concentration chart
