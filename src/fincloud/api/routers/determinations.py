"""Stored rule results (fincloud.determinations) of services and their pre-use assessments."""

import datetime as dt
import uuid
from typing import Any, Literal

from django.contrib.contenttypes.models import ContentType
from django.db.models import BigIntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Cast
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from fincloud.api.schemas import UserRef, user_ref
from fincloud.api.security import operation
from fincloud.assessments.models import Assessment
from fincloud.determinations.models import Determination
from fincloud.register.models import CloudService

router = Router(tags=["determinations"])

# The subjects the API shows, by the name a client uses.
SUBJECTS: dict[str, type[Any]] = {"service": CloudService, "assessment": Assessment}


class DeterminationSubject(Schema):
    type: str
    code: uuid.UUID | None


class DeterminationOut(Schema):
    code: uuid.UUID
    subject: DeterminationSubject
    kind: str
    inputs: dict[str, Any]
    outcome: Any
    rule_version: str
    citations: list[Any]
    explanation_zh: list[Any]
    explanation_en: list[Any]
    computed_at: dt.datetime
    confirmed_outcome: Any
    confirmed_by: UserRef | None
    confirmed_at: dt.datetime | None
    reason: str
    stale: bool
    current: bool

    @staticmethod
    def resolve_subject(obj: Any) -> dict[str, Any]:
        # service_code / assessment_code are annotated by _rows() (no query per row).
        if obj.subject_type_id == ContentType.objects.get_for_model(CloudService).pk:
            return {"type": "service", "code": obj.service_code}
        return {"type": "assessment", "code": obj.assessment_code}

    @staticmethod
    def resolve_confirmed_by(obj: Determination) -> dict[str, str] | None:
        return user_ref(obj.confirmed_by) if obj.confirmed_by_id else None


class DeterminationFilters(Schema):
    service: uuid.UUID | None = Field(None, description="Of this service (and its assessments)")
    assessment: uuid.UUID | None = Field(None, description="Of this assessment")
    kind: str = Field("", max_length=40)
    subject_type: Literal["", "service", "assessment"] = ""
    stale: bool | None = None
    include_history: bool = Field(False, description="Also results a newer one replaced")


def _rows() -> Any:
    """Determinations of the exposed subjects, each with its subject's type name and code
    (one query: the codes come as subqueries, not one lookup per row)."""
    types = {name: ContentType.objects.get_for_model(model) for name, model in SUBJECTS.items()}
    code_of = {
        name: Subquery(
            model.objects.filter(
                pk=Cast(OuterRef("subject_id"), output_field=BigIntegerField())
            ).values("code")[:1]
        )
        for name, model in SUBJECTS.items()
    }
    rows = Determination.objects.filter(subject_type__in=types.values()).select_related(
        "confirmed_by", "subject_type"
    )
    return rows.annotate(
        service_code=code_of["service"], assessment_code=code_of["assessment"]
    ), types


@operation(
    router,
    "GET",
    "/determinations",
    capability="register.view",
    response=list[DeterminationOut],
    ordering={"-computed": ("-computed_at", "-pk")},
    summary="Rule results of services and assessments",
)
def determination_list(request: HttpRequest, filters: Query[DeterminationFilters]) -> Any:
    user: Any = request.user
    rows, types = _rows()
    if not user.can("assessments.view"):
        rows = rows.filter(subject_type=types["service"])
    if not filters.include_history:
        rows = rows.filter(current=True)
    if filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.subject_type:
        rows = rows.filter(subject_type=types[filters.subject_type])
    if filters.stale is not None:
        rows = rows.filter(stale=filters.stale)
    if filters.service is not None:
        service = CloudService.objects.filter(code=filters.service).only("pk").first()
        ids = [service.pk] if service else []
        assessment_ids = list(
            Assessment.objects.filter(service__in=ids).values_list("pk", flat=True)
        )
        rows = rows.filter(
            Q(subject_type=types["service"], subject_id__in=[str(i) for i in ids])
            | Q(subject_type=types["assessment"], subject_id__in=[str(i) for i in assessment_ids])
        )
    if filters.assessment is not None:
        assessment = Assessment.objects.filter(code=filters.assessment).only("pk").first()
        rows = rows.filter(
            subject_type=types["assessment"],
            subject_id__in=[str(assessment.pk)] if assessment else [],
        )
    return rows


@operation(
    router,
    "GET",
    "/determinations/{code}",
    capability="register.view",
    response=DeterminationOut,
)
def determination_get(request: HttpRequest, code: uuid.UUID) -> Any:
    user: Any = request.user
    rows, types = _rows()
    if not user.can("assessments.view"):
        rows = rows.filter(subject_type=types["service"])
    found = rows.filter(code=code).first()
    if found is None:
        raise Http404
    return found
