"""Information-loss metrics, defined exactly as ARX defines them (arx-deidentifier/arx, metric.v2).

All use ARX's defaults (equal attribute weights, generalisation/suppression factor 0.5, which
weighs both fully). ``N`` is the number of records, a class has ``c`` records, a suppressed class
is one that fails the privacy models.

- ``non_uniform_entropy:monotonic`` (MetricMDNUEntropyPrecomputed): per attribute
  ``-sum_v n(v) log2(n(v) / n(g(v)))`` over original values ``v`` with their generalisation
  ``g(v)`` at the node's level (all records, suppressed or not); summed over attributes.
- ``non_uniform_entropy`` (MetricMDNUNMEntropyPrecomputed): the same plus, per attribute,
  ``-sum_g s(g) log2(s(g) / S)`` over the generalised values ``g`` of the ``S`` suppressed records.
- ``discernability`` (DM, MetricSDNMDiscernability): ``c^2`` for a kept class, ``N * c`` for a
  suppressed one, summed. ``discernability:monotonic`` (DM*): ``c^2`` for every class.
- ``loss`` (MetricMDNMLoss): per attribute the records' share of the domain covered by their
  generalised value (1 for a suppressed record), normalised to [0, 1] by
  ``(x - N/|domain|) / (N - N/|domain|)``; geometric mean over attributes (``prod(1+x)^(1/d) - 1``).
- ``precision`` (MetricMDNMPrecision): per attribute ``(kept * level/height + suppressed) / N``;
  arithmetic mean over attributes.
- ``height`` (MetricMDHeight): the sum of the levels.

Per-attribute values of entropy and loss are rounded down to 10 decimals as ARX does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from fincloud.deid.privacy.encoding import EncodedTable

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

MetricName = Literal["non_uniform_entropy", "discernability", "loss", "precision", "height"]

METRIC_CHOICES = (
    "non_uniform_entropy",
    "non_uniform_entropy:monotonic",
    "discernability",
    "discernability:monotonic",
    "loss",
    "precision",
    "height",
)

_FACTOR = 1e10  # ARX rounds per-attribute losses down to 10 decimals


class MetricError(ValueError):
    """Unknown metric."""


@dataclass(frozen=True)
class Metric:
    name: MetricName
    monotonic: bool = False

    def describe(self) -> str:
        return f"{self.name}:monotonic" if self.monotonic else self.name

    def is_monotone(self, suppression_limit: int) -> bool:
        """Never decreases under generalisation (ARX: monotonic with generalisation, and with
        suppression or when nothing may be suppressed)."""
        if self.name == "height" or self.monotonic:
            return True
        return suppression_limit == 0


def parse_metric(text: str) -> Metric:
    value = text.strip()
    if value not in METRIC_CHOICES:
        raise MetricError(f"unknown metric {text!r} (known: {', '.join(METRIC_CHOICES)})")
    name, _, variant = value.partition(":")
    if name == "non_uniform_entropy":
        return Metric("non_uniform_entropy", variant == "monotonic")
    if name == "discernability":
        return Metric("discernability", variant == "monotonic")
    if name == "loss":
        return Metric("loss")
    if name == "precision":
        return Metric("precision")
    return Metric("height")


def _round(value: float) -> float:
    return math.floor(value * _FACTOR) / _FACTOR


def _round_array(values: FloatArray) -> FloatArray:
    return np.floor(values * _FACTOR) / _FACTOR


def _log2(values: FloatArray) -> FloatArray:
    # ARX computes log2 as ln(x) / ln(2); kept for identical rounding.
    return np.log(values) / math.log(2.0)


class MetricEvaluator:
    """Information loss of transformations of one encoded table under one metric."""

    def __init__(self, metric: Metric, table: EncodedTable) -> None:
        self.metric = metric
        self.table = table
        self.n = float(table.n_records)
        qis = table.quasi_identifiers
        self.dimensions = len(qis)
        # Per attribute and level: generalisation-only loss (unrounded for entropy).
        self._entropy: list[FloatArray] = []
        self._shares: list[list[FloatArray]] = []
        self._loss: list[FloatArray] = []
        if metric.name == "non_uniform_entropy":
            for qi in qis:
                counts = qi.value_counts.astype(np.float64)
                present = counts > 0
                values = []
                for level in range(qi.height):
                    codes = qi.level_codes[level]
                    generalised = np.bincount(
                        codes, weights=counts, minlength=qi.label_count(level)
                    )
                    a = counts[present]
                    b = generalised[codes][present]
                    values.append(-float(np.sum(a * _log2(a / b))))
                self._entropy.append(np.asarray(values, dtype=np.float64))
        elif metric.name == "loss":
            for qi in qis:
                domain = float(len(qi.hierarchy.rows))
                counts = qi.value_counts.astype(np.float64)
                shares = []
                losses = []
                for level in range(qi.height):
                    codes = qi.level_codes[level]
                    share = np.bincount(codes, minlength=qi.label_count(level)) / domain
                    shares.append(share.astype(np.float64))
                    losses.append(
                        self._normalise_loss(float(np.sum(counts * share[codes])), domain)
                    )
                self._shares.append(shares)
                self._loss.append(np.asarray(losses, dtype=np.float64))

    # --- bounds that need no data -------------------------------------------------------

    def node_lower_bounds(self, levels: npt.NDArray[np.int16]) -> FloatArray:
        """A lower bound of the loss of every node, monotone in the lattice.

        Exact for the monotone variants; for the others the loss without suppression, which
        suppression can only increase. Discernability has no data-free bound (zeros).
        """
        name = self.metric.name
        rows = levels.shape[0]
        if name == "height":
            heights: FloatArray = levels.sum(axis=1).astype(np.float64)
            return heights
        if name == "non_uniform_entropy":
            total = np.zeros(rows, dtype=np.float64)
            for j, values in enumerate(self._entropy):
                total += _round_array(values)[levels[:, j]]
            return total
        if name == "precision":
            total = np.zeros(rows, dtype=np.float64)
            for j, qi in enumerate(self.table.quasi_identifiers):
                height = qi.height - 1
                if height:
                    total += (levels[:, j] / float(height)) / self.dimensions
            return total
        if name == "loss":
            product = np.ones(rows, dtype=np.float64)
            for j, values in enumerate(self._loss):
                product *= (values[levels[:, j]] + 1.0) ** (1.0 / self.dimensions)
            return product - 1.0
        return np.zeros(rows, dtype=np.float64)

    def exact_without_data(self, suppression_limit: int) -> bool:
        """Is the node lower bound the loss itself (no data needed)?"""
        name = self.metric.name
        if name == "height":
            return True
        if name == "non_uniform_entropy":
            return self.metric.monotonic or suppression_limit == 0
        if name in ("precision", "loss"):
            return suppression_limit == 0
        return False

    # --- loss from equivalence classes --------------------------------------------------

    def information_loss(
        self,
        levels: Sequence[int],
        counts: IntArray,
        suppressed: BoolArray,
        labels: Sequence[IntArray],
    ) -> float:
        """Loss of a node from its classes: record counts, suppressed flags and, per attribute,
        the label code of each class at the node's level."""
        name = self.metric.name
        if name == "height":
            return float(sum(levels))
        if name == "discernability":
            squares = counts.astype(np.float64) ** 2
            if self.metric.monotonic:
                return float(squares.sum())
            kept = squares[~suppressed].sum()
            return float(kept + self.n * counts[suppressed].astype(np.float64).sum())
        n_suppressed = float(counts[suppressed].sum())
        if name == "non_uniform_entropy":
            total = 0.0
            for j, level in enumerate(levels):
                value = self._entropy[j][level]
                if not self.metric.monotonic and n_suppressed > 0:
                    qi = self.table.quasi_identifiers[j]
                    grouped = np.bincount(
                        labels[j][suppressed],
                        weights=counts[suppressed].astype(np.float64),
                        minlength=qi.label_count(level),
                    )
                    grouped = grouped[grouped > 0]
                    value -= float(np.sum(grouped * _log2(grouped / n_suppressed)))
                total += _round(value) if value != 0.0 else 0.0
            return total
        if name == "precision":
            kept = self.n - n_suppressed
            total = 0.0
            for j, level in enumerate(levels):
                height = self.table.quasi_identifiers[j].height - 1
                share = level / height if height else 0.0
                total += ((kept * share + n_suppressed) / self.n) / self.dimensions
            return total
        # loss
        product = 1.0
        kept_counts = counts[~suppressed].astype(np.float64)
        for j, level in enumerate(levels):
            shares = self._shares[j][level]
            raw = float(np.sum(kept_counts * shares[labels[j][~suppressed]])) + n_suppressed
            domain = float(len(self.table.quasi_identifiers[j].hierarchy.rows))
            product *= (self._normalise_loss(raw, domain) + 1.0) ** (1.0 / self.dimensions)
        return product - 1.0

    def data_lower_bound(self, counts: IntArray) -> float | None:
        """A bound valid for this node and every node above it, from its classes (DM*)."""
        if self.metric.name == "discernability":
            return float((counts.astype(np.float64) ** 2).sum())
        return None

    def needs_labels(self, suppression_limit: int) -> bool:
        return self.metric.name in ("non_uniform_entropy", "loss") and not self.exact_without_data(
            suppression_limit
        )

    def _normalise_loss(self, raw: float, domain: float) -> float:
        low = self.n / domain
        span = self.n - low
        if span <= 0:
            return 0.0
        return _round(max((raw - low) / span, 0.0))
