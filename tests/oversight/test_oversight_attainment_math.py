"""Attainment of many services for one period from one list of outage rows: the Ch 3.4 table's
own numbers, credits, and property tests against a minute-by-minute count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fincloud.oversight import attainment as bulk
from fincloud.sla.attainment import TAIPEI, parse_period

NOVEMBER = parse_period("2026-11")  # 30 days: the manual's month
NOW = dt.datetime(2027, 1, 1, tzinfo=dt.UTC)


def at(day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, second, tzinfo=TAIPEI).astimezone(dt.UTC)


# Ch 3.4: availability -> downtime allowed per month (30 days), as the manual prints it.
MANUAL_MONTH = [
    ("99", D("432")),
    ("99.9", D("43.2")),
    ("99.95", D("21.6")),
    ("99.99", D("4.32")),
    ("99.999", D("0.432")),
]


@pytest.mark.parametrize(("target", "allowed_minutes"), MANUAL_MONTH)
def test_the_manuals_monthly_allowance_is_met_exactly_and_breached_one_second_over(
    target: str, allowed_minutes: D
) -> None:
    start = at(10, 8)
    exact = start + dt.timedelta(minutes=float(allowed_minutes))
    targets = {1: bulk.TargetSpec(D(target)), 2: bulk.TargetSpec(D(target))}
    rows = [(1, start, exact, False), (2, start, exact + dt.timedelta(seconds=1), False)]
    results = bulk.compute(rows, targets, NOVEMBER, NOW)
    met, breached = results[1].attainment, results[2].attainment
    assert met.allowed_minutes == allowed_minutes
    assert met.downtime_minutes == allowed_minutes and met.breach is False
    assert met.availability_percent == D(target)
    assert breached.breach is True


def test_overlaps_merge_planned_is_left_out_ongoing_counts_to_now_and_others_do_not_leak() -> None:
    targets = {1: bulk.TargetSpec(D("99.9")), 2: bulk.TargetSpec(D("99.9"), planned_excluded=False)}
    rows = [
        (1, at(2, 2, 10), at(2, 2, 40), False),
        (1, at(2, 2, 30), at(2, 2, 55), False),  # overlaps: 45 minutes in all
        (1, at(3, 1), at(3, 3), True),  # planned: left out for service 1
        (2, at(3, 1), at(3, 3), True),  # counted for service 2 (its contract counts it)
        (9, at(4), at(5), False),  # a service without a target
    ]
    results = bulk.compute(rows, targets, NOVEMBER, NOW)
    assert results[1].attainment.downtime_minutes == 45
    assert results[1].attainment.breach is True
    assert results[2].attainment.downtime_minutes == 120
    assert set(results) == {1, 2}
    ongoing = bulk.compute(
        [(1, at(30, 23, 0), None, False)], {1: bulk.TargetSpec(D("99"))}, NOVEMBER, at(30, 23, 30)
    )
    assert ongoing[1].attainment.downtime_minutes == 30


def test_an_outage_spanning_the_period_boundary_is_clipped() -> None:
    targets = {1: bulk.TargetSpec(D("99.9"))}
    rows = [(1, at(1) - dt.timedelta(hours=5), at(1, 0, 20), False)]
    assert bulk.compute(rows, targets, NOVEMBER, NOW)[1].attainment.downtime_minutes == 20


def test_credits_follow_the_tiers_in_the_contracts_period_only() -> None:
    terms = ({"below": "99.95", "credit_percent": "10"}, {"below": "99", "credit_percent": "25"})
    assert bulk.credit_due(D("99.96"), terms) is None
    assert bulk.credit_due(D("99.94"), terms) == 10
    assert bulk.credit_due(D("98"), terms) == 25
    monthly = {1: bulk.TargetSpec(D("99.95"), credit_terms=terms)}
    quarterly = {1: bulk.TargetSpec(D("99.95"), credit_terms=terms, period=bulk.QUARTERLY)}
    rows = [(1, at(5), at(5, 1), False)]  # 60 minutes: 99.861 %
    assert bulk.compute(rows, monthly, NOVEMBER, NOW)[1].credit_percent == 10
    assert bulk.compute(rows, quarterly, NOVEMBER, NOW)[1].credit_percent is None
    q4 = parse_period("2026-Q4")
    assert bulk.compute(rows, quarterly, q4, NOW)[1].credit_percent is None  # 99.95+ over 92 days


# -- properties against a minute-by-minute count --------------------------------------------

MINUTES = 30 * 24 * 60
spans = st.lists(
    st.tuples(st.integers(-600, MINUTES + 600), st.integers(0, 3000), st.booleans()), max_size=12
)


def _rows(raw: list[tuple[int, int, bool]]) -> list[bulk.Row]:
    base = NOVEMBER.start
    return [
        (1, base + dt.timedelta(minutes=s), base + dt.timedelta(minutes=s + length), planned)
        for s, length, planned in raw
    ]


def _oracle(raw: list[tuple[int, int, bool]], include_planned: bool) -> int:
    down: set[int] = set()
    for start, length, planned in raw:
        if planned and not include_planned:
            continue
        down.update(m for m in range(max(start, 0), min(start + length, MINUTES)))
    return len(down)


@settings(max_examples=150, deadline=None)
@given(raw=spans, excluded=st.booleans())
def test_downtime_is_the_union_of_the_outages_inside_the_period(raw: list, excluded: bool) -> None:
    targets = {1: bulk.TargetSpec(D("99.9"), planned_excluded=excluded)}
    result = bulk.compute(_rows(raw), targets, NOVEMBER, NOW)[1].attainment
    expected = _oracle(raw, include_planned=not excluded)
    assert result.downtime_minutes == expected
    exact = D(100) * (MINUTES - expected) / MINUTES
    assert abs(result.availability_percent - exact) < D("1e-20")
    assert result.breach == (expected > D("43.2"))


@settings(max_examples=100, deadline=None)
@given(raw=spans, extra=st.tuples(st.integers(-600, MINUTES), st.integers(0, 600), st.booleans()))
def test_order_and_duplicates_do_not_matter_and_more_outages_never_raise_availability(
    raw: list, extra: tuple[int, int, bool]
) -> None:
    targets = {1: bulk.TargetSpec(D("99.9"))}

    def availability(rows: list) -> D:
        return bulk.compute(_rows(rows), targets, NOVEMBER, NOW)[1].attainment.availability_percent

    base = availability(raw)
    assert availability(list(reversed(raw))) == base
    assert availability(raw + raw) == base
    assert availability([*raw, extra]) <= base
    assert D(0) <= base <= D(100)
