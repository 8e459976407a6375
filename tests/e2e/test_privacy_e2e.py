"""A de-identification job in a real browser, on the real server with its database task queue
and a background worker: upload a slice of the Taiwan credit data (2,000 card holders, with
generated names, national IDs, mobiles and e-mails beside them), a policy naming a missing
column refused with fincloud.deid's message, a Big5 file named as such, then the realistic
policy: run it, watch the progress, read the scan and the risk report before and after, fail
to download before approval, approval by a second person, download and check the SHA-256.
Screenshots in 繁體中文 and English."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from playwright.sync_api import expect

from fincloud.deid import fake
from fincloud.privacy.demo import CREDIT_POLICY

from e2e.conftest import FINCLOUD, Site, sign_in
from paths import REPO_ROOT, SHARED

pytestmark = pytest.mark.e2e

ROWS = 2000  # card holders in the uploaded slice (the full file has 30,000)


def _credit_slice(tmp_path: Path) -> Path:
    credit = pl.read_csv(
        SHARED / "data" / "taiwan-credit-default" / "UCI_Credit_Card.csv",
        infer_schema=False,
        n_rows=ROWS,
    )
    people = fake.generate(ROWS, seed=11).select("name", "id_number", "mobile", "email")
    path = tmp_path / "credit-card-customers.csv"
    pl.concat([people, credit], how="horizontal").write_csv(path)
    return path


def _big5_file(tmp_path: Path) -> Path:
    frame = pl.DataFrame({"分行": ["臺北市大安分行", "高雄市苓雅分行"], "X1": ["20000", "50000"]})
    buffer = io.BytesIO()
    frame.write_csv(buffer)
    path = tmp_path / "branch-big5.csv"
    path.write_bytes(buffer.getvalue().decode().encode("cp950"))
    return path


@pytest.fixture
def sources(tmp_path: Path) -> tuple[Path, Path]:
    return _credit_slice(tmp_path), _big5_file(tmp_path)


@pytest.fixture
def worker(site: Site) -> Iterator[object]:
    """Starts the background worker on demand (the tests start it after queueing the job, so
    that the queued state can be seen), and stops the process it started."""
    started: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        log = (Path(site.env["FINCLOUD_VAR_DIR"]) / "worker.log").open("ab")
        started.append(
            subprocess.Popen(
                [
                    FINCLOUD,
                    "manage",
                    "db_worker",
                    "--queue-name",
                    "*",
                    "--interval",
                    "0.5",
                    "--no-startup-delay",
                    "--no-reload",
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


def _page(new_page: object, site: Site, language: str = "zh-hant") -> object:
    """A fresh page whose language cookie is set: other tests of the session may have saved
    another language on the same demo person's profile, and the cookie wins over it."""
    page = new_page("en" if language == "en" else "zh-TW")  # type: ignore[operator]
    page.context.add_cookies(  # type: ignore[attr-defined]
        [{"name": "fincloud_language", "value": language, "url": site.url}]
    )
    return page


def _fill_job(page: object, path: Path, policy: str) -> None:
    page.goto("/privacy/new")  # type: ignore[attr-defined]
    page.set_input_files("#id_source_file", str(path))  # type: ignore[attr-defined]
    page.fill("#id_policy_text", policy)  # type: ignore[attr-defined]
    page.fill("#id_sensitive", "Y")  # type: ignore[attr-defined]
    page.fill("#id_target", "Y")  # type: ignore[attr-defined]


