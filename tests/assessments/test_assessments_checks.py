"""Certificates on the planned start date, contract rows (Annex 3, Ch 3.3), re-evaluation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from fincloud.assessments.checks import (
    Exposure,
    RowState,
    Thresholds,
    certificate_status,
    exposure_growth,
    nature_changes,
    row_problems,
)

TODAY = dt.date(2025, 3, 1)
START = dt.date(2025, 6, 1)


@pytest.mark.parametrize(
    ("expiry", "status"),
    [
        (None, "no_expiry"),
        (dt.date(2025, 5, 31), "expired"),  # valid today, expired on the planned start
        (dt.date(2025, 6, 1), "expiring"),  # valid on the start date itself
        (dt.date(2025, 8, 30), "expiring"),  # within 90 days after the start
        (dt.date(2025, 8, 31), "valid"),
        (dt.date(2026, 1, 1), "valid"),
    ],
)
def test_certificate_must_be_valid_on_the_planned_start(expiry, status):
    assert certificate_status(expiry, planned_start=START, today=TODAY) == status


def test_certificate_expired_today_is_expired_even_if_start_is_past():
    past_start = dt.date(2024, 1, 1)
    assert (
        certificate_status(dt.date(2025, 2, 1), planned_start=past_start, today=TODAY) == "expired"
    )


def test_warning_window_is_configurable():
    expiry = dt.date(2025, 7, 1)
    assert certificate_status(expiry, planned_start=START, today=TODAY, warn_days=10) == "valid"


@pytest.mark.parametrize(
    ("state", "problems"),
    [
        (RowState("10.I.1", ""), ("unjudged",)),
        (RowState("10.I.1", "compliant"), ("compliant_without_document",)),
        (RowState("10.I.1", "compliant", documents=2), ()),
        (RowState("10.I.6", "not_applicable"), ("na_without_reason",)),
        (RowState("10.I.6", "not_applicable", na_reason="  "), ("na_without_reason",)),
        (RowState("10.I.6", "not_applicable", na_reason="SaaS: no staff on site"), ()),
        # 未符合 with neither the Ch 3.3 assessment nor a measure
        (RowState("10.I.5", "not_compliant"), ("nc_without_impact",)),
        (
            RowState("10.I.5", "not_compliant", impact_assessment="affects complaints"),
            ("nc_without_impact",),  # the significance must be stated
        ),
        # no significant impact: no alternative measure needed (Ch 3.3)
        (
            RowState(
                "10.I.5", "not_compliant", impact_assessment="minor", significant_impact=False
            ),
            (),
        ),
        (
            RowState("10.I.5", "not_compliant", impact_assessment="major", significant_impact=True),
            ("nc_without_measure",),
        ),
        (
            RowState(
                "10.I.5",
                "not_compliant",
                impact_assessment="major",
                significant_impact=True,
                complete_measures=1,
            ),
            (),
        ),
        (
            RowState("19.3", "compliant", tailored=True, documents=1),
            ("tailored_without_reason",),
        ),
        (
            RowState("19.3", "compliant", tailored=True, tailoring_reason="SaaS", documents=1),
            (),
        ),
    ],
)
def test_contract_row_problems(state, problems):
    assert row_problems(state) == problems


def test_exposure_growth_against_thresholds():
    before = Exposure(services=2, data_volume=Decimal(100), annual_spend=Decimal(1_000_000))
    same = Exposure(services=2, data_volume=Decimal(120), annual_spend=Decimal(1_200_000))
    assert exposure_growth(before, same, Thresholds()) == ()
    grown = Exposure(services=3, data_volume=Decimal(125), annual_spend=Decimal(2_000_000))
    kinds = [g.kind for g in exposure_growth(before, grown, Thresholds())]
    assert kinds == ["services", "data_volume", "annual_spend"]
    strict = Thresholds(
        services_increase=2, data_growth_percent=Decimal(50), spend_growth_percent=Decimal(150)
    )
    assert exposure_growth(before, grown, strict) == ()


def test_exposure_growth_from_nothing_counts():
    before = Exposure(services=1)
    assert [g.kind for g in exposure_growth(before, Exposure(1, Decimal(5)), Thresholds())] == [
        "data_volume"
    ]


def test_exposure_json_round_trip():
    e = Exposure(services=4, data_volume=Decimal("12.5"), annual_spend=None)
    assert Exposure.from_json(e.to_json()) == e


def test_nature_changes_name_the_fields():
    before = {"service_model": "SaaS", "data_categories": ["personal", "customer"]}
    now = {"service_model": "IaaS", "data_categories": ["customer", "personal"]}
    assert nature_changes(before, now) == ("service_model",)
    now["consumer_finance"] = True
    assert nature_changes(before, now) == ("consumer_finance", "service_model")
