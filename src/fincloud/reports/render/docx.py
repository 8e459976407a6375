"""A report as DOCX (python-docx): A4, the institution and the title in the header, the
generation time (Asia/Taipei) and "page n of m" (Word fields) in the footer, tables with a
repeated header row. East Asian text is set in Noto Sans CJK TC (the font the PDFs use; Word
substitutes a Traditional Chinese font where it is missing)."""

from __future__ import annotations

import io
import re
from typing import Any
from zoneinfo import ZoneInfo

from fincloud.reports.document import (
    Block,
    Cell,
    CellLike,
    Chart,
    Facts,
    Heading,
    PageBreak,
    Paragraph,
    ReportDocument,
    Table,
)

TAIPEI = ZoneInfo("Asia/Taipei")
EAST_ASIAN_FONT = "Noto Sans CJK TC"
LATIN_FONT = "Noto Sans CJK TC"
# Word refuses the C0 control characters in text (a pasted tab is fine, a form feed is not).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _clean(text: str) -> str:
    return _CONTROL.sub(" ", text)


def _set_fonts(style_or_run: object, size: float | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    font = style_or_run.font  # type: ignore[attr-defined]
    font.name = LATIN_FONT
    if size is not None:
        font.size = Pt(size)
    element = style_or_run.element  # type: ignore[attr-defined]
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(fonts)
    fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)


def _field(paragraph: object, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) in a paragraph."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()  # type: ignore[attr-defined]
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, text, separate, shown, end):
        run._r.append(element)


def _page_numbers(paragraph: object, template: str) -> None:
    for piece in re.split(r"(\{page\}|\{pages\})", template):
        if piece == "{page}":
            _field(paragraph, "PAGE")
        elif piece == "{pages}":
            _field(paragraph, "NUMPAGES")
        elif piece:
            paragraph.add_run(piece)  # type: ignore[attr-defined]


def _repeat_header(row: object) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)


def _shade(cell: object, fill: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()  # type: ignore[attr-defined]
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    tc_pr.append(shading)


def _write_cell(target: object, value: CellLike, *, header: bool = False) -> None:
    from docx.shared import Pt

    text = _clean(value.text if isinstance(value, Cell) else value)
    paragraph = target.paragraphs[0]  # type: ignore[attr-defined]
    lines = text.split("\n")
    for index, line in enumerate(lines):
        run = paragraph.add_run(line)
        run.font.size = Pt(8.5)
        if header or (isinstance(value, Cell) and value.bold):
            run.bold = True
        if isinstance(value, Cell) and value.mono:
            run.font.size = Pt(7)
        if index < len(lines) - 1:
            run.add_break()
    if header or (isinstance(value, Cell) and value.shade):
        _shade(target, "E8E8E8" if header else "F1F1F1")


def _table(document: object, table: Table, width_cm: float) -> None:
    from docx.shared import Cm

    grid = document.add_table(rows=1, cols=len(table.columns))  # type: ignore[attr-defined]
    grid.style = "Table Grid"
    grid.autofit = False
    widths = table.widths or tuple(1.0 for _ in table.columns)
    total = sum(widths) or 1.0
    cm = [Cm(width_cm * w / total) for w in widths]
    head = grid.rows[0]
    _repeat_header(head)
    for index, title in enumerate(table.columns):
        head.cells[index].width = cm[index]
        _write_cell(head.cells[index], title, header=True)
    for row in table.rows:
        cells = grid.add_row().cells
        column = 0
        for value in row:
            span = value.span if isinstance(value, Cell) else 1
            target = cells[column]
            if span > 1:
                target = target.merge(cells[min(column + span, len(cells)) - 1])
            target.width = cm[column]
            _write_cell(target, value)
            column += span
    if table.caption:
        document.add_paragraph(_clean(table.caption))  # type: ignore[attr-defined]
    document.add_paragraph()  # type: ignore[attr-defined]


def _chart(document: object, chart: Chart, width_cm: float) -> None:
    """Charts are drawn for the PDF (SVG); a DOCX gets the chart's PNG when it has one."""
    from docx.shared import Cm

    document.add_paragraph(_clean(chart.title), style="Heading 3")  # type: ignore[attr-defined]
    if chart.png:
        document.add_picture(io.BytesIO(chart.png), width=Cm(width_cm))  # type: ignore[attr-defined]


def render(doc: ReportDocument) -> bytes:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    document = Document()
    section = document.sections[0]
    if doc.landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    else:
        section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(1.6)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(1.8)
    width_cm = (29.7 if doc.landscape else 21.0) - 3.2

    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Table Grid"):
        _set_fonts(document.styles[name])
    document.styles["Normal"].font.size = Pt(10)

    props = document.core_properties
    props.title = doc.title
    props.author = doc.institution
    props.language = "zh-TW" if doc.lang == "zh" else "en"
    props.created = doc.generated_at
    props.comments = doc.labels.sha_note

    generated = doc.generated_at.astimezone(TAIPEI)
    header = section.header.paragraphs[0]
    header.text = _clean(f"{doc.institution}　{doc.title}")
    footer = section.footer.paragraphs[0]
    footer.add_run(_clean(f"{doc.labels.generated} {generated:%Y-%m-%d %H:%M:%S} (Asia/Taipei)　"))
    _page_numbers(footer, doc.labels.page)

    document.add_paragraph(_clean(doc.title), style="Title")
    if doc.subtitle:
        document.add_paragraph(_clean(doc.subtitle))
    for block in doc.blocks:
        _block(document, block, width_cm)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _block(document: Any, block: Block, width_cm: float) -> None:
    from docx.shared import Pt

    if isinstance(block, Heading):
        document.add_heading(_clean(block.text), level=min(block.level, 3))
    elif isinstance(block, Paragraph):
        paragraph = document.add_paragraph(_clean(block.text))
        if block.style in {"note", "small"}:
            for run in paragraph.runs:
                run.font.size = Pt(8.5 if block.style == "note" else 7.5)
    elif isinstance(block, Facts):
        facts = Table(columns=("", ""), rows=tuple((k, v) for k, v in block.items))
        _facts(document, facts, width_cm)
    elif isinstance(block, Table):
        _table(document, block, width_cm)
    elif isinstance(block, Chart):
        _chart(document, block, width_cm * 0.9)
    elif isinstance(block, PageBreak):
        document.add_page_break()


def _facts(document: object, facts: Table, width_cm: float) -> None:
    from docx.shared import Cm

    grid = document.add_table(rows=0, cols=2)  # type: ignore[attr-defined]
    grid.style = "Table Grid"
    for label, value in facts.rows:
        cells = grid.add_row().cells
        cells[0].width, cells[1].width = Cm(width_cm * 0.32), Cm(width_cm * 0.68)
        _write_cell(cells[0], Cell(str(label), bold=True, shade=True))
        _write_cell(cells[1], value)
    document.add_paragraph()  # type: ignore[attr-defined]
