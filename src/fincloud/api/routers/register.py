"""CSPs and cloud services: read, create, change (through fincloud.register.services)."""

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any, Literal

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from fincloud.api.schemas import Ref, UserRef, choices, max_length, user_ref
from fincloud.api.security import operation
from fincloud.people.models import BusinessUnit, User
from fincloud.register import selectors, services
from fincloud.register.models import (
    Classification,
    CloudService,
    CloudServiceProvider,
    DeploymentModel,
    Exclusion,
    ServiceLocation,
    ServiceModel,
    Stage,
)
from fincloud.register.selectors import SERVICE_SORTS, STALE, UNCLASSIFIED

router = Router(tags=["register"])

CSP = CloudServiceProvider
SVC = CloudService
Country = Field(..., min_length=2, max_length=2, description="ISO 3166-1 alpha-2, e.g. TW")


# -- lookups (not found and not allowed look the same: 404) ---------------------------------


def get_csp(code: uuid.UUID) -> CloudServiceProvider:
    try:
        return CloudServiceProvider.objects.get(code=code)
    except CloudServiceProvider.DoesNotExist:
        raise Http404 from None


def get_service(code: uuid.UUID) -> CloudService:
    try:
        return CloudService.objects.select_related("csp", "unit").get(code=code)
    except CloudService.DoesNotExist:
        raise Http404 from None


def _field_error(field: str, message: str, rule: str = "unknown") -> Exception:
    from django.core.exceptions import ValidationError

    return ValidationError({field: ValidationError(message, code=rule)})


def resolve_csp(code: uuid.UUID, field: str = "csp") -> CloudServiceProvider:
    found = CloudServiceProvider.objects.filter(code=code).first()
    if found is None:
        raise _field_error(field, f"{field}: no cloud service provider has the code {code}.")
    return found


def resolve_unit(short_name: str) -> BusinessUnit:
    found = BusinessUnit.objects.filter(short_name=short_name).first()
    if found is None:
        raise _field_error("unit", f"unit: no business unit is named “{short_name}”.")
    return found


def resolve_owner(username: str | None) -> User | None:
    if not username:
        return None
    found = User.objects.filter(username=username, is_active=True).first()
    if found is None:
        raise _field_error("owner", f"owner: no active person has the username “{username}”.")
    return found


# -- CSPs ------------------------------------------------------------------------------------


class CspOut(Schema):
    code: uuid.UUID
    name: str
    country: str
    channel: str
    partner_name: str
    website: str
    status_page_url: str
    note: str
    created_at: dt.datetime
    updated_at: dt.datetime


class CspFilters(Schema):
    q: str = Field("", max_length=100, description="Part of the name")
    country: str = Field("", max_length=2)
    channel: Literal["", *choices(CSP.Channel)] = ""  # type: ignore[valid-type]


class CspIn(Schema):
    name: str = Field(..., min_length=1, max_length=max_length(CSP, "name"))
    country: str = Country
    channel: Literal[*choices(CSP.Channel)] = "direct"  # type: ignore[valid-type]
    partner_name: str = Field("", max_length=max_length(CSP, "partner_name"))
    website: str = Field("", max_length=max_length(CSP, "website"))
    status_page_url: str = Field("", max_length=max_length(CSP, "status_page_url"))
    note: str = Field("", max_length=4000)


class CspPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=max_length(CSP, "name"))
    country: str | None = Field(None, min_length=2, max_length=2)
    channel: Literal[*choices(CSP.Channel)] | None = None  # type: ignore[valid-type]
    partner_name: str | None = Field(None, max_length=max_length(CSP, "partner_name"))
    website: str | None = Field(None, max_length=max_length(CSP, "website"))
    status_page_url: str | None = Field(None, max_length=max_length(CSP, "status_page_url"))
    note: str | None = Field(None, max_length=4000)


@operation(
    router,
    "GET",
    "/csps",
    capability="register.view",
    response=list[CspOut],
    ordering={"name": ("name", "pk"), "-updated": ("-updated_at", "-pk")},
    summary="Cloud service providers",
)
def csp_list(request: HttpRequest, filters: Query[CspFilters]) -> Any:
    rows = CloudServiceProvider.objects.all()
    if filters.q.strip():
        rows = rows.filter(name__icontains=filters.q.strip())
    if filters.country:
        rows = rows.filter(country=filters.country)
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    return rows


@operation(router, "GET", "/csps/{code}", capability="register.view", response=CspOut)
def csp_get(request: HttpRequest, code: uuid.UUID) -> Any:
    return get_csp(code)


@operation(
    router, "POST", "/csps", capability="register.edit", response={201: CspOut}, summary="New CSP"
)
def csp_create(request: HttpRequest, payload: CspIn) -> Any:
    """A CSP bought through a partner needs its FSI addendum on file (Ch 3.3): register it in
    the web page, which takes the file with it; here the service refuses with the rule."""
    csp = services.csp_create(actor=request.user, **payload.dict())
    return Status(201, csp)


