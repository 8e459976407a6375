"""The audit-trail page: search, pagination, Asia/Taipei display, CSV export."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone

from fincloud.auditlog.models import AuditEvent
from fincloud.auditlog.services import record_event

pytestmark = pytest.mark.django_db


def _fill(personas):
    for i in range(60):
        record_event(
            actor=personas["risk"],
            action="update",
            object_type="register.cloudservice",
            object_id=f"svc-{i}",
            object_repr=f"服務 {i}",
        )
    record_event(
        actor=personas["legal"],
        action="create",
        object_type="register.contract",
        object_id="c-1",
        object_repr='=HYPERLINK("http://evil")',
    )


def test_search_by_actor_object_action_and_paginate(client, personas):
    _fill(personas)
    client.force_login(personas["internal_auditor"])
    page = client.get("/audit/", {"actor": "risk"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "第 1 頁，共 2 頁（共 60 筆）" in body
    only_legal = client.get("/audit/", {"object": "contract", "action": "create"}).content.decode()
    assert "register.contract" in only_legal and "register.cloudservice" not in only_legal
    today = timezone.localdate().isoformat()
    dated = client.get("/audit/", {"date_from": today, "date_to": today})
    assert "（共" in dated.content.decode()
    bad = client.get("/audit/", {"date_from": "2026-02-01", "date_to": "2026-01-01"})
    assert "開始日期不得晚於結束日期" in bad.content.decode()


def test_htmx_request_returns_only_the_rows(client, personas):
    _fill(personas)
    client.force_login(personas["examiner"])
    partial = client.get("/audit/", {"actor": "legal"}, HTTP_HX_REQUEST="true")
    body = partial.content.decode()
    assert "<table" in body and "<html" not in body


def test_csv_export_is_complete_escaped_and_audited(client, personas):
    _fill(personas)
    client.force_login(personas["internal_auditor"])
    response = client.get("/audit/export.csv", {"object": "contract"})
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff"))))
    assert rows[0][0] == "序號"
    assert len(rows) == 2
    assert rows[1][7] == '\'=HYPERLINK("http://evil")'  # formula neutralised
    export = AuditEvent.objects.filter(action="export").get()
    assert export.actor_label == "internal_auditor" and '"rows":[null,1]' in export.changes
