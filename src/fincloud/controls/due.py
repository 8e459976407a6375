"""The controls app's deadlines for ``fincloud.web.due``: control evidence that expires, control
gaps to be closed, and advisories awaiting a response. Filtered in the database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fincloud.controls.models import (
    Advisory,
    ControlAssessment,
    ControlItem,
    ServiceControl,
    Status,
)
from fincloud.evidence.models import EvidenceFile
from fincloud.register.models import CloudService
from fincloud.web.due import DueItem, DueQuery
from fincloud.workflow.models import State

EVIDENCE_EXPIRES = _("Control evidence expires")
GAP_DUE = _("Control gap to be closed")
ADVISORY_DUE = _("Advisory awaits a response")


def _range(field: str, query: DueQuery) -> Q:
    q = Q(**{f"{field}__isnull": False})
    if query.start is not None:
        q &= Q(**{f"{field}__gte": query.start})
    if query.end is not None:
        q &= Q(**{f"{field}__lte": query.end})
    return q


def _services(query: DueQuery) -> Q | None:
    q = Q()
    if query.service_code:
        q &= Q(code=query.service_code)
    if query.unit_id is not None:
        q &= Q(unit_id=query.unit_id)
    if query.user is not None and getattr(query.user, "pk", None):
        q &= Q(owner_id=query.user.pk)
    return q if q else None


def evidence_expiries(query: DueQuery) -> Iterator[DueItem]:
    """The latest revision of each control evidence document, by its expiry date."""
    ctype = ContentType.objects.get_for_model(ServiceControl)
    files = EvidenceFile.objects.filter(_range("expiry_date", query), owner_type=ctype)
    scope = _services(query)
    if scope is not None:
        controls = ServiceControl.objects.filter(
            service__in=CloudService.objects.filter(scope)
        ).values(key=Cast("pk", CharField()))
        files = files.filter(owner_id__in=controls)
    rows = list(files.order_by("expiry_date", "pk")[: query.limit * 2])
    newest: dict[Any, int] = {}
    for revision in EvidenceFile.objects.filter(
        document_code__in={r.document_code for r in rows}
    ).values_list("document_code", "revision"):
        newest[revision[0]] = max(newest.get(revision[0], 0), revision[1])
    controls_by_pk = {
        str(c.pk): c
        for c in ServiceControl.objects.filter(
            pk__in=[int(r.owner_id) for r in rows]
        ).select_related("service", "service__unit")
    }
    count = 0
    for row in rows:
        if row.revision != newest.get(row.document_code) or count >= query.limit:
            continue
        control = controls_by_pk.get(row.owner_id)
        if control is None or row.expiry_date is None:
            continue
        count += 1
        yield DueItem(
            kind="control_evidence_expiry",
            label=EVIDENCE_EXPIRES,
            title=f"{row.title} · {control.service.name} · {control.catalog_id}",
            due=row.expiry_date,
            url=reverse("controls:service", kwargs={"code": control.service.code}),
            service_code=str(control.service.code),
            unit_id=control.service.unit_id,
            owner_id=control.service.owner_id,
            extra={"catalog_id": control.catalog_id, "evidence_code": str(row.code)},
        )


def control_gaps(query: DueQuery) -> Iterator[DueItem]:
    """Gaps of the current assessments (draft, submitted or approved) by their target date."""
    items = ControlItem.objects.filter(
        _range("target_date", query),
        status__in=[Status.PARTIAL, Status.NOT_IMPLEMENTED],
        assessment__state__in=[State.DRAFT, State.SUBMITTED, State.APPROVED, State.REJECTED],
    ).select_related("assessment", "assessment__service", "assessment__prepared_by")
    scope = _services(query)
    if scope is not None:
        items = items.filter(assessment__service__in=CloudService.objects.filter(scope))
    for item in items.order_by("target_date", "pk")[: query.limit]:
        assessment: ControlAssessment = item.assessment
        assert item.target_date is not None  # noqa: S101 - filtered above
        yield DueItem(
            kind="control_gap",
            label=GAP_DUE,
            title=f"{assessment.service.name} · {item.catalog_id}",
            due=item.target_date,
            url=reverse("controls:item", kwargs={"code": item.code}),
            service_code=str(assessment.service.code),
            unit_id=assessment.service.unit_id,
            owner_id=assessment.prepared_by_id,
            extra={"catalog_id": item.catalog_id, "status": item.status},
        )


def advisory_deadlines(query: DueQuery) -> Iterator[DueItem]:
    advisories = Advisory.objects.filter(
        _range("respond_by", query),
        state__in=[Advisory.State.RECEIVED, Advisory.State.ASSESSED],
    ).select_related("source")
    if query.user is not None and getattr(query.user, "pk", None):
        advisories = advisories.filter(handled_by_id=query.user.pk)
    if query.service_code or query.unit_id is not None:
        scope = _services(query)
        advisories = advisories.filter(services__in=CloudService.objects.filter(scope or Q()))
    for advisory in advisories.distinct().order_by("respond_by", "pk")[: query.limit]:
        assert advisory.respond_by is not None  # noqa: S101 - filtered above
        yield DueItem(
            kind="advisory_response",
            label=ADVISORY_DUE,
            title=f"{advisory.source.name} · {advisory.title}",
            due=advisory.respond_by,
            url=reverse("controls:advisory", kwargs={"code": advisory.code}),
            owner_id=advisory.handled_by_id,
            extra={"severity": advisory.severity},
        )
