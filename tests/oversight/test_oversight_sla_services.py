"""Service levels: SLA targets, outages, attainment by fincloud.sla (with the Ch 3.4 table's
own numbers), breaches, credits and claims, composite availability; bad input names the field
and nothing is half-saved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from factories_oversight import ServiceFactory, errors

from fincloud.auditlog.models import AuditEvent
from fincloud.determinations.models import Determination
from fincloud.oversight import services as svc
from fincloud.oversight.models import AttainmentRecord, CreditClaim, Outage, SlaTarget
from fincloud.register.models import ServiceDependency
from fincloud.sla.attainment import TAIPEI

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English here (the Chinese ones are tested where noted)."""
    with translation.override("en"):
        yield


def at(day: int, hour: int = 0, minute: int = 0, second: int = 0, month: int = 6) -> dt.datetime:
    # June 2025 has 30 days: the manual's month (Ch 3.4: a month of 30 days).
    return dt.datetime(2025, month, day, hour, minute, second, tzinfo=TAIPEI)


@pytest.fixture
def officer(personas):
    return personas["governance_officer"]


def target(service, percent: str, **kwargs) -> SlaTarget:
    return SlaTarget.objects.create(service=service, target_percent=D(percent), **kwargs)


def record(service, period: str = "2025-06") -> AttainmentRecord:
    return AttainmentRecord.objects.get(service=service, period=period)


def test_the_manuals_43_2_minutes_a_month_at_99_9_is_met_and_a_second_more_breaches(officer):
    service = ServiceFactory()
    target(service, "99.9")
    svc.outage_record(
        actor=officer, services=[service], start=at(10, 8), end=at(10, 8, 43, 12), title="first"
    )
    month = record(service)
    assert month.allowed_minutes == D("43.2")
    assert month.downtime_minutes == D("43.2")
    assert month.breach is False
    assert month.availability_percent == D("99.9")
    svc.outage_record(actor=officer, services=[service], start=at(20, 1), end=at(20, 1, 0, 1))
    month = record(service)
    assert month.breach is True
    # The quarter is computed too: 91 days of Q2 allow 131.04 minutes.
    quarter = record(service, "2025-Q2")
    assert quarter.allowed_minutes == D("131.04") and quarter.breach is False
    # Each changed result is kept as a determination with fincloud.sla's explanation.
    det = Determination.objects.get(subject_id=str(month.pk), kind="sla_attainment", current=True)
    assert det.outcome["breach"] is True
    assert "ch3.4.b" in det.citations
    assert any("43.2" in line for line in det.explanation_en)


@pytest.mark.parametrize(
    ("percent", "minutes"), [("99", "432"), ("99.95", "21.6"), ("99.99", "4.32")]
)
def test_the_other_rows_of_the_table(officer, percent, minutes):
    service = ServiceFactory()
    target(service, percent)
    svc.attainment_compute(period="2025-06", service_ids=[service.pk])
    assert record(service).allowed_minutes == D(minutes)


def test_overlapping_outages_count_once_and_planned_maintenance_follows_the_contract(officer):
    excluded, counted = ServiceFactory(), ServiceFactory()
    target(excluded, "99.9", planned_excluded=True)
    target(counted, "99.9", planned_excluded=False)
    both = [excluded, counted]
    svc.outage_record(actor=officer, services=both, start=at(2, 2, 10), end=at(2, 2, 40))
    svc.outage_record(actor=officer, services=both, start=at(2, 2, 30), end=at(2, 2, 55))
    svc.outage_record(actor=officer, services=both, start=at(3, 1), end=at(3, 2), planned=True)
    assert record(excluded).downtime_minutes == 45
    assert record(counted).downtime_minutes == 105
    assert record(counted).planned_excluded is False


def test_the_register_target_is_used_until_the_contracts_is_entered(officer):
    service = ServiceFactory(availability_target=D("99.95"))
    svc.outage_record(actor=officer, services=[service], start=at(5, 1), end=at(5, 1, 30))
    assert record(service).target_percent == D("99.95")
    assert record(service).breach is True  # 30 > 21.6 minutes


def test_an_outage_ending_before_it_starts_names_the_field_and_saves_nothing(officer):
    service = ServiceFactory()
    target(service, "99.9")
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        svc.outage_record(actor=officer, services=[service], start=at(5, 10), end=at(5, 9))
    message = errors(exc)["end"][0]
    assert "2025-06-05 09:00" in message and "2025-06-05 10:00" in message
    assert "before it starts" in message
    assert Outage.objects.count() == 0
    assert AttainmentRecord.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_the_same_refusal_in_chinese(officer):
    with translation.override("zh-hant"):
        with pytest.raises(ValidationError) as exc:
            svc.outage_record(
                actor=officer, services=[ServiceFactory()], start=at(5, 10), end=at(5, 9)
            )
        assert errors(exc)["end"] == [
            "結束：中斷結束時間（2025-06-05 09:00）早於開始時間（2025-06-05 10:00）；"
            "結束不得早於開始。"
        ]


