"""Reads of de-identification jobs, with their relations loaded (no N+1)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from fincloud.privacy.models import DeidJob, MarketingDeletion


def jobs(*, state: str = "", purpose: str = "") -> QuerySet[DeidJob]:
    qs = DeidJob.objects.select_related(
        "unit", "prepared_by", "decided_by", "cloud_service", "cloud_service__csp"
    ).defer("policy_text", "run_record", "scan_before", "scan_after", "assessment")
    if state:
        qs = qs.filter(state=state)
    if purpose:
        qs = qs.filter(policy_purpose=purpose)
    return qs.order_by("-prepared_at")


def job_detail(code: Any) -> DeidJob:
    return DeidJob.objects.select_related(
        "unit",
        "prepared_by",
        "submitted_by",
        "decided_by",
        "run_by",
        "keep_decided_by",
        "cloud_service",
        "cloud_service__csp",
    ).get(code=code)


def deletions_of(job: DeidJob) -> list[MarketingDeletion]:
    return list(job.deletions.select_related("recorded_by").order_by("-recorded_at"))
