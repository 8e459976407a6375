"""Unified business number: the rule in force since 2023-04-01 (divisible by 5)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.tw import ubn as stdnum_ubn

from fincloud.identifiers import (
    IdentifierError,
    Reason,
    business_number,
    is_valid_business_number,
    validate_business_number,
)

# Published samples (enylin/taiwan-id-validator; Hsuan19971005's exercise after the MOF rule).
VALID = ["12345675", "12345676", "10458575", "88117125", "53212539", "04595257"]
INVALID = ["12345678", "88117126"]


@pytest.mark.parametrize("number", VALID)
def test_valid_business_numbers_pass(number: str) -> None:
    assert validate_business_number(number) == number


@pytest.mark.parametrize("number", INVALID)
def test_invalid_business_numbers_fail_with_a_bilingual_message(number: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        validate_business_number(number)
    err = caught.value
    assert err.reason is Reason.CHECKSUM
    assert err.kind == "tw_business_number"
    assert "統一編號" in err.message_zh and "2023-04-01" in err.message_en
    assert isinstance(err, ValueError)


def test_a_number_valid_only_under_the_2023_rule() -> None:
    # 0 4 5 9 5 2 5 2 times 1 2 1 2 1 2 4 1 = 0 8 5 18 5 4 20 2; digit sums
    # 0+8+5+9+5+4+2+2 = 35: divisible by 5 (valid since 2023-04-01), not by 10.
    assert business_number.checksum("04595252") == 35
    assert is_valid_business_number("04595252")
    # python-stdnum still applies the old divisible-by-10 rule and would refuse it.
    assert not stdnum_ubn.is_valid("04595252")


def test_the_seventh_digit_seven_exception() -> None:
    # 1 0 4 5 8 5 7 4: the 7th digit 7 gives 28 -> 10; Z = 1+0+4+1+8+1+10+4 = 29.
    # 29 is not divisible by 5, but Z + 1 = 30 is: valid by the exception only.
    assert business_number.checksum("10458574") == 29
    assert is_valid_business_number("10458574")
    # Without a 7 in the 7th place there is no exception: 1 0 4 5 8 5 2 1 gives
    # Z = 1+0+4+1+8+1+8+1 = 24, and 24 + 1 = 25 does not help.
    assert business_number.checksum("10458521") == 24
    assert not is_valid_business_number("10458521")


@pytest.mark.parametrize(
    ("value", "reason"),
    [("1234567", Reason.LENGTH), ("123456789", Reason.LENGTH), ("1234567A", Reason.FORMAT),
     ("", Reason.EMPTY), ("１２３４５６７５", Reason.FORMAT)],
)  # fmt: skip
def test_shape_errors(value: str, reason: Reason) -> None:
    with pytest.raises(IdentifierError) as caught:
        validate_business_number(value)
    assert caught.value.reason is reason


def test_spaces_and_hyphens_are_ignored() -> None:
    assert validate_business_number(" 0459-5257 ") == "04595257"


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_every_number_valid_under_the_old_rule_stays_valid(number: str) -> None:
    # The MOF chose "divisible by 5" so that every number issued before stays valid.
    if business_number.passes(number, business_number.LEGACY_DIVISOR):
        assert is_valid_business_number(number)
    assert stdnum_ubn.is_valid(number) == business_number.passes(
        number, business_number.LEGACY_DIVISOR
    )
