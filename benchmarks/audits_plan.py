"""Benchmark: regenerate the audit plan of every service of the 10,000-service demo.

Usage: python benchmarks/audits_plan.py [--services 10000] [--csps 50] [--runs 5]
                                        [--databases sqlite,postgresql]

For each database: a fresh database (a SQLite file in a temporary directory; on PostgreSQL a
database created beside the one DATABASE_URL names, or
postgresql://fincloud:fincloud@127.0.0.1:5432/fincloud when unset, dropped afterwards),
`fincloud manage migrate`, `fincloud demo --services N --csps M --seed 7`, then, in a child
process, `fincloud.audits.services.plan_regenerate` for all plannable services: the first
generation; --runs full regenerations (force=True: every plan computed and written again, the
previous determinations kept, no longer current: the worst case, which the target is about); a
regeneration with nothing changed (results equal to the current determinations are kept); and
one after the policy changes the interval of classes 3 and 4. Prints each run's wall and CPU
time (the machine is shared: the load average is printed too), the median of the full runs and
the target.

Target (issue 8 §4): the audit plan for all services regenerated in under 5 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

FINCLOUD = str(Path(sys.executable).with_name("fincloud"))
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PG = "postgresql://fincloud:fincloud@127.0.0.1:5432/fincloud"
PG_NAME = "fincloud_bench_audits"
TARGET_S = 5.0


def _pg_admin(base: str, sql: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(base)
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


def _run(env: dict[str, str], *args: str) -> None:
    subprocess.run([FINCLOUD, *args], env=env, cwd=ROOT, check=True, capture_output=True)


def _timed(label: str, **kwargs: object) -> float:
    from fincloud.audits.services import plan_regenerate

    wall0, cpu0 = time.perf_counter(), time.process_time()
    stats = plan_regenerate(actor=None, **kwargs)  # type: ignore[arg-type]
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    print(
        f"  {label:<24} {wall:6.2f} s wall, {cpu:5.2f} s CPU "
        f"({stats.planned:,} planned, {stats.written:,} written, {stats.overdue:,} overdue; "
        f"load {os.getloadavg()[0]:.1f})",
        flush=True,
    )
    return wall


def child(runs: int) -> None:
    """Runs inside the prepared database: time the regeneration."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fincloud.web.settings")
    import django

    django.setup()
    from django.db import connection

    from fincloud.audits.models import AuditPlanEntry, AuditPolicy
    from fincloud.audits.services import plannable_services
    from fincloud.determinations.models import Determination
    from fincloud.register.models import CloudService

    total = CloudService.objects.count()
    plannable = plannable_services().count()
    print(f"  services in the register: {total:,}; plannable (in scope, classified): {plannable:,}")
    _timed("first generation")
    # The worst case, and the target: every plan computed and written again.
    full = [_timed(f"full regeneration {i + 1}", force=True) for i in range(runs)]
    _timed("nothing changed")
    AuditPolicy.objects.update(class34_interval_months=36)
    _timed("policy 24 -> 36 months")
    median = statistics.median(full)
    entries = AuditPlanEntry.objects.count()
    dets = Determination.objects.filter(kind="audit_plan").count()
    print(
        f"  full regeneration median {median:.2f} s wall, "
        f"{median / max(entries, 1) * 1e6:.0f} µs a service; target < {TARGET_S:.0f} s: "
        f"{'met' if median < TARGET_S else 'NOT met'} ({connection.vendor})"
    )
    print(f"  plan rows: {entries:,}; audit_plan determinations kept: {dets:,}")


def bench(database: str, args: argparse.Namespace) -> None:
    var = Path(tempfile.mkdtemp(prefix="fincloud-bench-audits-"))
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG"}}
    env.update({"FINCLOUD_VAR_DIR": str(var), "FINCLOUD_HTTPS": "0", "DEBUG": "0"})
    pg_base = ""
    if database == "postgresql":
        pg_base = os.environ.get("DATABASE_URL", "") or DEFAULT_PG
        if not pg_base.startswith("postgres"):
            pg_base = DEFAULT_PG
        _pg_admin(pg_base, f'DROP DATABASE IF EXISTS "{PG_NAME}"')
        _pg_admin(pg_base, f'CREATE DATABASE "{PG_NAME}"')
        parts = urllib.parse.urlsplit(pg_base)
        env["DATABASE_URL"] = urllib.parse.urlunsplit(parts._replace(path=f"/{PG_NAME}"))
    else:
        env["DATABASE_URL"] = f"sqlite:///{var}/bench.sqlite3"
    try:
        print(f"{database}: preparing {args.services:,} services …", flush=True)
        start = time.perf_counter()
        _run(env, "manage", "migrate", "--noinput", "-v0")
        _run(env, "demo", "--quiet", "--services", str(args.services), "--csps", str(args.csps))
        print(f"  prepared in {time.perf_counter() - start:.0f} s", flush=True)
        subprocess.run(
            [sys.executable, __file__, "--child", "--runs", str(args.runs)],
            env=env,
            cwd=ROOT,
            check=True,
        )
    finally:
        shutil.rmtree(var, ignore_errors=True)
        if pg_base:
            _pg_admin(pg_base, f'DROP DATABASE IF EXISTS "{PG_NAME}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--csps", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.runs)
        return
    for database in args.databases.split(","):
        bench(database.strip(), args)


if __name__ == "__main__":
    main()
