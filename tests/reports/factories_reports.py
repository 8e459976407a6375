"""Constants the report tests share and helpers that read the generated files back (PDF by
pdftotext, XLSX by openpyxl, DOCX by python-docx)."""

from __future__ import annotations

import hashlib
import io
import subprocess
from typing import Any

NA_REASON = "SaaS：客戶資訊由本行端加密後上傳，業者無法接觸明文（依附註1調整）"
IMPACT = "業者不同意終止條款之主管機關通知；影響有限，已有替代措施"
MEASURE = "每季由法務與業者檢視終止條款之執行情形"
FORMULA_REMARK = '=HYPERLINK("http://evil.example","點我")'


def pdf_text(data: bytes, *, layout: bool = True) -> str:
    """The PDF's text by pdftotext: laid out as printed, or (``layout=False``) in the order
    it is drawn, each table cell whole."""
    args = ["pdftotext", *(["-layout"] if layout else []), "-", "-"]
    return subprocess.run(args, input=data, capture_output=True, check=True).stdout.decode()


def xlsx_rows(data: bytes, sheet: int | str = 0) -> list[list[Any]]:
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(data))
    ws = book.worksheets[sheet] if isinstance(sheet, int) else book[sheet]
    return [[c.value for c in row] for row in ws.iter_rows()]


def docx_tables(data: bytes) -> list[list[list[str]]]:
    import docx

    document_ = docx.Document(io.BytesIO(data))
    return [[[c.text for c in row.cells] for row in t.rows] for t in document_.tables]


def docx_text(data: bytes) -> str:
    import docx

    document_ = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document_.paragraphs]
    for table in document_.tables:
        parts.extend(c.text for row in table.rows for c in row.cells)
    return "\n".join(parts)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
