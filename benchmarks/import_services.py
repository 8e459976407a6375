"""Benchmark: importing 10,000 cloud services (with locations and sub-outsourcing) from a CSV.

Usage: python benchmarks/import_services.py [--services 10000] [--runs 3] [--database URL]

A fresh SQLite database in a temporary directory (or the PostgreSQL database --database names,
which must be empty), `fincloud manage migrate`, three units, the governance officer and three
CSPs made through the services, then a CSV of N new services of those CSPs, each with two
locations and every tenth with a two-link sub-outsourcing chain. Timed: the whole command
(`fincloud import services FILE --user gov.officer`) including Python's and Django's start,
wall clock and CPU (user + system: what it costs on a machine shared with others). First
--runs dry runs (every row checked, the services written through
register.service_create_many, then rolled back), then the real import (all or nothing, one
transaction, one audit event per record). Prints each time, the medians, and the target.

Target (issue 9 §3): 10,000 services in under 30 s.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FINCLOUD = str(Path(sys.executable).with_name("fincloud"))
ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 30.0
# The people, units and CSPs the file refers to, made through the services (not the whole demo,
# so that the benchmark measures the import alone).
SETUP = """
import json
from fincloud.people.roles import Role
from fincloud.people.services import ensure_role_groups, unit_create, user_create
from fincloud.register import services as register
ensure_role_groups()
units = [unit_create(actor=None, short_name=s, name_zh=z, name_en=e, kind='business')
         for s, z, e in [('retail', '個人金融', 'Retail'), ('cards', '信用卡', 'Cards'),
                         ('it', '資訊處', 'IT')]]
user_create(actor=None, username='gov.officer', password='bench-Password-1234!',
            unit=units[0], roles=[Role.GOVERNANCE_OFFICER])
register.institution_save(actor=None, institution_type='domestic_bank', name_zh='測試銀行',
                          business_number='86510007')
csps = [register.csp_create(actor=None, name=n, country=c).name
        for n, c in [('Nimbus Cloud Inc.', 'US'), ('Formosa Cloud', 'TW'), ('Sakura Cloud', 'JP')]]
print(json.dumps([[u.short_name for u in units], csps]))
"""
COUNTRIES = [("JP", "Tokyo"), ("SG", "Singapore"), ("TW", "Taipei"), ("US", "Virginia")]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FINCLOUD, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )


def _csv(path: Path, n: int, units: list[str], csps: list[str]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "name",
                "csp",
                "unit",
                "service_model",
                "business_process",
                "customer_data",
                "personal_data",
                "availability_target",
                "rto_minutes",
                "rpo_minutes",
                "locations",
                "sub_processors",
            ]
        )
        for i in range(n):
            (c1, r1), (c2, r2) = COUNTRIES[i % 4], COUNTRIES[(i + 1) % 4]
            chain = ""
            if i % 10 == 0:
                chain = (
                    f"DC {i} | {c1} | colocation | | {c1} {r1}; "
                    f"Backup {i} | {c2} | backup | DC {i} | {c2} {r2}"
                )
            out.writerow(
                [
                    f"Bulk service {i:05d}",
                    csps[i % len(csps)],
                    units[i % len(units)],
                    ["IaaS", "PaaS", "SaaS"][i % 3],
                    f"Process {i % 50}",
                    "yes" if i % 2 else "no",
                    "yes" if i % 3 else "no",
                    "99.95",
                    str(60 + i % 240),
                    str(15 + i % 60),
                    f"{c1} {r1} (both); {c2} {r2} (backup)",
                    chain,
                ]
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fincloud-bench-import-") as tmp:
        var = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE"}}
        env.update(
            {
                "FINCLOUD_VAR_DIR": str(var),
                "FINCLOUD_HTTPS": "0",
                "DATABASE_URL": args.database or f"sqlite:///{var}/bench.sqlite3",
            }
        )
        done = _run(["manage", "migrate", "--noinput", "-v0"], env)
        if done.returncode:
            sys.stderr.write(done.stderr)
            return 1
        setup = _run(["manage", "shell", "-c", SETUP], env)
        if setup.returncode:
            sys.stderr.write(setup.stderr)
            return 1
        units, csps = json.loads(setup.stdout.strip().splitlines()[-1])
        data = var / "services.csv"
        _csv(data, args.services, units, csps)
        size = data.stat().st_size / 1024 / 1024
        print(
            f"import of {args.services} services ({size:.1f} MB CSV), database "
            f"{'PostgreSQL' if args.database.startswith('postgres') else 'SQLite'}"
        )
        command = ["import", "services", str(data), "--user", "gov.officer", "--format", "json"]
        dry, cpu = [], []
        for run in range(args.runs):
            started, cpu_started = time.perf_counter(), _cpu()
            done = _run([*command, "--dry-run"], env)
            took = time.perf_counter() - started
            cpu.append(_cpu() - cpu_started)
            if done.returncode:
                sys.stderr.write(done.stdout[-2000:] + done.stderr[-2000:])
                return 1
            dry.append(took)
            print(f"  dry run {run + 1}: {took:.1f} s (CPU {cpu[-1]:.1f} s)")
        started, cpu_started = time.perf_counter(), _cpu()
        done = _run(command, env)
        real = time.perf_counter() - started
        real_cpu = _cpu() - cpu_started
        if done.returncode:
            sys.stderr.write(done.stdout[-2000:] + done.stderr[-2000:])
            return 1
        print(f"  import:    {real:.1f} s (CPU {real_cpu:.1f} s; all rows in one transaction)")
        median = statistics.median(dry)
        print(
            f"median dry run {median:.1f} s (CPU {statistics.median(cpu):.1f} s), import "
            f"{real:.1f} s (CPU {real_cpu:.1f} s); target < {TARGET_S:.0f} s: "
            f"{'met' if max(median, real) < TARGET_S else 'NOT met'} "
            f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
