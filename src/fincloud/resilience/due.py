"""What the resilience app has due, for the dashboard and the calendar (``fincloud.web.due``).

Kinds: ``incident_notification`` (a notice the institution's rules call for, due hours after
detection), ``post_incident_review`` (a resolved incident without an approved review),
``recurring_problem`` (mitigation of an escalated pattern), ``drill`` (the next drill of an
approved continuity plan), ``drill_follow_up``, ``csp_bcp_follow_up`` (exceptions found in the
CSP's continuity report). Every filter runs in the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fincloud.resilience.models import (
    ContinuityPlan,
    FollowUp,
    Incident,
    IncidentNotice,
    PostIncidentReview,
    Problem,
    ProviderContinuityReview,
)
from fincloud.web.due import DueItem, DueQuery
from fincloud.workflow.models import State


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _date_range(qs: QuerySet[Any], field: str, query: DueQuery) -> QuerySet[Any]:
    if query.start is not None:
        qs = qs.filter(**{f"{field}__gte": query.start})
    if query.end is not None:
        qs = qs.filter(**{f"{field}__lte": query.end})
    return qs


def _time_range(qs: QuerySet[Any], field: str, query: DueQuery) -> QuerySet[Any]:
    if query.start is not None:
        qs = qs.filter(**{f"{field}__gte": _start_of(query.start)})
    if query.end is not None:
        qs = qs.filter(**{f"{field}__lt": _start_of(query.end + dt.timedelta(days=1))})
    return qs


def _scope(
    qs: QuerySet[Any], query: DueQuery, *, service: str, unit: str, owner: str
) -> QuerySet[Any]:
    if query.service_code:
        qs = qs.filter(**{f"{service}__code": query.service_code})
    if query.unit_id is not None:
        qs = qs.filter(**{unit: query.unit_id})
    if query.user is not None:
        qs = qs.filter(**{owner: query.user.pk})
    return qs


def _service_code(obj: Any) -> str | None:
    return str(obj.code) if obj is not None else None


def notification_deadlines(query: DueQuery) -> Iterable[DueItem]:
    qs = IncidentNotice.objects.filter(sent_at__isnull=True, due_at__isnull=False).select_related(
        "incident", "incident__service"
    )
    qs = _time_range(qs, "due_at", query)
    qs = _scope(
        qs,
        query,
        service="incident__service",
        unit="incident__service__unit_id",
        owner="incident__handler_id",
    )
    for notice in qs.order_by("due_at")[: query.limit]:
        incident = notice.incident
        service = incident.service
        yield DueItem(
            kind="incident_notification",
            label=_("Incident notification due"),
            title=f"{notice.recipient} · {incident.reference} {incident.title}",
            due=timezone.localtime(notice.due_at).date(),
            url=reverse("resilience:incident_detail", kwargs={"code": incident.code}),
            service_code=_service_code(service),
            unit_id=service.unit_id if service is not None else None,
            owner_id=incident.handler_id,
            extra={"due_at": str(notice.due_at), "severity": incident.severity},
        )


def reviews_due(query: DueQuery) -> Iterable[DueItem]:
    from fincloud.resilience.services import settings_get

    days = dt.timedelta(days=settings_get().review_due_days)
    approved = PostIncidentReview.objects.filter(incident=OuterRef("pk"), state=State.APPROVED)
    qs = (
        Incident.objects.filter(status=Incident.Status.RESOLVED, resolved_at__isnull=False)
        .exclude(Exists(approved))
        .select_related("service")
    )
    if query.start is not None:
        qs = qs.filter(resolved_at__gte=_start_of(query.start) - days)
    if query.end is not None:
        qs = qs.filter(resolved_at__lt=_start_of(query.end + dt.timedelta(days=1)) - days)
    qs = _scope(qs, query, service="service", unit="service__unit_id", owner="handler_id")
    for incident in qs.order_by("resolved_at")[: query.limit]:
        yield DueItem(
            kind="post_incident_review",
            label=_("Post-incident review due"),
            title=f"{incident.reference} {incident.title}",
            due=timezone.localtime(incident.resolved_at + days).date(),  # type: ignore[operator,arg-type]
            url=reverse("resilience:incident_detail", kwargs={"code": incident.code}),
            service_code=_service_code(incident.service),
            unit_id=incident.service.unit_id if incident.service is not None else None,
            owner_id=incident.handler_id,
        )


def problems_due(query: DueQuery) -> Iterable[DueItem]:
    qs = Problem.objects.filter(status=Problem.Status.OPEN).select_related("service")
    qs = _date_range(qs, "due_date", query)
    qs = _scope(qs, query, service="service", unit="unit_id", owner="owner_id")
    for problem in qs.order_by("due_date")[: query.limit]:
        yield DueItem(
            kind="recurring_problem",
            label=_("Recurring incidents to mitigate"),
            title=str(problem),
            due=problem.due_date,
            url=reverse("resilience:problem_detail", kwargs={"code": problem.code}),
            service_code=_service_code(problem.service),
            unit_id=problem.unit_id,
            owner_id=problem.owner_id,
        )


def drills_due(query: DueQuery) -> Iterable[DueItem]:
    qs = ContinuityPlan.objects.filter(
        state=State.APPROVED, next_drill_due__isnull=False
    ).select_related("service")
    qs = _date_range(qs, "next_drill_due", query)
    qs = _scope(qs, query, service="service", unit="unit_id", owner="service__owner_id")
    for plan in qs.order_by("next_drill_due")[: query.limit]:
        yield DueItem(
            kind="drill",
            label=_("Business continuity drill due"),
            title=f"{plan.title} · {plan.service.name}",
            due=plan.next_drill_due,  # type: ignore[arg-type]
            url=reverse("resilience:plan_detail", kwargs={"code": plan.code}),
            service_code=str(plan.service.code),
            unit_id=plan.unit_id,
            owner_id=plan.service.owner_id,
        )


def follow_ups_due(query: DueQuery) -> Iterable[DueItem]:
    qs = FollowUp.objects.filter(done_on__isnull=True).select_related(
        "drill", "drill__plan", "drill__plan__service"
    )
    qs = _date_range(qs, "due_date", query)
    qs = _scope(qs, query, service="drill__plan__service", unit="drill__unit_id", owner="owner_id")
    for item in qs.order_by("due_date")[: query.limit]:
        service = item.drill.plan.service
        yield DueItem(
            kind="drill_follow_up",
            label=_("Drill follow-up due"),
            title=f"{item.description} · {item.drill.title}",
            due=item.due_date,
            url=reverse("resilience:drill_detail", kwargs={"code": item.drill.code}),
            service_code=str(service.code),
            unit_id=item.drill.unit_id,
            owner_id=item.owner_id,
        )


def provider_follow_ups_due(query: DueQuery) -> Iterable[DueItem]:
    qs = ProviderContinuityReview.objects.filter(
        follow_up_due__isnull=False, follow_up_closed_on__isnull=True
    ).select_related("csp")
    qs = _date_range(qs, "follow_up_due", query)
    if query.service_code:
        qs = qs.filter(csp__services__code=query.service_code)
    if query.unit_id is not None:
        qs = qs.filter(Q(csp__services__unit_id=query.unit_id))
    if query.user is not None:
        qs = qs.filter(reviewed_by_id=query.user.pk)
    for review in qs.distinct().order_by("follow_up_due")[: query.limit]:
        yield DueItem(
            kind="csp_bcp_follow_up",
            label=_("Follow-up of the CSP's continuity report"),
            title=str(review),
            due=review.follow_up_due,  # type: ignore[arg-type]
            url=reverse("resilience:provider_review_detail", kwargs={"code": review.code}),
            owner_id=review.reviewed_by_id,
            extra={"csp_code": str(review.csp.code)},
        )
