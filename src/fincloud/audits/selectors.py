"""Reads of the audits app, with their joins applied (no N+1)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from fincloud.audits.models import (
    Audit,
    Auditor,
    AuditPlanEntry,
    Finding,
    ProgrammeItem,
)


@dataclass(frozen=True)
class PlanFilters:
    query: str = ""
    classification: str = ""
    overdue: bool = False
    stale: bool = False


def plan_entries(filters: PlanFilters, *, today: dt.date) -> QuerySet[AuditPlanEntry]:
    qs = AuditPlanEntry.objects.select_related("service", "service__csp", "service__unit")
    if filters.query:
        qs = qs.filter(service__name__icontains=filters.query)
    if filters.classification:
        qs = qs.filter(classification=filters.classification)
    if filters.overdue:
        qs = qs.filter(Q(next_general_due__lt=today) | Q(next_special_due__lt=today))
    if filters.stale:
        qs = qs.filter(stale=True)
    return qs.order_by("next_general_due", "service__name", "pk")


def plan_figures(*, today: dt.date) -> dict[str, int]:
    agg = AuditPlanEntry.objects.aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=Q(next_general_due__lt=today) | Q(next_special_due__lt=today)),
        stale=Count("pk", filter=Q(stale=True)),
        special=Count("pk", filter=Q(special_required=True)),
        policy=Count("pk", filter=Q(policy_applied=True)),
    )
    return {k: int(v or 0) for k, v in agg.items()}


def audit_list(*, status: str = "") -> QuerySet[Audit]:
    qs = Audit.objects.select_related("service", "contact").annotate(
        open_findings=Count(
            "findings",
            filter=Q(findings__status__in=["open", "responded", "remediated"]),
            distinct=True,
        )
    )
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-planned_start", "title")


def audit_detail(code: Any) -> Audit:
    return Audit.objects.select_related(
        "service",
        "service__csp",
        "service__unit",
        "service__owner",
        "contact",
        "operating_unit",
        "created_by",
    ).get(code=code)


def programme_of(audit: Audit) -> QuerySet[ProgrammeItem]:
    return (
        audit.programme.select_related("tested_by")
        .annotate(
            papers=Count("working_papers", distinct=True),
            n_findings=Count("findings", distinct=True),
        )
        .order_by("order")
    )


def findings_of(audit: Audit) -> QuerySet[Finding]:
    return audit.findings.select_related(
        "owner", "remediated_by", "verified_by", "raised_by", "programme_item"
    ).order_by("status", "due_date")


def auditors() -> QuerySet[Auditor]:
    return (
        Auditor.objects.select_related("unit", "user")
        .prefetch_related("certificates", "experience")
        .order_by("-active", "name")
    )


def finding_list(*, status: str = "", owner: Any = None) -> QuerySet[Finding]:
    qs = Finding.objects.select_related("audit", "audit__service", "owner")
    if status:
        qs = qs.filter(status=status)
    if owner is not None:
        qs = qs.filter(owner=owner)
    return qs.order_by("status", "due_date")


def usage_for_node(node_id: str, limit: int) -> Any:
    """For the manual browser: the audit programme items that test this manual item."""
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _

    from fincloud.manual.usage import UsageRef

    rows = (
        ProgrammeItem.objects.filter(catalog_id=node_id)
        .select_related("audit")
        .order_by("-audit__planned_start")[:limit]
    )
    for row in rows:
        yield UsageRef(
            label=_("Audit programme"),
            title=f"{row.audit} · {row.get_result_display()}",
            url=reverse("audits:programme_item", kwargs={"code": row.code}),
        )
