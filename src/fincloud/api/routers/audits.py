"""Audit findings (Ch 7): read, with the web list's filters."""

import datetime as dt
import uuid
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from fincloud.api.schemas import UserRef, choices, user_ref
from fincloud.api.security import operation
from fincloud.audits import selectors
from fincloud.audits.models import Finding

router = Router(tags=["findings"])


class AuditRef(Schema):
    code: uuid.UUID
    title: str
    kind: str
    status: str
    service: uuid.UUID

    @staticmethod
    def resolve_service(obj: Any) -> uuid.UUID:
        return obj.service.code


class FindingOut(Schema):
    code: uuid.UUID
    audit: AuditRef
    title: str
    description: str
    recommendation: str
    severity: str
    status: str
    owner: UserRef
    due_date: dt.date
    overdue: bool
    csp_response_due: dt.date | None
    csp_response: str
    csp_responded_on: dt.date | None
    remediation: str
    remediated_at: dt.datetime | None
    verification: str
    verified_at: dt.datetime | None
    raised_at: dt.datetime

    @staticmethod
    def resolve_owner(obj: Finding) -> dict[str, str] | None:
        return user_ref(obj.owner)

    @staticmethod
    def resolve_overdue(obj: Finding) -> bool:
        from django.utils import timezone

        return obj.status != Finding.Status.CLOSED and obj.due_date < timezone.localdate()


class FindingFilters(Schema):
    """The filters of the web list (audits:finding_list)."""

    status: Literal["", *choices(Finding.Status)] = ""  # type: ignore[valid-type]
    severity: Literal["", *choices(Finding.Severity)] = ""  # type: ignore[valid-type]
    mine: bool = Field(False, description="Only the findings I own")
    service: uuid.UUID | None = None


@operation(
    router,
    "GET",
    "/findings",
    capability="audits.view",
    response=list[FindingOut],
    ordering={"due": ("due_date", "pk"), "-raised": ("-raised_at", "-pk")},
    summary="Audit findings (the filters of the web list)",
)
def finding_list(request: HttpRequest, filters: Query[FindingFilters]) -> Any:
    rows = selectors.finding_list(
        status=filters.status, owner=request.user if filters.mine else None
    ).select_related("audit__service")
    if filters.severity:
        rows = rows.filter(severity=filters.severity)
    if filters.service is not None:
        rows = rows.filter(audit__service__code=filters.service)
    return rows


@operation(router, "GET", "/findings/{code}", capability="audits.view", response=FindingOut)
def finding_get(request: HttpRequest, code: uuid.UUID) -> Any:
    found = selectors.finding_list().select_related("audit__service").filter(code=code).first()
    if found is None:
        raise Http404
    return found
