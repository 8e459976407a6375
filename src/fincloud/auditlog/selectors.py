"""Searching the audit trail (shared by the page and its CSV export)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet

from fincloud.auditlog.models import AuditEvent

TAIPEI = ZoneInfo("Asia/Taipei")


@dataclass(frozen=True)
class EventFilter:
    actor: str = ""
    object: str = ""
    action: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


def search_events(f: EventFilter) -> QuerySet[AuditEvent]:
    qs = AuditEvent.objects.all().order_by("-seq")
    if f.actor:
        qs = qs.filter(actor_label__icontains=f.actor)
    if f.object:
        qs = qs.filter(
            Q(object_type__icontains=f.object)
            | Q(object_id__icontains=f.object)
            | Q(object_repr__icontains=f.object)
        )
    if f.action:
        qs = qs.filter(action=f.action)
    # Dates are days in Asia/Taipei, as the page shows them.
    if f.date_from:
        qs = qs.filter(created_at__gte=dt.datetime.combine(f.date_from, dt.time.min, TAIPEI))
    if f.date_to:
        end = dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time.min, TAIPEI)
        qs = qs.filter(created_at__lt=end)
    return qs
