"""Round trip: the register exported in the import's columns, imported into an empty register,
exported again, is the same (issue 9 §3)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.utils import translation

from fincloud.api.imports import import_file
from fincloud.api.imports.exporting import export
from fincloud.api.imports.kinds import HANDLERS
from fincloud.register import services as register
from fincloud.register.models import (
    CloudService,
    CloudServiceProvider,
    ServiceLocation,
    SubProcessor,
)

from assessments.factories_assessments import institution

L = register.LocationInput


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def populated(personas):
    institution()
    gov, legal = personas["governance_officer"], personas["legal"]
    nimbus = register.csp_create(
        actor=gov,
        name="Nimbus Cloud",
        country="US",
        website="https://cloud.example.com",
        note='=HYPERLINK("x") is how their portal names it',  # text that looks like a formula
    )
    formosa = register.csp_create(actor=gov, name="星雲雲端股份有限公司", country="TW")
    card = register.service_create(
        actor=gov,
        name="信用卡授權核心系統 Card authorisation core",
        csp=nimbus,
        unit=gov.unit,
        owner=legal,
        service_model="IaaS",
        deployment_model="private",
        business_process="信用卡授權與清算",
        information_system="CARD-AUTH",
        description="Line one, with a comma; and a semicolon",
        involves_license_business=True,
        customer_data=True,
        personal_data=True,
        consumer_finance_system=True,
        availability_target=Decimal("99.99"),
        rto_minutes=60,
        rpo_minutes=5,
        planned_start=dt.date(2026, 7, 1),
        annual_spend_twd=Decimal("12000000"),
        data_records=2_500_000,
        locations=[L("JP", "Tokyo"), L("SG", "Singapore", "backup")],
    )
    dc = register.sub_processor_add(
        actor=gov,
        service=card,
        name="Equinix SG",
        country="SG",
        function="colocation",
        locations=[L("SG", "Singapore")],
    )
    register.sub_processor_add(
        actor=gov,
        service=card,
        name="Tape Vault",
        country="JP",
        function="offline backup",
        parent=dc,
        locations=[L("JP", "Osaka", "backup")],
    )
    register.service_create(
        actor=gov,
        name="Mail",
        csp=formosa,
        unit=personas["risk"].unit,
        service_model="SaaS",
        business_process="內部行政",
        exclusion="internal_collaboration",
        csp_processes_or_stores_data=False,
        locations=[L("TW", "Changhua")],
    )
    return gov


def _rows(data: bytes, fmt: str) -> list[list[str]]:
    if fmt == "csv":
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def _empty_the_register() -> None:
    ServiceLocation.objects.all().delete()
    SubProcessor.objects.filter(parent__isnull=False).delete()
    SubProcessor.objects.all().delete()
    CloudService.objects.all().delete()
    CloudServiceProvider.objects.all().delete()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_export_import_export_is_the_same(populated, fmt, lang):
    gov = populated
    columns = {kind: HANDLERS[kind]().columns for kind in ("csps", "services")}
    before = {kind: export(kind, columns[kind], lang, fmt) for kind in columns}
    assert "'=HYPERLINK" in before["csps"].decode("utf-8-sig", "replace") or fmt == "xlsx"
    _empty_the_register()
    assert not CloudService.objects.exists()
    for kind in ("csps", "services"):
        report = import_file(
            kind=kind, data=before[kind], file_name=f"{kind}.{fmt}", actor=gov, dry_run=False
        )
        assert report.applied, report.to_dict("en")["errors"]
    after = {kind: export(kind, columns[kind], lang, fmt) for kind in columns}
    for kind in columns:
        assert _rows(after[kind], fmt) == _rows(before[kind], fmt), kind
    card = CloudService.objects.get(name__startswith="信用卡")
    assert card.sub_processors.get(name="Tape Vault").parent.name == "Equinix SG"
    assert CloudServiceProvider.objects.get(name="Nimbus Cloud").note.startswith("=HYPERLINK")
    # Imported a second time, nothing changes.
    report = import_file(
        kind="services", data=after["services"], file_name="again", actor=gov, dry_run=True
    )
    assert {o.action for _, o in report.outcomes} == {"unchanged"}
