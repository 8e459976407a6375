"""Benchmark: generating reports from a large register (issue 9 speed targets).

Usage: python benchmarks/reports_speed.py [--services 10000] [--csps 50] [--runs 5]
                                          [--databases sqlite,postgresql]

For each database: a fresh one (a SQLite file in a temporary directory; on PostgreSQL a database
created beside the one DATABASE_URL names, or postgresql://fincloud:fincloud@127.0.0.1:5432/
fincloud when unset, dropped afterwards), `fincloud manage migrate`, `fincloud demo --services N
--csps M --seed 7` (the demo institution with its assessed services, and N generated services).
Then, in a child process with that database, each report is generated --runs times in-process
by fincloud.reports.services.report_generate (what `fincloud report` runs: the request checked,
the run recorded, the file built, its SHA-256 in the audit log), wall clock and CPU time:
- the register export ("register") of every service, as XLSX and as CSV;
- the Annex 3 contract checklist ("annex3") as PDF for each demo service with a pre-use
  assessment (the complete, approved one and the classification-1 one in progress).
The first run includes the imports and the font loading of a fresh process; the median is
over all runs. Last, the whole command (`fincloud report NAME ... -o FILE`, Python's and
Django's start included) once per report.

Targets (issue 9): the register export of 10,000 services < 10 s (XLSX and CSV); an Annex 3
PDF < 3 s.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
import urllib.parse
from pathlib import Path
from typing import Any

FINCLOUD = str(Path(sys.executable).with_name("fincloud"))
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PG = "postgresql://fincloud:fincloud@127.0.0.1:5432/fincloud"
PG_NAME = "fincloud_bench_reports"
REGISTER_TARGET_S = 10.0
ANNEX3_TARGET_S = 3.0


# -- the child: in-process generation, inside Django ---------------------------------------------


def _subjects() -> list[tuple[str, str, str, float]]:
    """(report, format, the service's code or "", target) of every measured report."""
    from django.db.models import Count, Q

    from fincloud.register.models import CloudService

    assessed = (
        CloudService.objects.filter(assessments__isnull=False)
        .annotate(
            rows=Count("assessments__contract_rows"),
            judged=Count(
                "assessments__contract_rows",
                filter=~Q(assessments__contract_rows__judgement=""),
            ),
        )
        .order_by("-judged", "-rows", "name")
    )
    jobs: list[tuple[str, str, str, float]] = [
        ("register", "xlsx", "", REGISTER_TARGET_S),
        ("register", "csv", "", REGISTER_TARGET_S),
    ]
    jobs += [
        ("annex3", "pdf", str(s.code), ANNEX3_TARGET_S)
        for s in assessed[:2]  # the demo's two assessed services
    ]
    return jobs


def _label(service_code: str) -> str:
    from fincloud.register.models import CloudService

    if not service_code:
        services = CloudService.objects.count()
        return f"{services:,} services"
    from fincloud.assessments.selectors import current_assessment

    service = CloudService.objects.get(code=service_code)
    assessment = current_assessment(service)
    rows = list(assessment.contract_rows.values_list("judgement", flat=True)) if assessment else []
    judged = sum(1 for r in rows if r)
    return f"{service.name.split(' ', maxsplit=1)[0]}, {judged} of {len(rows)} rows judged"


def _check(name: str, fmt: str, data: bytes, services: int) -> str:
    """A generated file that is not what it claims fails the benchmark (no timing of errors)."""
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        if len(rows) - 1 != services:
            raise SystemExit(f"{name}.csv: {len(rows) - 1} rows for {services} services")
        return f"{len(rows) - 1:,} rows"
    if fmt == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(data), read_only=True)
        rows = sum(1 for _ in book.worksheets[0].iter_rows(values_only=True)) - 1
        if rows != services:
            raise SystemExit(f"{name}.xlsx: {rows} rows for {services} services")
        return f"{rows:,} rows"
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-1024:]:
        raise SystemExit(f"{name}.pdf: not a whole PDF")
    return "PDF"


