"""The audits app's deadlines for ``fincloud.web.due``: audits due by the plan, findings due,
the CSP's responses due (Ch 7.1 (e)), planned security tests, and auditor certificates that
expire. Filtered in the database, so the calendar stays fast at 10,000 services."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fincloud.audits.models import AuditorCertificate, AuditPlanEntry, Finding, SecurityTest
from fincloud.web.due import DueItem, DueQuery

GENERAL_AUDIT_DUE = _("Audit due")
SPECIAL_AUDIT_DUE = _("Special (project) audit due")
FINDING_DUE = _("Audit finding due")
CSP_RESPONSE_DUE = _("CSP's response to a finding due")
TEST_PLANNED = _("Security test planned")
AUDITOR_CERT_EXPIRES = _("Auditor certificate expires")

OPEN_FINDINGS = [Finding.Status.OPEN, Finding.Status.RESPONDED, Finding.Status.REMEDIATED]


def _range(field: str, query: DueQuery) -> Q:
    q = Q(**{f"{field}__isnull": False})
    if query.start is not None:
        q &= Q(**{f"{field}__gte": query.start})
    if query.end is not None:
        q &= Q(**{f"{field}__lte": query.end})
    return q


def _service_scope(query: DueQuery, prefix: str) -> Q:
    q = Q()
    if query.service_code:
        q &= Q(**{f"{prefix}code": query.service_code})
    if query.unit_id is not None:
        q &= Q(**{f"{prefix}unit_id": query.unit_id})
    return q


def planned_audits(query: DueQuery) -> Iterator[DueItem]:
    scope = _service_scope(query, "service__")
    if query.user is not None and getattr(query.user, "pk", None):
        scope &= Q(service__owner_id=query.user.pk)
    for field, kind, label in (
        ("next_general_due", "audit_due", GENERAL_AUDIT_DUE),
        ("next_special_due", "special_audit_due", SPECIAL_AUDIT_DUE),
    ):
        rows = (
            AuditPlanEntry.objects.filter(_range(field, query), scope)
            .select_related("service")
            .order_by(field, "pk")[: query.limit]
        )
        for entry in rows:
            due = getattr(entry, field)
            yield DueItem(
                kind=kind,
                label=label,
                title=entry.service.name,
                due=due,
                url=reverse("audits:service", kwargs={"code": entry.service.code}),
                service_code=str(entry.service.code),
                unit_id=entry.service.unit_id,
                owner_id=entry.service.owner_id,
                extra={"interval_months": entry.interval_months, "stale": entry.stale},
            )


def findings_due(query: DueQuery) -> Iterator[DueItem]:
    scope = _service_scope(query, "audit__service__")
    if query.user is not None and getattr(query.user, "pk", None):
        scope &= Q(owner_id=query.user.pk)
    base = Finding.objects.filter(scope).select_related("audit", "audit__service")
    for finding in base.filter(_range("due_date", query), status__in=OPEN_FINDINGS).order_by(
        "due_date", "pk"
    )[: query.limit]:
        yield DueItem(
            kind="finding_due",
            label=FINDING_DUE,
            title=f"{finding.audit.service.name} · {finding.title}",
            due=finding.due_date,
            url=reverse("audits:finding", kwargs={"code": finding.code}),
            service_code=str(finding.audit.service.code),
            unit_id=finding.audit.service.unit_id,
            owner_id=finding.owner_id,
            extra={"severity": finding.severity, "status": finding.status},
        )
    for finding in base.filter(
        _range("csp_response_due", query), status=Finding.Status.OPEN
    ).order_by("csp_response_due", "pk")[: query.limit]:
        assert finding.csp_response_due is not None  # noqa: S101 - filtered above
        yield DueItem(
            kind="finding_csp_response",
            label=CSP_RESPONSE_DUE,
            title=f"{finding.audit.service.name} · {finding.title}",
            due=finding.csp_response_due,
            url=reverse("audits:finding", kwargs={"code": finding.code}),
            service_code=str(finding.audit.service.code),
            unit_id=finding.audit.service.unit_id,
            owner_id=finding.owner_id,
            extra={"severity": finding.severity},
        )


def security_tests(query: DueQuery) -> Iterator[DueItem]:
    scope = _service_scope(query, "service__")
    if query.user is not None and getattr(query.user, "pk", None):
        scope &= Q(recorded_by_id=query.user.pk)
    rows = (
        SecurityTest.objects.filter(
            _range("planned_on", query), scope, status=SecurityTest.Status.PLANNED
        )
        .select_related("service")
        .order_by("planned_on", "pk")[: query.limit]
    )
    for test in rows:
        yield DueItem(
            kind="security_test",
            label=TEST_PLANNED,
            title=f"{test.service.name} · {test.get_kind_display()}",
            due=test.planned_on,
            url=reverse("audits:service", kwargs={"code": test.service.code})
            + f"#test-{test.code}",
            service_code=str(test.service.code),
            unit_id=test.service.unit_id,
            owner_id=test.recorded_by_id,
            extra={"kind": test.kind},
        )


def auditor_certificates(query: DueQuery) -> Iterator[DueItem]:
    if query.service_code:
        return  # an auditor's certificate is not a service's
    certs = AuditorCertificate.objects.filter(
        _range("valid_until", query), auditor__active=True
    ).select_related("auditor")
    if query.unit_id is not None:
        certs = certs.filter(auditor__unit_id=query.unit_id)
    if query.user is not None and getattr(query.user, "pk", None):
        certs = certs.filter(auditor__user_id=query.user.pk)
    for cert in certs.order_by("valid_until", "pk")[: query.limit]:
        assert cert.valid_until is not None  # noqa: S101 - filtered above
        yield DueItem(
            kind="auditor_certificate_expiry",
            label=AUDITOR_CERT_EXPIRES,
            title=f"{cert.auditor.name} · {cert.name}",
            due=cert.valid_until,
            url=reverse("audits:auditor", kwargs={"code": cert.auditor.code}),
            unit_id=cert.auditor.unit_id,
            owner_id=cert.auditor.user_id,
        )
