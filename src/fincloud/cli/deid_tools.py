"""Commands of `fincloud deid` (see cli/deid.py): scan, apply, fake, keygen.

Heavy modules (polars, numpy, cryptography) are imported inside the commands, so that
`fincloud --help` stays fast.
"""

from __future__ import annotations

import json
import sys
from contextlib import AbstractContextManager, nullcontext
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fincloud.cli._common import fail

if TYPE_CHECKING:
    from fincloud.deid.engine import RunSummary


class OutputFormat(StrEnum):
    json = "json"
    text = "text"


class Lang(StrEnum):
    zh_tw = "zh-TW"
    en = "en"


FormatOpt = Annotated[OutputFormat, typer.Option("--format", help="json or text")]
LangOpt = Annotated[Lang, typer.Option("--lang", help="zh-TW (default) or en")]
SepOpt = Annotated[str, typer.Option("--sep", help="CSV separator (one character)")]
EncodingOpt = Annotated[
    str | None,
    typer.Option("--encoding", help="read a CSV in this encoding (e.g. cp950) instead of UTF-8"),
]
ProgressOpt = Annotated[
    bool | None,
    typer.Option(
        "--progress/--no-progress", help="progress bar on stderr (default: if a terminal)"
    ),
]


def _progress_bar(enabled: bool | None, label: str) -> tuple[AbstractContextManager[Any], Any]:
    """A rich progress bar on stderr and a callback (done, total) for it."""
    show = sys.stderr.isatty() if enabled is None else enabled
    if not show:
        return nullcontext(), None
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task(label, total=None)

    def update(done: int, total: int | None) -> None:
        bar.update(task, completed=done, total=total)

    return bar, update


def _deid_errors() -> tuple[type[BaseException], ...]:
    from fincloud.deid.errors import DeidError
    from fincloud.deid.hierarchy import HierarchyError

    return (DeidError, HierarchyError)


def _summary_text(s: RunSummary, lang: Lang) -> str:
    zh = lang is Lang.zh_tw
    lines = [
        f"{'來源' if zh else 'source'}: {s.source} ({s.rows_in} {'列' if zh else 'rows'})",
        f"{'輸出' if zh else 'output'}: {s.output} ({s.rows_out} {'列' if zh else 'rows'})",
        f"{'輸出 SHA-256' if zh else 'output SHA-256'}: {s.output_sha256}",
        f"{'已變更欄位' if zh else 'columns changed'}: {', '.join(s.columns_changed) or '-'}",
        f"{'未變更欄位' if zh else 'columns unchanged'}: {', '.join(s.columns_unchanged) or '-'}",
        f"{'抑制之紀錄' if zh else 'suppressed records'}: {s.records_suppressed}",
    ]
    if s.records_not_sampled:
        label = "未抽中之紀錄" if zh else "records not sampled"
        lines.append(f"{label}: {s.records_not_sampled}")
    if s.suppressed_cells:
        cells = ", ".join(f"{c} {n}" for c, n in s.suppressed_cells.items())
        lines.append(f"{'抑制之儲存格' if zh else 'suppressed cells'}: {cells}")
    if s.reversible_columns:
        label = "持有金鑰者可還原之欄位" if zh else "reversible by the key holder"
        lines.append(f"{label}: {', '.join(s.reversible_columns)}")
    lines.append(
        f"{'政策' if zh else 'policy'}: {s.policy_name} (SHA-256 {s.policy_sha256[:16]}…, "
        f"{s.tool_version})"
    )
    for kind, path in s.side_files.items():
        keep = kind in ("split", "mapping")
        note = (
            (
                "（留存於機構，勿交付雲端服務業者）"
                if zh
                else " (keep at the institution; never send to the CSP)"
            )
            if keep
            else ""
        )
        lines.append(f"  {kind}: {path}{note}")
    lines.extend(f"  {n}" for n in s.notes)
    return "\n".join(lines)


def scan_command(
    file: Annotated[Path, typer.Argument(help="CSV, Parquet or XLSX file")],
    *,
    sep: SepOpt = ",",
    output_format: FormatOpt = OutputFormat.json,
    lang: LangOpt = Lang.zh_tw,
    encoding: EncodingOpt = None,
    progress: ProgressOpt = None,
) -> None:
    """Report which columns hold which Taiwanese identifiers (never the values)."""
    from fincloud.deid import io as dio
    from fincloud.deid import scan as dscan

    transcoded = None
    try:
        path = file
        if encoding and encoding.lower().replace("-", "") not in ("utf8", "utf8sig"):
            transcoded = dio.transcode_to_utf8(file, encoding)
            path = transcoded
        source = dio.open_source(path, sep)
        bar, update = _progress_bar(progress, "scan")
        total = source.row_count() if update else None
        with bar:
            scanner = dscan.Scanner(source.columns())
            for batch in source.batches():
                scanner.add(batch)
                if update:
                    update(scanner.rows, total)
        report = scanner.report()
    except _deid_errors() as exc:
        fail(str(exc))
    finally:
        if transcoded is not None:
            transcoded.unlink(missing_ok=True)
    if output_format is OutputFormat.json:
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        typer.echo(dscan.render_text(report, lang.value))


