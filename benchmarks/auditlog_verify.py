"""Benchmark: verify a chain of 1,000,000 audit events (target: >= 200,000 events/s on SQLite).

Usage: python benchmarks/auditlog_verify.py [--events N] [--runs R]
Uses a fresh SQLite database in a temporary directory unless DATABASE_URL is set (then that
database must be empty and disposable: the benchmark fills its audit table).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="fincloud-bench-")
    os.environ.setdefault("FINCLOUD_VAR_DIR", tmp)
    os.environ["DJANGO_SETTINGS_MODULE"] = "fincloud.web.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from fincloud.auditlog.chain import GENESIS_HASH, canonical, event_hash, time_text
    from fincloud.auditlog.models import ChainHead
    from fincloud.auditlog.services import verify_chain

    call_command("migrate", verbosity=0)
    vendor = connection.vendor
    print(f"database: {vendor}; filling {args.events:,} events ...", file=sys.stderr)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    prev = GENESIS_HASH
    sql = (
        "INSERT INTO auditlog_auditevent (seq, created_at, actor_id, actor_label, action, "
        "object_type, object_id, object_repr, changes, request_id, source_ip, channel, "
        "prev_hash, hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    )
    batch: list[tuple] = []
    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        for seq in range(1, args.events + 1):
            created = start + timedelta(milliseconds=seq * 37)
            fields = {
                "seq": seq,
                "created_at": time_text(created),
                "actor_id": seq % 50,
                "actor_label": f"user{seq % 50}",
                "action": "update",
                "object_type": "register.cloudservice",
                "object_id": f"{seq % 10000:08d}",
                "object_repr": f"雲端服務 {seq % 10000}",
                "changes": '{"status":["draft","in_use"]}',
                "request_id": f"{seq:032x}",
                "source_ip": "10.0.0.1",
                "channel": "web",
            }
            digest = event_hash(prev, canonical(**fields))
            batch.append(
                (
                    seq,
                    connection.ops.adapt_datetimefield_value(created),
                    fields["actor_id"],
                    fields["actor_label"],
                    "update",
                    fields["object_type"],
                    fields["object_id"],
                    fields["object_repr"],
                    fields["changes"],
                    fields["request_id"],
                    "10.0.0.1",
                    "web",
                    prev,
                    digest,
                )
            )
            prev = digest
            if len(batch) == 20_000:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)
        ChainHead.objects.filter(pk=1).update(last_seq=args.events, last_hash=prev)
    print(f"filled in {time.perf_counter() - t0:.1f} s", file=sys.stderr)

    timings = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        result = verify_chain()
        timings.append(time.perf_counter() - t0)
        assert result.ok and result.count == args.events, result
    median = statistics.median(timings)
    print(
        f"audit-log verify on {vendor}: {args.events:,} events; runs {len(timings)}; "
        f"median {median:.2f} s; {args.events / median:,.0f} events/s "
        f"(target >= 200,000 events/s); min {min(timings):.2f} s"
    )


if __name__ == "__main__":
    main()
