"""`fincloud deid search` and `fincloud deid assess` (Ch 9.3, part 2: privacy models and risk).

`search --format json` prints exactly
``{"transformation": {"ATTRIBUTE": level, ...}, "information_loss": number,
"suppressed_records": n}`` (``--stats`` adds "lattice_size" and "nodes_checked"), or, with
exit 0 when nothing satisfies the models, ``{"transformation": null, "information_loss": null,
"suppressed_records": null, "nearest": {...}, "reason": "..."}``. Bad input: one line on
stderr, exit 2, nothing written.

Heavy imports (polars, numpy, the search) happen inside the commands.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fincloud.cli._common import fail

if TYPE_CHECKING:
    import polars as pl

    from fincloud.deid.hierarchy import Hierarchy
    from fincloud.deid.privacy.metrics import Metric
    from fincloud.deid.privacy.models import PrivacyModel
    from fincloud.deid.privacy.search import SearchResult

_SEPARATORS = (",", ";", "\t", "|")

FormatOption = Annotated[str, typer.Option("--format", help="text or json.")]
LangOption = Annotated[str, typer.Option("--lang", help="zh-TW or en.")]
SepOption = Annotated[
    str | None, typer.Option("--sep", help="Field separator of the data (default: sniffed).")
]
HierarchySepOption = Annotated[
    str, typer.Option("--hierarchy-sep", help="Field separator of hierarchy files.")
]


# --- input ------------------------------------------------------------------------------------


def _choice(value: str, name: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        fail(f"--{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _sniff_separator(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.readline(65536)
    counts = {sep: head.count(sep.encode()) for sep in _SEPARATORS}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else ","


def _check_utf8(path: Path, option: str) -> None:
    try:
        with path.open("rb") as handle:
            sample = handle.read(1 << 16)
    except OSError as exc:
        fail(f"{option}: cannot read {path}: {exc.strerror or exc}")
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(sample) - 4:  # a character cut at the end of the sample
            return
        hint = ""
        try:
            sample[: exc.start + 64].decode("cp950")
            hint = " (it looks like Big5/CP950)"
        except UnicodeDecodeError:
            pass
        fail(f"{option}: {path} is not UTF-8 text{hint}; convert it to UTF-8 first")


def _read_table(path: Path, sep: str | None, option: str) -> tuple[pl.DataFrame, str]:
    """Read a CSV as text columns; exit 2 with one line if it cannot be read."""
    import polars as pl

    if not path.is_file():
        fail(f"{option}: file not found: {path}")
    _check_utf8(path, option)
    separator = sep if sep is not None else _sniff_separator(path)
    if len(separator) != 1:
        fail(f"--sep must be one character, got {separator!r}")
    try:
        frame = pl.read_csv(
            path, separator=separator, infer_schema=False, empty_string_is_null=False
        )
    except Exception as exc:  # polars raises several error types for malformed CSV
        lines = str(exc).strip().splitlines()
        fail(f"{option}: cannot read {path} as CSV: {lines[0] if lines else type(exc).__name__}")
    if frame.height == 0:
        fail(f"{option}: {path} has no data rows")
    return frame, separator


def _split_spec(spec: str, option: str, *, need_path: bool) -> tuple[str, Path | None]:
    name, has_path, raw = spec.partition("=")
    name = name.strip()
    if not name or (need_path and not has_path):
        fail(f"{option} {spec!r}: expected ATTRIBUTE=HIERARCHY.csv")
    if not has_path:
        return name, None
    if not raw.strip():
        fail(f"{option} {spec!r}: the hierarchy file is missing after '='")
    return name, Path(raw.strip())


def _read_hierarchy(path: Path, attribute: str, sep: str, option: str) -> Hierarchy:
    from fincloud.deid.hierarchy import HierarchyError, read_hierarchy

    if not path.is_file():
        fail(f"{option} {attribute}: hierarchy file not found: {path}")
    try:
        return read_hierarchy(path, sep=sep, attribute=attribute)
    except HierarchyError as exc:
        fail(f"{option} {attribute}: {exc}")


def _quasi_identifiers(
    specs: list[str] | None, hierarchy_sep: str, *, need_path: bool
) -> dict[str, Hierarchy | None]:
    if not specs:
        example = "ATTRIBUTE=HIERARCHY.csv" if need_path else "ATTRIBUTE[=HIERARCHY.csv]"
        fail(f"--qi is required ({example}, once per quasi-identifier)")
    if len(hierarchy_sep) != 1:
        fail(f"--hierarchy-sep must be one character, got {hierarchy_sep!r}")
    result: dict[str, Hierarchy | None] = {}
    for spec in specs:
        name, path = _split_spec(spec, "--qi", need_path=need_path)
        if name in result:
            fail(f"--qi {name}: attribute given twice")
        result[name] = None if path is None else _read_hierarchy(path, name, hierarchy_sep, "--qi")
    return result


def _share(raw: str | None, option: str, *, required: bool, default: float) -> float:
    if raw is None:
        if required:
            fail(f"{option} is required (a share in [0, 1], e.g. 0.04)")
        return default
    try:
        value = float(raw)
    except ValueError:
        fail(f"{option} must be a number in [0, 1], got {raw!r}")
    if not 0.0 <= value <= 1.0 or math.isnan(value):
        fail(f"{option} must be in [0, 1], got {raw}")
    return value


def _parse_metric(raw: str | None) -> Metric:
    from fincloud.deid.privacy.metrics import MetricError, parse_metric

    if raw is None:
        fail("--metric is required (e.g. non_uniform_entropy)")
    try:
        return parse_metric(raw)
    except MetricError as exc:
        fail(f"--metric: {exc}")


def _parse_models(raw: list[str] | None) -> list[PrivacyModel]:
    from fincloud.deid.privacy.models import ModelError, parse_model

    if not raw:
        fail("--model is required (e.g. k_anonymity:k=5)")
    models = []
    for text in raw:
        try:
            models.append(parse_model(text))
        except ModelError as exc:
            fail(f"--model: {exc}")
    return models


def _write_atomic(frame: pl.DataFrame, target: Path, separator: str) -> None:
    directory = target.parent
    if not directory.is_dir():
        fail(f"--output: directory not found: {directory}")
    handle, temporary = tempfile.mkstemp(prefix=".fincloud-", suffix=".csv", dir=directory)
    os.close(handle)
    try:
        frame.write_csv(temporary, separator=separator)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- search -----------------------------------------------------------------------------------

_SEARCH_TEXT = {
    "zh-TW": {
        "found": "最佳轉換（各準識別屬性的概化層級）",
        "loss": "資訊損失",
        "suppressed": "隱匿紀錄",
        "limit": "上限",
        "lattice": "搜尋空間",
        "nodes": "個轉換，已檢查",
        "none": "沒有任何轉換能滿足所選的隱私模型。",
        "nearest": "最接近的轉換",
        "violating": "違反模型的紀錄",
        "reason": "原因",
        "written": "已寫出去識別化資料",
    },
    "en": {
        "found": "Optimal transformation (generalisation level per quasi-identifier)",
        "loss": "Information loss",
        "suppressed": "Suppressed records",
        "limit": "limit",
        "lattice": "Lattice",
        "nodes": "transformations, checked",
        "none": "No transformation satisfies the privacy models.",
        "nearest": "Nearest transformation",
        "violating": "Violating records",
        "reason": "Reason",
        "written": "De-identified data written to",
    },
}


def _search_text(result: SearchResult, metric: str, lang: str, written: Path | None) -> str:
    t = _SEARCH_TEXT[lang]
    lines: list[str] = []
    levels = result.levels()
    if levels is not None:
        lines.append(f"{t['found']}:")
        lines.extend(f"  {name} = {level}" for name, level in levels.items())
        lines.append(f"{t['loss']} ({metric}): {result.information_loss!r}")
        lines.append(
            f"{t['suppressed']}: {result.suppressed_records} / {result.records} "
            f"({t['limit']} {result.suppression_limit})"
        )
    else:
        lines.append(t["none"])
        if result.nearest is not None:
            nearest = ", ".join(
                f"{n}={v}"
                for n, v in zip(result.attributes, result.nearest.transformation, strict=True)
            )
            lines.append(f"{t['nearest']}: {nearest}")
            lines.append(f"{t['violating']}: {result.nearest.violating_records}")
        if result.reason:
            lines.append(f"{t['reason']}: {result.reason}")
    lines.append(
        f"{t['lattice']}: {result.lattice_size} {t['nodes']} {result.nodes_checked} "
        f"({result.seconds:.2f} s)"
    )
    if written is not None:
        lines.append(f"{t['written']}: {written}")
    return "\n".join(lines) + "\n"


def search_command(
    data: Annotated[Path, typer.Argument(help="CSV file (UTF-8).")],
    *,
    qi: Annotated[
        list[str] | None,
        typer.Option(
            "--qi", help="Quasi-identifier and its ARX hierarchy: ATTRIBUTE=HIERARCHY.csv"
        ),
    ] = None,
    sensitive: Annotated[
        str | None,
        typer.Option(
            "--sensitive", help="Sensitive attribute: ATTRIBUTE or ATTRIBUTE=HIERARCHY.csv"
        ),
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option(
            "--model",
            help="k_anonymity:k=5, distinct_l_diversity:l=3, "
            "entropy_l_diversity:l=5[:estimator=shannon|grassberger], equal_t_closeness:t=0.2, "
            "ordered_t_closeness:t=0.2, hierarchical_t_closeness:t=0.2 (repeat to combine)",
        ),
    ] = None,
    suppression: Annotated[
        str | None, typer.Option("--suppression", help="Share of records that may be suppressed.")
    ] = None,
    metric: Annotated[
        str | None,
        typer.Option(
            "--metric",
            help="non_uniform_entropy[:monotonic], discernability[:monotonic], loss, precision, "
            "height",
        ),
    ] = None,
    sep: SepOption = None,
    hierarchy_sep: HierarchySepOption = ";",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Also write the de-identified data (CSV).")
    ] = None,
    suppressed: Annotated[
        str, typer.Option("--suppressed", help="mask (write * as ARX does) or drop the records.")
    ] = "mask",
    output_format: FormatOption = "text",
    lang: LangOption = "zh-TW",
    stats: Annotated[
        bool, typer.Option("--stats", help="JSON: add lattice_size and nodes_checked.")
    ] = False,
) -> None:
    """Optimal generalisation under privacy models, exact as ARX.
    找出滿足隱私模型且資訊損失最小的概化。"""
    _choice(output_format, "format", ("json", "text"))
    _choice(lang, "lang", ("zh-TW", "en"))
    _choice(suppressed, "suppressed", ("mask", "drop"))
    share = _share(suppression, "--suppression", required=True, default=0.0)
    parsed_metric = _parse_metric(metric)
    models = _parse_models(model)
    hierarchies = _quasi_identifiers(qi, hierarchy_sep, need_path=True)
    sensitive_name: str | None = None
    sensitive_hierarchy = None
    if sensitive is not None:
        sensitive_name, path = _split_spec(sensitive, "--sensitive", need_path=False)
        if path is not None:
            sensitive_hierarchy = _read_hierarchy(
                path, sensitive_name, hierarchy_sep, "--sensitive"
            )
        if sensitive_name in hierarchies:
            fail(f"--sensitive {sensitive_name}: it is also given as --qi")
    frame, separator = _read_table(data, sep, "DATA")

    from fincloud.deid.hierarchy import HierarchyError
    from fincloud.deid.privacy.encoding import DataError
    from fincloud.deid.privacy.lattice import LatticeError
    from fincloud.deid.privacy.models import ModelError
    from fincloud.deid.privacy.search import SearchError, search
    from fincloud.deid.privacy.transform import anonymise

    qis = {name: h for name, h in hierarchies.items() if h is not None}
    options: dict[str, Any] = {
        "suppression": share,
        "metric": parsed_metric,
        "sensitive": sensitive_name,
        "sensitive_hierarchy": sensitive_hierarchy,
    }
    written: Path | None = None
    try:
        if output is None:
            result = search(frame, qis, models, **options)
        else:
            if suppressed == "drop":
                anonymised = anonymise(frame, qis, models, suppressed="drop", **options)
            else:
                anonymised = anonymise(frame, qis, models, suppressed="mask", **options)
            result = anonymised.result
            if result.found:
                _write_atomic(anonymised.frame, output, separator)
                written = output
    except (HierarchyError, DataError, LatticeError, ModelError, SearchError) as exc:
        fail(str(exc))
    if output_format == "json":
        sys.stdout.write(json.dumps(result.as_dict(stats=stats), ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(_search_text(result, parsed_metric.describe(), lang, written))


# --- assess -----------------------------------------------------------------------------------

_ASSESS_TEXT = {
    "zh-TW": {
        "title": "重新識別風險與資料效用",
        "before": "處理前",
        "after": "處理後",
        "records": "紀錄數",
        "classes": "等價類數",
        "smallest": "最小等價類",
        "prosecutor": "檢察官攻擊：最高風險",
        "prosecutor_avg": "檢察官攻擊：平均風險",
        "at_risk": "高於門檻 {t} 的紀錄比例",
        "journalist": "記者攻擊：最高風險",
        "marketer": "行銷者攻擊：預期重新識別比例",
        "a": "(a) 是否仍可能識別當事人（唯一紀錄）",
        "b": "(b) 是否仍可能與其他個人資料相連結（預期正確連結比例）",
        "b_shared": "    以所有未變動欄位連結",
        "c": "(c) 是否仍可能推論出 {a}（多數值猜中率／基準）",
        "c_certain": "    可確定推論的紀錄",
        "yes": "是",
        "no": "否",
        "answer": "    判定：仍有可能",
        "lost": "損失紀錄（刪除＋隱匿）",
        "column": "欄位",
        "changed": "變動比例",
        "gloss": "概化損失",
        "model": "模型品質：以其他欄位預測 {t}（邏輯斯迴歸）",
        "auc": "AUC",
        "accuracy": "正確率",
    },
    "en": {
        "title": "Re-identification risk and utility",
        "before": "before",
        "after": "after",
        "records": "Records",
        "classes": "Equivalence classes",
        "smallest": "Smallest class",
        "prosecutor": "Prosecutor: highest risk",
        "prosecutor_avg": "Prosecutor: average risk",
        "at_risk": "Records above the threshold {t}",
        "journalist": "Journalist: highest risk",
        "marketer": "Marketer: expected share re-identified",
        "a": "(a) Can a person still be singled out (unique records)",
        "b": "(b) Can records still be linked (expected correct links)",
        "b_shared": "    linking on every unchanged column",
        "c": "(c) Can {a} still be inferred (majority guess / baseline)",
        "c_certain": "    records inferred with certainty",
        "yes": "yes",
        "no": "no",
        "answer": "    still possible",
        "lost": "Records lost (dropped + suppressed)",
        "column": "Column",
        "changed": "changed",
        "gloss": "generalisation loss",
        "model": "Model quality: predicting {t} from the other columns (logistic regression)",
        "auc": "AUC",
        "accuracy": "accuracy",
    },
}


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK (wide and full-width) characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _left(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def _right(text: str, width: int) -> str:
    return " " * max(width - _width(text), 0) + text


def _number(value: float | int | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, int):
        return str(value)
    return f"{value:.4f}"


def _assess_text(report: dict[str, Any], lang: str) -> str:
    t = _ASSESS_TEXT[lang]
    after = report["after"]
    before = report["before"] or {}
    rows: list[tuple[str, Any, Any]] = []

    def pick(data: dict[str, Any], *path: str) -> Any:
        value: Any = data
        for key in path:
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        return value

    def add(label: str, *path: str) -> None:
        rows.append((label, pick(before, *path), pick(after, *path)))

    add(t["records"], "records")
    add(t["classes"], "classes")
    add(t["smallest"], "smallest_class")
    add(t["prosecutor"], "prosecutor", "highest")
    add(t["prosecutor_avg"], "prosecutor", "average")
    add(t["at_risk"].format(t=after["threshold"]), "prosecutor", "records_at_risk")
    add(t["journalist"], "journalist", "highest")
    add(t["marketer"], "marketer")

    def verdict(possible: bool | None) -> str | None:
        return None if possible is None else (t["yes"] if possible else t["no"])

    add(t["a"], "singling_out", "sample_unique_share")
    rows.append(
        (
            t["answer"],
            verdict(pick(before, "singling_out", "possible")),
            verdict(pick(after, "singling_out", "possible")),
        )
    )
    link = after.get("linkability")
    if link is not None:
        rows.append((t["b"], None, link["quasi_identifiers"]["expected_correct_links"]))
        rows.append((t["b_shared"], None, link["shared_columns"]["expected_correct_links"]))
        rows.append((t["answer"], None, verdict(link["possible"])))
    for index, item in enumerate(after["inference"]):
        prior = before.get("inference", [None] * (index + 1))[index] if before else None
        label = t["c"].format(a=item["attribute"])
        rows.append(
            (
                label,
                None if prior is None else f"{prior['success_rate']:.4f}/{prior['baseline']:.4f}",
                f"{item['success_rate']:.4f}/{item['baseline']:.4f}",
            )
        )
        rows.append(
            (
                t["c_certain"],
                None if prior is None else prior["certain_share"],
                item["certain_share"],
            )
        )
        rows.append(
            (
                t["answer"],
                None if prior is None else verdict(prior["possible"]),
                verdict(item["possible"]),
            )
        )
    cells = [
        (
            label,
            left if isinstance(left, str) else _number(left),
            right if isinstance(right, str) else _number(right),
        )
        for label, left, right in rows
    ]
    width = max(_width(label) for label, _, _ in cells) + 2
    column = max(
        _width(t["before"]), _width(t["after"]), *(max(len(a), len(b)) for _, a, b in cells)
    )
    column += 2
    lines = [
        t["title"],
        _left("", width) + _right(t["before"], column) + _right(t["after"], column),
    ]
    lines.extend(
        _left(label, width) + _right(left, column) + _right(right, column)
        for label, left, right in cells
    )
    utility = report.get("utility")
    if utility is not None:
        lines.append(f"{t['lost']}: {utility['records_lost']} / {utility['records_before']}")
        for column in utility["columns"]:
            parts = [f"{t['changed']} {_number(column['changed_share'])}"]
            if column["generalisation_loss"] is not None:
                parts.append(f"{t['gloss']} {_number(column['generalisation_loss'])}")
            lines.append(f"  {column['column']}: " + ", ".join(parts))
        model = utility.get("model")
        if model is not None:
            lines.append(t["model"].format(t=model["target"]))
            lines.append(
                f"  {t['auc']} {model['auc_before']:.4f} -> {model['auc_after']:.4f}, "
                f"{t['accuracy']} {model['accuracy_before']:.4f} -> {model['accuracy_after']:.4f}"
            )
    return "\n".join(lines) + "\n"


def assess_command(
    file: Annotated[Path, typer.Argument(help="The de-identified CSV file.")],
    *,
    original: Annotated[
        Path | None,
        typer.Option("--original", help="The original data (before de-identification)."),
    ] = None,
    qi: Annotated[
        list[str] | None,
        typer.Option(
            "--qi", help="Quasi-identifier, with its hierarchy: ATTRIBUTE[=HIERARCHY.csv]"
        ),
    ] = None,
    sensitive: Annotated[
        list[str] | None,
        typer.Option("--sensitive", help="Attribute whose inference is measured (repeatable)."),
    ] = None,
    target: Annotated[
        str | None, typer.Option("--target", help="Binary column a model predicts before/after.")
    ] = None,
    threshold: Annotated[
        str | None, typer.Option("--threshold", help="Risk above which a record is at risk.")
    ] = None,
    sep: SepOption = None,
    original_sep: Annotated[
        str | None, typer.Option("--original-sep", help="Separator of the original (sniffed).")
    ] = None,
    hierarchy_sep: HierarchySepOption = ";",
    output_format: FormatOption = "text",
    lang: LangOption = "zh-TW",
) -> None:
    """Re-identification risk, the manual's three tests and utility, before and after.
    重新識別風險、手冊三項判定與資料效用（處理前後）。"""
    _choice(output_format, "format", ("json", "text"))
    _choice(lang, "lang", ("zh-TW", "en"))
    from fincloud.deid.privacy.risk import DEFAULT_THRESHOLD

    limit = _share(threshold, "--threshold", required=False, default=DEFAULT_THRESHOLD)
    hierarchies = _quasi_identifiers(qi, hierarchy_sep, need_path=False)
    if target is not None and original is None:
        fail("--target needs --original (the model is trained before and after)")
    release, _ = _read_table(file, sep, "FILE")
    before_frame = (
        None if original is None else _read_table(original, original_sep, "--original")[0]
    )
    names = list(hierarchies)
    attributes = list(sensitive or [])
    for frame, option in ((release, "FILE"), (before_frame, "--original")):
        if frame is None:
            continue
        for column in [*names, *attributes, *([target] if target else [])]:
            if column not in frame.columns:
                fail(f"{option}: column {column!r} is not in the data")

    from fincloud.deid.privacy.report import assess
    from fincloud.deid.privacy.risk import RiskError
    from fincloud.deid.privacy.utility import UtilityError

    known = {name: h for name, h in hierarchies.items() if h is not None}
    try:
        assessment = assess(
            release,
            names,
            original=before_frame,
            hierarchies=known,
            sensitive=attributes,
            target=target,
            threshold=limit,
        )
    except (RiskError, UtilityError) as exc:
        fail(str(exc))
    report = {
        "file": str(file),
        "original": None if original is None else str(original),
        **assessment.as_dict(),
    }
    if output_format == "json":
        sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write(_assess_text(report, lang))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `deid` group."""
    app.command("search")(search_command)
    app.command("assess")(assess_command)
