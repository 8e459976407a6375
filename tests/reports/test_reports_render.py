"""The renderers and the Annex 3 layout, without a database: a report document becomes a PDF
whose Traditional Chinese pdftotext reads back (no tofu), on A4 with page numbers, the
institution and the time; an XLSX whose formula-like cells are escaped; a DOCX with its
header, footer fields and table cells; the Annex 3 rows as the manual prints them."""

from __future__ import annotations

import datetime as dt
import io
import re
import subprocess
from zoneinfo import ZoneInfo

import pytest

from fincloud.catalog import load_catalog
from fincloud.reports.builders import annex3_layout
from fincloud.reports.document import (
    Cell,
    Chart,
    Facts,
    Heading,
    Labels,
    Paragraph,
    ReportDocument,
    Table,
    boxes,
)
from fincloud.reports.render import docx as docx_render
from fincloud.reports.render import pdf as pdf_render
from fincloud.reports.render import xlsx as xlsx_render

TAIPEI = ZoneInfo("Asia/Taipei")
WHEN = dt.datetime(2026, 3, 31, 16, 5, 9, tzinfo=dt.UTC)  # 2026-04-01 00:05:09 in Taipei
LABELS = Labels(generated="產製時間", page="第 {page} 頁，共 {pages} 頁", sha_note="SHA-256")


def pdf_text(data: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
    ).stdout.decode("utf-8")


def pdf_info(data: bytes) -> str:
    return subprocess.run(
        ["pdfinfo", "-"], input=data, capture_output=True, check=True
    ).stdout.decode("utf-8")


def sample(rows: int = 3, *, chart: str = "") -> ReportDocument:
    blocks = [
        Facts((("雲端服務", "信用卡授權核心系統"), ("分級", "分級1"))),
        Heading("檢核結果"),
        Table(
            columns=("金融機構作業委外契約應載明下列事項", "檢核結果", "備註"),
            rows=(
                (Cell("1.契約應記載事項", bold=True, shade=True, span=3),),
                *(
                    (
                        f"【委外辦法§10 I①】\n委外事項範圍及受委託機構之權責。{n}",
                        boxes(("符合", "未符合"), "符合"),
                        "=cmd|' /C calc'!A0",
                    )
                    for n in range(rows)
                ),
            ),
            widths=(4, 1, 2),
        ),
        Paragraph("本表所列協力義務，各金融機構與雲端服務業者合作時可依實務需求調整。", "note"),
    ]
    if chart:
        blocks.append(Chart("各雲端服務業者之服務數", chart))
    return ReportDocument(
        title="CSP合約檢核表",
        subtitle="信用卡授權核心系統 · 星雲雲端",
        institution="測試商業銀行股份有限公司",
        generated_at=WHEN,
        lang="zh",
        labels=LABELS,
        blocks=tuple(blocks),
    )


def test_boxes_tick_the_chosen_option_as_the_form_prints_them():
    assert boxes(("符合", "未符合"), "符合") == "■符合 □未符合"
    assert boxes(("符合", "未符合"), "未符合") == "□符合 ■未符合"
    assert boxes(("符合", "未符合"), None) == "□符合 □未符合"


def test_pdf_holds_the_chinese_on_a4_with_the_frame():
    data = pdf_render.render(sample(rows=60))
    text = pdf_text(data)
    assert "CSP合約檢核表" in text
    assert "【委外辦法§10 I①】" in text
    assert "委外事項範圍及受委託機構之權責。59" in text
    assert "■符合 □未符合" in text
    assert "測試商業銀行股份有限公司" in text  # the header of every page
    assert "產製時間 2026-04-01 00:05:09 (Asia/Taipei)" in text
    info = pdf_info(data)
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    assert pages >= 2  # 60 rows do not fit one page: the table header repeats
    assert f"第 1 頁，共 {pages} 頁" in text
    assert f"第 {pages} 頁，共 {pages} 頁" in text
    assert "595.276 x 841.89 pts (A4)" in info
    assert "\ufffd" not in text and "□□□" not in text.replace("□符合", "")


def test_pdf_fonts_are_embedded_noto_cjk():
    data = pdf_render.render(sample())
    fonts = subprocess.run(["pdffonts", "-"], input=data, capture_output=True, check=True).stdout
    assert b"Noto-Sans-CJK-TC" in fonts


def test_pdf_escapes_markup_in_text():
    doc = sample()
    evil = ReportDocument(
        title="<script>alert(1)</script>",
        institution='銀行"</style><b>',
        generated_at=WHEN,
        lang="zh",
        labels=LABELS,
        blocks=(Paragraph("<img src=x onerror=alert(1)>"),),
    )
    html = pdf_render.to_html(evil)
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert doc.title in pdf_render.to_html(doc)


def test_landscape_pdf():
    doc = sample()
    data = pdf_render.render(
        ReportDocument(**{**{f: getattr(doc, f) for f in doc.__slots__}, "landscape": True})
    )
    assert "841.89 x 595.276 pts (A4)" in pdf_info(data)


