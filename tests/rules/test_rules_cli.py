"""`fincloud evaluate`: the ten example profiles, the JSON contract, batches and bad input."""

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

PROFILES = Path(__file__).parent / "profiles"
OUTPUT_KEYS = [
    "in_scope",
    "offshore",
    "classification",
    "regulator_approval_required",
    "audit",
    "contract_rows",
    "locations_needing_assessment",
    "citations",
    "explanation",
]

# What the manual says each example is (RULES.md §1-§4 applied by hand).
EXPECTED = {
    "p01_material_consumer_finance_offshore.yaml": ("material_consumer_finance_offshore", "none"),
    "p02_material_offshore.json": ("material_offshore", "none"),
    "p03_non_material_offshore.yaml": ("non_material_offshore", "none"),
    "p04_domestic_material_consumer_finance.yaml": ("domestic", "none"),
    "p05_out_of_scope_criteria.json": ("out_of_scope", "none"),
    "p06_market_information_platform.json": ("out_of_scope", "market_information_platform"),
    "p07_no_customer_data_environment.yaml": ("out_of_scope", "no_customer_data_environment"),
    "p08_non_identifying_marketing.yaml": ("out_of_scope", "non_identifying_marketing"),
    "p09_video_conferencing.json": ("out_of_scope", "video_conferencing"),
    "p10_internal_collaboration.yaml": ("out_of_scope", "internal_collaboration"),
}


@pytest.fixture(scope="module")
def cli() -> typer.Typer:
    # Only this issue's commands, so other helpers' work in progress cannot break these tests.
    app = typer.Typer()
    evaluate_cli.register(app)
    sla_cli.register(app)
    return app


def invoke(app: typer.Typer, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_the_ten_profiles_cover_every_classification_and_exclusion() -> None:
    assert sorted(p.name for p in PROFILES.iterdir()) == sorted(EXPECTED)
    classifications = {c for c, _ in EXPECTED.values()}
    exclusions = {e for _, e in EXPECTED.values()}
    assert classifications == {
        "material_consumer_finance_offshore",
        "material_offshore",
        "non_material_offshore",
        "domestic",
        "out_of_scope",
    }
    assert exclusions == {
        "none",
        "market_information_platform",
        "no_customer_data_environment",
        "non_identifying_marketing",
        "video_conferencing",
        "internal_collaboration",
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_profile_prints_the_contract_json(cli: typer.Typer, name: str) -> None:
    code, out, err = invoke(cli, "evaluate", str(PROFILES / name))
    assert code == 0, err
    result = json.loads(out)
    keys = list(result)
    if "materiality_proposal" in keys:
        keys.remove("materiality_proposal")
        assert list(result["materiality_proposal"]) == [
            "proposed",
            "reasons",
            "disagrees_with_material",
        ]
    assert keys == OUTPUT_KEYS
    classification, exclusion = EXPECTED[name]
    assert result["classification"] == classification
    if exclusion != "none":
        letter = "abcde"[
            [
                "market_information_platform",
                "no_customer_data_environment",
                "non_identifying_marketing",
                "video_conferencing",
                "internal_collaboration",
            ].index(exclusion)
        ]
        assert f"ch9.2.exclusion.{letter}" in result["citations"]
    assert all(not row.startswith("a3.") for row in result["contract_rows"])
    assert all(isinstance(line, str) and "\n" not in line for line in result["explanation"])


def test_p03_flags_the_materiality_disagreement(cli: typer.Typer) -> None:
    _, out, _ = invoke(cli, "evaluate", str(PROFILES / "p03_non_material_offshore.yaml"))
    proposal = json.loads(out)["materiality_proposal"]
    assert proposal["proposed"] is True
    assert proposal["disagrees_with_material"] is True


def test_lang_en_and_text_format(cli: typer.Typer) -> None:
    path = str(PROFILES / "p04_domestic_material_consumer_finance.yaml")
    _, out, _ = invoke(cli, "evaluate", path, "--lang", "en")
    explanation = json.loads(out)["explanation"]
    assert any("stricter reading" in line for line in explanation)
    code, text, _ = invoke(cli, "evaluate", path, "--format", "text")
    assert code == 0
    assert "分級: 分級4 境內雲端委外作業 (domestic)" in text
    assert "18.II.6" in text


def test_profile_from_standard_input(cli: typer.Typer) -> None:
    profile = (PROFILES / "p02_material_offshore.json").read_text(encoding="utf-8")
    code, out, _ = invoke(cli, "evaluate", "-", stdin=profile)
    assert code == 0
    assert json.loads(out)["classification"] == "material_offshore"
    yaml_profile = (PROFILES / "p07_no_customer_data_environment.yaml").read_text("utf-8")
    code, out, _ = invoke(cli, "evaluate", "-", stdin=yaml_profile)
    assert json.loads(out)["classification"] == "out_of_scope"


@pytest.mark.parametrize(
    ("profile", "field", "rule"),
    [
        ({"colour": "red"}, "colour", "unknown key"),
        ({"material": "yes"}, "material", "must be true or false"),
        ({"institution_type": "insurer"}, "institution_type", "unknown value"),
        ({"locations": ["tw"]}, "locations[0]", "upper case"),
        ({"locations": ["ZZ"]}, "locations[0]", "not an ISO 3166-1 alpha-2"),
        ({"locations": []}, "locations", "must not be empty"),
    ],
)
def test_bad_profile_gives_one_line_naming_field_and_rule(
    cli: typer.Typer, tmp_path: Path, profile: dict[str, object], field: str, rule: str
) -> None:
    base = json.loads((PROFILES / "p02_material_offshore.json").read_text("utf-8"))
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({**base, **profile}), encoding="utf-8")
    code, out, err = invoke(cli, "evaluate", str(path), "--lang", "en")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"fincloud: error: {field}: ")
    assert rule in err