def test_de_identification_job_end_to_end(new_page, site, shots, sources, worker):
    credit_slice, big5_file = sources
    officer = _page(new_page, site)
    sign_in(officer, site, "gov.officer")
    officer.goto("/privacy/")
    expect(officer.locator("h1")).to_have_text("去識別化作業")
    shots(officer, "list-zh")

    # 1. A policy naming a column the file does not have: refused, naming the column.
    missing = CREDIT_POLICY.replace(
        "  X5: {technique: interval, width: 5}", "  gender: {technique: drop}"
    )
    _fill_job(officer, credit_slice, missing)
    officer.get_by_test_id("create-job").click()
    expect(officer.get_by_test_id("error-policy_text")).to_contain_text(
        "column 'gender' is not in the input"
    )
    shots(officer, "missing-column-zh")

    # 2. A Big5 file: fincloud.deid says what it looks like.
    _fill_job(
        officer,
        big5_file,
        "fincloud_deid_policy: 1\nname: x\npurpose: analytics\n"
        "other_columns: keep\ncolumns:\n  X1: {technique: round, base: 10000}\n",
    )
    officer.get_by_test_id("create-job").click()
    expect(officer.get_by_test_id("error-source_file")).to_contain_text("Big5/CP950")
    expect(officer.get_by_test_id("error-source_file")).to_contain_text("branch-big5.csv")
    shots(officer, "big5-zh")

    # 3. The realistic policy for the credit data.
    _fill_job(officer, credit_slice, CREDIT_POLICY)
    officer.fill("#id_title", "信用卡違約模型（端對端測試）")
    shots(officer, "new-job-zh")
    officer.get_by_test_id("create-job").click()
    expect(officer.locator(".msg-success")).to_contain_text("作業已建立")
    expect(officer.get_by_test_id("run-status")).to_have_text("待執行")
    detail = officer.url

    # 4. Run: queued until the worker takes it, the page polls the progress, then reloads.
    officer.get_by_test_id("run").click()
    expect(officer.get_by_test_id("run-status")).to_have_text("排隊中")
    expect(officer.get_by_test_id("run-progress")).to_be_visible()
    shots(officer, "queued-zh")
    worker()
    expect(officer.get_by_test_id("run-status")).to_have_text("已完成", timeout=90_000)
    expect(officer.get_by_test_id("scan")).to_be_visible()
    shots(officer, "finished-zh")

    # 5. The scan before/after and the risk report before/after.
    scan = officer.get_by_test_id("scan")
    expect(scan).to_contain_text("身分證統一編號")
    expect(scan).to_contain_text("行動電話號碼")
    expect(officer.get_by_test_id("scan-after-verdict")).to_contain_text("處理後：0 個欄位")
    report = officer.get_by_test_id("risk-report")
    expect(report).to_contain_text("檢察官攻擊：單筆最高風險")
    expect(officer.get_by_test_id("test-a")).to_contain_text("未發現")
    expect(officer.get_by_test_id("utility-report")).to_contain_text("ROC AUC")
    expect(officer.get_by_test_id("source-state")).to_contain_text("已於")  # source deleted
    sha = officer.get_by_test_id("output-sha256").inner_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", sha)
    officer.get_by_test_id("risk-report").scroll_into_view_if_needed()
    shots(officer, "risk-report-zh")

    # 6. No download before approval.
    officer.get_by_test_id("download-locked").click()
    expect(officer.locator(".msg-error")).to_contain_text("核准後始得下載")
    shots(officer, "download-refused-zh")

    # 7. Submit; a second person approves after reading the report.
    officer.get_by_test_id("submit").click()
    expect(officer.get_by_test_id("record-state")).to_have_text("已送審")
    approver = _page(new_page, site)
    sign_in(approver, site, "approver")
    approver.goto(detail)
    expect(approver.get_by_test_id("risk-report")).to_be_visible()
    expect(approver.get_by_test_id("download-locked")).to_have_count(0)  # no export right
    shots(approver, "approver-reads-zh")
    approver.fill("#wf-comment", "重新識別風險已降至 0.2 以下，同意交付。")
    approver.get_by_test_id("approve").click()
    expect(approver.get_by_test_id("record-state")).to_have_text("已核准")
    shots(approver, "approved-zh")

    # 8. The preparer downloads; the file is the one whose SHA-256 the page shows.
    officer.goto(detail)
    with officer.expect_download() as info:
        officer.get_by_test_id("download").click()
    downloaded = Path(info.value.path())
    assert hashlib.sha256(downloaded.read_bytes()).hexdigest() == sha
    released = pl.read_csv(downloaded, infer_schema=False)
    assert "name" not in released.columns and "mobile" not in released.columns
    assert released.height <= ROWS
    shots(officer, "downloadable-zh")

    # 9. The same pages in English (a language cookie; the profiles stay as they are).
    english = _page(new_page, site, "en")
    sign_in(english, site, "gov.officer")
    english.goto(detail)
    expect(english.get_by_test_id("risk-report")).to_contain_text("Prosecutor: highest risk")
    expect(english.get_by_test_id("scan")).to_contain_text("National ID number")
    shots(english, "job-en")
    english.goto("/privacy/new")
    expect(english.locator("h1")).to_have_text("New de-identification job")
    shots(english, "new-job-en")
    english.goto("/privacy/")
    shots(english, "list-en")


def test_demo_job_awaits_the_approver(new_page, site, shots):
    approver = _page(new_page, site)
    sign_in(approver, site, "approver")
    approver.goto("/")
    expect(approver.locator("main")).to_contain_text("信用卡違約預測模型資料")
    approver.goto("/privacy/")
    approver.get_by_role("link", name="信用卡違約預測模型資料（2005年4月至9月）").click()
    expect(approver.get_by_test_id("record-state")).to_have_text("已送審")
    expect(approver.get_by_test_id("test-b")).to_be_visible()
    shots(approver, "demo-job-zh")