def test_chart_svg_text_is_searchable_in_the_pdf():
    from fincloud.reports import charts

    svg = charts.svg_text(charts.bar_chart(["星雲雲端", "Sakura"], [7, 3], highlight=[3, 0]))
    assert "<svg" in svg and "星雲雲端" in svg  # the label is text, not a drawn path
    text = pdf_text(pdf_render.render(sample(chart=svg)))
    assert "星雲雲端" in text


def test_xlsx_cells_and_formula_escape():
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(xlsx_render.render(sample())))
    sheet = book.worksheets[0]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "CSP合約檢核表"
    assert ["測試商業銀行股份有限公司"] == [v for v in values[2] if v]
    assert values[3][0] == "產製時間 2026-04-01 00:05:09 (Asia/Taipei)"
    flat = [v for row in values for v in row if v]
    assert "■符合 □未符合" in flat
    # A cell a spreadsheet would run is kept as text: prefixed with an apostrophe.
    assert "'=cmd|' /C calc'!A0" in flat
    assert not any(isinstance(v, str) and v.startswith("=") for v in flat)
    header = next(
        i for i, row in enumerate(values) if row[0] == "金融機構作業委外契約應載明下列事項"
    )
    assert values[header + 1][0] == "1.契約應記載事項"
    assert any(str(r) == f"A{header + 2}:C{header + 2}" for r in sheet.merged_cells.ranges)
    assert str(sheet.page_setup.paperSize) == sheet.PAPERSIZE_A4  # 9: A4


def test_docx_header_footer_and_cells():
    import docx

    document = docx.Document(io.BytesIO(docx_render.render(sample())))
    section = document.sections[0]
    assert "測試商業銀行股份有限公司" in section.header.paragraphs[0].text
    footer = section.footer.paragraphs[0]._p.xml
    assert "PAGE" in footer and "NUMPAGES" in footer
    assert "產製時間 2026-04-01 00:05:09 (Asia/Taipei)" in section.footer.paragraphs[0].text
    assert round(section.page_width.cm, 1) == 21.0 and round(section.page_height.cm, 1) == 29.7
    table = document.tables[-1]
    assert table.rows[0].cells[0].text == "金融機構作業委外契約應載明下列事項"
    assert table.rows[1].cells[0].text == "1.契約應記載事項"
    assert table.rows[2].cells[1].text == "■符合 □未符合"
    assert document.core_properties.author == "測試商業銀行股份有限公司"


def test_annex3_layout_prints_what_the_manual_prints(manual_path):
    """Every row and group line of the layout, with its marker, is found in the manual's
    Annex 3 text (whitespace aside)."""
    catalog = load_catalog()
    text = manual_path.read_text(encoding="utf-8")
    annex3 = text[
        text.index("附件 3 CSP合約檢核表\n1.契約應記載事項") : text.index(" 附件 4 CSP合約檢核表2")
    ]
    flat = re.sub(r"\s+", "", annex3)
    lines = list(annex3_layout.lines(catalog, "zh"))
    assert [ln.node.id for ln in lines if ln.kind == "row"] == [
        "a3." + r for r in annex3_layout.row_ids(catalog)
    ]
    assert len([ln for ln in lines if ln.kind == "row"]) == 22
    for line in lines:
        for piece in line.text.split("\n"):
            assert re.sub(r"\s+", "", piece) in flat, piece


@pytest.mark.parametrize(
    ("node_id", "marker"),
    [
        ("a3.17.I.3", "三、"),
        ("a3.17.I.3.2", "(二)"),
        ("a3.18.I.4.3", "四、（三）"),
        ("a3.18.I.4.3.1", "1. "),
        ("a3.18.I.6", "六、"),
        ("a3.19.6", "六、"),
        ("a3.19.6.1", "（一）"),
        ("a3.10.I.1", ""),
    ],
)
def test_item_markers(node_id, marker):
    catalog = load_catalog()
    assert annex3_layout.marker(catalog, catalog.get(node_id)) == marker


def test_xlsx_rows_are_as_tall_as_their_wrapped_text():
    """LibreOffice keeps a row without a height at one line: every wrapped row carries one."""
    import openpyxl

    from fincloud.reports.render import xlsx

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.column_dimensions["A"].width = 20
    ws["A1"] = "短"
    ws["A2"] = "委外事項範圍及受委託機構之權責。" * 4  # 64 CJK characters, about 141 wide
    ws["A3"] = "one\ntwo\nthree"
    xlsx.fit_rows(ws)
    one = ws.row_dimensions[1].height
    assert one == 11 * xlsx.LINE_HEIGHT
    assert ws.row_dimensions[2].height >= 7 * one  # 141 / 19 usable: 8 lines
    assert ws.row_dimensions[3].height == 3 * one


def test_count_charts_have_whole_number_ticks():
    from fincloud.reports.charts import bar_chart, svg_text

    text = svg_text(bar_chart(["A", "B"], [1, 0], horizontal=False))
    assert "0.5" not in text and "0.2" not in text
    assert "1" in text
