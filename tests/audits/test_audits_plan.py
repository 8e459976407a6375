"""The audit plan from the Ch 7.1 cadence table (RULES.md §3): class 1 -> 12 months and a
special audit; class 2 -> 12; classes 3 and 4 -> 24, or the institution's policy."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fincloud.audits.plan import PLAN_KIND, PlanInput, add_months, plan_for
from fincloud.catalog import load_catalog

TODAY = dt.date(2026, 11, 25)
CATALOG = load_catalog()


def entry(
    cls, *, last=None, special=None, baseline=dt.date(2025, 1, 15), policy=None, material=False
):
    return plan_for(
        PlanInput(
            classification=cls,
            service_model="SaaS",
            material=material,
            last_general=last,
            last_special=special,
            baseline=baseline,
            policy_months=policy,
        ),
        TODAY,
    )


@pytest.mark.parametrize(
    ("cls", "number", "months", "special"),
    [
        ("material_consumer_finance_offshore", 1, 12, True),
        ("material_offshore", 2, 12, False),
        ("non_material_offshore", 3, 24, False),
        ("domestic", 4, 24, False),
    ],
)
def test_the_manuals_cadence_table(cls, number, months, special):
    e = entry(cls, last=dt.date(2025, 6, 30), special=dt.date(2025, 9, 1))
    assert e.classification_number == number
    assert e.interval_months == months
    assert e.special_required is special
    assert e.next_general_due == add_months(dt.date(2025, 6, 30), months)
    assert e.next_special_due == (dt.date(2026, 9, 1) if special else None)
    # The catalog's own cadence row says the same number of months.
    row = CATALOG.get(f"ch7.1.cadence.r{number}")
    assert row.data["interval_months"] == months
    assert row.data["special_audit"] is special
    assert f"ch7.1.cadence.r{number}" in e.determination.citations


def test_class_1_general_and_special_audits_are_due_separately():
    e = entry("material_consumer_finance_offshore", last=dt.date(2026, 3, 1), special=None)
    assert e.next_general_due == dt.date(2027, 3, 1)
    # Never had a special audit: due a year after the service went into use, so overdue now.
    assert e.next_special_due == dt.date(2026, 1, 15)
    assert e.overdue(TODAY)


def test_policy_changes_classes_3_and_4_only():
    e3 = entry("non_material_offshore", last=dt.date(2025, 6, 30), policy=36)
    assert (e3.interval_months, e3.default_interval_months, e3.policy_applied) == (36, 24, True)
    assert e3.next_general_due == dt.date(2028, 6, 30)
    assert "機構政策" in " ".join(e3.determination.explanation_zh)
    e4 = entry("domestic", last=dt.date(2025, 6, 30), policy=18)
    assert e4.next_general_due == dt.date(2026, 12, 30)
    # The manual's "at least once a year" for classes 1 and 2 is not the policy's to change.
    e2 = entry("material_offshore", last=dt.date(2025, 6, 30), policy=36)
    assert (e2.interval_months, e2.policy_applied) == (12, False)
    # A policy equal to the default is not an adjustment.
    assert entry("domestic", policy=24).policy_applied is False


def test_overdue_flag():
    assert entry("material_offshore", last=dt.date(2025, 11, 24)).overdue(TODAY)
    assert not entry("material_offshore", last=dt.date(2025, 11, 25)).overdue(TODAY)


def test_never_audited_counts_from_the_start_of_use_or_is_due_now():
    assert entry("domestic", baseline=dt.date(2025, 1, 15)).next_general_due == dt.date(2027, 1, 15)
    assert entry("domestic", baseline=None).next_general_due == TODAY


def test_unclassified_and_out_of_scope_have_no_plan():
    assert entry("") is None
    assert entry("out_of_scope") is None


def test_material_services_add_the_focus_items():
    e = entry("domestic", material=True)
    assert e.focus_items
    assert {f"ch7.3.focus.{x}" for x in "abcdef"} <= set(e.determination.citations)
    assert not entry("domestic").focus_items


def test_the_determination_is_complete_and_bilingual():
    det = entry("material_offshore", last=dt.date(2025, 6, 30)).determination
    assert det.kind == PLAN_KIND
    record = det.to_record()
    assert record["outcome"]["next_general_due"] == "2026-06-30"
    assert record["inputs"]["last_general"] == "2025-06-30"
    assert len(det.explanation_zh) == len(det.explanation_en)
    for cid in det.citations:
        assert CATALOG.find(cid) is not None, cid


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2025, 11, 30), 24) == dt.date(2027, 11, 30)


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 1, 1)), st.integers(1, 60))
def test_add_months_moves_exactly_that_many_calendar_months(day, months):
    later = add_months(day, months)
    assert (later.year * 12 + later.month) - (day.year * 12 + day.month) == months
    assert later.day <= day.day
