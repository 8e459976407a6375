"""Cells that leave the system for a spreadsheet are neutralised against formula injection."""

from __future__ import annotations

import unicodedata
from typing import Any

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(_TRIGGERS):
        return "'" + value
    return value


def text_width(text: str, wide: float = 2.0) -> float:
    """How many characters of a spreadsheet column ``text`` fills: a wide (CJK) character
    counts ``wide``, any other one."""
    return sum(wide if unicodedata.east_asian_width(ch) in "WF" else 1.0 for ch in text)
