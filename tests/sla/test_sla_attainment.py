"""SLA attainment from outage records over a period in Asia/Taipei."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fincloud.sla import SlaError
from fincloud.sla.attainment import (
    Outage,
    attainment,
    clip,
    merge,
    parse_period,
    parse_time,
    read_outages,
)


def outages(csv_text: str) -> list[Outage]:
    return read_outages(io.StringIO(csv_text), "o.csv")


def test_periods_are_calendar_months_quarters_and_years_in_taipei() -> None:
    january = parse_period("2026-01")
    assert january.start == datetime(2025, 12, 31, 16, tzinfo=UTC)  # 00:00 +08:00
    assert january.length == timedelta(days=31)
    assert parse_period("2026-02").length == timedelta(days=28)
    assert parse_period("2028-02").length == timedelta(days=29)
    assert parse_period("2026-Q1").length == timedelta(days=90)
    assert parse_period("2026-Q4").end == datetime(2026, 12, 31, 16, tzinfo=UTC)
    assert parse_period("2024").length == timedelta(days=366)


@pytest.mark.parametrize("text", ["2026-13", "2026-00", "2026-Q5", "26-01", "2026/01", "Jan"])
def test_bad_periods_are_refused(text: str) -> None:
    with pytest.raises(SlaError) as info:
        parse_period(text)
    assert info.value.where == "--period"


def test_a_time_without_offset_is_taipei_time() -> None:
    assert parse_time("2026-01-01T00:00", "x") == datetime(2025, 12, 31, 16, tzinfo=UTC)
    assert parse_time("2026-01-01T00:00Z", "x") == datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_time("2026-01-01T09:00+09:00", "x") == datetime(2026, 1, 1, tzinfo=UTC)


def test_clipping_merging_and_planned_maintenance() -> None:
    records = outages(
        "start,end,planned\n"
        # 30 minutes before the month (Taipei) and 30 inside it: only 30 count
        "2025-12-31T23:30,2026-01-01T00:30,false\n"
        # two overlapping records: 10:00-10:40 and 10:20-11:00 -> 60 minutes, not 80
        "2026-01-10T10:00,2026-01-10T10:40,false\n"
        "2026-01-10T10:20,2026-01-10T11:00,false\n"
        # planned maintenance, 120 minutes
        "2026-01-20T01:00,2026-01-20T03:00,true\n"
        # given in UTC: 2026-01-31T15:50Z is 23:50 Taipei; 10 minutes fall in January
        "2026-01-31T15:50Z,2026-01-31T16:20Z,FALSE\n"
    )
    period = parse_period("2026-01")
    result = attainment(records, period, Decimal("99.95"))
    assert result.downtime_minutes == Decimal(100)
    assert result.period_minutes == Decimal(44640)
    assert result.allowed_minutes == Decimal("22.32")
    assert result.breach
    with_planned = attainment(records, period, Decimal("99.95"), include_planned=True)
    assert with_planned.downtime_minutes == Decimal(220)
    expected = Decimal(100) * (1 - Decimal(100) / Decimal(44640))
    assert result.availability_percent.quantize(Decimal("1e-20")) == expected.quantize(
        Decimal("1e-20")
    )


def test_breach_only_when_downtime_exceeds_the_allowance() -> None:
    period = parse_period("2026-01")  # 44640 minutes; 99.95 % allows 22.32 minutes
    start = datetime(2026, 1, 5, 2, tzinfo=UTC)
    exact = [Outage(start, start + timedelta(minutes=22, seconds=19, microseconds=200000))]
    assert not attainment(exact, period, Decimal("99.95")).breach
    over = [Outage(start, start + timedelta(minutes=22, seconds=20))]
    assert attainment(over, period, Decimal("99.95")).breach
    assert attainment([], period, Decimal("99.95")).to_json() == {
        "availability_percent": 100,
        "downtime_minutes": 0,
        "allowed_minutes": 22.32,
        "breach": False,
    }


@pytest.mark.parametrize(
    ("csv_text", "where", "rule"),
    [
        ("begin,end,planned\n", "o.csv line 1", "missing start"),
        ("start,end\n", "o.csv line 1", "missing planned"),
        (
            "start,end,planned\n2026-01-01T00:00,soon,false\n",
            "o.csv line 2, column end",
            "ISO 8601",
        ),
        (
            "start,end,planned\n2026-01-01T00:00,2026-01-01T01:00,false\n"
            "2026-01-02T00:00,2026-01-01T23:00,false\n",
            "o.csv line 3, column end",
            "ends before it starts",
        ),
        (
            "start,end,planned\n2026-01-01,2026-01-02,maybe\n",
            "o.csv line 2, column planned",
            "true or false",
        ),
    ],
)
def test_bad_csv_names_line_and_column(csv_text: str, where: str, rule: str) -> None:
    with pytest.raises(SlaError) as info:
        outages(csv_text)
    assert info.value.where == where
    assert rule in info.value.rule_en


def test_extra_columns_and_blank_rows_are_ignored() -> None:
    records = outages(
        "note,start,end,planned\nDB failover,2026-01-01,2026-01-01T00:05,false\n,,,\n"
    )
    assert len(records) == 1


# -- properties --------------------------------------------------------------------------------

BASE = datetime(2026, 1, 1, tzinfo=UTC)
intervals = st.lists(
    st.tuples(st.integers(-10_000, 60_000), st.integers(0, 5_000)).map(
        lambda t: (BASE + timedelta(minutes=t[0]), BASE + timedelta(minutes=t[0] + t[1]))
    ),
    max_size=30,
)


@given(intervals)
def test_merging_is_idempotent_and_never_counts_twice(
    spans: list[tuple[datetime, datetime]],
) -> None:
    merged = merge(spans)
    assert merge(merged) == merged
    assert all(a[1] < b[0] for a, b in itertools.pairwise(merged))
    total = sum((e - s for s, e in merged), timedelta())
    assert total <= sum((e - s for s, e in spans), timedelta())
    if spans:
        assert total >= max(e - s for s, e in spans)


@given(intervals, st.booleans(), st.sampled_from(["2026-01", "2026-Q1", "2026", "2025-12"]))
def test_attainment_lies_between_zero_and_hundred(
    spans: list[tuple[datetime, datetime]], planned: bool, label: str
) -> None:
    period = parse_period(label)
    records = [Outage(s, e, planned=i % 2 == 0 and planned) for i, (s, e) in enumerate(spans)]
    result = attainment(records, period, Decimal("99.9"), include_planned=True)
    assert 0 <= result.availability_percent <= 100
    assert result.downtime_minutes <= result.period_minutes
    assert clip(clip(spans, period), period) == clip(spans, period)
