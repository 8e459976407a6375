"""Applying a policy to a file: `fincloud deid apply` and the web job call `apply_policy`.

The pipeline, in this order: sample; split; the column techniques (column by column, in the
policy's order, each column's steps in order); the optimal search for `level: search` columns;
suppress_records / suppress_local; aggregate or synthesize; finally the columns the policy does
not name are kept or dropped (`other_columns`).

Streaming: when no step needs the whole table, the input is read and written in batches of
250,000 rows, so memory does not grow with the file. Otherwise the file is read completely
first (a rare value or a group is only rare or complete in the whole file).

Outputs, all written to temporary files and renamed together at the end (a failed run leaves
nothing, and the source is only read):
- OUT (CSV or Parquet);
- OUT.sha256, the checksum in `sha256sum` format, to check the file after transfer
  (Ch 9.2 (c) names SHA-256 for the integrity of data in transfer);
- OUT.deid-run.json, the run record: the policy, its hash, the tool version, the source's and
  output's SHA-256, counts, key fingerprints (never keys);
- with split: the identifiers table (default OUT's name + `.split` + the same format);
- with pseudonym mappings: the encrypted mapping file (default OUT + `.mapping.enc`).
The last two stay with the institution: they re-identify the output.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

import fincloud
from fincloud.deid import io as dio
from fincloud.deid.errors import DeidError, InputFileError, MissingColumnError, PolicyError
from fincloud.deid.hierarchy import Hierarchy
from fincloud.deid.keys import KeyRing
from fincloud.deid.policy import Policy
from fincloud.deid.techniques import TABLE_STAGE
from fincloud.deid.techniques.base import ROW, ColumnTechnique, RunContext, TableTechnique
from fincloud.deid.techniques.generalisation import HierarchyGeneralise
from fincloud.deid.techniques.pseudonymisation import write_mapping
from fincloud.deid.techniques.splitting import Split

Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class RunSummary:
    """What a run did; `as_json()` is the run record and the CLI's JSON output."""

    source: str
    source_sha256: str
    output: str
    output_sha256: str
    output_format: str
    rows_in: int
    rows_out: int
    records_suppressed: int
    records_not_sampled: int
    columns_in: list[str]
    columns_out: list[str]
    columns_changed: list[str]
    columns_dropped: list[str]
    columns_unchanged: list[str]
    suppressed_cells: dict[str, int]
    reversible_columns: list[str]
    policy_name: str
    policy_purpose: str
    policy_sha256: str
    policy: dict[str, Any]
    tool_version: str
    key_fingerprints: dict[str, str]
    search_levels: dict[str, int]
    mode: str
    started_at: str
    finished_at: str
    seconds: float
    side_files: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Plan:
    policy: Policy
    columns: list[str]
    hierarchies: dict[str, Hierarchy]
    search_levels: dict[str, int] = field(default_factory=dict)
    search_suppressed: pl.Series | None = None  # ROW numbers the optimum suppresses


def _validate_against_input(policy: Policy, columns: list[str], source: str) -> None:
    for column, steps in policy.column_steps():
        if column not in columns:
            raise MissingColumnError(column, f"policy columns.{column}", columns)
        for step in steps:
            step.check(columns, column)
    for i, step in enumerate(policy.table):
        for name in step.columns_used():
            if name not in columns:
                raise MissingColumnError(name, f"policy table[{i}] ({step.technique})", columns)
    if policy.search and policy.search.sensitive and policy.search.sensitive not in columns:
        raise MissingColumnError(policy.search.sensitive, "policy search.sensitive", columns)


def check_policy(policy: Policy, columns: list[str], source: str = "input") -> None:
    """Raise `MissingColumnError` when the policy names a column the input lacks (in
    `columns:`, in a technique's parameters, in `table:` or `search:`): for forms and previews
    that check a policy against a file's header before running it; `source` names the file in
    the message."""
    _validate_against_input(policy, columns, source)


def _needs_whole_table(policy: Policy) -> bool:
    if any(step.needs_whole_table() for step in policy.table):
        return True
    return any(step.needs_whole_table() for _, steps in policy.column_steps() for step in steps)


def _load_hierarchies(policy: Policy, ctx: RunContext) -> dict[str, Hierarchy]:
    found: dict[str, Hierarchy] = {}
    for column, steps in policy.column_steps():
        for step in steps:
            if isinstance(step, HierarchyGeneralise):
                found[column] = step.load(ctx, column)
    return found


def _search_columns(plan: _Plan) -> dict[str, Hierarchy]:
    return {
        c: plan.hierarchies[c]
        for c, steps in plan.policy.column_steps()
        if any(isinstance(s, HierarchyGeneralise) and s.level == "search" for s in steps)
    }


