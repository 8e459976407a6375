"""`fincloud report NAME [--service CODE ...] --format FMT -o FILE` through Typer's CliRunner:
every report in every format it comes in writes a file that opens (openpyxl, python-docx, the
PDF's text, CSV) and holds the record it is about; the printed SHA-256 is the file's and the
audit log's. Bad input (an unknown report, an unknown record, a format the report lacks, a
record the report is not about, a person without the permission) exits 2 with one line on
standard error naming the flag."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re

import docx
import openpyxl
import pytest
from typer.testing import CliRunner

from fincloud.assessments import services as svc
from fincloud.auditlog.models import AuditEvent
from fincloud.audits import services as audits
from fincloud.cli import app
from fincloud.reports.models import ReportRun
from fincloud.reports.registry import REPORTS

from audits.factories_audits import classified
from reports.factories_reports import pdf_text

pytestmark = pytest.mark.django_db

AUDIT_TITLE = "2026年度雲端服務一般性查核"


@pytest.fixture
def records(personas, card):
    """The card service (classification 1, with its assessment), an audit of it, the manual's
    Annex 4 example."""
    auditor = personas["internal_auditor"]
    audit = audits.audit_plan(
        actor=auditor,
        service=classified("material_offshore", name="存款核心系統"),
        kind="general",
        title=AUDIT_TITLE,
        planned_start=dt.date(2026, 12, 1),
        planned_end=dt.date(2026, 12, 12),
        contact=personas["governance_officer"],
        arrangement="own",
        scope="資料備份與還原",
    )
    return {
        "service": card["service"],
        "audit": audit,
        "comparison": svc.comparison_load_a4_example(),
    }


def run_cli(*args: str):
    return CliRunner().invoke(app, ["report", *args])


# What each report is about (the flag that names it), its title, and what else it must hold
# from the database.
CASES = [
    ("annex2", "service", "建議檢核表（附件2）", lambda r: r["service"].name),
    ("annex3", "service", "CSP合約檢核表（附件3）", lambda r: r["service"].name),
    ("annex4", "comparison", "CSP合約檢核表2（附件4）", lambda r: r["comparison"].title),
    ("filing", "service", "主管機關申請書件", lambda r: r["service"].name),
    ("audit", "audit", AUDIT_TITLE, lambda r: r["audit"].service.name),
    ("register", None, "服務名稱", lambda r: str(r["service"].code)),
    ("board", None, "董事會摘要報告", lambda r: r["service"].csp.name),  # the concentration
]
PARAMS = [
    pytest.param(name, fmt, flag, title, holds, id=f"{name}-{fmt}")
    for name, flag, title, holds in CASES
    for fmt in REPORTS[name].formats
]


def test_every_report_and_format_is_covered():
    assert {tuple(p.values[:2]) for p in PARAMS} == {
        (s.name, f) for s in REPORTS.values() for f in s.formats
    }


def file_text(path, fmt: str) -> str:
    """The file opened by the library a reader would use, as text."""
    data = path.read_bytes()
    if fmt == "xlsx":
        book = openpyxl.load_workbook(path)
        return "\n".join(
            str(v) for ws in book.worksheets for r in ws.iter_rows(values_only=True) for v in r if v
        )
    if fmt == "docx":
        document = docx.Document(str(path))
        parts = [p.text for p in document.paragraphs]
        parts += [c.text for t in document.tables for r in t.rows for c in r.cells]
        return "\n".join(parts)
    if fmt == "pdf":
        assert data.startswith(b"%PDF-")
        return pdf_text(data, layout=False)
    assert fmt == "csv"
    return "\n".join(",".join(r) for r in csv.reader(io.StringIO(data.decode("utf-8-sig"))))


@pytest.mark.parametrize(("name", "fmt", "flag", "title", "holds"), PARAMS)
def test_writes_a_file_that_opens(records, tmp_path, name, fmt, flag, title, holds):  # noqa: PLR0917
    out = tmp_path / f"{name}.{fmt}"
    args = [name, "--format", fmt, "-o", str(out)]
    subject = records[flag] if flag else None
    if subject is not None:
        args += [f"--{flag}", str(subject.code)]
    result = run_cli(*args)
    assert result.exit_code == 0, result.stderr
    text = file_text(out, fmt)
    assert title in text
    assert holds(records) in text
    # The printed SHA-256 is the file's, and the audit log's (action export, by the CLI).
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert re.fullmatch(
        rf"fincloud-{name}\S*\.{fmt}: {out.stat().st_size} bytes, SHA-256 {digest}\n",
        result.stdout,
    )
    run = ReportRun.objects.get(report=name, fmt=fmt)
    assert (run.sha256, run.channel, run.stored, run.requested_by) == (digest, "cli", False, None)
    event = AuditEvent.objects.get(object_id=str(run.code), action="export")
    assert json.loads(event.changes)["sha256"] == [None, digest]


def test_user_option_records_who_generated_it(personas, records, tmp_path):
    out = tmp_path / "annex3.docx"
    result = run_cli(
        "annex3",
        "--service",
        str(records["service"].code),
        "--format",
        "docx",
        "--user",
        "legal",
        "--lang",
        "en",
        "-o",
        str(out),
    )
    assert result.exit_code == 0, result.stderr
    assert "CSP contract checklist (Annex 3)" in file_text(out, "docx")
    run = ReportRun.objects.get()
    assert run.requested_by == personas["legal"] and run.lang == "en"
    event = AuditEvent.objects.get(object_id=str(run.code), action="export")
    assert event.actor_id == personas["legal"].pk


def refused(*args: str, flag: str) -> str:
    result = run_cli(*args)
    assert result.exit_code == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"fincloud: error: {flag}"), lines[0]
    assert "Traceback" not in result.stderr
    return lines[0]


def test_bad_input_exits_2_naming_the_flag(personas, records, tmp_path):
    out = str(tmp_path / "x")
    service = str(records["service"].code)
    line = refused("annex9", "-o", out, flag="NAME:")
    assert "annex9" in line and "annex3" in line  # the known ones listed
    line = refused(
        "annex3", "--service", "1f0e0000-0000-4000-8000-000000000000", "-o", out, flag="--service:"
    )
    assert "1f0e0000-0000-4000-8000-000000000000" in line
    refused("annex3", "--service", "not-a-code", "-o", out, flag="--service:")
    refused("annex3", "-o", out, flag="--service:")  # it is about one service
    line = refused("register", "--format", "docx", "-o", out, flag="--format:")
    assert "xlsx/csv" in line and "docx" in line
    refused("board", "--format", "xlsx", "-o", out, flag="--format:")
    refused(
        "annex4",
        "--format",
        "pdf",
        "--comparison",
        str(records["comparison"].code),
        "-o",
        out,
        flag="--format:",
    )
    refused("register", "--service", service, "-o", out, flag="--service:")
    refused("annex3", "--audit", str(records["audit"].code), "-o", out, flag="--audit:")
    refused("board", "--quarter", "2026-Q5", "-o", out, flag="--quarter:")
    refused("register", "--lang", "fr", "-o", out, flag="--lang:")
    refused("register", "--user", "security", "-o", out, flag="--user:")
    refused("register", "--user", "no-such-person", "-o", out, flag="--user:")
    assert not ReportRun.objects.exists()
    assert not list(tmp_path.iterdir())


def test_the_filing_pack_of_a_service_not_classification_1(records, tmp_path):
    other = classified("non_material_offshore", name="行銷分析平台")
    line = refused(
        "filing",
        "--service",
        str(other.code),
        "--format",
        "docx",
        "-o",
        str(tmp_path / "f"),
        flag="--service:",
    )
    assert "行銷分析平台" in line and "非分級1" in line
