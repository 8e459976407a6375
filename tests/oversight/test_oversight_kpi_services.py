"""KPI/KRI definitions and measurements (Ch 3.4 (d))."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from factories_oversight import ServiceFactory, errors

from fincloud.oversight import services as svc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English here (the Chinese ones are tested where noted)."""
    with translation.override("en"):
        yield


@pytest.fixture
def officer(personas):
    return personas["governance_officer"]


def kri(officer, service=None):
    return svc.indicator_create(
        actor=officer,
        service=service or ServiceFactory(),
        kind="kri",
        name="Open high-risk vulnerabilities",
        direction="lower",
        green=D(0),
        amber=D(2),
    )


def test_thresholds_in_the_wrong_order_name_the_field(officer):
    with pytest.raises(ValidationError) as exc:
        svc.indicator_create(
            actor=officer,
            service=ServiceFactory(),
            kind="kpi",
            name="Availability",
            direction="higher",
            green=D("99.9"),
            amber=D("99.95"),
        )
    assert "amber" in errors(exc)


def test_a_name_is_unique_per_service(officer):
    indicator = kri(officer)
    with pytest.raises(ValidationError) as exc:
        kri(officer, indicator.service)
    assert "name" in errors(exc)


def test_measurements_get_their_colour_and_move_the_next_due_date(personas, officer):
    indicator = kri(officer)
    risk = personas["risk"]
    today = timezone.localdate()
    first = svc.measurement_record(
        actor=risk, indicator=indicator, measured_on=today - dt.timedelta(days=40), value=D(1)
    )
    assert first.status == "amber"
    latest = svc.measurement_record(actor=risk, indicator=indicator, measured_on=today, value=D(3))
    assert latest.status == "red"
    indicator.refresh_from_db()
    assert indicator.last_status == "red" and indicator.last_measured_on == today
    assert indicator.next_due > today
    # An older measurement recorded late does not hide the latest status.
    svc.measurement_record(
        actor=risk, indicator=indicator, measured_on=today - dt.timedelta(days=70), value=D(0)
    )
    indicator.refresh_from_db()
    assert indicator.last_status == "red"
    with pytest.raises(ValidationError) as exc:
        svc.measurement_record(actor=risk, indicator=indicator, measured_on=today, value=D(0))
    assert "measured_on" in errors(exc)
    with pytest.raises(ValidationError) as exc:
        svc.measurement_record(
            actor=risk, indicator=indicator, measured_on=today + dt.timedelta(days=1), value=D(0)
        )
    assert "future" in errors(exc)["measured_on"][0] or "未來" in errors(exc)["measured_on"][0]


def test_changing_the_thresholds_recolours_the_latest_measurement(personas, officer):
    indicator = kri(officer)
    svc.measurement_record(
        actor=personas["risk"], indicator=indicator, measured_on=timezone.localdate(), value=D(3)
    )
    indicator = svc.indicator_update(actor=officer, indicator=indicator, amber=D(5))
    assert indicator.last_status == "amber"


def test_the_examiner_cannot_measure(personas, officer):
    with pytest.raises(ValidationError) as exc:
        svc.measurement_record(
            actor=personas["examiner"],
            indicator=kri(officer),
            measured_on=timezone.localdate(),
            value=D(0),
        )
    assert exc.value.code == "permission"
