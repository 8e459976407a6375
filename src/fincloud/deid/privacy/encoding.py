"""Integer encoding of a table for the privacy search, and grouping into equivalence classes.

The table is encoded once: every quasi-identifier value becomes the index of its row in the
hierarchy, every hierarchy level becomes an array from that index to a label code, and the
records collapse into the distinct combinations of quasi-identifier values (and the sensitive
value, when there is one) with their counts. Grouping a transformation is then a few NumPy
gathers, one multiply-add per attribute and a bincount or a sort, on that small table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from fincloud.deid.hierarchy import Hierarchy, HierarchyError, UncoveredValueError

if TYPE_CHECKING:
    import polars as pl

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

# Keys are built in mixed radix; before a product would pass this bound the keys are re-ranked.
_KEY_LIMIT = 1 << 62


class DataError(ValueError):
    """The table does not fit the request (missing column, uncovered value ...)."""


@dataclass(frozen=True)
class QuasiIdentifierCodes:
    """One quasi-identifier: its hierarchy and, per level, hierarchy row -> label code."""

    name: str
    hierarchy: Hierarchy
    level_codes: tuple[IntArray, ...]  # level_codes[L][row] = label code at level L
    level_labels: tuple[tuple[str, ...], ...]  # level_labels[L][code] = label text
    value_counts: IntArray  # records per hierarchy row (original value)

    @property
    def height(self) -> int:
        return len(self.level_codes)

    def label_count(self, level: int) -> int:
        return len(self.level_labels[level])


@dataclass(frozen=True)
class SensitiveCodes:
    """The sensitive attribute: its distinct values, global counts and optional hierarchy."""

    name: str
    values: tuple[str, ...]  # code -> value, in the attribute's order (numeric if all numbers)
    counts: IntArray  # records per code
    hierarchy: Hierarchy | None
    hierarchy_rows: IntArray | None  # code -> row of the hierarchy (when there is one)

    @property
    def size(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class EncodedTable:
    """A table encoded for the search. ``rows`` are the distinct combinations."""

    n_records: int
    quasi_identifiers: tuple[QuasiIdentifierCodes, ...]
    sensitive: SensitiveCodes | None
    codes: npt.NDArray[np.int32]  # (rows, qis): hierarchy row index per quasi-identifier
    counts: IntArray  # (rows,): records per distinct combination
    sensitive_codes: IntArray | None  # (rows,): sensitive code per distinct combination
    record_rows: IntArray  # (records,): the distinct row of every record

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(q.name for q in self.quasi_identifiers)

    @property
    def heights(self) -> tuple[int, ...]:
        return tuple(q.height for q in self.quasi_identifiers)


def dense_rank(keys: IntArray) -> tuple[IntArray, int]:
    """Replace keys by 0..n-1 in key order; return the ranks and n."""
    unique, inverse = np.unique(keys, return_inverse=True)
    return inverse.astype(np.int64, copy=False).reshape(-1), int(unique.shape[0])


def group_keys(keys: IntArray, space: int) -> tuple[IntArray, int]:
    """Group ids 0..n-1 for ``keys`` in ``0..space-1``; ids follow key order.

    A bincount over the key space when it is small compared with the keys, a sort otherwise.
    """
    size = keys.shape[0]
    if space <= 8 * size + 4096:
        present = np.bincount(keys, minlength=space) > 0
        ids = np.cumsum(present, dtype=np.int64) - 1
        return ids[keys], int(ids[-1]) + 1 if space else 0
    return dense_rank(keys)


def combine(columns: Sequence[IntArray], radices: Sequence[int]) -> tuple[IntArray, int]:
    """Mixed-radix key of several code columns, re-ranked whenever it would overflow."""
    if not columns:
        return np.zeros(0, dtype=np.int64), 1
    key = np.array(columns[0], dtype=np.int64)  # a copy: updated in place below
    space = int(radices[0])
    for column, radix in zip(columns[1:], radices[1:], strict=True):
        if space * radix >= _KEY_LIMIT:
            key, space = dense_rank(key)
        key *= radix  # in place: four times faster than building temporaries
        key += column
        space *= radix
    return key, space


def _numeric_order(values: Sequence[str]) -> list[str] | None:
    try:
        parsed = [(float(v), v) for v in values]
    except ValueError:
        return None
    return [v for _, v in sorted(parsed)]


def hierarchy_level_codes(
    hierarchy: Hierarchy,
) -> tuple[tuple[IntArray, ...], tuple[tuple[str, ...], ...]]:
    codes: list[IntArray] = []
    labels: list[tuple[str, ...]] = []
    for level in range(hierarchy.height):
        index: dict[str, int] = {}
        column = np.fromiter(
            (index.setdefault(label, len(index)) for label in hierarchy.level(level)),
            dtype=np.int64,
            count=len(hierarchy.rows),
        )
        codes.append(column)
        labels.append(tuple(index))
    return tuple(codes), tuple(labels)


def _column_strings(frame: pl.DataFrame, name: str) -> pl.Series:
    import polars as pl

    if name not in frame.columns:
        raise DataError(f"column {name!r} is not in the data (columns: {', '.join(frame.columns)})")
    series = frame.get_column(name)
    if series.dtype != pl.String:
        series = series.cast(pl.String)
    return series


def _encode_by_hierarchy(series: pl.Series, hierarchy: Hierarchy) -> IntArray:
    import polars as pl

    mapping = {value: index for index, value in enumerate(hierarchy.values)}
    encoded = series.replace_strict(mapping, default=None, return_dtype=pl.Int64)
    missing = encoded.is_null()
    if missing.any():
        first = series.filter(missing).head(1).to_list()[0]
        raise UncoveredValueError(
            "" if first is None else str(first), hierarchy.source, series.name
        )
    return encoded.to_numpy().astype(np.int64, copy=False)


def encode_table(
    frame: pl.DataFrame,
    quasi_identifiers: Mapping[str, Hierarchy],
    *,
    sensitive: str | None = None,
    sensitive_hierarchy: Hierarchy | None = None,
) -> EncodedTable:
    """Encode ``frame`` for the search. Raises `UncoveredValueError` or `DataError`."""
    import polars as pl

    if not quasi_identifiers:
        raise DataError("at least one quasi-identifier is needed")
    if sensitive is not None and sensitive in quasi_identifiers:
        raise DataError(f"attribute {sensitive!r} cannot be both quasi-identifying and sensitive")
    n_records = frame.height
    if n_records == 0:
        raise DataError("the data has no records")

    qis: list[QuasiIdentifierCodes] = []
    columns: list[IntArray] = []
    for name, hierarchy in quasi_identifiers.items():
        codes = _encode_by_hierarchy(_column_strings(frame, name), hierarchy)
        level_codes, level_labels = hierarchy_level_codes(hierarchy)
        counts = np.bincount(codes, minlength=len(hierarchy.rows)).astype(np.int64)
        qis.append(QuasiIdentifierCodes(name, hierarchy, level_codes, level_labels, counts))
        columns.append(codes)
    radices = [len(q.hierarchy.rows) for q in qis]

    sensitive_info: SensitiveCodes | None = None
    sensitive_column: IntArray | None = None
    if sensitive is not None:
        series = _column_strings(frame, sensitive)
        distinct = series.unique().to_list()
        if any(v is None for v in distinct):
            raise DataError(f"sensitive attribute {sensitive!r} has empty (null) values")
        values = [str(v) for v in distinct]
        # ARX orders a sensitive attribute by its data type; numbers numerically, text by code
        # point, which is what ordered-distance t-closeness uses.
        ordered = _numeric_order(values) or sorted(values)
        index = {value: code for code, value in enumerate(ordered)}
        sensitive_column = series.replace_strict(index, return_dtype=pl.Int64).to_numpy()
        sensitive_column = sensitive_column.astype(np.int64, copy=False)
        rows: IntArray | None = None
        if sensitive_hierarchy is not None:
            uncovered = sensitive_hierarchy.uncovered(ordered)
            if uncovered:
                raise UncoveredValueError(uncovered[0], sensitive_hierarchy.source, sensitive)
            lookup = {value: row for row, value in enumerate(sensitive_hierarchy.values)}
            rows = np.array([lookup[v] for v in ordered], dtype=np.int64)
        sensitive_info = SensitiveCodes(
            name=sensitive,
            values=tuple(ordered),
            counts=np.bincount(sensitive_column, minlength=len(ordered)).astype(np.int64),
            hierarchy=sensitive_hierarchy,
            hierarchy_rows=rows,
        )
        columns.append(sensitive_column)
        radices.append(len(ordered))
    elif sensitive_hierarchy is not None:
        raise HierarchyError("a sensitive hierarchy needs a sensitive attribute")

    key, _ = combine(columns, radices)
    unique, first, inverse, counts = np.unique(
        key, return_index=True, return_inverse=True, return_counts=True
    )
    del unique
    matrix = np.stack(columns[: len(qis)], axis=1)[first].astype(np.int32)
    return EncodedTable(
        n_records=n_records,
        quasi_identifiers=tuple(qis),
        sensitive=sensitive_info,
        codes=matrix,
        counts=counts.astype(np.int64),
        sensitive_codes=None if sensitive_column is None else sensitive_column[first],
        record_rows=inverse.astype(np.int64, copy=False).reshape(-1),
    )
