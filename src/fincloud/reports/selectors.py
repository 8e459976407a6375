"""Reads of the reports pages."""

from __future__ import annotations

from typing import Any

from fincloud.reports.models import ReportRun


def runs_for(user: Any, *, subject_code: Any = None, limit: int = 20) -> list[ReportRun]:
    """The person's latest reports (of one record, when given), newest first."""
    rows = ReportRun.objects.filter(requested_by=user)
    if subject_code is not None:
        rows = rows.filter(subject_code=subject_code)
    return list(rows.order_by("-requested_at", "-pk")[:limit])


def audits_of(service: Any) -> list[Any]:
    """The service's audits, for their report buttons (through the audits app's selector)."""
    from fincloud.audits import selectors

    return list(selectors.audit_list().filter(service=service))
