"""Month arithmetic, the periods an outage touches (Asia/Taipei), the month grid."""

from __future__ import annotations

import datetime as dt

import pytest

from fincloud.oversight import dates


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2026, 8, 31), 6, dt.date(2027, 2, 28)),
        (dt.date(2026, 3, 15), -3, dt.date(2025, 12, 15)),
        (dt.date(2026, 12, 1), 12, dt.date(2027, 12, 1)),
    ],
)
def test_add_months(day: dt.date, months: int, expected: dt.date) -> None:
    assert dates.add_months(day, months) == expected


def test_periods_are_taipei_calendar_months_and_quarters() -> None:
    # 2026-03-31T17:00Z is 2026-04-01 01:00 in Taipei: April, Q2.
    start = dt.datetime(2026, 3, 31, 15, 0, tzinfo=dt.UTC)
    end = dt.datetime(2026, 3, 31, 17, 0, tzinfo=dt.UTC)
    assert dates.periods_touching(start, end) == ["2026-03", "2026-04", "2026-Q1", "2026-Q2"]
    long = dates.periods_touching(
        dt.datetime(2025, 11, 20, tzinfo=dt.UTC), dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    )
    assert long == ["2025-11", "2025-12", "2026-01", "2026-02", "2025-Q4", "2026-Q1"]


def test_an_interval_of_more_than_ten_years_is_refused() -> None:
    with pytest.raises(ValueError, match="120 months"):
        dates.periods_touching(
            dt.datetime(2000, 1, 1, tzinfo=dt.UTC), dt.datetime(2011, 1, 1, tzinfo=dt.UTC)
        )


def test_period_last_day() -> None:
    assert dates.period_last_day("2026-02") == dt.date(2026, 2, 28)
    assert dates.period_last_day("2026-Q4") == dt.date(2026, 12, 31)


def test_the_month_grid_starts_on_sunday() -> None:
    weeks = dates.month_grid(2026, 11)
    assert weeks[0][0] == dt.date(2026, 11, 1)  # a Sunday
    assert all(len(w) == 7 and w[0].weekday() == 6 for w in weeks)
    assert weeks[-1][-1] >= dt.date(2026, 11, 30)


def test_the_default_policy_covers_every_classification_and_raises_never_lengthen() -> None:
    assert set(dates.DEFAULT_REVIEW_MONTHS) == {
        "material_consumer_finance_offshore",
        "material_offshore",
        "non_material_offshore",
        "domestic",
        "out_of_scope",
    }
    assert all(raised <= normal for normal, raised in dates.DEFAULT_REVIEW_MONTHS.values())
