"""Randomisation (隨機化技術): noise addition, permutation within groups, microaggregation.

The randomness comes from a key named in the policy (reproducible by the key holder alone) or,
without one, from a fresh key of this run (not reproducible at all). A plain seed in the policy
is refused here: the policy travels with the run record, and a reader who knows the seed could
regenerate the noise and subtract it, or undo the permutation.

- `noise`: Laplace (scale b, or epsilon and sensitivity with b = sensitivity / epsilon, the
  Laplace mechanism) or Gaussian (sigma) noise added to each value; optional rounding and
  clipping of the result (rounding and clipping after the noise do not weaken it).
- `swap`: the column's values permuted at random within groups (`within: [city, age_band]`),
  so each group keeps exactly its distribution but a value no longer sits with its record.
- `microaggregate`: values sorted and cut into groups of at least `k` consecutive values, each
  replaced by its group's mean (univariate MDAV; optimal for one variable); the mean and the
  sum of the column are kept exactly.
"""

from __future__ import annotations

from typing import ClassVar, Literal

import numpy as np
import polars as pl
from pydantic import Field, model_validator

from fincloud.deid import prf
from fincloud.deid.techniques.base import (
    ROW,
    ColumnTechnique,
    RunContext,
    as_float,
    require_columns,
    tag_for,
    tidy_numeric,
)


class Noise(ColumnTechnique):
    technique: Literal["noise"]
    distribution: Literal["laplace", "gaussian"]
    scale: float | None = Field(None, gt=0)
    epsilon: float | None = Field(None, gt=0)
    sensitivity: float | None = Field(None, gt=0)
    sigma: float | None = Field(None, gt=0)
    key: str | None = None
    round_to: float | None = Field(None, gt=0)
    clip_min: float | None = None
    clip_max: float | None = None

    @model_validator(mode="after")
    def _parameters(self) -> Noise:
        if self.distribution == "laplace":
            by_scale = self.scale is not None
            by_epsilon = self.epsilon is not None and self.sensitivity is not None
            if by_scale == by_epsilon:
                raise ValueError("laplace needs scale, or epsilon and sensitivity (not both)")
        elif self.sigma is None:
            raise ValueError("gaussian needs sigma")
        return self

    @property
    def laplace_scale(self) -> float:
        if self.scale is not None:
            return self.scale
        # The validator requires epsilon and sensitivity when scale is absent.
        return (self.sensitivity or 0.0) / (self.epsilon or 1.0)

    def apply(self, frame: pl.DataFrame, column: str, ctx: RunContext) -> pl.Series:
        x = as_float(frame, column, "noise")
        key = ctx.random_key(self.key, f"noise/{column}", f"column {column!r} (noise)")
        rows = frame[ROW].to_numpy()
        tag = tag_for("noise", column)
        if self.distribution == "laplace":
            draw = prf.laplace(key, tag, rows, self.laplace_scale)
        else:
            draw = prf.gaussian(key, tag, rows, self.sigma or 0.0)
        out = x + pl.Series(draw)
        if self.round_to is not None:
            out = (out / self.round_to).round(0) * self.round_to
        if self.clip_min is not None or self.clip_max is not None:
            out = out.clip(self.clip_min, self.clip_max)
        return tidy_numeric(out).alias(column)


class Swap(ColumnTechnique):
    technique: Literal["swap"]
    within: list[str] = Field(default_factory=list)
    key: str | None = None

    whole_table: ClassVar[bool] = True

    def check(self, columns: list[str], column: str) -> None:
        require_columns(f"column {column!r} (swap within)", self.within, columns)

    def apply(self, frame: pl.DataFrame, column: str, ctx: RunContext) -> pl.Series:
        key = ctx.random_key(self.key, f"swap/{column}", f"column {column!r} (swap)")
        rand = prf.prf_uint64(key, tag_for("swap", column), frame[ROW].to_numpy())
        if self.within:
            groups = frame.select(pl.struct(self.within).rank("dense")).to_series().to_numpy()
        else:
            groups = np.zeros(frame.height, dtype=np.int64)
        by_row = np.lexsort((np.arange(frame.height), groups))  # group, then original order
        by_rand = np.lexsort((rand, groups))  # group, then random order
        values = frame[column]
        target = np.empty(frame.height, dtype=np.int64)
        target[by_rand] = by_row  # the k-th random slot of a group takes its k-th value
        return values.gather(pl.Series(target)).alias(column)


class Microaggregate(ColumnTechnique):
    technique: Literal["microaggregate"]
    k: int = Field(3, ge=2)
    round_to: float | None = Field(None, gt=0)

    whole_table: ClassVar[bool] = True

    def apply(self, frame: pl.DataFrame, column: str, ctx: RunContext) -> pl.Series:
        x = as_float(frame, column, "microaggregate")
        present = x.is_not_null().to_numpy()
        values = x.to_numpy()[present]
        n = values.shape[0]
        out = np.full(frame.height, np.nan)
        if n:
            order = np.argsort(values, kind="stable")
            groups = max(1, n // self.k)  # the last group takes the remainder (k..2k-1)
            label = np.minimum(np.arange(n) // self.k, groups - 1)
            sums = np.bincount(label, weights=values[order])
            counts = np.bincount(label)
            means = np.empty(n)
            means[order] = (sums / counts)[label]
            out[np.flatnonzero(present)] = means
        result = pl.Series(column, out).fill_nan(None)
        if self.round_to is not None:
            result = (result / self.round_to).round(0) * self.round_to
        return tidy_numeric(result).alias(column)
