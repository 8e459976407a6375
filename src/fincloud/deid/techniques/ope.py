"""Order-preserving tokens (密碼式工具: 次序保留加密).

A keyed, strictly increasing map from the integers lo..hi to a larger range 0..M-1
(M = (hi - lo + 1) * 2**expansion_bits), built by recursive bisection: the domain interval is
cut in the middle, the range interval at a point drawn from a keyed pseudo-random function of
the domain interval, leaving enough room on each side; a value follows its half down to a
single point. Every value is evaluated independently, so tokens are the same in every file and
run with the same key and parameters, and a whole column is done level by level with NumPy
and one AES call per level.

What it hides and what it does not: the tokens keep the order of the values (that is their
purpose), and roughly where a value lies within lo..hi; they hide the values themselves and
their exact distances. Use it where sorting or range queries must still work; pseudonymise or
generalise otherwise.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import numpy as np
import numpy.typing as npt
import polars as pl
from pydantic import Field, model_validator

from fincloud.deid import keys as keymod
from fincloud.deid.errors import InputFileError
from fincloud.deid.prf import prf_uint64
from fincloud.deid.techniques.base import (
    ColumnTechnique,
    RunContext,
    as_float,
    as_text,
    first_bad_row,
)

I64 = npt.NDArray[np.int64]
MAX_RANGE = 2**62


def ope_encode(key: bytes, values: I64, lo: int, hi: int, expansion_bits: int = 16) -> I64:
    """Tokens for integers in [lo, hi] (the caller checks the bounds)."""
    size = hi - lo + 1
    m = size << expansion_bits
    if m > MAX_RANGE:
        raise ValueError("the domain is too large for order-preserving tokens")
    x = values.astype(np.int64) - lo
    d_lo = np.zeros_like(x)
    d_hi = np.full_like(x, size)
    r_lo = np.zeros_like(x)
    r_hi = np.full_like(x, m)
    active = np.ones(x.shape[0], dtype=bool)
    while True:
        active = (d_hi - d_lo) > 1
        if not active.any():
            break
        idx = np.flatnonzero(active)
        a, b, c, d = d_lo[idx], d_hi[idx], r_lo[idx], r_hi[idx]
        mid = a + (b - a) // 2
        lo_y = c + (mid - a)  # the left half needs mid - a range points
        hi_y = d - (b - mid)  # the right half needs b - mid
        span = (hi_y - lo_y + 1).astype(np.uint64)
        draw = prf_uint64(key, a.astype(np.uint64), b.astype(np.uint64) << np.uint64(1))
        y = lo_y + (draw % span).astype(np.int64)
        left = x[idx] < mid
        d_hi[idx] = np.where(left, mid, b)
        r_hi[idx] = np.where(left, y, d)
        d_lo[idx] = np.where(left, a, mid)
        r_lo[idx] = np.where(left, c, y)
    span = (r_hi - r_lo).astype(np.uint64)
    leaf = prf_uint64(
        key, d_lo.astype(np.uint64), (d_hi.astype(np.uint64) << np.uint64(1)) | np.uint64(1)
    )
    return r_lo + (leaf % span).astype(np.int64)


class OrderPreserving(ColumnTechnique):
    technique: Literal["order_preserving"]
    key: str = "default"
    kind: Literal["integer", "decimal", "date"] = "integer"
    min: float | None = None
    max: float | None = None
    decimals: int = Field(0, ge=0, le=6)
    date_min: date | None = None
    date_max: date | None = None
    expansion_bits: int = Field(16, ge=1, le=32)

    @model_validator(mode="after")
    def _bounds(self) -> OrderPreserving:
        if self.kind == "date":
            if self.date_min is None or self.date_max is None or self.date_min > self.date_max:
                raise ValueError("kind date needs date_min <= date_max")
        elif self.min is None or self.max is None or self.min > self.max:
            raise ValueError(f"kind {self.kind} needs min <= max")
        lo, hi = self._domain()
        if (hi - lo + 1) << self.expansion_bits > MAX_RANGE:
            raise ValueError("min..max is too wide; lower expansion_bits or decimals")
        return self

    def _domain(self) -> tuple[int, int]:
        # The validator has made sure the bounds of the kind are there.
        if self.kind == "date":
            first, last = self.date_min or date.min, self.date_max or date.min
            return first.toordinal(), last.toordinal()
        scale = 10**self.decimals
        return round((self.min or 0) * scale), round((self.max or 0) * scale)

    def apply(self, frame: pl.DataFrame, column: str, ctx: RunContext) -> pl.Series:
        key = keymod.derive(ctx.key(self.key, f"column {column!r} (order_preserving)"), "ope", 32)
        lo, hi = self._domain()
        if self.kind == "date":
            text = as_text(frame, column)
            days = text.str.to_date(strict=False)
            bad = days.is_null() & text.is_not_null()
            if bad.any():
                raise InputFileError(
                    f"column {column!r} row {first_bad_row(frame, bad)}: not a date (YYYY-MM-DD)"
                )
            ints = days.cast(pl.Int64) + date(1970, 1, 1).toordinal()
        else:
            ints = (
                (as_float(frame, column, "order_preserving") * 10**self.decimals)
                .round(0)
                .cast(pl.Int64)
            )
        outside = (ints < lo) | (ints > hi)
        if outside.fill_null(False).any():
            raise InputFileError(
                f"column {column!r} row {first_bad_row(frame, outside.fill_null(False))}: "
                f"outside the min..max of order_preserving"
            )
        present = ints.is_not_null()
        result = np.zeros(len(ints), dtype=np.int64)
        vals = ints.filter(present).to_numpy()
        result[present.to_numpy()] = ope_encode(key, vals, lo, hi, self.expansion_bits)
        out = pl.Series(column, result)
        return pl.select(pl.when(pl.lit(present)).then(pl.lit(out))).to_series().alias(column)
