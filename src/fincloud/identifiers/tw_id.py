"""National ID numbers (身分證統一編號) and resident certificate numbers (居留證統一證號).

All three share one check rule. The first letter is the place of first registration, turned
into two digits (A=10 ... Z=33; the letters I, O, W, X, Y, Z were added later and are out of
alphabetical order). With those two digits d0 d1 and the remaining digits n1..n8 and the check
digit c, the number is valid when

    d0*1 + d1*9 + n1*8 + n2*7 + n3*6 + n4*5 + n5*4 + n6*3 + n7*2 + n8*1 + c  ≡ 0 (mod 10).

- National ID: letter, then 1 (male) or 2 (female), then 8 digits.
- Resident certificate, new format (issued since 2021-01-02): letter, then 8 (male) or
  9 (female), then 8 digits; the same rule.
- Resident certificate, old format (before 2021): two letters, then 8 digits; the second letter
  is A-D (A/C male, B/D female) and counts with the last digit of its two-digit code
  (A=10 -> 0, B=11 -> 1, C=12 -> 2, D=13 -> 3) in the place of the gender digit.
Holders of old-format numbers keep them until they are reissued, so both formats occur in data.
"""

from __future__ import annotations

from enum import StrEnum

from fincloud.identifiers.errors import IdentifierError, Reason

# The two-digit codes of the first letter (戶政司 table). I=34, O=35, W=32 ... are not typos.
LETTER_CODES: dict[str, int] = {
    "A": 10, "B": 11, "C": 12, "D": 13, "E": 14, "F": 15, "G": 16, "H": 17, "I": 34,
    "J": 18, "K": 19, "L": 20, "M": 21, "N": 22, "O": 35, "P": 23, "Q": 24, "R": 25,
    "S": 26, "T": 27, "U": 28, "V": 29, "W": 32, "X": 30, "Y": 31, "Z": 33,
}  # fmt: skip

# Weights of positions 2..9 (the gender/second character and the seven serial digits).
SERIAL_WEIGHTS: tuple[int, ...] = (8, 7, 6, 5, 4, 3, 2, 1)

NATIONAL_ID = "tw_national_id"
RESIDENT_CERTIFICATE = "tw_resident_certificate"

_OLD_SECOND_LETTERS = "ABCD"


class IdKind(StrEnum):
    NATIONAL_ID = "national_id"
    RESIDENT_NEW = "resident_certificate_new"
    RESIDENT_OLD = "resident_certificate_old"


def compact(value: str) -> str:
    """Strip surrounding and inner spaces and hyphens; upper-case the letters."""
    return "".join(ch for ch in value if ch not in " -\t").upper()


def _second_value(second: str) -> int:
    if second.isdigit():
        return int(second)
    return LETTER_CODES[second] % 10


def checksum(number: str) -> int:
    """The weighted sum modulo 10 of a compacted 10-character number (0 means valid)."""
    code = LETTER_CODES[number[0]]
    total = (code // 10) + (code % 10) * 9 + _second_value(number[1]) * SERIAL_WEIGHTS[0]
    for weight, digit in zip(SERIAL_WEIGHTS[1:], number[2:9], strict=True):
        total += weight * int(digit)
    return (total + int(number[9])) % 10


def check_digit(first9: str) -> str:
    """The check digit that completes the first nine characters (used by the generator)."""
    partial = checksum(first9.upper() + "0")
    return str((10 - partial) % 10)


def classify(value: str) -> IdKind | None:
    """Which of the three shapes a value has, without checking the digit; None if none."""
    number = compact(value)
    if len(number) != 10 or number[0] not in LETTER_CODES or not number[2:].isdigit():
        return None
    second = number[1]
    if second in "12":
        return IdKind.NATIONAL_ID
    if second in "89":
        return IdKind.RESIDENT_NEW
    if second in _OLD_SECOND_LETTERS:
        return IdKind.RESIDENT_OLD
    return None


def _error(kind: str, reason: Reason, zh: str, en: str) -> IdentifierError:
    return IdentifierError(kind, reason, zh, en)


def _shape_errors(number: str, kind: str, label_zh: str, label_en: str) -> None:
    if not number:
        raise _error(kind, Reason.EMPTY, f"{label_zh}為空白", f"the {label_en} is empty")
    if len(number) != 10:
        raise _error(
            kind,
            Reason.LENGTH,
            f"{label_zh}應為 10 碼，實為 {len(number)} 碼",
            f"a {label_en} has 10 characters, this one has {len(number)}",
        )
    if number[0] not in LETTER_CODES:
        raise _error(
            kind,
            Reason.FORMAT,
            f"{label_zh}第 1 碼應為英文字母",
            f"the first character of a {label_en} must be a letter A-Z",
        )
    if not number[2:].isdigit():
        raise _error(
            kind,
            Reason.FORMAT,
            f"{label_zh}第 3 至 10 碼應為數字",
            f"characters 3 to 10 of a {label_en} must be digits",
        )


def _checksum_error(kind: str, label_zh: str, label_en: str) -> IdentifierError:
    return _error(
        kind,
        Reason.CHECKSUM,
        f"{label_zh}檢查碼不符",
        f"the check digit of the {label_en} does not match",
    )


def validate_national_id(value: str) -> str:
    """Return the compacted national ID or raise `IdentifierError`."""
    label_zh, label_en = "身分證統一編號", "national ID number"
    number = compact(value)
    _shape_errors(number, NATIONAL_ID, label_zh, label_en)
    if number[1] not in "12":
        raise _error(
            NATIONAL_ID,
            Reason.FORMAT,
            f"{label_zh}第 2 碼應為 1（男）或 2（女）",
            f"the second character of a {label_en} must be 1 (male) or 2 (female)",
        )
    if checksum(number) != 0:
        raise _checksum_error(NATIONAL_ID, label_zh, label_en)
    return number


def validate_resident_certificate(value: str) -> str:
    """Return the compacted resident certificate number (old or 2021 format) or raise."""
    label_zh, label_en = "居留證統一證號", "resident certificate number"
    number = compact(value)
    _shape_errors(number, RESIDENT_CERTIFICATE, label_zh, label_en)
    if number[1] not in "89" and number[1] not in _OLD_SECOND_LETTERS:
        raise _error(
            RESIDENT_CERTIFICATE,
            Reason.FORMAT,
            f"{label_zh}第 2 碼應為 8、9（2021 年新式）或 A-D（舊式）",
            f"the second character of a {label_en} must be 8 or 9 (2021 format) "
            "or A-D (old format)",
        )
    if checksum(number) != 0:
        raise _checksum_error(RESIDENT_CERTIFICATE, label_zh, label_en)
    return number


def is_valid_national_id(value: str) -> bool:
    try:
        validate_national_id(value)
    except IdentifierError:
        return False
    return True


def is_valid_resident_certificate(value: str) -> bool:
    try:
        validate_resident_certificate(value)
    except IdentifierError:
        return False
    return True
