"""Contracts and documents: read, register, upload a file revision, download (fincloud.evidence)."""

import datetime as dt
import uuid
from typing import Any, Literal

from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from fincloud.api.routers.register import resolve_csp
from fincloud.api.schemas import FileOut, choices, file_out, max_length
from fincloud.api.security import operation
from fincloud.auditlog.models import Action
from fincloud.auditlog.services import record_event
from fincloud.evidence.models import EvidenceFile
from fincloud.evidence.services import blob_path, evidence_for
from fincloud.register import selectors, services
from fincloud.register.models import CloudService, Document

router = Router(tags=["documents"])
DOC = Document

BINARY = {
    "responses": {
        "200": {
            "description": "The file's bytes (X-Content-SHA256 carries its SHA-256)",
            "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def get_document(code: uuid.UUID) -> Document:
    try:
        return Document.objects.select_related("csp", "current_file__blob").get(code=code)
    except Document.DoesNotExist:
        raise Http404 from None


class DocumentOut(Schema):
    code: uuid.UUID
    kind: str
    title: str
    reference: str
    csp: str | None = Field(None, description="CSP code")
    services: list[uuid.UUID]
    parties: str
    issuer: str
    sub_outsourcing: bool
    signed_on: dt.date | None
    effective_date: dt.date | None
    expiry_date: dt.date | None
    auto_renewal: bool
    renewal_term_months: int | None
    notice_period_days: int | None
    notice_deadline: dt.date | None
    free_trial_end: dt.date | None
    note: str
    current_file: FileOut | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_csp(obj: Document) -> str | None:
        return str(obj.csp.code) if obj.csp is not None else None

    @staticmethod
    def resolve_services(obj: Document) -> list[uuid.UUID]:
        return [s.code for s in obj.services.all()]

    @staticmethod
    def resolve_current_file(obj: Document) -> dict[str, Any] | None:
        return file_out(obj.current_file) if obj.current_file_id else None


class DocumentDetailOut(DocumentOut):
    files: list[FileOut] = Field(description="Every revision, newest first")


class DocumentFilters(Schema):
    """The filters of the web list (register:document_list)."""

    kind: Literal["", *choices(DOC.Kind)] = ""  # type: ignore[valid-type]
    csp: uuid.UUID | None = None
    due: Literal["", "overdue", "soon"] = ""
    q: str = Field("", max_length=100)


class DocumentIn(Schema):
    kind: Literal[*choices(DOC.Kind)]  # type: ignore[valid-type]
    title: str = Field(..., min_length=1, max_length=max_length(DOC, "title"))
    reference: str = Field("", max_length=max_length(DOC, "reference"))
    csp: uuid.UUID | None = None
    services: list[uuid.UUID] = Field([], max_length=500, description="Codes of services covered")
    parties: str = Field("", max_length=max_length(DOC, "parties"))
    issuer: str = Field("", max_length=max_length(DOC, "issuer"))
    sub_outsourcing: bool = False
    signed_on: dt.date | None = None
    effective_date: dt.date | None = None
    expiry_date: dt.date | None = None
    auto_renewal: bool = False
    renewal_term_months: int | None = Field(None, ge=0, le=32767)
    notice_period_days: int | None = Field(None, ge=0, le=32767)
    free_trial_end: dt.date | None = None
    note: str = Field("", max_length=4000)


class UploadIn(Schema):
    effective_date: dt.date | None = None
    expiry_date: dt.date | None = None
    note: str = Field("", max_length=2000)


def _document_rows() -> Any:
    return Document.objects.select_related("csp", "current_file__blob", "current_file__uploaded_by")


def _with_services(rows: Any) -> Any:
    return rows.prefetch_related(
        Prefetch("services", queryset=CloudService.objects.only("pk", "code"))
    )


@operation(
    router,
    "GET",
    "/documents",
    capability="register.view",
    response=list[DocumentOut],
    ordering={"kind": ("kind", "title", "pk")},
    summary="Contracts and documents (the filters of the register's list)",
)
def document_list(request: HttpRequest, filters: Query[DocumentFilters]) -> Any:
    rows = selectors.document_list(
        selectors.DocumentFilters(
            kind=filters.kind,
            csp=str(filters.csp) if filters.csp else "",
            due=filters.due,
            q=filters.q,
        ),
        today=timezone.localdate(),
        window_days=selectors.alert_window_days(),
    )
    return _with_services(rows.select_related("current_file__blob", "current_file__uploaded_by"))


def _detail(code: uuid.UUID) -> Document:
    document = _with_services(_document_rows()).filter(code=code).first()
    if document is None:
        raise Http404
    # Every revision, for DocumentDetailOut.files.
    document.files = [file_out(f) for f in evidence_for(document, latest_only=False)]  # type: ignore[attr-defined]
    return document


@operation(
    router, "GET", "/documents/{code}", capability="register.view", response=DocumentDetailOut
)
def document_get(request: HttpRequest, code: uuid.UUID) -> Any:
    return _detail(code)


@operation(
    router,
    "POST",
    "/documents",
    capability="register.contracts",
    response={201: DocumentDetailOut},
    summary="Register a contract or document (its file: POST .../files)",
)
def document_create(request: HttpRequest, payload: DocumentIn) -> Any:
    data = payload.dict()
    codes = data.pop("services")
    found = {s.code: s for s in CloudService.objects.filter(code__in=codes)}
    missing = [str(c) for c in codes if c not in found]
    if missing:
        from django.core.exceptions import ValidationError

        raise ValidationError(
            {
                "services": ValidationError(
                    f"services: unknown codes {', '.join(missing)}.", "unknown"
                )
            }
        )
    if data["csp"] is not None:
        data["csp"] = resolve_csp(data["csp"])
    else:
        data.pop("csp")
    document = services.document_create(
        actor=request.user,
        kind=data.pop("kind"),
        title=data.pop("title"),
        services=[found[c] for c in dict.fromkeys(codes)],
        **data,
    )
    return Status(201, _detail(document.code))


@operation(
    router,
    "POST",
    "/documents/{code}/files",
    capability="register.contracts",
    response={201: FileOut},
    summary="Upload a (new revision of the) document's file",
)
def document_upload(
    request: HttpRequest,
    code: uuid.UUID,
    file: File[UploadedFile],
    meta: Form[UploadIn],
) -> Any:
    """Stored by fincloud.evidence: type checked by content, size limited, SHA-256 kept; the
    earlier revisions stay readable."""
    document = get_document(code)
    evidence = services.document_upload(
        actor=request.user,
        document=document,
        upload=services.Upload(
            file=file,
            effective_date=meta.effective_date,
            expiry_date=meta.expiry_date,
            note=meta.note,
        ),
    )
    evidence = EvidenceFile.objects.select_related("blob", "uploaded_by").get(pk=evidence.pk)
    return Status(201, file_out(evidence))


def _send(request: HttpRequest, evidence: EvidenceFile) -> FileResponse:
    path = blob_path(evidence.blob)
    if not path.exists():
        raise Http404
    record_event(
        actor=request.user,
        action=Action.EXPORT,
        obj=evidence,
        changes={"sha256": [None, evidence.blob.sha256]},
    )
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.blob.content_type,
    )
    response["X-Content-SHA256"] = evidence.blob.sha256
    return response


@operation(
    router,
    "GET",
    "/documents/{code}/file",
    capability="evidence.view",
    response={200: None},
    openapi_extra=BINARY,
    summary="Download the document's current file",
)
def document_download(request: HttpRequest, code: uuid.UUID) -> Any:
    document = get_document(code)
    if document.current_file is None:
        raise Http404
    return _send(request, document.current_file)


@operation(
    router,
    "GET",
    "/documents/{code}/files/{file_code}",
    capability="evidence.view",
    response={200: None},
    openapi_extra=BINARY,
    summary="Download one revision of the document's file",
)
def document_download_revision(request: HttpRequest, code: uuid.UUID, file_code: uuid.UUID) -> Any:
    document = get_document(code)
    revision = next(
        (f for f in evidence_for(document, latest_only=False) if f.code == file_code), None
    )
    if revision is None:
        raise Http404
    return _send(request, revision)
