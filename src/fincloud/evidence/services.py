"""Storing uploads: checked for size and type, hashed, written once, attached, audit-logged."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import tempfile
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fincloud.auditlog.models import Action
from fincloud.auditlog.services import record_event, snapshot
from fincloud.evidence.filetypes import sniff
from fincloud.evidence.models import EvidenceFile, StoredBlob

TOO_LARGE = _("File: %(name)s is %(size)s MB; the limit is %(limit)s MB.")
EMPTY = _("File: %(name)s is empty.")
EXPIRY_BEFORE_EFFECTIVE = _("Expiry date: must not be before the effective date.")
CHUNK = 1024 * 1024


def max_bytes() -> int:
    return int(settings.FINCLOUD_UPLOAD_MAX_BYTES)


def _mb(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}"


def blob_path(blob: StoredBlob) -> Path:
    return Path(settings.MEDIA_ROOT) / blob.relative_path


def blob_store(upload: Any, *, name: str | None = None) -> StoredBlob:
    """Hash and keep the bytes of an uploaded file once; raise ValidationError('file', ...) for
    a file that is too large, empty, or of a type we do not accept."""
    name = str(name or getattr(upload, "name", None) or "file")
    size = getattr(upload, "size", None)
    limit = max_bytes()
    if size is not None and size > limit:
        raise ValidationError(
            {
                "file": ValidationError(
                    TOO_LARGE,
                    code="too_large",
                    params={"name": name, "size": _mb(size), "limit": _mb(limit)},
                )
            }
        )
    stream: IO[bytes] = upload.open("rb") if hasattr(upload, "open") else upload
    stream.seek(0)
    head = stream.read(8192)
    stream.seek(0)
    if not head:
        raise ValidationError({"file": ValidationError(EMPTY, code="empty", params={"name": name})})
    content_type = sniff(name, head)  # raises ValidationError for refused types
    root = Path(settings.MEDIA_ROOT) / "blobs"
    root.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    written = 0
    fd, tmp_name = tempfile.mkstemp(dir=root, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in iter(lambda: stream.read(CHUNK), b""):
                written += len(chunk)
                if written > limit:
                    raise ValidationError(
                        {
                            "file": ValidationError(
                                TOO_LARGE,
                                code="too_large",
                                params={"name": name, "size": _mb(written), "limit": _mb(limit)},
                            )
                        }
                    )
                digest.update(chunk)
                out.write(chunk)
        sha = digest.hexdigest()
        existing = StoredBlob.objects.filter(sha256=sha).first()
        if existing is not None:
            return existing
        blob = StoredBlob(sha256=sha, size=written, content_type=content_type)
        target = blob_path(blob)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp_name, target)
        tmp_name = ""
        blob.save()
        return blob
    finally:
        if tmp_name and os.path.exists(tmp_name):
            os.unlink(tmp_name)


def _check_dates(effective: dt.date | None, expiry: dt.date | None) -> None:
    if effective and expiry and expiry < effective:
        raise ValidationError({"expiry_date": EXPIRY_BEFORE_EFFECTIVE}, code="date_order")


def evidence_attach(
    *,
    actor: Any,
    owner: models.Model,
    upload: Any,
    title: str,
    kind: str = "",
    effective_date: dt.date | None = None,
    expiry_date: dt.date | None = None,
    catalog_ids: list[str] | None = None,
    note: str = "",
) -> EvidenceFile:
    """Attach a new document (revision 1) to any record."""
    _check_dates(effective_date, expiry_date)
    with transaction.atomic():
        blob = blob_store(upload)
        evidence = EvidenceFile.objects.create(
            owner_type=ContentType.objects.get_for_model(owner),
            owner_id=str(owner.pk),
            title=title.strip()[:200] or upload.name,
            kind=kind,
            blob=blob,
            original_name=Path(upload.name).name[:255],
            effective_date=effective_date,
            expiry_date=expiry_date,
            catalog_ids=list(catalog_ids or []),
            note=note,
            uploaded_by=actor,
            uploaded_at=timezone.now(),
        )
        after = snapshot(evidence)
        after["sha256"] = blob.sha256
        after["owner"] = f"{owner._meta.label_lower}:{owner.pk}"
        record_event(actor=actor, action=Action.CREATE, obj=evidence, after=after)
    return evidence


def evidence_new_revision(
    *,
    actor: Any,
    previous: EvidenceFile,
    upload: Any,
    effective_date: dt.date | None = None,
    expiry_date: dt.date | None = None,
    note: str = "",
) -> EvidenceFile:
    """Upload a new revision of a document; the earlier revisions stay readable."""
    _check_dates(effective_date, expiry_date)
    with transaction.atomic():
        blob = blob_store(upload)
        last = (
            EvidenceFile.objects.filter(document_code=previous.document_code).aggregate(
                n=Max("revision")
            )["n"]
            or 0
        )
        evidence = EvidenceFile.objects.create(
            owner_type=previous.owner_type,
            owner_id=previous.owner_id,
            document_code=previous.document_code,
            revision=last + 1,
            title=previous.title,
            kind=previous.kind,
            blob=blob,
            original_name=Path(upload.name).name[:255],
            effective_date=effective_date,
            expiry_date=expiry_date,
            catalog_ids=previous.catalog_ids,
            note=note,
            uploaded_by=actor,
            uploaded_at=timezone.now(),
        )
        after = snapshot(evidence)
        after["sha256"] = blob.sha256
        record_event(actor=actor, action=Action.CREATE, obj=evidence, after=after)
    return evidence


def evidence_for(owner: models.Model, *, latest_only: bool = True) -> list[EvidenceFile]:
    """The documents attached to a record (the latest revision of each, by default)."""
    rows = list(
        EvidenceFile.objects.filter(
            owner_type=ContentType.objects.get_for_model(owner), owner_id=str(owner.pk)
        )
        .select_related("blob", "uploaded_by")
        .order_by("document_code", "-revision")
    )
    if not latest_only:
        return rows
    seen: set[Any] = set()
    latest = []
    for row in rows:
        if row.document_code not in seen:
            seen.add(row.document_code)
            latest.append(row)
    return latest
