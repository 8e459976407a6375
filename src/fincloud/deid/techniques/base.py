"""What every technique shares: the run context, the base classes and small helpers.

A column technique turns one column of a batch into a new column (or drops it); a table
technique turns the whole table into another (fewer rows, other columns). Techniques marked
`whole_table` need every row at once (a rare value is rare in the whole file, a group is the
whole group); the engine then reads the file completely before applying the policy, otherwise
it streams batch by batch.

Every batch carries the hidden column `ROW` (the 0-based row number in the source), so that
keyed randomness depends on the row, not on how the file was cut into batches, and errors
can name the row.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import polars as pl
from pydantic import BaseModel, ConfigDict

from fincloud.deid import keys as keymod
from fincloud.deid.errors import InputFileError, MissingColumnError, PolicyError

ROW = "__fincloud_row__"


@dataclass
class RunContext:
    """Per-run state the techniques read and fill."""

    keyring: keymod.KeyRing
    policy_dir: Path
    run_key: bytes  # fresh per run: the randomness of techniques given no key
    suppressed_cells: dict[str, int] = field(default_factory=dict)
    mappings: dict[str, list[pl.DataFrame]] = field(default_factory=dict)
    split_frames: list[pl.DataFrame] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    records_suppressed: int = 0  # records a table step suppressed inside its own output

    def key(self, name: str, needed_by: str) -> bytes:
        return self.keyring.get(name, needed_by)

    def random_key(self, key_name: str | None, purpose: str, needed_by: str) -> bytes:
        """The AES key of a technique's randomness: derived from a named key (reproducible by
        its holder) or from this run's fresh key (not reproducible at all)."""
        base = self.run_key if key_name is None else self.key(key_name, needed_by)
        return keymod.derive(base, f"random/{purpose}")

    def count_suppressed(self, column: str, cells: int) -> None:
        self.suppressed_cells[column] = self.suppressed_cells.get(column, 0) + cells


class Technique(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    technique: str

    whole_table: ClassVar[bool] = False

    def needs_whole_table(self) -> bool:
        return self.whole_table

    def key_names(self) -> set[str]:
        name = getattr(self, "key", None)
        return {name} if isinstance(name, str) else set()


class ColumnTechnique(Technique):
    def apply(self, frame: pl.DataFrame, column: str, ctx: RunContext) -> pl.Series | None:
        """The new column (same length as `frame`), or None to drop the column."""
        raise NotImplementedError

    def check(self, columns: list[str], column: str) -> None:
        """Policy-time checks against the input's columns (other columns named in params)."""


class TableTechnique(Technique):
    def apply_table(self, frame: pl.DataFrame, ctx: RunContext) -> pl.DataFrame:
        raise NotImplementedError

    def columns_used(self) -> list[str]:
        return []


def tag_for(*parts: str) -> int:
    """A 63-bit number naming a stream of randomness (column, technique)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def first_bad_row(frame: pl.DataFrame, bad: pl.Series) -> int:
    """The 1-based source row number of the first true in `bad`."""
    index = bad.arg_true()
    return int(frame[ROW][int(index[0])]) + 1


def as_float(frame: pl.DataFrame, column: str, technique: str) -> pl.Series:
    """The column as Float64; names the first row that is not a number."""
    s = frame[column]
    if s.dtype.is_numeric():
        return s.cast(pl.Float64)
    text = s.cast(pl.String).str.strip_chars().str.replace_all(",", "", literal=True)
    number = text.cast(pl.Float64, strict=False)
    bad = number.is_null() & text.is_not_null() & (text != "")
    if bad.any():
        raise InputFileError(
            f"column {column!r} row {first_bad_row(frame, bad)}: not a number "
            f"(the technique {technique!r} needs numbers)"
        )
    return number


def tidy_numeric(values: pl.Series) -> pl.Series:
    """Int64 when every value is a whole number (so CSV shows 30000, not 30000.0)."""
    if values.dtype.is_float():
        finite = values.drop_nulls()
        whole = bool(((finite % 1) == 0).all()) and bool((finite.abs() < 2**53).all())
        if finite.len() == 0 or whole:
            return values.cast(pl.Int64)
    return values


def as_text(frame: pl.DataFrame, column: str) -> pl.Series:
    s = frame[column]
    return s if s.dtype == pl.String else s.cast(pl.String)


def require_columns(where: str, names: list[str], columns: list[str]) -> None:
    for name in names:
        if name not in columns:
            raise MissingColumnError(name, where, columns)


def resolve_path(ctx_dir: Path, path: str) -> Path:
    p = Path(path)
    return p if p.is_absolute() else ctx_dir / p


def policy_error(where: str, message: str) -> PolicyError:
    return PolicyError(f"{where}: {message}")
