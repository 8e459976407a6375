"""Bulk import: dry run, all or nothing, every error with row and column, templates in both
languages, and the bad inputs of issue 9 (wrong columns, Big5, formula injection, 100 MB)."""

from __future__ import annotations

import io
import uuid

import openpyxl
import pytest
from django.utils import translation

from fincloud.api.imports import import_file
from fincloud.api.imports.kinds import HANDLERS
from fincloud.api.imports.template_files import template_csv, template_xlsx
from fincloud.auditlog.models import AuditEvent
from fincloud.oversight.models import Outage
from fincloud.register import services as register
from fincloud.register.models import CloudService, CloudServiceProvider, ServiceLocation

CSP_ZH = "名稱,國家,簽約管道,網站\r\n"
SERVICE_HEADER = (
    "code,name,csp,unit,service_model,business_process,customer_data,personal_data,"
    "availability_target,rto_minutes,locations,sub_processors\n"
)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def gov(personas):
    return personas["governance_officer"]


def run(kind, text, actor, *, dry_run=False, name="file.csv", encoding="utf-8"):
    data = text.encode(encoding) if isinstance(text, str) else text
    return import_file(kind=kind, data=data, file_name=name, actor=actor, dry_run=dry_run)


def errors(report):
    return [(e.row, e.column, e.rule) for e in report.errors]


# -- CSPs ------------------------------------------------------------------------------------


def test_a_dry_run_shows_what_would_be_created_and_stores_nothing(gov):
    text = (
        CSP_ZH
        + "Nimbus Cloud,US,direct,https://cloud.example.com\r\n星雲雲端,TW,與雲端服務業者直接簽約,\r\n"
    )
    events = AuditEvent.objects.count()
    report = run("csps", text, gov, dry_run=True)
    assert report.ok and not report.applied
    assert [(n, o.action, o.label) for n, o in report.outcomes] == [
        (2, "created", "Nimbus Cloud"),
        (3, "created", "星雲雲端"),
    ]
    assert not CloudServiceProvider.objects.exists()
    assert AuditEvent.objects.count() == events
    report = run("csps", text, gov)
    assert report.applied
    assert CloudServiceProvider.objects.get(name="星雲雲端").channel == "direct"
    # Each CSP's own event (through register.csp_create) and one event for the import.
    assert AuditEvent.objects.filter(object_type="register.cloudserviceprovider").count() == 2
    summary = AuditEvent.objects.get(object_type="api.import")
    assert summary.object_id == report.sha256 and summary.actor_label == "governance_officer"
    assert '"created":[null,2]' in summary.changes.replace(" ", "")


def test_a_second_import_changes_only_what_differs(gov):
    run("csps", CSP_ZH + "Nimbus Cloud,US,direct,https://a.example.com\r\n", gov)
    report = run(
        "csps",
        CSP_ZH + "Nimbus Cloud,JP,direct,https://a.example.com\r\nOther,TW,direct,\r\n",
        gov,
        dry_run=True,
    )
    assert report.ok
    outcomes = {o.label: o for _, o in report.outcomes}
    assert outcomes["Nimbus Cloud"].action == "updated"
    assert outcomes["Nimbus Cloud"].changes == {"country": ["US", "JP"]}
    assert outcomes["Other"].action == "created"
    again = run("csps", CSP_ZH + "Nimbus Cloud,US,direct,https://a.example.com\r\n", gov)
    assert [o.action for _, o in again.outcomes] == ["unchanged"]


def test_all_or_nothing_and_every_error_with_row_and_column(gov):
    text = (
        "name,country,channel,partner_name\n"
        "Good Cloud,US,direct,\n"  # row 2 is fine
        "Bad Country,ZZ,direct,\n"  # row 3: not a country (the register's validator)
        "Reseller Cloud,TW,partner,ACME\n"  # row 4: partner needs its addendum (Ch 3.3)
        "Odd Channel,TW,carrier pigeon,\n"  # row 5: not a channel
        "Good Cloud,JP,direct,\n"  # row 6: the same CSP as row 2
    )
    report = run("csps", text, gov)
    assert not report.applied
    assert errors(report) == [
        (3, "country", "country"),
        (4, "channel", "addendum_required"),
        (5, "channel", "choice"),
        (6, None, "duplicate_row"),
    ]
    assert not CloudServiceProvider.objects.exists()
    assert not AuditEvent.objects.filter(
        object_type__in=["api.import", "register.cloudserviceprovider"]
    )
    message = next(e for e in report.errors if e.row == 4).en
    assert message == str(register.RESELLER_NEEDS_ADDENDUM)


