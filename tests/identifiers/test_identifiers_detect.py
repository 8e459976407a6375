"""Finding identifiers in free text and in single values, valid and invalid."""

from __future__ import annotations

import pytest

from fincloud.identifiers import IdentifierType, find_identifiers

T = IdentifierType


def kinds(text: str) -> list[tuple[str, bool]]:
    return [(f.type.value, f.valid) for f in find_identifiers(text)]


def test_a_customer_note_in_chinese_with_every_kind() -> None:
    text = (
        "客戶王小明身分證A123456789，手機0912-345-678，電話(02)2345-6789，"
        "卡號4111 1111 1111 1111，公司統編04595257，帳號012-345-678901，"
        "信箱wang@example.com.tw，配偶居留證A800000014，舊證AC03095424。"
    )
    assert kinds(text) == [
        ("tw_national_id", True),
        ("tw_mobile_phone", True),
        ("tw_landline_phone", True),
        ("payment_card", True),
        ("tw_business_number", True),
        ("bank_account", True),
        ("email", True),
        ("tw_resident_certificate", True),
        ("tw_resident_certificate", True),
    ]


@pytest.mark.parametrize("value", ["A800000014", "AC03095424", "a930196810"])
def test_resident_certificates_are_never_reported_as_national_ids(value: str) -> None:
    assert kinds(value) == [("tw_resident_certificate", True)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("A123456788", [("tw_national_id", False)]),
        ("A800000000", [("tw_resident_certificate", False)]),
        ("12345678", [("tw_business_number", False)]),
        ("4111111111111112", [("payment_card", False)]),
        ("091234567", [("tw_mobile_phone", False)]),
        ("03-12345678", [("tw_landline_phone", False)]),
        ("john..doe@example.com", [("email", False)]),
    ],
)
def test_shape_without_the_rule_counts_as_invalid(
    value: str, expected: list[tuple[str, bool]]
) -> None:
    assert kinds(value) == expected


def test_full_width_forms_are_read() -> None:
    assert kinds("手機：０９１２３４５６７８") == [("tw_mobile_phone", True)]
    assert kinds("Ａ１２３４５６７８９") == [("tw_national_id", True)]


@pytest.mark.parametrize(
    "text",
    [
        "A1234567890",  # eleven characters: not an ID
        "XA123456789",  # glued to a letter
        "金額 20000 元，年齡 35",
        "2024-01-15",
        "123-45-6789",  # nine digits in groups: no Taiwanese identifier
        "20000.0",
    ],
)
def test_things_that_are_not_identifiers(text: str) -> None:
    assert kinds(text) == []


def test_bank_account_versus_card_by_length_and_luhn() -> None:
    assert kinds("1234567890") == [("bank_account", True)]
    assert kinds("00012345678901") == [("bank_account", True)]
    # 16 digits starting 4 that fail Luhn: a card number with a wrong digit.
    assert kinds("4000123412341235") == [("payment_card", False)]
    # 13 digits starting 4 that fail Luhn: too short to call a broken card, an account shape.
    assert kinds("4000123412341") == [("bank_account", True)]
    assert kinds("+886 2 2345 6789") == [("tw_landline_phone", True)]
