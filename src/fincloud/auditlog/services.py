"""Writing audit events (in the caller's transaction) and verifying the chain."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from fincloud.auditlog.chain import (
    COLUMNS,
    ChainWalker,
    VerifyResult,
    canonical,
    canonical_changes,
    event_hash,
    time_text,
)
from fincloud.auditlog.models import Action, AuditEvent, ChainHead
from fincloud.web.context import current

VERIFY_BATCH = 20_000


def _jsonable(value: Any) -> Any:  # noqa: PLR0911 (a type switch reads best as early returns)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if hasattr(value, "name") and hasattr(value, "url"):  # a FieldFile
        return value.name or None
    return str(value)


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The instance's concrete field values, JSON-ready (foreign keys as their ids)."""
    names = set(fields) if fields is not None else None
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if names is not None and field.name not in names:
            continue
        if field.name in {"password"}:
            continue
        data[field.name] = _jsonable(field.value_from_object(instance))
    return data


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    """``{"field": [before, after]}`` for the fields that differ."""
    before = before or {}
    after = after or {}
    out: dict[str, Any] = {}
    for key in sorted(set(before) | set(after)):
        old, new = _jsonable(before.get(key)), _jsonable(after.get(key))
        if old != new:
            out[key] = [old, new]
    return out


def _object_ref(obj: models.Model | None) -> tuple[str, str, str]:
    if obj is None:
        return "", "", ""
    label = obj._meta.label_lower
    ident = getattr(obj, "code", None) or obj.pk
    return label, str(ident), str(obj)[:200]


def record_event(
    *,
    actor: Any,
    action: Action | str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    actor_label: str = "",
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction (if any)."""
    if obj is not None:
        object_type, object_id, object_repr = _object_ref(obj)
    if changes is None:
        changes = diff(before, after)
    ctx = current()
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    if not actor_label and actor is not None and getattr(actor, "is_authenticated", False):
        actor_label = actor.get_username()
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().get(pk=1)
        seq = head.last_seq + 1
        created = timezone.now()
        event = AuditEvent(
            seq=seq,
            created_at=created,
            actor_id=actor_id,
            actor_label=actor_label[:150],
            action=str(action),
            object_type=object_type[:80],
            object_id=object_id[:64],
            object_repr=object_repr[:200],
            changes=canonical_changes(changes),
            request_id=ctx.request_id[:64],
            source_ip=ctx.source_ip or "",
            channel=ctx.channel[:10],
            prev_hash=head.last_hash,
        )
        event.hash = event_hash(
            head.last_hash,
            canonical(
                seq=seq,
                created_at=time_text(created),
                actor_id=actor_id,
                actor_label=event.actor_label,
                action=event.action,
                object_type=event.object_type,
                object_id=event.object_id,
                object_repr=event.object_repr,
                changes=event.changes,
                request_id=event.request_id,
                source_ip=event.source_ip,
                channel=event.channel,
            ),
        )
        event.save(force_insert=True)
        digest = event.hash
        ChainHead.objects.filter(pk=1).update(last_seq=seq, last_hash=digest)
    return event


@dataclass(frozen=True)
class EventEntry:
    """One event of a batch (``record_events``): what ``record_event`` takes, without the
    actor, which a batch shares."""

    action: Action | str
    obj: models.Model
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    changes: dict[str, Any] | None = None


def record_events(*, actor: Any, entries: Sequence[EventEntry]) -> int:
    """Append many events of one actor at once (a bulk import): the same events, chained the
    same way as ``record_event`` writes them one by one, with the chain head locked once and
    the rows inserted in batches. Returns how many were written."""
    if not entries:
        return 0
    ctx = current()
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    actor_label = (
        actor.get_username()[:150]
        if actor is not None and getattr(actor, "is_authenticated", False)
        else ""
    )
    with transaction.atomic():
        head = ChainHead.objects.select_for_update().get(pk=1)
        seq, last_hash = head.last_seq, head.last_hash
        created = timezone.now()
        events = []
        for entry in entries:
            object_type, object_id, object_repr = _object_ref(entry.obj)
            changes = (
                entry.changes if entry.changes is not None else diff(entry.before, entry.after)
            )
            seq += 1
            event = AuditEvent(
                seq=seq,
                created_at=created,
                actor_id=actor_id,
                actor_label=actor_label,
                action=str(entry.action),
                object_type=object_type[:80],
                object_id=object_id[:64],
                object_repr=object_repr[:200],
                changes=canonical_changes(changes),
                request_id=ctx.request_id[:64],
                source_ip=ctx.source_ip or "",
                channel=ctx.channel[:10],
                prev_hash=last_hash,
            )
            event.hash = event_hash(
                last_hash,
                canonical(
                    seq=seq,
                    created_at=time_text(created),
                    actor_id=actor_id,
                    actor_label=event.actor_label,
                    action=event.action,
                    object_type=event.object_type,
                    object_id=event.object_id,
                    object_repr=event.object_repr,
                    changes=event.changes,
                    request_id=event.request_id,
                    source_ip=event.source_ip,
                    channel=event.channel,
                ),
            )
            last_hash = event.hash
            events.append(event)
        AuditEvent.objects.bulk_create(events, batch_size=500)
        ChainHead.objects.filter(pk=1).update(last_seq=seq, last_hash=last_hash)
    return len(events)


def verify_chain(*, batch_size: int = VERIFY_BATCH) -> VerifyResult:
    """Walk the whole chain in insertion order and name the first broken event, if any."""
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    # created_at is read as text: the driver's own datetime conversion would cost more than
    # the hashing (the verifier parses it once, in C, with datetime.fromisoformat).
    columns = ", ".join(
        f"CAST({connection.ops.quote_name(c)} AS TEXT)"
        if c == "created_at" and connection.vendor == "sqlite"
        else connection.ops.quote_name(c)
        for c in COLUMNS
    )
    walker = ChainWalker()

    def seq_exists(seq: int) -> bool:
        return AuditEvent.objects.filter(seq=seq).exists()

    with transaction.atomic():
        head = ChainHead.objects.get(pk=1)
        sql = f"SELECT {columns} FROM {table} ORDER BY id"  # noqa: S608 (no user input)
        if connection.vendor == "sqlite":
            # The bare DB-API cursor: Django's wrapper costs more per row than the hashing.
            connection.ensure_connection()
            cursor = connection.connection.cursor()
            try:
                cursor.execute(sql)
                while rows := cursor.fetchmany(batch_size):
                    if not walker.feed(rows, seq_exists):
                        break
            finally:
                cursor.close()
        else:
            # A server-side cursor on PostgreSQL: a million events never sit in memory at once.
            with connection.chunked_cursor() as cursor:
                cursor.execute(sql)
                while rows := cursor.fetchmany(batch_size):
                    if not walker.feed(rows, seq_exists):
                        break
    return walker.finish(head.last_seq, head.last_hash)
