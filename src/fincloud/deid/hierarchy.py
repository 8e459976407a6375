"""Value generalisation hierarchies in ARX's CSV format (Ch 9.3, 概化技術).

An ARX hierarchy file has one row per original value and one column per level: column 0 is the
value itself (level 0), each further column a coarser value, the last usually ``*``. Cells are
separated by ``;`` (ARX's default) and may be quoted with ``"``. Example (``adult_hierarchy_age``)::

    39;35-39;30-39;20-39;*

Reading is plain Python (no NumPy, no Polars) so that importing this module stays cheap; the
privacy search in ``fincloud.deid.privacy`` builds integer codes from ``Hierarchy.rows``.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path


class HierarchyError(ValueError):
    """A hierarchy file is malformed, or a value is not covered by its hierarchy."""


class UncoveredValueError(HierarchyError):
    """A data value has no row in the hierarchy; names the value and the file."""

    def __init__(self, value: str, source: str, attribute: str | None = None) -> None:
        self.value = value
        self.source = source
        self.attribute = attribute
        where = f" (attribute {attribute!r})" if attribute else ""
        super().__init__(f"value {value!r}{where} is not covered by the hierarchy {source}")


@dataclass(frozen=True)
class Hierarchy:
    """A full-domain generalisation hierarchy: ``rows[i][level]`` generalises ``rows[i][0]``.

    ``source`` names where the hierarchy came from (the file path) for error messages.
    """

    rows: tuple[tuple[str, ...], ...]
    source: str = "<hierarchy>"
    attribute: str | None = None
    _index: Mapping[str, int] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.rows:
            raise HierarchyError(f"hierarchy {self.source} has no rows")
        width = len(self.rows[0])
        if width < 1:
            raise HierarchyError(f"hierarchy {self.source} row 1 has no values")
        index: dict[str, int] = {}
        for number, row in enumerate(self.rows, start=1):
            if len(row) != width:
                raise HierarchyError(
                    f"hierarchy {self.source} line {number}: {len(row)} levels, "
                    f"expected {width} like line 1"
                )
            if row[0] in index:
                raise HierarchyError(
                    f"hierarchy {self.source} line {number}: value {row[0]!r} repeats "
                    f"line {index[row[0]] + 1}"
                )
            index[row[0]] = number - 1
        # A frozen dataclass: set the derived lookup table once.
        object.__setattr__(self, "_index", index)

    @property
    def height(self) -> int:
        """Number of levels, counting level 0 (the original values)."""
        return len(self.rows[0])

    @property
    def max_level(self) -> int:
        return self.height - 1

    @property
    def values(self) -> tuple[str, ...]:
        """The original (level-0) values the hierarchy covers, in file order."""
        return tuple(row[0] for row in self.rows)

    def level(self, level: int) -> tuple[str, ...]:
        """Column ``level`` of the file: the generalised value of each row."""
        self._check_level(level)
        return tuple(row[level] for row in self.rows)

    def covers(self, value: str) -> bool:
        return value in self._index

    def generalise(self, value: str, level: int) -> str:
        """The value of ``value`` at ``level``; raises `UncoveredValueError` if not covered."""
        self._check_level(level)
        row = self._index.get(value)
        if row is None:
            raise UncoveredValueError(value, self.source, self.attribute)
        return self.rows[row][level]

    def mapping(self, level: int) -> dict[str, str]:
        """Original value -> value at ``level``, for vectorised replacement (e.g. Polars)."""
        self._check_level(level)
        return {row[0]: row[level] for row in self.rows}

    def check_covers(self, values: Iterable[str]) -> None:
        """Raise `UncoveredValueError` for the first value that has no row."""
        for value in values:
            if value not in self._index:
                raise UncoveredValueError(value, self.source, self.attribute)

    def uncovered(self, values: Iterable[str]) -> list[str]:
        """The distinct values that have no row, in order of first appearance."""
        seen: dict[str, None] = {}
        for value in values:
            if value not in self._index:
                seen.setdefault(value, None)
        return list(seen)

    def with_attribute(self, attribute: str) -> Hierarchy:
        return Hierarchy(self.rows, source=self.source, attribute=attribute)

    def _check_level(self, level: int) -> None:
        if not 0 <= level < self.height:
            raise HierarchyError(
                f"level {level} is outside 0..{self.max_level} of the hierarchy {self.source}"
            )


def parse_hierarchy(
    text: str, *, sep: str = ";", source: str = "<hierarchy>", attribute: str | None = None
) -> Hierarchy:
    """Parse the text of an ARX hierarchy file. Blank lines are skipped."""
    if len(sep) != 1:
        raise HierarchyError(f"separator must be one character, got {sep!r}")
    reader = csv.reader(io.StringIO(text), delimiter=sep, quotechar='"')
    rows: list[tuple[str, ...]] = []
    try:
        for row in reader:
            if not row or all(cell == "" for cell in row):
                continue
            rows.append(tuple(row))
    except csv.Error as exc:
        raise HierarchyError(f"hierarchy {source} line {reader.line_num}: {exc}") from exc
    return Hierarchy(tuple(rows), source=source, attribute=attribute)


def read_hierarchy(
    path: str | Path, *, sep: str = ";", attribute: str | None = None, encoding: str = "utf-8-sig"
) -> Hierarchy:
    """Read an ARX hierarchy CSV file (``;``-separated, one row per original value)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise HierarchyError(f"cannot read hierarchy {path}: {exc.strerror or exc}") from exc
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        raise HierarchyError(
            f"hierarchy {path} is not {encoding} text (byte {exc.start}); save it as UTF-8"
        ) from exc
    return parse_hierarchy(text, sep=sep, source=str(path), attribute=attribute)