def test_malformed_file_names_line_and_column(cli: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "material": tru\n}', encoding="utf-8")
    code, _, err = invoke(cli, "evaluate", str(path), "--lang", "en")
    assert code == 2
    assert f"{path} line 2, column 15: invalid JSON" in err


# -- batches -----------------------------------------------------------------------------------


def test_jsonl_batch_keeps_going_past_bad_lines(cli: typer.Typer, tmp_path: Path) -> None:
    good = json.loads((PROFILES / "p02_material_offshore.json").read_text("utf-8"))
    lines = [
        json.dumps(good),
        json.dumps({**good, "locations": ["jp"]}),
        "not json",
        "",
        json.dumps({**good, "locations": ["TW"]}),
    ]
    batch = tmp_path / "profiles.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out_path = tmp_path / "out.jsonl"
    code, _, err = invoke(cli, "evaluate", "--batch", str(batch), "-o", str(out_path))
    assert code == 1
    results = [json.loads(line) for line in out_path.read_text("utf-8").splitlines()]
    assert len(results) == 4  # the blank line 4 is skipped
    assert results[0]["classification"] == "material_offshore"
    assert results[1]["line"] == 2
    assert results[1]["error"].startswith("line 2: locations[0]")
    assert results[2]["line"] == 3
    assert results[3]["classification"] == "domestic"
    assert f"{batch}: line 2: locations[0]" in err
    assert f"{batch}: line 3, column 1" in err


def test_csv_batch_to_stdout(cli: typer.Typer, tmp_path: Path) -> None:
    batch = tmp_path / "profiles.csv"
    batch.write_text(
        "institution_type,license_business_or_customer_data,csp_processes_or_stores_data,"
        "exclusion,service_model,locations,consumer_finance_system,material\n"
        "domestic_bank,true,true,,SaaS,TW;JP,true,true\n"
        "other,true,true,,SaaS,TW,false,false\n"
        'credit_cooperative,true,true,none,IaaS,"TW, SG",false,maybe\n',
        encoding="utf-8",
    )
    code, out, err = invoke(cli, "evaluate", "--batch", str(batch), "--lang", "en")
    assert code == 1
    results = [json.loads(line) for line in out.splitlines()]
    assert results[0]["classification"] == "material_consumer_finance_offshore"
    assert results[1]["classification"] == "out_of_scope"
    assert results[2] == {
        "line": 4,
        "error": "line 4, column material: must be true or false, got 'maybe'",
    }
    assert "2 evaluated, 1 failed" in err


def test_csv_without_the_needed_columns_is_bad_input(cli: typer.Typer, tmp_path: Path) -> None:
    batch = tmp_path / "profiles.csv"
    batch.write_text("institution_type,material\ndomestic_bank,true\n", encoding="utf-8")
    code, out, err = invoke(cli, "evaluate", "--batch", str(batch), "--lang", "en")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert "line 1: the CSV lacks the required column(s)" in err


def test_all_good_batch_exits_zero(cli: typer.Typer, tmp_path: Path) -> None:
    good = (PROFILES / "p02_material_offshore.json").read_text("utf-8").replace("\n", "")
    batch = tmp_path / "ok.jsonl"
    batch.write_text(good + "\n" + good + "\n", encoding="utf-8")
    code, out, _ = invoke(cli, "evaluate", "--batch", str(batch))
    assert code == 0
    assert len(out.splitlines()) == 2


# -- the real console script -------------------------------------------------------------------


def fincloud(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    script = Path(sys.executable).parent / "fincloud"
    return subprocess.run(
        [str(script), *args], input=stdin, capture_output=True, text=True, timeout=60, check=False
    )


def test_console_script_bad_input_has_no_traceback() -> None:
    proc = fincloud(
        "evaluate",
        "-",
        stdin='{"institution_type": "bank"}',
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("fincloud: error: institution_type")


def test_console_script_evaluates_a_profile() -> None:
    proc = fincloud("evaluate", str(PROFILES / "p01_material_consumer_finance_offshore.yaml"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["regulator_approval_required"] is True


def test_evaluate_start_up_imports_nothing_heavy() -> None:
    """Issue 5 §5: `fincloud evaluate` of a JSON profile loads no Django, YAML or data stack."""
    profile = PROFILES / "p02_material_offshore.json"
    script = (
        "import sys\n"
        f"sys.argv = ['fincloud', 'evaluate', {str(profile)!r}]\n"
        "from fincloud.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = ('django', 'polars', 'numpy', 'openpyxl', 'yaml', 'docx', 'weasyprint',"
        " 'matplotlib', 'rich', 'fincloud.catalog')\n"
        "print('LOADED', [m for m in heavy if m in sys.modules])\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert "LOADED []" in proc.stdout
