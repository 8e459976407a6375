"""Write operations on de-identification jobs; each writes its audit event in its transaction.

The life of a job: ``job_create`` (source and policy checked with fincloud.deid before anything
is kept) -> ``job_run`` (queued as a background task) -> ``job_execute`` in the worker (scan,
apply, scan, risk report; the source deleted afterwards unless a recorded decision keeps it)
-> ``job_submit`` -> approval by another person (fincloud.workflow) -> ``job_download``.
Marketing data (Ch 9.2 (e)) is then deleted with the CSP and the deletion recorded with
``deletion_record``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from pathlib import Path, PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fincloud.auditlog.models import Action
from fincloud.auditlog.services import record_event, snapshot
from fincloud.privacy import conf, policies, runner, sources
from fincloud.privacy.models import (
    DeidJob,
    Encoding,
    MarketingDeletion,
    OutputFormat,
    Purpose,
    RunStatus,
    SourceKind,
)
from fincloud.workflow.models import State
from fincloud.workflow.services import ensure_editable, record_submit

logger = logging.getLogger(__name__)

ONE_SOURCE = _("Source: upload a file or name a path, not both and not neither.")
NO_UNIT = _("You belong to no business unit; a job belongs to the preparer's unit.")
KEEP_NEEDS_REASON = _("Why the source is kept: a decision to keep the source needs its reason.")
CP950_CSV_ONLY = _("Encoding: Big5 (CP950) applies to CSV sources only.")
MARKETING_NEEDS_SERVICE = _(
    "Cloud service: marketing data goes to a CSP that must delete it with the institution "
    "(Ch 9.2 (e)); name the cloud service."
)
NOT_PREPARER = _("Only the preparer of the job can do this.")
ALREADY_RUNNING = _("The job is already queued or running.")
SOURCE_GONE = _(
    "The source file was deleted after the earlier run; create a new job to run it again."
)
RUN_BEFORE_SUBMIT = _("Run the job successfully before submitting it for approval.")
NOT_APPROVED = _("The output can be downloaded only after the job is approved by another person.")
OUTPUT_GONE = _("The output file is no longer kept (deleted on %(date)s).")
NOT_MARKETING = _("Deletion with the CSP is recorded for marketing data (Ch 9.2 (e)).")
CSP_BEFORE_INSTITUTION = _(
    "Deleted by the CSP on: the CSP's deletion cannot be dated before the data was sent "
    "(the run finished on %(date)s)."
)
NOTHING_TO_DELETE = _("The source file is already deleted.")
KEEP_AFTER_RUN = _("The decision about the source is taken before the run; the run has happened.")
GENERIC_FAILURE = _("The run failed unexpectedly; the administrator finds the details in the log.")

PROGRESS_INTERVAL = 0.5  # seconds between progress writes


def _job_snapshot(job: DeidJob) -> dict[str, Any]:
    data = snapshot(job)
    data.pop("policy_text", None)  # the policy is identified by its hash (and kept on the job)
    for name in ("run_record", "scan_before", "scan_after", "assessment"):
        data.pop(name, None)
    return data


def _names(values: Any) -> list[str]:
    if isinstance(values, str):
        values = values.split(",")
    return [v.strip() for v in values or [] if v and v.strip()]


def job_create(
    *,
    actor: Any,
    title: str,
    policy_text: str,
    upload: Any = None,
    path: str = "",
    separator: str = ",",
    encoding: str = Encoding.UTF8,
    output_format: str = OutputFormat.CSV,
    cloud_service: Any = None,
    quasi_identifiers: Any = (),
    sensitive: Any = (),
    target: str = "",
    keep_source: bool = False,
    keep_reason: str = "",
) -> DeidJob:
    """Check the source and the policy with fincloud.deid, then keep the job (nothing is
    kept when a check fails: the staged upload is removed)."""
    if (upload is None) == (not path.strip()):
        raise ValidationError({"source_file": ONE_SOURCE}, code="one_source")
    if actor.unit_id is None:
        raise ValidationError(NO_UNIT, code="no_unit")
    if keep_source and not keep_reason.strip():
        raise ValidationError({"keep_reason": KEEP_NEEDS_REASON}, code="keep_reason")
    policy = policies.parse_policy_text(policy_text)
    if policy.purpose == Purpose.MARKETING and cloud_service is None:
        raise ValidationError({"cloud_service": MARKETING_NEEDS_SERVICE}, code="marketing_csp")
    field = "source_file" if upload is not None else "source_path"
    staged = sources.stage_upload(upload) if upload is not None else sources.stage_path(path)
    moved: Path | None = None
    try:
        if encoding == Encoding.CP950 and staged.format != "csv":
            raise ValidationError({"encoding": CP950_CSV_ONLY}, code="cp950_csv")
        checked = policies.check_inputs(
            staged_path=staged.path, staged_name=staged.name, source_field=field, policy=policy,
            separator=separator, encoding=encoding, quasi_identifiers=_names(quasi_identifiers),
            sensitive=_names(sensitive), target=target.strip(),
        )  # fmt: skip
        now = timezone.now()
        with transaction.atomic():
            job = DeidJob.objects.create(
                title=title.strip() or policy.name,
                unit_id=actor.unit_id,
                prepared_by=actor,
                prepared_at=now,
                cloud_service=cloud_service,
                source_kind=SourceKind.UPLOAD if staged.temporary else SourceKind.PATH,
                source_name=staged.name,
                source_path=str(staged.path),
                source_format=staged.format,
                source_size=staged.size,
                source_sha256=staged.sha256,
                source_columns=checked.columns,
                separator=separator,
                encoding=encoding,
                keep_source=keep_source,
                keep_reason=keep_reason.strip() if keep_source else "",
                keep_decided_by=actor if keep_source else None,
                keep_decided_at=now if keep_source else None,
                policy_text=policy_text,
                policy_name=policy.name,
                policy_purpose=policy.purpose,
                policy_sha256=policy.sha256(),
                delete_by=policy.delete_by,
                output_format=output_format,
                quasi_identifiers=checked.quasi_identifiers,
                sensitive=checked.sensitive,
                target=checked.target,
            )
            if staged.temporary:
                moved = conf.job_dir(job.code) / f"source{PurePath(staged.name).suffix.lower()}"
                os.replace(staged.path, moved)
                job.source_path = str(moved)
                job.save(update_fields=["source_path"])
            record_event(actor=actor, action=Action.CREATE, obj=job, after=_job_snapshot(job))
    except BaseException:
        if staged.temporary:  # nothing half-kept: the staged upload goes, wherever it is now
            staged.path.unlink(missing_ok=True)
            if moved is not None:
                moved.unlink(missing_ok=True)
        raise
    return job


def _lock(job: DeidJob) -> DeidJob:
    return DeidJob.objects.select_for_update().get(pk=job.pk)


def _preparer_only(job: DeidJob, actor: Any) -> None:
    if job.prepared_by_id != actor.pk:
        raise ValidationError(NOT_PREPARER, code="not_preparer")


def job_update_policy(
    *,
    actor: Any,
    job: DeidJob,
    policy_text: str,
    quasi_identifiers: Any = (),
    sensitive: Any = (),
    target: str = "",
) -> DeidJob:
    """Correct the policy of a job that has not run yet, failed, or was rejected."""
    ensure_editable(job)
    _preparer_only(job, actor)
    if job.is_active_run:
        raise ValidationError(ALREADY_RUNNING, code="running")
    if not job.source_present:
        raise ValidationError(SOURCE_GONE, code="source_gone")
    policy = policies.parse_policy_text(policy_text)
    if policy.purpose == Purpose.MARKETING and job.cloud_service_id is None:
        raise ValidationError({"policy": MARKETING_NEEDS_SERVICE}, code="marketing_csp")
    checked = policies.check_inputs(
        staged_path=Path(job.source_path), staged_name=job.source_name, source_field="policy",
        policy=policy, separator=job.separator, encoding=job.encoding,
        quasi_identifiers=_names(quasi_identifiers), sensitive=_names(sensitive),
        target=target.strip(),
    )  # fmt: skip
    with transaction.atomic():
        job = _lock(job)
        before = _job_snapshot(job)
        job.policy_text = policy_text
        job.policy_name = policy.name
        job.policy_purpose = policy.purpose
        job.policy_sha256 = policy.sha256()
        job.delete_by = policy.delete_by
        job.quasi_identifiers = checked.quasi_identifiers
        job.sensitive = checked.sensitive
        job.target = checked.target
        job.run_status = RunStatus.READY
        job.run_error = ""
        job.save()
        record_event(
            actor=actor, action=Action.UPDATE, obj=job, before=before, after=_job_snapshot(job)
        )
    return job


def job_run(*, actor: Any, job: DeidJob, background: bool = True) -> DeidJob:
    """Queue the run as a background task (django-tasks); ``background=False`` runs it here
    (the demo loader, which has no worker to wait for)."""
    from fincloud.privacy.tasks import run_deid_job

    with transaction.atomic():
        job = _lock(job)
        ensure_editable(job)
        _preparer_only(job, actor)
        if job.is_active_run:
            raise ValidationError(ALREADY_RUNNING, code="running")
        if not job.source_present:
            raise ValidationError(SOURCE_GONE, code="source_gone")
        previous = job.run_status
        job.run_status = RunStatus.QUEUED
        job.progress = 0
        job.progress_phase = ""
        job.run_by = actor
        job.run_error = ""
        job.save(update_fields=["run_status", "progress", "progress_phase", "run_by", "run_error"])
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=job,
            changes={"run_status": [previous, RunStatus.QUEUED]},
        )
    if background:
        result = run_deid_job.enqueue(str(job.code))
        DeidJob.objects.filter(pk=job.pk).update(run_task_id=str(result.id)[:64])
    else:
        job_execute(code=str(job.code))
    job.refresh_from_db()
    return job


class _Progress:
    """Writes the progress field at most every PROGRESS_INTERVAL seconds (and at each new
    phase), so the page's polling sees it move without a write per batch."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.phase = ""
        self.value = -1
        self.last = 0.0

    def __call__(self, phase: str, value: int) -> None:
        now = time.monotonic()
        if phase == self.phase and (value == self.value or now - self.last < PROGRESS_INTERVAL):
            return
        self.phase, self.value, self.last = phase, value, now
        DeidJob.objects.filter(pk=self.job_id).update(progress=value, progress_phase=phase)