def test_wrong_columns_are_named_and_nothing_is_read(gov):
    report = run("csps", "name,colour,website\nNimbus,blue,\n", gov)
    rules = [e.rule for e in report.errors]
    assert rules == ["unknown_column", "missing_columns", "expected_columns"]
    assert report.errors[0].column == "colour"
    assert "Country (country)" in report.errors[1].en
    assert "國家" in report.errors[1].zh
    assert report.rows == 0 and not CloudServiceProvider.objects.exists()


def test_a_big5_file_is_recognised_and_named(gov):
    report = run("csps", CSP_ZH + "星雲雲端,TW,direct,\r\n", gov, encoding="cp950")
    assert [e.rule for e in report.errors] == ["encoding_big5"]
    assert "Big5" in report.errors[0].en and "UTF-8" in report.errors[0].en
    assert "Big5" in report.errors[0].zh
    assert not CloudServiceProvider.objects.exists()
    # Other bytes that are not UTF-8 are named by position.
    report = run("csps", b"name,country\n\xff\xfe\xfa,TW\n", gov)
    assert [e.rule for e in report.errors] == ["encoding"]
    assert report.errors[0].row == 2


def test_a_formula_cell_is_refused_and_an_escaped_one_is_text(gov):
    text = "name,country,note\nEvil Cloud,US,=cmd|' /C calc'!A0\n@SUM(1+1),US,\n"
    report = run("csps", text, gov)
    assert errors(report) == [(2, "note", "formula"), (3, "name", "formula")]
    assert "formula" in report.errors[0].en and "公式" in report.errors[0].zh
    assert not CloudServiceProvider.objects.exists()
    # Our own exports escape such text with an apostrophe (web.spreadsheet.safe_cell).
    report = run("csps", "name,country,note\nEscaped Cloud,US,'=not a formula\n", gov)
    assert report.applied
    assert CloudServiceProvider.objects.get(name="Escaped Cloud").note == "=not a formula"


def test_an_xlsx_formula_cell_is_refused(gov):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["name", "country"])
    sheet.append(["Formula Cloud", '=HYPERLINK("http://evil.example","x")'])
    out = io.BytesIO()
    book.save(out)
    report = run("csps", out.getvalue(), gov, name="csps.xlsx")
    assert errors(report) == [(2, "country", "formula")]
    assert not CloudServiceProvider.objects.exists()


def test_an_oversized_file_is_refused_by_its_size(gov, settings):
    settings.FINCLOUD_IMPORT_FILE_MAX_BYTES = 1024
    report = run("csps", CSP_ZH + "x,TW,direct,\r\n" * 200, gov)
    assert [e.rule for e in report.errors] == ["too_large"]
    assert "0.0 MB" in report.errors[0].en or "MB" in report.errors[0].en


def test_the_import_needs_its_capability(personas):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        run("csps", CSP_ZH, personas["legal"])
    assert exc.value.code == "permission"


# -- services, with locations and the sub-outsourcing chain -----------------------------------


@pytest.fixture
def nimbus(gov):
    from assessments.factories_assessments import institution

    institution()
    return register.csp_create(actor=None, name="Nimbus Cloud", country="US")


def _service_rows(gov, *rows):
    unit = gov.unit.short_name
    return SERVICE_HEADER + "".join(
        f"{code},{name},Nimbus Cloud,{unit},SaaS,Card authorisation,yes,是,99.95,60,"
        f'"{locations}","{chain}"\n'
        for code, name, locations, chain in rows
    )


