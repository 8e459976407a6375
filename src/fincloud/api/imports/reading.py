"""Reading an import file: CSV (UTF-8) or XLSX, into a header and rows of text cells.

Plain Python (no Django). Every refusal names where it is (row and column) and the rule, in
Traditional Chinese and English:
- the size is checked before anything is read (``MAX_BYTES``; the limit is in the message);
- a CSV must be UTF-8 (a BOM is fine); a Big5 / CP950 file, as older Excel in Taiwan saves
  "CSV", is recognised and named as such;
- a cell a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR first) is
  refused: ``=cmd|' /C calc'!A0`` never gets into the register. A cell escaped the way our own
  exports escape it (an apostrophe first, fincloud.web.spreadsheet.safe_cell) is read as the
  text after the apostrophe. An XLSX formula cell is refused too: type the value.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import PurePath
from typing import IO, Any, Final

MAX_BYTES: Final = 20 * 1024 * 1024
MAX_ROWS: Final = 100_000
MAX_CELL: Final = 10_000
FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")
NUMBER: Final = re.compile(r"^[+-]?\d+(\.\d+)?$")
XLSX_MAGIC: Final = b"PK\x03\x04"


@dataclass(frozen=True)
class Fault:
    """A refusal: where (row/column, or None for the whole file) and the rule, in both
    languages. ``rule`` is a stable code for programs."""

    rule: str
    en: str
    zh: str
    row: int | None = None
    column: str | None = None

    def message(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    def to_dict(self, lang: str) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "rule": self.rule,
            "message": self.message(lang),
        }


class FileRefused(Exception):
    def __init__(self, fault: Fault) -> None:
        super().__init__(fault.en)
        self.fault = fault


@dataclass
class Table:
    """The header (as written) and the rows; ``rows[i]`` is spreadsheet row ``numbers[i]``."""

    format: str  # csv | xlsx
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)  # cell-level refusals (formulas)


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


def check_size(size: int | None, limit: int = MAX_BYTES) -> None:
    """Refuse a file over the limit from its size alone (before reading it)."""
    if size is not None and size > limit:
        raise FileRefused(
            Fault(
                "too_large",
                f"the file is {_mb(size)} MB; an import file may be at most {_mb(limit)} MB "
                "(split it)",
                f"檔案大小 {_mb(size)} MB；匯入檔案上限為 {_mb(limit)} MB（請分檔）",
            )
        )


def read_limited(stream: IO[bytes], limit: int = MAX_BYTES) -> bytes:
    """The stream's bytes, refusing as soon as more than ``limit`` arrive."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise FileRefused(
            Fault(
                "too_large",
                f"the file is larger than {_mb(limit)} MB, the limit of an import file (split it)",
                f"檔案超過匯入上限 {_mb(limit)} MB（請分檔）",
            )
        )
    return data


def read_table(data: bytes, name: str) -> Table:
    """A CSV or XLSX file's header and rows (the format from the content, checked against the
    file's extension)."""
    suffix = PurePath(name).suffix.lower()
    if not data.strip():
        raise FileRefused(Fault("empty", "the file is empty", "檔案是空的"))
    if data.startswith(XLSX_MAGIC):
        if suffix not in {".xlsx", ""}:
            raise _wrong_type(suffix)
        return _read_xlsx(data)
    if suffix == ".xlsx":
        raise FileRefused(
            Fault(
                "not_xlsx",
                "the file is named .xlsx but is not an Excel workbook (save it again as .xlsx)",
                "檔名為 .xlsx 但內容不是 Excel 活頁簿（請重新另存為 .xlsx）",
            )
        )
    if suffix not in {".csv", ".txt", ""}:
        raise _wrong_type(suffix)
    return _read_csv(data)


def _wrong_type(suffix: str) -> FileRefused:
    return FileRefused(
        Fault(
            "file_type",
            f"a {suffix or 'nameless'} file cannot be imported; use CSV (UTF-8) or XLSX",
            f"無法匯入 {suffix or '無副檔名'} 檔案；請使用 CSV（UTF-8）或 XLSX",
        )
    )


# --- CSV --------------------------------------------------------------------------------------


def _looks_big5(data: bytes) -> bool:
    """Does the file decode as Big5 / CP950 into mostly CJK text (what Excel in Taiwan saves
    as "CSV" by default)?"""
    try:
        text = data.decode("cp950")
    except UnicodeDecodeError:
        return False
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf")
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    return cjk > 0 and cjk >= non_ascii * 0.8


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        if _looks_big5(data):
            raise FileRefused(
                Fault(
                    "encoding_big5",
                    "the file is in Big5 (Traditional Chinese, code page 950), not UTF-8: in "
                    "Excel choose “Save as” → “CSV UTF-8 (comma delimited)”, or use the XLSX "
                    "template",
                    "檔案編碼為 Big5（繁體中文，字碼頁 950），不是 UTF-8：請在 Excel 選「另存新檔」"
                    "→「CSV UTF-8（逗號分隔）」，或改用 XLSX 範本",
                    row=line,
                )
            ) from None
        raise FileRefused(
            Fault(
                "encoding",
                f"not UTF-8 text (line {line}, byte {exc.start}); save the file as UTF-8",
                f"不是 UTF-8 文字（第 {line} 行，第 {exc.start} 位元組）；請以 UTF-8 儲存",
                row=line,
            )
        ) from None


