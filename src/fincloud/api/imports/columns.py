"""Columns of an import file and how a cell becomes a value.

Each column has a key (the model field it fills), a Chinese and an English header (the
templates use one language; a file may use either, or the key), a type, and help. The headers
are part of the file format, so they are written here once, not through gettext (a changed
translation must not break anyone's file).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.db import models
from django.utils import translation

from fincloud.api.imports.reading import Fault

TAIPEI = ZoneInfo("Asia/Taipei")

TRUE = {"true", "yes", "y", "1", "是", "有", "v", "✓"}
FALSE = {"false", "no", "n", "0", "否", "無", "x", ""}
SEPARATORS = re.compile(r"\s*[;；\n]\s*")


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    kind: str = "text"  # text | int | decimal | bool | date | datetime | choice | uuid | list
    required: bool = False
    max_length: int | None = None
    choices: type[models.TextChoices] | None = None
    help_zh: str = ""
    help_en: str = ""
    example: str = ""
    # Read by an export of the register, never written by an import (set only by the pre-use
    # assessment: classification, stage ...): accepted in the header, reported as ignored.
    read_only: bool = False
    minimum: int | None = None
    maximum: int | Decimal | None = None

    def header(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh

    def help(self, lang: str) -> str:
        return self.help_en if lang == "en" else self.help_zh


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u3000", " ")).strip().lower().rstrip("*").strip()


def header_map(header: list[str], columns: list[Column]) -> tuple[dict[int, Column], list[Fault]]:
    """Which file column is which ``Column``, and the header's faults: unknown columns,
    a column given twice, required columns missing."""
    names: dict[str, Column] = {}
    for column in columns:
        for name in (column.key, column.zh, column.en):
            names[normalise(name)] = column
    found: dict[int, Column] = {}
    faults: list[Fault] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(header):
        if not raw.strip():
            continue
        match = names.get(normalise(raw))
        if match is None:
            faults.append(
                Fault(
                    "unknown_column",
                    f"unknown column “{raw}”",
                    f"未知的欄位「{raw}」",
                    row=1,
                    column=raw,
                )
            )
            continue
        if match.key in seen:
            faults.append(
                Fault(
                    "duplicate_column",
                    f"the column “{raw}” appears twice",
                    f"欄位「{raw}」重複",
                    row=1,
                    column=raw,
                )
            )
            continue
        seen[match.key] = index
        found[index] = match
    missing = [c for c in columns if c.required and c.key not in seen]
    if missing:
        faults.append(
            Fault(
                "missing_columns",
                "missing required columns: " + ", ".join(f"{c.en} ({c.key})" for c in missing),
                "缺少必要欄位：" + "、".join(f"{c.zh}（{c.key}）" for c in missing),
                row=1,
            )
        )
    if faults:
        expected_en = ", ".join(c.en for c in columns)
        expected_zh = "、".join(c.zh for c in columns)
        faults.append(
            Fault(
                "expected_columns",
                f"the columns of this import are: {expected_en} (download the template)",
                f"本匯入之欄位為：{expected_zh}（請下載範本）",
                row=1,
            )
        )
    return found, faults


@functools.cache
def choice_map(choices: type[models.TextChoices]) -> dict[str, str]:
    """Every way to write a choice: its value, its English label, its Chinese label."""
    out: dict[str, str] = {}
    for value, label in choices.choices:
        out[normalise(str(value))] = str(value)
        with translation.override("en"):
            out[normalise(str(label))] = str(value)
        with translation.override("zh-hant"):
            out[normalise(str(label))] = str(value)
    return out


def _fault(column: Column, row: int, rule: str, en: str, zh: str) -> Fault:
    return Fault(rule, en, zh, row=row, column=column.key)


def parse(column: Column, text: str, row: int) -> tuple[Any, Fault | None]:  # noqa: PLR0911, PLR0912
    """The cell's value for the column, or the fault that names the rule."""
    if not text:
        if column.required:
            return None, _fault(column, row, "required", "required", "必填")
        return _empty(column), None
    if column.max_length is not None and len(text) > column.max_length:
        return None, _fault(
            column,
            row,
            "max_length",
            f"at most {column.max_length} characters (this has {len(text)})",
            f"最多 {column.max_length} 個字元（此格 {len(text)} 個）",
        )
    kind = column.kind
    if kind in {"text", "list"}:
        return text, None
    if kind == "bool":
        low = text.strip().lower()
        if low in TRUE:
            return True, None
        if low in FALSE:
            return False, None
        return None, _fault(
            column,
            row,
            "boolean",
            f"“{text}” is not yes/no (write yes or no, true or false, 是 or 否)",
            f"「{text}」不是是/否（請填 是 或 否、yes 或 no）",
        )
    if kind == "int":
        try:
            value = int(text.replace(",", ""))
        except ValueError:
            return None, _fault(
                column, row, "integer", f"“{text}” is not a whole number", f"「{text}」不是整數"
            )
        if column.minimum is not None and value < column.minimum:
            return None, _fault(
                column,
                row,
                "min_value",
                f"must be at least {column.minimum}",
                f"不得小於 {column.minimum}",
            )
        if column.maximum is not None and value > column.maximum:
            return None, _fault(
                column,
                row,
                "max_value",
                f"must be at most {column.maximum}",
                f"不得大於 {column.maximum}",
            )
        return value, None
    if kind == "decimal":
        try:
            number = Decimal(text.replace(",", "").rstrip("%"))
        except InvalidOperation:
            return None, _fault(
                column, row, "number", f"“{text}” is not a number", f"「{text}」不是數字"
            )
        if not number.is_finite():
            return None, _fault(
                column, row, "number", f"“{text}” is not a number", f"「{text}」不是數字"
            )
        if column.minimum is not None and number < column.minimum:
            return None, _fault(
                column,
                row,
                "min_value",
                f"must be at least {column.minimum}",
                f"不得小於 {column.minimum}",
            )
        if column.maximum is not None and number > column.maximum:
            return None, _fault(
                column,
                row,
                "max_value",
                f"must be at most {column.maximum}",
                f"不得大於 {column.maximum}",
            )
        return number, None
    if kind == "date":
        try:
            return dt.date.fromisoformat(text.strip().replace("/", "-")), None
        except ValueError:
            return None, _fault(
                column,
                row,
                "date",
                f"“{text}” is not a date (write 2026-03-31)",
                f"「{text}」不是日期（請填 2026-03-31）",
            )
    if kind == "datetime":
        try:
            moment = dt.datetime.fromisoformat(text.strip().replace("/", "-"))
        except ValueError:
            return None, _fault(
                column,
                row,
                "datetime",
                f"“{text}” is not a time (write 2026-03-31T14:05; without an offset it is "
                "Asia/Taipei)",
                f"「{text}」不是時間（請填 2026-03-31T14:05；未註明時區者為臺北時間）",
            )
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=TAIPEI)
        return moment, None
    if kind == "uuid":
        try:
            return uuid.UUID(text.strip()), None
        except ValueError:
            return None, _fault(
                column,
                row,
                "code",
                f"“{text}” is not a fincloud code (a UUID); leave it empty for a new record",
                f"「{text}」不是 fincloud 代碼（UUID）；新增者請留空",
            )
    if kind == "choice":
        if column.choices is None:
            raise TypeError(f"column {column.key} has no choices")
        chosen = choice_map(column.choices).get(normalise(text))
        if chosen is None:
            allowed = ", ".join(str(v) for v in column.choices.values)
            return None, _fault(
                column,
                row,
                "choice",
                f"“{text}” is not one of: {allowed}",
                f"「{text}」不是下列之一：{allowed}",
            )
        return chosen, None
    raise AssertionError(f"unknown column type {kind}")


def _empty(column: Column) -> Any:
    if column.kind in {"text", "list", "choice"}:
        return ""
    return None


def split_list(text: str) -> list[str]:
    """Entries of a list cell: separated by ';' (or '；', or a line break)."""
    return [part for part in SEPARATORS.split(text.strip()) if part]
