"""Splitting (解析): identifiers go to a separate table, joined to the rest only by a random
link key.

The main output keeps `link_column` (128 random bits from the operating system, hex) in place
of the identifier columns; the identifiers table (link key + those columns) is written to a
separate file that stays with the institution. The key is random, not derived from the data,
so without that table nothing in the output leads back to the identifiers (Ch 9.3 test (b)).
"""

from __future__ import annotations

import secrets
from typing import Literal

import polars as pl
from pydantic import Field

from fincloud.deid.techniques.base import RunContext, TableTechnique, require_columns


class Split(TableTechnique):
    technique: Literal["split"]
    columns: list[str] = Field(min_length=1)
    link_column: str = "link_id"

    def columns_used(self) -> list[str]:
        return list(self.columns)

    def apply_table(self, frame: pl.DataFrame, ctx: RunContext) -> pl.DataFrame:
        require_columns("split", self.columns, frame.columns)
        raw = secrets.token_bytes(16 * frame.height)
        chunks = [raw[i : i + 16] for i in range(0, len(raw), 16)]
        link = pl.Series(self.link_column, chunks, pl.Binary).bin.encode("hex")
        ctx.split_frames.append(frame.select(self.columns).insert_column(0, link))
        return frame.drop(self.columns).insert_column(0, link)
