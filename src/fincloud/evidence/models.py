"""Evidence files, stored content-addressed (SHA-256) and versioned.

A ``StoredBlob`` is the bytes, kept once per SHA-256 under ``MEDIA_ROOT/blobs``; an
``EvidenceFile`` is one revision of a document attached to any record (a contract, a control
assessment, a policy ...), with the date it takes effect and the date it expires, separate from
the upload date. A new upload of the same document is a new revision; old revisions stay
readable. Rows are never deleted by the application.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class StoredBlob(models.Model):
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    size = models.BigIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)
    created_at = models.DateTimeField(_("stored at"), auto_now_add=True)

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")

    def __str__(self) -> str:
        return self.sha256

    @property
    def relative_path(self) -> str:
        return f"blobs/{self.sha256[:2]}/{self.sha256[2:4]}/{self.sha256}"


class EvidenceFile(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # What the file is attached to (any record of any app).
    owner_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    owner_id = models.CharField(max_length=64, db_index=True)
    owner = GenericForeignKey("owner_type", "owner_id")
    # The same document across revisions shares a document_code; revision counts from 1.
    document_code = models.UUIDField(default=uuid.uuid4, db_index=True)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    blob = models.ForeignKey(StoredBlob, on_delete=models.PROTECT, related_name="files")
    original_name = models.CharField(_("file name"), max_length=255)
    effective_date = models.DateField(_("effective date"), null=True, blank=True)
    expiry_date = models.DateField(_("expiry date"), null=True, blank=True)
    # The catalog items this file evidences (e.g. ["ch5.4.basic.a"]).
    catalog_ids = models.JSONField(_("catalog items"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        ordering = ["owner_type", "owner_id", "document_code", "-revision"]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        constraints = [
            models.UniqueConstraint(
                fields=["document_code", "revision"], name="evidence_unique_revision"
            ),
            models.CheckConstraint(
                condition=models.Q(expiry_date__isnull=True)
                | models.Q(effective_date__isnull=True)
                | models.Q(expiry_date__gte=models.F("effective_date")),
                name="evidence_expiry_after_effective",
            ),
        ]
        indexes = [models.Index(fields=["owner_type", "owner_id"], name="evidence_owner")]

    def __str__(self) -> str:
        return f"{self.title} (r{self.revision})"

    @property
    def sha256(self) -> str:
        return self.blob.sha256
