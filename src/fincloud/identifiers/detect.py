"""Finding identifiers in text: the shapes the scanner looks for and how a match is judged.

One regular expression with the alternatives below, tried left to right at each position
(leftmost-first, as both Python's `re` and the Rust `regex` crate behind Polars do). A match is
then classified by the first alternative that matches it whole, and checked by the rule of its
type. "valid" means the rule holds; "invalid" that the value has the shape but fails the rule.

The patterns are templates: `{B}` is an ASCII word boundary, so that Chinese text right next
to a number (身分證A123456789。) still counts as a boundary. `python_pattern()` and
`rust_pattern()` fill it in for each engine; `fincloud.deid.scan` runs the Rust one over whole
columns, `find_identifiers` here runs the Python one over a single text and is the reference the
vectorised scanner is tested against.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from fincloud.identifiers import business_number, email, payment_card, phone, tw_id


class IdentifierType(StrEnum):
    """The TYPE names of the scan contract, in the order the scanner reports them."""

    TW_NATIONAL_ID = "tw_national_id"
    TW_RESIDENT_CERTIFICATE = "tw_resident_certificate"
    TW_BUSINESS_NUMBER = "tw_business_number"
    TW_MOBILE_PHONE = "tw_mobile_phone"
    TW_LANDLINE_PHONE = "tw_landline_phone"
    EMAIL = "email"
    PAYMENT_CARD = "payment_card"
    BANK_ACCOUNT = "bank_account"


# The shape families, in the order of the alternation. Each is a template over {B}.
SHAPES: dict[str, str] = {
    "email": r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*",
    "tw_id": r"{B}[A-Za-z][1289ABCDabcd][0-9]{8}{B}",
    "card_grouped": (
        r"{B}[0-9]{4}[ -][0-9]{4}[ -][0-9]{4}[ -][0-9]{1,4}{B}"
        r"|{B}[0-9]{4}[ -][0-9]{6}[ -][0-9]{5}{B}"
    ),
    "mobile": (
        r"(?:\+886[ -]?|{B}00886[ -]?|{B}886[ -]?|{B}0)9[0-9]{2}[ -]?[0-9]{3}[ -]?[0-9]{3}{B}"
        r"|{B}09[0-9]{7}{B}|{B}09[0-9]{9}{B}"
    ),
    "landline": (
        r"\(0[2-8][0-9]{0,3}\)[ -]?[0-9]{2,4}[ -]?[0-9]{3,4}{B}"
        r"|\+886[ -]?\(?[2-8][0-9]{0,3}\)?[ -]?[0-9]{3,4}[ -]?[0-9]{3,4}{B}"
        r"|{B}0[2-8][0-9]{0,3}[ -][0-9]{3,4}[ -]?[0-9]{3,4}{B}"
        r"|{B}0[2-8][0-9]{7,8}{B}"
    ),
    "bank_grouped": r"{B}[0-9]{3,4}-[0-9]{2,6}-[0-9]{4,8}(?:-[0-9]{1,2})?{B}",
    "digits": r"{B}[0-9]{10,19}{B}",
    "business_number": r"{B}[0-9]{8}{B}",
}

_PY_B = r"\b"  # with re.ASCII: a boundary between [A-Za-z0-9_] and anything else
_RUST_B = r"(?-u:\b)"

# Full-width forms (common in Taiwanese forms) are read as their ASCII twins; one character
# for one, so positions do not move.
FULLWIDTH = {chr(0xFF10 + i): str(i) for i in range(10)}
FULLWIDTH |= {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)}
FULLWIDTH |= {chr(0xFF41 + i): chr(0x61 + i) for i in range(26)}
FULLWIDTH |= {"＠": "@", "－": "-", "＋": "+", "（": "(", "）": ")", "．": ".", "\u3000": " "}
_FULLWIDTH_TABLE = str.maketrans(FULLWIDTH)


def _fill(template: str, boundary: str) -> str:
    return template.replace("{B}", boundary)


def shape_pattern(family: str, boundary: str) -> str:
    return _fill(SHAPES[family], boundary)


def combined_pattern(boundary: str) -> str:
    return "|".join(f"(?:{shape_pattern(f, boundary)})" for f in SHAPES)


def rust_pattern() -> str:
    return combined_pattern(_RUST_B)


_PY_COMBINED = re.compile(combined_pattern(_PY_B), re.ASCII)
_PY_FAMILY = {f: re.compile(shape_pattern(f, _PY_B), re.ASCII) for f in SHAPES}


def normalise_fullwidth(text: str) -> str:
    return text.translate(_FULLWIDTH_TABLE)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isascii() and ch.isdigit())


def classify_digits(digits: str) -> tuple[IdentifierType, bool] | None:
    """Judge a plain run of 10-19 digits: a card if it has a card's length, leading digit
    (2-6) and Luhn digit; a card that fails Luhn if 15-19 digits with a card's leading digit;
    otherwise a bank-account-like number when 10-16 digits long."""
    n = len(digits)
    card_like = 13 <= n <= 19 and digits[0] in "23456"
    if card_like and payment_card.luhn_sum(digits) == 0:
        return IdentifierType.PAYMENT_CARD, True
    if card_like and n >= 15:
        return IdentifierType.PAYMENT_CARD, False
    if 10 <= n <= 16:
        return IdentifierType.BANK_ACCOUNT, True
    return None


def _judge_tw_id(match: str) -> tuple[IdentifierType, bool] | None:
    valid = tw_id.checksum(tw_id.compact(match)) == 0
    if tw_id.classify(match) is tw_id.IdKind.NATIONAL_ID:
        return IdentifierType.TW_NATIONAL_ID, valid
    # Both resident formats (A800000014, AA00000009); never reported as a national ID.
    return IdentifierType.TW_RESIDENT_CERTIFICATE, valid


def _judge_bank_grouped(match: str) -> tuple[IdentifierType, bool] | None:
    n = len(_digits(match))
    return (IdentifierType.BANK_ACCOUNT, True) if 10 <= n <= 16 else None


_JUDGES: dict[str, Callable[[str], tuple[IdentifierType, bool] | None]] = {
    "email": lambda m: (IdentifierType.EMAIL, email.is_valid_email(m)),
    "tw_id": _judge_tw_id,
    "card_grouped": lambda m: (IdentifierType.PAYMENT_CARD, payment_card.is_valid_payment_card(m)),
    "mobile": lambda m: (IdentifierType.TW_MOBILE_PHONE, phone.is_valid_mobile_phone(m)),
    "landline": lambda m: (IdentifierType.TW_LANDLINE_PHONE, phone.is_valid_landline_phone(m)),
    "bank_grouped": _judge_bank_grouped,
    "digits": classify_digits,
    "business_number": lambda m: (
        IdentifierType.TW_BUSINESS_NUMBER,
        business_number.passes(m),
    ),
}


def classify(match: str) -> tuple[IdentifierType, bool] | None:
    """The type of a matched text and whether it passes the type's rule (None: not an
    identifier after all, e.g. a hyphenated 9-digit group)."""
    family = next(f for f, rx in _PY_FAMILY.items() if rx.fullmatch(match))
    return _JUDGES[family](match)


@dataclass(frozen=True, slots=True)
class Found:
    type: IdentifierType
    valid: bool
    start: int
    end: int


def find_identifiers(text: str) -> list[Found]:
    """Every identifier in `text`, left to right (full-width forms read as ASCII)."""
    found: list[Found] = []
    for m in _PY_COMBINED.finditer(normalise_fullwidth(text)):
        judged = classify(m.group())
        if judged is not None:
            found.append(Found(judged[0], judged[1], m.start(), m.end()))
    return found