def _run_input(job: DeidJob) -> runner.RunInput:
    stem = (PurePath(job.source_name).stem or "source")[:100]  # file names stay short
    return runner.RunInput(
        source_path=Path(job.source_path),
        source_name=job.source_name,
        separator=job.separator,
        encoding=job.encoding,
        policy_text=job.policy_text,
        output_dir=conf.job_dir(job.code) / "output",
        output_name=f"{stem}.deid.{job.output_format}",
        quasi_identifiers=job.quasi_identifiers,
        sensitive=job.sensitive,
        target=job.target,
    )


def _fail(job: DeidJob, message: str) -> None:
    with transaction.atomic():
        job = _lock(job)
        previous = job.run_status
        job.run_status = RunStatus.FAILED
        job.run_error = message
        job.run_finished_at = timezone.now()
        job.progress = 0
        job.save(update_fields=["run_status", "run_error", "run_finished_at", "progress"])
        record_event(
            actor=job.run_by,
            action=Action.UPDATE,
            obj=job,
            changes={"run_status": [previous, RunStatus.FAILED], "run_error": [None, message]},
        )


def job_execute(*, code: str) -> dict[str, Any]:
    """The background task's work: run the job, keep its results, delete the source unless
    kept. Bad input ends the job "failed" with fincloud.deid's message; nothing is kept."""
    with transaction.atomic():
        job = DeidJob.objects.select_for_update().get(code=code)
        if job.run_status != RunStatus.QUEUED:
            return {"skipped": job.run_status}
        job.run_status = RunStatus.RUNNING
        job.run_started_at = timezone.now()
        job.run_finished_at = None
        job.save(update_fields=["run_status", "run_started_at", "run_finished_at"])
        record_event(
            actor=job.run_by,
            action=Action.UPDATE,
            obj=job,
            changes={"run_status": [RunStatus.QUEUED, RunStatus.RUNNING]},
        )
    work = _run_input(job)
    runner.discard_outputs(work.output_dir)  # an earlier run's output is replaced
    try:
        if job.source_kind == SourceKind.PATH:
            sources.resolve_allowed(job.source_path)  # still inside, links followed again
        sources.check_unchanged(Path(job.source_path), job.source_sha256, job.source_name)
        result = runner.execute(work, _Progress(job.pk))
    except runner.RunFailed as exc:
        _fail(job, str(exc))
        return {"failed": str(exc)}
    except ValidationError as exc:
        _fail(job, " ".join(str(m) for m in exc.messages))
        return {"failed": exc.messages}
    except Exception:
        logger.exception("de-identification job %s failed", code)
        _fail(job, str(GENERIC_FAILURE))
        return {"failed": "unexpected"}
    try:
        with transaction.atomic():
            job = _lock(job)
            job.run_status = RunStatus.DONE
            job.progress = 100
            job.progress_phase = "done"
            job.run_finished_at = timezone.now()
            job.run_record = result.run_record
            job.scan_before = result.scan_before
            job.scan_after = result.scan_after
            job.assessment = result.assessment
            job.assessment_error = result.assessment_error
            job.tool_version = result.tool_version
            job.output_name = result.output_path.name
            job.output_path = str(result.output_path)
            job.output_sha256 = result.output_sha256
            job.output_size = result.output_size
            job.output_rows = result.output_rows
            job.output_deleted_at = None
            job.save()
            record_event(
                actor=job.run_by,
                action=Action.UPDATE,
                obj=job,
                changes={
                    "run_status": [RunStatus.RUNNING, RunStatus.DONE],
                    "policy_sha256": [None, job.policy_sha256],
                    "tool_version": [None, job.tool_version],
                    "key_fingerprints": [None, result.run_record.get("key_fingerprints")],
                    "output_sha256": [None, job.output_sha256],
                    "output_rows": [None, job.output_rows],
                },
            )
    except BaseException:
        runner.discard_outputs(work.output_dir)
        raise
    if not job.keep_source:
        _delete_source(job, actor=job.run_by)
    return {"done": job.output_sha256}


