"""Synthetic data (合成資料): a Gaussian-copula generator over chosen columns.

Fitting: each numeric column is turned into normal scores through its ranks; each categorical
column into a slice of the normal line per category (the category's share of the file), a
record's score drawn inside its category's slice. The correlation matrix of the scores is the
model, with the empirical distribution of each column. Sampling: draw correlated normal
scores, map each back through its column's distribution (numeric: the empirical quantile;
categorical: the slice it falls in).

What it keeps: each column's distribution (numeric within the tails it is allowed to show,
categorical shares), and the pairwise correlations between the columns, as rank (Spearman)
correlations: for a very skewed column such as a bill amount the ordinary (Pearson) correlation
can differ. The copula's correlation matrix is calibrated so that drawing categories from
slices does not weaken the correlations a category takes part in.
What it does not keep: interactions beyond pairs (a rule true only for young women in Taipei),
the link between a synthetic record and any real person (there is none; the rows are drawn),
exact outliers (values outside the `tail_quantile` bounds are drawn as the bound), and
categories rarer than `min_category_count` (merged into `other_label`). It is not
differentially private: a column's quantiles are taken from the real data, so an attacker who
knows all but one record learns something about the last. Use it for testing and development
environments (Ch 9.2 (b) excludes test environments without customer data from the scope),
not as a substitute for an assessment of re-identification risk.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import numpy as np
import numpy.typing as npt
import polars as pl
from pydantic import Field

from fincloud.deid.techniques.base import RunContext, TableTechnique, require_columns

F64 = npt.NDArray[np.float64]


def norm_cdf(z: F64) -> F64:
    erf = np.vectorize(math.erf, otypes=[np.float64])
    result: F64 = 0.5 * (1.0 + erf(z / math.sqrt(2.0)))
    return result


def norm_ppf(p: F64) -> F64:
    """Inverse of the standard normal CDF (Acklam's rational approximation, |error| < 1.2e-9
    relative, refined by one Halley step)."""
    a = [-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02,
         1.383577518672690e02, -3.066479806614716e01, 2.506628277459239e00]  # fmt: skip
    b = [-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02,
         6.680131188771972e01, -1.328068155288572e01]  # fmt: skip
    c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00,
         -2.549732539343734e00, 4.374664141464968e00, 2.938163982698783e00]  # fmt: skip
    d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00,
         3.754408661907416e00]  # fmt: skip
    p = np.clip(p, 1e-300, 1 - 1e-16)
    z = np.empty_like(p)
    low = p < 0.02425
    high = p > 1 - 0.02425
    mid = ~(low | high)
    q = np.sqrt(-2 * np.log(p[low]))
    z[low] = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
        (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1
    )
    q = np.sqrt(-2 * np.log(1 - p[high]))
    z[high] = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / (
        (((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1
    )
    q = p[mid] - 0.5
    r = q * q
    z[mid] = (
        (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
        * q
        / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    )
    e = norm_cdf(z) - p
    u = e * math.sqrt(2 * math.pi) * np.exp(z * z / 2)
    return z - u / (1 + z * u / 2)


class Synthesize(TableTechnique):
    technique: Literal["synthesize"]
    columns: list[str] = Field(min_length=1)
    categorical: list[str] = Field(default_factory=list)
    rows: int | None = Field(None, ge=1)
    seed: int | None = None
    min_category_count: int = Field(5, ge=1)
    other_label: str = "其他"
    tail_quantile: float = Field(0.01, ge=0, lt=0.5)

    whole_table: ClassVar[bool] = True

    def columns_used(self) -> list[str]:
        return list(self.columns)

    def _is_numeric(self, s: pl.Series) -> bool:
        if s.name in self.categorical:
            return False
        if s.dtype.is_numeric():
            return True
        parsed = s.cast(pl.Float64, strict=False)
        return bool(parsed.null_count() == s.null_count()) and s.n_unique() > 10

    def _fit(self, frame: pl.DataFrame) -> list[_Column]:
        models: list[_Column] = []
        n = frame.height
        for name in self.columns:
            s = frame[name]
            if self._is_numeric(s):
                x = s.cast(pl.Float64, strict=False).fill_null(strategy="mean").to_numpy()
                lo, hi = np.quantile(x, [self.tail_quantile, 1 - self.tail_quantile])
                whole = s.dtype.is_integer() or (s.dtype == pl.String and bool((x % 1 == 0).all()))
                models.append(_Column(name, "numeric", np.sort(np.clip(x, lo, hi)), whole=whole))
            else:
                text = s.cast(pl.String).fill_null("")
                counts = text.value_counts(sort=True)
                rare = counts.filter(pl.col("count") < self.min_category_count)[name]
                if rare.len():
                    text = pl.select(
                        pl.when(pl.lit(text).is_in(rare.implode()))
                        .then(pl.lit(self.other_label))
                        .otherwise(pl.lit(text))
                    ).to_series()
                counts = text.value_counts(sort=True)
                cum = np.concatenate([[0.0], np.cumsum(counts["count"].to_numpy()) / n])
                models.append(_Column(name, "categorical", cum, cats=counts[text.name].to_list()))
        return models

    def _scores(self, frame: pl.DataFrame, models: list[_Column], rng: np.random.Generator) -> F64:
        """Normal scores: ranks for numbers, a random point of the category's slice otherwise."""
        n = frame.height
        scores = np.empty((n, len(models)))
        for j, model in enumerate(models):
            s = frame[model.name]
            if model.kind == "numeric":
                ranks = s.cast(pl.Float64, strict=False).rank("average").to_numpy()
                scores[:, j] = norm_ppf((ranks - 0.5) / n)
            else:
                text = s.cast(pl.String).fill_null("")
                code = text.replace_strict(
                    model.cats, list(range(len(model.cats))), default=len(model.cats) - 1,
                    return_dtype=pl.Int64,
                ).to_numpy()  # fmt: skip
                cum = model.table
                u = cum[code] + rng.random(n) * (cum[code + 1] - cum[code])
                scores[:, j] = norm_ppf(np.clip(u, 1e-12, 1 - 1e-12))
        return scores

    def _draw(
        self, models: list[_Column], corr: F64, m: int, rng: np.random.Generator
    ) -> pl.DataFrame:
        draws = rng.multivariate_normal(np.zeros(len(models)), corr, size=m)
        u = norm_cdf(draws)
        out: dict[str, pl.Series] = {}
        for j, model in enumerate(models):
            if model.kind == "numeric":
                series = pl.Series(model.name, np.quantile(model.table, u[:, j]))
                if model.whole:
                    series = series.round(0).cast(pl.Int64)
            else:
                pos = np.searchsorted(model.table, u[:, j], side="right") - 1
                idx = np.clip(pos, 0, len(model.cats) - 1)
                series = pl.Series(
                    model.name, np.asarray(model.cats, dtype=object)[idx].tolist(), pl.String
                )
            out[model.name] = series
        return pl.DataFrame(out)

    def apply_table(self, frame: pl.DataFrame, ctx: RunContext) -> pl.DataFrame:
        require_columns("synthesize", self.columns, frame.columns)
        rng = np.random.default_rng(self.seed)
        m = self.rows or frame.height
        models = self._fit(frame)
        target = _correlation(self._scores(frame, models, rng))
        # Calibrate the copula's correlation so that the synthetic data, scored the same way
        # as the real data, shows the real data's correlations (discretising categories and
        # drawing within their slices both weaken a correlation; NORTA-style fixed point).
        corr = target
        calibration_rows = min(max(m, 5_000), 50_000)
        for _ in range(CALIBRATION_ROUNDS):
            trial = self._draw(models, corr, calibration_rows, rng)
            seen = _correlation(self._scores(trial, models, rng))
            corr = _nearest_correlation(corr + (target - seen))
        ctx.notes.append(
            f"synthesize: {m} synthetic rows from {frame.height} (columns "
            f"{', '.join(self.columns)}); other columns dropped"
        )
        return self._draw(models, corr, m, rng)


CALIBRATION_ROUNDS = 4


@dataclass
class _Column:
    name: str
    kind: str
    table: F64  # sorted values (numeric) or cumulative shares (categorical)
    cats: list[str] = field(default_factory=list)
    whole: bool = False


def _correlation(scores: F64) -> F64:
    if scores.shape[1] == 1:
        return np.ones((1, 1))
    corr: F64 = np.atleast_2d(np.nan_to_num(np.corrcoef(scores, rowvar=False), nan=0.0))
    np.fill_diagonal(corr, 1.0)
    return corr


def _nearest_correlation(matrix: F64) -> F64:
    """Symmetric, positive definite, unit diagonal (eigenvalues clipped, then rescaled)."""
    sym = (matrix + matrix.T) / 2
    w, v = np.linalg.eigh(sym)
    fixed = (v * np.clip(w, 1e-6, None)) @ v.T
    d = np.sqrt(np.diag(fixed))
    result: F64 = np.clip(fixed / np.outer(d, d), -1.0, 1.0)
    np.fill_diagonal(result, 1.0)
    return result
