"""National ID and resident certificate numbers: valid and invalid samples of each format."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fincloud.identifiers import (
    IdentifierError,
    Reason,
    is_valid_national_id,
    is_valid_resident_certificate,
    tw_id,
    validate_national_id,
    validate_resident_certificate,
)

# Published samples (the test suite of enylin/taiwan-id-validator); A123456789 is the
# textbook example: A=10 -> 1*1 + 0*9, then 1*8+2*7+3*6+4*5+5*4+6*3+7*2+8*1 = 120, plus the
# check digit 9: 1 + 120 + 9 = 130, divisible by 10.
VALID_NATIONAL = ["A123456789", "F131104093", "O158238845", "N116247806", "L122544270",
                  "C180661564", "Y123456788"]  # fmt: skip
INVALID_NATIONAL = ["A123456788", "F131104091", "O158238842"]
VALID_RESIDENT_OLD = ["AA00000009", "AB00207171", "AC03095424", "BD01300667", "CC00151114",
                      "HD02717288", "TD00251124", "AD30196818"]  # fmt: skip
INVALID_RESIDENT_OLD = ["AA00000000", "FG31104091", "OY58238842"]
VALID_RESIDENT_NEW = ["A800000014", "A900207177", "A803095426", "B801300667", "C800151116",
                      "H802717288", "T900251126", "A930196810"]  # fmt: skip
INVALID_RESIDENT_NEW = ["A800000000", "F931104091", "O958238842"]


@pytest.mark.parametrize("number", VALID_NATIONAL)
def test_valid_national_ids_pass(number: str) -> None:
    assert validate_national_id(number) == number
    assert is_valid_national_id(number)


@pytest.mark.parametrize("number", INVALID_NATIONAL)
def test_national_ids_with_a_wrong_check_digit_fail(number: str) -> None:
    with pytest.raises(IdentifierError) as caught:
        validate_national_id(number)
    assert caught.value.reason is Reason.CHECKSUM
    assert "檢查碼" in caught.value.message_zh and "check digit" in caught.value.message_en


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("A1234567899", Reason.LENGTH),
        ("A12345678", Reason.LENGTH),
        ("2123456789", Reason.FORMAT),
        ("A323456789", Reason.FORMAT),  # gender digit must be 1 or 2
        ("A800000014", Reason.FORMAT),  # a resident certificate is not a national ID
        ("", Reason.EMPTY),
    ],
)
def test_national_id_shape_errors_name_the_rule(number: str, reason: Reason) -> None:
    with pytest.raises(IdentifierError) as caught:
        validate_national_id(number)
    assert caught.value.reason is reason
    assert caught.value.kind == "tw_national_id"


def test_national_id_is_compacted_and_upper_cased() -> None:
    assert validate_national_id(" a12345-6789 ") == "A123456789"


@pytest.mark.parametrize("number", VALID_RESIDENT_OLD + VALID_RESIDENT_NEW)
def test_valid_resident_certificates_pass_in_both_formats(number: str) -> None:
    assert validate_resident_certificate(number) == number
    assert not is_valid_national_id(number)


@pytest.mark.parametrize("number", INVALID_RESIDENT_OLD + INVALID_RESIDENT_NEW)
def test_invalid_resident_certificates_fail(number: str) -> None:
    assert not is_valid_resident_certificate(number)


def test_a_national_id_is_not_a_resident_certificate() -> None:
    with pytest.raises(IdentifierError) as caught:
        validate_resident_certificate("A123456789")
    assert caught.value.reason is Reason.FORMAT


def test_old_format_second_letter_counts_by_the_last_digit_of_its_code() -> None:
    # AA00000009: A=10 -> 1 + 0*9; second letter A=10 -> 0, times 8; the serial 0000000;
    # check digit 9: 1 + 0 + 9 = 10.
    assert tw_id.checksum("AA00000009") == 0
    assert tw_id.classify("AA00000009") is tw_id.IdKind.RESIDENT_OLD
    assert tw_id.classify("A800000014") is tw_id.IdKind.RESIDENT_NEW
    assert tw_id.classify("A123456789") is tw_id.IdKind.NATIONAL_ID
    assert tw_id.classify("A323456789") is None


letters = st.sampled_from(sorted(tw_id.LETTER_CODES))
serials = st.text(alphabet="0123456789", min_size=7, max_size=7)


@given(letters, st.sampled_from("1289ABCD"), serials)
def test_the_computed_check_digit_completes_a_valid_number(
    first: str, second: str, serial: str
) -> None:
    head = first + second + serial
    number = head + tw_id.check_digit(head)
    assert tw_id.checksum(number) == 0
    if second in "12":
        assert is_valid_national_id(number)
        assert not is_valid_resident_certificate(number)
    else:
        assert is_valid_resident_certificate(number)
        assert not is_valid_national_id(number)
    # Any other check digit fails: the last digit has weight 1.
    for other in "0123456789":
        if other != number[-1]:
            assert tw_id.checksum(head + other) != 0