def apply_command(
    file: Annotated[Path, typer.Argument(help="CSV, Parquet or XLSX file (only read)")],
    *,
    policy: Annotated[Path, typer.Option("--policy", help="policy YAML or JSON")],
    output: Annotated[Path, typer.Option("-o", "--output", help="output .csv or .parquet")],
    key_file: Annotated[
        Path | None, typer.Option("--key-file", help="key file (NAME=hex lines)")
    ] = None,
    sep: SepOpt = ",",
    encoding: EncodingOpt = None,
    split_output: Annotated[
        Path | None, typer.Option("--split-output", help="where split writes identifiers")
    ] = None,
    mapping_output: Annotated[
        Path | None, typer.Option("--mapping-output", help="encrypted pseudonym mapping")
    ] = None,
    output_format: FormatOpt = OutputFormat.text,
    lang: LangOpt = Lang.zh_tw,
    progress: ProgressOpt = None,
) -> None:
    """Apply a de-identification policy to FILE, writing -o OUT atomically.

    Beside OUT: OUT.sha256 (checksum for transfer) and OUT.deid-run.json (the run record).
    """
    from fincloud.deid.engine import apply_policy
    from fincloud.deid.keys import KeyRing
    from fincloud.deid.policy import load_policy

    try:
        loaded = load_policy(policy)
        keyring = KeyRing.load(key_file)
        bar, update = _progress_bar(progress, "apply")
        with bar:
            summary = apply_policy(
                file, loaded, output, keyring=keyring, policy_dir=policy.parent,
                separator=sep, encoding=encoding, split_output=split_output,
                mapping_output=mapping_output, progress=update,
            )  # fmt: skip
    except _deid_errors() as exc:
        fail(str(exc))
    if output_format is OutputFormat.json:
        typer.echo(json.dumps(summary.as_json(), ensure_ascii=False))
    else:
        typer.echo(_summary_text(summary, lang))


def fake_command(
    *,
    rows: Annotated[int, typer.Option("--rows", min=0, help="number of customers")],
    output: Annotated[Path, typer.Option("-o", "--output", help=".csv or .parquet")],
    seed: Annotated[int, typer.Option("--seed", help="same seed, same rows")] = 0,
) -> None:
    """Generate realistic Taiwanese customer data (valid IDs, phones, addresses ...)."""
    from fincloud.deid import fake as dfake
    from fincloud.deid import io as dio

    try:
        fmt = dio.output_format(output)
    except _deid_errors() as exc:
        fail(str(exc))
    frame = dfake.generate(rows, seed=seed)
    with dio.atomic_path(output) as tmp:
        if fmt == "csv":
            frame.write_csv(tmp)
        else:
            frame.write_parquet(tmp)
    typer.echo(f"{output}: {rows} rows, SHA-256 {dio.sha256_file(output)}")


def keygen_command(
    *,
    output: Annotated[Path, typer.Option("-o", "--output", help="key file to write")],
    name: Annotated[str, typer.Option("--name", help="key name used in policies")] = "default",
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing file")] = False,
) -> None:
    """Write a new 256-bit key to a key file (mode 0600) for pseudonymise/encrypt/noise."""
    from fincloud.deid.io import write_bytes_atomic
    from fincloud.deid.keys import KEY_NAME, generate_key

    if not KEY_NAME.fullmatch(name):
        fail(f"--name {name!r}: a key name is a letter then letters, digits, - or _")
    if output.exists() and not force:
        fail(f"-o {output}: exists; a key is not overwritten without --force")
    write_bytes_atomic(output, f"{name}={generate_key()}\n".encode(), mode=0o600)
    typer.echo(f"{output}: key {name!r} written (keep it apart from the data and the policy)")


def register(app: typer.Typer) -> None:
    """Add this module's commands to the `deid` group."""
    app.command("scan")(scan_command)
    app.command("apply")(apply_command)
    app.command("fake")(fake_command)
    app.command("keygen")(keygen_command)
