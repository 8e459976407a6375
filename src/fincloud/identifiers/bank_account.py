"""Bank-account-like numbers: 10 to 16 digits, written plain or in hyphenated groups.

Taiwanese banks number their accounts in their own ways (branch, product, serial, and a check
digit whose rule each bank keeps to itself), so no public check rule exists and python-stdnum
has none. A value with the shape is reported as a bank-account-like number; nothing can show
that it fails a rule, so the scanner never counts one as invalid.
"""

from __future__ import annotations

from fincloud.identifiers.errors import IdentifierError, Reason

BANK_ACCOUNT = "bank_account"
MIN_DIGITS = 10
MAX_DIGITS = 16


def compact(value: str) -> str:
    return "".join(ch for ch in value if ch not in " -\t")


def validate_bank_account(value: str) -> str:
    """Return the digits or raise `IdentifierError` (shape only: there is no public check digit)."""
    number = compact(value)
    if not number:
        raise IdentifierError(
            BANK_ACCOUNT, Reason.EMPTY, "帳號為空白", "the account number is empty"
        )
    if not (number.isascii() and number.isdigit()):
        raise IdentifierError(
            BANK_ACCOUNT, Reason.FORMAT, "帳號只能由數字組成", "an account number has digits only"
        )
    if not MIN_DIGITS <= len(number) <= MAX_DIGITS:
        raise IdentifierError(
            BANK_ACCOUNT,
            Reason.LENGTH,
            f"帳號應為 {MIN_DIGITS} 至 {MAX_DIGITS} 位數字，實為 {len(number)} 位",
            f"an account number has {MIN_DIGITS} to {MAX_DIGITS} digits, "
            f"this one has {len(number)}",
        )
    return number


def is_valid_bank_account(value: str) -> bool:
    try:
        validate_bank_account(value)
    except IdentifierError:
        return False
    return True
