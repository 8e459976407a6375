"""Masking (抑制技術: 遮罩): keep the first and last characters, cover the rest.

`王小明` with keep_first 1 is `王**`; `0912-345-678` with keep_first 4, keep_last 3 is
`0912*****678`. Counts characters, not bytes, so Chinese names mask as people expect. A value
no longer than keep_first + keep_last is covered completely (keeping it whole would hide
nothing).
"""

from __future__ import annotations

from typing import Literal

import polars as pl
from pydantic import Field

from fincloud.deid.techniques.base import ColumnTechnique, RunContext, as_text


def cover(length: pl.Expr, char: str) -> pl.Expr:
    """`length` copies of `char`."""
    return pl.lit("").str.pad_end(length, char)


class Mask(ColumnTechnique):
    technique: Literal["mask"]
    keep_first: int = Field(0, ge=0)
    keep_last: int = Field(0, ge=0)
    char: str = Field("*", min_length=1, max_length=1)

    def apply(self, frame: pl.DataFrame, column: str, ctx: RunContext) -> pl.Series:
        s = pl.lit(as_text(frame, column))
        n = s.str.len_chars().cast(pl.Int64)
        keep = self.keep_first + self.keep_last
        tail = s.str.slice(-self.keep_last) if self.keep_last else pl.lit("")
        masked = (
            pl.when(n <= keep)
            .then(cover(n, self.char))
            .otherwise(
                s.str.slice(0, self.keep_first)
                + cover((n - keep).clip(lower_bound=0), self.char)
                + tail
            )
        )
        return frame.select(masked.alias(column)).to_series()