def test_an_outage_needs_a_service_and_the_capability(personas, officer):
    with pytest.raises(ValidationError) as exc:
        svc.outage_record(actor=officer, services=[], start=at(1), end=at(2))
    assert "services" in errors(exc)
    with pytest.raises(ValidationError) as exc:
        svc.outage_record(
            actor=personas["legal"], services=[ServiceFactory()], start=at(1), end=at(2)
        )
    assert exc.value.code == "permission"


def test_correcting_an_outage_recomputes_the_old_and_the_new_period(officer):
    service = ServiceFactory()
    target(service, "99.9")
    outage = svc.outage_record(actor=officer, services=[service], start=at(5, 1), end=at(5, 3))
    assert record(service).breach is True
    svc.outage_update(
        actor=officer,
        outage=outage,
        services=[service],
        start=at(5, 1, month=7),
        end=at(5, 1, 10, month=7),
        planned=False,
    )
    assert record(service).downtime_minutes == 0 and record(service).breach is False
    assert record(service, "2025-07").downtime_minutes == 10


def test_a_breach_opens_a_credit_claim_by_the_tiers_and_the_claim_rules(officer):
    service = ServiceFactory()
    svc.sla_target_save(
        actor=officer,
        service=service,
        target_percent=D("99.95"),
        credit_terms=svc.parse_credit_terms("99.95: 10\n99: 25"),
        claim_window_days=45,
    )
    svc.outage_record(actor=officer, services=[service], start=at(5, 1), end=at(5, 2))
    month = record(service)
    assert month.credit_percent == 10
    claim = CreditClaim.objects.get(attainment=month)
    assert claim.status == "to_claim"
    assert claim.claim_due == dt.date(2025, 6, 30) + dt.timedelta(days=45)
    with pytest.raises(ValidationError) as exc:
        svc.claim_update(actor=officer, claim=claim, status="claimed")
    assert "claimed_on" in errors(exc)
    with pytest.raises(ValidationError) as exc:
        svc.claim_update(actor=officer, claim=claim, status="waived")
    assert "note" in errors(exc)
    claim = svc.claim_update(
        actor=officer,
        claim=claim,
        status="claimed",
        claimed_on=dt.date(2025, 7, 3),
        reference="C-1",
    )
    assert claim.status == "claimed"


@pytest.mark.parametrize(
    ("text", "line"), [("99.9 10", 1), ("99.9: 10\n101: 5", 2), ("99.9: x", 1), ("99.9: 0", 1)]
)
def test_credit_tiers_that_cannot_be_read_name_the_line(text, line):
    with pytest.raises(ValidationError) as exc:
        svc.parse_credit_terms(text)
    assert f"line {line}" in errors(exc)["credit_terms"][0]


def test_credit_tiers_must_grow_as_availability_falls():
    with pytest.raises(ValidationError) as exc:
        svc.parse_credit_terms("99.9: 25\n99: 10")
    assert "larger credit" in errors(exc)["credit_terms"][0]


def test_a_target_outside_0_to_100_is_refused(officer):
    with pytest.raises(ValidationError) as exc:
        svc.sla_target_save(actor=officer, service=ServiceFactory(), target_percent=D("100.1"))
    assert "target_percent" in errors(exc)


def test_bulk_computation_is_a_constant_number_of_queries(officer, django_assert_max_num_queries):
    services = [ServiceFactory() for _ in range(3)]
    for service in services:
        target(service, "99.9")
        svc.outage_record(actor=officer, services=[service], start=at(4, 1), end=at(4, 1, 10))
    svc.attainment_compute(period="2025-06")  # nothing changed: no determinations
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as three:
        svc.attainment_compute(period="2025-06")
    more = [ServiceFactory() for _ in range(5)]
    for service in more:
        target(service, "99.9")
    svc.attainment_compute(period="2025-06")
    with CaptureQueriesContext(connection) as eight:
        summary = svc.attainment_compute(period="2025-06")
    assert summary.services == 8
    assert len(eight.captured_queries) == len(three.captured_queries)


def test_composite_availability_of_a_business_service(officer):
    app = ServiceFactory(availability_target=D("99.95"), rto_minutes=20)
    db, primary, replica = ServiceFactory(), ServiceFactory(), ServiceFactory()
    target(app, "99.99")
    target(db, "99.95")
    target(primary, "99.9")
    target(replica, "99.9")
    ServiceDependency.objects.create(service=app, depends_on=db)
    ServiceDependency.objects.create(
        service=app, depends_on=primary, kind="parallel", redundancy_group="net"
    )
    ServiceDependency.objects.create(
        service=app, depends_on=replica, kind="parallel", redundancy_group="net"
    )
    det = svc.composite_assess(service=app, actor=officer, record=True)
    expected = D("99.99") * D("0.9995") * (1 - D("0.001") ** 2)
    assert abs(D(det.outcome["availability_percent"]) - expected) < D("1e-20")
    assert det.outcome["meets_target"] is False  # 99.94 % < 99.95 %
    # 99.94 % allows 0.06 % of a 30-day month: 25.9 minutes, more than the 20-minute RTO.
    assert D(det.outcome["per_month_seconds"]) / 60 > 25
    assert det.outcome["allowed_downtime_exceeds_rto"] is True
    stored = Determination.objects.get(kind="sla_composite_service", subject_id=str(app.pk))
    assert stored.outcome == det.outcome
