"""Generating reports: request one (queued for the background worker), execute it (build,
render, store, record the SHA-256 in the audit log), hand it over (each download is an audit
event too). The CLI generates in the foreground with the same code."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation

from fincloud.auditlog.models import Action
from fincloud.auditlog.services import record_event
from fincloud.reports import registry
from fincloud.reports.errors import (
    GENERIC_FAILURE,
    NO_PERMISSION,
    NOT_CLASS_1,
    ReportRefused,
)
from fincloud.reports.models import ReportRun, RunStatus
from fincloud.web.context import current

logger = logging.getLogger(__name__)
PROGRESS_INTERVAL = 0.4  # seconds between progress writes
LANGUAGES = {"zh-hant", "en"}


def report_dir() -> Path:
    return Path(settings.MEDIA_ROOT) / "reports"


def stored_path(run: ReportRun) -> Path:
    return report_dir() / f"{run.code}.{run.fmt}"


def _language(lang: str | None) -> str:
    value = (lang or translation.get_language() or settings.LANGUAGE_CODE).lower()
    if value.startswith("en"):
        return "en"
    return "zh-hant"


def file_name(run: ReportRun) -> str:
    stamp = timezone.localtime(run.requested_at).strftime("%Y%m%d-%H%M%S")
    subject = f"-{str(run.subject_code)[:8]}" if run.subject_code else ""
    return f"fincloud-{run.report}{subject}-{stamp}.{run.fmt}"


@dataclass(frozen=True)
class Request:
    spec: registry.ReportSpec
    fmt: str
    subject: Any
    params: dict[str, Any]


def check_request(
    *,
    actor: Any,
    name: str,
    fmt: str,
    subject_code: Any = None,
    params: dict[str, Any] | None = None,
) -> Request:
    """The request's refusals, in the order a person fixes them: the report, the permission,
    the format, the record it is about, the parameters."""
    spec = registry.spec_for(name)
    if actor is not None and not actor.can(spec.capability):
        raise PermissionDenied(str(NO_PERMISSION % {"capability": spec.capability}))
    fmt = registry.check_format(spec, fmt)
    subject = registry.resolve_subject(spec, subject_code)
    if spec.condition is not None and not spec.condition(subject):
        raise ReportRefused("service", "classification", str(NOT_CLASS_1 % {"service": subject}))
    return Request(spec, fmt, subject, registry.clean_params(spec, params))


def _new_run(*, actor: Any, request: Request, lang: str, channel: str) -> ReportRun:
    subject = request.subject
    return ReportRun.objects.create(
        report=request.spec.name,
        fmt=request.fmt,
        lang=lang,
        subject_kind=request.spec.subject if subject is not None else "",
        subject_code=getattr(subject, "code", None),
        subject_label=str(subject)[:300] if subject is not None else "",
        params=request.params,
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        channel=channel[:10],
        requested_at=timezone.now(),
    )


def report_request(
    *,
    actor: Any,
    name: str,
    fmt: str,
    subject_code: Any = None,
    params: dict[str, Any] | None = None,
    lang: str | None = None,
) -> ReportRun:
    """Queue a report for the background worker (django-tasks); the page polls its progress."""
    from fincloud.reports.tasks import run_report

    request = check_request(
        actor=actor, name=name, fmt=fmt, subject_code=subject_code, params=params
    )
    with transaction.atomic():
        run = _new_run(
            actor=actor, request=request, lang=_language(lang), channel=current().channel or "web"
        )
    result = run_report.enqueue(str(run.code))
    ReportRun.objects.filter(pk=run.pk).update(task_id=str(result.id)[:64])
    run.refresh_from_db()
    return run


class _Progress:
    """Writes the progress at most every PROGRESS_INTERVAL seconds (and at each new phase)."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.phase = ""
        self.last = 0.0

    def __call__(self, phase: str, value: int) -> None:
        now = time.monotonic()
        if phase == self.phase and now - self.last < PROGRESS_INTERVAL:
            return
        self.phase, self.last = phase, now
        ReportRun.objects.filter(pk=self.run_id).update(
            progress=max(0, min(int(value), 99)), phase=phase[:20]
        )


