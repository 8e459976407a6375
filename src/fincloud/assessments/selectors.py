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
