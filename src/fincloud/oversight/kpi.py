"""Key performance and risk indicators (Ch 3.4 (d)): red/amber/green against thresholds, and the
trend chart drawn on the server as SVG (the Content-Security-Policy allows no script charts).

Plain Python: no Django.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Final
from xml.sax.saxutils import escape, quoteattr

GREEN: Final = "green"
AMBER: Final = "amber"
RED: Final = "red"
COLOURS: Final = {GREEN: "#1d7a46", AMBER: "#d97706", RED: "#b42318"}
BANDS: Final = {GREEN: "#ecfdf3", AMBER: "#fffaeb", RED: "#fef3f2"}


class Direction(str, Enum):
    HIGHER_IS_BETTER = "higher"  # e.g. availability, patch compliance
    LOWER_IS_BETTER = "lower"  # e.g. incidents, open findings, response time


class ThresholdError(ValueError):
    def __init__(self, field: str, message_en: str, message_zh: str) -> None:
        super().__init__(f"{field}: {message_en}")
        self.field = field
        self.message_en = message_en
        self.message_zh = message_zh


@dataclass(frozen=True)
class Thresholds:
    """``green`` is where green starts, ``amber`` where amber starts; beyond amber is red."""

    direction: Direction
    green: Decimal
    amber: Decimal

    def __post_init__(self) -> None:
        if self.direction is Direction.HIGHER_IS_BETTER and self.amber > self.green:
            raise ThresholdError(
                "amber",
                "when higher is better, the amber threshold must not be above the green one",
                "數值愈高愈好時，黃燈門檻不得高於綠燈門檻",
            )
        if self.direction is Direction.LOWER_IS_BETTER and self.amber < self.green:
            raise ThresholdError(
                "amber",
                "when lower is better, the amber threshold must not be below the green one",
                "數值愈低愈好時，黃燈門檻不得低於綠燈門檻",
            )


def rag(value: Decimal, thresholds: Thresholds) -> str:
    """green, amber or red; a value exactly on a threshold takes the better colour."""
    if thresholds.direction is Direction.HIGHER_IS_BETTER:
        if value >= thresholds.green:
            return GREEN
        return AMBER if value >= thresholds.amber else RED
    if value <= thresholds.green:
        return GREEN
    return AMBER if value <= thresholds.amber else RED


@dataclass(frozen=True)
class Point:
    day: dt.date
    value: Decimal


def _fmt(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if len(text) <= 10 else f"{float(value):.4g}"


def trend_svg(
    points: Sequence[Point],
    thresholds: Thresholds,
    *,
    title: str,
    empty_text: str,
    width: int = 640,
    height: int = 220,
) -> str:
    """A line chart of the measurements over time, the green/amber/red zones behind it and
    each point coloured by its status. Text is escaped; the SVG carries a <title> for screen
    readers (the page also lists the values in a table)."""
    pad_left, pad_right, pad_top, pad_bottom = 56, 16, 14, 30
    plot_w = width - pad_left - pad_right
    plot_h = height - pad_top - pad_bottom
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="kpi-trend" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f"aria-label={quoteattr(title)}>",
        f"<title>{escape(title)}</title>",
    ]
    if not points:
        out.append(
            f'<text x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle" '
            f'fill="#5f6b7a" font-size="13">{escape(empty_text)}</text></svg>'
        )
        return "".join(out)
    ordered = sorted(points, key=lambda p: p.day)
    values = [p.value for p in ordered] + [thresholds.green, thresholds.amber]
    low, high = min(values), max(values)
    span = high - low
    if span == 0:
        span = abs(high) or Decimal(1)
    low -= span / 10
    high += span / 10

    def y_of(value: Decimal) -> float:
        return pad_top + float((high - value) / (high - low)) * plot_h

    first, last = ordered[0].day, ordered[-1].day
    days = max((last - first).days, 1)

    def x_of(day: dt.date) -> float:
        if first == last:
            return pad_left + plot_w / 2
        return pad_left + (day - first).days / days * plot_w

    # Zones: green beyond the green threshold, amber between, red beyond amber.
    g, a = y_of(thresholds.green), y_of(thresholds.amber)
    top, bottom = float(pad_top), float(pad_top + plot_h)
    if thresholds.direction is Direction.HIGHER_IS_BETTER:
        zones = [(GREEN, top, g), (AMBER, g, a), (RED, a, bottom)]
    else:
        zones = [(RED, top, a), (AMBER, a, g), (GREEN, g, bottom)]
    for colour, zone_top, zone_bottom in zones:
        y1, y2 = max(zone_top, top), min(zone_bottom, bottom)
        if y2 > y1:
            out.append(
                f'<rect x="{pad_left}" y="{y1:.1f}" width="{plot_w}" height="{y2 - y1:.1f}" '
                f'fill="{BANDS[colour]}"/>'
            )
    for value, colour in ((thresholds.green, GREEN), (thresholds.amber, AMBER)):
        y = y_of(value)
        out.append(
            f'<line x1="{pad_left}" x2="{pad_left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{COLOURS[colour]}" stroke-dasharray="4 3" stroke-width="1"/>'
            f'<text x="{pad_left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="{COLOURS[colour]}">{escape(_fmt(value))}</text>'
        )
    out.append(
        f'<line x1="{pad_left}" x2="{pad_left}" y1="{top}" y2="{bottom}" stroke="#b8c0cc"/>'
        f'<line x1="{pad_left}" x2="{pad_left + plot_w}" y1="{bottom}" y2="{bottom}" '
        'stroke="#b8c0cc"/>'
    )
    coords = [(x_of(p.day), y_of(p.value)) for p in ordered]
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        out.append(f'<polyline points="{path}" fill="none" stroke="#0b4f8a" stroke-width="2"/>')
    for point, (x, y) in zip(ordered, coords, strict=True):
        status = rag(point.value, thresholds)
        label = f"{point.day.isoformat()}: {_fmt(point.value)}"
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{COLOURS[status]}" '
            f'data-status="{status}"><title>{escape(label)}</title></circle>'
        )
    out.append(
        f'<text x="{pad_left}" y="{height - 8}" font-size="11" fill="#5f6b7a">'
        f"{first.isoformat()}</text>"
    )
    if last != first:
        out.append(
            f'<text x="{pad_left + plot_w}" y="{height - 8}" text-anchor="end" font-size="11" '
            f'fill="#5f6b7a">{last.isoformat()}</text>'
        )
    out.append("</svg>")
    return "".join(out)
