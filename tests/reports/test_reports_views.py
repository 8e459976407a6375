"""The reports on the web, through Django's test client: the buttons where the data is shown
post to reports:run; the run is queued for django-tasks and completes (the test settings'
immediate backend; and the database backend with its worker, where the page shows the progress
first); the download is the file whose SHA-256 the audit log holds; a person without the
report's capability is refused (403) with the capability named; a run is its requester's
alone; the examiner generates and downloads."""

from __future__ import annotations

import hashlib
import io
import json

import openpyxl
import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from fincloud.auditlog.models import AuditEvent
from fincloud.register.models import CloudService
from fincloud.reports.models import ReportRun, RunStatus

from reports.factories_reports import xlsx_rows

pytestmark = pytest.mark.django_db

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
HTMX = {"HTTP_HX_REQUEST": "true"}


def signed_in(client, person):
    client.force_login(person)
    return client


def post_run(client, report, fmt, subject=None, **extra):
    data = {"report": report, "format": fmt}
    if subject is not None:
        data["subject"] = str(subject.code)
    return client.post(reverse("reports:run"), data, **extra)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def export_event(run: ReportRun) -> dict:
    """The generation's audit event (action export) and what it recorded."""
    events = [
        json.loads(e.changes)
        for e in AuditEvent.objects.filter(object_id=str(run.code), action="export")
    ]
    generated = [c for c in events if "report" in c]
    assert len(generated) == 1
    return generated[0]


def test_the_service_page_shows_the_buttons_of_the_persons_families(client, personas, card):
    srv = card["service"]
    page = signed_in(client, personas["governance_officer"]).get(
        reverse("register:service_detail", args=[srv.code])
    )
    html = page.content.decode()
    assert f'action="{reverse("reports:run")}"' in html
    assert f'name="subject" value="{srv.code}"' in html
    # Annex 2 and 3, and the filing pack of this classification-1 service, in their formats.
    for name, formats in (
        ("annex2", ("xlsx", "pdf")),
        ("annex3", ("xlsx", "docx", "pdf")),
        ("filing", ("docx", "xlsx")),
    ):
        for fmt in formats:
            assert f'data-testid="report-{name}-{fmt}"' in html, (name, fmt)
    assert 'data-testid="report-annex3-csv"' not in html
    # Security reads the checklists but not the contract: Annex 2 only.
    client.logout()
    html = (
        signed_in(client, personas["security"])
        .get(reverse("register:service_detail", args=[srv.code]))
        .content.decode()
    )
    assert 'data-testid="report-annex2-xlsx"' in html
    assert 'data-testid="report-annex3-xlsx"' not in html
    assert 'data-testid="report-filing-docx"' not in html