def _read_csv(data: bytes) -> Table:
    text = decode(data)
    if "\x00" in text:
        raise FileRefused(
            Fault(
                "binary", "the file is not text (it holds NUL bytes)", "檔案不是文字（含 NUL 字元）"
            )
        )
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table: Table | None = None
    try:
        for record in reader:
            row_number = reader.line_num
            if table is None:
                table = Table("csv", [c.strip() for c in record])
                continue
            _add_row(table, record, row_number)
    except csv.Error as exc:
        raise FileRefused(
            Fault(
                "csv",
                f"the CSV is malformed near line {reader.line_num}: {exc}",
                f"CSV 格式錯誤（約第 {reader.line_num} 行）：{exc}",
                row=reader.line_num,
            )
        ) from None
    if table is None:
        raise FileRefused(Fault("empty", "the file is empty", "檔案是空的"))
    return table


def _add_row(table: Table, cells: list[str], row_number: int) -> None:
    if not any(c.strip() for c in cells):
        return
    if len(table.rows) >= MAX_ROWS:
        raise FileRefused(
            Fault(
                "too_many_rows",
                f"more than {MAX_ROWS} rows; split the file",
                f"超過 {MAX_ROWS} 列；請分檔",
                row=row_number,
            )
        )
    if len(cells) > len(table.header):
        extra = [c for c in cells[len(table.header) :] if c.strip()]
        if extra:
            table.faults.append(
                Fault(
                    "extra_cells",
                    f"{len(cells)} cells but the header has {len(table.header)} columns",
                    f"有 {len(cells)} 個儲存格，但標題列只有 {len(table.header)} 欄",
                    row=row_number,
                )
            )
        cells = cells[: len(table.header)]
    cells = cells + [""] * (len(table.header) - len(cells))
    out = []
    for column, raw in zip(table.header, cells, strict=True):
        value, fault = clean_cell(raw, row_number, column)
        if fault is not None:
            table.faults.append(fault)
        out.append(value)
    table.rows.append(out)
    table.numbers.append(row_number)


def clean_cell(raw: str, row: int, column: str) -> tuple[str, Fault | None]:
    """The cell's text, or a refusal of a formula (an escaped one is read as text)."""
    value = raw.strip(" \u3000\n")
    if len(value) > MAX_CELL:
        return "", Fault(
            "cell_too_long",
            f"more than {MAX_CELL} characters",
            f"超過 {MAX_CELL} 個字元",
            row=row,
            column=column,
        )
    if value.startswith("'") and value[1:2] and value[1] in "=+-@\t\r":
        return value[1:], None  # escaped by an export (safe_cell): the text itself
    if value.startswith(FORMULA_TRIGGERS) and not NUMBER.match(value):
        return "", Fault(
            "formula",
            f"starts with “{value[0]!s}”, which a spreadsheet runs as a formula (formula "
            "injection); type the value without it, or put an apostrophe first if the text "
            "really starts so",
            f"以「{value[0]!s}」開頭，試算表會將其當作公式執行（公式注入）；請去除該字元，若內容確實如此"
            "開頭，請在最前面加上單引號",
            row=row,
            column=column,
        )
    return value, None


# --- XLSX -------------------------------------------------------------------------------------


def _xlsx_text(value: Any) -> str:  # noqa: PLR0911 (one return per cell type)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(timespec="minutes")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value)


def _read_xlsx(data: bytes) -> Table:
    import openpyxl
    from openpyxl.utils import get_column_letter

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise FileRefused(
            Fault(
                "xlsx",
                f"the workbook cannot be read ({type(exc).__name__}); save it again as .xlsx",
                f"無法讀取活頁簿（{type(exc).__name__}）；請重新另存為 .xlsx",
            )
        ) from None
    try:
        sheet = book.worksheets[0]
        table: Table | None = None
        for row_number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if table is None:
                header = [_xlsx_text(v).strip() for v in values]
                while header and not header[-1]:
                    header.pop()
                if not header:
                    continue
                table = Table("xlsx", header)
                continue
            cells = []
            for index, value in enumerate(values):
                if isinstance(value, str) and value.startswith("=") and len(value) > 1:
                    column = (
                        table.header[index]
                        if index < len(table.header)
                        else get_column_letter(index + 1)
                    )
                    table.faults.append(
                        Fault(
                            "formula",
                            "a formula cell; type its value instead (formulas are not imported)",
                            "儲存格為公式；請改填其值（不匯入公式）",
                            row=row_number,
                            column=column,
                        )
                    )
                    cells.append("")
                    continue
                cells.append(_xlsx_text(value))
            _add_row(table, cells, row_number)
    finally:
        book.close()
    if table is None:
        raise FileRefused(
            Fault("empty", "the workbook's first sheet is empty", "活頁簿第一個工作表是空的")
        )
    return table
