"""The scanner: the JSON contract, valid/invalid counts, rows, and agreement with the
one-text reference `fincloud.identifiers.find_identifiers`."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from fincloud.deid import fake, scan
from fincloud.identifiers import IdentifierType, find_identifiers

CONTRACT_TYPES = {t.value for t in IdentifierType}


def test_contract_shape_on_generated_customers() -> None:
    frame = fake.generate(2_000, seed=7)
    report = scan.scan_frame(frame).as_json()
    assert set(report) == {"rows", "columns"}
    assert report["rows"] == 2_000
    assert list(report["columns"]) == frame.columns
    for findings in report["columns"].values():
        for item in findings:
            assert set(item) == {"type", "valid", "invalid", "rows"}
            assert item["type"] in CONTRACT_TYPES
            assert item["rows"] == sorted(item["rows"]) and len(item["rows"]) <= 10
            assert all(r >= 1 for r in item["rows"])
    cols = report["columns"]
    # Columns with nothing are listed with an empty list.
    assert cols["name"] == [] and cols["gender"] == [] and cols["address"] == []
    ids = {f["type"]: f for f in cols["id_number"]}
    # 97% national IDs, 3% resident certificates; never a certificate counted as an ID.
    national = frame["id_number"].str.slice(1, 1).is_in(["1", "2"]).sum()
    assert ids["tw_national_id"]["valid"] == national
    assert ids["tw_resident_certificate"]["valid"] == 2_000 - national
    assert ids["tw_national_id"]["invalid"] == 0
    assert ids["tw_national_id"]["rows"] == list(range(1, 11))
    for column, typ in [
        ("mobile", "tw_mobile_phone"),
        ("landline", "tw_landline_phone"),
        ("email", "email"),
        ("card_no", "payment_card"),
        ("account_no", "bank_account"),
    ]:
        assert cols[column] == [
            {"type": typ, "valid": 2_000, "invalid": 0, "rows": list(range(1, 11))}
        ]


def test_invalid_values_are_counted_as_invalid_and_rows_are_one_based() -> None:
    frame = pl.DataFrame(
        {"id": ["A123456789", "A123456788", None, "x", "B800000000", "A800000014"]}
    )
    report = scan.scan_frame(frame).as_json()
    assert report["columns"]["id"] == [
        {"type": "tw_national_id", "valid": 1, "invalid": 1, "rows": [1, 2]},
        {"type": "tw_resident_certificate", "valid": 1, "invalid": 1, "rows": [5, 6]},
    ]


def test_free_text_counts_each_match(shared_data: Path) -> None:
    frame = pl.DataFrame({"note": ["手機0912345678與0987654321", "無", "信箱 a@b.com.tw、c@d"]})
    cols = scan.scan_frame(frame).as_json()["columns"]["note"]
    assert cols == [
        {"type": "tw_mobile_phone", "valid": 2, "invalid": 0, "rows": [1]},
        {"type": "email", "valid": 1, "invalid": 1, "rows": [3]},
    ]


def test_batches_add_up_and_rows_continue(tmp_path: Path) -> None:
    frame = fake.generate(3_000, seed=3)
    whole = scan.scan_frame(frame)
    batched = scan.scan_frames(
        [frame.slice(0, 1_000), frame.slice(1_000, 1_000), frame.slice(2_000)], frame.columns
    )
    assert batched == whole


def test_the_credit_data_holds_no_direct_identifiers(shared_data: Path) -> None:
    path = shared_data / "taiwan-credit-default" / "UCI_Credit_Card.csv"
    frame = pl.read_csv(path, infer_schema=False)
    report = scan.scan_frame(frame).as_json()
    assert report["rows"] == 30_000
    # Ids 1..30000, amounts below 10 digits: nothing of the eight types (the README says the
    # data carries no names or ID numbers).
    assert all(findings == [] for findings in report["columns"].values()), report


fragments = st.sampled_from(
    ["A123456789", "A800000014", "AC03095424", "A123456788", "0912-345-678", "0912345678",
     "(02)2345-6789", "02-2345-6789", "+886 2 2345 6789", "4111 1111 1111 1111",
     "4111111111111111", "4000123412341235", "04595257", "12345678", "012-345-678901",
     "1234567890", "wang@example.com.tw", "a@b", "091234567", "０９１２３４５６７８",
     "a", "Z", "1", "0", "9", "-", " ", "@", ".", "(", ")", "+", "，", "號", "手機", "\u3000"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(fragments, max_size=8).map("".join), min_size=1, max_size=8))
def test_vectorised_scanner_agrees_with_the_reference(texts: list[str]) -> None:
    expected: Counter[tuple[int, str, bool]] = Counter()
    for row, text in enumerate(texts, start=1):
        for found in find_identifiers(text):
            expected[(row, found.type.value, found.valid)] += 1
    matches = scan.column_matches(pl.Series(texts, dtype=pl.String))
    got = Counter((int(r), t, bool(v)) for r, t, v in matches.iter_rows())
    assert got == expected
