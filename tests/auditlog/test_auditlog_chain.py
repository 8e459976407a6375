"""The hash chain: append-only triggers, and the verifier finding each kind of tampering."""

from __future__ import annotations

import hashlib
import json

import orjson
import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from fincloud.auditlog import triggers
from fincloud.auditlog.chain import GENESIS_HASH
from fincloud.auditlog.models import AuditEvent
from fincloud.auditlog.services import diff, record_event, verify_chain

pytestmark = pytest.mark.django_db


def _events(n: int) -> list[AuditEvent]:
    return [
        record_event(
            actor=None,
            action="update",
            object_type="test.thing",
            object_id=str(i),
            object_repr=f"thing {i} 雲端",
            before={"v": i},
            after={"v": i + 1},
        )
        for i in range(n)
    ]


def _start() -> int:
    return AuditEvent.objects.count()


def test_hash_is_sha256_of_previous_hash_and_canonical_json():
    before = _start()
    first, second = _events(2)
    body = orjson.dumps(
        {
            "seq": second.seq,
            "created_at": second.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            "actor_id": None,
            "actor": "",
            "action": "update",
            "object_type": "test.thing",
            "object_id": "1",
            "object_repr": "thing 1 雲端",
            "changes": {"v": [1, 2]},
            "request_id": second.request_id,
            "source_ip": "",
            "channel": second.channel,
        },
        option=orjson.OPT_SORT_KEYS,
    )
    assert second.prev_hash == first.hash
    assert second.hash == hashlib.sha256(first.hash.encode() + body).hexdigest()
    assert json.loads(second.changes) == {"v": [1, 2]}
    result = verify_chain()
    assert result.ok and result.count == before + 2


def test_first_event_links_to_genesis():
    assert AuditEvent.objects.count() == 0
    (event,) = _events(1)
    assert event.seq == 1 and event.prev_hash == GENESIS_HASH


def test_diff_keeps_only_changed_fields():
    assert diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": None}) == {"b": [2, 3]}
    assert diff(None, {"a": "x"}) == {"a": [None, "x"]}


def test_database_refuses_update_and_delete():
    (event,) = _events(1)
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="delete")
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with (
        pytest.raises((DatabaseError, IntegrityError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM auditlog_auditevent")
    assert AuditEvent.objects.filter(pk=event.pk, action="update").exists()


def _tamper(sql: str, params: list) -> None:
    """Run SQL with the append-only triggers lifted, as an attacker with database access would."""
    triggers.remove(connection)
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
    finally:
        triggers.install(connection)


def test_verify_finds_changed_content():
    events = _events(6)
    target = events[3]
    _tamper(
        "UPDATE auditlog_auditevent SET object_repr = %s WHERE id = %s", ["rewritten", target.pk]
    )
    result = verify_chain()
    assert not result.ok
    assert (result.problem, result.event_id) == ("changed", target.pk)
    assert "content changed" in result.reason


def test_verify_finds_changed_content_even_with_rehash():
    events = _events(5)
    target = events[2]
    _tamper("UPDATE auditlog_auditevent SET hash = %s WHERE id = %s", ["f" * 64, target.pk])
    result = verify_chain()
    assert (result.problem, result.event_id) == ("changed", target.pk)


def test_verify_finds_removed_event():
    events = _events(6)
    _tamper("DELETE FROM auditlog_auditevent WHERE id = %s", [events[2].pk])
    result = verify_chain()
    assert (result.problem, result.event_id) == ("removed", events[3].pk)
    assert f"seq {events[2].seq}" in result.reason


def test_verify_finds_removed_events_at_the_end():
    events = _events(4)
    _tamper("DELETE FROM auditlog_auditevent WHERE id = %s", [events[-1].pk])
    result = verify_chain()
    assert result.problem == "removed"
    assert "end of the chain" in result.reason


def test_verify_finds_reordered_events():
    events = _events(6)
    a, b = events[2], events[3]
    columns = [
        "seq",
        "created_at",
        "actor_id",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "changes",
        "request_id",
        "source_ip",
        "channel",
        "prev_hash",
        "hash",
    ]
    rows = {}
    with connection.cursor() as cursor:
        for e in (a, b):
            cursor.execute(
                f"SELECT {', '.join(columns)} FROM auditlog_auditevent WHERE id = %s", [e.pk]
            )
            rows[e.pk] = cursor.fetchone()
    # Swap the two rows' contents: seq and hash are unique, so park one first.
    assignments = ", ".join(f"{c} = %s" for c in columns)
    parked = list(rows[a.pk])
    parked[0] = -1
    parked[-1] = "parked"
    _tamper(f"UPDATE auditlog_auditevent SET {assignments} WHERE id = %s", [*parked, a.pk])
    _tamper(f"UPDATE auditlog_auditevent SET {assignments} WHERE id = %s", [*rows[a.pk], b.pk])
    _tamper(f"UPDATE auditlog_auditevent SET {assignments} WHERE id = %s", [*rows[b.pk], a.pk])
    result = verify_chain()
    assert (result.problem, result.event_id) == ("reordered", a.pk)


def test_verify_reports_intact_count_on_a_clean_chain():
    before = _start()
    _events(30)
    result = verify_chain(batch_size=7)  # several batches
    assert result.ok
    assert result.count == before + 30
