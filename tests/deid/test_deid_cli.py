"""`fincloud deid scan | apply | fake | keygen` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from fincloud.cli import app
from fincloud.identifiers import is_valid_national_id, is_valid_resident_certificate

runner = CliRunner()

POLICY = """\
fincloud_deid_policy: 1
name: 客戶資料 - 分析用
purpose: analytics
other_columns: keep
columns:
  id_number: {technique: pseudonymise, key: main}
  name: {technique: mask, keep_first: 1}
  mobile: {technique: mask, keep_first: 4, keep_last: 3}
  landline: {technique: drop}
  email: {technique: drop}
  card_no: {technique: mask, keep_last: 4}
  account_no: {technique: encrypt, key: main, reversible_by_key_holder: true}
  address: {technique: tw_admin_area, level: district}
  employer_ubn: {technique: drop}
  note: {technique: drop}
"""


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    result = runner.invoke(app, ["deid", "fake", "--rows", "500", "-o", str(tmp_path / "c.csv")])
    assert result.exit_code == 0, result.output
    (tmp_path / "policy.yaml").write_text(POLICY, encoding="utf-8")
    result = runner.invoke(
        app, ["deid", "keygen", "-o", str(tmp_path / "keys.txt"), "--name", "main"]
    )
    assert result.exit_code == 0, result.output
    return tmp_path


def test_fake_rows_are_valid_and_reproducible(workdir: Path) -> None:
    frame = pl.read_csv(workdir / "c.csv", infer_schema=False)
    assert frame.height == 500
    assert all(
        is_valid_national_id(v) or is_valid_resident_certificate(v) for v in frame["id_number"]
    )
    runner.invoke(app, ["deid", "fake", "--rows", "500", "-o", str(workdir / "again.csv")])
    assert (workdir / "again.csv").read_bytes() == (workdir / "c.csv").read_bytes()


def test_scan_json_contract(workdir: Path) -> None:
    result = runner.invoke(app, ["deid", "scan", str(workdir / "c.csv")])
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["rows"] == 500
    assert report["columns"]["id_number"][0]["type"] == "tw_national_id"
    assert report["columns"]["name"] == []
    frame = pl.read_csv(workdir / "c.csv", infer_schema=False)
    for value in frame["id_number"].head(20):
        assert value not in result.stdout  # never the values


def test_scan_text_in_both_languages(workdir: Path) -> None:
    zh = runner.invoke(app, ["deid", "scan", str(workdir / "c.csv"), "--format", "text"])
    en = runner.invoke(
        app, ["deid", "scan", str(workdir / "c.csv"), "--format", "text", "--lang", "en"]
    )
    assert "mobile: tw_mobile_phone 有效 500、無效 0" in zh.stdout
    assert "mobile: tw_mobile_phone valid 500, invalid 0" in en.stdout


def test_apply_then_scan_after(workdir: Path) -> None:
    result = runner.invoke(
        app,
        ["deid", "apply", str(workdir / "c.csv"), "--policy", str(workdir / "policy.yaml"),
         "-o", str(workdir / "out.csv"), "--key-file", str(workdir / "keys.txt"),
         "--format", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["rows_out"] == 500 and summary["reversible_columns"] == ["account_no"]
    after = json.loads(runner.invoke(app, ["deid", "scan", str(workdir / "out.csv")]).stdout)
    remaining = {c: [f["type"] for f in fs] for c, fs in after["columns"].items() if fs}
    # Masked mobiles and cards no longer have an identifier's shape; what is left are the
    # pseudonyms' and ciphertexts' own digit runs, if any, but no ID, phone, card or e-mail.
    for types in remaining.values():
        assert not {"tw_national_id", "tw_mobile_phone", "payment_card", "email"} & set(types)


def test_apply_text_summary(workdir: Path) -> None:
    result = runner.invoke(
        app,
        ["deid", "apply", str(workdir / "c.csv"), "--policy", str(workdir / "policy.yaml"),
         "-o", str(workdir / "out.parquet"), "--key-file", str(workdir / "keys.txt")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "輸出 SHA-256" in result.stdout and "持有金鑰者可還原之欄位: account_no" in result.stdout
    assert pl.read_parquet(workdir / "out.parquet").height == 500


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["scan", "missing.csv"], "missing.csv: no such file"),
        (["apply", "c.csv", "--policy", "policy.yaml", "-o", "out.csv"], "needs the key 'main'"),
        (["apply", "c.csv", "--policy", "nope.yaml", "-o", "o.csv"], "--policy nope.yaml"),
        (["apply", "c.csv", "--policy", "policy.yaml", "-o", "o.txt", "--key-file", "keys.txt"],
         "unknown output format"),
        (["fake", "--rows", "5", "-o", "x.json"], "unknown output format"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(
    workdir: Path, args: list[str], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(workdir)
    monkeypatch.delenv("FINCLOUD_DEID_KEY_MAIN", raising=False)
    result = runner.invoke(app, ["deid", *args])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fincloud: error:") and message in lines[0]
    assert "Traceback" not in result.output


def test_policy_with_a_missing_column_names_it(workdir: Path) -> None:
    (workdir / "bad.yaml").write_text(POLICY + "  national_id: {technique: drop}\n", "utf-8")
    result = runner.invoke(
        app,
        ["deid", "apply", str(workdir / "c.csv"), "--policy", str(workdir / "bad.yaml"),
         "-o", str(workdir / "o.csv"), "--key-file", str(workdir / "keys.txt")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "column 'national_id' is not in the input" in result.stderr
    assert not (workdir / "o.csv").exists()


def test_keys_from_the_environment(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINCLOUD_DEID_KEY_MAIN", "ab" * 32)
    result = runner.invoke(
        app,
        ["deid", "apply", str(workdir / "c.csv"), "--policy", str(workdir / "policy.yaml"),
         "-o", str(workdir / "env.csv")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def test_keygen_refuses_to_overwrite(workdir: Path) -> None:
    before = (workdir / "keys.txt").read_text()
    result = runner.invoke(app, ["deid", "keygen", "-o", str(workdir / "keys.txt")])
    assert result.exit_code == 2 and (workdir / "keys.txt").read_text() == before
    assert (workdir / "keys.txt").stat().st_mode & 0o077 == 0


def test_scan_of_a_big5_file_says_so(tmp_path: Path) -> None:
    path = tmp_path / "big5.csv"
    path.write_bytes("姓名,電話\n王小明,0912345678\n".encode("cp950"))
    result = runner.invoke(app, ["deid", "scan", str(path)])
    assert result.exit_code == 2 and "Big5/CP950" in result.stderr
    ok = runner.invoke(app, ["deid", "scan", str(path), "--encoding", "cp950"])
    assert json.loads(ok.stdout)["columns"]["電話"][0]["type"] == "tw_mobile_phone"


def test_the_deid_commands_load_without_heavy_imports() -> None:
    code = (
        "import sys, fincloud.cli.deid_tools; "
        "print(any(m in sys.modules for m in ('polars', 'numpy', 'cryptography')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )  # fmt: skip
    assert out.stdout.strip() == "False"
