"""The work of one job, without the database: scan, apply, scan again, assess.

Phases and their share of the progress bar: reading and scanning the source (0-20 %), applying
the policy with fincloud.deid's engine (20-70 %, its own progress callback), scanning the
output (70-80 %), the risk and utility report (80-100 %). Outputs are written by the engine
atomically into the job's output folder; if a later phase fails, they are removed, so a failed
run leaves nothing behind. The source is only read.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fincloud.privacy import policies

Progress = Callable[[str, int], None]

PHASES = {"scan_before": (0, 20), "apply": (20, 70), "scan_after": (70, 80), "assess": (80, 100)}


@dataclass(frozen=True)
class RunInput:
    source_path: Path
    source_name: str
    separator: str
    encoding: str
    policy_text: str
    output_dir: Path
    output_name: str
    quasi_identifiers: Sequence[str]
    sensitive: Sequence[str]
    target: str


@dataclass(frozen=True)
class RunOutput:
    run_record: dict[str, Any]
    scan_before: dict[str, Any]
    scan_after: dict[str, Any]
    assessment: dict[str, Any] | None
    assessment_error: str
    output_path: Path
    output_sha256: str
    output_size: int
    output_rows: int
    tool_version: str


class RunFailed(Exception):
    """The run stopped; the message (fincloud.deid's, naming the column or parameter) is
    shown to the data officer and nothing was kept."""


def _share(phase: str, done: int, total: int | None) -> int:
    low, high = PHASES[phase]
    if not total:
        return low
    return low + int((high - low) * min(done, total) / total)


def _scan(frames: list[Any], columns: list[str]) -> dict[str, Any]:
    from fincloud.deid.scan import scan_frames

    report: dict[str, Any] = scan_frames(frames, columns).as_json()
    return report


def _failure(exc: Exception) -> RunFailed:
    messages = getattr(exc, "messages", None) or [str(exc)]
    return RunFailed(" ".join(str(m) for m in messages))


def _prepare(job: RunInput) -> tuple[Any, Any]:
    """The policy and its keys, checked again: either may have changed since creation."""
    try:
        policy = policies.parse_policy_text(job.policy_text)
        return policy, policies.keyring_for(policy)
    except Exception as exc:  # a ValidationError with fincloud.deid's message
        raise _failure(exc) from None


def _read_original(job: RunInput, progress: Progress) -> tuple[Any, Path | None]:
    """The whole source as fincloud.deid reads it (the attacker's background knowledge in the
    risk report), and the transcoded copy to delete afterwards, if any."""
    import polars as pl

    try:
        source, transcoded = policies.open_source(
            job.source_path, job.source_name, separator=job.separator,
            encoding=job.encoding, field="source",
        )  # fmt: skip
    except Exception as exc:
        raise _failure(exc) from None
    total = max(source.row_count(), 1)
    frames: list[pl.DataFrame] = []
    done = 0
    for batch in source.batches():
        frames.append(batch)
        done += batch.height
        progress("scan_before", _share("scan_before", done, total))
    if not frames:
        return pl.DataFrame(schema=dict.fromkeys(source.columns(), pl.String)), transcoded
    return pl.concat(frames), transcoded


def _assess(
    job: RunInput, policy: Any, keyring: Any, original: Any, released: Any
) -> tuple[dict[str, Any] | None, str]:
    """fincloud.deid.privacy.assess, before and after; the output stands even when the report
    cannot be made, and the report says why."""
    from fincloud.deid.errors import DeidError
    from fincloud.deid.hierarchy import HierarchyError
    from fincloud.deid.privacy import assess
    from fincloud.deid.privacy.risk import RiskError
    from fincloud.deid.privacy.utility import UtilityError

    try:
        hierarchies = policies.assessment_hierarchies(policy, original, keyring)
        result = assess(
            released, list(job.quasi_identifiers), original=original, hierarchies=hierarchies,
            sensitive=list(job.sensitive), target=job.target or None,
        )  # fmt: skip
    except (RiskError, UtilityError, DeidError, HierarchyError) as exc:
        return None, str(exc)
    return result.as_dict(), ""


def execute(job: RunInput, progress: Progress) -> RunOutput:
    """Run the job; raise RunFailed with the library's message on bad input."""
    from fincloud.deid import io as dio
    from fincloud.deid.engine import apply_policy
    from fincloud.deid.errors import DeidError
    from fincloud.deid.hierarchy import HierarchyError

    output = job.output_dir / job.output_name
    job.output_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    policy, keyring = _prepare(job)
    transcoded: Path | None = None
    try:
        progress("scan_before", 0)
        original, transcoded = _read_original(job, progress)
        scan_before = _scan([original], original.columns)

        def applying(done: int, total: int | None) -> None:
            progress("apply", _share("apply", done, total))

        summary = apply_policy(
            job.source_path, policy, output, keyring=keyring, policy_dir=policies.policy_dir(),
            separator=job.separator, encoding=job.encoding, progress=applying,
        )  # fmt: skip
        progress("scan_after", PHASES["scan_after"][0])
        released = dio.open_source(output, ",").read_all()
        scan_after = _scan([released], released.columns)
        progress("assess", PHASES["assess"][0])
        assessment, assessment_error = _assess(job, policy, keyring, original, released)
        progress("assess", 100)
        record = summary.as_json()
        record["source"] = job.source_name
        record["output"] = job.output_name
        record["side_files"] = {k: Path(v).name for k, v in summary.side_files.items()}
        return RunOutput(
            run_record=record,
            scan_before=scan_before,
            scan_after=scan_after,
            assessment=assessment,
            assessment_error=assessment_error,
            output_path=output,
            output_sha256=summary.output_sha256,
            output_size=output.stat().st_size,
            output_rows=summary.rows_out,
            tool_version=summary.tool_version,
        )
    except (DeidError, HierarchyError) as exc:
        discard_outputs(job.output_dir)
        raise RunFailed(str(exc).replace(str(job.source_path), job.source_name)) from None
    except BaseException:
        discard_outputs(job.output_dir)
        raise
    finally:
        if transcoded is not None:
            transcoded.unlink(missing_ok=True)


def discard_outputs(output_dir: Path) -> None:
    shutil.rmtree(output_dir, ignore_errors=True)