def test_services_with_locations_and_sub_outsourcing(gov, nimbus):
    chain = (
        "Equinix SG | SG | colocation | | SG Singapore; "
        "Backup Co | JP | backup | Equinix SG | JP Osaka"
    )
    text = _service_rows(
        gov, ("", "Card platform", "JP Tokyo (both); SG Singapore (backup)", chain)
    )
    report = run("services", text, gov)
    assert report.applied, report.to_dict("en")["errors"]
    service = CloudService.objects.get(name="Card platform")
    assert service.csp == nimbus and service.customer_data and service.personal_data
    assert str(service.availability_target) == "99.95000" and service.rto_minutes == 60
    own = sorted(
        (loc.country, loc.region, loc.role)
        for loc in service.locations.filter(sub_processor__isnull=True)
    )
    assert own == [("JP", "Tokyo", "both"), ("SG", "Singapore", "backup")]
    subs = {s.name: s for s in service.sub_processors.all()}
    assert subs["Backup Co"].parent == subs["Equinix SG"]
    assert ServiceLocation.objects.get(sub_processor=subs["Backup Co"]).region == "Osaka"
    assert register.service_countries(service) == ("JP", "SG")
    # The same file again changes nothing.
    again = run("services", text, gov)
    assert [o.action for _, o in again.outcomes] == ["unchanged"]
    # A changed location list is synchronised through the register's services.
    code = str(service.code)
    changed = run(
        "services",
        _service_rows(gov, (code, "Card platform", "JP Tokyo (both)", chain)),
        gov,
        dry_run=True,
    )
    ((_, outcome),) = changed.outcomes
    assert outcome.action == "updated"
    assert outcome.changes == {
        "locations": ["JP Tokyo (both); SG Singapore (backup)", "JP Tokyo (both)"]
    }
    assert service.locations.filter(sub_processor__isnull=True).count() == 2  # dry run


def test_a_service_keeps_the_code_it_is_given(gov, nimbus):
    code = uuid.uuid4()
    report = run("services", _service_rows(gov, (str(code), "Kept code", "TW Taipei", "")), gov)
    assert report.applied
    assert CloudService.objects.get(code=code).name == "Kept code"


def test_service_errors_name_row_and_column(gov, nimbus):
    unit = gov.unit.short_name
    text = SERVICE_HEADER + (
        f",Card,Nimbus Cloud,{unit},SaaS,x,yes,no,101,60,JP Tokyo,\n"  # availability > 100
        f",CRM,Unknown Cloud,{unit},SaaS,x,yes,no,,,,\n"  # no such CSP
        f",Mail,Nimbus Cloud,nowhere,FaaS,x,maybe,no,,,XX Nowhere,\n"  # unit, model, bool, country
        f",Ledger,Nimbus Cloud,{unit},IaaS,x,no,no,,,JP Tokyo (sometimes),\n"  # role
        f",Chain,Nimbus Cloud,{unit},IaaS,x,no,no,,,,Only a name\n"  # chain format
    )
    report = run("services", text, gov)
    assert errors(report) == [
        (2, "availability_target", "max_value"),
        (3, "csp", "unknown_csp"),
        (4, "customer_data", "boolean"),
        (4, "service_model", "choice"),
        (5, "locations", "location"),
        (6, "sub_processors", "sub_processor"),
    ]
    assert not CloudService.objects.exists()
    # Once the cell types are right, the register's own checks speak (unit, country).
    text = SERVICE_HEADER + ",Mail,Nimbus Cloud,nowhere,SaaS,x,no,no,,,XX Nowhere,\n"
    assert errors(run("services", text, gov)) == [(2, "unit", "unknown_unit")]
    text = SERVICE_HEADER + f",Mail,Nimbus Cloud,{unit},SaaS,x,no,no,,,XX Nowhere,\n"
    report = run("services", text, gov)
    assert errors(report) == [(2, "locations", "invalid")]
    assert "line 1" in report.errors[0].en and "“XX”" in report.errors[0].en