def _delete_source(job: DeidJob, *, actor: Any) -> DeidJob:
    problem = sources.delete_file(Path(job.source_path))
    with transaction.atomic():
        job = _lock(job)
        if problem:
            job.source_deletion_error = problem
            job.save(update_fields=["source_deletion_error"])
            record_event(
                actor=actor,
                action=Action.UPDATE,
                obj=job,
                changes={"source_deletion_error": [None, problem]},
            )
            return job
        job.source_deleted_at = timezone.now()
        job.source_deletion_error = ""
        job.save(update_fields=["source_deleted_at", "source_deletion_error"])
        record_event(
            actor=actor,
            action=Action.DELETE,
            obj=job,
            changes={
                "source": [job.source_sha256, None],
                "source_name": [job.source_name, None],
                "kept": [job.keep_source, job.keep_reason or None],
            },
        )
    return job


def job_delete_source(*, actor: Any, job: DeidJob) -> DeidJob:
    """Delete the source now (a kept source no longer needed, or a job that will not run)."""
    if not job.source_present:
        raise ValidationError(NOTHING_TO_DELETE, code="deleted")
    if job.is_active_run:
        raise ValidationError(ALREADY_RUNNING, code="running")
    return _delete_source(job, actor=actor)


def job_decide_source(*, actor: Any, job: DeidJob, keep: bool, reason: str) -> DeidJob:
    """Record the decision to keep (or no longer keep) the source after the run."""
    if keep and not reason.strip():
        raise ValidationError({"keep_reason": KEEP_NEEDS_REASON}, code="keep_reason")
    with transaction.atomic():
        job = _lock(job)
        _preparer_only(job, actor)
        if job.run_status not in {RunStatus.READY, RunStatus.FAILED} or not job.source_present:
            raise ValidationError(KEEP_AFTER_RUN, code="after_run")
        before = snapshot(job, ["keep_source", "keep_reason", "keep_decided_by", "keep_decided_at"])
        job.keep_source = keep
        job.keep_reason = reason.strip() if keep else ""
        job.keep_decided_by = actor
        job.keep_decided_at = timezone.now()
        job.save(update_fields=["keep_source", "keep_reason", "keep_decided_by", "keep_decided_at"])
        after = snapshot(job, ["keep_source", "keep_reason", "keep_decided_by", "keep_decided_at"])
        record_event(actor=actor, action=Action.UPDATE, obj=job, before=before, after=after)
    return job


