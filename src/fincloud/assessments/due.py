"""What the assessments make due (fincloud.web.due): materiality re-evaluations (Ch 2.2),
alternative measures (Ch 3.3) and risk treatments (Ch 2.2 mechanism (d)), filtered in the
database."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fincloud.assessments.models import AlternativeMeasure, ReevaluationFlag, Risk
from fincloud.web.due import DueItem, DueQuery
from fincloud.workflow.models import State

REEVALUATION = _("Materiality re-evaluation")
MEASURE = _("Alternative measure due")
RISK_TREATMENT = _("Risk treatment due")


def _window(qs: QuerySet[Any], query: DueQuery, field: str) -> QuerySet[Any]:
    if query.start is not None:
        qs = qs.filter(**{f"{field}__gte": query.start})
    if query.end is not None:
        qs = qs.filter(**{f"{field}__lte": query.end})
    return qs


def _scope(qs: QuerySet[Any], query: DueQuery, prefix: str, owner: str | None) -> QuerySet[Any]:
    if query.unit_id is not None:
        qs = qs.filter(**{f"{prefix}service__unit_id": query.unit_id})
    if query.service_code:
        qs = qs.filter(**{f"{prefix}service__code": query.service_code})
    if query.user is not None and owner is not None:
        qs = qs.filter(**{owner: query.user})
    return qs


def reevaluation_items(query: DueQuery) -> Iterable[DueItem]:
    qs = ReevaluationFlag.objects.filter(resolved_at__isnull=True).select_related(
        "assessment__service"
    )
    qs = _scope(_window(qs, query, "due_date"), query, "assessment__", None)
    for flag in qs.order_by("due_date")[: query.limit]:
        service = flag.assessment.service
        yield DueItem(
            kind="materiality_reevaluation",
            label=REEVALUATION,
            title=f"{service.name} · {flag.get_reason_display()}",
            due=flag.due_date,
            url=reverse("assessments:materiality", kwargs={"code": flag.assessment.code}),
            service_code=str(service.code),
            unit_id=service.unit_id,
        )


def measure_items(query: DueQuery) -> Iterable[DueItem]:
    qs = AlternativeMeasure.objects.exclude(row__assessment__state=State.SUPERSEDED).filter(
        row__applicable=True, row__judgement="not_compliant"
    )
    qs = qs.select_related("row__assessment__service")
    qs = _scope(_window(qs, query, "due_date"), query, "row__assessment__", "owner")
    for m in qs.order_by("due_date")[: query.limit]:
        assessment = m.row.assessment
        yield DueItem(
            kind="alternative_measure",
            label=MEASURE,
            title=f"{assessment.service.name} · {m.row.row} {m.get_kind_display()}",
            due=m.due_date,
            url=reverse("assessments:contract", kwargs={"code": assessment.code})
            + f"#row-{m.row.row}",
            service_code=str(assessment.service.code),
            unit_id=assessment.service.unit_id,
            owner_id=m.owner_id,
        )


def risk_items(query: DueQuery) -> Iterable[DueItem]:
    qs = (
        Risk.objects.exclude(assessment__state=State.SUPERSEDED)
        .filter(due_date__isnull=False)
        .exclude(Q(treatment="") | Q(treatment=Risk.Treatment.ACCEPT))
        .select_related("assessment__service")
    )
    qs = _scope(_window(qs, query, "due_date"), query, "assessment__", "owner")
    for risk in qs.order_by("due_date")[: query.limit]:
        service = risk.assessment.service
        yield DueItem(
            kind="risk_treatment",
            label=RISK_TREATMENT,
            title=f"{service.name} · {risk.display_title(get_language() or 'zh-hant')[:80]}",
            due=risk.due_date,  # type: ignore[arg-type]
            url=reverse("assessments:risks", kwargs={"code": risk.assessment.code}),
            service_code=str(service.code),
            unit_id=service.unit_id,
            owner_id=risk.owner_id,
        )
