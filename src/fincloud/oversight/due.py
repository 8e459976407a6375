"""Oversight's deadlines for ``fincloud.web.due``: periodic reviews (overdue ones included),
open review findings and report exceptions, KPI/KRI measurements due and indicators in red,
and service credits to claim. Every provider filters in the database on an indexed date."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fincloud.oversight.models import (
    CreditClaim,
    Indicator,
    ReportException,
    ReviewFinding,
    ReviewSchedule,
)
from fincloud.register.models import Stage
from fincloud.web.due import DueItem, DueQuery

REVIEW_DUE = _("Periodic review due")
FINDING_DUE = _("Review finding due")
EXCEPTION_DUE = _("CSP report exception follow-up due")
MEASUREMENT_DUE = _("KPI/KRI measurement due")
INDICATOR_RED = _("KPI/KRI in red")
CLAIM_DUE = _("Claim the service credit by")

KINDS = {
    "periodic_review": REVIEW_DUE,
    "review_finding": FINDING_DUE,
    "report_exception": EXCEPTION_DUE,
    "kpi_measurement": MEASUREMENT_DUE,
    "kpi_red": INDICATOR_RED,
    "sla_credit_claim": CLAIM_DUE,
}


def _window(field: str, query: DueQuery) -> Q:
    q = Q()
    if query.start is not None:
        q &= Q(**{f"{field}__gte": query.start})
    if query.end is not None:
        q &= Q(**{f"{field}__lte": query.end})
    return q


def _service_scope(query: DueQuery, prefix: str, *, owner_field: str | None) -> Q:
    """One service, one unit, and "mine" (the item's owner, else the service's owner)."""
    q = Q()
    if query.service_code:
        q &= Q(**{f"{prefix}code": query.service_code})
    if query.unit_id is not None:
        q &= Q(**{f"{prefix}unit_id": query.unit_id})
    if query.user is not None and getattr(query.user, "pk", None):
        q &= Q(**{owner_field or f"{prefix}owner_id": query.user.pk})
    return q


def reviews(query: DueQuery) -> Iterator[DueItem]:
    rows = (
        ReviewSchedule.objects.filter(_window("next_due", query), service__stage=Stage.IN_USE)
        .filter(_service_scope(query, "service__", owner_field=None))
        .select_related("service")
        .only(
            "next_due",
            "raised",
            "service__code",
            "service__name",
            "service__unit_id",
            "service__owner_id",
        )
        .order_by("next_due", "service_id")[: query.limit]
    )
    for row in rows:
        service = row.service
        yield DueItem(
            kind="periodic_review",
            label=REVIEW_DUE,
            title=service.name,
            due=row.next_due,
            url=reverse("oversight:service_reviews", kwargs={"code": service.code}),
            service_code=str(service.code),
            unit_id=service.unit_id,
            owner_id=service.owner_id,
            extra={"raised": row.raised},
        )


def findings(query: DueQuery) -> Iterator[DueItem]:
    rows = (
        ReviewFinding.objects.filter(_window("due_date", query), status=ReviewFinding.Status.OPEN)
        .filter(_service_scope(query, "review__service__", owner_field="owner_id"))
        .select_related("review__service")
        .order_by("due_date", "pk")[: query.limit]
    )
    for row in rows:
        service = row.review.service
        yield DueItem(
            kind="review_finding",
            label=FINDING_DUE,
            title=f"{service.name} · {row.description[:80]}",
            due=row.due_date,
            url=reverse("oversight:review_detail", kwargs={"code": row.review.code})
            + f"#finding-{row.code}",
            service_code=str(service.code),
            unit_id=service.unit_id,
            owner_id=row.owner_id,
            extra={"severity": row.severity},
        )


def report_exceptions(query: DueQuery) -> Iterator[DueItem]:
    rows = ReportException.objects.filter(
        _window("due_date", query), status=ReportException.Status.OPEN
    ).select_related("review__csp")
    if query.service_code:
        # A CSP's report concerns every service of that CSP.
        rows = rows.filter(review__csp__services__code=query.service_code)
    if query.unit_id is not None:
        rows = rows.filter(review__unit_id=query.unit_id)
    if query.user is not None and getattr(query.user, "pk", None):
        rows = rows.filter(owner_id=query.user.pk)
    for row in rows.order_by("due_date", "pk")[: query.limit]:
        yield DueItem(
            kind="report_exception",
            label=EXCEPTION_DUE,
            title=f"{row.review.csp.name} · {row.description[:80]}",
            due=row.due_date,
            url=reverse("oversight:report_detail", kwargs={"code": row.review.code})
            + f"#exception-{row.code}",
            unit_id=row.review.unit_id,
            owner_id=row.owner_id,
            extra={"severity": row.severity, "csp_code": str(row.review.csp.code)},
        )


def indicators(query: DueQuery) -> Iterator[DueItem]:
    scope = _service_scope(query, "service__", owner_field="owner_id")
    # Indicators are watched from definition until the service's use ends.
    base = (
        Indicator.objects.filter(active=True).exclude(service__stage=Stage.AFTER_USE).filter(scope)
    )
    due_rows = (
        base.filter(_window("next_due", query), next_due__isnull=False)
        .select_related("service")
        .order_by("next_due", "pk")[: query.limit]
    )
    for row in due_rows:
        assert row.next_due is not None  # noqa: S101 - filtered above
        yield DueItem(
            kind="kpi_measurement",
            label=MEASUREMENT_DUE,
            title=f"{row.service.name} · {row.name}",
            due=row.next_due,
            url=reverse("oversight:indicator_detail", kwargs={"code": row.code}),
            service_code=str(row.service.code),
            unit_id=row.service.unit_id,
            owner_id=row.owner_id or row.service.owner_id,
        )
    red_rows = (
        base.filter(_window("last_measured_on", query), last_status="red")
        .select_related("service")
        .order_by("last_measured_on", "pk")[: query.limit]
    )
    for row in red_rows:
        assert row.last_measured_on is not None  # noqa: S101 - red means measured
        yield DueItem(
            kind="kpi_red",
            label=INDICATOR_RED,
            title=f"{row.service.name} · {row.name}",
            due=row.last_measured_on,
            url=reverse("oversight:indicator_detail", kwargs={"code": row.code}),
            service_code=str(row.service.code),
            unit_id=row.service.unit_id,
            owner_id=row.owner_id or row.service.owner_id,
        )


def credit_claims(query: DueQuery) -> Iterator[DueItem]:
    rows = (
        CreditClaim.objects.filter(
            _window("claim_due", query),
            status=CreditClaim.Status.TO_CLAIM,
            claim_due__isnull=False,
        )
        .filter(_service_scope(query, "attainment__service__", owner_field="owner_id"))
        .select_related("attainment__service")
        .order_by("claim_due", "pk")[: query.limit]
    )
    for row in rows:
        assert row.claim_due is not None  # noqa: S101 - filtered above
        service = row.attainment.service
        yield DueItem(
            kind="sla_credit_claim",
            label=CLAIM_DUE,
            title=f"{service.name} · {row.attainment.period}",
            due=row.claim_due,
            url=reverse("oversight:claim_edit", kwargs={"code": row.code}),
            service_code=str(service.code),
            unit_id=service.unit_id,
            owner_id=row.owner_id,
        )
