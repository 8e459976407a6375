"""BIA services: RTO over MTPD refused naming both fields, nothing half-saved; the CSP's SLA
checked with the Ch 3.4 figures; composite availability over the register's dependencies."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import override
from factories_resilience import ServiceFactory, depend

from fincloud.auditlog.models import AuditEvent
from fincloud.determinations.services import current_determinations
from fincloud.resilience import services
from fincloud.resilience.forms import BiaForm
from fincloud.resilience.models import BusinessImpactAnalysis
from fincloud.sla.composite import composite
from fincloud.workflow.models import State
from fincloud.workflow.services import WorkflowError, record_approve, record_submit

pytestmark = pytest.mark.django_db

BASE = {
    "business_process": "信用卡授權",
    "mtpd_minutes": 240,
    "rto_minutes": 60,
    "rpo_minutes": 15,
    "priority": 1,
}


@pytest.fixture
def service(personas):
    return ServiceFactory(unit=personas["governance_officer"].unit)


def test_rto_over_mtpd_is_refused_on_both_fields_and_nothing_is_saved(personas, service):
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.bia_create(actor=personas["risk"], service=service, **{**BASE, "rto_minutes": 300})
    with override("en"):
        errors = exc.value.message_dict
    assert set(errors) == {"rto_minutes", "mtpd_minutes"}
    message = errors["rto_minutes"][0]
    assert "RTO (300 minutes)" in message and "MTPD (240 minutes)" in message
    assert errors["mtpd_minutes"] == errors["rto_minutes"]
    assert BusinessImpactAnalysis.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_an_update_over_the_mtpd_is_refused_and_leaves_the_record(personas, service):
    record = services.bia_create(actor=personas["risk"], service=service, **BASE)
    with pytest.raises(ValidationError) as exc:
        services.bia_update(actor=personas["risk"], record=record, mtpd_minutes=30)
    assert "mtpd_minutes" in exc.value.message_dict
    record.refresh_from_db()
    assert record.mtpd_minutes == 240


def test_the_form_names_both_fields(personas, service):
    form = BiaForm(
        data={**BASE, "rto_minutes": 300, "service": service.code, "sla_period": "month"}
    )
    assert not form.is_valid()
    with override("en"):
        assert "RTO (300 minutes)" in str(form.errors["rto_minutes"][0])
        assert "MTPD (240 minutes)" in str(form.errors["mtpd_minutes"][0])
    with override("zh-hant"):
        assert "RTO（300 分鐘）長於 MTPD（240 分鐘）" in str(form.errors["rto_minutes"][0])
    assert "__all__" not in form.errors  # no second, generic constraint message


def test_only_holders_of_the_capability_write(personas, service):
    with pytest.raises(ValidationError, match=r"resilience\.edit"):
        services.bia_create(actor=personas["legal"], service=service, **BASE)


def test_sla_999_cannot_meet_a_30_minute_rto(personas, service):
    record = services.bia_create(
        actor=personas["risk"],
        service=service,
        **{**BASE, "rto_minutes": 30, "csp_sla_percent": Decimal("99.9"), "csp_rto_minutes": 20},
    )
    det = current_determinations(record)["bia_csp_commitment"]
    assert det.outcome["flags"] == ["sla_allows_outage_longer_than_rto"]
    assert det.outcome["meets"] is False
    assert "每月容許停機 43.2分鐘（第3章四）" in det.explanation_zh[0]
    assert "ch3.4.sla_table.r2" in det.citations  # the 99.9 % row of the table
    assert current_determinations(record)["bia_rto_mtpd"].outcome == {"ok": True}


def test_composite_over_the_registers_dependencies(personas, service):
    database = ServiceFactory(availability_target=Decimal("99.9"))
    region_a = ServiceFactory(availability_target=Decimal("99.5"))
    region_b = ServiceFactory(availability_target=Decimal("99.5"))
    depend(service, database)
    depend(service, region_a, "parallel", "regions")
    depend(service, region_b, "parallel", "regions")
    record = services.bia_create(
        actor=personas["risk"],
        service=service,
        **{**BASE, "csp_sla_percent": Decimal("99.95"), "availability_target": Decimal("99.9")},
    )
    det = current_determinations(record)["bia_composite"]
    expected = composite("99.95 * 99.9 * (99.5 | 99.5)").availability_percent
    assert Decimal(det.outcome["composite_percent"]) == expected
    assert det.outcome["below_target"] is True
    # Raising the target's floor: with 99.8 % the same dependencies are enough.
    services.bia_update(actor=personas["risk"], record=record, availability_target=Decimal("99.8"))
    assert current_determinations(record)["bia_composite"].outcome["below_target"] is False


def test_composite_names_a_dependency_without_availability(personas, service):
    unknown = ServiceFactory(name="Unmeasured queue", availability_target=None)
    depend(service, unknown)
    record = services.bia_create(
        actor=personas["risk"],
        service=service,
        **{**BASE, "csp_sla_percent": Decimal("99.95"), "availability_target": Decimal("99.9")},
    )
    det = current_determinations(record)["bia_composite"]
    assert det.outcome["error"] == "missing_availability"
    assert "Unmeasured queue" in det.explanation_en[0]


def test_unknown_impact_entries_are_refused(personas, service):
    with pytest.raises(ValidationError) as exc:
        services.bia_create(
            actor=personas["risk"], service=service, impacts={"weather": {"60": 1}}, **BASE
        )
    assert "impacts" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.bia_create(
            actor=personas["risk"], service=service, impacts={"financial": {"60": 9}}, **BASE
        )


def test_approval_by_a_second_person_only(personas, service):
    record = services.bia_create(actor=personas["risk"], service=service, **BASE)
    record_submit(record=record, actor=personas["risk"])
    with pytest.raises(WorkflowError):
        record_approve(record=record, actor=personas["risk"])
    record_approve(record=record, actor=personas["approver"])
    record.refresh_from_db()
    assert record.state == State.APPROVED
    with pytest.raises(WorkflowError):
        services.bia_update(actor=personas["risk"], record=record, rpo_minutes=5)
