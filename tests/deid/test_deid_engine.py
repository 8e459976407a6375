"""`apply_policy`: streaming and whole-table runs, atomic outputs, the run record, formats,
and the bad inputs the issue names (missing column, uncovered hierarchy value, non-UTF-8 file,
missing key), each a clear error with the source untouched and nothing written."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from openpyxl import Workbook

from fincloud.deid import fake
from fincloud.deid.engine import apply_policy
from fincloud.deid.errors import (
    DeidError,
    EncodingError,
    KeyMaterialError,
    MissingColumnError,
)
from fincloud.deid.hierarchy import UncoveredValueError
from fincloud.deid.keys import KeyRing
from fincloud.deid.policy import Policy, parse_policy

KEYS = KeyRing({"main": bytes(range(32))})


def make_policy(columns: dict[str, Any], table: list[Any] | None = None, **extra: Any) -> Policy:
    return parse_policy(
        {
            "fincloud_deid_policy": 1,
            "name": "engine test",
            "purpose": "analytics",
            "other_columns": "keep",
            "columns": columns,
            "table": table or [],
            **extra,
        }
    )


STREAMING = {
    "id_number": {"technique": "pseudonymise", "key": "main"},
    "name": {"technique": "mask", "keep_first": 1},
    "balance": {"technique": "noise", "distribution": "laplace", "scale": 100, "key": "main"},
    "address": {"technique": "tw_admin_area", "level": "city"},
    "email": {"technique": "drop"},
}


@pytest.fixture(scope="module")
def customers_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "customers.csv"
    fake.generate(3_000, seed=5).write_csv(path)
    return path


def fingerprint(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def test_streaming_result_does_not_depend_on_the_batch_size(
    customers_csv: Path, tmp_path: Path
) -> None:
    policy = make_policy(STREAMING)
    a = apply_policy(customers_csv, policy, tmp_path / "a.csv", keyring=KEYS, batch_rows=3_000)
    b = apply_policy(customers_csv, policy, tmp_path / "b.csv", keyring=KEYS, batch_rows=700)
    assert a.mode == b.mode == "streaming"
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert a.output_sha256 == b.output_sha256


def test_run_record_checksum_and_summary(customers_csv: Path, tmp_path: Path) -> None:
    before = fingerprint(customers_csv)
    out = tmp_path / "out.csv"
    seen: list[tuple[int, int | None]] = []
    summary = apply_policy(
        customers_csv,
        make_policy(STREAMING),
        out,
        keyring=KEYS,
        batch_rows=1_000,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert fingerprint(customers_csv) == before  # the source is only read
    assert seen == [(1_000, 3_000), (2_000, 3_000), (3_000, 3_000)]
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert summary.output_sha256 == digest
    assert (tmp_path / "out.csv.sha256").read_text() == f"{digest}  out.csv\n"
    record = json.loads((tmp_path / "out.csv.deid-run.json").read_text())
    assert record["policy_sha256"] == make_policy(STREAMING).sha256()
    assert record["policy"]["columns"]["name"] == {
        "technique": "mask", "keep_first": 1, "keep_last": 0, "char": "*"
    }  # fmt: skip
    assert record["tool_version"].startswith("fincloud ")
    assert record["source_sha256"] == before[0]
    assert record["key_fingerprints"] == KEYS.fingerprints({"main"})
    assert bytes(range(32)).hex() not in json.dumps(record)  # never the key
    assert summary.rows_in == summary.rows_out == 3_000
    assert summary.columns_dropped == ["email"]
    assert set(summary.columns_changed) == {"id_number", "name", "balance", "address", "email"}
    assert "gender" in summary.columns_unchanged
    written = pl.read_csv(out, infer_schema=False)
    assert written.columns == [c for c in summary.columns_in if c != "email"]
    assert sorted(os.listdir(tmp_path)) == ["out.csv", "out.csv.deid-run.json", "out.csv.sha256"]


def test_other_columns_drop(customers_csv: Path, tmp_path: Path) -> None:
    policy = make_policy(
        {"name": {"technique": "mask", "keep_first": 1}, "gender": {"technique": "keep"}},
        other_columns="drop",
    )
    summary = apply_policy(customers_csv, policy, tmp_path / "o.csv", keyring=KEYS)
    assert summary.columns_out == ["name", "gender"]


def test_whole_table_policy_with_record_suppression(customers_csv: Path, tmp_path: Path) -> None:
    policy = make_policy(
        {
            "birth_date": {"technique": "truncate_date", "to": "year"},
            "address": {"technique": "tw_admin_area", "level": "city"},
        },
        [
            {
                "technique": "suppress_records",
                "quasi_identifiers": ["gender", "birth_date", "address"],
                "k": 3,
            }
        ],
    )
    summary = apply_policy(customers_csv, policy, tmp_path / "w.parquet", keyring=KEYS)
    assert summary.mode == "whole table"
    out = pl.read_parquet(tmp_path / "w.parquet")
    assert out.height == 3_000 - summary.records_suppressed
    assert out.group_by("gender", "birth_date", "address").len()["len"].min() >= 3


def test_parquet_and_xlsx_inputs(customers_csv: Path, tmp_path: Path) -> None:
    frame = pl.read_csv(customers_csv, infer_schema=False).head(50)
    frame.write_parquet(tmp_path / "in.parquet")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(frame.columns)
    for row in frame.iter_rows():
        ws.append(list(row))
    wb.save(tmp_path / "in.xlsx")
    policy = make_policy({"id_number": {"technique": "pseudonymise", "key": "main"}})
    for name in ("in.parquet", "in.xlsx"):
        apply_policy(tmp_path / name, policy, tmp_path / f"{name}.out.csv", keyring=KEYS)
    a = pl.read_csv(tmp_path / "in.parquet.out.csv", infer_schema=False)
    b = pl.read_csv(tmp_path / "in.xlsx.out.csv", infer_schema=False)
    assert a["id_number"].to_list() == b["id_number"].to_list()
    assert a["name"].to_list() == frame["name"].to_list()


def test_split_writes_the_identifier_table_beside_the_output(
    customers_csv: Path, tmp_path: Path
) -> None:
    policy = make_policy({}, [{"technique": "split", "columns": ["name", "id_number"]}])
    summary = apply_policy(
        customers_csv, policy, tmp_path / "s.csv", keyring=KEYS, batch_rows=1_000
    )
    ids = pl.read_csv(tmp_path / "s.split.csv", infer_schema=False)
    main = pl.read_csv(tmp_path / "s.csv", infer_schema=False)
    assert summary.side_files["split"] == str(tmp_path / "s.split.csv")
    assert ids.columns == ["link_id", "name", "id_number"] and ids.height == 3_000
    assert main.join(ids, on="link_id").height == 3_000


# --- bad input: a clear error, the source untouched, nothing written -------------------------


def assert_nothing_written(directory: Path, keep: set[str]) -> None:
    assert set(os.listdir(directory)) == keep


def test_policy_naming_a_missing_column(customers_csv: Path, tmp_path: Path) -> None:
    before = fingerprint(customers_csv)
    policy = make_policy({"national_id": {"technique": "drop"}})
    with pytest.raises(MissingColumnError, match=r"columns\.national_id: column 'national_id'"):
        apply_policy(customers_csv, policy, tmp_path / "x.csv", keyring=KEYS)
    table = make_policy(
        {}, [{"technique": "suppress_records", "quasi_identifiers": ["age"], "k": 2}]
    )
    with pytest.raises(MissingColumnError, match=r"table\[0\] \(suppress_records\): column 'age'"):
        apply_policy(customers_csv, table, tmp_path / "x.csv", keyring=KEYS)
    assert fingerprint(customers_csv) == before
    assert_nothing_written(tmp_path, set())


def test_check_policy_against_a_header() -> None:
    from fincloud.deid.engine import check_policy

    policy = make_policy({"balance": {"technique": "swap", "within": ["branch"]}})
    check_policy(make_policy({"balance": {"technique": "round", "base": 10}}), ["balance"])
    with pytest.raises(MissingColumnError, match=r"swap within\): column 'branch'"):
        check_policy(policy, ["balance", "city"])


def test_missing_key_names_the_key_and_where_it_may_come_from(
    customers_csv: Path, tmp_path: Path
) -> None:
    policy = make_policy({"id_number": {"technique": "pseudonymise", "key": "campaign"}})
    with pytest.raises(KeyMaterialError, match=r"'campaign'.*FINCLOUD_DEID_KEY_CAMPAIGN"):
        apply_policy(customers_csv, policy, tmp_path / "x.csv", keyring=KEYS)
    assert_nothing_written(tmp_path, set())


def test_hierarchy_not_covering_a_value(tmp_path: Path, shared_data: Path) -> None:
    data = pl.DataFrame({"age": ["39", "150", "50"]})
    data.write_csv(tmp_path / "ages.csv")
    hierarchy = shared_data / "adult" / "adult_hierarchy_age.csv"
    policy = make_policy({"age": {"technique": "hierarchy", "file": str(hierarchy), "level": 1}})
    with pytest.raises(UncoveredValueError) as caught:
        apply_policy(tmp_path / "ages.csv", policy, tmp_path / "out.csv", keyring=KEYS)
    assert "'150'" in str(caught.value) and "adult_hierarchy_age.csv" in str(caught.value)
    assert "age" in str(caught.value)
    assert_nothing_written(tmp_path, {"ages.csv"})


def test_big5_input_is_recognised_and_can_be_transcoded(tmp_path: Path) -> None:
    text = "姓名,身分證字號\n王小明,A123456789\n陳美玲,F131104093\n"
    path = tmp_path / "big5.csv"
    path.write_bytes(text.encode("cp950"))
    policy = make_policy({"姓名": {"technique": "mask", "keep_first": 1}})
    with pytest.raises(EncodingError, match=r"not UTF-8.*Big5/CP950.*--encoding cp950"):
        apply_policy(path, policy, tmp_path / "out.csv", keyring=KEYS)
    assert_nothing_written(tmp_path, {"big5.csv"})
    apply_policy(path, policy, tmp_path / "out.csv", keyring=KEYS, encoding="cp950")
    out = pl.read_csv(tmp_path / "out.csv")
    assert out["姓名"].to_list() == ["王**", "陳**"]
    assert path.read_bytes() == text.encode("cp950")


def test_latin1_is_not_called_big5(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes("name\nJos\xe9\n".encode("latin-1"))
    with pytest.raises(EncodingError) as caught:
        apply_policy(path, make_policy({}), tmp_path / "o.csv", keyring=KEYS)
    assert "Big5" not in str(caught.value) and "offset 8" in str(caught.value)


def test_output_may_not_overwrite_the_source(customers_csv: Path) -> None:
    before = fingerprint(customers_csv)
    with pytest.raises(DeidError, match="overwrite the source"):
        apply_policy(customers_csv, make_policy({}), customers_csv, keyring=KEYS)
    assert fingerprint(customers_csv) == before


def test_a_failure_midway_leaves_no_output(tmp_path: Path) -> None:
    frame = pl.DataFrame({"amount": [str(i) for i in range(2_000)] + ["n/a"]})
    frame.write_csv(tmp_path / "in.csv")
    policy = make_policy({"amount": {"technique": "round", "base": 10}})
    with pytest.raises(DeidError, match=r"column 'amount' row 2001: not a number"):
        apply_policy(
            tmp_path / "in.csv", policy, tmp_path / "out.csv", keyring=KEYS, batch_rows=500
        )
    assert_nothing_written(tmp_path, {"in.csv"})


def test_level_search_applies_the_optimal_generalisation(shared_data: Path, tmp_path: Path) -> None:
    from fincloud.deid import privacy
    from fincloud.deid.hierarchy import read_hierarchy

    adult = shared_data / "adult"
    qis = ["sex", "age", "race", "marital-status", "education"]
    policy = make_policy(
        {
            q: {"technique": "hierarchy", "file": f"adult_hierarchy_{q}.csv", "level": "search"}
            for q in qis
        },
        search={"models": ["k_anonymity:k=5"], "suppression": 0.04, "metric": "loss"},
    )
    summary = apply_policy(
        adult / "adult.csv", policy, tmp_path / "out.csv", keyring=KEYS, policy_dir=adult,
        separator=";",
    )  # fmt: skip
    frame = pl.read_csv(adult / "adult.csv", separator=";", infer_schema=False)
    hierarchies = {q: read_hierarchy(adult / f"adult_hierarchy_{q}.csv", attribute=q) for q in qis}
    expected = privacy.search(
        frame.select(qis), hierarchies, ["k_anonymity:k=5"], suppression=0.04, metric="loss"
    )
    assert summary.search_levels == expected.levels()
    assert summary.records_suppressed == expected.suppressed_records
    out = pl.read_csv(tmp_path / "out.csv", infer_schema=False)
    assert out.height == frame.height - summary.records_suppressed
    assert out.group_by(qis).len()["len"].min() >= 5
    record = json.loads((tmp_path / "out.csv.deid-run.json").read_text())
    assert record["search_levels"] == expected.levels()


def test_xlsx_dates_read_as_iso_dates(tmp_path: Path) -> None:
    from datetime import date, datetime

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["opened_on", "amount"])
    ws.append([datetime(2024, 1, 5), 1234.0])  # noqa: DTZ001 - Excel cells have no zone
    ws.append([date(2023, 12, 31), 99.5])
    wb.save(tmp_path / "in.xlsx")
    policy = make_policy({"opened_on": {"technique": "truncate_date", "to": "month"}})
    apply_policy(tmp_path / "in.xlsx", policy, tmp_path / "out.csv", keyring=KEYS)
    out = pl.read_csv(tmp_path / "out.csv", infer_schema=False)
    assert out.rows() == [("2024-01", "1234"), ("2023-12", "99.5")]
