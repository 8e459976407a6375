"""`fincloud catalog ...`: exports open in their readers, bad input is one line and exit 2,
`diff` shows the fixture editions' changes, `coverage` and `verify` exit 1 on a problem."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from fincloud.catalog import load_catalog
from fincloud.catalog.diff import diff
from fincloud.cli import app

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "editions"


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Directories made by the tests get cache files of their own: keep them out of ~/.cache.
    monkeypatch.setenv("FINCLOUD_CACHE_DIR", str(tmp_path / "cache"))


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["catalog", *args])
    return result.exit_code, result.stdout, result.stderr


# Bad input: one line on stderr, exit 2 ------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("show", "ch9.9.z"), "unknown catalog id 'ch9.9.z' in edition 2025"),
        (("show", "ch1", "--edition", "1999"), "unknown catalog edition '1999' (known: 2025)"),
        (("export", "--format", "pdf"), "--format: must be json or oscal or xlsx or csv"),
        (("export", "--format", "xlsx"), "-o: xlsx is a binary format"),
        (("search", "金鑰", "--lang", "fr"), "--lang: must be zh-TW or en, got 'fr'"),
        (("coverage", "--root", "a4"), "--root: 'a4' is not one of"),
        (("diff", "2025", "./no/such/dir"), "is not a directory of catalog files"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: tuple[str, ...], message: str) -> None:
    code, _, err = run(*args)
    assert code == 2
    assert err.count("\n") == 1 and message in err
    assert "Traceback" not in err


def test_malformed_data_file_names_file_line_and_field(tmp_path: Path) -> None:
    edition = tmp_path / "bad"
    edition.mkdir()
    text = (FIXTURES / "2025" / "ch1.yaml").read_text(encoding="utf-8")
    (edition / "ch1.yaml").write_text(text.replace("kind: item", "kind: itme", 1), encoding="utf-8")
    code, _, err = run("diff", str(FIXTURES / "2025"), str(edition))
    assert code == 2
    assert err.startswith("fincloud: error: ch1.yaml:16: field 'kind': unknown kind 'itme'")


# Exports to files, read back -------------------------------------------------------------------
def test_export_json_to_stdout_is_the_interchange_format() -> None:
    code, out, _ = run("export", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert document["edition"] == "2025"
    assert len(document["nodes"]) == len(load_catalog("2025"))


def test_export_each_format_to_a_file(tmp_path: Path) -> None:
    for fmt, name in (
        ("json", "c.json"),
        ("oscal", "c.oscal.json"),
        ("csv", "c.csv"),
        ("xlsx", "c.xlsx"),
    ):
        code, out, err = run("export", "--format", fmt, "-o", str(tmp_path / name), "--lang", "en")
        assert (code, out, err) == (0, "", ""), fmt
    assert json.loads((tmp_path / "c.oscal.json").read_text(encoding="utf-8"))["catalog"]["groups"]
    rows = list(csv.reader(io.StringIO((tmp_path / "c.csv").read_text(encoding="utf-8-sig"))))
    assert rows[0][0] == "id" and rows[1][0] == "ch0"
    assert load_workbook(tmp_path / "c.xlsx").sheetnames[:2] == ["General", "Chapter 1"]


# show / search ------------------------------------------------------------------------------------
def test_show_text_and_json() -> None:
    code, out, _ = run("show", "ch1.4.sod.a")
    assert code == 0
    assert "啟動、核可及執行變更；" in out and "Initiating, approving and executing changes;" in out
    assert "雲端治理架構與權責劃分" in out  # the breadcrumb
    code, out, _ = run("show", "ch1.4", "--format", "json", "--lang", "en")
    data = json.loads(out)
    assert data["id"] == "ch1.4" and "ch1.4.sod.d" in data["children"]
    assert data["ancestors"] == ["ch1"]


def test_search_lists_hits_exact_first() -> None:
    code, out, _ = run("search", "共享責任", "--limit", "3")
    assert code == 0
    assert out.splitlines()[0].startswith("ch3.2  [section]")
    code, out, _ = run("search", "segregation of duties", "--format", "json")
    hits = json.loads(out)["hits"]
    assert hits and hits[0]["rank"] <= hits[-1]["rank"]
    code, out, _ = run("search", "zzzzqqq", "--lang", "en")
    assert (code, out) == (0, "No node matches.\n")


# diff between editions (fixtures) -------------------------------------------------------
def test_diff_of_the_fixture_editions() -> None:
    old = load_catalog(directory=FIXTURES / "2024")
    new = load_catalog(directory=FIXTURES / "2025")
    result = diff(old, new)
    assert [n.id for n in result.added] == ["ch1.4.governance.b"]
    assert [n.id for n in result.removed] == ["ch1.4.governance.x"]
    assert [(c.id, c.fields) for c in result.changed] == [
        ("ch1.4.governance.a", ("text_zh", "text_en")),
        ("ch1.4.governance.c", ("text_zh", "text_en")),
    ]
    # Annex 5 r1: 風管 (risk management) was added to the committee's departments.
    change = result.changed[0]
    assert "風管" not in change.old.text_zh and "風管" in change.new.text_zh
    assert diff(new, new).empty


def test_diff_command_prints_added_removed_changed() -> None:
    code, out, _ = run("diff", str(FIXTURES / "2024"), str(FIXTURES / "2025"), "--lang", "en")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "2024 → 2025: 1 added, 1 removed, 2 changed"
    assert lines[1].startswith("+ ch1.4.governance.b  [item]")
    assert lines[2].startswith("- ch1.4.governance.x  [item]")
    assert "~ ch1.4.governance.a  (text_zh, text_en)" in lines
    code, out, _ = run("diff", str(FIXTURES / "2024"), str(FIXTURES / "2025"), "--format", "json")
    data = json.loads(out)
    assert data["changed"][1]["changes"]["text_zh"]["new"].endswith("並促進內部協作。")


# coverage / verify ------------------------------------------------------------------------
def test_coverage_and_verify_pass_on_the_edition(manual_path: Path) -> None:
    code, out, _ = run("coverage", "--manual", str(manual_path), "--lang", "en")
    assert code == 0, out
    assert "missing: 0" in out
    code, out, _ = run("verify", "--manual", str(manual_path))
    assert code == 0 and out.endswith(" not verbatim\n") and " 0 not verbatim" in out


def test_coverage_exits_1_and_lists_the_misses(manual_path: Path, tmp_path: Path) -> None:
    edition = tmp_path / "partial"
    edition.mkdir()
    shutil.copy(FIXTURES / "2025" / "ch1.yaml", edition / "ch1.yaml")
    code, out, _ = run(
        "coverage", "--root", "ch1", "--manual", str(manual_path), "--edition", str(edition)
    )
    assert code == 1
    assert "ch1  line  164  (c)" in out  # e.g. the third segregation-of-duties pair
    code, out, _ = run(
        "coverage", "--root", "ch1", "--manual", str(manual_path), "--edition", str(edition),
        "--format", "json",
    )  # fmt: skip
    report = json.loads(out)
    assert report["with_node"] == 5  # chapter, section and the three fixture items
    assert len(report["missing"]) == report["places"] - 5


def test_verify_exits_1_on_text_that_is_not_the_manuals(manual_path: Path) -> None:
    code, out, _ = run("verify", "--manual", str(manual_path), "--edition", str(FIXTURES / "2024"))
    assert code == 1
    assert "ch1.4.governance.x: not in the manual" in out


def test_stats() -> None:
    code, out, _ = run("stats", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["nodes"] == sum(data["by_root"].values()) == sum(data["by_kind"].values())


def test_fincloud_help_stays_light() -> None:
    # The catalog command must not import the catalog (YAML, openpyxl, trestle) at start-up.
    heavy = "('fincloud.catalog', 'openpyxl', 'yaml', 'trestle')"
    code = (
        "import sys; import fincloud.cli; "
        f"print(sorted(m for m in sys.modules if m.startswith({heavy})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
