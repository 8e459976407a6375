"""Reads several pages need, with their related rows fetched up front (no N+1)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Count, Prefetch, Q, QuerySet

from fincloud.assessments.models import (
    AlternativeMeasure,
    Assessment,
    ComparisonVendor,
    ContractRowCheck,
    ReevaluationFlag,
    VendorComparison,
)
from fincloud.evidence.models import EvidenceFile
from fincloud.workflow.models import State


def evidence_counts(model: type[models.Model], pks: Iterable[Any]) -> dict[Any, int]:
    """Documents (not revisions) attached to each row, in one query."""
    ids = [str(pk) for pk in pks]
    if not ids:
        return {}
    rows = (
        EvidenceFile.objects.filter(
            owner_type=ContentType.objects.get_for_model(model), owner_id__in=ids
        )
        .values("owner_id")
        .annotate(n=Count("document_code", distinct=True))
    )
    counts = {r["owner_id"]: r["n"] for r in rows}
    return {pk: counts.get(str(pk), 0) for pk in pks}


def evidence_by_owner(model: type[models.Model], pks: Iterable[Any]) -> dict[str, list[Any]]:
    """The latest revision of each document attached to each row, in one query."""
    ids = [str(pk) for pk in pks]
    out: dict[str, list[Any]] = {i: [] for i in ids}
    if not ids:
        return out
    seen: set[Any] = set()
    files = (
        EvidenceFile.objects.filter(
            owner_type=ContentType.objects.get_for_model(model), owner_id__in=ids
        )
        .select_related("blob", "uploaded_by")
        .order_by("owner_id", "document_code", "-revision")
    )
    for f in files:
        if f.document_code in seen:
            continue
        seen.add(f.document_code)
        out[f.owner_id].append(f)
    return out


def assessment_queryset() -> QuerySet[Assessment]:
    return Assessment.objects.select_related(
        "service",
        "service__csp",
        "service__unit",
        "unit",
        "prepared_by",
        "submitted_by",
        "decided_by",
        "matrix",
        "materiality_judged_by",
        "no_incident_document",
    )


def assessment_list(
    *,
    state: str = "",
    classification: str = "",
    csp: str = "",
    q: str = "",
    current_only: bool = True,
) -> QuerySet[Assessment]:
    qs = Assessment.objects.select_related(
        "service", "service__csp", "unit", "prepared_by"
    ).order_by("-prepared_at")
    if current_only and not state:
        qs = qs.exclude(state=State.SUPERSEDED)
    if state:
        qs = qs.filter(state=state)
    if classification:
        qs = qs.filter(service__classification=classification)
    if csp:
        qs = qs.filter(service__csp__code=csp)
    if q:
        qs = qs.filter(Q(service__name__icontains=q) | Q(service__csp__name__icontains=q))
    return qs


def contract_rows(assessment: Assessment) -> list[ContractRowCheck]:
    return list(
        assessment.contract_rows.filter(applicable=True)
        .order_by("order")
        .prefetch_related(
            "documents",
            "revisions",
            Prefetch("measures", queryset=AlternativeMeasure.objects.select_related("owner")),
        )
    )


def open_flags(assessment: Assessment) -> list[ReevaluationFlag]:
    return list(
        ReevaluationFlag.objects.filter(
            assessment__service_id=assessment.service_id, resolved_at__isnull=True
        ).select_related("assessment")
    )


def current_assessment(service: Any) -> Assessment | None:
    """The assessment a service page shows: the open one if any, else the approved one."""
    rows = list(
        Assessment.objects.filter(service=service)
        .exclude(state=State.SUPERSEDED)
        .select_related("prepared_by", "decided_by")
        .order_by("-version")[:2]
    )
    return rows[0] if rows else None


def comparison_list() -> QuerySet[VendorComparison]:
    return (
        VendorComparison.objects.select_related("service", "created_by")
        .annotate(n_vendors=Count("vendors"))
        .order_by("-is_example", "-created_at")
    )


def comparison_detail(comparison: VendorComparison) -> list[ComparisonVendor]:
    return list(
        comparison.vendors.select_related("csp").prefetch_related("cells").order_by("order", "id")
    )


def usage_for_node(node_id: str, limit: int) -> Any:
    """For the manual browser: the pre-use assessments that answer this manual item (Annex 2
    items, Annex 3 rows, Ch 3.1 due-diligence items, Ch 2.2 risks), current versions only."""
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _

    from fincloud.assessments.models import ChecklistAnswer, DueDiligenceAnswer, Risk
    from fincloud.manual.usage import UsageRef

    current = ~Q(assessment__state=State.SUPERSEDED)
    if node_id.startswith("a3."):
        rows = (
            ContractRowCheck.objects.filter(
                current, row=node_id.removeprefix("a3."), applicable=True
            )
            .select_related("assessment__service")
            .order_by("-assessment__prepared_at")[:limit]
        )
        for r in rows:
            yield UsageRef(
                label=_("Contract checklist"),
                title=f"{r.assessment} · {r.get_judgement_display() or '—'}",
                url=reverse("assessments:contract", kwargs={"code": r.assessment.code})
                + f"#row-{r.row}",
            )
    elif node_id.startswith("a2.before."):
        answers = (
            ChecklistAnswer.objects.filter(current, item_id=node_id)
            .select_related("assessment__service")
            .order_by("-assessment__prepared_at")[:limit]
        )
        for a in answers:
            yield UsageRef(
                label=_("Annex 2 item"),
                title=f"{a.assessment} · {a.get_status_display()}",
                url=reverse("assessments:detail", kwargs={"code": a.assessment.code}),
            )
    elif node_id.startswith("ch3.1."):
        dd = (
            DueDiligenceAnswer.objects.filter(current, item_id=node_id)
            .select_related("assessment__service")
            .order_by("-assessment__prepared_at")[:limit]
        )
        for d in dd:
            yield UsageRef(
                label=_("Due diligence"),
                title=f"{d.assessment} · {d.get_result_display()}",
                url=reverse(
                    "assessments:due_diligence_item",
                    kwargs={"code": d.assessment.code, "answer": d.code},
                ),
            )
    elif node_id.startswith("ch2.2.risk."):
        risks = (
            Risk.objects.filter(current, catalog_id=node_id)
            .select_related("assessment__service")
            .order_by("-assessment__prepared_at")[:limit]
        )
        for risk in risks:
            yield UsageRef(
                label=_("Risk assessment"),
                title=f"{risk.assessment} · {risk.likelihood or '—'} × {risk.impact or '—'}",
                url=reverse("assessments:risks", kwargs={"code": risk.assessment.code}),
            )