@operation(router, "PATCH", "/csps/{code}", capability="register.edit", response=CspOut)
def csp_update(request: HttpRequest, code: uuid.UUID, payload: CspPatch) -> Any:
    csp = get_csp(code)
    fields = payload.dict(exclude_unset=True)
    if not fields:
        return csp
    return services.csp_update(actor=request.user, csp=csp, **fields)


# -- services --------------------------------------------------------------------------------


class LocationOut(Schema):
    code: uuid.UUID
    country: str
    region: str
    role: str
    sub_processor: str | None

    @staticmethod
    def resolve_sub_processor(obj: ServiceLocation) -> str | None:
        return obj.sub_processor.name if obj.sub_processor is not None else None


class SubProcessorOut(Schema):
    code: uuid.UUID
    name: str
    country: str
    function: str
    parent: str | None

    @staticmethod
    def resolve_parent(obj: Any) -> str | None:
        return obj.parent.name if obj.parent is not None else None


class ServiceOut(Schema):
    code: uuid.UUID
    name: str
    csp: Ref
    description: str
    service_model: str
    deployment_model: str
    business_process: str
    information_system: str
    unit: str
    owner: UserRef | None
    involves_license_business: bool
    customer_data: bool
    personal_data: bool
    consumer_finance_system: bool
    csp_processes_or_stores_data: bool
    exclusion: str
    stage: str
    status: str
    availability_target: Decimal | None
    rto_minutes: int | None
    rpo_minutes: int | None
    planned_start: dt.date | None
    started_on: dt.date | None
    ended_on: dt.date | None
    annual_spend_twd: Decimal | None
    data_records: int | None
    in_scope: bool | None
    offshore: bool | None
    material: bool | None
    classification: str
    classification_stale: bool
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_unit(obj: CloudService) -> str:
        return obj.unit.short_name

    @staticmethod
    def resolve_owner(obj: CloudService) -> dict[str, str] | None:
        return user_ref(obj.owner) if obj.owner_id else None


class ServiceDetailOut(ServiceOut):
    locations: list[LocationOut]
    sub_processors: list[SubProcessorOut]

    @staticmethod
    def resolve_locations(obj: CloudService) -> list[Any]:
        return list(obj.locations.all())

    @staticmethod
    def resolve_sub_processors(obj: CloudService) -> list[Any]:
        return list(obj.sub_processors.all())


class ServiceFilters(Schema):
    """The filters of the web list (register:service_list)."""

    q: str = Field("", max_length=100, description="Name, process, system or CSP name")
    csp: uuid.UUID | None = Field(None, description="CSP code")
    classification: Literal[  # type: ignore[valid-type]
        "", *choices(Classification), UNCLASSIFIED, STALE
    ] = ""
    stage: Literal["", *choices(Stage)] = ""  # type: ignore[valid-type]
    unit: str = Field("", max_length=40, description="Business unit short name")
    material: Literal["", "yes", "no"] = ""
    overdue: bool = False


class LocationIn(Schema):
    country: str = Country
    region: str = Field("", max_length=max_length(ServiceLocation, "region"))
    role: Literal[*choices(ServiceLocation.Role)] = "both"  # type: ignore[valid-type]


class ServiceIn(Schema):
    name: str = Field(..., min_length=1, max_length=max_length(SVC, "name"))
    csp: uuid.UUID = Field(..., description="CSP code")
    unit: str = Field(..., max_length=40, description="Business unit short name")
    owner: str | None = Field(None, max_length=150, description="Owner's username")
    service_model: Literal[*choices(ServiceModel)]  # type: ignore[valid-type]
    deployment_model: Literal[*choices(DeploymentModel)] = "public"  # type: ignore[valid-type]
    business_process: str = Field(..., min_length=1, max_length=max_length(SVC, "business_process"))
    information_system: str = Field("", max_length=max_length(SVC, "information_system"))
    description: str = Field("", max_length=4000)
    involves_license_business: bool = False
    customer_data: bool = False
    personal_data: bool = False
    consumer_finance_system: bool = False
    csp_processes_or_stores_data: bool = True
    exclusion: Literal[*choices(Exclusion)] = "none"  # type: ignore[valid-type]
    availability_target: Decimal | None = Field(None, ge=0, le=100, max_digits=8, decimal_places=5)
    rto_minutes: int | None = Field(None, ge=0, le=2_147_483_647)
    rpo_minutes: int | None = Field(None, ge=0, le=2_147_483_647)
    planned_start: dt.date | None = None
    annual_spend_twd: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=0)
    data_records: int | None = Field(None, ge=0, le=9_223_372_036_854_775_807)
    locations: list[LocationIn] = Field([], max_length=200)


class ServicePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=max_length(SVC, "name"))
    csp: uuid.UUID | None = None
    unit: str | None = Field(None, max_length=40)
    owner: str | None = Field(None, max_length=150)
    service_model: Literal[*choices(ServiceModel)] | None = None  # type: ignore[valid-type]
    deployment_model: Literal[*choices(DeploymentModel)] | None = None  # type: ignore[valid-type]
    business_process: str | None = Field(
        None, min_length=1, max_length=max_length(SVC, "business_process")
    )
    information_system: str | None = Field(None, max_length=max_length(SVC, "information_system"))
    description: str | None = Field(None, max_length=4000)
    involves_license_business: bool | None = None
    customer_data: bool | None = None
    personal_data: bool | None = None
    consumer_finance_system: bool | None = None
    csp_processes_or_stores_data: bool | None = None
    exclusion: Literal[*choices(Exclusion)] | None = None  # type: ignore[valid-type]
    availability_target: Decimal | None = Field(None, ge=0, le=100, max_digits=8, decimal_places=5)
    rto_minutes: int | None = Field(None, ge=0, le=2_147_483_647)
    rpo_minutes: int | None = Field(None, ge=0, le=2_147_483_647)
    planned_start: dt.date | None = None
    annual_spend_twd: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=0)
    data_records: int | None = Field(None, ge=0, le=9_223_372_036_854_775_807)


# Booleans and the name may not be cleared with null; the others may.
NOT_NULLABLE = frozenset(
    {
        "name",
        "csp",
        "unit",
        "service_model",
        "deployment_model",
        "business_process",
        "information_system",
        "description",
        "involves_license_business",
        "customer_data",
        "personal_data",
        "consumer_finance_system",
        "csp_processes_or_stores_data",
        "exclusion",
    }
)


def _service_fields(data: dict[str, Any]) -> dict[str, Any]:
    for name in NOT_NULLABLE:
        if name in data and data[name] is None:
            raise _field_error(name, f"{name}: may not be null.", "null")
    if "csp" in data:
        data["csp"] = resolve_csp(data["csp"])
    if "unit" in data:
        data["unit"] = resolve_unit(data["unit"])
    if "owner" in data:
        data["owner"] = resolve_owner(data["owner"])
    return data


@operation(
    router,
    "GET",
    "/services",
    capability="register.view",
    response=list[ServiceOut],
    ordering=SERVICE_SORTS,
    summary="Cloud services (the filters of the register's list)",
)
def service_list(request: HttpRequest, filters: Query[ServiceFilters]) -> Any:
    rows = selectors.service_list(
        selectors.ServiceFilters(
            csp=str(filters.csp) if filters.csp else "",
            classification=filters.classification,
            stage=filters.stage,
            unit=filters.unit,
            material=filters.material,
            overdue=filters.overdue,
            q=filters.q,
        ),
        today=timezone.localdate(),
    )
    return rows.select_related("owner")


def _service_detail(code: uuid.UUID) -> CloudService:
    # The register's own selector: locations, chain and the rest fetched up front.
    return selectors.service_detail(code)


@operation(router, "GET", "/services/{code}", capability="register.view", response=ServiceDetailOut)
def service_get(request: HttpRequest, code: uuid.UUID) -> Any:
    return _service_detail(code)


@operation(
    router,
    "POST",
    "/services",
    capability="register.edit",
    response={201: ServiceDetailOut},
    summary="Register a cloud service (it starts before use)",
)
def service_create(request: HttpRequest, payload: ServiceIn) -> Any:
    data = payload.dict()
    locations = [
        services.LocationInput(country=loc["country"], region=loc["region"], role=loc["role"])
        for loc in data.pop("locations")
    ]
    service = services.service_create(
        actor=request.user, locations=locations, **_service_fields(data)
    )
    return Status(201, _service_detail(service.code))


@operation(
    router, "PATCH", "/services/{code}", capability="register.edit", response=ServiceDetailOut
)
def service_update(request: HttpRequest, code: uuid.UUID, payload: ServicePatch) -> Any:
    service = get_service(code)
    fields = _service_fields(payload.dict(exclude_unset=True))
    if fields:
        services.service_update(actor=request.user, service=service, **fields)
    return _service_detail(code)


@operation(
    router,
    "POST",
    "/services/{code}/locations",
    capability="register.edit",
    response={201: LocationOut},
    summary="Add a processing or storage location (Ch 1.2)",
)
def location_add(request: HttpRequest, code: uuid.UUID, payload: LocationIn) -> Any:
    service = get_service(code)
    location = services.location_add(actor=request.user, service=service, **payload.dict())
    return Status(201, location)
