"""Downloading evidence: the stored bytes, never run in the browser, the download audit-logged."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from fincloud.auditlog.models import Action
from fincloud.auditlog.services import record_event
from fincloud.evidence.models import EvidenceFile
from fincloud.evidence.services import blob_path
from fincloud.people.access import require


def get_evidence_for_user(request: HttpRequest, code: Any) -> EvidenceFile:
    try:
        return EvidenceFile.objects.select_related("blob").get(code=code)
    except (EvidenceFile.DoesNotExist, ValidationError):
        raise Http404 from None


@require_GET
@require("evidence.view")
def download(request: HttpRequest, code: Any) -> FileResponse:
    evidence = get_evidence_for_user(request, code)
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
