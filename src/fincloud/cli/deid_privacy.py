"""`fincloud deid search` and `fincloud deid assess` (Ch 9.3, part 2: privacy models and risk).

`search` prints, with `--format json`, exactly
``{"transformation": {"ATTRIBUTE": level, ...}, "information_loss": number,
"suppressed_records": n, "lattice_size": n, "nodes_checked": n}``, or
``{"transformation": null, "information_loss": null, "suppressed_records": null, ...,
"nearest": {...}, "reason": "..."}`` with exit 0 when nothing satisfies the models.
Bad input: one line on stderr, exit 2, nothing written.

Heavy imports (polars, numpy, the search) happen inside the commands.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from fincloud.cli._common import fail

if TYPE_CHECKING:
    import polars as pl

    from fincloud.deid.hierarchy import Hierarchy

_SEPARATORS = (",", ";", "\t", "|")


def _check_choice(value: str, name: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        fail(f"--{name} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _sniff_separator(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.readline(65536)
    counts = {sep: head.count(sep.encode()) for sep in _SEPARATORS}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else ","


def _read_table(path: Path, sep: str | None, option: str) -> tuple[pl.DataFrame, str]:
    """Read a CSV as text columns; exit 2 with one line if it cannot be read."""
    import polars as pl

    if not path.is_file():
        fail(f"{option}: file not found: {path}")
    try:
        sample = path.open("rb").read(1 << 16)
    except OSError as exc:
        fail(f"{option}: cannot read {path}: {exc.strerror or exc}")
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A cut in the middle of a multi-byte character at the end of the sample is fine.
        if exc.start < len(sample) - 4:
            hint = ""
            try:
                sample[: exc.start + 64].decode("cp950")
                hint = " (it looks like Big5/CP950)"
            except UnicodeDecodeError:
                pass
            fail(f"{option}: {path} is not UTF-8 text{hint}; convert it to UTF-8 first")
    separator = sep if sep is not None else _sniff_separator(path)
    if len(separator) != 1:
        fail(f"--sep must be one character, got {separator!r}")
    try:
        frame = pl.read_csv(
            path,
            separator=separator,
            infer_schema=False,
            empty_string_is_null=False,
        )
    except Exception as exc:  # polars raises several error types for malformed CSV
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        fail(f"{option}: cannot read {path} as CSV: {first}")
    if frame.height == 0:
        fail(f"{option}: {path} has no data rows")
    return frame, separator


def _split_spec(spec: str, option: str, *, need_path: bool) -> tuple[str, Path | None]:
    name, sep, raw = spec.partition("=")
    name = name.strip()
    if not name:
        fail(f"{option} {spec!r}: expected ATTRIBUTE=HIERARCHY.csv")
    if not sep:
        if need_path:
            fail(f"{option} {spec!r}: expected ATTRIBUTE=HIERARCHY.csv")
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
    specs: list[str], hierarchy_sep: str, *, need_path: bool
) -> dict[str, Hierarchy | None]:
    result: dict[str, Hierarchy | None] = {}
    for spec in specs:
        name, path = _split_spec(spec, "--qi", need_path=need_path)
        if name in result:
            fail(f"--qi {name}: attribute given twice")
        result[name] = None if path is None else _read_hierarchy(path, name, hierarchy_sep, "--qi")
    return result


def _write_atomic(frame: pl.DataFrame, target: Path, separator: str) -> None:
    directory = target.parent if str(target.parent) else Path(".")
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


_TEXT = {
    "zh-TW": {
        "found": "最佳轉換（各準識別屬性的概化層級）",
        "loss": "資訊損失",
        "suppressed": "隱匿紀錄",
        "of": "筆，上限",
        "records": "筆",
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
        "of": "records, limit",
        "records": "records",
        "lattice": "Lattice",
        "nodes": "transformations, checked",
        "none": "No transformation satisfies the privacy models.",
        "nearest": "Nearest transformation",
        "violating": "Violating records",
        "reason": "Reason",
        "written": "De-identified data written to",
    },
}


def _print_search_text(result: Any, metric: str, lang: str, written: Path | None) -> None:
    t = _TEXT[lang]
    out = sys.stdout
    levels = result.levels()
    if levels is not None:
        out.write(f"{t['found']}:\n")
        for name, level in levels.items():
            out.write(f"  {name} = {level}\n")
        out.write(f"{t['loss']} ({metric}): {result.information_loss!r}\n")
        out.write(
            f"{t['suppressed']}: {result.suppressed_records} / {result.records} "
            f"{t['records']} ({result.suppression_limit})\n"
        )
    else:
        out.write(f"{t['none']}\n")
        if result.nearest is not None:
            nearest = ", ".join(
                f"{n}={v}"
                for n, v in zip(result.attributes, result.nearest.transformation, strict=True)
            )
            out.write(f"{t['nearest']}: {nearest}\n")
            out.write(f"{t['violating']}: {result.nearest.violating_records}\n")
        if result.reason:
            out.write(f"{t['reason']}: {result.reason}\n")
    out.write(
        f"{t['lattice']}: {result.lattice_size} {t['nodes']} {result.nodes_checked} "
        f"({result.seconds:.2f} s)\n"
    )
    if written is not None:
        out.write(f"{t['written']}: {written}\n")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `deid` group."""

    @app.command(
        "search",
        help="Optimal generalisation under privacy models (k-anonymity, l-diversity, "
        "t-closeness), exact as ARX. 找出滿足隱私模型且資訊損失最小的概化。",
    )
    def search_command(
        data: Path = typer.Argument(..., help="CSV file (UTF-8)."),
        qi: list[str] = typer.Option(
            None, "--qi", help="Quasi-identifier and its ARX hierarchy: ATTRIBUTE=HIERARCHY.csv"
        ),
        sensitive: str | None = typer.Option(
            None, "--sensitive", help="Sensitive attribute: ATTRIBUTE or ATTRIBUTE=HIERARCHY.csv"
        ),
        model: list[str] = typer.Option(
            None,
            "--model",
            help="k_anonymity:k=5, distinct_l_diversity:l=3, "
            "entropy_l_diversity:l=5[:estimator=shannon|grassberger], equal_t_closeness:t=0.2, "
            "ordered_t_closeness:t=0.2, hierarchical_t_closeness:t=0.2 (repeat to combine)",
        ),
        suppression: str | None = typer.Option(
            None, "--suppression", help="Share of records that may be suppressed, in [0, 1]."
        ),
        metric: str | None = typer.Option(
            None,
            "--metric",
            help="non_uniform_entropy[:monotonic], discernability[:monotonic], loss, precision, "
            "height",
        ),
        sep: str | None = typer.Option(None, "--sep", help="Field separator (default: sniffed)."),
        hierarchy_sep: str = typer.Option(";", "--hierarchy-sep", help="Hierarchy separator."),
        output: Path | None = typer.Option(
            None, "--output", "-o", help="Also write the de-identified data here (CSV)."
        ),
        suppressed: str = typer.Option(
            "mask", "--suppressed", help="mask (write * as ARX does) or drop suppressed records."
        ),
        output_format: str = typer.Option("text", "--format", help="json or text"),
        lang: str = typer.Option("zh-TW", "--lang", help="zh-TW or en"),
    ) -> None:
        _check_choice(output_format, "format", ("json", "text"))
        _check_choice(lang, "lang", ("zh-TW", "en"))
        _check_choice(suppressed, "suppressed", ("mask", "drop"))
        if len(hierarchy_sep) != 1:
            fail(f"--hierarchy-sep must be one character, got {hierarchy_sep!r}")

        from fincloud.deid.hierarchy import HierarchyError
        from fincloud.deid.privacy.encoding import DataError
        from fincloud.deid.privacy.metrics import MetricError, parse_metric
        from fincloud.deid.privacy.models import ModelError, parse_model
        from fincloud.deid.privacy.search import SearchError

        if suppression is None:
            fail("--suppression is required (a share of records in [0, 1], e.g. 0.04)")
        try:
            share = float(suppression)
        except ValueError:
            fail(f"--suppression must be a number in [0, 1], got {suppression!r}")
        if not 0.0 <= share <= 1.0:
            fail(f"--suppression must be in [0, 1], got {suppression}")
        if metric is None:
            fail("--metric is required (e.g. non_uniform_entropy)")
        try:
            parsed_metric = parse_metric(metric)
        except MetricError as exc:
            fail(f"--metric: {exc}")
        if not model:
            fail("--model is required (e.g. k_anonymity:k=5)")
        parsed_models = []
        for text in model:
            try:
                parsed_models.append(parse_model(text))
            except ModelError as exc:
                fail(f"--model: {exc}")
        if not qi:
            fail("--qi is required (ATTRIBUTE=HIERARCHY.csv, once per quasi-identifier)")
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

        from fincloud.deid.privacy.search import search
        from fincloud.deid.privacy.transform import anonymise

        qis = {name: h for name, h in hierarchies.items() if h is not None}
        written: Path | None = None
        try:
            if output is None:
                result = search(
                    frame,
                    qis,
                    parsed_models,
                    suppression=share,
                    metric=parsed_metric,
                    sensitive=sensitive_name,
                    sensitive_hierarchy=sensitive_hierarchy,
                )
            else:
                anonymised = anonymise(
                    frame,
                    qis,
                    parsed_models,
                    suppression=share,
                    metric=parsed_metric,
                    sensitive=sensitive_name,
                    sensitive_hierarchy=sensitive_hierarchy,
                    suppressed="drop" if suppressed == "drop" else "mask",
                )
                result = anonymised.result
                if result.found:
                    _write_atomic(anonymised.frame, output, separator)
                    written = output
        except (HierarchyError, DataError, ModelError, SearchError) as exc:
            fail(str(exc))
        if output_format == "json":
            sys.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False) + "\n")
        else:
            _print_search_text(result, parsed_metric.describe(), lang, written)