def _run_search(plan: _Plan, frame: pl.DataFrame) -> None:
    """The optimal levels of the `level: search` columns (fincloud.deid.privacy, issue 11),
    and the records that optimum suppresses, found on the original values."""
    spec = plan.policy.search
    if spec is None:
        return
    from fincloud.deid import privacy

    qis = _search_columns(plan)
    data = frame.select([*qis, *([spec.sensitive] if spec.sensitive else [])])
    try:
        result = privacy.search(
            data,
            qis,
            spec.models,
            suppression=spec.suppression,
            metric=spec.metric,
            sensitive=spec.sensitive,
        )
    except (privacy.SearchError, privacy.ModelError, privacy.MetricError) as exc:
        raise PolicyError(f"search: {exc}") from exc
    levels = result.levels()
    if levels is None:
        raise PolicyError(
            "search: no generalisation of the search columns satisfies the models "
            f"{', '.join(spec.models)} within suppression {spec.suppression}"
            + (f" ({result.reason})" if result.reason else "")
        )
    plan.search_levels = dict(levels)
    mask = privacy.suppression_mask(data, qis, levels, spec.models, sensitive=spec.sensitive)
    plan.search_suppressed = frame[ROW].filter(pl.Series(mask))


def _apply_columns(frame: pl.DataFrame, plan: _Plan, ctx: RunContext) -> pl.DataFrame:
    for column, steps in plan.policy.column_steps():
        for step in steps:
            if column not in frame.columns:
                raise PolicyError(f"columns.{column}: the column was dropped by an earlier step")
            result: pl.Series | None
            if isinstance(step, HierarchyGeneralise):
                level = plan.search_levels[column] if step.level == "search" else step.level
                result = step.apply_level(frame, column, plan.hierarchies[column], int(level))
            else:
                technique: ColumnTechnique = step
                result = technique.apply(frame, column, ctx)
            if result is None:
                frame = frame.drop(column)
            else:
                frame = frame.with_columns(result.alias(column))
    return frame


def _run_pipeline(
    frame: pl.DataFrame, plan: _Plan, ctx: RunContext, counts: dict[str, int]
) -> pl.DataFrame:
    policy = plan.policy
    table: list[TableTechnique] = list(policy.table)
    for step in (s for s in table if TABLE_STAGE[s.technique] < 2):
        before = frame.height
        frame = step.apply_table(frame, ctx)
        if step.technique == "sample":
            counts["not_sampled"] += before - frame.height
    if policy.search is not None and not plan.search_levels:
        _run_search(plan, frame)
    frame = _apply_columns(frame, plan, ctx)
    frame = _search_suppression(frame, plan, counts)
    for step in (s for s in table if TABLE_STAGE[s.technique] == 3):
        before = frame.height
        frame = step.apply_table(frame, ctx)
        counts["suppressed"] += before - frame.height
    for step in (s for s in table if TABLE_STAGE[s.technique] == 4):
        frame = step.apply_table(frame, ctx)
    return frame


def _search_suppression(frame: pl.DataFrame, plan: _Plan, counts: dict[str, int]) -> pl.DataFrame:
    """Remove the records the optimum suppresses (ARX's record suppression)."""
    if plan.search_suppressed is None or plan.search_suppressed.len() == 0:
        return frame
    keep = ~frame[ROW].is_in(plan.search_suppressed.implode())
    counts["suppressed"] += int((~keep).sum())
    return frame.filter(keep)


@dataclass(frozen=True)
class FrameResult:
    frame: pl.DataFrame
    records_suppressed: int
    records_not_sampled: int
    suppressed_cells: dict[str, int]
    search_levels: dict[str, int]
    context: RunContext


def apply_to_frame(
    frame: pl.DataFrame,
    policy: Policy,
    *,
    keyring: KeyRing,
    policy_dir: Path | None = None,
) -> FrameResult:
    """Apply `policy` to a frame in memory (previews, notebooks, tests); no files written,
    so no split table or mapping file either (they are in `context`)."""
    columns = frame.columns
    _validate_against_input(policy, columns, "frame")
    for name in sorted(policy.key_names()):
        keyring.get(name, "the policy")
    ctx = RunContext(
        keyring=keyring, policy_dir=policy_dir or Path.cwd(), run_key=secrets.token_bytes(32)
    )
    plan = _Plan(policy, columns, _load_hierarchies(policy, ctx))
    counts = {"suppressed": 0, "not_sampled": 0}
    result = _run_pipeline(_indexed(frame, 0), plan, ctx, counts).drop(ROW, strict=False)
    if policy.other_columns == "drop":
        named = {c for c, _ in policy.column_steps()}
        result = result.select([c for c in result.columns if c in named or c not in columns])
    return FrameResult(
        result,
        counts["suppressed"] + ctx.records_suppressed,
        counts["not_sampled"],
        dict(ctx.suppressed_cells),
        dict(plan.search_levels),
        ctx,
    )