# --- building hierarchies ---------------------------------------------------------------------


def interval_hierarchy(
    values: Iterable[str],
    widths: Iterable[int],
    *,
    top: str = "*",
    source: str = "<intervals>",
    attribute: str | None = None,
) -> Hierarchy:
    """A hierarchy of integer ranges: each width a level (``39`` -> ``35-39`` -> ``30-39``), then
    ``top``. Widths must grow and each must divide the next, so the levels nest. Values may be
    written as numbers in any form (``100000``, ``1.00E+05``); fractions fall in the range of
    their integer part."""
    sizes = list(widths)
    for smaller, larger in itertools.pairwise(sizes):
        if smaller <= 0 or larger % smaller:
            raise HierarchyError(f"interval widths must be positive and nest, got {sizes}")
    if sizes and sizes[0] <= 0:
        raise HierarchyError(f"interval widths must be positive, got {sizes}")
    rows: list[tuple[str, ...]] = []
    for value in dict.fromkeys(values):
        try:
            number = math.floor(float(value))
        except (ValueError, OverflowError):
            raise HierarchyError(f"value {value!r} is not a number") from None
        labels = [value]
        for width in sizes:
            low = (number // width) * width
            labels.append(f"{low}-{low + width - 1}")
        labels.append(top)
        rows.append(tuple(labels))
    return Hierarchy(tuple(rows), source=source, attribute=attribute)


def flat_hierarchy(
    values: Iterable[str],
    *,
    top: str = "*",
    source: str = "<flat>",
    attribute: str | None = None,
) -> Hierarchy:
    """Two levels: the value, then ``top`` (keep or suppress)."""
    rows = tuple((value, top) for value in dict.fromkeys(values))
    return Hierarchy(rows, source=source, attribute=attribute)


def format_hierarchy(hierarchy: Hierarchy, *, sep: str = ";") -> str:
    """The ARX CSV text of ``hierarchy`` (quoted where a cell holds the separator)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=sep, quotechar='"', lineterminator="\n")
    writer.writerows(hierarchy.rows)
    return buffer.getvalue()
