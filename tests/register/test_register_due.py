"""Deadline alerts: certificate and document expiries, renewals, notice deadlines and trial ends,
registered in fincloud.web.due and read by the dashboard within the configurable window."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from factories_register import CertificationFactory, InstitutionFactory, service_with

from fincloud.register import selectors
from fincloud.register import services as svc
from fincloud.register.due import KINDS
from fincloud.web import due

pytestmark = pytest.mark.django_db


def _today() -> dt.date:
    return timezone.localdate()


def _days(n: int) -> dt.date:
    return _today() + dt.timedelta(days=n)


def _kinds(items):
    """The register's own items (other apps register providers too)."""
    return sorted((i.kind, i.due) for i in items if i.kind in KINDS)


def test_providers_are_registered():
    names = set(due.providers())
    assert {"register.certificates", "register.documents"} <= names


def test_document_deadlines_in_a_window(personas):
    service = service_with(locations=["TW"])
    svc.document_create(
        actor=personas["legal"],
        kind="subscription",
        title="Sub",
        csp=service.csp,
        services=[service],
        expiry_date=_days(100),
        auto_renewal=True,
        notice_period_days=30,
        free_trial_end=_days(10),
    )
    items = list(due.collect(due.DueQuery(start=_today(), end=_days(90))))
    # Renewal on day 100 falls outside; the notice deadline (day 70) and trial end inside.
    assert _kinds(items) == [("contract_notice", _days(70)), ("trial_end", _days(10))]
    assert all(i.service_code == str(service.code) for i in items if i.kind in KINDS)
    later = due.collect(due.DueQuery(start=_days(91), end=_days(120)))
    assert _kinds(later) == [("contract_renewal", _days(100))]


def test_certificate_expiry_concerns_every_service_of_the_csp():
    service = service_with(locations=["US"])
    other = service_with(locations=["US"])
    CertificationFactory(csp=service.csp, expiry_date=_days(-3))
    items = due.collect(due.DueQuery(end=_today()))
    assert _kinds(items) == [("certificate_expiry", _days(-3))]
    mine = [i for i in items if i.kind in KINDS]
    assert mine[0].extra["csp_code"] == str(service.csp.code)
    assert _kinds(due.collect(due.DueQuery(service_code=str(service.code))))
    assert not _kinds(due.collect(due.DueQuery(service_code=str(other.code))))


def test_csp_wide_documents_concern_the_csps_services(personas):
    service = service_with(locations=["US"])
    svc.document_create(
        actor=personas["legal"],
        kind="audit_report",
        title="SOC 2",
        csp=service.csp,
        expiry_date=_days(5),
    )
    items = due.collect(due.DueQuery(service_code=str(service.code)))
    assert _kinds(items) == [("document_expiry", _days(5))]


@pytest.mark.parametrize(("window", "expected_upcoming"), [(90, 2), (30, 1), (5, 0)])
def test_dashboard_alerts_follow_the_configured_window(window, expected_upcoming):
    InstitutionFactory(alert_window_days=window)
    service = service_with(locations=["US"])
    CertificationFactory(csp=service.csp, expiry_date=_days(20))
    CertificationFactory(csp=service.csp, expiry_date=_days(60))
    CertificationFactory(csp=service.csp, expiry_date=_days(-1))
    figures = selectors.dashboard(today=_today(), window_days=selectors.alert_window_days())
    assert figures.window_days == window
    assert figures.upcoming_by_kind.get("certificate_expiry", 0) == expected_upcoming
    assert figures.overdue_by_kind.get("certificate_expiry") == 1


def test_default_window_is_90_days():
    assert selectors.alert_window_days() == 90
    assert InstitutionFactory().alert_window_days == 90


def test_overdue_filter_finds_services_from_every_kind_of_item(personas):
    expired_cert = service_with(name="cert", locations=["US"])
    CertificationFactory(csp=expired_cert.csp, expiry_date=_days(-1))
    late_notice = service_with(name="notice", locations=["TW"])
    svc.document_create(
        actor=personas["legal"],
        kind="master_agreement",
        title="MA",
        csp=late_notice.csp,
        services=[late_notice],
        expiry_date=_days(10),
        notice_period_days=30,
    )
    fine = service_with(name="fine", locations=["TW"])
    CertificationFactory(csp=fine.csp, expiry_date=_days(300))
    found = selectors.service_list(selectors.ServiceFilters(overdue=True), today=_today())
    assert sorted(s.name for s in found) == ["cert", "notice"]
