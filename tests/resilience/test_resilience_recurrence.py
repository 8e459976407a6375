"""Recurring incidents (Ch 8.2: frequently recurring incidents that become a systemic problem
call for mitigation); "frequently" is the institution's threshold within a window."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fincloud.resilience.recurrence import Occurrence, recurrence_of, recurrences

UTC = dt.UTC
T0 = dt.datetime(2026, 1, 1, tzinfo=UTC)
WINDOW = dt.timedelta(days=90)


def occ(ident: str, day: int, service: str | None = "svc", category: str = "outage") -> Occurrence:
    return Occurrence(ident, service, category, T0 + dt.timedelta(days=day))


def test_third_outage_in_ninety_days_is_recurring() -> None:
    history = [occ("1", 0), occ("2", 40)]
    found = recurrence_of(occ("3", 80), history, threshold=3, window=WINDOW)
    assert found is not None
    assert found.idents == ("1", "2", "3")
    assert found.count == 3


def test_two_are_not_enough_and_other_services_or_categories_do_not_count() -> None:
    history = [occ("1", 0), occ("2", 40, service="other"), occ("4", 50, category="malware")]
    assert recurrence_of(occ("3", 80), history, threshold=3, window=WINDOW) is None


def test_incidents_outside_the_window_do_not_count() -> None:
    history = [occ("1", 0), occ("2", 40)]
    assert recurrence_of(occ("3", 95), history, threshold=3, window=WINDOW) is None


def test_a_later_incident_can_complete_a_group_around_an_earlier_one() -> None:
    history = [occ("1", 0), occ("3", 60)]
    found = recurrence_of(occ("2", 30), history, threshold=3, window=WINDOW)
    assert found is not None and found.idents == ("1", "2", "3")


def test_recurrences_over_a_history() -> None:
    history = [occ(str(i), d) for i, d in enumerate([0, 10, 20, 200, 300, 310, 320, 330])]
    groups = recurrences(history, threshold=3, window=dt.timedelta(days=30))
    assert [g.idents for g in groups] == [("0", "1", "2"), ("4", "5", "6", "7")]


def test_threshold_and_window_are_checked() -> None:
    with pytest.raises(ValueError, match="threshold"):
        recurrence_of(occ("1", 0), [], threshold=1, window=WINDOW)
    with pytest.raises(ValueError, match="window"):
        recurrence_of(occ("1", 0), [], threshold=3, window=dt.timedelta(0))


@given(
    days=st.lists(st.integers(min_value=0, max_value=365), min_size=1, max_size=15),
    threshold=st.integers(min_value=2, max_value=5),
    window_days=st.integers(min_value=1, max_value=120),
)
def test_a_found_group_holds_the_target_fits_the_window_and_reaches_the_threshold(
    days: list[int], threshold: int, window_days: int
) -> None:
    history = [occ(str(i), d) for i, d in enumerate(days)]
    target = history[-1]
    window = dt.timedelta(days=window_days)
    found = recurrence_of(target, history[:-1], threshold=threshold, window=window)
    in_window_of_target = [o for o in history if abs(o.detected_at - target.detected_at) <= window]
    if found is None:
        # No window holding the target has threshold incidents.
        assert all(
            len([o for o in history if s.detected_at <= o.detected_at <= s.detected_at + window])
            < threshold
            for s in history
            if s.detected_at <= target.detected_at <= s.detected_at + window
        )
    else:
        assert target.ident in found.idents
        assert found.count >= threshold
        assert found.last - found.first <= window
        assert set(found.idents) <= {o.ident for o in in_window_of_target}
