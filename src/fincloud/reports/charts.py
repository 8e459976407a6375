"""Charts drawn on the server with matplotlib, as SVG whose labels stay text (so the PDF holds
searchable Chinese and WeasyPrint sets it in the Noto CJK font). Plain Python, no Django."""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence
from typing import Any

FONTS = ["Noto Sans CJK TC", "Noto Sans CJK JP", "DejaVu Sans"]
BAR = "#2f5d8a"
ACCENT = "#c0504d"
_LOCK = threading.Lock()  # pyplot's state is global; the worker may run tasks in threads


def _figure(width: float, height: float) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    matplotlib.rcParams["svg.fonttype"] = "none"
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = FONTS
    matplotlib.rcParams["svg.hashsalt"] = "fincloud"  # the same data, the same SVG
    fig = Figure(figsize=(width, height))
    ax = fig.add_subplot(1, 1, 1)
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    return fig, ax


def _out(fig: Any, fmt: str = "svg") -> bytes:
    buffer = io.BytesIO()
    fig.savefig(
        buffer, format=fmt, bbox_inches="tight", metadata={"Date": None} if fmt == "svg" else None
    )
    return buffer.getvalue()


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    highlight: Sequence[float] | None = None,
    legend: tuple[str, str] | None = None,
    xlabel: str = "",
    horizontal: bool = True,
    fmt: str = "svg",
) -> bytes:
    """Bars (horizontal by default, the first label on top), with an optional second series
    drawn over them (e.g. the material services of each CSP)."""
    with _LOCK:
        height = max(1.6, 0.38 * len(labels) + 0.9) if horizontal else 3.2
        fig, ax = _figure(7.2, height)
        positions = list(range(len(labels)))
        if horizontal:
            ax.barh(positions, values, color=BAR, label=legend[0] if legend else None)
            if highlight is not None:
                ax.barh(positions, highlight, color=ACCENT, label=legend[1] if legend else None)
            ax.set_yticks(positions, labels)
            ax.invert_yaxis()
            for y, value in zip(positions, values, strict=True):
                ax.text(value, y, f" {value:g}", va="center", fontsize=8)
            if xlabel:
                ax.set_xlabel(xlabel)
        else:
            ax.bar(positions, values, color=BAR, label=legend[0] if legend else None)
            if highlight is not None:
                ax.bar(positions, highlight, color=ACCENT, label=legend[1] if legend else None)
            ax.set_xticks(positions, labels)
            for x, value in zip(positions, values, strict=True):
                ax.text(x, value, f"{value:g}", ha="center", va="bottom", fontsize=8)
            if xlabel:
                ax.set_ylabel(xlabel)
        ax.tick_params(labelsize=8)
        if all(float(v).is_integer() for v in values):
            # Counts: whole-number ticks only (no 0.5 of a service).
            from matplotlib.ticker import MaxNLocator

            (ax.xaxis if horizontal else ax.yaxis).set_major_locator(MaxNLocator(integer=True))
        if legend:
            ax.legend(fontsize=8, frameon=False, loc="lower right")
        if not any(values):
            ax.set_xlim(0, 1) if horizontal else ax.set_ylim(0, 1)
        return _out(fig, fmt)


def svg_text(data: bytes) -> str:
    return data.decode("utf-8")
