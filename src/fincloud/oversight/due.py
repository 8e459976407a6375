"""Oversight's deadlines for ``fincloud.web.due``: periodic reviews (overdue ones included),
open review findings and report exceptions, KPI/KRI measurements due and indicators in red,
and service credits to claim. Every provider filters in the database on an indexed date and
reads plain values (no model instances, one URL pattern per provider): the calendar asks all
providers on every page view."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Any

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
_MARKER = uuid.UUID(int=0)


def _url(name: str, anchor: str = "") -> Callable[[Any], str]:
    """The page of a record by its code, reversed once per provider call."""
    head, tail = reverse(name, kwargs={"code": _MARKER}).split(str(_MARKER))
    return lambda code: f"{head}{code}{tail}{anchor}"


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
        .order_by("next_due", "service_id")
        .values_list(
            "next_due",
            "raised",
            "service__code",
            "service__name",
            "service__unit_id",
            "service__owner_id",
        )[: query.limit]
    )
    url = _url("oversight:service_reviews")
    for next_due, raised, code, name, unit_id, owner_id in rows:
        yield DueItem(
            kind="periodic_review",
            label=REVIEW_DUE,
            title=name,
            due=next_due,
            url=url(code),
            service_code=str(code),
            unit_id=unit_id,
            owner_id=owner_id,
            extra={"raised": raised},
        )


def findings(query: DueQuery) -> Iterator[DueItem]:
    rows = (
        ReviewFinding.objects.filter(_window("due_date", query), status=ReviewFinding.Status.OPEN)
        .filter(_service_scope(query, "review__service__", owner_field="owner_id"))
        .order_by("due_date", "pk")
        .values_list(
            "due_date",
            "code",
            "description",
            "severity",
            "owner_id",
            "review__code",
            "review__service__code",
            "review__service__name",
            "review__service__unit_id",
        )[: query.limit]
    )
    url = _url("oversight:review_detail")
    for due_date, code, description, severity, owner_id, review, service, name, unit_id in rows:
        yield DueItem(
            kind="review_finding",
            label=FINDING_DUE,
            title=f"{name} · {description[:80]}",
            due=due_date,
            url=f"{url(review)}#finding-{code}",
            service_code=str(service),
            unit_id=unit_id,
            owner_id=owner_id,
            extra={"severity": severity},
        )


def report_exceptions(query: DueQuery) -> Iterator[DueItem]:
    rows = ReportException.objects.filter(
        _window("due_date", query), status=ReportException.Status.OPEN
    )
    if query.service_code:
        # A CSP's report concerns every service of that CSP.
        rows = rows.filter(review__csp__services__code=query.service_code)
    if query.unit_id is not None:
        rows = rows.filter(review__unit_id=query.unit_id)
    if query.user is not None and getattr(query.user, "pk", None):
        rows = rows.filter(owner_id=query.user.pk)
    values = rows.order_by("due_date", "pk").values_list(
        "due_date",
        "code",
        "description",
        "severity",
        "owner_id",
        "review__code",
        "review__unit_id",
        "review__csp__name",
        "review__csp__code",
    )[: query.limit]
    url = _url("oversight:report_detail")
    for due_date, code, description, severity, owner_id, review, unit_id, csp, csp_code in values:
        yield DueItem(
            kind="report_exception",
            label=EXCEPTION_DUE,
            title=f"{csp} · {description[:80]}",
            due=due_date,
            url=f"{url(review)}#exception-{code}",
            unit_id=unit_id,
            owner_id=owner_id,
            extra={"severity": severity, "csp_code": str(csp_code)},
        )


def indicators(query: DueQuery) -> Iterator[DueItem]:
    scope = _service_scope(query, "service__", owner_field="owner_id")
    # Indicators are watched from definition until the service's use ends.
    base = Indicator.objects.filter(active=True).exclude(service__stage=Stage.AFTER_USE)
    base = base.filter(scope)
    fields = (
        "code",
        "name",
        "owner_id",
        "service__code",
        "service__name",
        "service__unit_id",
        "service__owner_id",
    )
    url = _url("oversight:indicator_detail")
    measurement_rows = (
        base.filter(_window("next_due", query), next_due__isnull=False)
        .order_by("next_due", "pk")
        .values_list("next_due", *fields)[: query.limit]
    )
    red_rows = (
        base.filter(_window("last_measured_on", query), last_status="red")
        .order_by("last_measured_on", "pk")
        .values_list("last_measured_on", *fields)[: query.limit]
    )
    for kind, label, rows in (
        ("kpi_measurement", MEASUREMENT_DUE, measurement_rows),
        ("kpi_red", INDICATOR_RED, red_rows),
    ):
        for day, code, name, owner_id, service, service_name, unit_id, service_owner in rows:
            yield DueItem(
                kind=kind,
                label=label,
                title=f"{service_name} · {name}",
                due=day,
                url=url(code),
                service_code=str(service),
                unit_id=unit_id,
                owner_id=owner_id or service_owner,
            )


def credit_claims(query: DueQuery) -> Iterator[DueItem]:
    rows = (
        CreditClaim.objects.filter(
            _window("claim_due", query),
            status=CreditClaim.Status.TO_CLAIM,
            claim_due__isnull=False,
        )
        .filter(_service_scope(query, "attainment__service__", owner_field="owner_id"))
        .order_by("claim_due", "pk")
        .values_list(
            "claim_due",
            "code",
            "owner_id",
            "attainment__period",
            "attainment__service__code",
            "attainment__service__name",
            "attainment__service__unit_id",
        )[: query.limit]
    )
    url = _url("oversight:claim_edit")
    for claim_due, code, owner_id, period, service, name, unit_id in rows:
        assert claim_due is not None  # noqa: S101 - filtered above
        yield DueItem(
            kind="sla_credit_claim",
            label=CLAIM_DUE,
            title=f"{name} · {period}",
            due=claim_due,
            url=url(code),
            service_code=str(service),
            unit_id=unit_id,
            owner_id=owner_id,
        )
