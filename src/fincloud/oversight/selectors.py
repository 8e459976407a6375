"""Reads that several oversight pages need, with their joins done (no N+1)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet

from fincloud.oversight.dates import month_grid
from fincloud.oversight.models import (
    AttainmentRecord,
    Indicator,
    Outage,
    PeriodicReview,
    ReportReview,
    ReviewSchedule,
)
from fincloud.register.models import CloudService
from fincloud.web import due


def services_for_lookup() -> QuerySet[CloudService]:
    return CloudService.objects.select_related("csp", "unit", "owner")


def attainments(
    period: str, *, breach_only: bool = False, search: str = "", unit_id: int | None = None
) -> QuerySet[AttainmentRecord]:
    rows = AttainmentRecord.objects.filter(period=period).select_related(
        "service", "service__csp", "claim"
    )
    if breach_only:
        rows = rows.filter(breach=True)
    if unit_id is not None:
        rows = rows.filter(service__unit_id=unit_id)
    if search:
        rows = rows.filter(
            Q(service__name__icontains=search) | Q(service__csp__name__icontains=search)
        )
    return rows.order_by("-breach", "availability_percent", "service__name")


def attainment_counts(period: str) -> dict[str, int]:
    agg = AttainmentRecord.objects.filter(period=period).aggregate(
        total=Count("pk"), breaches=Count("pk", filter=Q(breach=True))
    )
    return {"total": agg["total"] or 0, "breaches": agg["breaches"] or 0}


def service_attainments(
    service: CloudService, limit: int = 12
) -> dict[str, list[AttainmentRecord]]:
    rows = list(
        AttainmentRecord.objects.filter(service=service)
        .select_related("claim")
        .order_by("-period_start", "period")
    )
    months = [r for r in rows if "Q" not in r.period][:limit]
    quarters = [r for r in rows if "Q" in r.period][: max(limit // 3, 4)]
    return {"months": months, "quarters": quarters}


def outages(
    *, service: CloudService | None = None, search: str = "", ongoing: bool = False
) -> QuerySet[Outage]:
    rows = Outage.objects.select_related("csp", "recorded_by").prefetch_related("services")
    if service is not None:
        rows = rows.filter(services=service)
    if search:
        rows = rows.filter(
            Q(title__icontains=search)
            | Q(csp_reference__icontains=search)
            | Q(cause__icontains=search)
        )
    if ongoing:
        rows = rows.filter(end__isnull=True)
    return rows.order_by("-start")


def indicators(*, service: CloudService | None = None, status: str = "") -> QuerySet[Indicator]:
    rows = Indicator.objects.select_related("service", "owner").filter(active=True)
    if service is not None:
        rows = rows.filter(service=service)
    if status:
        rows = rows.filter(last_status=status)
    return rows.order_by("service__name", "kind", "name")


def schedules(
    *, overdue_only: bool = False, today: dt.date, search: str = ""
) -> QuerySet[ReviewSchedule]:
    rows = ReviewSchedule.objects.select_related("service", "service__csp", "service__unit")
    if overdue_only:
        rows = rows.filter(next_due__lt=today)
    if search:
        rows = rows.filter(service__name__icontains=search)
    return rows.order_by("next_due", "service__name")


def reviews(*, service: CloudService | None = None, state: str = "") -> QuerySet[PeriodicReview]:
    rows = PeriodicReview.objects.select_related("service", "prepared_by", "unit")
    if service is not None:
        rows = rows.filter(service=service)
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("-review_date", "-prepared_at")


def report_reviews(*, state: str = "") -> QuerySet[ReportReview]:
    rows = ReportReview.objects.select_related("csp", "prepared_by").annotate(
        open_exceptions=Count("exceptions", filter=Q(exceptions__status="open"))
    )
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("-reviewed_on")


# -- the calendar -------------------------------------------------------------------------------


UPCOMING_SHOWN = 100  # the month's list; the grid holds the rest day by day


@dataclass(frozen=True)
class CalendarDay:
    day: dt.date
    in_month: bool
    today: bool
    items: list[due.DueItem]


@dataclass(frozen=True)
class CalendarView:
    month_start: dt.date
    weeks: list[list[CalendarDay]]
    overdue: list[due.DueItem]
    upcoming: list[due.DueItem]  # this month, from today on (or the whole month if later)
    upcoming_more: int  # how many more than the list shows
    truncated: bool
    kinds: dict[str, int]


def calendar_view(
    *,
    year: int,
    month: int,
    today: dt.date,
    user: Any = None,
    unit_id: int | None = None,
    service_code: str | None = None,
    limit: int = 500,
    overdue_limit: int = 100,
    first_limit: int = 300,
) -> CalendarView:
    """One month's grid with what falls due each day, and everything already overdue, from
    every app's providers in ``fincloud.web.due``."""
    weeks_of_dates = month_grid(year, month)
    first, last = weeks_of_dates[0][0], weeks_of_dates[-1][-1]
    scope = {"user": user, "unit_id": unit_id, "service_code": service_code}
    yesterday = today - dt.timedelta(days=1)
    if first <= today <= last:
        # The current month: one question (everything due up to the grid's end) answers both,
        # sorted by date, so its overdue part is the oldest overdue items even when the limit
        # cut it; only then is the grid asked for on its own.
        everything = due.collect(due.DueQuery(start=None, end=last, limit=first_limit, **scope))
        overdue_all = [i for i in everything if i.due <= yesterday]
        overdue = overdue_all[:overdue_limit]
        if len(everything) < first_limit:
            in_grid = [i for i in everything if i.due >= first]
            truncated = len(overdue_all) > overdue_limit
        else:
            in_grid = due.collect(due.DueQuery(start=first, end=last, limit=limit, **scope))
            truncated = True
    else:
        # Another month: the grid and the overdue list are two questions.
        in_grid = due.collect(due.DueQuery(start=first, end=last, limit=limit, **scope))
        overdue = due.collect(due.DueQuery(start=None, end=yesterday, limit=overdue_limit, **scope))
        truncated = len(in_grid) >= limit or len(overdue) >= overdue_limit
    by_day: dict[dt.date, list[due.DueItem]] = defaultdict(list)
    kinds: dict[str, int] = defaultdict(int)
    for item in in_grid:
        by_day[item.due].append(item)
        kinds[item.kind] += 1
    month_start = dt.date(year, month, 1)
    weeks = [
        [CalendarDay(d, d.month == month, d == today, by_day.get(d, [])) for d in week]
        for week in weeks_of_dates
    ]
    upcoming = [
        i
        for i in in_grid
        if i.due >= max(today, month_start) and (i.due.year, i.due.month) == (year, month)
    ]
    shown = upcoming[:UPCOMING_SHOWN]
    return CalendarView(
        month_start, weeks, overdue, shown, len(upcoming) - len(shown), truncated, dict(kinds)
    )
