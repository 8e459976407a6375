"""The reports in the REST API (mounted at /api/v1/reports/ by fincloud.api.api).

    GET /api/v1/reports/                    the reports, their formats, whether you may
    GET /api/v1/reports/annex3?service=CODE&format=pdf   -> 202: the run, queued
    GET /api/v1/reports/runs/{code}         its status, progress, SHA-256
    GET /api/v1/reports/runs/{code}/file    the file, once done

Asking for a report is a GET: generating one reads the records and writes none (the examiner,
who may only read, generates every report; a read-only token may too). Each request queues a
run for the background worker, as the web's buttons do; asking again while the same report is
still queued or running returns that run. Every download is written to the audit log.
"""

import datetime as dt
import uuid
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest
from django.urls import reverse
from django.utils import translation
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import create_model

from fincloud.api.security import operation
from fincloud.reports import registry, services
from fincloud.reports.errors import NOT_READY, ReportRefused
from fincloud.reports.models import ReportRun, RunStatus

router = Router(tags=["reports"])

BINARY = {
    "responses": {
        "200": {
            "description": "The report's bytes (X-Content-SHA256 carries its SHA-256)",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


class SubjectOut(Schema):
    kind: str
    code: uuid.UUID
    label: str


class RunOut(Schema):
    code: uuid.UUID
    report: str
    format: str
    language: str
    status: Literal["queued", "running", "done", "failed"]
    progress: int
    phase: str
    error: str
    subject: SubjectOut | None
    params: dict[str, str]
    requested_at: dt.datetime
    finished_at: dt.datetime | None
    file_name: str
    size: int | None
    sha256: str
    download: str | None = Field(None, description="Where to fetch the file once done")

    @staticmethod
    def resolve_format(obj: ReportRun) -> str:
        return obj.fmt

    @staticmethod
    def resolve_language(obj: ReportRun) -> str:
        return obj.lang

    @staticmethod
    def resolve_subject(obj: ReportRun) -> dict[str, Any] | None:
        if not obj.subject_code:
            return None
        return {"kind": obj.subject_kind, "code": obj.subject_code, "label": obj.subject_label}

    @staticmethod
    def resolve_params(obj: ReportRun) -> dict[str, str]:
        return {k: str(v) for k, v in (obj.params or {}).items()}

    @staticmethod
    def resolve_download(obj: ReportRun) -> str | None:
        if obj.status == RunStatus.DONE and obj.stored:
            return reverse("api:report_file", kwargs={"code": obj.code})
        return None


def run_out(run: ReportRun) -> ReportRun:
    return run


class ReportOut(Schema):
    name: str
    title: str
    description: str
    formats: list[str]
    subject: str | None = Field(None, description="service, audit or comparison")
    subject_required: bool
    params: list[str]
    capability: str
    allowed: bool


@operation(router, "GET", "/", capability=registry.CAP_VIEW, response=list[ReportOut])
def report_list(request: HttpRequest) -> Any:
    """The reports, and whether you may ask for each."""
    user: Any = request.user
    return [
        {
            "name": s.name,
            "title": str(s.title),
            "description": str(s.description),
            "formats": list(s.formats),
            "subject": s.subject or None,
            "subject_required": bool(s.subject) and not s.subject_optional,
            "params": list(s.params),
            "capability": s.capability,
            "allowed": user.can(s.capability),
        }
        for s in registry.REPORTS.values()
    ]


def _refusal(exc: ReportRefused) -> ValidationError:
    return ValidationError({exc.field: ValidationError(exc.message, code=exc.rule)})


def _pending(
    user: Any, name: str, fmt: str, subject: Any, *, params: dict[str, Any], lang: str
) -> ReportRun | None:
    return (
        ReportRun.objects.filter(
            requested_by=user,
            report=name,
            fmt=fmt,
            subject_code=subject,
            lang=lang,
            status__in=[RunStatus.QUEUED, RunStatus.RUNNING],
        )
        .order_by("-requested_at")
        .filter(params=params)
        .first()
    )


def _query_schema(spec: registry.ReportSpec) -> type[Schema]:
    fields: dict[str, Any] = {
        "format": (
            Literal[spec.formats],  # type: ignore[valid-type]
            Field(spec.formats[0], description="The file format"),
        ),
        "lang": (
            Literal["zh-TW", "en"],
            Field("zh-TW", description="The report's language"),
        ),
    }
    if spec.subject:
        fields[registry.SUBJECT_FIELDS[spec.subject]] = (
            uuid.UUID | None,
            Field(None, description=f"The {spec.subject}'s code"),
        )
    if "quarter" in spec.params:
        fields["quarter"] = (
            str | None,
            Field(None, pattern=r"^\d{4}-Q[1-4]$", description="e.g. 2026-Q4; default: now"),
        )
    return create_model(f"{spec.name.capitalize()}Query", __base__=Schema, **fields)


def _ask(spec: registry.ReportSpec) -> Any:
    schema = _query_schema(spec)

    def ask(request: HttpRequest, query: Query[schema]) -> Any:  # type: ignore[valid-type]
        data = query.dict()  # type: ignore[attr-defined]
        subject = data.get(registry.SUBJECT_FIELDS.get(spec.subject, ""), None)
        params = {"quarter": data["quarter"]} if data.get("quarter") else {}
        lang = "en" if data["lang"] == "en" else "zh-hant"
        with translation.override(lang):
            pending = _pending(
                request.user, spec.name, data["format"], subject, params=params, lang=lang
            )
            if pending is not None:
                return Status(202, run_out(pending))
            try:
                run = services.report_request(
                    actor=request.user,
                    name=spec.name,
                    fmt=data["format"],
                    subject_code=subject,
                    params=params,
                    lang=lang,
                )
            except ReportRefused as exc:
                raise _refusal(exc) from None
        return Status(202, run_out(run))

    ask.__name__ = f"report_{spec.name}"
    ask.__doc__ = f"{spec.description} Queues the report; poll the run."
    return ask


for _spec in registry.REPORTS.values():
    operation(
        router,
        "GET",
        f"/{_spec.name}",
        capability=_spec.capability,
        response={202: RunOut},
        summary=str(_spec.title),
        url_name=f"report_{_spec.name}",
    )(_ask(_spec))


def get_run(request: HttpRequest, code: uuid.UUID) -> ReportRun:
    """Your run of a report you still may ask for; any other is not found."""
    user: Any = request.user
    run = ReportRun.objects.filter(code=code, requested_by=user).first()
    spec = registry.REPORTS.get(run.report) if run else None
    if run is None or spec is None or not user.can(spec.capability):
        raise Http404
    return run


@operation(
    router,
    "GET",
    "/runs",
    capability=registry.CAP_VIEW,
    response=list[RunOut],
    ordering={"-requested": ("-requested_at", "-pk"), "requested": ("requested_at", "pk")},
    summary="Your reports, newest first",
)
def run_list(request: HttpRequest) -> Any:
    user: Any = request.user
    return ReportRun.objects.filter(requested_by=user)


@operation(router, "GET", "/runs/{code}", capability=registry.CAP_VIEW, response=RunOut)
def run_get(request: HttpRequest, code: uuid.UUID) -> Any:
    return run_out(get_run(request, code))


@operation(
    router,
    "GET",
    "/runs/{code}/file",
    capability=registry.CAP_VIEW,
    response={200: None},
    openapi_extra=BINARY,
    summary="Download the report (written to the audit log)",
    url_name="report_file",
)
def run_file(request: HttpRequest, code: uuid.UUID) -> Any:
    run = get_run(request, code)
    if run.status != RunStatus.DONE or not run.stored:
        raise HttpError(409, str(NOT_READY % {"status": run.get_status_display()}))
    path = services.report_download(actor=request.user, run=run)
    if not path.exists():
        raise Http404
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=run.file_name, content_type=run.content_type
    )
    response["X-Content-SHA256"] = run.sha256
    return response
