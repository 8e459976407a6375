"""register.services.service_enter_after_use: a service moves to "after use" only on an
approved deletion record of that very service (added to the register for the exit, Ch 8.5)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from factories_resilience import ServiceFactory, in_use

from fincloud.register import services as register
from fincloud.register.models import Stage
from fincloud.resilience.models import DeletionRecord, ExitExecution, ExitPlan
from fincloud.workflow.models import State

pytestmark = pytest.mark.django_db


def _execution(service, person):
    plan = ExitPlan.objects.create(
        service=service,
        unit=service.unit,
        prepared_by=person,
        prepared_at=dt.datetime(2026, 1, 5, tzinfo=dt.UTC),
        target_kind="in_house",
        target_name="On-premises archive",
        triggers=["contract_end"],
        data_transfer_steps="Export, verify, import.",
        state=State.APPROVED,
    )
    return ExitExecution.objects.create(
        plan=plan,
        service=service,
        reason="Contract ends",
        started_on=dt.date(2026, 1, 6),
        started_by=person,
    )


def _deletion(execution, person, state=State.DRAFT):
    service = execution.service
    return DeletionRecord.objects.create(
        execution=execution,
        unit=service.unit,
        prepared_by=person,
        prepared_at=dt.datetime(2026, 1, 9, tzinfo=dt.UTC),
        method="crypto_erase",
        scope="All tenant data and backups",
        performed_on=dt.date(2026, 1, 9),
        performed_by="csp",
        result="Keys destroyed",
        state=state,
    )


def test_only_an_approved_deletion_record_of_the_service_moves_it(personas):
    officer = personas["governance_officer"]
    service = in_use(ServiceFactory(unit=officer.unit))
    execution = _execution(service, officer)
    draft = _deletion(execution, officer)
    with pytest.raises(ValidationError) as exc:
        register.service_enter_after_use(service=service, actor=None, record=draft)
    assert exc.value.message_dict["stage"] == [str(register.AFTER_USE_NEEDS_APPROVED_RECORD)]
    other = in_use(ServiceFactory(unit=officer.unit))
    foreign = _deletion(_execution(other, officer), officer, State.APPROVED)
    with pytest.raises(ValidationError) as exc:
        register.service_enter_after_use(service=service, actor=None, record=foreign)
    assert exc.value.message_dict["stage"] == [str(register.AFTER_USE_WRONG_SERVICE)]
    service.refresh_from_db()
    assert service.stage == Stage.IN_USE

    approved = _deletion(execution, officer, State.APPROVED)
    register.service_enter_after_use(
        service=service, actor=personas["approver"], record=approved, ended_on=dt.date(2026, 1, 9)
    )
    service.refresh_from_db()
    assert (service.stage, service.ended_on) == (Stage.AFTER_USE, dt.date(2026, 1, 9))


def test_a_service_not_in_use_is_refused(personas):
    officer = personas["governance_officer"]
    service = ServiceFactory(unit=officer.unit)  # still before use
    record = _deletion(_execution(service, officer), officer, State.APPROVED)
    with pytest.raises(ValidationError) as exc:
        register.service_enter_after_use(service=service, actor=None, record=record)
    assert exc.value.message_dict["stage"] == [str(register.LEAVE_USE_NOT_IN_USE)]
