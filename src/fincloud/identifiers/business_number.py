"""Unified business number (統一編號), with the check rule in force since 2023-04-01.

Each of the eight digits is multiplied by 1, 2, 1, 2, 1, 2, 4, 1; the two digits of each product
are added (28 -> 2 + 8 = 10); the sum Z of these is the checksum. The Ministry of Finance changed
the rule from "Z divisible by 10" to "Z divisible by 5" because the old space was running out;
numbers issued earlier pass both rules, so the new rule is the one to check. When the seventh
digit is 7, its product 28 may count as 10 or as 1 (or 0), so Z or Z + 1 divisible by 5 passes.

python-stdnum's `stdnum.tw.ubn` still checks the old divisible-by-10 rule (it would refuse
numbers issued since April 2023), so the rule is written out here.
"""

from __future__ import annotations

from fincloud.identifiers.errors import IdentifierError, Reason

BUSINESS_NUMBER = "tw_business_number"
WEIGHTS: tuple[int, ...] = (1, 2, 1, 2, 1, 2, 4, 1)
# Since 2023-04-01 (財政部賦稅署 統一編號檢查碼邏輯修正): divisible by 5, formerly by 10.
DIVISOR = 5
LEGACY_DIVISOR = 10


def compact(value: str) -> str:
    return "".join(ch for ch in value if ch not in " -\t")


def checksum(number: str) -> int:
    """The sum Z of the digit sums of the weighted digits of an 8-digit string."""
    total = 0
    for weight, digit in zip(WEIGHTS, number, strict=True):
        product = weight * int(digit)
        total += product // 10 + product % 10
    return total


def passes(number: str, divisor: int = DIVISOR) -> bool:
    z = checksum(number)
    return z % divisor == 0 or (number[6] == "7" and (z + 1) % divisor == 0)


def validate_business_number(value: str) -> str:
    """Return the compacted 8-digit number or raise `IdentifierError` (bilingual message)."""
    number = compact(value)
    if not number:
        raise IdentifierError(
            BUSINESS_NUMBER, Reason.EMPTY, "統一編號為空白", "the business number is empty"
        )
    if len(number) != 8:
        raise IdentifierError(
            BUSINESS_NUMBER,
            Reason.LENGTH,
            f"統一編號應為 8 位數字，實為 {len(number)} 位",
            f"a unified business number has 8 digits, this one has {len(number)}",
        )
    if not (number.isascii() and number.isdigit()):
        raise IdentifierError(
            BUSINESS_NUMBER,
            Reason.FORMAT,
            "統一編號只能由數字組成",
            "a unified business number has digits only",
        )
    if not passes(number):
        raise IdentifierError(
            BUSINESS_NUMBER,
            Reason.CHECKSUM,
            "統一編號檢查碼不符（自 2023 年 4 月 1 日起之規則：加權和可被 5 整除）",
            "the business number fails its check rule (in force since 2023-04-01: "
            "the weighted digit sum must be divisible by 5)",
        )
    return number


def is_valid_business_number(value: str) -> bool:
    try:
        validate_business_number(value)
    except IdentifierError:
        return False
    return True
