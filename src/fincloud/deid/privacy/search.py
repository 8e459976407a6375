"""Optimal full-domain generalisation: the least information loss that satisfies the models.

The search is exact over the whole lattice and prunes only what monotonicity proves, in the
spirit of ARX's Flash (Kohlmayer et al., 2012), with its own order of visits:

- Candidates are taken in order of a lower bound of their loss that needs no data (exact for the
  monotone metrics), and each is first *lifted* along open successors to a maximal open node
  before it is checked, so that a failure rules out as much as possible.
- A node that fails monotone models (k-anonymity, distinct l-diversity, or any model when nothing
  may be suppressed) proves every node below it fails. A node whose classes below the minimal
  class size hold more records than may be suppressed proves the same for any model set.
- A node that passes ends the search above it when the metric is monotone; otherwise the lower
  bounds (the loss without suppression, DM* for discernability) prune the nodes that cannot beat
  the best solution so far.
- Equivalence classes are grouped from the closest cached coarser grouping (a "snapshot" of a
  checked node below), so most checks group a few hundred classes, not every record.

Ties are broken as ARX does first (lower loss, then lower sum of levels), then by the lower
node id (the first attribute varying slowest).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from fincloud.deid.hierarchy import Hierarchy
from fincloud.deid.privacy.encoding import (
    EncodedTable,
    combine,
    encode_table,
    group_keys,
    hierarchy_level_codes,
)
from fincloud.deid.privacy.lattice import Lattice
from fincloud.deid.privacy.metrics import Metric, MetricEvaluator, parse_metric
from fincloud.deid.privacy.models import (
    ClassStatistics,
    DistinctLDiversity,
    EntropyLDiversity,
    KAnonymity,
    ModelError,
    PrivacyModel,
    SensitiveContext,
    TCloseness,
    build_tree,
    classes_fulfilling,
    parse_model,
)

if TYPE_CHECKING:
    import polars as pl

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_SNAPSHOT_LIMIT = 48  # cached groupings kept for roll-ups
_NEAREST_BUDGET_SECONDS = 10.0


class SearchError(ValueError):
    """The request cannot be searched (bad parameters)."""


@dataclass(frozen=True)
class Nearest:
    """When nothing satisfies the models: the transformation with the fewest violating records."""

    transformation: tuple[int, ...]
    violating_records: int
    exact: bool  # False if the time budget ended the search for it


@dataclass(frozen=True)
class SearchResult:
    attributes: tuple[str, ...]
    transformation: tuple[int, ...] | None
    information_loss: float | None
    suppressed_records: int | None
    records: int
    suppression_limit: int  # records that may be suppressed
    lattice_size: int
    nodes_checked: int
    seconds: float
    nearest: Nearest | None = None
    reason: str | None = None

    @property
    def found(self) -> bool:
        return self.transformation is not None

    def levels(self) -> dict[str, int] | None:
        if self.transformation is None:
            return None
        return dict(zip(self.attributes, self.transformation, strict=True))

    def as_dict(self, *, stats: bool = False) -> dict[str, Any]:
        """The JSON contract of ``fincloud deid search``: exactly transformation,
        information_loss and suppressed_records for an optimum (other tools parse it);
        ``stats`` adds the lattice size and the nodes checked; without a solution, the nearest
        transformation and the reason are added."""
        result: dict[str, Any] = {
            "transformation": self.levels(),
            "information_loss": self.information_loss,
            "suppressed_records": self.suppressed_records,
        }
        if stats:
            result["lattice_size"] = self.lattice_size
            result["nodes_checked"] = self.nodes_checked
        if self.transformation is None:
            result["nearest"] = (
                None
                if self.nearest is None
                else {
                    "transformation": dict(
                        zip(self.attributes, self.nearest.transformation, strict=True)
                    ),
                    "violating_records": self.nearest.violating_records,
                    "exact": self.nearest.exact,
                }
            )
            result["reason"] = self.reason
        return result


@dataclass
class _Snapshot:
    node: int
    reps: IntArray  # a distinct row representing each class
    counts: IntArray
    pair_class: IntArray | None
    pair_value: IntArray | None
    pair_count: IntArray | None

    @property
    def size(self) -> int:
        return int(self.counts.shape[0])


@dataclass
class Evaluation:
    node: int
    classes: int
    violating: int  # records in classes that fail a model
    small: int  # records in classes below the minimal class size
    anonymous: bool
    information_loss: float | None = None
    lower_bound: float | None = None
    suppressed_mask: BoolArray | None = field(default=None, repr=False)


def _validate(models: Sequence[PrivacyModel], suppression: float, table: EncodedTable) -> None:
    if not models:
        raise ModelError("at least one privacy model is needed")
    if not 0.0 <= suppression <= 1.0 or math.isnan(suppression):
        raise SearchError(f"suppression must be in [0, 1], got {suppression}")
    if any(m.needs_sensitive for m in models) and table.sensitive is None:
        names = ", ".join(m.describe() for m in models if m.needs_sensitive)
        raise ModelError(f"{names} needs a sensitive attribute (--sensitive)")
    for model in models:
        if isinstance(model, TCloseness) and model.distance == "hierarchical":
            if table.sensitive is None or table.sensitive.hierarchy is None:
                raise ModelError(
                    "hierarchical_t_closeness needs a hierarchy for the sensitive attribute "
                    "(--sensitive ATTRIBUTE=HIERARCHY.csv)"
                )


class PrivacySearch:
    """Evaluates transformations of one table and finds the optimum."""

    def __init__(
        self,
        table: EncodedTable,
        models: Sequence[PrivacyModel],
        *,
        suppression: float,
        metric: Metric,
    ) -> None:
        _validate(models, suppression, table)
        self.table = table
        self.models = tuple(models)
        self.metric = metric
        self.lattice = Lattice(table.heights)
        # ARX: the absolute limit is floor(share * records).
        self.limit = math.floor(suppression * table.n_records)
        self.min_size = max(m.min_class_size for m in self.models)
        self.evaluator = MetricEvaluator(metric, table)
        self.k_only = all(isinstance(m, KAnonymity) for m in self.models)
        self.context: SensitiveContext | None = None
        if table.sensitive is not None:
            tree = None
            sensitive = table.sensitive
            if sensitive.hierarchy is not None and sensitive.hierarchy_rows is not None:
                codes, _ = hierarchy_level_codes(sensitive.hierarchy)
                tree = build_tree(codes, sensitive.hierarchy_rows)
            self.context = SensitiveContext(table.n_records, sensitive.counts, tree)
        self._needs_pairs = any(m.needs_sensitive for m in self.models)
        self._snapshots: dict[int, _Snapshot] = {}
        self._snapshot_levels = np.zeros((_SNAPSHOT_LIMIT, len(table.heights)), dtype=np.int16)
        self._snapshot_sizes = np.zeros(_SNAPSHOT_LIMIT, dtype=np.int64)
        # Label code of every distinct row at every level of every attribute, contiguous.
        self._labels = [
            [np.ascontiguousarray(codes[table.codes[:, j]]) for codes in qi.level_codes]
            for j, qi in enumerate(table.quasi_identifiers)
        ]
        self._bottom = self._bottom_snapshot()
        self.checks = 0
        self._node_bounds = self.evaluator.node_lower_bounds(self.lattice.levels)
        self._exact = self.evaluator.exact_without_data(self.limit)
        self._needs_labels = self.evaluator.needs_labels(self.limit)

    # --- grouping -----------------------------------------------------------------------

    def _bottom_snapshot(self) -> _Snapshot:
        rows = self.table.counts.shape[0]
        reps = np.arange(rows, dtype=np.int64)
        if self._needs_pairs and self.table.sensitive_codes is not None:
            return _Snapshot(
                -1, reps, self.table.counts, reps, self.table.sensitive_codes, self.table.counts
            )
        return _Snapshot(-1, reps, self.table.counts, None, None, None)

    def _base_for(self, node: int) -> _Snapshot:
        """The cached grouping with the fewest classes among nodes below ``node``."""
        if not self._snapshots:
            return self._bottom
        keys = list(self._snapshots)
        below = np.all(self._snapshot_levels[: len(keys)] <= self.lattice.levels[node], axis=1)
        if not below.any():
            return self._bottom
        sizes = np.where(below, self._snapshot_sizes[: len(keys)], np.iinfo(np.int64).max)
        return self._snapshots[keys[int(np.argmin(sizes))]]

    def _remember(self, snapshot: _Snapshot) -> None:
        if snapshot.size * 2 > self._bottom.size:
            return
        if len(self._snapshots) >= _SNAPSHOT_LIMIT:
            largest = max(self._snapshots.values(), key=lambda s: s.size)
            if largest.size <= snapshot.size:
                return
            del self._snapshots[largest.node]
        self._snapshots[snapshot.node] = snapshot
        # Keep a matrix of the cached nodes' levels, in the dict's order, for _base_for.
        for row, cached in enumerate(self._snapshots.values()):
            self._snapshot_levels[row] = self.lattice.levels[cached.node]
            self._snapshot_sizes[row] = cached.size

    def group(self, node: int) -> _Snapshot:
        """Equivalence classes of ``node`` (rolled up from the closest cached grouping)."""
        base = self._base_for(node)
        levels = self.lattice.levels[node]
        columns = []
        radices = []
        for j, qi in enumerate(self.table.quasi_identifiers):
            level = int(levels[j])
            labels = self._labels[j][level]
            columns.append(labels if base is self._bottom else labels[base.reps])
            radices.append(qi.label_count(level))
        key, space = combine(columns, radices)
        inverse, size = group_keys(key, space)
        counts = np.bincount(inverse, weights=base.counts, minlength=size).astype(np.int64)
        reps = np.empty(size, dtype=np.int64)
        reps[inverse] = base.reps
        pair_class = pair_value = pair_count = None
        if (
            base.pair_class is not None
            and base.pair_value is not None
            and base.pair_count is not None
            and self.table.sensitive is not None
        ):
            width = self.table.sensitive.size
            pair_key = inverse[base.pair_class] * width + base.pair_value
            pair_inverse, pairs = group_keys(pair_key, size * width)
            pair_count = np.bincount(pair_inverse, weights=base.pair_count, minlength=pairs)
            pair_count = pair_count.astype(np.int64)
            keys = np.empty(pairs, dtype=np.int64)
            keys[pair_inverse] = pair_key
            pair_class = keys // width
            pair_value = keys % width
        return _Snapshot(node, reps, counts, pair_class, pair_value, pair_count)

    # --- evaluation ---------------------------------------------------------------------

    def evaluate(self, node: int, *, loss: bool = True) -> Evaluation:
        """Group ``node``, apply the models and, if it is acceptable, compute its loss."""
        self.checks += 1
        snapshot = self.group(node)
        self._remember(snapshot)
        counts = snapshot.counts
        too_small = counts < self.min_size
        small = int(counts[too_small].sum())
        if self.k_only:
            failing = too_small
            violating = small
        else:
            stats = ClassStatistics(
                counts, snapshot.pair_class, snapshot.pair_value, snapshot.pair_count
            )
            failing = ~classes_fulfilling(self.models, stats, self.context)
            violating = int(counts[failing].sum())
        anonymous = violating <= self.limit
        evaluation = Evaluation(node, snapshot.size, violating, small, anonymous)
        evaluation.lower_bound = self.evaluator.data_lower_bound(counts)
        if anonymous and loss:
            evaluation.information_loss = self._loss(node, snapshot, failing)
            evaluation.suppressed_mask = failing
        return evaluation

    def failing_records(self, node: int) -> BoolArray:
        """Per record of the table: is it in a class of ``node`` that fails the models?"""
        saved = self._snapshots
        self._snapshots = {}  # group from the distinct rows so that classes map back to them
        try:
            snapshot = self.group(node)
        finally:
            self._snapshots = saved
        stats = ClassStatistics(
            snapshot.counts, snapshot.pair_class, snapshot.pair_value, snapshot.pair_count
        )
        failing = ~classes_fulfilling(self.models, stats, self.context)
        # Class of every distinct row: rows were grouped directly, so recompute the keys.
        levels = self.lattice.levels[node]
        columns = [self._labels[j][int(levels[j])] for j in range(len(levels))]
        radices = [
            q.label_count(int(levels[j])) for j, q in enumerate(self.table.quasi_identifiers)
        ]
        key, space = combine(columns, radices)
        row_class, _ = group_keys(key, space)
        failing_rows: BoolArray = failing[row_class]
        return failing_rows[self.table.record_rows]

    def _loss(self, node: int, snapshot: _Snapshot, failing: BoolArray) -> float:
        if self._exact:
            return float(self._node_bounds[node])
        levels = [int(v) for v in self.lattice.levels[node]]
        labels: list[IntArray] = []
        if self._needs_labels:
            for j in range(len(levels)):
                labels.append(self._labels[j][levels[j]][snapshot.reps])
        return self.evaluator.information_loss(levels, snapshot.counts, failing, labels)

    # --- search -------------------------------------------------------------------------

    def _tie_rank(self, heights: IntArray) -> IntArray:
        """Rank of every node among nodes of equal loss, as ARX would prefer them.

        ARX keeps the first optimum it meets and replaces it only by a lower loss or, at equal
        loss, a lower sum of levels; within a level Flash visits nodes by the mean relative
        level, then by the share of distinct values kept (FLASHStrategy). The same keys are
        used here, then the node id, so ties are resolved deterministically.
        """
        levels = self.lattice.levels
        dims = self.lattice.dimensions
        relative = np.zeros(self.lattice.size, dtype=np.float64)
        kept = np.zeros(self.lattice.size, dtype=np.float64)
        for j, qi in enumerate(self.table.quasi_identifiers):
            top = qi.height - 1
            if top:
                relative += levels[:, j] / float(top)
            present = qi.value_counts > 0
            distinct = np.array(
                [np.unique(codes[present]).shape[0] for codes in qi.level_codes],
                dtype=np.float64,
            )
            kept += distinct[levels[:, j]] / distinct[0]
        relative /= dims
        kept = 1.0 - kept / dims
        order = np.lexsort((np.arange(self.lattice.size), kept, relative, heights))
        rank = np.empty(self.lattice.size, dtype=np.int64)
        rank[order] = np.arange(self.lattice.size, dtype=np.int64)
        return rank

    def _climb(self, node: int, is_open: BoolArray, can_beat: Callable[[int], bool]) -> int:
        """Walk up through open nodes that could still win, to a maximal one."""
        climbing = True
        while climbing:
            climbing = False
            for successor in self.lattice.successors(node):
                if is_open[successor] and can_beat(successor):
                    node = successor
                    climbing = True
                    break
        return node

    def run(self) -> SearchResult:  # noqa: PLR0915 - the pruning rules read best in one loop
        started = time.perf_counter()
        lattice = self.lattice
        size = lattice.size
        impossible = self._unsatisfiable()
        if impossible is not None:
            return SearchResult(
                attributes=self.table.names,
                transformation=None,
                information_loss=None,
                suppressed_records=None,
                records=self.table.n_records,
                suppression_limit=self.limit,
                lattice_size=size,
                nodes_checked=0,
                seconds=time.perf_counter() - started,
                # Every node violates with every record: the least generalisation is nearest.
                nearest=Nearest(lattice.node_levels(lattice.bottom), self.table.n_records, True),
                reason=impossible + "; every record violates the models in every transformation",
            )
        static = self._node_bounds
        bounds = static.copy()
        heights = lattice.levels.sum(axis=1, dtype=np.int64)
        rank = self._tie_rank(heights)
        is_open = np.ones(size, dtype=np.bool_)
        order = np.lexsort((rank, static))
        # A failing node proves its predecessors fail when the models are monotone; with no
        # suppression allowed that holds for every model that is monotone under merging.
        privacy_monotone = all(m.monotone_with_suppression for m in self.models) or (
            self.limit == 0 and all(m.monotone_with_generalisation for m in self.models)
        )
        metric_monotone = self.metric.is_monotone(self.limit)
        lift = privacy_monotone or self.min_size > 1
        violations = np.full(size, -1, dtype=np.int64)
        smalls = np.full(size, -1, dtype=np.int64)

        # (loss, tie rank, node) of the best acceptable node so far
        best: tuple[float, int, int] | None = None
        best_eval: Evaluation | None = None

        def can_beat(node: int) -> bool:
            if best is None:
                return True
            bound = float(bounds[node])
            return bound < best[0] or (bound == best[0] and int(rank[node]) < best[1])

        position = 0
        while position < size:
            start = int(order[position])
            if not is_open[start]:
                position += 1
                continue
            if best is not None and static[start] > best[0]:
                break
            if not can_beat(start):
                is_open[start] = False
                position += 1
                continue
            node = self._climb(start, is_open, can_beat) if lift else start
            evaluation = self.evaluate(node)
            is_open[node] = False
            violations[node] = evaluation.violating
            smalls[node] = evaluation.small
            if evaluation.anonymous:
                loss = evaluation.information_loss
                candidate = (math.inf if loss is None else loss, int(rank[node]), node)
                if best is None or candidate < best:
                    best = candidate
                    best_eval = evaluation
                if metric_monotone:
                    is_open[lattice.up_set(node)] = False
            elif privacy_monotone:
                is_open[lattice.down_set(node)] = False
            if evaluation.small > self.limit:
                is_open[lattice.down_set(node)] = False
            if evaluation.lower_bound is not None:
                up = lattice.up_set(node)
                bounds[up] = np.maximum(bounds[up], evaluation.lower_bound)

        names = self.table.names
        if best is not None and best_eval is not None:
            # Every class that fails the models is suppressed (ARX does the same).
            suppressed = best_eval.violating
            return SearchResult(
                attributes=names,
                transformation=lattice.node_levels(best[2]),
                information_loss=best[0],
                suppressed_records=suppressed,
                records=self.table.n_records,
                suppression_limit=self.limit,
                lattice_size=size,
                nodes_checked=self.checks,
                seconds=time.perf_counter() - started,
            )
        nearest, reason = self._nearest(violations, smalls, rank, started)
        return SearchResult(
            attributes=names,
            transformation=None,
            information_loss=None,
            suppressed_records=None,
            records=self.table.n_records,
            suppression_limit=self.limit,
            lattice_size=size,
            nodes_checked=self.checks,
            seconds=time.perf_counter() - started,
            nearest=nearest,
            reason=reason,
        )

    # --- when nothing satisfies the models ----------------------------------------------

    def _unsatisfiable(self) -> str | None:
        """A reason why no class of any transformation can satisfy the models, if there is one."""
        n = self.table.n_records
        if self.min_size > n:
            return f"a class needs at least {self.min_size} records but the data has {n}"
        sensitive = self.table.sensitive
        for model in self.models:
            if isinstance(model, DistinctLDiversity | EntropyLDiversity) and sensitive:
                needed = model.min_class_size
                if needed > sensitive.size:
                    return (
                        f"{model.describe()} needs at least {needed} distinct values of "
                        f"{sensitive.name!r} in a class, but the data has {sensitive.size}"
                    )
        return None

    def _nearest(
        self,
        violations: IntArray,
        smalls: IntArray,
        rank: IntArray,
        started: float,
    ) -> tuple[Nearest | None, str | None]:
        """Fewest violating records; ties go to the least generalisation (the tie rank)."""
        lattice = self.lattice
        size = lattice.size
        # Lower bounds of the violating records of nodes not yet evaluated. Under k-anonymity
        # and distinct l-diversity merging classes never adds violating records, so a node
        # violates at least as much as any node above it; for the other models only the
        # records in classes below the minimal size are bounded that way.
        monotone = all(m.monotone_with_suppression for m in self.models)
        bound = np.zeros(size, dtype=np.int64)
        checked = np.flatnonzero(violations >= 0)
        for checked_node in checked:
            down = lattice.down_set(int(checked_node))
            value = violations[checked_node] if monotone else smalls[checked_node]
            bound[down] = np.maximum(bound[down], value)
        exact = True
        best: tuple[int, int] | None = None  # (violating records, tie rank)
        best_node = -1
        for checked_node in checked:
            candidate = (int(violations[checked_node]), int(rank[checked_node]))
            if best is None or candidate < best:
                best, best_node = candidate, int(checked_node)
        remaining = violations < 0
        while remaining.any():
            if time.perf_counter() - started > _NEAREST_BUDGET_SECONDS:
                exact = False
                break
            keys = np.where(remaining, bound * size + rank, np.iinfo(np.int64).max)
            node = int(np.argmin(keys))
            if best is not None and (int(bound[node]), int(rank[node])) >= best:
                break
            evaluation = self.evaluate(node, loss=False)
            remaining[node] = False
            violations[node] = evaluation.violating
            candidate = (evaluation.violating, int(rank[node]))
            if best is None or candidate < best:
                best, best_node = candidate, node
            down = lattice.down_set(node)
            value = evaluation.violating if monotone else evaluation.small
            bound[down] = np.maximum(bound[down], value)
        if best is None:
            return None, "no transformation was evaluated"
        reason = (
            f"no transformation keeps the violating records within the suppression limit "
            f"({self.limit} of {self.table.n_records} records)"
        )
        return Nearest(lattice.node_levels(best_node), best[0], exact), reason


def search(
    frame: pl.DataFrame,
    quasi_identifiers: Mapping[str, Hierarchy],
    models: Sequence[PrivacyModel | str],
    *,
    suppression: float,
    metric: Metric | str,
    sensitive: str | None = None,
    sensitive_hierarchy: Hierarchy | None = None,
) -> SearchResult:
    """Find the optimal full-domain generalisation of ``frame``.

    ``quasi_identifiers`` maps each quasi-identifying column to its hierarchy (in the order the
    transformation is reported); ``models`` are `PrivacyModel` objects or their text form
    (``k_anonymity:k=5``); ``suppression`` is the share of records that may be suppressed;
    ``metric`` a `Metric` or its text form (``non_uniform_entropy:monotonic``).
    """
    parsed_models = [parse_model(m) if isinstance(m, str) else m for m in models]
    parsed_metric = parse_metric(metric) if isinstance(metric, str) else metric
    if not 0.0 <= suppression <= 1.0 or math.isnan(suppression):
        raise SearchError(f"suppression must be in [0, 1], got {suppression}")
    table = encode_table(
        frame,
        quasi_identifiers,
        sensitive=sensitive,
        sensitive_hierarchy=sensitive_hierarchy,
    )
    return PrivacySearch(table, parsed_models, suppression=suppression, metric=parsed_metric).run()
