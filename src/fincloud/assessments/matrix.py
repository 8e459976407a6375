"""The risk matrix (likelihood x impact, 5 x 5, configurable) and the heat map drawn from it.

Ch 2.2 mechanism (a): criteria for accepting risk; (b): repeated assessments give consistent,
comparable results. Both follow from one matrix that every assessment of the institution uses:
the matrix maps each (likelihood, impact) cell to a rating, and says which ratings are accepted
without treatment. Plain Python: no Django.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

SIZE: Final = 5
LEVELS: Final = tuple(range(1, SIZE + 1))
# Ratings from least to most severe.
RATINGS: Final = ("low", "medium", "high", "critical")
RATING_ZH: Final = {"low": "低", "medium": "中", "high": "高", "critical": "極高"}
RATING_EN: Final = {"low": "Low", "medium": "Medium", "high": "High", "critical": "Critical"}

DEFAULT_LIKELIHOOD_ZH: Final = ("極少發生", "不太可能", "可能", "很可能", "幾乎確定")
DEFAULT_LIKELIHOOD_EN: Final = ("Rare", "Unlikely", "Possible", "Likely", "Almost certain")
DEFAULT_IMPACT_ZH: Final = ("輕微", "次要", "中度", "重大", "嚴重")
DEFAULT_IMPACT_EN: Final = ("Negligible", "Minor", "Moderate", "Major", "Severe")


class MatrixError(ValueError):
    """A matrix configuration breaks a rule; ``field`` names where."""

    def __init__(self, field: str, code: str, **params: object) -> None:
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code
        self.params = params


def _default_rating(likelihood: int, impact: int) -> str:
    score = likelihood * impact
    if score >= 15:
        return "critical"
    if score >= 8:
        return "high"
    if score >= 4:
        return "medium"
    return "low"


def default_cells() -> tuple[tuple[str, ...], ...]:
    """Rows by likelihood 1..5, columns by impact 1..5; banded on likelihood x impact."""
    return tuple(tuple(_default_rating(li, im) for im in LEVELS) for li in LEVELS)


@dataclass(frozen=True, slots=True)
class Matrix:
    cells: tuple[tuple[str, ...], ...]  # cells[likelihood-1][impact-1]
    # The most severe rating accepted without treatment (risk appetite, mechanism (a)).
    accept_up_to: str = "medium"
    likelihood_zh: tuple[str, ...] = DEFAULT_LIKELIHOOD_ZH
    likelihood_en: tuple[str, ...] = DEFAULT_LIKELIHOOD_EN
    impact_zh: tuple[str, ...] = DEFAULT_IMPACT_ZH
    impact_en: tuple[str, ...] = DEFAULT_IMPACT_EN

    def rating(self, likelihood: int, impact: int) -> str:
        if likelihood not in LEVELS or impact not in LEVELS:
            raise MatrixError("level", "out_of_range", likelihood=likelihood, impact=impact)
        return self.cells[likelihood - 1][impact - 1]

    def accepted(self, rating: str) -> bool:
        return RATINGS.index(rating) <= RATINGS.index(self.accept_up_to)

    def likelihood_label(self, level: int, lang: str) -> str:
        labels = self.likelihood_en if lang.startswith("en") else self.likelihood_zh
        return labels[level - 1]

    def impact_label(self, level: int, lang: str) -> str:
        labels = self.impact_en if lang.startswith("en") else self.impact_zh
        return labels[level - 1]

    def to_json(self) -> dict[str, object]:
        return {
            "cells": [list(r) for r in self.cells],
            "accept_up_to": self.accept_up_to,
            "likelihood_zh": list(self.likelihood_zh),
            "likelihood_en": list(self.likelihood_en),
            "impact_zh": list(self.impact_zh),
            "impact_en": list(self.impact_en),
        }


def default_matrix() -> Matrix:
    return Matrix(cells=default_cells())


def _labels(data: Mapping[str, object], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = data.get(key, default)
    if not isinstance(value, list | tuple) or len(value) != SIZE:
        raise MatrixError(key, "five_labels")
    labels = tuple(str(v).strip() for v in value)
    if any(not label for label in labels):
        raise MatrixError(key, "empty_label")
    return labels


def parse_matrix(data: Mapping[str, object]) -> Matrix:
    """Validate a stored or submitted matrix: 5 x 5 known ratings that never fall as likelihood
    or impact rises (otherwise repeated assessments are not comparable, mechanism (b))."""
    cells = data.get("cells")
    if not isinstance(cells, list | tuple) or len(cells) != SIZE:
        raise MatrixError("cells", "five_rows")
    rows: list[tuple[str, ...]] = []
    for li, row in enumerate(cells, start=1):
        if not isinstance(row, list | tuple) or len(row) != SIZE:
            raise MatrixError(f"cells[{li}]", "five_columns")
        for im, value in enumerate(row, start=1):
            if value not in RATINGS:
                raise MatrixError(f"cells[{li}][{im}]", "unknown_rating", value=value)
        rows.append(tuple(str(v) for v in row))
    for li in LEVELS:
        for im in LEVELS:
            here = RATINGS.index(rows[li - 1][im - 1])
            if li > 1 and here < RATINGS.index(rows[li - 2][im - 1]):
                raise MatrixError(f"cells[{li}][{im}]", "not_monotonic", likelihood=li, impact=im)
            if im > 1 and here < RATINGS.index(rows[li - 1][im - 2]):
                raise MatrixError(f"cells[{li}][{im}]", "not_monotonic", likelihood=li, impact=im)
    accept = data.get("accept_up_to", "medium")
    if accept not in RATINGS:
        raise MatrixError("accept_up_to", "unknown_rating", value=accept)
    return Matrix(
        cells=tuple(rows),
        accept_up_to=str(accept),
        likelihood_zh=_labels(data, "likelihood_zh", DEFAULT_LIKELIHOOD_ZH),
        likelihood_en=_labels(data, "likelihood_en", DEFAULT_LIKELIHOOD_EN),
        impact_zh=_labels(data, "impact_zh", DEFAULT_IMPACT_ZH),
        impact_en=_labels(data, "impact_en", DEFAULT_IMPACT_EN),
    )


# -- heat map -------------------------------------------------------------------------------------

CELL: Final = 64  # px
MARGIN_LEFT: Final = 132
MARGIN_TOP: Final = 12
MARGIN_BOTTOM: Final = 72


@dataclass(frozen=True, slots=True)
class HeatCell:
    likelihood: int
    impact: int
    rating: str
    count: int
    x: int
    y: int
    size: int = CELL

    @property
    def cx(self) -> int:
        return self.x + self.size // 2

    @property
    def cy(self) -> int:
        return self.y + self.size // 2


@dataclass(frozen=True, slots=True)
class AxisLabel:
    text: str
    x: int
    y: int


@dataclass(frozen=True, slots=True)
class HeatMap:
    cells: tuple[HeatCell, ...]
    likelihood_labels: tuple[AxisLabel, ...]
    impact_labels: tuple[AxisLabel, ...]
    width: int
    height: int
    total: int


def heat_map(matrix: Matrix, points: Iterable[tuple[int, int]], lang: str) -> HeatMap:
    """Count risks per (likelihood, impact) cell and lay the grid out for an SVG: likelihood
    rises upwards, impact to the right. Points outside the grid are ignored."""
    counts: dict[tuple[int, int], int] = {}
    total = 0
    for li, im in points:
        if li in LEVELS and im in LEVELS:
            counts[(li, im)] = counts.get((li, im), 0) + 1
            total += 1
    cells = []
    for li in LEVELS:
        for im in LEVELS:
            cells.append(
                HeatCell(
                    likelihood=li,
                    impact=im,
                    rating=matrix.rating(li, im),
                    count=counts.get((li, im), 0),
                    x=MARGIN_LEFT + (im - 1) * CELL,
                    y=MARGIN_TOP + (SIZE - li) * CELL,
                )
            )
    likelihood_labels = tuple(
        AxisLabel(
            f"{li} {matrix.likelihood_label(li, lang)}",
            MARGIN_LEFT - 8,
            MARGIN_TOP + (SIZE - li) * CELL + CELL // 2 + 4,
        )
        for li in LEVELS
    )
    impact_labels = tuple(
        AxisLabel(
            f"{im} {matrix.impact_label(im, lang)}",
            MARGIN_LEFT + (im - 1) * CELL + CELL // 2,
            MARGIN_TOP + SIZE * CELL + 18,
        )
        for im in LEVELS
    )
    return HeatMap(
        cells=tuple(cells),
        likelihood_labels=likelihood_labels,
        impact_labels=impact_labels,
        width=MARGIN_LEFT + SIZE * CELL + 8,
        height=MARGIN_TOP + SIZE * CELL + MARGIN_BOTTOM,
        total=total,
    )


def rating_label(rating: str, lang: str) -> str:
    return (RATING_EN if lang.startswith("en") else RATING_ZH)[rating]


def worst(ratings: Sequence[str]) -> str | None:
    return max(ratings, key=RATINGS.index) if ratings else None
