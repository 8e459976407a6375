"""`fincloud deid search` and `fincloud deid assess`: the JSON contract and the bad-input rules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from fincloud.cli import app

ADULT_QIS = (
    "sex",
    "age",
    "race",
    "marital-status",
    "education",
    "native-country",
    "workclass",
    "occupation",
    "salary-class",
)

runner = CliRunner()


def _qi_args(adult_dir: Path, names: tuple[str, ...] = ADULT_QIS) -> list[str]:
    args: list[str] = []
    for name in names:
        args += ["--qi", f"{name}={adult_dir / f'adult_hierarchy_{name}.csv'}"]
    return args


@pytest.fixture(scope="module")
def adult_dir(shared_data: Path) -> Path:
    return shared_data / "adult"


def _search(adult_dir: Path, *extra: str) -> list[str]:
    return [
        "deid",
        "search",
        str(adult_dir / "adult.csv"),
        "--sep",
        ";",
        *_qi_args(adult_dir),
        *extra,
    ]


def _one_line_error(result: object) -> str:
    stderr: str = result.stderr  # type: ignore[attr-defined]
    assert result.exit_code == 2, stderr  # type: ignore[attr-defined]
    assert result.stdout == ""  # type: ignore[attr-defined]
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("fincloud: error: ")
    return lines[0]


def test_whole_command_prints_the_json_contract(adult_dir: Path) -> None:
    """The command other tools script against, run as a process (ARX case k5_supp4_entropy)."""
    fincloud = Path(sys.executable).with_name("fincloud")
    args = [
        str(fincloud),
        *_search(
            adult_dir,
            "--model",
            "k_anonymity:k=5",
            "--suppression",
            "0.04",
            "--metric",
            "non_uniform_entropy:monotonic",
            "--format",
            "json",
        ),
    ]
    done = subprocess.run(args, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    out = json.loads(done.stdout)
    # The contract other tools script against: exactly these three keys.
    assert set(out) == {"transformation", "information_loss", "suppressed_records"}
    assert out["transformation"] == dict(zip(ADULT_QIS, [1, 0, 1, 1, 3, 2, 2, 0, 1], strict=True))
    assert out["information_loss"] == pytest.approx(255559.85455731067, rel=1e-9)
    assert 0 < out["suppressed_records"] <= int(0.04 * 30162)
    with_stats = subprocess.run(
        [*args, "--stats"], capture_output=True, text=True, check=False, timeout=120
    )
    stats = json.loads(with_stats.stdout)
    assert stats["lattice_size"] == 2 * 5 * 2 * 3 * 4 * 3 * 3 * 3 * 2
    assert 0 < stats["nodes_checked"] < stats["lattice_size"]


def test_separator_is_sniffed_and_text_is_chinese_by_default(adult_dir: Path) -> None:
    args = _search(
        adult_dir, "--model", "k_anonymity:k=100", "--suppression", "0", "--metric", "height"
    )
    args.remove("--sep")
    args.remove(";")
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert "最佳轉換" in result.stdout
    assert "資訊損失 (height)" in result.stdout


def test_no_solution_is_exit_0_with_transformation_null(adult_dir: Path) -> None:
    args = [
        "deid",
        "search",
        str(adult_dir / "adult.csv"),
        *_qi_args(adult_dir, tuple(n for n in ADULT_QIS if n != "occupation")),
        "--sensitive",
        "occupation",
        "--model",
        "entropy_l_diversity:l=100:estimator=shannon",
        "--suppression",
        "0.04",
        "--metric",
        "non_uniform_entropy",
        "--format",
        "json",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["transformation"] is None
    assert out["information_loss"] is None
    assert out["suppressed_records"] is None
    assert out["nearest"]["violating_records"] == 30162
    assert "occupation" in out["reason"]


def test_output_file_is_generalised_and_k_anonymous(adult_dir: Path, tmp_path: Path) -> None:
    target = tmp_path / "released.csv"
    result = runner.invoke(
        app,
        _search(
            adult_dir,
            "--model",
            "k_anonymity:k=5",
            "--suppression",
            "0.04",
            "--metric",
            "non_uniform_entropy:monotonic",
            "--format",
            "json",
            "-o",
            str(target),
        ),
    )
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    released = pl.read_csv(target, separator=";", infer_schema=False)
    assert released.height == 30162
    starred = released.filter(pl.all_horizontal([pl.col(c) == "*" for c in ADULT_QIS]))
    assert starred.height == out["suppressed_records"]
    # Every other record sits in a class of at least 5 records, on the reported levels.
    kept = released.filter(~pl.all_horizontal([pl.col(c) == "*" for c in ADULT_QIS]))
    sizes = kept.group_by(list(ADULT_QIS)).len()
    assert sizes.get_column("len").min() >= 5
    ages = set(kept.get_column("age").to_list())
    assert ages <= {str(a) for a in range(1, 101)}  # age stays at level 0
    assert set(kept.get_column("sex").to_list()) == {"*"}  # sex at level 1 of 1


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (
            ["--model", "k_anon:k=5", "--suppression", "0", "--metric", "height"],
            "unknown privacy model",
        ),
        (["--model", "k_anonymity:k=0", "--suppression", "0", "--metric", "height"], "k must be"),
        (
            ["--model", "k_anonymity:k=5", "--suppression", "0", "--metric", "entropy"],
            "unknown metric",
        ),
        (["--model", "k_anonymity:k=5", "--suppression", "1.5", "--metric", "height"], "[0, 1]"),
        (["--model", "k_anonymity:k=5", "--suppression", "-0.1", "--metric", "height"], "[0, 1]"),
        (
            ["--model", "k_anonymity:k=5", "--suppression", "lots", "--metric", "height"],
            "--suppression",
        ),
        (
            ["--model", "equal_t_closeness:t=0", "--suppression", "0", "--metric", "height"],
            "(0, 1]",
        ),
        (
            ["--model", "ordered_t_closeness:t=1.5", "--suppression", "0", "--metric", "height"],
            "(0, 1]",
        ),
        (["--model", "k_anonymity:k=5", "--suppression", "0"], "--metric is required"),
        (["--suppression", "0", "--metric", "height"], "--model is required"),
        (
            ["--model", "distinct_l_diversity:l=2", "--suppression", "0", "--metric", "height"],
            "--sensitive",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    adult_dir: Path, tmp_path: Path, extra: list[str], needle: str
) -> None:
    target = tmp_path / "out.csv"
    result = runner.invoke(app, [*_search(adult_dir, *extra), "-o", str(target)])
    assert needle in _one_line_error(result)
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_hierarchy_that_does_not_cover_a_value_names_value_and_file(
    adult_dir: Path, tmp_path: Path
) -> None:
    partial = tmp_path / "sex.csv"
    partial.write_text("Male;*\n", encoding="utf-8")  # no row for Female
    args = [
        "deid",
        "search",
        str(adult_dir / "adult.csv"),
        "--qi",
        f"sex={partial}",
        "--qi",
        f"age={adult_dir / 'adult_hierarchy_age.csv'}",
        "--model",
        "k_anonymity:k=5",
        "--suppression",
        "0",
        "--metric",
        "height",
        "-o",
        str(tmp_path / "out.csv"),
    ]
    line = _one_line_error(runner.invoke(app, args))
    assert "'Female'" in line
    assert str(partial) in line
    assert not (tmp_path / "out.csv").exists()


def test_missing_column_and_missing_files(adult_dir: Path, tmp_path: Path) -> None:
    hierarchy = adult_dir / "adult_hierarchy_sex.csv"
    base = ["--model", "k_anonymity:k=5", "--suppression", "0", "--metric", "height"]
    line = _one_line_error(
        runner.invoke(
            app,
            ["deid", "search", str(adult_dir / "adult.csv"), "--qi", f"gender={hierarchy}", *base],
        )
    )
    assert "'gender'" in line
    line = _one_line_error(
        runner.invoke(
            app, ["deid", "search", str(tmp_path / "none.csv"), "--qi", f"sex={hierarchy}", *base]
        )
    )
    assert "not found" in line
    line = _one_line_error(
        runner.invoke(
            app,
            [
                "deid",
                "search",
                str(adult_dir / "adult.csv"),
                "--qi",
                f"sex={tmp_path / 'h.csv'}",
                *base,
            ],
        )
    )
    assert "hierarchy file not found" in line


def test_big5_data_is_refused_with_a_hint(adult_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "big5.csv"
    data.write_bytes("姓名,性別\n王小明,男\n".encode("cp950"))
    hierarchy = tmp_path / "sex.csv"
    hierarchy.write_text("男;*\n女;*\n", encoding="utf-8")
    line = _one_line_error(
        runner.invoke(
            app,
            [
                "deid",
                "search",
                str(data),
                "--qi",
                f"性別={hierarchy}",
                "--model",
                "k_anonymity:k=2",
                "--suppression",
                "0",
                "--metric",
                "height",
            ],
        )
    )
    assert "not UTF-8" in line
    assert "Big5" in line


def test_assess_reports_before_and_after(tmp_path: Path) -> None:
    original = pl.DataFrame(
        {
            "age": ["31", "32", "33", "41", "42", "43", "44", "52"],
            "sex": ["F", "F", "M", "M", "F", "M", "M", "F"],
            "default": ["1", "0", "0", "1", "1", "1", "1", "0"],
        }
    )
    released = original.with_columns(
        pl.col("age").str.slice(0, 1).map_elements(lambda d: f"{d}0-{d}9", return_dtype=pl.String),
        pl.lit("*").alias("sex"),
    )
    ages = tmp_path / "age.csv"
    ages.write_text(
        "".join(f"{a};{a[0]}0-{a[0]}9;*\n" for a in original.get_column("age").to_list()),
        encoding="utf-8",
    )
    original.write_csv(tmp_path / "original.csv")
    released.write_csv(tmp_path / "released.csv")
    result = runner.invoke(
        app,
        [
            "deid",
            "assess",
            str(tmp_path / "released.csv"),
            "--original",
            str(tmp_path / "original.csv"),
            "--qi",
            f"age={ages}",
            "--qi",
            "sex",
            "--sensitive",
            "default",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    # Before: every record unique on (age, sex); after: classes 30-39 (3), 40-49 (4), 50-59 (1).
    assert report["before"]["prosecutor"]["highest"] == 1.0
    assert report["before"]["singling_out"]["sample_unique_records"] == 8
    after = report["after"]
    assert after["classes"] == 3
    assert after["prosecutor"]["highest"] == 1.0  # the lone 50-59 record
    assert after["prosecutor"]["average"] == pytest.approx(3 / 8)
    assert after["singling_out"]["population_unique_records"] == 1
    # Everyone in 40-49 defaulted: inferred with certainty for 4 records, and the 50-59 one.
    inference = after["inference"][0]
    assert inference["certain_records"] == 5
    assert report["utility"]["records_lost"] == 0
    text = runner.invoke(
        app,
        [
            "deid",
            "assess",
            str(tmp_path / "released.csv"),
            "--qi",
            f"age={ages}",
            "--qi",
            "sex",
            "--lang",
            "en",
        ],
    )
    assert text.exit_code == 0, text.stderr
    assert "Prosecutor: highest risk" in text.stdout


def test_assess_bad_input(tmp_path: Path) -> None:
    (tmp_path / "r.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    line = _one_line_error(
        runner.invoke(app, ["deid", "assess", str(tmp_path / "r.csv"), "--qi", "c"])
    )
    assert "'c'" in line
    line = _one_line_error(
        runner.invoke(
            app, ["deid", "assess", str(tmp_path / "r.csv"), "--qi", "a", "--threshold", "2"]
        )
    )
    assert "--threshold" in line
    line = _one_line_error(runner.invoke(app, ["deid", "assess", str(tmp_path / "r.csv")]))
    assert "--qi is required" in line
