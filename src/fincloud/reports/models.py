"""One report generated (or being generated) for someone: what, for which record, by whom, and
the file's SHA-256. The file itself lives under MEDIA_ROOT/reports/ (fincloud.reports.storage);
generating it writes an audit event (action ``export``) carrying the SHA-256."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for the background worker")
    RUNNING = "running", _("Being generated")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class ReportRun(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    report = models.CharField(_("report"), max_length=20)
    fmt = models.CharField(_("format"), max_length=6)
    lang = models.CharField(_("language"), max_length=8, default="zh-hant")
    # The record the report is about (a service, an audit, a vendor comparison), by its code;
    # empty for the institution-level reports.
    subject_kind = models.CharField(_("about"), max_length=20, blank=True)
    subject_code = models.UUIDField(_("record"), null=True, blank=True)
    subject_label = models.CharField(_("record"), max_length=300, blank=True)
    params = models.JSONField(_("parameters"), default=dict, blank=True)

    status = models.CharField(
        _("status"), max_length=8, choices=RunStatus.choices, default=RunStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    phase = models.CharField(_("phase"), max_length=20, blank=True)
    error = models.TextField(_("error"), blank=True, max_length=2000)

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    channel = models.CharField(_("channel"), max_length=10, default="web")
    requested_at = models.DateTimeField(_("requested at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)

    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(_("size"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    # False when the file was handed over at once and not kept (the command line's -o FILE).
    stored = models.BooleanField(default=False)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("generated report")
        verbose_name_plural = _("generated reports")
        indexes = [
            models.Index(fields=["requested_by", "-requested_at"], name="reports_run_mine"),
            models.Index(fields=["subject_code", "report"], name="reports_run_subject"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | ~Q(sha256=""), name="reports_done_has_sha256"
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="reports_progress_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        label = f" · {self.subject_label}" if self.subject_label else ""
        return f"{self.report} ({self.fmt}){label}"

    @property
    def active(self) -> bool:
        return self.status in {RunStatus.QUEUED, RunStatus.RUNNING}
