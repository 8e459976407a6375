"""Red/amber/green of KPI/KRI (Ch 3.4 (d)) and the server-drawn trend chart."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fincloud.oversight import kpi


def parse_svg(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - the SVG we drew ourselves, not untrusted input


HIGHER = kpi.Thresholds(kpi.Direction.HIGHER_IS_BETTER, D("99.95"), D("99.9"))
LOWER = kpi.Thresholds(kpi.Direction.LOWER_IS_BETTER, D("0"), D("2"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [("100", "green"), ("99.95", "green"), ("99.94", "amber"), ("99.9", "amber"), ("99.89", "red")],
)
def test_higher_is_better(value: str, expected: str) -> None:
    assert kpi.rag(D(value), HIGHER) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [("0", "green"), ("1", "amber"), ("2", "amber"), ("3", "red")]
)
def test_lower_is_better(value: str, expected: str) -> None:
    assert kpi.rag(D(value), LOWER) == expected


def test_thresholds_in_the_wrong_order_name_the_field() -> None:
    with pytest.raises(kpi.ThresholdError) as caught:
        kpi.Thresholds(kpi.Direction.HIGHER_IS_BETTER, D("99.9"), D("99.95"))
    assert caught.value.field == "amber"
    with pytest.raises(kpi.ThresholdError):
        kpi.Thresholds(kpi.Direction.LOWER_IS_BETTER, D("2"), D("1"))


@given(
    value=st.decimals(-1000, 1000, places=3),
    green=st.decimals(-1000, 1000, places=3),
    gap=st.decimals(0, 100, places=3),
)
def test_a_better_value_never_gets_a_worse_colour(value: D, green: D, gap: D) -> None:
    order = {"green": 0, "amber": 1, "red": 2}
    higher = kpi.Thresholds(kpi.Direction.HIGHER_IS_BETTER, green, green - gap)
    lower = kpi.Thresholds(kpi.Direction.LOWER_IS_BETTER, green, green + gap)
    assert order[kpi.rag(value + 1, higher)] <= order[kpi.rag(value, higher)]
    assert order[kpi.rag(value - 1, lower)] <= order[kpi.rag(value, lower)]


def test_the_chart_is_well_formed_svg_with_a_point_per_measurement_coloured_by_status() -> None:
    points = [
        kpi.Point(dt.date(2026, 1, 31), D("99.99")),
        kpi.Point(dt.date(2026, 2, 28), D("99.92")),
        kpi.Point(dt.date(2026, 3, 31), D("99.5")),
    ]
    svg = kpi.trend_svg(points, HIGHER, title="月可用性 <script>alert(1)</script>", empty_text="—")
    root = parse_svg(svg)  # well-formed: the title was escaped
    ns = "{http://www.w3.org/2000/svg}"
    assert root.find(f"{ns}title").text == "月可用性 <script>alert(1)</script>"
    circles = root.findall(f".//{ns}circle")
    assert [c.get("data-status") for c in circles] == ["green", "amber", "red"]
    assert len(root.findall(f".//{ns}polyline")) == 1
    assert "<script>" not in svg


def test_an_empty_chart_says_so() -> None:
    svg = kpi.trend_svg([], LOWER, title="t", empty_text="No measurements yet.")
    assert "No measurements yet." in svg
    parse_svg(svg)


def test_one_point_and_all_equal_values_still_draw() -> None:
    flat = [kpi.Point(dt.date(2026, 1, 1), D("0")), kpi.Point(dt.date(2026, 1, 1), D("0"))]
    parse_svg(
        kpi.trend_svg(
            flat,
            kpi.Thresholds(kpi.Direction.LOWER_IS_BETTER, D(0), D(0)),
            title="t",
            empty_text="",
        )
    )
