"""The reports in the REST API (/api/v1/reports/) with personal tokens: the list says which
reports the caller may ask for; asking is a GET (a read-only token may generate), answers 202
with the run; the run, then the file, whose SHA-256 is the audit log's; the report's capability
decides (403 ``permission`` naming it); another person's run is not found; refusals are JSON
with the field and the rule."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.test import override_settings
from django.utils import timezone

from fincloud.api.services import token_create
from fincloud.auditlog.models import AuditEvent
from fincloud.reports.models import ReportRun
from fincloud.reports.registry import REPORTS

from audits.factories_audits import classified
from reports.factories_reports import docx_tables, xlsx_rows

pytestmark = pytest.mark.django_db

BASE = "/api/v1/reports"
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def token(user, scope: str = "read") -> dict[str, str]:
    made = token_create(
        actor=user,
        name="reports",
        scope=scope,
        expires_on=timezone.localdate() + dt.timedelta(days=30),
    )
    return {"HTTP_AUTHORIZATION": f"Bearer {made.secret}"}


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def refusal(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert data["status"] == status
    return data


def test_the_list_says_which_reports_each_caller_may_ask_for(client, personas):
    listed = client.get(f"{BASE}/", **token(personas["security"])).json()
    assert [r["name"] for r in listed] == list(REPORTS)
    allowed = {r["name"]: r["allowed"] for r in listed}
    # Security holds the checklist family only.
    assert allowed == {n: n == "annex2" for n in REPORTS}
    annex3 = next(r for r in listed if r["name"] == "annex3")
    assert annex3["formats"] == ["xlsx", "docx", "pdf"]
    assert (annex3["subject"], annex3["subject_required"]) == ("service", True)
    assert annex3["capability"] == "reports.contract"
    examiner = client.get(f"{BASE}/", **token(personas["examiner"])).json()
    assert all(r["allowed"] for r in examiner)


def test_a_read_token_generates_and_downloads(client, personas, card):
    examiner = personas["examiner"]
    headers = token(examiner, "read")
    srv = card["service"]
    asked = client.get(f"{BASE}/annex3", {"service": str(srv.code), "format": "docx"}, **headers)
    assert asked.status_code == 202, asked.content
    run = asked.json()
    assert run["report"] == "annex3" and run["format"] == "docx"
    assert run["subject"] == {"kind": "service", "code": str(srv.code), "label": str(srv)}
    # The test settings' immediate backend has run it already.
    assert run["status"] == "done" and run["progress"] == 100
    stored = ReportRun.objects.get(code=run["code"])
    assert stored.requested_by == examiner and stored.channel == "api"
    again = client.get(f"{BASE}/runs/{run['code']}", **headers).json()
    assert again["sha256"] == run["sha256"] == stored.sha256
    assert again["download"] == f"{BASE}/runs/{run['code']}/file"

    file = client.get(run["download"], **headers)
    assert file.status_code == 200
    data = body(file)
    digest = hashlib.sha256(data).hexdigest()
    assert digest == run["sha256"] == file["X-Content-SHA256"]
    events = [
        json.loads(e.changes)
        for e in AuditEvent.objects.filter(object_id=run["code"], action="export")
    ]
    assert {"report": [None, "annex3"], "sha256": [None, digest]}.items() <= next(
        e for e in events if "report" in e
    ).items()
    assert any(e.get("download") == [None, stored.file_name] for e in events)
    # The file is the service's Annex 3, its rows as judged.
    table = docx_tables(data)[-1]
    row = next(r for r in table if r[0].startswith("【委外辦法§10 I①】"))
    assert row[1] == "■符合 □未符合"
    assert "主約 Master agreement（MA-2026-01）" in row[2]
    # The caller's runs.
    mine = client.get(f"{BASE}/runs", **headers).json()
    assert [r["code"] for r in mine["results"]] == [run["code"]]


def test_english_and_the_register_export(client, personas, card):
    headers = token(personas["risk"], "write")
    run = client.get(f"{BASE}/register", {"format": "xlsx", "lang": "en"}, **headers).json()
    assert run["language"] == "en"
    rows = xlsx_rows(body(client.get(run["download"], **headers)))
    assert rows[0][:3] == ["Code", "Service name", "Cloud service provider"]
    assert [r[0] for r in rows[1:]] == [str(card["service"].code)]


def test_the_reports_capability_decides(client, personas, card):
    refused = refusal(
        client.get(
            f"{BASE}/annex3",
            {"service": str(card["service"].code), "format": "pdf"},
            **token(personas["security"], "write"),
        ),
        403,
    )
    assert refused["rule"] == "permission"
    assert "reports.contract" in refused["message"]
    refused = refusal(client.get(f"{BASE}/board", **token(personas["legal"])), 403)
    assert refused["rule"] == "permission" and "reports.board" in refused["message"]
    assert refusal(client.get(f"{BASE}/register"), 401)["rule"] == "not_authenticated"
    assert not ReportRun.objects.exists()


def test_refusals_name_the_field_and_the_rule(client, personas, card):
    headers = token(personas["governance_officer"])
    unknown = refusal(
        client.get(
            f"{BASE}/annex3", {"service": "1f0e0000-0000-4000-8000-000000000000"}, **headers
        ),
        422,
    )
    assert unknown["errors"][0]["field"] == "service"
    assert unknown["errors"][0]["rule"] == "not_found"
    missing = refusal(client.get(f"{BASE}/annex3", **headers), 422)
    assert (missing["errors"][0]["field"], missing["errors"][0]["rule"]) == ("service", "required")
    wrong = refusal(client.get(f"{BASE}/register", {"format": "docx"}, **headers), 422)
    assert wrong["errors"][0]["field"] == "format"
    quarter = refusal(client.get(f"{BASE}/board", {"quarter": "2026-Q5"}, **headers), 422)
    assert quarter["errors"][0]["field"] == "quarter"
    other = classified("domestic", name="境內人資系統")
    filing = refusal(
        client.get(f"{BASE}/filing", {"service": str(other.code), "format": "docx"}, **headers),
        422,
    )
    assert (filing["errors"][0]["field"], filing["rule"]) == ("service", "classification")
    assert "境內人資系統" in filing["message"]
    assert not ReportRun.objects.exists()


def test_another_persons_run_is_not_found(client, personas, card):
    mine = token(personas["governance_officer"])
    run = client.get(f"{BASE}/register", {"format": "csv"}, **mine).json()
    theirs = token(personas["risk"])  # risk may ask for the register export too
    for path in (f"{BASE}/runs/{run['code']}", f"{BASE}/runs/{run['code']}/file"):
        assert refusal(client.get(path, **theirs), 404)["rule"] == "not_found"
    assert client.get(f"{BASE}/runs", **theirs).json()["results"] == []


@override_settings(TASKS=DB_TASKS)
def test_a_queued_run_is_not_ready_and_asking_again_returns_it(client, personas, card):
    headers = token(personas["approver"])
    first = client.get(f"{BASE}/register", {"format": "csv"}, **headers)
    assert first.status_code == 202
    run = first.json()
    assert run["status"] == "queued" and run["download"] is None
    again = client.get(f"{BASE}/register", {"format": "csv"}, **headers).json()
    assert again["code"] == run["code"]  # the same report while it is still queued
    assert ReportRun.objects.count() == 1
    other = client.get(f"{BASE}/register", {"format": "xlsx"}, **headers).json()
    assert other["code"] != run["code"]
    not_ready = refusal(client.get(f"{BASE}/runs/{run['code']}/file", **headers), 409)
    assert not_ready["message"] == "報表尚未完成（狀態：等待背景作業程序）。"
