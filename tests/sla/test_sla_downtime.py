"""Ch 3.4: the downtime table, reproduced from the manual's own text."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from fincloud.sla import MANUAL_TABLE, SlaError, downtime, parse_percent, table
from fincloud.sla.downtime import format_duration


def manual_table_lines(manual_path: Path) -> list[str]:
    lines = manual_path.read_text(encoding="utf-8").splitlines()
    start = lines.index("服務水準 每年停機時間 每月停機時間 每週停機時間")
    return [line for line in lines[start : start + 7] if line.strip()]


def test_table_reproduces_the_manual_exactly(manual_path: Path) -> None:
    assert table("zh-TW").splitlines() == manual_table_lines(manual_path)


def test_each_of_the_five_rows_prints_as_the_manual_prints_it(manual_path: Path) -> None:
    rows = manual_table_lines(manual_path)[1:]
    for availability, expected in zip(
        ["99", "99.9", "99.95", "99.99", "99.999"], rows, strict=True
    ):
        assert downtime(parse_percent(availability)).row() == expected


def test_computed_figures_match_the_manual_except_its_one_rounding() -> None:
    """Every printed figure is the exact value in the manual's unit, rounded to at most four
    significant digits, except 99.99 % per week: 1.008 minutes, printed 1.01 (RULES.md §6)."""
    mismatches = []
    for availability, cells in MANUAL_TABLE.items():
        result = downtime(availability)
        seconds = (result.per_year_seconds, result.per_month_seconds, result.per_week_seconds)
        for (figure, unit), value in zip(cells, seconds, strict=True):
            computed = format_duration(value, "en")
            if computed != f"{figure} {unit}":
                mismatches.append((str(availability), figure, computed))
    assert mismatches == [("99.99", "1.01", "1.008 min")]


def test_downtime_is_exact_decimal() -> None:
    result = downtime(Decimal("99.99"))
    assert result.per_week_seconds == Decimal("60.48")
    assert result.per_year_seconds == Decimal("3153.6")
    assert downtime(Decimal("99.9")).to_json() == {
        "availability_percent": 99.9,
        "per_year_seconds": 31536,
        "per_month_seconds": 2592,
        "per_week_seconds": 604.8,
    }
    # 8.76 hours a year at 99.9 %, the example in the text of Ch 3.4
    assert downtime(Decimal("99.9")).per_year_seconds / 3600 == Decimal("8.76")


def test_values_outside_the_table_are_computed_in_the_manuals_units() -> None:
    assert downtime(Decimal("99.5")).row() == "99.5% 43.8小時 3.6小時 50.4分鐘"
    assert downtime(Decimal("99.97")).row("en") == "99.97% 2.628 h 12.96 min 3.024 min"
    assert downtime(Decimal("100")).row() == "100% 0秒 0秒 0秒"


def test_the_trailing_zero_form_of_a_table_row_is_the_same_row() -> None:
    assert downtime(parse_percent("99.990")).row() == "99.99% 52.56分鐘 4.32分鐘 1.01分鐘"
    assert parse_percent("99.95%") == Decimal("99.95")


@pytest.mark.parametrize("text", ["0", "-1", "100.5", "1e3", "abc", "NaN", "Infinity", ""])
def test_availability_outside_zero_to_hundred_is_refused(text: str) -> None:
    with pytest.raises(SlaError) as info:
        parse_percent(text)
    assert info.value.where == "AVAILABILITY"
    assert "(0, 100]" in info.value.rule_en


def test_determination_carries_the_table_row_citation() -> None:
    record = downtime(Decimal("99.95")).determination().to_record()
    assert record["citations"] == ("ch3.4.sla_table", "ch3.4.sla_table.r3")
    assert record["rule_version"] == "rules-2025.1"
    assert downtime(Decimal("99.5")).citations == ("ch3.4.sla_table",)