def job_submit(*, actor: Any, job: DeidJob) -> DeidJob:
    """Submit for approval: only a job whose run finished (the approver needs its report)."""
    if job.run_status != RunStatus.DONE or not job.output_present:
        raise ValidationError(RUN_BEFORE_SUBMIT, code="not_run")
    return record_submit(record=job, actor=actor)


def job_download(*, actor: Any, job: DeidJob) -> Path:
    """The output's path, for an approved job only; the download is audit-logged."""
    if job.state != State.APPROVED:
        record_event(
            actor=actor,
            action=Action.DENIED,
            obj=job,
            changes={"attempted": [None, "download"], "rule": [None, "not_approved"]},
        )
        raise ValidationError(NOT_APPROVED, code="not_approved")
    if not job.output_present:
        raise ValidationError(
            OUTPUT_GONE,
            code="output_gone",
            params={"date": f"{job.output_deleted_at:%Y-%m-%d}" if job.output_deleted_at else "-"},
        )
    path = Path(job.output_path)
    record_event(
        actor=actor,
        action=Action.EXPORT,
        obj=job,
        changes={
            "output_sha256": [None, job.output_sha256],
            "output_name": [None, job.output_name],
        },
    )
    return path


def deletion_record(
    *,
    actor: Any,
    job: DeidJob,
    reason: str,
    institution_deleted_on: dt.date,
    csp_deleted_on: dt.date,
    csp_reference: str,
    note: str = "",
    upload: Any = None,
) -> MarketingDeletion:
    """Ch 9.2 (e): record a deletion done with the CSP; the CSP's confirmation is attached
    as evidence. When the campaign has ended, the app deletes its own copy of the output."""
    from fincloud.evidence.services import evidence_attach

    if not job.is_marketing:
        raise ValidationError(NOT_MARKETING, code="not_marketing")
    if job.run_finished_at is not None and csp_deleted_on < timezone.localdate(job.run_finished_at):
        raise sources.field_error(
            "csp_deleted_on", CSP_BEFORE_INSTITUTION, "date_order",
            date=f"{timezone.localdate(job.run_finished_at):%Y-%m-%d}",
        )  # fmt: skip
    with transaction.atomic():
        record = MarketingDeletion.objects.create(
            job=job,
            reason=reason,
            institution_deleted_on=institution_deleted_on,
            csp_deleted_on=csp_deleted_on,
            csp_reference=csp_reference.strip(),
            note=note.strip(),
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        record_event(actor=actor, action=Action.CREATE, obj=record, after=snapshot(record))
        if upload is not None:
            evidence_attach(
                actor=actor,
                owner=record,
                upload=upload,
                title=str(_("CSP deletion confirmation")),
                kind="csp_deletion",
                effective_date=csp_deleted_on,
                catalog_ids=["ch9.2.privacy.e"],
            )
    # After the record is safely kept: the app's own copy of the output goes too.
    if reason == MarketingDeletion.Reason.CAMPAIGN_ENDED and job.output_present:
        output_dir = Path(job.output_path).parent  # with its checksum and run record files
        runner.discard_outputs(output_dir)
        if not output_dir.exists():
            with transaction.atomic():
                DeidJob.objects.filter(pk=job.pk).update(output_deleted_at=timezone.now())
                record_event(
                    actor=actor,
                    action=Action.DELETE,
                    obj=job,
                    changes={"output": [job.output_sha256, None]},
                )
    return record
