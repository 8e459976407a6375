"""The downloadable templates of each import, in Traditional Chinese or English.

CSV: the header row only (UTF-8 with a BOM, so Excel in Taiwan opens the Chinese; CRLF).
XLSX: the header on the first sheet (frozen, with a drop-down list for columns with fixed
values), and a second sheet that explains every column with an example.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from fincloud.api.imports.columns import Column

TITLES = {
    "csps": ("雲端服務業者", "Cloud service providers"),
    "services": ("雲端服務", "Cloud services"),
    "outages": ("服務中斷", "Outages"),
}


def _headers(columns: list[Column], lang: str) -> list[str]:
    return [c.header(lang) for c in columns if not c.read_only]


def template_csv(columns: list[Column], lang: str) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(_headers(columns, lang))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _allowed(column: Column) -> str:
    if column.kind == "choice" and column.choices is not None:
        return ", ".join(str(v) for v in column.choices.values)
    return {
        "bool": "是/否 yes/no",
        "date": "YYYY-MM-DD",
        "datetime": "YYYY-MM-DDTHH:MM",
        "int": "0, 1, 2 …",
        "decimal": "99.95",
        "uuid": "UUID",
    }.get(column.kind, "")


def template_xlsx(kind: str, columns: list[Column], lang: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    zh = lang != "en"
    book = Workbook()
    sheet: Any = book.active
    sheet.title = TITLES[kind][0 if zh else 1][:31]
    writable = [c for c in columns if not c.read_only]
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDE7F0")
    for index, column in enumerate(writable, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header(lang))
        cell.font = bold
        cell.fill = fill
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(14, min(40, len(column.header(lang)) * 2 + 4))
        if column.kind == "choice" and column.choices is not None:
            values = ",".join(str(v) for v in column.choices.values)
            if len(values) < 250:
                rule = DataValidation(type="list", formula1=f'"{values}"', allow_blank=True)
                rule.add(f"{letter}2:{letter}10001")
                sheet.add_data_validation(rule)
        elif column.kind == "bool":
            rule = DataValidation(type="list", formula1='"是,否,yes,no"', allow_blank=True)
            rule.add(f"{letter}2:{letter}10001")
            sheet.add_data_validation(rule)
        # Every cell is text, so Excel keeps leading zeros and dates as typed.
        for row in range(2, 202):
            sheet.cell(row=row, column=index).number_format = "@"
    sheet.freeze_panes = "A2"

    notes: Any = book.create_sheet("說明" if zh else "Instructions")
    head = (
        ["欄位", "代碼", "必填", "值", "說明", "範例"]
        if zh
        else ["Column", "Key", "Required", "Values", "Help", "Example"]
    )
    notes.append(head)
    for cell in notes[1]:
        cell.font = bold
        cell.fill = fill
    for column in writable:
        notes.append(
            [
                column.header(lang),
                column.key,
                ("是" if zh else "yes") if column.required else "",
                _allowed(column),
                column.help(lang),
                column.example,
            ]
        )
    notes.append([])
    notes.append(
        [
            "檔案須為 XLSX，或 UTF-8 編碼之 CSV（非 Big5）；"
            "以 = + - @ 開頭之儲存格會被拒絕（公式注入）。"
            if zh
            else "The file is XLSX, or CSV in UTF-8 (not Big5); a cell starting with = + - @ is "
            "refused (formula injection)."
        ]
    )
    for letter, width in zip("ABCDEF", (28, 26, 8, 36, 70, 40), strict=True):
        notes.column_dimensions[letter].width = width
    for row in notes.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
