"""Payment card numbers: 13 to 19 digits whose last digit is the Luhn (mod 10) check digit.

The check itself is python-stdnum's `stdnum.luhn` (it has the rule, which has not changed);
`luhn_sum` here is the same rule written out for the generator and for the tests that hold the
vectorised scanner to it.
"""

from __future__ import annotations

from stdnum import luhn

from fincloud.identifiers.errors import IdentifierError, Reason

PAYMENT_CARD = "payment_card"


def compact(value: str) -> str:
    return "".join(ch for ch in value if ch not in " -\t")


def luhn_sum(digits: str) -> int:
    """The Luhn sum modulo 10 (0 means the check digit fits)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10


def luhn_check_digit(payload: str) -> str:
    """The digit to append to `payload` so that the whole passes Luhn (used by the generator)."""
    return str((10 - luhn_sum(payload + "0")) % 10)


def validate_payment_card(value: str) -> str:
    """Return the card number as digits or raise `IdentifierError`."""
    number = compact(value)
    if not number:
        raise IdentifierError(PAYMENT_CARD, Reason.EMPTY, "卡號為空白", "the card number is empty")
    if not (number.isascii() and number.isdigit()):
        raise IdentifierError(
            PAYMENT_CARD, Reason.FORMAT, "卡號只能由數字組成", "a card number has digits only"
        )
    if not 13 <= len(number) <= 19:
        raise IdentifierError(
            PAYMENT_CARD,
            Reason.LENGTH,
            f"卡號應為 13 至 19 位數字，實為 {len(number)} 位",
            f"a card number has 13 to 19 digits, this one has {len(number)}",
        )
    if not luhn.is_valid(number):
        raise IdentifierError(
            PAYMENT_CARD,
            Reason.CHECKSUM,
            "卡號檢查碼不符（Luhn 演算法）",
            "the card number fails the Luhn check",
        )
    return number


def is_valid_payment_card(value: str) -> bool:
    try:
        validate_payment_card(value)
    except IdentifierError:
        return False
    return True
