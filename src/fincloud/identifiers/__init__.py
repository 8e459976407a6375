"""Taiwanese identifiers: their check rules, and finding them in text.

Plain Python, no Django. Each kind has `validate_<kind>(value) -> str`, which returns the
compacted value or raises `IdentifierError` (a `ValueError` with a Traditional-Chinese and an
English message and a `Reason` code), and `is_valid_<kind>(value) -> bool`.

    >>> validate_business_number("04595257")
    '04595257'
    >>> is_valid_national_id("A123456789")
    True
"""

from __future__ import annotations

from fincloud.identifiers.bank_account import is_valid_bank_account, validate_bank_account
from fincloud.identifiers.business_number import (
    is_valid_business_number,
    validate_business_number,
)
from fincloud.identifiers.detect import Found, IdentifierType, find_identifiers
from fincloud.identifiers.email import is_valid_email, validate_email
from fincloud.identifiers.errors import IdentifierError, Reason
from fincloud.identifiers.payment_card import is_valid_payment_card, validate_payment_card
from fincloud.identifiers.phone import (
    is_valid_landline_phone,
    is_valid_mobile_phone,
    validate_landline_phone,
    validate_mobile_phone,
)
from fincloud.identifiers.tw_id import (
    is_valid_national_id,
    is_valid_resident_certificate,
    validate_national_id,
    validate_resident_certificate,
)

__all__ = [
    "Found",
    "IdentifierError",
    "IdentifierType",
    "Reason",
    "find_identifiers",
    "is_valid_bank_account",
    "is_valid_business_number",
    "is_valid_email",
    "is_valid_landline_phone",
    "is_valid_mobile_phone",
    "is_valid_national_id",
    "is_valid_payment_card",
    "is_valid_resident_certificate",
    "validate_bank_account",
    "validate_business_number",
    "validate_email",
    "validate_landline_phone",
    "validate_mobile_phone",
    "validate_national_id",
    "validate_payment_card",
    "validate_resident_certificate",
]