def test_the_read_only_columns_of_an_export_are_ignored(gov, nimbus):
    unit = gov.unit.short_name
    text = (
        "name,csp,unit,service_model,business_process,stage,classification\n"
        f"Card,Nimbus Cloud,{unit},SaaS,x,in_use,material_offshore\n"
    )
    report = run("services", text, gov)
    assert report.applied
    assert report.ignored_columns == ["stage", "classification"]
    service = CloudService.objects.get(name="Card")
    assert service.stage == "before_use" and service.classification == ""


# -- templates -------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
@pytest.mark.parametrize("kind", sorted(HANDLERS))
def test_the_templates_read_back_as_their_own_columns(kind, lang):
    columns = HANDLERS[kind]().columns
    header = template_csv(columns, lang).decode("utf-8-sig").strip().split(",")
    expected = [c.en if lang == "en" else c.zh for c in columns if not c.read_only]
    assert header == expected
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx(kind, columns, lang)))
    first, notes = book.worksheets
    assert [c.value for c in first[1]] == expected
    keys = [row[1].value for row in notes.iter_rows(min_row=2) if row[1].value]
    assert keys == [c.key for c in columns if not c.read_only]


def test_a_filled_xlsx_template_imports(gov, nimbus):
    columns = HANDLERS["services"]().columns
    book = openpyxl.load_workbook(io.BytesIO(template_xlsx("services", columns, "zh-TW")))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    row = dict.fromkeys(header, None)
    row.update(
        {
            "服務名稱": "信用卡授權核心系統",
            "雲端服務業者": "Nimbus Cloud",
            "業務單位": gov.unit.short_name,
            "服務模式": "IaaS",
            "支援之業務流程": "信用卡授權與清算",
            "消費金融資訊系統": "是",
            "可用性目標（%）": 99.99,
            "預定啟用日": "2026-07-01",
            "資料處理及儲存地點": "JP Tokyo; SG Singapore (backup)",
        }
    )
    for index, name in enumerate(header, start=1):
        sheet.cell(row=2, column=index, value=row[name])
    out = io.BytesIO()
    book.save(out)
    report = run("services", out.getvalue(), gov, name="services.xlsx")
    assert report.applied, report.to_dict("en")["errors"]
    service = CloudService.objects.get(name="信用卡授權核心系統")
    assert service.consumer_finance_system and str(service.planned_start) == "2026-07-01"
    assert service.service_model == "IaaS"


# -- outages ---------------------------------------------------------------------------------


def test_outages_import_and_update_by_the_csp_reference(gov, nimbus):
    card = register.service_create(
        actor=None,
        name="Card platform",
        csp=nimbus,
        unit=gov.unit,
        service_model="SaaS",
        business_process="x",
    )
    header = "start,end,services,planned,title,csp_reference\n"
    text = header + (
        "2026-03-02T10:00,2026-03-02T11:30,Card platform,no,Tokyo network,INC-1\n"
        f"2026-03-05T01:00,2026-03-05T02:00,{card.code},yes,Maintenance,\n"
    )
    report = run("outages", text, gov)
    assert report.applied, report.to_dict("en")["errors"]
    first = Outage.objects.get(csp_reference="INC-1")
    assert first.csp == nimbus and list(first.services.all()) == [card]
    assert first.end.isoformat() == "2026-03-02T03:30:00+00:00"  # 11:30 Asia/Taipei
    changed = header + "2026-03-02T10:00,2026-03-02T12:00,Card platform,no,Tokyo network,INC-1\n"
    report = run("outages", changed, gov)
    ((_, outcome),) = report.outcomes
    assert outcome.action == "updated" and list(outcome.changes) == ["end"]
    assert Outage.objects.count() == 2


def test_outage_errors_name_row_and_column(gov, nimbus):
    text = "start,end,services\n" + (
        "yesterday,,Card platform\n"  # not a time
        "2026-03-02T10:00,2026-03-02T09:00,Nope\n"  # unknown service
    )
    report = run("outages", text, gov)
    assert errors(report) == [(2, "start", "datetime"), (3, "services", "unknown_service")]
