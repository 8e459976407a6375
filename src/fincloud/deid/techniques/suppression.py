"""Suppression (抑制技術): removal, cell, record and local suppression.

- `drop` removes a column (the strongest suppression of a direct identifier).
- `suppress` blanks cells: every cell (`when: always`), or the cells whose value occurs fewer
  than `min_count` times in the whole file (`when: rare`): a rare value singles a person out
  (Ch 9.3 test (a)).
- `suppress_records` removes the records whose combination of quasi-identifiers occurs fewer
  than `k` times (after the column techniques: generalise first, then suppress what is still
  rare).
- `suppress_local` blanks quasi-identifier cells of those records instead of removing them,
  one attribute at a time in the given order (by default the attribute with the most distinct
  values first), until each remaining combination occurs at least `k` times; a blank counts as
  its own value (`*`), as in ARX's output.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import polars as pl
from pydantic import Field

from fincloud.deid.techniques.base import (
    ColumnTechnique,
    RunContext,
    TableTechnique,
    as_text,
    require_columns,
)


class Drop(ColumnTechnique):
    technique: Literal["drop"]

    def apply(self, frame: pl.DataFrame, column: str, ctx: RunContext) -> pl.Series | None:
        return None


class Keep(ColumnTechnique):
    technique: Literal["keep"]

    def apply(self, frame: pl.DataFrame, column: str, ctx: RunContext) -> pl.Series | None:
        return frame[column]


class Suppress(ColumnTechnique):
    technique: Literal["suppress"]
    when: Literal["always", "rare"] = "always"
    min_count: int = Field(5, ge=2)
    replacement: str | None = None

    def needs_whole_table(self) -> bool:
        return self.when == "rare"

    def apply(self, frame: pl.DataFrame, column: str, ctx: RunContext) -> pl.Series:
        s = frame[column]
        if self.when == "always":
            hit = s.is_not_null()
        else:
            counts = frame.select(pl.len().over(pl.col(column)).alias("n")).to_series()
            hit = s.is_not_null() & (counts < self.min_count)
        ctx.count_suppressed(column, int(hit.sum()))
        fill = pl.lit(self.replacement, dtype=pl.String)
        base = as_text(frame, column) if self.replacement is not None else s
        blank = fill if self.replacement is not None else pl.lit(None, dtype=base.dtype)
        return frame.select(
            pl.when(pl.lit(hit)).then(blank).otherwise(pl.lit(base)).alias(column)
        ).to_series()


def _class_sizes(frame: pl.DataFrame, qis: list[str]) -> pl.Series:
    return frame.select(pl.len().over(qis).alias("n")).to_series()


class SuppressRecords(TableTechnique):
    technique: Literal["suppress_records"]
    quasi_identifiers: list[str] = Field(min_length=1)
    k: int = Field(ge=2)

    whole_table: ClassVar[bool] = True

    def columns_used(self) -> list[str]:
        return list(self.quasi_identifiers)

    def apply_table(self, frame: pl.DataFrame, ctx: RunContext) -> pl.DataFrame:
        require_columns("suppress_records", self.quasi_identifiers, frame.columns)
        keep = _class_sizes(frame, self.quasi_identifiers) >= self.k
        return frame.filter(keep)


class SuppressLocal(TableTechnique):
    technique: Literal["suppress_local"]
    quasi_identifiers: list[str] = Field(min_length=1)
    k: int = Field(ge=2)
    order: list[str] | None = None
    marker: str = "*"

    whole_table: ClassVar[bool] = True

    def columns_used(self) -> list[str]:
        return list(self.quasi_identifiers) + list(self.order or [])

    def apply_table(self, frame: pl.DataFrame, ctx: RunContext) -> pl.DataFrame:
        qis = self.quasi_identifiers
        require_columns("suppress_local", qis, frame.columns)
        order = self.order or sorted(qis, key=lambda c: -frame[c].n_unique())
        out = frame.with_columns(pl.col(c).cast(pl.String) for c in qis)
        for attribute in order:
            rare = _class_sizes(out, qis) < self.k
            hit = rare & (out[attribute] != self.marker).fill_null(True)
            ctx.count_suppressed(attribute, int(hit.sum()))
            out = out.with_columns(
                pl.when(pl.lit(hit))
                .then(pl.lit(self.marker))
                .otherwise(pl.col(attribute))
                .alias(attribute)
            )
        return out
