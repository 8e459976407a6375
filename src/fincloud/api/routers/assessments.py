"""Pre-use assessments: read, start a draft, submit, approve or reject.

Every transition goes through fincloud.assessments.services and so through fincloud.workflow:
the API cannot approve an assessment its caller prepared or submitted (segregation of duties,
Ch 1.4), nor one of a unit the approver may not approve for; the refusal is 403 with the rule
(``sod_preparer``, ``sod_submitter``, ``unit_scope``) and is itself audit-logged.
"""

import datetime as dt
import uuid
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from fincloud.api.schemas import Ref, UserRef, choices, user_ref
from fincloud.api.security import operation
from fincloud.assessments import selectors, services
from fincloud.assessments.models import Assessment
from fincloud.register.models import Classification, CloudService
from fincloud.workflow.models import State
from fincloud.workflow.services import record_reject

router = Router(tags=["assessments"])


def get_assessment(code: uuid.UUID) -> Assessment:
    found = selectors.assessment_queryset().filter(code=code).first()
    if found is None:
        raise Http404
    return found


class AssessmentOut(Schema):
    code: uuid.UUID
    service: Ref
    version: int
    state: str
    unit: str
    classification: str = Field(description="The service's classification (set on evaluation)")
    planned_start: dt.date | None
    material: bool | None
    due_diligence_depth: str
    prepared_by: UserRef
    prepared_at: dt.datetime
    submitted_by: UserRef | None
    submitted_at: dt.datetime | None
    decided_by: UserRef | None
    decided_at: dt.datetime | None
    decision_comment: str
    filed_on: dt.date | None
    regulator_approved_on: dt.date | None
    updated_at: dt.datetime

    @staticmethod
    def resolve_unit(obj: Assessment) -> str:
        return obj.unit.short_name

    @staticmethod
    def resolve_classification(obj: Assessment) -> str:
        return obj.service.classification

    @staticmethod
    def resolve_prepared_by(obj: Assessment) -> dict[str, str] | None:
        return user_ref(obj.prepared_by)

    @staticmethod
    def resolve_submitted_by(obj: Assessment) -> dict[str, str] | None:
        return user_ref(obj.submitted_by) if obj.submitted_by_id else None

    @staticmethod
    def resolve_decided_by(obj: Assessment) -> dict[str, str] | None:
        return user_ref(obj.decided_by) if obj.decided_by_id else None


class ProblemOut(Schema):
    section: str
    rule: str
    message: str


class ReadinessOut(Schema):
    blockers: list[ProblemOut]
    warnings: list[ProblemOut]


class AssessmentFilters(Schema):
    """The filters of the web list (assessments:list)."""

    state: Literal["", *choices(State)] = ""  # type: ignore[valid-type]
    classification: Literal["", *choices(Classification)] = ""  # type: ignore[valid-type]
    csp: uuid.UUID | None = None
    q: str = Field("", max_length=100)


class AssessmentIn(Schema):
    service: uuid.UUID = Field(description="The code of the service to assess")
    planned_start: dt.date | None = None


class DecisionIn(Schema):
    comment: str = Field("", max_length=4000)


@operation(
    router,
    "GET",
    "/assessments",
    capability="assessments.view",
    response=list[AssessmentOut],
    ordering={"-prepared": ("-prepared_at", "-pk")},
    summary="Pre-use assessments (the filters of the web list)",
)
def assessment_list(request: HttpRequest, filters: Query[AssessmentFilters]) -> Any:
    return selectors.assessment_list(
        state=filters.state,
        classification=filters.classification,
        csp=str(filters.csp) if filters.csp else "",
        q=filters.q.strip(),
    ).select_related("submitted_by", "decided_by")


@operation(
    router, "GET", "/assessments/{code}", capability="assessments.view", response=AssessmentOut
)
def assessment_get(request: HttpRequest, code: uuid.UUID) -> Any:
    return get_assessment(code)


@operation(
    router,
    "GET",
    "/assessments/{code}/readiness",
    capability="assessments.view",
    response=ReadinessOut,
    summary="What still blocks submission or approval",
)
def assessment_readiness(request: HttpRequest, code: uuid.UUID) -> Any:
    from fincloud.assessments.readiness import readiness

    report = readiness(get_assessment(code))

    def rows(problems: list[Any]) -> list[dict[str, str]]:
        return [{"section": p.section, "rule": p.code, "message": str(p.message)} for p in problems]

    return {"blockers": rows(report.blockers), "warnings": rows(report.warnings)}


@operation(
    router,
    "POST",
    "/assessments",
    capability="assessments.prepare",
    response={201: AssessmentOut},
    summary="Start the pre-use assessment of a service (a draft)",
)
def assessment_start(request: HttpRequest, payload: AssessmentIn) -> Any:
    from django.core.exceptions import ValidationError

    service = CloudService.objects.filter(code=payload.service).first()
    if service is None:
        raise ValidationError(
            {
                "service": ValidationError(
                    f"service: no service has the code {payload.service}.", "unknown"
                )
            }
        )
    assessment = services.assessment_start(
        actor=request.user, service=service, planned_start=payload.planned_start
    )
    return Status(201, get_assessment(assessment.code))


@operation(
    router,
    "POST",
    "/assessments/{code}/submit",
    capability="assessments.prepare",
    response=AssessmentOut,
    summary="Submit for approval (refused while anything blocks it)",
)
def assessment_submit(request: HttpRequest, code: uuid.UUID) -> Any:
    services.assessment_submit(actor=request.user, assessment=get_assessment(code))
    return get_assessment(code)


@operation(
    router,
    "POST",
    "/assessments/{code}/approve",
    capability="workflow.approve",
    response=AssessmentOut,
    summary="Approve (never one's own: segregation of duties)",
)
def assessment_approve(request: HttpRequest, code: uuid.UUID, payload: DecisionIn) -> Any:
    services.assessment_approve(
        actor=request.user, assessment=get_assessment(code), comment=payload.comment
    )
    return get_assessment(code)


@operation(
    router,
    "POST",
    "/assessments/{code}/reject",
    capability="workflow.approve",
    response=AssessmentOut,
    summary="Reject with a comment (never one's own: segregation of duties)",
)
def assessment_reject(request: HttpRequest, code: uuid.UUID, payload: DecisionIn) -> Any:
    record_reject(record=get_assessment(code), actor=request.user, comment=payload.comment)
    return get_assessment(code)
