"""Canonical form, hashing and verification of the audit chain.

``hash = sha256(prev_hash + canonical_json(event))`` where the canonical JSON has sorted keys,
no insignificant whitespace, UTF-8 text (orjson), the time in UTC with microseconds, and the
``changes`` object as stored (it is itself canonical JSON, written by ``canonical_changes``).

The verifier walks the events in insertion order (primary key) and names the first problem:
- ``changed``: the event's content no longer hashes to its stored hash, or its link to the
  previous event's hash is broken;
- ``removed``: a sequence number is missing (also at the end, compared with the chain head);
- ``reordered``: sequence numbers appear out of order.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import orjson

GENESIS_HASH = "0" * 64
_SORT = orjson.OPT_SORT_KEYS
_Fragment = orjson.Fragment

# The columns the verifier reads, in this order.
COLUMNS = (
    "id",
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
)


def canonical_changes(changes: dict[str, Any]) -> str:
    return orjson.dumps(changes, option=_SORT, default=str).decode()


def time_text(value: datetime | str) -> str:
    """UTC time as ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` from a datetime or a database string."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="microseconds") + "Z"


def canonical(
    *,
    seq: int,
    created_at: str,
    actor_id: int | None,
    actor_label: str,
    action: str,
    object_type: str,
    object_id: str,
    object_repr: str,
    changes: str,
    request_id: str,
    source_ip: str | None,
    channel: str,
) -> bytes:
    return orjson.dumps(
        {
            "seq": seq,
            "created_at": created_at,
            "actor_id": actor_id,
            "actor": actor_label,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "object_repr": object_repr,
            "changes": _Fragment(changes),
            "request_id": request_id,
            "source_ip": source_ip,
            "channel": channel,
        },
        option=_SORT,
    )


def event_hash(prev_hash: str, body: bytes) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + body).hexdigest()


Problem = Literal["changed", "removed", "reordered"]


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    count: int
    last_seq: int
    problem: Problem | None = None
    event_id: int | None = None
    seq: int | None = None
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "count": self.count,
            "last_seq": self.last_seq,
            "problem": self.problem,
            "event_id": self.event_id,
            "seq": self.seq,
            "reason": self.reason,
        }


class ChainWalker:
    """Feed rows (tuples in ``COLUMNS`` order) in primary-key order; stops at the first problem.

    ``seq_exists`` answers whether a sequence number is stored anywhere (to tell a removed
    event from a reordered one).
    """

    def __init__(self, *, start_seq: int = 0, start_hash: str = GENESIS_HASH) -> None:
        self.expected_seq = start_seq + 1
        self.prev_hash = start_hash
        self.count = 0
        self.failure: VerifyResult | None = None
        self._pending_gap: tuple[int, int, int] | None = None

    def feed(self, rows: list[tuple[Any, ...]], seq_exists: Any) -> bool:
        """Check a batch; return False once a problem is found.

        This loop is the verifier's hot path (a million events in a few seconds), so it is
        written flat: no helper calls per row except for unusual time formats.
        """
        expected = self.expected_seq
        prev_hash = self.prev_hash
        count = self.count
        dumps = orjson.dumps
        sha256 = hashlib.sha256
        fragment = _Fragment
        for row in rows:
            (
                pk,
                seq,
                created_at,
                actor_id,
                actor_label,
                action,
                object_type,
                object_id,
                object_repr,
                changes,
                request_id,
                source_ip,
                channel,
                row_prev,
                row_hash,
            ) = row
            if seq != expected:
                self._fail_sequence(pk, seq, expected, seq_exists, count)
                return False
            if row_prev != prev_hash:
                self.count = count
                self.failure = VerifyResult(
                    ok=False,
                    count=count,
                    last_seq=expected - 1,
                    problem="changed",
                    event_id=pk,
                    seq=seq,
                    reason=f"event {pk} (seq {seq}) does not link to the previous event's hash",
                )
                return False
            # SQLite returns Django's naive-UTC text; take the fast path for its two shapes.
            if created_at.__class__ is str and created_at[10:11] == " ":
                if len(created_at) == 26:
                    created_at = created_at.replace(" ", "T", 1) + "Z"
                elif len(created_at) == 19:
                    created_at = created_at.replace(" ", "T", 1) + ".000000Z"
                else:
                    created_at = time_text(created_at)
            else:
                created_at = time_text(created_at)
            body = dumps(
                {
                    "seq": seq,
                    "created_at": created_at,
                    "actor_id": actor_id,
                    "actor": actor_label,
                    "action": action,
                    "object_type": object_type,
                    "object_id": object_id,
                    "object_repr": object_repr,
                    "changes": fragment(changes),
                    "request_id": request_id,
                    "source_ip": source_ip,
                    "channel": channel,
                },
                option=_SORT,
            )
            if sha256(prev_hash.encode("ascii") + body).hexdigest() != row_hash:
                self.count = count
                self.failure = VerifyResult(
                    ok=False,
                    count=count,
                    last_seq=expected - 1,
                    problem="changed",
                    event_id=pk,
                    seq=seq,
                    reason=f"event {pk} (seq {seq}): content changed (hash does not match)",
                )
                return False
            prev_hash = row_hash
            expected += 1
            count += 1
        self.expected_seq = expected
        self.prev_hash = prev_hash
        self.count = count
        return True

    def _fail_sequence(self, pk: int, seq: int, expected: int, seq_exists: Any, count: int) -> None:
        self.count = count
        if seq < expected or seq_exists(expected):
            self.failure = VerifyResult(
                ok=False,
                count=count,
                last_seq=expected - 1,
                problem="reordered",
                event_id=pk,
                seq=seq,
                reason=f"event {pk} carries seq {seq} where seq {expected} was expected: "
                "events are out of order",
            )
        else:
            missing = f"seq {expected}" if seq == expected + 1 else f"seq {expected}..{seq - 1}"
            self.failure = VerifyResult(
                ok=False,
                count=count,
                last_seq=expected - 1,
                problem="removed",
                event_id=pk,
                seq=seq,
                reason=f"event(s) {missing} removed before event {pk} (seq {seq})",
            )

    def finish(self, head_seq: int, head_hash: str) -> VerifyResult:
        if self.failure is not None:
            return self.failure
        last = self.expected_seq - 1
        if head_seq > last:
            return VerifyResult(
                ok=False,
                count=self.count,
                last_seq=last,
                problem="removed",
                event_id=None,
                seq=last + 1,
                reason=f"event(s) seq {last + 1}..{head_seq} removed from the end of the chain "
                f"(the chain head records seq {head_seq})",
            )
        if head_seq < last:
            return VerifyResult(
                ok=False,
                count=self.count,
                last_seq=last,
                problem="changed",
                seq=head_seq + 1,
                reason=f"events seq {head_seq + 1}..{last} lie beyond the chain head (seq "
                f"{head_seq}): they were not written by the application",
            )
        if head_hash != self.prev_hash:
            return VerifyResult(
                ok=False,
                count=self.count,
                last_seq=last,
                problem="changed",
                seq=last,
                reason=f"the last event (seq {last}) does not match the chain head's hash",
            )
        return VerifyResult(ok=True, count=self.count, last_seq=last)
