"""Benchmark: in-use oversight at scale (issue 8 speed targets).

Usage: python benchmarks/oversight_scale.py [--services 10000] [--outages 1000000]
           [--evidence 100000] [--requests 200] [--databases sqlite,postgresql]

For each database: a fresh one (a SQLite file in a temporary directory; on PostgreSQL a database
created beside the one DATABASE_URL names, or postgresql://fincloud:fincloud@127.0.0.1:5432/
fincloud when unset, dropped afterwards), `fincloud manage migrate`, `fincloud demo --services N
--csps 50 --seed 7` (the register's scale generator: every service with an availability target),
then, in a child process with that database:
- N outages inserted in bulk (spread over the last twelve months, 1 to 3 services each, 5 %
  planned, durations exponential: 98 % with a 40-second mean, 2 % with a 30-minute one), the
  services brought into use (test
  data: their approval reference is a placeholder), their review schedules computed by
  ``review_schedule_refresh``, 2,000 KPIs, and E evidence files' metadata (expiry dates spread
  over four years);
- the monthly attainment of every service for the last complete month by
  ``attainment_compute``: cold (every record new, breaches stored as determinations) and warm
  (recomputed, nothing changed), and the quarter;
then a real server (`fincloud manage runserver --noreload --nothreading`, DEBUG off) and one
client per scope signed in through the sign-in form: the calendar page (every app's deadlines
through fincloud.web.due), 5 warm-up and R timed requests each; p50 and p95.

Targets (issue 8): the monthly attainment for all services < 10 s; the calendar page p95 < 300 ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.cookiejar
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

FINCLOUD = str(Path(sys.executable).with_name("fincloud"))
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PG = "postgresql://fincloud:fincloud@127.0.0.1:5432/fincloud"
PG_NAME = "fincloud_bench_oversight"
ATTAINMENT_TARGET_S = 10.0
CALENDAR_TARGET_MS = 300.0
BATCH = 5000


# -- the child: data and the attainment timing, inside Django -----------------------------------


def _previous_month(today: dt.date) -> tuple[dt.date, str, str]:
    first = today.replace(day=1) - dt.timedelta(days=1)
    month = first.replace(day=1)
    return (
        month,
        f"{month.year:04d}-{month.month:02d}",
        f"{month.year:04d}-Q{(month.month - 1) // 3 + 1}",
    )


def _insert_outages(count: int, service_ids: list[int], user_id: int, end: dt.datetime) -> None:
    from django.db import connection

    from fincloud.oversight.models import Outage

    rng = random.Random(8)
    fields = {f.column: f for f in Outage._meta.concrete_fields}
    columns = [
        "id",
        "code",
        "title",
        "start",
        "end",
        "planned",
        "cause",
        "csp_reference",
        "source",
        "recorded_by_id",
        "recorded_at",
    ]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    insert_outage = f"INSERT INTO oversight_outage ({quoted}) VALUES ({placeholders})"  # noqa: S608
    insert_link = (
        "INSERT INTO oversight_outage_services (outage_id, cloudservice_id) VALUES (%s, %s)"
    )
    span = 365 * 24 * 3600
    start_of_year = end - dt.timedelta(seconds=span)
    now = fields["recorded_at"].get_db_prep_value(dt.datetime.now(dt.UTC), connection)
    first_id = (Outage.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    with connection.cursor() as cursor:
        rows: list[tuple[object, ...]] = []
        links: list[tuple[int, int]] = []
        for n in range(count):
            pk = first_id + n
            start = start_of_year + dt.timedelta(seconds=rng.randrange(span))
            # Mostly blips (40 s on average), one in fifty a longer incident (30 min on average).
            mean = 40 if rng.random() < 0.98 else 1800
            length = dt.timedelta(seconds=min(rng.expovariate(1 / mean), 36_000))
            rows.append(
                (
                    pk,
                    fields["code"].get_db_prep_value(
                        uuid.UUID(int=rng.getrandbits(128), version=4), connection
                    ),
                    "",
                    fields["start"].get_db_prep_value(start, connection),
                    fields["end"].get_db_prep_value(start + length, connection),
                    rng.random() < 0.05,
                    "",
                    "",
                    "csv",
                    user_id,
                    now,
                )
            )
            for service in {rng.choice(service_ids) for _ in range(rng.choice((1, 1, 1, 2, 3)))}:
                links.append((pk, service))
            if len(rows) >= BATCH:
                cursor.executemany(insert_outage, rows)
                cursor.executemany(insert_link, links)
                rows, links = [], []
        if rows:
            cursor.executemany(insert_outage, rows)
            cursor.executemany(insert_link, links)
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('oversight_outage', 'id'), "
                "(SELECT MAX(id) FROM oversight_outage))"
            )


def _bring_into_use(service_ids: list[int], today: dt.date) -> None:
    from django.contrib.contenttypes.models import ContentType

    from fincloud.register.models import CloudService

    rng = random.Random(9)
    CloudService.objects.filter(pk__in=service_ids).update(
        stage="in_use",
        use_approval_type=ContentType.objects.get_for_model(CloudService),
        use_approval_id="benchmark",
    )
    rows = [
        CloudService(pk=pk, started_on=today - dt.timedelta(days=rng.randint(30, 1500)))
        for pk in service_ids
    ]
    CloudService.objects.bulk_update(rows, ["started_on"], batch_size=BATCH)


def _indicators(service_ids: list[int], user_id: int, today: dt.date) -> None:
    from decimal import Decimal

    from django.utils import timezone

    from fincloud.oversight.models import Indicator

    rng = random.Random(10)
    rows = [
        Indicator(
            service_id=pk,
            kind="kpi",
            name=f"Availability {n}",
            direction="higher",
            green=Decimal("99.9"),
            amber=Decimal("99.5"),
            last_measured_on=today - dt.timedelta(days=rng.randint(0, 60)),
            last_status=rng.choice(["green", "green", "green", "amber", "red"]),
            next_due=today + dt.timedelta(days=rng.randint(-30, 90)),
            created_by_id=user_id,
            created_at=timezone.now(),
        )
        for n, pk in enumerate(rng.sample(service_ids, min(2000, len(service_ids))))
    ]
    Indicator.objects.bulk_create(rows, batch_size=BATCH)


def _evidence(count: int, user_id: int, today: dt.date) -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from fincloud.evidence.models import EvidenceFile
    from fincloud.evidence.services import blob_store
    from fincloud.register.demo import demo_pdf
    from fincloud.register.models import Document

    rng = random.Random(11)
    blob = blob_store(demo_pdf("oversight benchmark evidence"))
    owner_type = ContentType.objects.get_for_model(Document)
    owners = list(Document.objects.values_list("pk", flat=True)) or [1]
    now = timezone.now()
    batch: list[EvidenceFile] = []
    for n in range(count):
        effective = today - dt.timedelta(days=rng.randint(0, 1400))
        batch.append(
            EvidenceFile(
                owner_type=owner_type,
                owner_id=str(rng.choice(owners)),
                title=f"Evidence {n}",
                blob=blob,
                original_name="evidence.pdf",
                effective_date=effective,
                expiry_date=effective + dt.timedelta(days=rng.randint(30, 1460)),
                uploaded_by_id=user_id,
                uploaded_at=now,
            )
        )
        if len(batch) >= BATCH:
            EvidenceFile.objects.bulk_create(batch)
            batch = []
    EvidenceFile.objects.bulk_create(batch)


def child(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fincloud.web.settings")
    import django

    django.setup()
    from django.db import connection
    from django.utils import timezone

    from fincloud.oversight import services as svc
    from fincloud.oversight.models import AttainmentRecord
    from fincloud.people.models import User
    from fincloud.register.models import CloudService
    from fincloud.sla.attainment import parse_period

    today = timezone.localdate()
    _month, month_label, quarter_label = _previous_month(today)
    admin = User.objects.get(username="admin")
    service_ids = list(
        CloudService.objects.filter(availability_target__isnull=False).values_list("pk", flat=True)
    )
    figures: dict[str, object] = {
        "services_with_target": len(service_ids),
        "vendor": connection.vendor,
    }
    started = time.perf_counter()
    _insert_outages(args.outages, service_ids, admin.pk, parse_period(month_label).end)
    figures["insert_outages_s"] = time.perf_counter() - started
    _bring_into_use(service_ids, today)
    started = time.perf_counter()
    figures["schedules"] = svc.review_schedule_refresh()
    figures["schedule_refresh_s"] = time.perf_counter() - started
    _indicators(service_ids, admin.pk, today)
    started = time.perf_counter()
    _evidence(args.evidence, admin.pk, today)
    figures["insert_evidence_s"] = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    runs = {}
    for name, period in (
        ("month_cold", month_label),
        ("month_warm", month_label),
        ("quarter_cold", quarter_label),
    ):
        started = time.perf_counter()
        cpu = time.process_time()
        summary = svc.attainment_compute(period=period)
        runs[name] = {
            "period": period,
            "wall_s": time.perf_counter() - started,
            "cpu_s": time.process_time() - cpu,
            "services": summary.services,
            "breaches": summary.breaches,
            "changed": summary.changed,
            "determinations": summary.determinations,
            "figures_wall_s": summary.seconds_figures,
            "figures_cpu_s": summary.cpu_figures,
            "determinations_wall_s": summary.seconds_determinations,
            "determinations_cpu_s": summary.cpu_determinations,
        }
    warm = []
    for _ in range(args.runs):
        started = time.perf_counter()
        svc.attainment_compute(period=month_label)
        warm.append(time.perf_counter() - started)
    runs["month_warm_median_s"] = statistics.median(warm)
    figures["attainment"] = runs
    figures["outages_in_month"] = sum(1 for _ in svc._outage_rows(parse_period(month_label), None))
    figures["records"] = AttainmentRecord.objects.filter(period=month_label).count()
    print(json.dumps(figures))


# -- the parent: databases, the server, the calendar timing ---------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pg_admin(base: str, sql: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(base)
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


class Client:
    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> tuple[int, str]:
        with self.opener.open(self.base + path, timeout=120) as response:
            return response.status, response.read().decode()

    def sign_in(self, username: str, password: str) -> None:
        _, html = self.get("/people/sign-in")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert token, "no CSRF token on the sign-in page"
        data = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password}
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - our own http://127.0.0.1 server
            self.base + "/people/sign-in",
            data=data,
            headers={"Referer": self.base + "/people/sign-in"},
        )
        with self.opener.open(request, timeout=60) as response:
            assert "/people/sign-in" not in response.url, "sign-in failed"


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(q * (len(ordered) - 1))))]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [FINCLOUD, *args], env=env, cwd=ROOT, check=True, capture_output=True, text=True
    )
    return done.stdout


def _database(kind: str, var: Path) -> tuple[dict[str, str], str]:
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DEBUG"}}
    env.update({"FINCLOUD_VAR_DIR": str(var), "FINCLOUD_HTTPS": "0", "DEBUG": "0"})
    base_pg = os.environ.get("DATABASE_URL", "") or DEFAULT_PG
    if kind == "postgresql":
        _pg_admin(base_pg, f'DROP DATABASE IF EXISTS "{PG_NAME}"')
        _pg_admin(base_pg, f'CREATE DATABASE "{PG_NAME}"')
        parts = urllib.parse.urlsplit(base_pg)
        env["DATABASE_URL"] = urllib.parse.urlunsplit(parts._replace(path=f"/{PG_NAME}"))
    else:
        env["DATABASE_URL"] = f"sqlite:///{var}/bench.sqlite3"
    return env, base_pg


def _report_attainment(kind: str, args: argparse.Namespace, figures: dict, setup_s: float) -> None:
    att = figures["attainment"]
    month = att["month_cold"]["period"]
    print(
        f"\n== {kind}: {figures['services_with_target']:,} services with a target, "
        f"{args.outages:,} outages ({figures['outages_in_month']:,} in {month}), "
        f"{args.evidence:,} evidence files (setup {setup_s:.0f} s, outages inserted in "
        f"{figures['insert_outages_s']:.0f} s)"
    )
    print(
        f"  review schedules for {figures['schedules']:,} services in use: "
        f"{figures['schedule_refresh_s']:.2f} s"
    )
    for key in ("month_cold", "month_warm", "quarter_cold"):
        run = att[key]
        ok = "ok" if run["wall_s"] < ATTAINMENT_TARGET_S else "SLOW"
        print(
            f"  attainment {key:<13} {run['period']}: {run['wall_s']:6.2f} s wall, "
            f"{run['cpu_s']:6.2f} s CPU, {run['services']:,} services, {run['breaches']:,} "
            f"breaches, {run['determinations']:,} determinations  [target < "
            f"{ATTAINMENT_TARGET_S:.0f} s: {ok}]"
        )
        print(
            f"      of which the figures {run['figures_wall_s']:6.2f} s wall "
            f"({run['figures_cpu_s']:.2f} s CPU), the determinations "
            f"{run['determinations_wall_s']:6.2f} s wall ({run['determinations_cpu_s']:.2f} s CPU)"
        )
    median = att["month_warm_median_s"]
    print(f"  attainment month recomputed, median of {args.runs}: {median:.2f} s")


def _wait_for(url: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310
                return
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(log.read_text()) from None
            time.sleep(0.3)


def _measure_calendar(url: str, pid: int, logins: dict[str, str], requests: int) -> None:
    for label, username, query in (
        ("everyone's", "examiner", "?scope=all"),
        ("mine", "gov.officer", "?scope=mine"),
        ("unit's", "gov.officer", "?scope=unit"),
        ("next month", "examiner", f"?scope=all&month={_next_month()}"),
    ):
        client = Client(url)
        client.sign_in(username, logins[username])
        path = "/oversight/calendar/" + query
        for _ in range(5):
            client.get(path)
        times = []
        cpu_before = _cpu_seconds(pid)
        for _ in range(requests):
            started = time.perf_counter()
            status, html = client.get(path)
            times.append((time.perf_counter() - started) * 1000)
            if status != 200 or "calendar-grid" not in html:
                raise SystemExit(f"{path}: unexpected answer {status}")
        cpu_ms = (_cpu_seconds(pid) - cpu_before) * 1000 / requests
        p95 = _percentile(times, 0.95)
        ok = "ok" if p95 < CALENDAR_TARGET_MS else "SLOW"
        print(
            f"  calendar page ({label:<11}) p50 {statistics.median(times):6.1f} ms, p95 "
            f"{p95:6.1f} ms, server CPU {cpu_ms:5.1f} ms/request over {requests} requests  "
            f"[target p95 < {CALENDAR_TARGET_MS:.0f} ms: {ok}]"
        )


def bench_database(kind: str, args: argparse.Namespace) -> None:
    var = Path(tempfile.mkdtemp(prefix="fincloud-bench-oversight-"))
    env, base_pg = _database(kind, var)
    server = None
    log_path = var / "server.log"
    try:
        started = time.perf_counter()
        _run(env, "manage", "migrate", "--noinput", "-v0")
        _run(env, "manage", "collectstatic", "--noinput", "-v0")
        _run(
            env, "demo", "--quiet", "--services", str(args.services), "--csps", "50", "--seed", "7"
        )
        setup_s = time.perf_counter() - started
        child_args = ["--child", "--outages", str(args.outages), "--evidence", str(args.evidence)]
        done = subprocess.run(
            [sys.executable, __file__, *child_args, "--runs", str(args.runs)],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        _report_attainment(kind, args, json.loads(done.stdout.strip().splitlines()[-1]), setup_s)
        port = _free_port()
        with log_path.open("w") as log:
            server = subprocess.Popen(
                [
                    FINCLOUD,
                    "manage",
                    "runserver",
                    f"127.0.0.1:{port}",
                    "--noreload",
                    "--nothreading",
                ],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            url = f"http://127.0.0.1:{port}"
            _wait_for(url, server, log_path)
            logins = json.loads((var / "demo-logins.json").read_text())
            _measure_calendar(url, server.pid, logins, args.requests)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=20)
        if kind == "postgresql":
            _pg_admin(base_pg, f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        if args.keep and kind == "sqlite":
            print(f"  kept: FINCLOUD_VAR_DIR={var} DATABASE_URL={env['DATABASE_URL']}")
        else:
            shutil.rmtree(var, ignore_errors=True)


def _next_month() -> str:
    today = dt.date.today()  # noqa: DTZ011 - a month label for the query string only
    nxt = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return f"{nxt.year:04d}-{nxt.month:02d}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--outages", type=int, default=1_000_000)
    parser.add_argument("--evidence", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--keep", action="store_true", help="Keep the SQLite database and print where it is."
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    print("In-use oversight at scale (issue 8): attainment < 10 s, calendar p95 < 300 ms")
    print(f"(load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    for kind in args.databases.split(","):
        bench_database(kind.strip(), args)


if __name__ == "__main__":
    main()
