"""Phones, e-mail, payment cards and bank-account-like numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn as stdnum_luhn

from fincloud.identifiers import (
    IdentifierError,
    Reason,
    is_valid_bank_account,
    is_valid_email,
    is_valid_landline_phone,
    is_valid_mobile_phone,
    is_valid_payment_card,
    payment_card,
    validate_landline_phone,
    validate_mobile_phone,
    validate_payment_card,
)


@pytest.mark.parametrize(
    "value", ["0912345678", "0912-345-678", "0912 345 678", "+886 912 345 678", "+886912345678",
              "886-912-345-678", "00886912345678"],
)  # fmt: skip
def test_mobile_numbers_in_national_and_international_form(value: str) -> None:
    assert validate_mobile_phone(value) == "0912345678"


@pytest.mark.parametrize("value", ["091234567", "09123456789", "0812345678", "0912-345-67a"])
def test_invalid_mobile_numbers(value: str) -> None:
    assert not is_valid_mobile_phone(value)


@pytest.mark.parametrize(
    "value",
    ["(02)2345-6789", "02-2345-6789", "+886-2-2345-6789", "03-4567890", "(037)123456",
     "04-2345-6789", "04-7123456", "(049)2345678", "07-1234567", "(082)312345", "089-345678",
     "(0836)22345"],
)  # fmt: skip
def test_landlines_that_fit_the_numbering_plan(value: str) -> None:
    assert is_valid_landline_phone(value)


@pytest.mark.parametrize(
    "value", ["02-234-5678", "03-12345678", "07-123456", "04-912345", "0912345678"]
)
def test_landlines_that_do_not_fit_the_plan(value: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        validate_landline_phone(value)
    assert caught.value.reason is Reason.NUMBERING_PLAN


@pytest.mark.parametrize(
    "value", ["wang@example.com.tw", "a.b+c@mail.ntu.edu.tw", "x_y%z@example-bank.com"]
)
def test_valid_emails(value: str) -> None:
    assert is_valid_email(value)


@pytest.mark.parametrize(
    "value",
    ["a@b", "john..doe@example.com", ".a@example.com", "a@-example.com", "a@example.c0m",
     "a@@example.com", "a" * 65 + "@example.com"],
)  # fmt: skip
def test_invalid_emails(value: str) -> None:
    assert not is_valid_email(value)


@pytest.mark.parametrize(
    "value", ["4111 1111 1111 1111", "5555-5555-5555-4444", "378282246310005", "3530111333300000",
              "6200000000000005", "4222222222222"],
)  # fmt: skip
def test_test_card_numbers_pass_luhn(value: str) -> None:
    assert is_valid_payment_card(value)


def test_a_single_wrong_digit_fails_luhn() -> None:
    with pytest.raises(IdentifierError) as caught:
        validate_payment_card("4111 1111 1111 1112")
    assert caught.value.reason is Reason.CHECKSUM


@given(st.text(alphabet="0123456789", min_size=12, max_size=18), st.integers(0, 17), st.data())
def test_luhn_catches_every_single_digit_error(
    payload: str, where: int, data: st.DataObject
) -> None:
    number = payload + payment_card.luhn_check_digit(payload)
    assert is_valid_payment_card(number)
    where %= len(number)
    other = data.draw(st.sampled_from([d for d in "0123456789" if d != number[where]]))
    changed = number[:where] + other + number[where + 1 :]
    assert not is_valid_payment_card(changed)


@given(st.text(alphabet="0123456789", min_size=13, max_size=19))
def test_the_written_out_luhn_agrees_with_python_stdnum(number: str) -> None:
    assert (payment_card.luhn_sum(number) == 0) == stdnum_luhn.is_valid(number)


@pytest.mark.parametrize("value", ["0123456789", "012-345-678901", "00012345678901"])
def test_bank_account_shapes(value: str) -> None:
    assert is_valid_bank_account(value)


@pytest.mark.parametrize("value", ["123456789", "12345678901234567", "12345A7890"])
def test_not_bank_account_shapes(value: str) -> None:
    assert not is_valid_bank_account(value)
