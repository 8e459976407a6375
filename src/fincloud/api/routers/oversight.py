"""Outages (Ch 3.4 (b)): read and record, through fincloud.oversight.services."""

import datetime as dt
import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from fincloud.api.schemas import Ref, UserRef, aware, max_length, user_ref
from fincloud.api.security import operation
from fincloud.oversight import selectors, services
from fincloud.oversight.models import Outage
from fincloud.register.models import CloudService

router = Router(tags=["outages"])


class OutageOut(Schema):
    code: uuid.UUID
    title: str
    start: dt.datetime
    end: dt.datetime | None
    planned: bool
    cause: str
    csp_reference: str
    csp: Ref | None
    services: list[Ref]
    source: str
    recorded_by: UserRef
    recorded_at: dt.datetime

    @staticmethod
    def resolve_csp(obj: Outage) -> Any:
        return obj.csp if obj.csp_id else None

    @staticmethod
    def resolve_services(obj: Outage) -> list[Any]:
        return list(obj.services.all())

    @staticmethod
    def resolve_recorded_by(obj: Outage) -> dict[str, str] | None:
        return user_ref(obj.recorded_by)


class OutageFilters(Schema):
    """The filters of the web list (oversight:outage_list), and the service's outages."""

    q: str = Field("", max_length=100, description="Title, CSP reference or cause")
    ongoing: bool = False
    service: uuid.UUID | None = None


class OutageIn(Schema):
    services: list[uuid.UUID] = Field(..., min_length=1, max_length=50)
    start: dt.datetime
    end: dt.datetime | None = None
    planned: bool = False
    title: str = Field("", max_length=max_length(Outage, "title"))
    cause: str = Field("", max_length=2000)
    csp_reference: str = Field("", max_length=max_length(Outage, "csp_reference"))


@operation(
    router,
    "GET",
    "/outages",
    capability="oversight.view",
    response=list[OutageOut],
    ordering={"-start": ("-start", "-pk")},
    summary="Outages (the filters of the web list)",
)
def outage_list(request: HttpRequest, filters: Query[OutageFilters]) -> Any:
    service = None
    if filters.service is not None:
        service = CloudService.objects.filter(code=filters.service).first()
        if service is None:
            return Outage.objects.none()
    # The oversight app's own selector (its services prefetched, its CSP joined).
    return selectors.outages(service=service, search=filters.q.strip(), ongoing=filters.ongoing)


@operation(router, "GET", "/outages/{code}", capability="oversight.view", response=OutageOut)
def outage_get(request: HttpRequest, code: uuid.UUID) -> Any:
    found = selectors.outages().filter(code=code).first()
    if found is None:
        raise Http404
    return found


@operation(
    router,
    "POST",
    "/outages",
    capability="oversight.outage",
    response={201: OutageOut},
    summary="Record an outage (its services' attainment is computed again)",
)
def outage_record(request: HttpRequest, payload: OutageIn) -> Any:
    codes = list(dict.fromkeys(payload.services))
    found = {s.code: s for s in CloudService.objects.filter(code__in=codes).select_related("csp")}
    missing = [str(c) for c in codes if c not in found]
    if missing:
        raise ValidationError(
            {
                "services": ValidationError(
                    f"services: unknown codes {', '.join(missing)}.", "unknown"
                )
            }
        )
    outage = services.outage_record(
        actor=request.user,
        services=[found[c] for c in codes],
        start=aware(payload.start),
        end=aware(payload.end) if payload.end else None,
        planned=payload.planned,
        cause=payload.cause,
        csp_reference=payload.csp_reference,
        title=payload.title,
    )
    return Status(201, _reload(outage.code))


def _reload(code: uuid.UUID) -> Outage:
    return selectors.outages().get(code=code)
