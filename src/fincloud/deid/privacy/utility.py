"""What the de-identified data is still good for: distortion per column, records lost, and the
quality of a simple model trained before and after (Ch 9.3: choose the technique by the use).

- Records lost: records dropped plus records whose quasi-identifiers are all suppressed (``*``).
- Per column: the share of cells changed (when the two tables are aligned row by row); for a
  quasi-identifier with a hierarchy, the mean generalisation loss of its cells as ARX's loss
  metric defines it (0 = original value, 1 = suppressed: the share of the domain a label
  covers, rescaled); for numbers, the mean and standard deviation before and after; for other
  columns, the total variation distance between the value distributions.
- Model: a logistic regression (NumPy, L2-regularised Newton iterations) of a binary target on
  the other columns, trained on 70 % of the records and scored on the other 30 % (same split
  before and after), with its ROC AUC and accuracy. Numbers are standardised; text columns
  (and generalised labels) are one-hot encoded, their 30 most frequent values each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from fincloud.deid.hierarchy import Hierarchy

if TYPE_CHECKING:
    import polars as pl

FloatArray = npt.NDArray[np.float64]
SUPPRESSED = "*"
_MAX_CATEGORIES = 30


class UtilityError(ValueError):
    """The tables do not allow the measurement asked for."""


@dataclass(frozen=True)
class ColumnDistortion:
    column: str
    changed_share: float | None  # None when the tables are not aligned row by row
    generalisation_loss: float | None  # quasi-identifiers with a hierarchy
    mean_before: float | None
    mean_after: float | None
    std_before: float | None
    std_after: float | None
    distribution_distance: float | None  # total variation distance (text columns)


@dataclass(frozen=True)
class ModelQuality:
    target: str
    positive: str
    auc_before: float
    auc_after: float
    accuracy_before: float
    accuracy_after: float
    features_before: int
    features_after: int


@dataclass(frozen=True)
class UtilityReport:
    records_before: int
    records_after: int
    records_dropped: int
    records_suppressed: int
    records_lost: int
    aligned: bool
    columns: tuple[ColumnDistortion, ...]
    model: ModelQuality | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _text(frame: pl.DataFrame, column: str) -> pl.Series:
    import polars as pl

    return frame.get_column(column).cast(pl.String).fill_null("")


def _numbers(series: pl.Series) -> FloatArray | None:
    """The column as floats if every non-empty value is a number, else None."""
    import polars as pl

    text = series.cast(pl.String)
    present = text.filter(text.str.strip_chars() != "")
    if present.len() == 0:
        return None
    parsed = present.str.strip_chars().cast(pl.Float64, strict=False)
    if parsed.null_count():
        return None
    return np.asarray(parsed.to_numpy(), dtype=np.float64)


def _generalisation_loss(released: pl.Series, hierarchy: Hierarchy) -> float:
    """Mean ARX loss of the released labels: (share - 1/|domain|) / (1 - 1/|domain|)."""
    domain = len(hierarchy.rows)
    share: dict[str, float] = {}
    for level in range(hierarchy.height):
        counts: dict[str, int] = {}
        for label in hierarchy.level(level):
            counts[label] = counts.get(label, 0) + 1
        for label, count in counts.items():
            share.setdefault(label, count / domain)
    share[SUPPRESSED] = 1.0
    low = 1.0 / domain
    if domain <= 1:
        return 0.0
    values = np.array([share.get(v, 1.0) for v in released.to_list()], dtype=np.float64)
    return float(np.mean(np.clip((values - low) / (1.0 - low), 0.0, 1.0)))


def _distortion(
    original: pl.DataFrame,
    release: pl.DataFrame,
    column: str,
    aligned: bool,
    hierarchy: Hierarchy | None,
) -> ColumnDistortion:
    before = _text(original, column)
    after = _text(release, column)
    changed = float(np.mean((before != after).to_numpy())) if aligned else None
    loss = _generalisation_loss(after, hierarchy) if hierarchy is not None else None
    numbers_before = _numbers(before)
    numbers_after = _numbers(after)
    if numbers_before is not None and numbers_after is not None:
        return ColumnDistortion(
            column,
            changed,
            loss,
            float(numbers_before.mean()),
            float(numbers_after.mean()),
            float(numbers_before.std()),
            float(numbers_after.std()),
            None,
        )
    distance = None
    if hierarchy is None:
        p = before.value_counts(normalize=True, name="p")
        q = after.value_counts(normalize=True, name="q")
        joined = p.join(q, on=column, how="full", coalesce=True).fill_null(0.0)
        distance = float(0.5 * np.abs(joined.get_column("p") - joined.get_column("q")).sum())
    return ColumnDistortion(column, changed, loss, None, None, None, None, distance)


# --- logistic regression ------------------------------------------------------------------


def _design(frame: pl.DataFrame, columns: Sequence[str]) -> FloatArray:
    parts: list[FloatArray] = [np.ones((frame.height, 1))]
    for column in columns:
        series = _text(frame, column)
        numbers = _numbers(series)
        if numbers is not None and numbers.shape[0] == frame.height:
            std = numbers.std()
            parts.append(((numbers - numbers.mean()) / (std if std > 0 else 1.0))[:, None])
            continue
        top = series.value_counts(sort=True).get_column(column).head(_MAX_CATEGORIES).to_list()
        values = series.to_numpy()
        for category in top[1:]:  # the most frequent value is the reference level
            parts.append((values == category).astype(np.float64)[:, None])
    return np.hstack(parts)


def _fit(x: FloatArray, y: FloatArray, penalty: float = 1.0, steps: int = 30) -> FloatArray:
    """L2-regularised logistic regression by Newton's method (intercept not penalised)."""
    beta = np.zeros(x.shape[1])
    ridge = np.full(x.shape[1], penalty)
    ridge[0] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ beta, -30, 30)))
        gradient = x.T @ (y - p) - ridge * beta
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(ridge) + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.max(np.abs(step)) < 1e-8:
            break
    return beta


