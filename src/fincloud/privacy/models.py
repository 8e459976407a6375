"""De-identification jobs (Ch 9.3 個人資料去識別化) and the deletion of marketing data with the
CSP (Ch 9.2 (e)).

A job takes one source file (uploaded, or named by a path in an allowed directory) and one
policy (fincloud.deid's policy format), runs it in the background, and keeps what an approver
needs to decide: the identifier scan before and after (never values), the re-identification
risk and utility report before and after, the policy with its hash, the tool version, key
fingerprints and the output's SHA-256. The output can be downloaded only after a person other
than the preparer has approved the job (fincloud.workflow). The source file is deleted after
the run unless a recorded decision (who, why) keeps it.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fincloud.workflow.models import ApprovableRecord


class SourceKind(models.TextChoices):
    UPLOAD = "upload", _("Uploaded file")
    PATH = "path", _("File in an allowed directory")


class Encoding(models.TextChoices):
    UTF8 = "utf-8", _("UTF-8")
    CP950 = "cp950", _("Big5 (CP950)")


class Separator(models.TextChoices):
    COMMA = ",", _("Comma (,)")
    SEMICOLON = ";", _("Semicolon (;)")
    TAB = "\t", _("Tab")
    PIPE = "|", _("Vertical bar (|)")


class OutputFormat(models.TextChoices):
    CSV = "csv", _("CSV")
    PARQUET = "parquet", _("Parquet")


class Purpose(models.TextChoices):
    # The purposes of fincloud.deid's policy format.
    ANALYTICS = "analytics", _("Analytics")
    TESTING = "testing", _("Testing")
    MARKETING = "marketing", _("Marketing")
    OTHER = "other", _("Other")


class RunStatus(models.TextChoices):
    READY = "ready", _("Ready to run")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Finished")
    FAILED = "failed", _("Failed")


class DeidJob(ApprovableRecord):
    title = models.CharField(_("title"), max_length=200)
    cloud_service = models.ForeignKey(
        "register.CloudService",
        verbose_name=_("cloud service receiving the output"),
        on_delete=models.PROTECT,
        related_name="deid_jobs",
        null=True,
        blank=True,
    )

    # The source file. For uploads, ``source_path`` is the app's own copy; for a named path,
    # the resolved path inside an allowed directory (checked again when the job runs).
    source_kind = models.CharField(_("source"), max_length=10, choices=SourceKind.choices)
    source_name = models.CharField(_("source file"), max_length=500)
    source_path = models.CharField(max_length=1000)
    source_format = models.CharField(_("source format"), max_length=10)
    source_size = models.BigIntegerField(_("source size (bytes)"))
    source_sha256 = models.CharField(_("source SHA-256"), max_length=64)
    source_columns = models.JSONField(_("source columns"), default=list)
    separator = models.CharField(
        _("CSV separator"), max_length=1, choices=Separator.choices, default=Separator.COMMA
    )
    encoding = models.CharField(
        _("encoding"), max_length=10, choices=Encoding.choices, default=Encoding.UTF8
    )
    # The decision to keep the source after the job (otherwise it is deleted).
    keep_source = models.BooleanField(_("keep the source file"), default=False)
    keep_reason = models.TextField(_("why the source is kept"), blank=True, max_length=2000)
    keep_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("kept by decision of"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    keep_decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    source_deleted_at = models.DateTimeField(_("source deleted at"), null=True, blank=True)
    source_deletion_error = models.CharField(
        _("source deletion problem"), max_length=500, blank=True
    )

    # The policy exactly as given, and what fincloud.deid made of it.
    policy_text = models.TextField(_("policy"))
    policy_name = models.CharField(_("policy name"), max_length=300)
    policy_purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    policy_sha256 = models.CharField(_("policy SHA-256"), max_length=64)
    delete_by = models.DateField(_("delete by"), null=True, blank=True)
    output_format = models.CharField(
        _("output format"), max_length=10, choices=OutputFormat.choices, default=OutputFormat.CSV
    )

    # What the risk report measures (defaults from the policy).
    quasi_identifiers = models.JSONField(_("quasi-identifiers"), default=list)
    sensitive = models.JSONField(_("sensitive attributes"), default=list)
    target = models.CharField(_("model target"), max_length=200, blank=True)

    # The run.
    run_status = models.CharField(
        _("run"), max_length=10, choices=RunStatus.choices, default=RunStatus.READY
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    progress_phase = models.CharField(max_length=20, blank=True)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("run by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    run_task_id = models.CharField(max_length=64, blank=True)
    run_started_at = models.DateTimeField(_("run started"), null=True, blank=True)
    run_finished_at = models.DateTimeField(_("run finished"), null=True, blank=True)
    run_error = models.TextField(_("error"), blank=True)
    tool_version = models.CharField(_("tool version"), max_length=100, blank=True)
    run_record = models.JSONField(_("run record"), null=True, blank=True)
    scan_before = models.JSONField(_("scan before"), null=True, blank=True)
    scan_after = models.JSONField(_("scan after"), null=True, blank=True)
    assessment = models.JSONField(_("risk and utility"), null=True, blank=True)
    assessment_error = models.TextField(_("risk report problem"), blank=True)

    # The output, downloadable after approval.
    output_name = models.CharField(_("output file"), max_length=300, blank=True)
    output_path = models.CharField(max_length=1000, blank=True)
    output_sha256 = models.CharField(_("output SHA-256"), max_length=64, blank=True)
    output_size = models.BigIntegerField(_("output size (bytes)"), null=True, blank=True)
    output_rows = models.BigIntegerField(_("output rows"), null=True, blank=True)
    output_deleted_at = models.DateTimeField(_("output deleted at"), null=True, blank=True)

    workflow_type_label = _("de-identification job")

    class Meta:
        ordering = ["-prepared_at"]
        verbose_name = _("de-identification job")
        verbose_name_plural = _("de-identification jobs")
        constraints = [
            models.CheckConstraint(
                condition=Q(keep_source=False) | ~Q(keep_reason=""),
                name="privacy_job_keep_needs_reason",
            ),
            models.CheckConstraint(
                condition=~Q(policy_purpose="marketing") | Q(delete_by__isnull=False),
                name="privacy_job_marketing_delete_by",
            ),
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="privacy_job_progress_percent"
            ),
        ]
        indexes = [
            models.Index(fields=["policy_purpose", "delete_by"], name="privacy_job_delete_by")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_marketing(self) -> bool:
        return self.policy_purpose == Purpose.MARKETING

    @property
    def source_present(self) -> bool:
        return self.source_deleted_at is None

    @property
    def output_present(self) -> bool:
        return bool(self.output_path) and self.output_deleted_at is None

    @property
    def is_active_run(self) -> bool:
        return self.run_status in {RunStatus.QUEUED, RunStatus.RUNNING}

    def run_summary(self) -> dict[str, Any]:
        return dict(self.run_record or {})


class MarketingDeletion(models.Model):
    """Ch 9.2 (e): after the campaign, or when a data subject asks, the institution deletes the
    personal data together with the CSP. One record per deletion; the CSP's confirmation is
    attached as evidence."""

    class Reason(models.TextChoices):
        CAMPAIGN_ENDED = "campaign_ended", _("The campaign ended")
        SUBJECT_REQUEST = "subject_request", _("A data subject asked for deletion")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    job = models.ForeignKey(
        DeidJob,
        verbose_name=_("de-identification job"),
        on_delete=models.PROTECT,
        related_name="deletions",
    )
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    institution_deleted_on = models.DateField(_("deleted at the institution on"))
    csp_deleted_on = models.DateField(_("deleted by the CSP on"))
    csp_reference = models.CharField(
        _("CSP confirmation (ticket or certificate number)"), max_length=200
    )
    note = models.TextField(_("note"), blank=True, max_length=2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = _("marketing data deletion")
        verbose_name_plural = _("marketing data deletions")

    def __str__(self) -> str:
        return f"{self.job} · {self.get_reason_display()} · {self.csp_deleted_on:%Y-%m-%d}"