def _side_path(output: Path, suffix: str, given: Path | None) -> Path:
    return given if given is not None else output.with_name(output.stem + suffix)


def apply_policy(
    source_path: Path,
    policy: Policy,
    output_path: Path,
    *,
    keyring: KeyRing,
    policy_dir: Path | None = None,
    separator: str = ",",
    encoding: str | None = None,
    split_output: Path | None = None,
    mapping_output: Path | None = None,
    progress: Progress | None = None,
    batch_rows: int = dio.BATCH_ROWS,
) -> RunSummary:
    """Run `policy` over `source_path` into `output_path`; see the module docstring."""
    started = time.perf_counter()
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    source_path = Path(source_path)
    output_path = Path(output_path)
    if output_path.resolve() == source_path.resolve():
        raise DeidError(f"-o {output_path}: the output would overwrite the source; choose another")
    out_format = dio.output_format(output_path)
    work_dir = output_path.parent if output_path.parent.exists() else Path.cwd()
    transcoded: Path | None = None
    if encoding and encoding.lower().replace("-", "") not in ("utf8", "utf8sig"):
        if dio.input_format(source_path) != "csv":
            raise InputFileError(f"--encoding applies to CSV input only, not {source_path}")
        transcoded = dio.transcode_to_utf8(source_path, encoding, work_dir)
    try:
        return _apply(
            source_path, transcoded, policy, output_path, out_format, keyring=keyring,
            policy_dir=policy_dir or Path.cwd(), separator=separator, split_output=split_output,
            mapping_output=mapping_output, progress=progress, batch_rows=batch_rows,
            started=started, started_at=started_at,
        )  # fmt: skip
    finally:
        if transcoded is not None:
            transcoded.unlink(missing_ok=True)


@dataclass
class _Run:
    """The state of one run between its stages."""

    source_path: Path
    output_path: Path
    out_format: dio.OutputFormat
    policy: Policy
    keyring: KeyRing
    ctx: RunContext
    plan: _Plan
    columns: list[str]
    whole: bool
    total: int
    progress: Progress | None
    counts: dict[str, int] = field(default_factory=lambda: {"suppressed": 0, "not_sampled": 0})
    rows_in: int = 0
    rows_out: int = 0
    done: int = 0
    out_columns: list[str] = field(default_factory=list)
    staged: list[tuple[Path, Path]] = field(default_factory=list)  # (temporary, final)
    side_files: dict[str, str] = field(default_factory=dict)

    def tick(self, rows: int) -> None:
        self.done += rows
        if self.progress is not None:
            self.progress(self.done, self.total * (2 if self.whole else 1))

    def stage(self, final: Path) -> Path:
        tmp = _temp_beside(final)
        self.staged.append((tmp, final))
        return tmp

    def finish(self, frame: pl.DataFrame) -> pl.DataFrame:
        frame = frame.drop(ROW, strict=False)
        if self.policy.other_columns == "drop":
            named = {c for c, _ in self.policy.column_steps()}
            frame = frame.select([c for c in frame.columns if c in named or c not in self.columns])
        return frame


def _indexed(batch: pl.DataFrame, offset: int) -> pl.DataFrame:
    return batch.with_row_index(ROW, offset=offset).with_columns(pl.col(ROW).cast(pl.Int64))


def _process(run: _Run, source: dio.Source, writer: dio.BatchWriter, batch_rows: int) -> None:
    if run.whole:
        frames = []
        for batch in source.batches(batch_rows):
            frames.append(_indexed(batch, run.rows_in))
            run.rows_in += batch.height
            run.tick(batch.height)
        frame = pl.concat(frames) if frames else _empty(run.columns)
        result = run.finish(_run_pipeline(frame, run.plan, run.ctx, run.counts))
        run.out_columns = result.columns
        for start in range(0, max(result.height, 1), batch_rows):
            writer.write(result.slice(start, batch_rows))
        run.tick(run.total)
        return
    wrote = False
    for batch in source.batches(batch_rows):
        indexed = _indexed(batch, run.rows_in)
        run.rows_in += batch.height
        result = run.finish(_run_pipeline(indexed, run.plan, run.ctx, run.counts))
        run.out_columns = result.columns
        writer.write(result)
        wrote = True
        run.tick(batch.height)
    if not wrote:  # no rows at all: still write the header
        result = run.finish(_run_pipeline(_empty(run.columns), run.plan, run.ctx, run.counts))
        run.out_columns = result.columns
        writer.write(result)


