"""A report as XLSX (openpyxl): each sheet opens with the title, the institution and the
generation time (Asia/Taipei); then the report's facts, headings and tables in order, a table's
header row bold and shaded, wrapped text, printed on A4 fitted to the page width. Every text
cell passes through fincloud.web.spreadsheet.safe_cell (no formula runs when it is opened).
Each row's height is set from its longest wrapped cell: LibreOffice keeps the default height of
a row without one when it opens the file, and shows only the first line of every cell."""

from __future__ import annotations

import io
import math
from typing import Any
from zoneinfo import ZoneInfo

from fincloud.reports.document import (
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
from fincloud.web.spreadsheet import safe_cell, text_width

TAIPEI = ZoneInfo("Asia/Taipei")
UNIT_WIDTH = 14.0  # characters per unit of a table's relative width
MAX_SHEET_NAME = 31
DEFAULT_WIDTH = 8.43  # a column's width when none is set, in characters (of the digit 0)
WIDE = 2.2  # a CJK character, in those characters (Noto Sans CJK beside Calibri/Carlito)
LINE_HEIGHT = 1.5  # a line, as a multiple of the font size in points (CJK fonts run tall)
PORTRAIT_WIDTH = 100  # characters an A4 portrait page prints at 100 % (default margins)
_BAD_SHEET_CHARS = str.maketrans({c: " " for c in "[]:*?/\\"})


def sheet_name(text: str) -> str:
    return text.translate(_BAD_SHEET_CHARS).strip()[:MAX_SHEET_NAME] or "Sheet"


class _Sheet:
    def __init__(self, book: Any, title: str, doc: ReportDocument) -> None:
        from openpyxl.styles import Font

        self.ws = book.create_sheet(sheet_name(title))
        self.row = 1
        self.width = 1
        self.frozen = False
        generated = doc.generated_at.astimezone(TAIPEI)
        self.put(1, doc.title, font=Font(bold=True, size=14))
        self.row += 1
        if doc.subtitle:
            self.put(1, doc.subtitle)
            self.row += 1
        self.put(1, doc.institution)
        self.row += 1
        self.put(1, f"{doc.labels.generated} {generated:%Y-%m-%d %H:%M:%S} (Asia/Taipei)")
        self.row += 2
        ws = self.ws
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape" if doc.landscape else "portrait"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.oddFooter.right.text = doc.labels.page.replace("{page}", "&P").replace("{pages}", "&N")
        ws.oddHeader.left.text = doc.institution.replace("&", "&&")

    def put(self, column: int, value: Any, *, font: Any = None, fill: Any = None) -> Any:
        from openpyxl.styles import Alignment

        target = self.ws.cell(row=self.row, column=column, value=safe_cell(value))
        target.alignment = Alignment(wrap_text=True, vertical="top")
        if font is not None:
            target.font = font
        if fill is not None:
            target.fill = fill
        return target

    def heading(self, text: str) -> None:
        from openpyxl.styles import Font

        self.put(1, text, font=Font(bold=True, size=12))
        self.row += 1

    def paragraph(self, text: str) -> None:
        self.put(1, text)
        self.row += 1

    def facts(self, facts: Facts) -> None:
        from openpyxl.styles import Font

        for label, value in facts.items:
            self.put(1, label, font=Font(bold=True))
            self.put(2, value)
            self.row += 1
        self.width = max(self.width, 2)
        self.row += 1

    def table(self, table: Table) -> None:
        from openpyxl.styles import Border, Font, PatternFill, Side

        thin = Side(style="thin", color="888888")
        border = Border(left=thin, right=thin, top=thin, bottom=thin)
        header_fill = PatternFill("solid", fgColor="E8E8E8")
        shade_fill = PatternFill("solid", fgColor="F1F1F1")
        if table.caption:
            self.put(1, table.caption, font=Font(bold=True))
            self.row += 1
        for index, title in enumerate(table.columns, start=1):
            self.put(index, title, font=Font(bold=True), fill=header_fill).border = border
        if not self.frozen:
            self.ws.freeze_panes = self.ws.cell(row=self.row + 1, column=1)
            self.frozen = True
        self.row += 1
        for values in table.rows:
            column = 1
            for value in values:
                span = value.span if isinstance(value, Cell) else 1
                self._value(column, value, border, shade_fill)
                if span > 1:
                    self.ws.merge_cells(
                        start_row=self.row,
                        start_column=column,
                        end_row=self.row,
                        end_column=column + span - 1,
                    )
                column += span
            self.row += 1
        self.row += 1
        widths = table.widths or tuple(1.0 for _ in table.columns)
        for index, width in enumerate(widths, start=1):
            letter = self.ws.cell(row=1, column=index).column_letter
            current = self.ws.column_dimensions[letter].width or 0
            self.ws.column_dimensions[letter].width = max(current, width * UNIT_WIDTH)
        self.width = max(self.width, len(table.columns))

    def _value(self, column: int, value: CellLike, border: Any, shade: Any) -> None:
        from openpyxl.styles import Font

        if isinstance(value, Cell):
            target = self.put(
                column,
                value.text,
                font=Font(bold=True) if value.bold else None,
                fill=shade if value.shade else None,
            )
        else:
            target = self.put(column, value)
        target.border = border


def sheet_width(ws: Any) -> float:
    from openpyxl.utils import get_column_letter

    return sum(
        ws.column_dimensions[get_column_letter(c)].width or DEFAULT_WIDTH
        for c in range(1, ws.max_column + 1)
    )


def fit_rows(ws: Any) -> None:
    """Set each row's height to its tallest wrapped cell (merged cells: their columns' width)."""
    from openpyxl.utils import get_column_letter

    spans = {(r.min_row, r.min_col): r.max_col for r in ws.merged_cells.ranges}
    widths: dict[int, float] = {}

    def width(column: int) -> float:
        if column not in widths:
            letter = get_column_letter(column)
            widths[column] = ws.column_dimensions[letter].width or DEFAULT_WIDTH
        return widths[column]

    for row in ws.iter_rows():
        height = 0.0
        for cell in row:
            if not isinstance(cell.value, str) or not cell.value:
                continue
            last = spans.get((cell.row, cell.column), cell.column)
            usable = max(sum(width(c) for c in range(cell.column, last + 1)) - 1, 1)
            parts = cell.value.split("\n")
            lines = sum(max(1, math.ceil(text_width(p, WIDE) / usable)) for p in parts)
            height = max(height, lines * (cell.font.sz or 11) * LINE_HEIGHT)
        if height:
            ws.row_dimensions[row[0].row].height = round(height, 1)


def render(doc: ReportDocument) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    book.properties.title = doc.title
    book.properties.creator = doc.institution
    book.properties.created = doc.generated_at.replace(tzinfo=None)
    book.properties.language = "zh-TW" if doc.lang == "zh" else "en"
    sheets: dict[str, _Sheet] = {}

    def sheet(name: str) -> _Sheet:
        key = sheet_name(name or doc.meta.get("sheet", "") or doc.title)
        if key not in sheets:
            sheets[key] = _Sheet(book, key, doc)
        return sheets[key]

    current = sheet("")
    for block in doc.blocks:
        if isinstance(block, Table):
            if block.sheet:
                current = sheet(block.sheet)
            current.table(block)
        elif isinstance(block, Heading):
            if block.sheet:
                current = sheet(block.sheet)
            current.heading(block.text)
        elif isinstance(block, Paragraph):
            current.paragraph(block.text)
        elif isinstance(block, Facts):
            current.facts(block)
        elif isinstance(block, Chart):
            current.paragraph(block.title)
        elif isinstance(block, PageBreak):
            continue
    for item in sheets.values():
        first = item.ws.column_dimensions["A"]
        first.width = max(first.width or 0, 28)
        fit_rows(item.ws)
        # A sheet wider than a portrait page (its tables share the columns) prints landscape,
        # so that fitting it to the page width does not shrink the text to a third.
        if sheet_width(item.ws) > PORTRAIT_WIDTH:
            item.ws.page_setup.orientation = "landscape"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
