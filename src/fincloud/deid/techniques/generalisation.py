"""Generalisation (概化技術): hierarchies, intervals, rounding, dates, top/bottom coding and
Taiwan's administrative areas.

- `hierarchy`: ARX's CSV hierarchies (`fincloud.deid.hierarchy`, one row per value, one column
  per level) at a fixed `level`, or `level: search` to let the optimal search of the policy's
  `search` section choose the levels (fincloud.deid.privacy). A value the hierarchy does not
  cover stops the run with an error naming the value, the column and the file.
- `interval`: numbers to fixed-width bands, labelled `30-39` (whole numbers) or `[30, 40)`.
- `round`: to a multiple of `base` (1,000 for amounts, 5 for ages).
- `truncate_date`: to the year, quarter, month or ISO week; reads ISO dates and Republic-of-China
  dates (113/01/05, 1130105) when `calendar: roc`.
- `top_bottom`: values above `top` (or the `top_quantile`) become `top`, below `bottom` become
  `bottom`: the few extreme incomes that single a person out.
- `tw_admin_area`: an address becomes its district, city/county or region.
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

import polars as pl
from pydantic import Field, model_validator

from fincloud.deid import tw_admin
from fincloud.deid.errors import InputFileError, PolicyError
from fincloud.deid.hierarchy import Hierarchy, HierarchyError, UncoveredValueError, read_hierarchy
from fincloud.deid.techniques.base import (
    ColumnTechnique,
    RunContext,
    as_float,
    as_text,
    first_bad_row,
    resolve_path,
    tidy_numeric,
)


class HierarchyGeneralise(ColumnTechnique):
    technique: Literal["hierarchy"]
    file: str
    level: int | Literal["search"]
    separator: str = Field(";", min_length=1, max_length=1)

    def load(self, ctx: RunContext, column: str) -> Hierarchy:
        path = resolve_path(ctx.policy_dir, self.file)
        try:
            return read_hierarchy(path, sep=self.separator, attribute=column)
        except HierarchyError as exc:
            raise PolicyError(f"column {column!r} (hierarchy): {exc}") from exc

    def needs_whole_table(self) -> bool:
        return self.level == "search"

    def apply_level(
        self, frame: pl.DataFrame, column: str, hierarchy: Hierarchy, level: int
    ) -> pl.Series:
        if not 0 <= level <= hierarchy.max_level:
            raise PolicyError(
                f"column {column!r} (hierarchy): level {level} is outside "
                f"0..{hierarchy.max_level} of {hierarchy.source}"
            )
        values = as_text(frame, column)
        uncovered = hierarchy.uncovered(values.drop_nulls().unique(maintain_order=True).to_list())
        if uncovered:
            raise UncoveredValueError(uncovered[0], hierarchy.source, column)
        return values.replace_strict(hierarchy.mapping(level), default=None, return_dtype=pl.String)

    def apply(self, frame: pl.DataFrame, column: str, ctx: RunContext) -> pl.Series:
        if self.level == "search":
            raise PolicyError(
                f"column {column!r}: level: search is resolved by the policy's search section"
            )
        return self.apply_level(frame, column, self.load(ctx, column), self.level)


class Interval(ColumnTechnique):
    technique: Literal["interval"]
    width: float = Field(gt=0)
    origin: float = 0.0
    label: Literal["range", "lower"] = "range"

    def apply(self, frame: pl.DataFrame, column: str, ctx: RunContext) -> pl.Series:
        x = as_float(frame, column, "interval")
        lower = ((x - self.origin) / self.width).floor() * self.width + self.origin
        if self.label == "lower":
            return tidy_numeric(lower).alias(column)
        whole = float(self.width).is_integer() and float(self.origin).is_integer()
        lo = lower.cast(pl.Int64) if whole else lower
        if whole:
            upper = lo + int(self.width) - 1
            text = lo.cast(pl.String) + "-" + upper.cast(pl.String)
        else:
            text = "[" + lo.cast(pl.String) + ", " + (lower + self.width).cast(pl.String) + ")"
        return text.alias(column)


class Round(ColumnTechnique):
    technique: Literal["round"]
    base: float = Field(gt=0)

    def apply(self, frame: pl.DataFrame, column: str, ctx: RunContext) -> pl.Series:
        x = as_float(frame, column, "round")
        return tidy_numeric((x / self.base).round(0) * self.base).alias(column)


def parse_dates(text: pl.Series, calendar: str) -> pl.Series:
    if calendar == "roc":
        parts = text.str.strip_chars().str.extract_groups(
            r"^(\d{2,3})[/\-.]?(\d{2})[/\-.]?(\d{2})$"
        )
        fields = parts.struct.unnest()
        iso = fields.select(
            pl.format(
                "{}-{}-{}",
                (pl.col("1").cast(pl.Int32, strict=False) + 1911).cast(pl.String),
                pl.col("2"),
                pl.col("3"),
            )
        ).to_series()
        return iso.str.to_date("%Y-%m-%d", strict=False)
    return text.str.strip_chars().str.to_date(strict=False)


class TruncateDate(ColumnTechnique):
    technique: Literal["truncate_date"]
    to: Literal["year", "quarter", "month", "week"]
    calendar: Literal["gregorian", "roc"] = "gregorian"

    def apply(self, frame: pl.DataFrame, column: str, ctx: RunContext) -> pl.Series:
        text = as_text(frame, column)
        dates = parse_dates(text, self.calendar)
        bad = dates.is_null() & text.is_not_null()
        if bad.any():
            form = "YYY/MM/DD (ROC)" if self.calendar == "roc" else "YYYY-MM-DD"
            raise InputFileError(
                f"column {column!r} row {first_bad_row(frame, bad)}: not a date ({form})"
            )
        if self.to == "year":
            out = dates.dt.year().cast(pl.String)
        elif self.to == "quarter":
            out = dates.dt.year().cast(pl.String) + "-Q" + dates.dt.quarter().cast(pl.String)
        elif self.to == "month":
            out = dates.dt.strftime("%Y-%m")
        else:
            out = dates.dt.truncate("1w").cast(pl.String)
        return out.alias(column)


class TopBottom(ColumnTechnique):
    technique: Literal["top_bottom"]
    top: float | None = None
    bottom: float | None = None
    top_quantile: float | None = Field(None, gt=0, lt=1)
    bottom_quantile: float | None = Field(None, gt=0, lt=1)

    @model_validator(mode="after")
    def _something(self) -> TopBottom:
        if self.top is not None and self.top_quantile is not None:
            raise ValueError("give top or top_quantile, not both")
        if self.bottom is not None and self.bottom_quantile is not None:
            raise ValueError("give bottom or bottom_quantile, not both")
        if all(v is None for v in (self.top, self.bottom, self.top_quantile, self.bottom_quantile)):
            raise ValueError("give at least one of top, bottom, top_quantile, bottom_quantile")
        return self

    def needs_whole_table(self) -> bool:
        return self.top_quantile is not None or self.bottom_quantile is not None

    def apply(self, frame: pl.DataFrame, column: str, ctx: RunContext) -> pl.Series:
        x = as_float(frame, column, "top_bottom")
        top = self.top if self.top_quantile is None else x.quantile(self.top_quantile, "lower")
        bottom = (
            self.bottom
            if self.bottom_quantile is None
            else x.quantile(self.bottom_quantile, "higher")
        )
        coded = x
        changed = pl.Series([False] * len(x))
        if top is not None and not math.isnan(top):
            changed = changed | (x > top).fill_null(False)
            coded = coded.clip(upper_bound=top)
        if bottom is not None and not math.isnan(bottom):
            changed = changed | (x < bottom).fill_null(False)
            coded = coded.clip(lower_bound=bottom)
        ctx.count_suppressed(column, int(changed.sum()))
        return tidy_numeric(coded).alias(column)


class AdminArea(ColumnTechnique):
    technique: Literal["tw_admin_area"]
    level: Literal["district", "city", "region"] = "district"
    on_unknown: Literal["error", "blank"] = "error"

    whole_table: ClassVar[bool] = False

    def apply(self, frame: pl.DataFrame, column: str, ctx: RunContext) -> pl.Series:
        text = as_text(frame, column)
        out = pl.select(tw_admin.generalise_expr(pl.lit(text), self.level)).to_series()
        unknown = out.is_null() & text.is_not_null() & (text.str.strip_chars() != "")
        if unknown.any():
            if self.on_unknown == "error":
                raise InputFileError(
                    f"column {column!r} row {first_bad_row(frame, unknown)}: no Taiwanese "
                    f"city/county{' and district' if self.level == 'district' else ''} found "
                    "in the address (set on_unknown: blank to blank such cells)"
                )
            ctx.count_suppressed(column, int(unknown.sum()))
        return out.alias(column)
