"""The generalisation lattice: one node per combination of hierarchy levels.

A node (transformation) gives a generalisation level per quasi-identifier. Node ``a`` is below
node ``b`` (``a <= b``) when every level of ``a`` is at most the level of ``b``; the bottom is
all zeros (the data as it is), the top the last level of every hierarchy. Nodes are numbered in
mixed radix (the first attribute varies slowest), so a direct successor in attribute ``j`` is
``id + stride[j]`` and whole up- and down-sets can be addressed with NumPy without building an
explicit graph.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
LevelArray = npt.NDArray[np.int16]
BoolArray = npt.NDArray[np.bool_]

# Beyond this many nodes the search refuses to run: the bookkeeping arrays are O(nodes).
MAX_LATTICE_NODES = 10_000_000


class LatticeError(ValueError):
    """The lattice cannot be built (no levels, or too many nodes)."""


@dataclass(frozen=True)
class Lattice:
    """All full-domain generalisations of attributes whose hierarchies have ``heights`` levels."""

    heights: tuple[int, ...]
    _strides: IntArray = field(init=False, repr=False, compare=False)
    _levels: LevelArray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.heights or any(h < 1 for h in self.heights):
            raise LatticeError(f"every hierarchy needs at least one level, got {self.heights}")
        size = 1
        for h in self.heights:
            size *= h
        if size > MAX_LATTICE_NODES:
            raise LatticeError(
                f"the lattice has {size} nodes, more than the {MAX_LATTICE_NODES} this search "
                "handles; use fewer quasi-identifiers or shorter hierarchies"
            )
        strides = np.ones(len(self.heights), dtype=np.int64)
        for j in range(len(self.heights) - 2, -1, -1):
            strides[j] = strides[j + 1] * self.heights[j + 1]
        ids = np.arange(size, dtype=np.int64)
        levels = (ids[:, None] // strides[None, :]) % np.asarray(self.heights, dtype=np.int64)
        # Levels are small; int16 keeps a 10-million-node lattice of 9 attributes near 180 MB.
        levels = levels.astype(np.int16)
        object.__setattr__(self, "_strides", strides)
        object.__setattr__(self, "_levels", levels)

    @property
    def size(self) -> int:
        return int(self._levels.shape[0])

    @property
    def dimensions(self) -> int:
        return len(self.heights)

    @property
    def levels(self) -> LevelArray:
        """``levels[node, attribute]``: the level of each attribute in each node (read-only)."""
        view = self._levels.view()
        view.flags.writeable = False
        return view

    @property
    def strides(self) -> IntArray:
        view = self._strides.view()
        view.flags.writeable = False
        return view

    @property
    def bottom(self) -> int:
        return 0

    @property
    def top(self) -> int:
        return self.size - 1

    def node_id(self, levels: Sequence[int]) -> int:
        if len(levels) != self.dimensions:
            raise ValueError(f"expected {self.dimensions} levels, got {len(levels)}")
        for level, height in zip(levels, self.heights, strict=True):
            if not 0 <= level < height:
                raise ValueError(f"level {level} outside 0..{height - 1}")
        return int(np.dot(np.asarray(levels, dtype=np.int64), self._strides))

    def node_levels(self, node: int) -> tuple[int, ...]:
        return tuple(int(v) for v in self._levels[node])

    def height_of(self, node: int) -> int:
        """Sum of the levels: ARX's "level" of a transformation, used to break ties."""
        return int(self._levels[node].sum())

    def successors(self, node: int) -> list[int]:
        """Direct successors: one attribute one level higher."""
        row = self._levels[node]
        return [
            node + int(self._strides[j])
            for j in range(self.dimensions)
            if row[j] < self.heights[j] - 1
        ]

    def predecessors(self, node: int) -> list[int]:
        row = self._levels[node]
        return [node - int(self._strides[j]) for j in range(self.dimensions) if row[j] > 0]

    def down_set(self, node: int) -> IntArray:
        """Ids of all nodes ``<= node`` (including it)."""
        return self._box(np.zeros(self.dimensions, dtype=np.int64), self._levels[node])

    def up_set(self, node: int) -> IntArray:
        """Ids of all nodes ``>= node`` (including it)."""
        top = np.asarray(self.heights, dtype=np.int64) - 1
        return self._box(self._levels[node], top)

    def _box(self, low: Any, high: Any) -> IntArray:
        ids = np.zeros(1, dtype=np.int64)
        for j in range(self.dimensions):
            steps = np.arange(int(low[j]), int(high[j]) + 1, dtype=np.int64) * self._strides[j]
            ids = (ids[:, None] + steps[None, :]).ravel()
        return ids

    def is_below(self, a: int, b: int) -> bool:
        return bool(np.all(self._levels[a] <= self._levels[b]))
