"""Taiwanese mobile and landline numbers (NCC numbering plan), in national or +886 form.

A number is compacted by dropping spaces, hyphens, dots and parentheses and turning the
international prefix (+886, 00886, 886) into the trunk prefix 0.

- Mobile: 09 and eight digits (0912-345-678).
- Landline: area code and subscriber number; 02 has 8-digit subscriber numbers (10 digits in
  all); Taichung's 04 has 8 and Changhua's 04-7/04-8 have 7; 03, 05, 06, 07 and 08 have 7
  (Miaoli 037, Kinmen 082, Taitung 089, Wuqiu 0826 and Matsu 0836 use the remaining digits of
  the same 9-digit length). Anything else with the shape of a landline fails the plan.
"""

from __future__ import annotations

import re

from fincloud.identifiers.errors import IdentifierError, Reason

MOBILE_PHONE = "tw_mobile_phone"
LANDLINE_PHONE = "tw_landline_phone"

MOBILE_PLAN = r"09[0-9]{8}"
LANDLINE_PLAN = r"02[0-9]{8}|0[35678][0-9]{7}|04[0-9]{8}|04[78][0-9]{6}"

_MOBILE_RE = re.compile(rf"(?:{MOBILE_PLAN})", re.ASCII)
_LANDLINE_RE = re.compile(rf"(?:{LANDLINE_PLAN})", re.ASCII)
_SEPARATORS = str.maketrans("", "", " -.()\t")


def compact(value: str) -> str:
    number = value.strip().translate(_SEPARATORS)
    if number.startswith("+886"):
        number = "0" + number[4:]
    elif number.startswith("00886"):
        number = "0" + number[5:]
    elif number.startswith("886") and len(number) in (11, 12):
        number = "0" + number[3:]
    return number


def _check_digits(number: str, kind: str, label_zh: str, label_en: str) -> None:
    if not number:
        raise IdentifierError(kind, Reason.EMPTY, f"{label_zh}為空白", f"the {label_en} is empty")
    if not (number.isascii() and number.isdigit()):
        raise IdentifierError(
            kind,
            Reason.FORMAT,
            f"{label_zh}只能含數字、空白、連字號、括號與 +886",
            f"a {label_en} has digits, spaces, hyphens, brackets and +886 only",
        )


def validate_mobile_phone(value: str) -> str:
    """Return the number as 09XXXXXXXX or raise `IdentifierError`."""
    label_zh, label_en = "行動電話號碼", "mobile number"
    number = compact(value)
    _check_digits(number, MOBILE_PHONE, label_zh, label_en)
    if not _MOBILE_RE.fullmatch(number):
        raise IdentifierError(
            MOBILE_PHONE,
            Reason.NUMBERING_PLAN,
            f"{label_zh}應為 09 開頭之 10 位數字",
            f"a Taiwanese {label_en} is 10 digits starting with 09",
        )
    return number


def validate_landline_phone(value: str) -> str:
    """Return the number as digits with the trunk 0 (0223456789) or raise."""
    label_zh, label_en = "市內電話號碼", "landline number"
    number = compact(value)
    _check_digits(number, LANDLINE_PHONE, label_zh, label_en)
    if not _LANDLINE_RE.fullmatch(number):
        raise IdentifierError(
            LANDLINE_PHONE,
            Reason.NUMBERING_PLAN,
            f"{label_zh}之區碼與號碼長度不符編碼計畫（如 02 接 8 碼、03 接 7 碼）",
            f"the area code and length of the {label_en} do not fit the numbering plan "
            "(02 takes 8 digits, 03 takes 7 ...)",
        )
    return number


def is_valid_mobile_phone(value: str) -> bool:
    try:
        validate_mobile_phone(value)
    except IdentifierError:
        return False
    return True


def is_valid_landline_phone(value: str) -> bool:
    try:
        validate_landline_phone(value)
    except IdentifierError:
        return False
    return True
