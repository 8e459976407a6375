"""The regulator filing pack of a classification-1 service (委外辦法 §18 I: a material
consumer-finance system processed offshore is filed for the regulator's approval), as DOCX and
XLSX, read back against the database: the applicant and the service as registered, the §18 I
rows of Annex 3 as judged, and the attachments list (each filing item with its linked
documents and uploaded files, complete or missing). A service that is not classification 1 is
refused with the field and the rule."""

from __future__ import annotations

import pytest

from fincloud.assessments import checklist
from fincloud.assessments import services as svc
from fincloud.assessments.models import FilingItem
from fincloud.assessments.selectors import evidence_by_owner
from fincloud.catalog import load_catalog
from fincloud.register.models import Institution
from fincloud.reports import registry
from fincloud.reports.errors import ReportRefused
from fincloud.reports.services import report_generate

from assessments.factories_assessments import document, pdf, service
from reports.factories_reports import docx_tables, docx_text, xlsx_rows

pytestmark = pytest.mark.django_db

STABILITY = "日本法制、政治及經濟環境穩定，近十年無資本管制"
DATA_PROTECTION = "日本個人資料保護法與我國相當（委外辦法問答集第10題）"
ITEM_NOTE = "業者聲明書正本已於 2026-10-01 收訖"
EXTRA = "董事會同意使用雲端服務之決議"
BOX_COLUMN = "符合/未符合"


@pytest.fixture
def filing(personas, card):
    """The card service's filing, partly prepared: the stability review of JP, two §18 I rows
    judged, the no-incident declaration linked (with a note), the audit consent uploaded, one
    item the assessment adds; 18.I.4.3.1 still missing."""
    gov, legal = personas["governance_officer"], personas["legal"]
    srv, assessment = card["service"], card["assessment"]
    review = assessment.location_reviews.get(country="JP")
    svc.location_review_save(
        actor=gov,
        review=review,
        data_protection_assessment=DATA_PROTECTION,
        stability_assessment=STABILITY,
    )
    declaration = document(
        srv.csp,
        [srv],
        kind="no_incident_declaration",
        title="近三年無重大事件聲明書",
        reference="NI-2026-07",
    )
    svc.contract_row_save(
        actor=legal,
        row=assessment.contract_rows.get(row="18.I.6"),
        judgement="compliant",
        documents=[declaration],
    )
    svc.contract_row_save(
        actor=legal,
        row=assessment.contract_rows.get(row="18.I.4.3.2"),
        judgement="compliant",
        documents=[card["master"]],
        clauses="§9 資料儲存地",
    )
    items = {i.row: i for i in assessment.filing_items.filter(source=FilingItem.Source.ANNEX3)}
    svc.filing_item_save(actor=gov, item=items["18.I.6"], documents=[declaration], note=ITEM_NOTE)
    svc.filing_evidence_attach(
        actor=gov, item=items["18.I.5"], upload=pdf("audit-consent.pdf"), title="查核同意函"
    )
    svc.filing_item_save(actor=gov, item=items["18.I.4.3.2"], documents=[card["master"]])
    svc.filing_item_add(actor=gov, assessment=assessment, title=EXTRA)
    return {**card, "declaration": declaration}


def generate(personas, srv, fmt, **kw):
    return report_generate(
        actor=personas["legal"], name="filing", fmt=fmt, subject_code=str(srv.code), **kw
    )


def table_with(tables, first_header):
    return next(t for t in tables if t[0][0] == first_header)