def _build(run: ReportRun, progress: Any) -> bytes:
    spec = registry.spec_for(run.report)
    subject = registry.resolve_subject(spec, run.subject_code) if run.subject_code else None
    from fincloud.reports.builders.base import lang_key

    with translation.override(run.lang):
        return spec.produce(subject, run.fmt, lang_key(run.lang), progress, dict(run.params))


def _write(run: ReportRun, data: bytes) -> None:
    folder = report_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = stored_path(run)
    partial = target.with_suffix(target.suffix + ".part")
    partial.write_bytes(data)
    partial.replace(target)


def _finish(run: ReportRun, data: bytes, *, store: bool) -> ReportRun:
    digest = hashlib.sha256(data).hexdigest()
    if store:
        _write(run, data)
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().get(pk=run.pk)
        run.status = RunStatus.DONE
        run.progress = 100
        run.phase = "done"
        run.finished_at = timezone.now()
        run.sha256 = digest
        run.size = len(data)
        run.stored = store
        run.file_name = file_name(run)
        run.content_type = registry.CONTENT_TYPES[run.fmt]
        run.save()
        # The report's SHA-256 in the audit trail: anyone can check a copy against it later.
        record_event(
            actor=run.requested_by,
            action=Action.EXPORT,
            obj=run,
            changes={
                "report": [None, run.report],
                "format": [None, run.fmt],
                "subject": [None, str(run.subject_code) if run.subject_code else None],
                "params": [None, run.params or None],
                "sha256": [None, digest],
                "size": [None, len(data)],
            },
            actor_label="" if run.requested_by else f"{run.channel}",
        )
    return run


def _fail(run: ReportRun, message: str) -> ReportRun:
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().get(pk=run.pk)
        run.status = RunStatus.FAILED
        run.error = message[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
    return run


def report_execute(*, code: str, store: bool = True) -> tuple[ReportRun, bytes]:
    """The background task's work (and the CLI's, in the foreground)."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().get(code=code)
        if run.status != RunStatus.QUEUED:
            return run, b""
        run.status = RunStatus.RUNNING
        run.started_at = timezone.now()
        run.progress = 1
        run.phase = "collect"
        run.save(update_fields=["status", "started_at", "progress", "phase"])
    try:
        data = _build(run, _Progress(run.pk))
    except ReportRefused as exc:
        return _fail(run, exc.message), b""
    except Exception:
        logger.exception("report %s (%s) failed", run.code, run.report)
        with translation.override(run.lang):
            message = str(GENERIC_FAILURE)
        return _fail(run, message), b""
    ReportRun.objects.filter(pk=run.pk).update(progress=99, phase="store")
    return _finish(run, data, store=store), data


def report_generate(
    *,
    actor: Any,
    name: str,
    fmt: str,
    subject_code: Any = None,
    params: dict[str, Any] | None = None,
    lang: str | None = None,
    channel: str = "cli",
    store: bool = False,
) -> tuple[ReportRun, bytes]:
    """Generate now (the command line): checked as a request, recorded as a run, its SHA-256
    in the audit log; the file is handed back (and kept only with ``store``)."""
    request = check_request(
        actor=actor, name=name, fmt=fmt, subject_code=subject_code, params=params
    )
    run = _new_run(actor=actor, request=request, lang=_language(lang), channel=channel)
    run, data = report_execute(code=str(run.code), store=store)
    if run.status == RunStatus.FAILED:
        spec = request.spec
        raise ReportRefused(spec.subject or "report", "failed", run.error)
    return run, data


def report_download(*, actor: Any, run: ReportRun) -> Path:
    """The stored file, its hand-over written to the audit log (action export)."""
    path = stored_path(run)
    record_event(
        actor=actor,
        action=Action.EXPORT,
        obj=run,
        changes={"download": [None, run.file_name], "sha256": [None, run.sha256]},
    )
    return path