def test_button_runs_the_report_and_the_download_matches_the_audit_log(client, personas, card):
    officer = personas["governance_officer"]
    srv = card["service"]
    signed_in(client, officer)
    response = post_run(client, "annex3", "xlsx", srv, **HTMX)
    assert response.status_code == 200
    run = ReportRun.objects.get()
    assert (run.report, run.fmt, run.subject_code, run.requested_by) == (
        "annex3",
        "xlsx",
        srv.code,
        officer,
    )
    # The immediate backend ran it within the request: the partial offers the download.
    assert run.status == RunStatus.DONE and run.stored and run.task_id
    html = response.content.decode()
    assert 'data-status="done"' in html
    download = reverse("reports:run_download", args=[run.code])
    assert f'href="{download}"' in html
    assert run.sha256 in html
    progress = client.get(reverse("reports:run_progress", args=[run.code]), **HTMX)
    assert progress.status_code == 200
    assert 'data-status="done"' in progress.content.decode()
    assert "hx-trigger" not in progress.content.decode()  # done: no more polling

    file = client.get(download)
    assert file.status_code == 200
    data = body(file)
    digest = hashlib.sha256(data).hexdigest()
    assert digest == run.sha256 == file["X-Content-SHA256"]
    assert export_event(run)["sha256"] == [None, digest]
    assert file["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    assert run.file_name in file["Content-Disposition"]
    # The hand-over is an audit event too.
    handed = [
        json.loads(e.changes)
        for e in AuditEvent.objects.filter(object_id=str(run.code), action="export")
        if "download" in json.loads(e.changes)
    ]
    assert handed == [{"download": [None, run.file_name], "sha256": [None, digest]}]
    # The file is the service's Annex 3.
    rows = xlsx_rows(data)
    assert rows[0][0] == "CSP合約檢核表（附件3）"
    assert any(srv.name in str(c) for r in rows[:4] for c in r)


def test_without_htmx_the_button_leads_to_the_run_page(client, personas, card):
    signed_in(client, personas["legal"])
    response = post_run(client, "annex3", "docx", card["service"])
    run = ReportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:run_detail", args=[run.code])
    page = client.get(response["Location"])
    html = page.content.decode()
    assert card["service"].name in html
    assert 'data-testid="report-download"' in html and run.sha256 in html


@override_settings(TASKS=DB_TASKS)
def test_queued_run_shows_progress_until_the_worker_finishes(client, personas, card, monkeypatch):
    # The worker closes "old" connections between tasks; inside the test's transaction that
    # would close the test's own connection.
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )
    signed_in(client, personas["governance_officer"])
    response = post_run(client, "register", "xlsx", **HTMX)
    run = ReportRun.objects.get()
    assert run.status == RunStatus.QUEUED
    html = response.content.decode()
    progress_url = reverse("reports:run_progress", args=[run.code])
    # The progress panel polls itself while the report waits for the worker.
    assert 'data-status="queued"' in html
    assert f'hx-get="{progress_url}"' in html and 'hx-trigger="every 1s"' in html
    assert 'data-testid="report-progress"' in html and "等待背景作業" in html
    assert 'data-testid="report-download"' not in html
    assert client.get(reverse("reports:run_download", args=[run.code])).status_code == 404

    call_command("db_worker", batch=True, startup_delay=False, queue_name="*", verbosity=0)
    run.refresh_from_db()
    assert run.status == RunStatus.DONE and run.progress == 100
    html = client.get(progress_url, **HTMX).content.decode()
    assert 'data-status="done"' in html and "hx-get" not in html
    data = body(client.get(reverse("reports:run_download", args=[run.code])))
    assert hashlib.sha256(data).hexdigest() == export_event(run)["sha256"][1]
    # The register export holds every service of the register.
    book = openpyxl.load_workbook(io.BytesIO(data))
    codes = {r[0] for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert codes == {str(c) for c in CloudService.objects.values_list("code", flat=True)}


def test_without_the_reports_capability_the_refusal_names_it(client, personas, card):
    security = personas["security"]
    assert security.can("reports.view") and not security.can("reports.contract")
    signed_in(client, security)
    refused = post_run(client, "annex3", "xlsx", card["service"])
    assert refused.status_code == 403
    assert "您沒有「reports.contract」權限。" in refused.content.decode()
    # From a button (htmx), the refusal is shown where the progress would go.
    partial = post_run(client, "register", "csv", **HTMX)
    assert 'data-testid="report-refused"' in partial.content.decode()
    assert "reports.register" in partial.content.decode()
    assert not ReportRun.objects.exists()
    # Without the reports at all: the page's own rule (reports.view).
    client.logout()
    signed_in(client, personas["nobody"])
    assert post_run(client, "register", "csv").status_code == 403


def test_bad_requests_name_the_field(client, personas, card):
    signed_in(client, personas["governance_officer"])
    wrong = post_run(client, "register", "docx")
    assert wrong.status_code == 400
    assert "format: 「register」報表之格式為 xlsx/csv，不提供「docx」" in wrong.content.decode()
    unknown = post_run(client, "annex9", "pdf")
    assert unknown.status_code == 400 and "report: 無「annex9」報表" in unknown.content.decode()
    needs = post_run(client, "annex3", "pdf")
    assert needs.status_code == 400
    assert "service: 「annex3」報表係針對單一 service，請提供其代碼" in needs.content.decode()
    assert not ReportRun.objects.exists()


def test_a_run_is_its_requesters_alone(client, personas, card):
    signed_in(client, personas["governance_officer"])
    post_run(client, "annex3", "xlsx", card["service"], **HTMX)
    run = ReportRun.objects.get()
    client.logout()
    # Legal may generate Annex 3 too, but not fetch the officer's run.
    signed_in(client, personas["legal"])
    for name in ("run_detail", "run_progress", "run_download"):
        assert client.get(reverse(f"reports:{name}", args=[run.code])).status_code == 404, name
    assert not AuditEvent.objects.filter(
        object_id=str(run.code), action="export", actor_id=personas["legal"].pk
    ).exists()


def test_the_examiner_generates_and_downloads(client, personas, card):
    examiner = personas["examiner"]
    signed_in(client, examiner)
    html = client.get(reverse("register:dashboard")).content.decode()
    assert 'data-testid="report-register-xlsx"' in html
    assert 'data-testid="report-board-pdf"' in html
    post_run(client, "register", "csv", **HTMX)
    run = ReportRun.objects.get(requested_by=examiner)
    assert run.status == RunStatus.DONE
    data = body(client.get(reverse("reports:run_download", args=[run.code])))
    assert hashlib.sha256(data).hexdigest() == run.sha256
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("代碼,服務名稱,雲端服務業者")
    assert str(card["service"].code) in text and card["service"].name in text
    # His own recent reports on the reports page.
    index = client.get(reverse("reports:index")).content.decode()
    assert reverse("reports:run_download", args=[run.code]) in index


def test_the_reports_page_is_in_the_navigation_for_staff(client, personas):
    client.force_login(personas["examiner"])
    page = client.get(reverse("register:dashboard")).content.decode()
    nav = page.split('class="sidenav"', 1)[1].split("</nav>", 1)[0]
    assert f'href="{reverse("reports:index")}"' in nav