def _write_side_files(run: _Run, split_output: Path | None, mapping_output: Path | None) -> None:
    if run.ctx.split_frames:
        split_path = _side_path(run.output_path, f".split{run.output_path.suffix}", split_output)
        split_writer = dio.BatchWriter(run.stage(split_path), run.out_format)
        for part in run.ctx.split_frames:
            split_writer.write(part)
        split_writer.close()
        run.side_files["split"] = str(split_path)
    if run.ctx.mappings:
        mapping_path = _side_path(run.output_path, ".mapping.enc", mapping_output)
        key_name = next(
            str(getattr(s, "key", "default"))
            for _, steps in run.policy.column_steps()
            for s in steps
            if s.technique == "pseudonymise" and getattr(s, "mapping", False)
        )
        key = run.keyring.get(key_name, "the mapping table")
        write_mapping(run.stage(mapping_path), run.ctx.mappings, key)
        run.side_files["mapping"] = str(mapping_path)


def _summary(run: _Run, output_sha: str, started: float, started_at: str) -> RunSummary:
    policy = run.policy
    changed = [c for c, steps in policy.column_steps() if any(s.technique != "keep" for s in steps)]
    split_columns = [c for s in policy.table if isinstance(s, Split) for c in s.columns]
    return RunSummary(
        source=str(run.source_path),
        source_sha256=dio.sha256_file(run.source_path),
        output=str(run.output_path),
        output_sha256=output_sha,
        output_format=run.out_format,
        rows_in=run.rows_in,
        rows_out=run.rows_out,
        records_suppressed=run.counts["suppressed"] + run.ctx.records_suppressed,
        records_not_sampled=run.counts["not_sampled"],
        columns_in=run.columns,
        columns_out=run.out_columns,
        columns_changed=[c for c in run.columns if c in changed or c in split_columns],
        columns_dropped=[c for c in run.columns if c not in run.out_columns],
        columns_unchanged=[c for c in run.out_columns if c in run.columns and c not in changed],
        suppressed_cells=dict(run.ctx.suppressed_cells),
        reversible_columns=policy.reversible_columns(),
        policy_name=policy.name,
        policy_purpose=policy.purpose,
        policy_sha256=policy.sha256(),
        policy=policy.model_dump(mode="json"),
        tool_version=f"fincloud {fincloud.__version__}",
        key_fingerprints=run.keyring.fingerprints(policy.key_names()),
        search_levels=dict(run.plan.search_levels),
        mode="whole table" if run.whole else "streaming",
        started_at=started_at,
        finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        seconds=round(time.perf_counter() - started, 3),
        side_files=dict(run.side_files),
        notes=list(run.ctx.notes),
    )


def _apply(
    source_path: Path,
    transcoded: Path | None,
    policy: Policy,
    output_path: Path,
    out_format: dio.OutputFormat,
    *,
    keyring: KeyRing,
    policy_dir: Path,
    separator: str,
    split_output: Path | None,
    mapping_output: Path | None,
    progress: Progress | None,
    batch_rows: int,
    started: float,
    started_at: str,
) -> RunSummary:
    source = dio.open_source(transcoded or source_path, separator)
    columns = source.columns()
    _validate_against_input(policy, columns, str(source_path))
    for name in sorted(policy.key_names()):
        keyring.get(name, "the policy")  # every key present before any data is read
    ctx = RunContext(keyring=keyring, policy_dir=policy_dir, run_key=secrets.token_bytes(32))
    run = _Run(
        source_path=source_path, output_path=output_path, out_format=out_format, policy=policy,
        keyring=keyring, ctx=ctx, plan=_Plan(policy, columns, _load_hierarchies(policy, ctx)),
        columns=columns, whole=_needs_whole_table(policy) or policy.search is not None,
        total=source.row_count(), progress=progress,
    )  # fmt: skip
    writer = dio.BatchWriter(run.stage(output_path), out_format)
    try:
        _process(run, source, writer, batch_rows)
        writer.close()
        run.rows_out = writer.rows
        _write_side_files(run, split_output, mapping_output)
        output_sha = dio.sha256_file(run.staged[0][0])
        checksum_path = output_path.with_name(output_path.name + ".sha256")
        run.stage(checksum_path).write_text(f"{output_sha}  {output_path.name}\n", "utf-8")
        run.side_files["checksum"] = str(checksum_path)
        record_path = output_path.with_name(output_path.name + ".deid-run.json")
        run.side_files["run_record"] = str(record_path)
        summary = _summary(run, output_sha, started, started_at)
        record = json.dumps(summary.as_json(), ensure_ascii=False, indent=2) + "\n"
        run.stage(record_path).write_text(record, encoding="utf-8")
        for tmp_path, final in run.staged:
            os.replace(tmp_path, final)
        run.staged = []
        return summary
    finally:
        writer.discard()
        for tmp_path, _ in run.staged:
            tmp_path.unlink(missing_ok=True)


def _temp_beside(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")


def _empty(columns: list[str]) -> pl.DataFrame:
    return pl.DataFrame(schema={**dict.fromkeys(columns, pl.String), ROW: pl.Int64})
