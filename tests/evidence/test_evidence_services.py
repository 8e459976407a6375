"""Evidence uploads: content-addressed, versioned, size- and type-checked, audit-logged."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from fincloud.auditlog.models import AuditEvent
from fincloud.evidence.models import EvidenceFile, StoredBlob
from fincloud.evidence.services import (
    blob_path,
    evidence_attach,
    evidence_for,
    evidence_new_revision,
)

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _pdf(name="soc2.pdf", body=PDF):
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def test_attach_stores_bytes_once_by_sha256_and_logs(personas):
    owner = personas["risk"].unit
    first = evidence_attach(
        actor=personas["risk"],
        owner=owner,
        upload=_pdf(),
        title="SOC 2",
        effective_date=dt.date(2026, 1, 1),
        expiry_date=dt.date(2026, 12, 31),
    )
    second = evidence_attach(
        actor=personas["risk"], owner=owner, upload=_pdf("copy.pdf"), title="Copy"
    )
    assert first.blob == second.blob
    assert first.blob.sha256 == hashlib.sha256(PDF).hexdigest()
    assert blob_path(first.blob).read_bytes() == PDF
    assert StoredBlob.objects.count() == 1
    event = AuditEvent.objects.filter(object_id=str(first.code)).get()
    assert first.blob.sha256 in event.changes


def test_new_revision_keeps_the_old_one_readable(personas):
    owner = personas["legal"].unit
    r1 = evidence_attach(actor=personas["legal"], owner=owner, upload=_pdf(), title="MSA")
    r2 = evidence_new_revision(
        actor=personas["legal"],
        previous=r1,
        upload=_pdf("msa-v2.pdf", PDF + b"% v2\n"),
        effective_date=dt.date(2026, 7, 1),
    )
    assert (r2.revision, r2.document_code, r2.title) == (2, r1.document_code, "MSA")
    assert [e.revision for e in evidence_for(owner)] == [2]
    assert [e.revision for e in evidence_for(owner, latest_only=False)] == [2, 1]
    assert blob_path(r1.blob).read_bytes() == PDF


def test_too_large_upload_is_refused_with_the_limit(personas, settings):
    settings.FINCLOUD_UPLOAD_MAX_BYTES = 1024
    with pytest.raises(ValidationError) as exc:
        evidence_attach(
            actor=personas["risk"],
            owner=personas["risk"].unit,
            upload=_pdf(body=PDF + b"x" * 2000),
            title="big",
        )
    message = exc.value.message_dict["file"][0]
    assert "0.0 MB" in message or "上限" in message
    assert EvidenceFile.objects.count() == 0 and StoredBlob.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("report.pdf", b"MZ\x90\x00 this is an executable"),
        ("script.exe", b"MZ\x90\x00"),
        ("data.csv", b"\x00\x01\x02binary"),
        ("letter.docx", b"%PDF-1.7 not a docx"),
    ],
)
def test_wrong_type_is_refused_and_nothing_is_stored(personas, name, body):
    with pytest.raises(ValidationError) as exc:
        evidence_attach(
            actor=personas["risk"],
            owner=personas["risk"].unit,
            upload=SimpleUploadedFile(name, body),
            title="x",
        )
    assert "file" in exc.value.message_dict
    assert EvidenceFile.objects.count() == 0 and StoredBlob.objects.count() == 0


def test_expiry_before_effective_is_refused(personas):
    with pytest.raises(ValidationError) as exc:
        evidence_attach(
            actor=personas["risk"],
            owner=personas["risk"].unit,
            upload=_pdf(),
            title="x",
            effective_date=dt.date(2026, 5, 1),
            expiry_date=dt.date(2026, 4, 1),
        )
    assert "expiry_date" in exc.value.message_dict


def test_download_returns_the_bytes_and_is_audited(client, personas):
    evidence = evidence_attach(
        actor=personas["risk"], owner=personas["risk"].unit, upload=_pdf(), title="SOC 2"
    )
    client.force_login(personas["examiner"])
    response = client.get(f"/evidence/{evidence.code}/download")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["X-Content-SHA256"] == evidence.blob.sha256
    assert "attachment" in response["Content-Disposition"]
    assert AuditEvent.objects.filter(action="export", object_id=str(evidence.code)).exists()
