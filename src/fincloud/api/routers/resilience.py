"""Incidents (Ch 8.2): read with the web list's filters, and report one (any member of staff)."""

import datetime as dt
import uuid
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from fincloud.api.schemas import Ref, UserRef, aware, choices, max_length, user_ref
from fincloud.api.security import operation
from fincloud.register.models import CloudService
from fincloud.resilience import selectors, services
from fincloud.resilience.models import Incident, IncidentCategory, Severity

router = Router(tags=["incidents"])


class IncidentOut(Schema):
    code: uuid.UUID
    reference: str
    title: str
    description: str
    service: Ref | None
    category: str
    severity: str
    status: str
    detected_at: dt.datetime
    reported_at: dt.datetime
    reported_by: UserRef
    contained_at: dt.datetime | None
    resolved_at: dt.datetime | None
    customer_impact: bool
    customers_affected: int | None
    csp_notice_received_at: dt.datetime | None
    csp_reference: str
    updated_at: dt.datetime

    @staticmethod
    def resolve_service(obj: Incident) -> Any:
        return obj.service if obj.service_id else None

    @staticmethod
    def resolve_reported_by(obj: Incident) -> dict[str, str] | None:
        return user_ref(obj.reported_by)


class IncidentFilters(Schema):
    """The filters of the web list (resilience:incident_list)."""

    status: Literal["", *choices(Incident.Status)] = ""  # type: ignore[valid-type]
    severity: Literal["", *choices(Severity)] = ""  # type: ignore[valid-type]
    service: uuid.UUID | None = None


class IncidentIn(Schema):
    title: str = Field(..., min_length=1, max_length=max_length(Incident, "title"))
    description: str = Field(..., min_length=1, max_length=8000)
    service: uuid.UUID | None = None
    category: Literal[*choices(IncidentCategory)]  # type: ignore[valid-type]
    severity: Literal[*choices(Severity)]  # type: ignore[valid-type]
    detected_at: dt.datetime
    customer_impact: bool = False
    customer_impact_note: str = Field("", max_length=4000)
    csp_notice_received_at: dt.datetime | None = None
    csp_reference: str = Field("", max_length=max_length(Incident, "csp_reference"))


def _rows() -> Any:
    # The list needs neither the notices nor the problem the detail page shows.
    return Incident.objects.select_related("service", "reported_by")


@operation(
    router,
    "GET",
    "/incidents",
    capability="resilience.view",
    response=list[IncidentOut],
    ordering={"-detected": ("-detected_at", "-pk")},
    summary="Incidents (the filters of the web list)",
)
def incident_list(request: HttpRequest, filters: Query[IncidentFilters]) -> Any:
    rows = _rows()
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.severity:
        rows = rows.filter(severity=filters.severity)
    if filters.service is not None:
        rows = rows.filter(service__code=filters.service)
    return rows


@operation(router, "GET", "/incidents/{code}", capability="resilience.view", response=IncidentOut)
def incident_get(request: HttpRequest, code: uuid.UUID) -> Any:
    found = selectors.incidents().filter(code=code).first()
    if found is None:
        raise Http404
    return found


@operation(
    router,
    "POST",
    "/incidents",
    capability="resilience.report_incident",
    response={201: IncidentOut},
    summary="Report an incident (the staff reporting channel, Ch 8.2)",
)
def incident_report(request: HttpRequest, payload: IncidentIn) -> Any:
    data = payload.dict()
    if data["service"] is not None:
        service = CloudService.objects.filter(code=data["service"]).first()
        if service is None:
            raise ValidationError(
                {
                    "service": ValidationError(
                        f"service: no service has the code {data['service']}.", "unknown"
                    )
                }
            )
        data["service"] = service
    data["detected_at"] = aware(data["detected_at"])
    if data["csp_notice_received_at"] is not None:
        data["csp_notice_received_at"] = aware(data["csp_notice_received_at"])
    incident = services.incident_report(actor=request.user, **data)
    return Status(201, _rows().get(pk=incident.pk))