def roc_auc(y: FloatArray, score: FloatArray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties counted half)."""
    import polars as pl

    positives = float(y.sum())
    negatives = float(y.size - positives)
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = pl.Series(score).rank("average").to_numpy()
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def _score(
    frame: pl.DataFrame, features: Sequence[str], y: FloatArray, train: npt.NDArray[np.bool_]
) -> tuple[float, float, int]:
    x = _design(frame, features)
    beta = _fit(x[train], y[train])
    score = x[~train] @ beta
    auc = roc_auc(y[~train], score)
    accuracy = float(np.mean((score > 0) == (y[~train] == 1)))
    return auc, accuracy, x.shape[1] - 1


def model_quality(
    original: pl.DataFrame,
    release: pl.DataFrame,
    target: str,
    *,
    exclude: Sequence[str] = (),
    seed: int = 0,
) -> ModelQuality:
    """Logistic regression of ``target`` before and after (same split when row-aligned)."""
    for frame, name in ((original, "original"), (release, "release")):
        if target not in frame.columns:
            raise UtilityError(f"target column {target!r} is not in the {name} data")
    values = _text(original, target)
    distinct = sorted(set(values.to_list()))
    if len(distinct) != 2:
        raise UtilityError(f"target {target!r} must have exactly two values, has {len(distinct)}")
    positive = "1" if "1" in distinct else min(distinct, key=lambda v: (values == v).sum())
    features = [
        c
        for c in original.columns
        if c != target
        and c in release.columns
        and c not in exclude
        and _text(original, c).n_unique() < original.height  # identifiers predict nothing
    ]
    rng = np.random.default_rng(seed)
    y_before = (values == positive).to_numpy().astype(np.float64)
    y_after = (_text(release, target) == positive).to_numpy().astype(np.float64)
    train_before = rng.random(original.height) < 0.7
    train_after = (
        train_before if release.height == original.height else rng.random(release.height) < 0.7
    )
    auc_b, acc_b, n_b = _score(original, features, y_before, train_before)
    auc_a, acc_a, n_a = _score(release, features, y_after, train_after)
    return ModelQuality(target, positive, auc_b, auc_a, acc_b, acc_a, n_b, n_a)


def assess_utility(
    original: pl.DataFrame,
    release: pl.DataFrame,
    quasi_identifiers: Sequence[str],
    *,
    hierarchies: Mapping[str, Hierarchy] | None = None,
    target: str | None = None,
) -> UtilityReport:
    import polars as pl

    hierarchies = hierarchies or {}
    aligned = original.height == release.height
    suppressed = 0
    if quasi_identifiers and all(c in release.columns for c in quasi_identifiers):
        starred = release.select(
            pl.all_horizontal([pl.col(c).cast(pl.String) == SUPPRESSED for c in quasi_identifiers])
        ).to_series()
        suppressed = int(starred.sum())
    dropped = max(original.height - release.height, 0)
    columns = tuple(
        _distortion(original, release, c, aligned, hierarchies.get(c))
        for c in original.columns
        if c in release.columns
    )
    model = model_quality(original, release, target) if target is not None else None
    return UtilityReport(
        records_before=original.height,
        records_after=release.height,
        records_dropped=dropped,
        records_suppressed=suppressed,
        records_lost=dropped + suppressed,
        aligned=aligned,
        columns=columns,
        model=model,
    )
