"""Privacy models evaluated per equivalence class (Ch 9.3 (a)-(c): singling out, inference).

The definitions follow ARX (arx-deidentifier/arx, package ``criteria``), which is the reference:

- k-anonymity: every class has at least ``k`` records.
- distinct l-diversity: every class has at least ``l`` records and ``l`` distinct sensitive values.
- entropy l-diversity: every class has at least ``ceil(l)`` records and values, and the entropy
  of its sensitive values is at least ``ln l``; estimated by Shannon's plug-in estimator or by
  Grassberger's (2003) bias-corrected one. ARX's test ``sum(f * psi(f)) <= n * (psi(n) - ln l)``
  with ``psi = ln`` (Shannon) or Grassberger's ``G`` is used as it is.
- t-closeness: the earth mover's distance between a class's distribution of sensitive values and
  the distribution in the whole table is at most ``t``, with the equal ground distance (half the
  L1 distance), the ordered distance (normalised by ``m - 1`` for ``m`` distinct values), or the
  hierarchical distance over the sensitive attribute's hierarchy (each inner node of level ``i``
  weighs ``i / height``).

A class that fails a model is suppressed; a transformation is acceptable when the suppressed
records are at most the suppression limit (a share of the records, floored as ARX does).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


class ModelError(ValueError):
    """A privacy model is unknown or its parameters are out of range."""


@dataclass(frozen=True)
class KAnonymity:
    k: int
    name: Literal["k_anonymity"] = "k_anonymity"

    @property
    def min_class_size(self) -> int:
        return self.k

    needs_sensitive = False
    monotone_with_suppression = True
    monotone_with_generalisation = True

    def describe(self) -> str:
        return f"k_anonymity:k={self.k}"


@dataclass(frozen=True)
class DistinctLDiversity:
    l: int  # noqa: E741 (the literature's name)
    name: Literal["distinct_l_diversity"] = "distinct_l_diversity"

    @property
    def min_class_size(self) -> int:
        return self.l

    needs_sensitive = True
    monotone_with_suppression = True
    monotone_with_generalisation = True

    def describe(self) -> str:
        return f"distinct_l_diversity:l={self.l}"


@dataclass(frozen=True)
class EntropyLDiversity:
    l: float  # noqa: E741
    estimator: Literal["shannon", "grassberger"] = "shannon"
    name: Literal["entropy_l_diversity"] = "entropy_l_diversity"

    @property
    def min_class_size(self) -> int:
        return math.ceil(self.l)

    needs_sensitive = True
    # Merging a diverse class with a suppressed one can make it fail: not monotone once
    # records may be suppressed (ARX: monotonicWithSuppression = false).
    monotone_with_suppression = False

    @property
    def monotone_with_generalisation(self) -> bool:
        # Shannon entropy is concave: merging diverse classes keeps them diverse. Grassberger's
        # estimator is not: {a:1,b:1,c:1,d:1} is 4-diverse, two of them merged are not (ARX
        # assumes it is; this search does not prune on it).
        return self.estimator == "shannon"

    def describe(self) -> str:
        return f"entropy_l_diversity:l={_number(self.l)}:estimator={self.estimator}"


@dataclass(frozen=True)
class TCloseness:
    t: float
    distance: Literal["equal", "ordered", "hierarchical"]

    @property
    def name(self) -> str:
        return f"{self.distance}_t_closeness"

    min_class_size = 1
    needs_sensitive = True
    monotone_with_suppression = False
    monotone_with_generalisation = True  # the distance is convex in the class distribution

    def describe(self) -> str:
        return f"{self.distance}_t_closeness:t={_number(self.t)}"


PrivacyModel = KAnonymity | DistinctLDiversity | EntropyLDiversity | TCloseness

MODEL_NAMES = (
    "k_anonymity",
    "distinct_l_diversity",
    "entropy_l_diversity",
    "equal_t_closeness",
    "ordered_t_closeness",
    "hierarchical_t_closeness",
)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _parameters(text: str, parts: Sequence[str], allowed: set[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for part in parts:
        key, sep, value = part.partition("=")
        key = key.strip()
        if not sep or not key or not value.strip():
            raise ModelError(f"model {text!r}: expected NAME=VALUE, got {part!r}")
        if key not in allowed:
            raise ModelError(
                f"model {text!r}: unknown parameter {key!r} (allowed: {', '.join(sorted(allowed))})"
            )
        if key in params:
            raise ModelError(f"model {text!r}: parameter {key!r} given twice")
        params[key] = value.strip()
    return params


def _required(text: str, params: dict[str, str], key: str) -> str:
    if key not in params:
        raise ModelError(f"model {text!r}: parameter {key!r} is required")
    return params[key]


def _integer(text: str, key: str, raw: str, minimum: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ModelError(f"model {text!r}: {key} must be an integer >= {minimum}") from None
    if value < minimum:
        raise ModelError(f"model {text!r}: {key} must be an integer >= {minimum}, got {value}")
    return value


def _real(text: str, key: str, raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise ModelError(f"model {text!r}: {key} must be a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise ModelError(f"model {text!r}: {key} must be finite, got {raw!r}")
    return value


def parse_model(text: str) -> PrivacyModel:
    """Parse ``k_anonymity:k=5``, ``entropy_l_diversity:l=5:estimator=grassberger`` ..."""
    name, *parts = [p.strip() for p in text.strip().split(":")]
    if name == "k_anonymity":
        params = _parameters(text, parts, {"k"})
        return KAnonymity(_integer(text, "k", _required(text, params, "k"), 1))
    if name == "distinct_l_diversity":
        params = _parameters(text, parts, {"l"})
        return DistinctLDiversity(_integer(text, "l", _required(text, params, "l"), 1))
    if name == "entropy_l_diversity":
        params = _parameters(text, parts, {"l", "estimator"})
        value = _real(text, "l", _required(text, params, "l"))
        if value < 1:
            raise ModelError(f"model {text!r}: l must be >= 1, got {_number(value)}")
        estimator = params.get("estimator", "shannon")
        if estimator not in ("shannon", "grassberger"):
            raise ModelError(
                f"model {text!r}: estimator must be shannon or grassberger, got {estimator!r}"
            )
        return EntropyLDiversity(value, "grassberger" if estimator == "grassberger" else "shannon")
    if name in ("equal_t_closeness", "ordered_t_closeness", "hierarchical_t_closeness"):
        params = _parameters(text, parts, {"t"})
        value = _real(text, "t", _required(text, params, "t"))
        if not 0 < value <= 1:
            raise ModelError(f"model {text!r}: t must be in (0, 1], got {_number(value)}")
        distance: Literal["equal", "ordered", "hierarchical"]
        if name == "equal_t_closeness":
            distance = "equal"
        elif name == "ordered_t_closeness":
            distance = "ordered"
        else:
            distance = "hierarchical"
        return TCloseness(value, distance)
    raise ModelError(f"unknown privacy model {name!r} (known: {', '.join(MODEL_NAMES)})")


# --- Entropy estimators -------------------------------------------------------------------

_EULER_GAMMA = 0.57721566490153286060651209008240243


def _digamma_int(n: int) -> float:
    return -_EULER_GAMMA + math.fsum(1.0 / i for i in range(1, n))


def _digamma_half(k: int) -> float:
    """psi(k + 1/2) for k >= 0."""
    return (
        -_EULER_GAMMA - 2.0 * math.log(2.0) + math.fsum(2.0 / (2 * i - 1) for i in range(1, k + 1))
    )


def grassberger_g(n: int) -> float:
    """Grassberger's G(n) = psi(n) + (-1)^n (psi((n+1)/2) - psi(n/2)) / 2.

    G(2k+1) = G(2k), so odd counts use the even count below them, as ARX does. For n > 100
    ARX uses an asymptotic series; it is reproduced here so that decisions match ARX.
    """
    if n < 1:
        raise ValueError("G is defined for n >= 1")
    if n == 1:
        return _digamma_int(1) - 0.5 * (_digamma_int(1) - _digamma_half(0))
    even = n - n % 2
    if n <= 100:
        k = even // 2
        return _digamma_int(even) + 0.5 * (_digamma_half(k) - _digamma_int(k))
    half = even // 2
    m = 1.0 / (half * half)
    return math.log(even) + m * (1.0 / 24 - m * (7.0 / 960 - m * 31.0 / 8064))


_G_TABLE = np.array([0.0] + [grassberger_g(n) for n in range(1, 101)], dtype=np.float64)


def grassberger_array(counts: IntArray) -> FloatArray:
    """G(n) for an array of counts >= 1."""
    counts = np.asarray(counts, dtype=np.int64)
    result = np.empty(counts.shape, dtype=np.float64)
    small = counts <= 100
    result[small] = _G_TABLE[counts[small]]
    large = counts[~small]
    if large.size:
        even = (large - large % 2).astype(np.float64)
        half = np.floor(even / 2)
        m = 1.0 / (half * half)
        result[~small] = np.log(even) + m * (1.0 / 24 - m * (7.0 / 960 - m * 31.0 / 8064))
    return result


# --- Per-class evaluation -----------------------------------------------------------------


@dataclass(frozen=True)
class ClassStatistics:
    """Equivalence classes of one transformation.

    ``pair_*`` list, sorted by class, the (class, sensitive value, records) combinations present
    (only when there is a sensitive attribute).
    """

    counts: IntArray
    pair_class: IntArray | None = None
    pair_value: IntArray | None = None
    pair_count: IntArray | None = None

    @property
    def size(self) -> int:
        return int(self.counts.shape[0])

    def pairs(self) -> tuple[IntArray, IntArray, IntArray]:
        """(class, sensitive value, records) of every combination present."""
        if self.pair_class is None or self.pair_value is None or self.pair_count is None:
            raise ModelError("these privacy models need a sensitive attribute")
        return self.pair_class, self.pair_value, self.pair_count


@dataclass(frozen=True)
class SensitiveContext:
    """What the models need to know about the sensitive attribute in the whole table."""

    n_records: int
    counts: IntArray  # global records per sensitive code (codes in attribute order)
    # Hierarchical distance: incidence matrices level by level (leaves -> level 1 -> ...).
    tree: tuple[IntArray, ...] | None = None

    @property
    def size(self) -> int:
        return int(self.counts.shape[0])


def build_tree(level_codes: Sequence[IntArray], leaf_rows: IntArray) -> tuple[IntArray, ...]:
    """Incidence matrices of a hierarchy as a tree of (level, label) nodes, as ARX builds it.

    ``level_codes[L][row]`` is the label code of hierarchy row ``row`` at level ``L``;
    ``leaf_rows[code]`` the hierarchy row of each sensitive code. The first matrix maps
    sensitive codes to level-1 nodes, each next one level ``L-1`` nodes to level ``L`` nodes.
    """
    matrices: list[IntArray] = []
    if len(level_codes) < 2:
        return ()
    first = np.zeros((leaf_rows.shape[0], int(level_codes[1].max()) + 1), dtype=np.int64)
    first[np.arange(leaf_rows.shape[0]), level_codes[1][leaf_rows]] = 1
    matrices.append(first)
    for level in range(2, len(level_codes)):
        child = level_codes[level - 1]
        parent = level_codes[level]
        matrix = np.zeros((int(child.max()) + 1, int(parent.max()) + 1), dtype=np.int64)
        matrix[child, parent] = 1
        matrices.append(matrix)
    return tuple(matrices)


def _per_class(stats: ClassStatistics, weights: FloatArray | IntArray) -> FloatArray:
    pair_class, _, _ = stats.pairs()
    return np.asarray(
        np.bincount(pair_class, weights=weights, minlength=stats.size), dtype=np.float64
    )


def _dense(stats: ClassStatistics, context: SensitiveContext) -> IntArray:
    pair_class, pair_value, pair_count = stats.pairs()
    matrix = np.zeros((stats.size, context.size), dtype=np.int64)
    matrix[pair_class, pair_value] = pair_count
    return matrix


def classes_fulfilling(
    models: Sequence[PrivacyModel],
    stats: ClassStatistics,
    context: SensitiveContext | None,
) -> BoolArray:
    """Per class: does it fulfil every model (minimal size included)?"""
    min_size = max((m.min_class_size for m in models), default=1)
    ok: BoolArray = stats.counts >= min_size
    if not any(m.needs_sensitive for m in models):
        return ok
    if context is None:
        raise ModelError("these privacy models need a sensitive attribute")
    cache: dict[str, Any] = {}
    for model in models:
        if isinstance(model, DistinctLDiversity | EntropyLDiversity):
            ok &= _distinct(stats, cache) >= model.min_class_size
        if isinstance(model, EntropyLDiversity):
            ok &= _entropy_ok(model, stats)
        elif isinstance(model, TCloseness):
            ok &= _closeness_ok(model, stats, context, cache)
    return ok


def _distinct(stats: ClassStatistics, cache: dict[str, Any]) -> IntArray:
    if "distinct" not in cache:
        pair_class, _, _ = stats.pairs()
        cache["distinct"] = np.bincount(pair_class, minlength=stats.size)
    distinct: IntArray = cache["distinct"]
    return distinct


def _dense_cached(
    stats: ClassStatistics, context: SensitiveContext, cache: dict[str, Any]
) -> IntArray:
    if "dense" not in cache:
        cache["dense"] = _dense(stats, context)
    dense: IntArray = cache["dense"]
    return dense


def _entropy_ok(model: EntropyLDiversity, stats: ClassStatistics) -> BoolArray:
    _, _, pair_count = stats.pairs()
    counts = stats.counts.astype(np.float64)
    if model.estimator == "shannon":
        total = _per_class(stats, pair_count * np.log(pair_count))
        bound = counts * (np.log(counts) - math.log(model.l))
    else:
        total = _per_class(stats, pair_count * grassberger_array(pair_count))
        bound = counts * (grassberger_array(stats.counts) - math.log(model.l))
    # ARX: a class fails when C < sum(f psi(f)).
    passed: BoolArray = ~(bound < total)
    return passed


def _closeness_ok(
    model: TCloseness,
    stats: ClassStatistics,
    context: SensitiveContext,
    cache: dict[str, Any],
) -> BoolArray:
    """Is the earth mover's distance of every class to the whole table at most t?"""
    counts = stats.counts.astype(np.float64)
    freq = context.counts.astype(np.float64) / context.n_records
    passed: BoolArray
    if model.distance == "equal":
        pair_class, pair_value, pair_count = stats.pairs()
        global_f = freq[pair_value]
        local = pair_count / counts[pair_class]
        # ARX: 1 + sum over the values present of (|p - q| - p), halved.
        distance = (1.0 + _per_class(stats, np.abs(global_f - local) - global_f)) / 2.0
        passed = distance <= model.t
        return passed
    dense = _dense_cached(stats, context, cache)
    if model.distance == "ordered":
        diff = dense / counts[:, None] - freq[None, :]
        steps = np.abs(np.cumsum(diff, axis=1)).sum(axis=1)
        # ARX compares the sum with t * (m - 1) rather than dividing; kept for equal decisions.
        passed = ~(steps > model.t * (context.size - 1.0))
        return passed
    passed = hierarchical_emd(dense, stats.counts, context) <= model.t
    return passed


def hierarchical_emd(
    dense: IntArray, class_counts: IntArray, context: SensitiveContext
) -> FloatArray:
    """Earth mover's distance with hierarchical ground distance, per class (ARX's integer form)."""
    if context.tree is None:
        raise ModelError("hierarchical t-closeness needs a sensitive hierarchy")
    height = float(len(context.tree))
    # Extra mass of each leaf, scaled by (records in table) * (records in class).
    net = context.counts[None, :] * class_counts[:, None] - dense * context.n_records
    cost = np.zeros(dense.shape[0], dtype=np.float64)
    for level, matrix in enumerate(context.tree, start=1):
        positive = np.clip(net, 0, None) @ matrix
        negative = np.clip(-net, 0, None) @ matrix
        cost += (level / height) * np.minimum(positive, negative).sum(axis=1)
        net = positive - negative
    return cost / (float(context.n_records) * class_counts.astype(np.float64))