def child(runs: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fincloud.web.settings")
    import django

    django.setup()
    from fincloud.register.models import CloudService
    from fincloud.reports.services import report_generate
    from fincloud.web.context import RequestContext, bound, new_request_id

    services = CloudService.objects.count()
    results = []
    with bound(RequestContext(request_id=new_request_id(), channel="cli")):
        for name, fmt, code, target in _subjects():
            walls, cpus = [], []
            data = b""
            for _run in range(runs):
                wall, cpu = time.perf_counter(), time.process_time()
                _, data = report_generate(
                    actor=None, name=name, fmt=fmt, subject_code=code or None, lang="zh-hant"
                )
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
            results.append(
                {
                    "name": name,
                    "fmt": fmt,
                    "code": code,
                    "label": _label(code),
                    "target": target,
                    "walls": walls,
                    "cpus": cpus,
                    "size": len(data),
                    "content": _check(name, fmt, data, services),
                }
            )
    print(json.dumps(results, ensure_ascii=False))


# -- the parent: databases, the child, the whole command -------------------------------------------


def _pg_admin(base: str, sql: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(base)
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [FINCLOUD, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )
    if done.returncode:
        raise SystemExit(f"fincloud {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def _database(kind: str, var: Path) -> tuple[dict[str, str], str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG"}}
    env.update({"FINCLOUD_VAR_DIR": str(var), "FINCLOUD_HTTPS": "0", "DEBUG": "0"})
    base_pg = os.environ.get("DATABASE_URL", "")
    if not base_pg.startswith(("postgres://", "postgresql://")):
        base_pg = DEFAULT_PG
    if kind == "postgresql":
        _pg_admin(base_pg, f'DROP DATABASE IF EXISTS "{PG_NAME}"')
        _pg_admin(base_pg, f'CREATE DATABASE "{PG_NAME}"')
        parts = urllib.parse.urlsplit(base_pg)
        env["DATABASE_URL"] = urllib.parse.urlunsplit(parts._replace(path=f"/{PG_NAME}"))
    else:
        env["DATABASE_URL"] = f"sqlite:///{var}/bench.sqlite3"
    return env, base_pg


def _whole_command(env: dict[str, str], item: dict[str, Any], out: Path) -> tuple[float, float]:
    target = out / f"{item['name']}.{item['fmt']}"
    args = ["report", item["name"], "--format", item["fmt"], "-o", str(target)]
    if item["code"]:
        args += ["--service", item["code"]]
    wall, cpu = time.perf_counter(), _children_cpu()
    _run(env, *args)
    return time.perf_counter() - wall, _children_cpu() - cpu


def bench(kind: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    var = Path(tempfile.mkdtemp(prefix="fincloud-bench-reports-"))
    env, base_pg = _database(kind, var)
    try:
        _run(env, "manage", "migrate", "--noinput", "-v0")
        started = time.perf_counter()
        _run(
            env,
            "demo",
            "--quiet",
            "--services",
            str(args.services),
            "--csps",
            str(args.csps),
            "--seed",
            "7",
        )
        print(f"  {kind}: demo loaded in {time.perf_counter() - started:.0f} s")
        if kind == "postgresql":
            import psycopg

            with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
                conn.execute("ANALYZE")
        done = subprocess.run(
            [sys.executable, __file__, "--child", "--runs", str(args.runs)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise SystemExit(f"the child failed:\n{done.stderr[-3000:]}")
        results: list[dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
        for item in results:
            item["cli_wall"], item["cli_cpu"] = _whole_command(env, item, var)
        return results
    finally:
        if kind == "postgresql":
            _pg_admin(base_pg, f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        shutil.rmtree(var, ignore_errors=True)


def _pad(text: str, width: int) -> str:
    """Left-justify to a display width (a CJK character takes two columns)."""
    shown = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - shown)


def _print(kind: str, results: list[dict[str, Any]], runs: int) -> None:
    print(
        f"\n{kind}: in-process report_generate ({runs} runs: median, its CPU, the first run) "
        "and the whole `fincloud report` command once\n"
        f"{'report':<16} {'subject':<34} {'target':>6} {'median s':>8} {'CPU s':>6} "
        f"{'first s':>7} ok  {'command s':>9} {'CPU s':>6} ok   size, content"
    )
    for r in results:
        median = statistics.median(r["walls"])
        print(
            f"{r['name'] + ' ' + r['fmt'].upper():<16} {_pad(r['label'], 34)} "
            f"{'<' + format(r['target'], '.0f') + ' s':>6} {median:8.2f} "
            f"{statistics.median(r['cpus']):6.2f} {r['walls'][0]:7.2f} "
            f"{'yes' if median < r['target'] else 'NO '} {r['cli_wall']:9.2f} {r['cli_cpu']:6.2f} "
            f"{'yes' if r['cli_wall'] < r['target'] else 'NO '}  "
            f"{r['size'] / 1024:,.0f} KB, {r['content']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--csps", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.runs)
        return
    print(
        f"reports: register export (< {REGISTER_TARGET_S:.0f} s) and Annex 3 PDF "
        f"(< {ANNEX3_TARGET_S:.0f} s), demo + {args.services:,} services / {args.csps} CSPs"
    )
    print(f"(load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    for kind in [d.strip() for d in args.databases.split(",") if d.strip()]:
        _print(kind, bench(kind, args), args.runs)
    print(f"\n(load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
