"""`fincloud auditlog verify`: exit 0 and the count when intact, 1 naming the broken event."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from typer.testing import CliRunner

from fincloud.auditlog import triggers
from fincloud.auditlog.services import record_event
from fincloud.cli import app

pytestmark = pytest.mark.django_db


def test_verify_cli_intact_then_broken():
    events = [
        record_event(actor=None, action="create", object_type="t", object_id=str(i))
        for i in range(5)
    ]
    runner = CliRunner()
    ok = runner.invoke(app, ["auditlog", "verify", "--format", "json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.stdout) == {
        "ok": True,
        "count": 5,
        "last_seq": 5,
        "problem": None,
        "event_id": None,
        "seq": None,
        "reason": "",
    }
    text = runner.invoke(app, ["auditlog", "verify"])
    assert text.exit_code == 0 and "5 events verified" in text.stdout

    triggers.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE auditlog_auditevent SET action = 'delete' WHERE id = %s", [events[1].pk]
        )
    triggers.install(connection)
    broken = runner.invoke(app, ["auditlog", "verify", "--format", "json"])
    assert broken.exit_code == 1
    report = json.loads(broken.stdout)
    assert report["problem"] == "changed" and report["event_id"] == events[1].pk
    assert report["count"] == 1
    text = runner.invoke(app, ["auditlog", "verify"])
    assert text.exit_code == 1 and f"event id {events[1].pk}" in text.stdout
