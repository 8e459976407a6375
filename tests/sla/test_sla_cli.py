"""`fincloud sla ...` on the command line, and its start-up cost."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from fincloud.cli import evaluate as evaluate_cli
from fincloud.cli import sla as sla_cli


@pytest.fixture(scope="module")
def cli() -> typer.Typer:
    app = typer.Typer()
    evaluate_cli.register(app)
    sla_cli.register(app)
    return app


def invoke(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_table_prints_the_manuals_table(cli: typer.Typer, manual_path: Path) -> None:
    lines = manual_path.read_text(encoding="utf-8").splitlines()
    start = lines.index("服務水準 每年停機時間 每月停機時間 每週停機時間")
    expected = [line for line in lines[start : start + 7] if line.strip()]
    code, out, _ = invoke(cli, "sla", "downtime", "--table")
    assert code == 0
    assert out.splitlines() == expected


def test_downtime_json_keys(cli: typer.Typer) -> None:
    code, out, _ = invoke(cli, "sla", "downtime", "99.999", "--format", "json")
    assert code == 0
    assert json.loads(out) == {
        "availability_percent": 99.999,
        "per_year_seconds": 315.36,
        "per_month_seconds": 25.92,
        "per_week_seconds": 6.048,
    }


def test_downtime_text_in_english(cli: typer.Typer) -> None:
    code, out, _ = invoke(cli, "sla", "downtime", "99.95", "--lang", "en")
    assert code == 0
    assert out.splitlines()[1] == "99.95% 4.38 h 21.6 min 5.04 min"


@pytest.mark.parametrize("value", ["0", "-5", "100.01", "ninety"])
def test_availability_outside_range_is_one_line_exit_2(cli: typer.Typer, value: str) -> None:
    code, out, err = invoke(cli, "sla", "downtime", value, "--lang", "en")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("fincloud: error: AVAILABILITY: ")


def test_composite_json_and_error_position(cli: typer.Typer) -> None:
    code, out, _ = invoke(cli, "sla", "composite", "99.9 * (99.95 | 99.95)", "--format", "json")
    assert code == 0
    assert json.loads(out)["availability_percent"] == 99.899975025
    code, _, err = invoke(cli, "sla", "composite", "99.9 * (99.95 | 99.95", "--lang", "en")
    assert code == 2
    assert err.startswith("fincloud: error: EXPR column 22: expected ')'")


def test_attainment_json(cli: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "outages.csv"
    path.write_text(
        "start,end,planned\n"
        "2026-01-10T10:00,2026-01-10T10:20,false\n"
        "2026-01-12T02:00,2026-01-12T04:00,true\n",
        encoding="utf-8",
    )
    args = ["sla", "attainment", str(path), "--period", "2026-01", "--target", "99.95"]
    code, out, _ = invoke(cli, *args, "--format", "json")
    assert code == 0
    result = json.loads(out)
    assert list(result) == ["availability_percent", "downtime_minutes", "allowed_minutes", "breach"]
    assert result["downtime_minutes"] == 20
    assert result["breach"] is False
    code, out, _ = invoke(cli, *args, "--format", "json", "--include-planned")
    assert json.loads(out)["downtime_minutes"] == 140
    assert json.loads(out)["breach"] is True


def test_attainment_bad_csv_and_missing_options(cli: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "outages.csv"
    path.write_text("from,to\n2026-01-01,2026-01-02\n", encoding="utf-8")
    code, _, err = invoke(
        cli,
        "sla",
        "attainment",
        str(path),
        "--period",
        "2026-01",
        "--target",
        "99.9",
        "--lang",
        "en",
    )
    assert code == 2
    assert err.count("\n") == 1
    assert "line 1: the CSV needs the columns start,end,planned" in err
    code, _, err = invoke(cli, "sla", "attainment", str(path), "--target", "99.9")
    assert code == 2
    assert err.startswith("fincloud: error: --period")


def test_sla_start_up_imports_nothing_heavy() -> None:
    """Issue 5 §5: no Django or other heavy module at start-up of `fincloud sla`. (Typer itself
    imports pydantic to coerce parameters, so pydantic is not on the list.)"""
    script = (
        "import sys\n"
        "sys.argv = ['fincloud', 'sla', 'downtime', '99.9']\n"
        "from fincloud.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('django', 'polars', 'numpy', 'openpyxl', 'yaml', 'docx', 'weasyprint',"
        " 'matplotlib', 'rich', 'fincloud.rules.engine')\n"
        "print('LOADED', [m for m in heavy if m in sys.modules])\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert "LOADED []" in proc.stdout


def test_attainment_reads_a_csv_saved_with_a_byte_order_mark(
    cli: typer.Typer, tmp_path: Path
) -> None:
    path = tmp_path / "outages.csv"
    path.write_bytes(
        "start,end,planned\n2026-01-10T10:00,2026-01-10T10:30,false\n".encode("utf-8-sig")
    )
    args = ["sla", "attainment", str(path), "--period", "2026-01", "--target", "99.9"]
    code, out, err = invoke(cli, *args, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["downtime_minutes"] == 30