def test_docx_filing_rows_and_attachments_against_the_database(personas, filing):
    srv, assessment = filing["service"], filing["assessment"]
    _run, data = generate(personas, srv, "docx")
    tables = docx_tables(data)
    text = docx_text(data)
    assert "主管機關申請書件" in text
    # The applicant and the service as registered.
    facts = dict(r for t in tables if len(t[0]) == 2 for r in t)
    assert facts["申請機構"] == Institution.objects.get().name_zh
    assert facts["雲端服務"] == srv.name
    assert facts["雲端服務業者"] == f"{srv.csp.name} ({srv.csp.country})"
    assert facts["分級"] == srv.get_classification_display()
    assert srv.classification == "material_consumer_finance_offshore"
    assert facts["復原時間目標（RTO）"] == f"{srv.rto_minutes} 分鐘"
    assert facts["復原時間點（RPO）"] == f"{srv.rpo_minutes} 分鐘"
    # The JP location with its Ch 1.2 assessments (Annex 3 row 18.I.4.3.2).
    locations = table_with(tables, "國家")
    jp = next(r for r in locations if r[0] == "JP")
    assert jp[4] == DATA_PROTECTION and jp[5] == STABILITY

    # The §18 I rows of Annex 3, each with its judgement and covering documents.
    catalog = load_catalog(assessment.catalog_edition)
    rows = table_with(tables, "應辦事項")
    assert rows[0][1] == BOX_COLUMN
    assert len(rows) - 1 == len(checklist.FILING_ROWS) == 4
    for line, row_id in zip(rows[1:], checklist.FILING_ROWS, strict=True):
        assert line[0].endswith(catalog.get("a3." + row_id).text_zh)
        check = assessment.contract_rows.get(row=row_id)
        ticked = {"compliant": "■符合 □未符合", "not_compliant": "□符合 ■未符合"}
        assert line[1] == ticked.get(check.judgement, "□符合 □未符合"), row_id
        for doc in check.documents.all():
            assert f"{doc.title}（{doc.reference}）" in line[2]
        if check.clauses:
            assert check.clauses in line[2]
        if not check.judgement:
            assert line[3].startswith("尚未")
    by_row = dict(zip(checklist.FILING_ROWS, rows[1:], strict=True))
    assert "近三年無重大事件聲明書（NI-2026-07）" in by_row["18.I.6"][2]
    assert by_row["18.I.4.3.1"][2] == ""
    # Out of the form's context each row names its article, and the group line it sits under.
    group = "【委外辦法§18 I④(三)1】\n四、（三）資訊安全及管理：\n1. "
    assert by_row["18.I.4.3.1"][0].startswith(group)
    assert by_row["18.I.6"][0].startswith("【委外辦法§18 I⑥】\n六、")

    # The attachments list: every active filing item, in the filing page's order.
    items = list(assessment.filing_items.filter(active=True).order_by("order", "id"))
    files = evidence_by_owner(FilingItem, [i.pk for i in items])
    listed = table_with(tables, "編號")
    assert listed[0] == ["編號", "文件", "來源", "文件及檔案", "狀態", "備註"]
    assert len(listed) - 1 == len(items) == 5
    missing = 0
    for number, (line, item) in enumerate(zip(listed[1:], items, strict=True), start=1):
        assert line[0] == str(number)
        assert line[1] == item.title
        docs = list(item.documents.all())
        uploaded = files[str(item.pk)]
        for doc in docs:
            assert doc.title in line[3]
        for f in uploaded:
            assert (
                f"{f.title} r{f.revision} ({f.original_name}, SHA-256 {f.blob.sha256[:12]})"
                in (line[3])
            )
        complete = bool(docs or uploaded)
        missing += not complete
        assert line[4] == ("已備齊" if complete else "未備齊"), item.title
        assert line[5] == item.note
        assert line[2].startswith(item.get_source_display())
        if item.row:
            assert line[2].endswith(f"(a3.{item.row})")
    assert missing == len(svc.filing_missing(assessment)) == 2
    assert f"附件共 {len(items)} 項，未備齊 {missing} 項。" in text
    by_title = {line[1]: line for line in listed[1:]}
    assert by_title[EXTRA][2:5] == ["本案新增", "—", "未備齊"]
    assert by_title[next(i.title for i in items if i.row == "18.I.6")][5] == ITEM_NOTE


def test_xlsx_puts_the_attachments_on_their_own_sheet(personas, filing):
    assessment = filing["assessment"]
    _run, data = generate(personas, filing["service"], "xlsx")
    first = xlsx_rows(data, 0)
    assert first[0][0] == "主管機關申請書件"
    attachments = xlsx_rows(data, "附件清單")
    header = next(i for i, r in enumerate(attachments) if r[0] == "編號")
    listed = [r for r in attachments[header + 1 :] if r[0]]
    items = list(assessment.filing_items.filter(active=True).order_by("order", "id"))
    files = evidence_by_owner(FilingItem, [i.pk for i in items])
    assert [r[1] for r in listed] == [i.title for i in items]
    assert [r[4] for r in listed] == [
        "已備齊" if i.documents.exists() or files[str(i.pk)] else "未備齊" for i in items
    ]
    assert [r[4] for r in listed].count("已備齊") == 3


def test_a_service_not_classification_1_is_refused(personas, card):
    other = service(card["provider"], personas["governance_officer"].unit, name="Domestic HR")
    assert other.classification != "material_consumer_finance_offshore"
    with pytest.raises(ReportRefused) as refused:
        generate(personas, other, "docx")
    assert refused.value.field == "service"
    assert refused.value.rule == "classification"
    assert "非分級1" in refused.value.message and "Domestic HR" in refused.value.message
    # ... and its page shows no filing button.
    assert "filing" not in [s.name for s in registry.available_for("service", other)]
    assert "filing" in [s.name for s in registry.available_for("service", card["service"])]
