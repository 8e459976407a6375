"""A realistic policy de-identifies the Taiwan credit data end to end, through the CLI, and
the shipped marketing and testing policies run on generated customers."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from fincloud.cli import app
from fincloud.deid.policies import example, examples

runner = CliRunner()


def invoke(*args: str) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, ["deid", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_credit_data_for_cloud_analytics(shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / "taiwan-credit-default" / "UCI_Credit_Card.csv"
    before = source.read_bytes()
    runner.invoke(app, ["deid", "keygen", "-o", str(tmp_path / "keys.txt"), "--name", "main"])
    out = tmp_path / "credit.csv"
    summary = invoke(
        "apply", str(source), "--policy", str(example("credit_analytics")), "-o", str(out),
        "--key-file", str(tmp_path / "keys.txt"),
    )  # fmt: skip
    assert source.read_bytes() == before
    frame = pl.read_csv(out, infer_schema=False)
    original = pl.read_csv(source, infer_schema=False)
    qis = ["X2", "X3", "X4", "X5"]
    # (a) singling out: every combination of the quasi-identifiers holds five or more people.
    assert frame.group_by(qis, maintain_order=True).len()["len"].min() >= 5
    assert summary["records_suppressed"] == original.height - frame.height
    assert summary["records_suppressed"] < 0.01 * original.height  # little is lost
    # (b) linkability: the card-holder id is a keyed pseudonym, unique per holder.
    assert frame["ID"].str.contains("^H[0-9a-f]{20}$").all()
    assert frame["ID"].n_unique() == frame.height
    assert set(frame["X3"].unique()) <= {"研究所", "大學", "高中", "其他"}
    assert frame["X5"].str.contains(r"^\d{2}-\d{2}$").all()
    limits = frame["X1"].cast(pl.Float64)
    assert (limits % 10_000 == 0).all()
    assert limits.max() <= original["X1"].cast(pl.Float64).quantile(0.99, "lower") + 5_000
    assert (frame["X12"].cast(pl.Int64) % 1000 == 0).all()
    # What the analysis needs is still there: the default rate barely moves.
    rate = frame["Y"].cast(pl.Float64).mean() or 0.0
    assert abs(rate - (original["Y"].cast(pl.Float64).mean() or 0.0)) < 0.005
    record = json.loads((tmp_path / "credit.csv.deid-run.json").read_text())
    assert record["policy_name"].startswith("信用卡違約資料")
    scan_after = invoke("scan", str(out))
    assert scan_after["rows"] == frame.height


def test_marketing_and_testing_presets_on_generated_customers(tmp_path: Path) -> None:
    assert examples() == ["credit_analytics", "customers_marketing", "customers_testing"]
    data = tmp_path / "customers.csv"
    runner.invoke(app, ["deid", "fake", "--rows", "3000", "-o", str(data)])
    runner.invoke(app, ["deid", "keygen", "-o", str(tmp_path / "k.txt"), "--name", "campaign"])
    marketing = invoke(
        "apply", str(data), "--policy", str(example("customers_marketing")),
        "-o", str(tmp_path / "m.csv"), "--key-file", str(tmp_path / "k.txt"),
    )  # fmt: skip
    assert marketing["policy"]["delete_by"] == "2026-12-31"
    assert marketing["columns_out"] == [
        "id_number", "gender", "birth_date", "address", "occupation", "annual_income"
    ]  # fmt: skip
    assert Path(marketing["side_files"]["mapping"]).exists()
    m = pl.read_csv(tmp_path / "m.csv", infer_schema=False)
    qis = ["gender", "birth_date", "address", "occupation"]
    assert m.group_by(qis).len()["len"].min() >= 5
    testing = invoke(
        "apply", str(data), "--policy", str(example("customers_testing")),
        "-o", str(tmp_path / "t.csv"),
    )  # fmt: skip
    t = pl.read_csv(tmp_path / "t.csv", infer_schema=False)
    assert t.columns == ["gender", "occupation", "annual_income", "credit_limit", "balance"]
    assert testing["rows_out"] == 3000
