"""Reads of the resilience app, with their joins applied (no N+1 on any page)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.urls import NoReverseMatch, reverse

from fincloud.resilience.models import (
    BusinessImpactAnalysis,
    ContinuityPlan,
    DeletionRecord,
    Drill,
    DrillReport,
    ExitExecution,
    ExitPlan,
    Incident,
    IncidentNotice,
    PostIncidentReview,
    Problem,
    ProviderContinuityReview,
)
from fincloud.workflow.models import State


def impact_analyses() -> QuerySet[BusinessImpactAnalysis]:
    return BusinessImpactAnalysis.objects.select_related(
        "service", "service__csp", "unit", "prepared_by", "submitted_by", "decided_by"
    )


def incidents() -> QuerySet[Incident]:
    return Incident.objects.select_related(
        "service", "reported_by", "handler", "problem"
    ).prefetch_related(
        Prefetch("notices", queryset=IncidentNotice.objects.select_related("rule", "sent_by"))
    )


def open_notices() -> QuerySet[IncidentNotice]:
    """Notices due and not yet sent, soonest first (the overdue ones lead)."""
    return (
        IncidentNotice.objects.filter(sent_at__isnull=True, due_at__isnull=False)
        .select_related("incident", "incident__service", "rule")
        .order_by("due_at")
    )


def problems() -> QuerySet[Problem]:
    return Problem.objects.select_related("service", "unit", "owner", "closed_by")


def reviews() -> QuerySet[PostIncidentReview]:
    return PostIncidentReview.objects.select_related(
        "incident", "incident__service", "unit", "prepared_by", "submitted_by", "decided_by"
    )


def plans() -> QuerySet[ContinuityPlan]:
    return ContinuityPlan.objects.select_related(
        "service",
        "service__csp",
        "impact_analysis",
        "unit",
        "prepared_by",
        "submitted_by",
        "decided_by",
    )


def drills() -> QuerySet[Drill]:
    return Drill.objects.select_related(
        "plan", "plan__service", "unit", "prepared_by", "submitted_by", "decided_by"
    )


def drill_reports() -> QuerySet[DrillReport]:
    return DrillReport.objects.select_related(
        "drill", "drill__plan", "unit", "prepared_by", "submitted_by", "decided_by"
    )


def provider_reviews() -> QuerySet[ProviderContinuityReview]:
    return ProviderContinuityReview.objects.select_related("csp", "reviewed_by")


def exit_plans() -> QuerySet[ExitPlan]:
    return ExitPlan.objects.select_related(
        "service", "service__csp", "unit", "prepared_by", "submitted_by", "decided_by"
    )


def executions() -> QuerySet[ExitExecution]:
    return ExitExecution.objects.select_related("plan", "service", "started_by")


def deletions() -> QuerySet[DeletionRecord]:
    return DeletionRecord.objects.select_related(
        "execution",
        "execution__service",
        "execution__plan",
        "unit",
        "prepared_by",
        "submitted_by",
        "decided_by",
    )


def drills_due(until: dt.date) -> QuerySet[ContinuityPlan]:
    return (
        plans()
        .filter(state=State.APPROVED, next_drill_due__isnull=False, next_drill_due__lte=until)
        .order_by("next_drill_due")
    )


def _services() -> QuerySet[Any]:
    from fincloud.register.models import CloudService, Stage

    return CloudService.objects.exclude(stage=Stage.AFTER_USE).exclude(
        status__in=["cancelled", "terminated"]
    )


def _with(model: Any, *, approved_only: bool) -> Exists:
    qs = model.objects.filter(service=OuterRef("pk"))
    qs = qs.filter(state=State.APPROVED) if approved_only else qs.exclude(state=State.SUPERSEDED)
    return Exists(qs)


def services_without_exit_plan() -> QuerySet[Any]:
    """Ch 8.5 has no materiality limit: every service needs an exit plan."""
    return (
        _services()
        .filter(~_with(ExitPlan, approved_only=False))
        .select_related("csp")
        .order_by("name")
    )


def coverage() -> dict[str, int]:
    """How many services (not ended) lack an approved BIA, BCP and exit plan."""
    services = _services()
    return {
        "services": services.count(),
        "without_bia": services.filter(~_with(BusinessImpactAnalysis, approved_only=True)).count(),
        "without_plan": services.filter(~_with(ContinuityPlan, approved_only=True)).count(),
        "without_exit": services.filter(~_with(ExitPlan, approved_only=True)).count(),
    }


# The governance app keeps the institution-level exit strategy (Annex 2 日常執行與控管,
# 轉移策略及計畫; its ExitStrategy record); link to it rather than keep a second copy here.


def exit_strategy_url() -> str | None:
    """The current approved exit strategy's page, else the governance mechanisms page."""
    from django.apps import apps

    if not apps.is_installed("fincloud.governance"):
        return None
    try:
        from fincloud.governance.models import ExitStrategy

        current = ExitStrategy.objects.filter(state=State.APPROVED).order_by("-version").first()
        if current is not None:
            return reverse(
                "governance:mechanism_detail", kwargs={"kind": "exit", "code": current.code}
            )
        return reverse("governance:mechanisms")
    except (ImportError, NoReverseMatch):
        return None
