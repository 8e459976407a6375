"""The register export (XLSX and CSV) read back against the database: one row per service with
its classification, processing and storage locations, CSP, sub-outsourcing chain, SLA target,
RTO/RPO and stage; a cell a spreadsheet would run as a formula (= + - @) is escaped with an
apostrophe in both formats, so that opening the file runs nothing."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest

from fincloud.register import services as register
from fincloud.register.models import CloudService
from fincloud.reports.services import report_generate

from assessments.factories_assessments import csp, institution, service
from audits.factories_audits import classified
from reports.factories_reports import sha256

pytestmark = pytest.mark.django_db

INJECTION = "=cmd|' /C calc'!A0"
AT_SUM = "@SUM(1)"
MINUS = "-2+3 舊系統"
PLUS = "+886 2 2345 6789 專線"
HEADERS = {
    "code": "代碼",
    "name": "服務名稱",
    "csp": "雲端服務業者",
    "description": "說明",
    "availability_target": "可用性目標（%）",
    "rto_minutes": "RTO（分鐘）",
    "rpo_minutes": "RPO（分鐘）",
    "locations": "資料處理及儲存地點",
    "sub_processors": "複委託",
    "stage": "階段",
    "classification": "分級",
}


@pytest.fixture
def services(personas):
    """Four services: one with a two-link sub-outsourcing chain and locations in two countries,
    two classified in use (one named like a spreadsheet command), one named "@SUM(1)"."""
    institution()
    unit = personas["governance_officer"].unit
    nimbus = csp("Nimbus Cloud", "US", certs=False)
    chained = service(
        nimbus,
        unit,
        name="網路銀行前台",
        countries=("JP", "SG"),
        availability_target=Decimal("99.9"),
        rto_minutes=120,
        rpo_minutes=15,
        description=PLUS,
    )
    register.location_add(
        actor=None, service=chained, country="TW", region="Taipei", role="storage"
    )
    first = register.sub_processor_add(
        actor=None,
        service=chained,
        name="Kumo Data Centre",
        country="JP",
        function="機房代管",
        locations=[register.LocationInput("JP", "Osaka")],
    )
    register.sub_processor_add(
        actor=None, service=chained, name="Backup Co", country="SG", function="備份", parent=first
    )
    injected = classified(
        "material_offshore", name=INJECTION, availability_target=Decimal("99.95"), rto_minutes=30
    )
    domestic = classified("domestic", name="內部人資系統", stage="after_use", description=MINUS)
    at_sum = service(nimbus, unit, name=AT_SUM, countries=("US",))
    return [chained, injected, domestic, at_sum]


def generate(personas, fmt):
    return report_generate(actor=personas["risk"], name="register", fmt=fmt)


def csv_table(data: bytes) -> list[dict[str, str]]:
    assert data.startswith("\ufeff".encode())  # a BOM, so that Excel reads UTF-8
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def xlsx_table(data: bytes) -> tuple[list[dict[str, str]], openpyxl.worksheet.worksheet.Worksheet]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book.worksheets[0]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    header = rows[0]
    return [
        dict(zip(header, ("" if v is None else v for v in r), strict=True)) for r in rows[1:]
    ], ws


def unescape(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:2] in "=+-@" else value


def locations_of(text: str) -> set[tuple[str, str, str]]:
    """ "JP (both); TW Taipei (storage)" -> {("JP", "", "both"), ("TW", "Taipei", "storage")}"""
    out = set()
    for part in filter(None, text.split("; ")):
        head, role = part.rsplit(" (", 1)
        country, _sep, region = head.partition(" ")
        out.add((country, region, role.rstrip(")")))
    return out


def chain_of(text: str) -> set[tuple[str, ...]]:
    """ "name | country | function | parent | locations; ..." as tuples."""
    return {tuple(part.split(" | ")) for part in filter(None, text.split("; "))}


def check_against_database(rows: list[dict[str, str]]) -> None:
    by_code = {r[HEADERS["code"]]: r for r in rows}
    services = CloudService.objects.select_related("csp").prefetch_related(
        "locations__sub_processor", "sub_processors__parent"
    )
    assert set(by_code) == {str(s.code) for s in services}
    for s in services:
        row = {k: unescape(by_code[str(s.code)][h]) for k, h in HEADERS.items()}
        assert row["name"] == s.name
        assert row["csp"] == s.csp.name
        assert row["classification"] == s.classification
        assert row["stage"] == s.stage
        assert row["description"] == s.description
        target = s.availability_target
        assert row["availability_target"] == (
            "" if target is None else format(target.normalize(), "f")
        )
        assert row["rto_minutes"] == ("" if s.rto_minutes is None else str(s.rto_minutes))
        assert row["rpo_minutes"] == ("" if s.rpo_minutes is None else str(s.rpo_minutes))
        own = {
            (loc.country, loc.region, loc.role)
            for loc in s.locations.all()
            if loc.sub_processor_id is None
        }
        assert locations_of(row["locations"]) == own, s.name
        chain = set()
        for sub in s.sub_processors.all():
            where = ", ".join(
                sorted(
                    f"{loc.country} {loc.region}".strip()
                    for loc in s.locations.all()
                    if loc.sub_processor_id == sub.pk
                )
            )
            parent = sub.parent.name if sub.parent is not None else ""
            chain.add((sub.name, sub.country, sub.function, parent, where))
        assert chain_of(row["sub_processors"]) == chain, s.name


def test_csv_every_service_against_the_database(personas, services):
    run, data = generate(personas, "csv")
    rows = csv_table(data)
    assert len(rows) == 4
    assert list(rows[0])[:3] == ["代碼", "服務名稱", "雲端服務業者"]
    check_against_database(rows)
    by_name = {unescape(r["服務名稱"]): r for r in rows}
    chained = by_name["網路銀行前台"]
    assert locations_of(chained["資料處理及儲存地點"]) == {
        ("JP", "", "both"),
        ("SG", "", "both"),
        ("TW", "Taipei", "storage"),
    }
    assert chain_of(chained["複委託"]) == {
        ("Kumo Data Centre", "JP", "機房代管", "", "JP Osaka"),
        ("Backup Co", "SG", "備份", "Kumo Data Centre", ""),
    }
    assert by_name[INJECTION]["分級"] == "material_offshore"
    assert by_name["內部人資系統"]["階段"] == "after_use"
    assert run.sha256 == sha256(data)


def test_csv_escapes_formula_cells(personas, services):
    _run, data = generate(personas, "csv")
    names = [r["服務名稱"] for r in csv_table(data)]
    assert "'" + INJECTION in names and "'" + AT_SUM in names
    assert INJECTION not in names and AT_SUM not in names
    descriptions = {r["說明"] for r in csv_table(data)}
    assert {"'" + PLUS, "'" + MINUS} <= descriptions
    # Nothing in the file starts a cell with a formula trigger.
    for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))):
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), row


def test_xlsx_every_service_against_the_database_and_escaped(personas, services):
    _run, data = generate(personas, "xlsx")
    rows, ws = xlsx_table(data)
    assert len(rows) == 4
    check_against_database(rows)
    names = [r["服務名稱"] for r in rows]
    assert "'" + INJECTION in names and "'" + AT_SUM in names
    # openpyxl reads a formula back as data type "f": no cell of the file is one.
    cells = [c for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert not any(
        isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@")) for c in cells
    )


def test_english_headers(personas, services):
    _run, data = report_generate(actor=personas["risk"], name="register", fmt="csv", lang="en")
    rows = csv_table(data)
    assert list(rows[0])[:3] == ["Code", "Service name", "Cloud service provider"]
    assert {"Classification", "Stage", "RTO (minutes)", "Sub-outsourcing"} <= set(rows[0])
