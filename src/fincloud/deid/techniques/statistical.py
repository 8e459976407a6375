"""Statistical tools (統計工具): random sampling and aggregation with small-cell suppression.

- `sample`: keeps each record with probability `fraction` (Bernoulli sampling). The draw for
  a record depends on the seed and the record's row number only, so the same seed picks the
  same records however the file is read; a seed is allowed here because knowing which records
  were kept reveals nothing the output does not show.
- `aggregate`: the table becomes one row per group of `group_by` with the count and the means
  and sums asked for; groups with fewer than `min_count` records are suppressed (dropped and
  counted), since a cell of one or two people describes those people.
"""

from __future__ import annotations

import hashlib
from typing import ClassVar, Literal

import polars as pl
from pydantic import Field

from fincloud.deid import prf
from fincloud.deid.techniques.base import (
    ROW,
    RunContext,
    TableTechnique,
    as_float,
    require_columns,
    tag_for,
)


class Sample(TableTechnique):
    technique: Literal["sample"]
    fraction: float = Field(gt=0, le=1)
    seed: int = 0

    def apply_table(self, frame: pl.DataFrame, ctx: RunContext) -> pl.DataFrame:
        key = hashlib.sha256(f"fincloud-deid/sample/{self.seed}".encode()).digest()
        u = prf.uniform_open(key, tag_for("sample"), frame[ROW].to_numpy())
        return frame.filter(pl.Series(u < self.fraction))


class Aggregate(TableTechnique):
    technique: Literal["aggregate"]
    group_by: list[str] = Field(min_length=1)
    means: list[str] = Field(default_factory=list)
    sums: list[str] = Field(default_factory=list)
    count_column: str = "count"
    min_count: int = Field(5, ge=1)

    whole_table: ClassVar[bool] = True

    def columns_used(self) -> list[str]:
        return self.group_by + self.means + self.sums

    def apply_table(self, frame: pl.DataFrame, ctx: RunContext) -> pl.DataFrame:
        require_columns("aggregate", self.columns_used(), frame.columns)
        numbers = frame.select(
            *self.group_by,
            *[as_float(frame, c, "aggregate").alias(f"__m_{c}") for c in self.means],
            *[as_float(frame, c, "aggregate").alias(f"__s_{c}") for c in self.sums],
        )
        grouped = numbers.group_by(self.group_by, maintain_order=True).agg(
            pl.len().alias(self.count_column),
            *[pl.col(f"__m_{c}").mean().alias(f"{c}_mean") for c in self.means],
            *[pl.col(f"__s_{c}").sum().alias(f"{c}_sum") for c in self.sums],
        )
        small = grouped[self.count_column] < self.min_count
        hidden = int(grouped.filter(small)[self.count_column].sum())
        ctx.records_suppressed += hidden
        ctx.notes.append(
            f"aggregate: {int(small.sum())} group(s) below {self.min_count} records suppressed "
            f"({hidden} records)"
        )
        return grouped.filter(~small).sort(self.group_by)
