"""The reports pages: the institution's reports, a service's reports, generating one (queued,
its progress polled by htmx), and the download. The buttons on other apps' pages post here
(fincloud.reports.templatetags.reports.report_buttons)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from fincloud.people.access import require
from fincloud.register.models import CloudService
from fincloud.reports import registry, selectors, services
from fincloud.reports.errors import ReportRefused
from fincloud.reports.models import ReportRun, RunStatus


def get_run_for_user(request: HttpRequest, code: Any) -> ReportRun:
    """A run is its requester's; another person's run, or one of a family the person no
    longer holds, is not found."""
    try:
        run = ReportRun.objects.select_related("requested_by").get(code=code)
    except (ReportRun.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None
    user: Any = request.user
    spec = registry.REPORTS.get(run.report)
    if run.requested_by_id != user.pk or spec is None or not user.can(spec.capability):
        raise Http404
    return run


def get_service_for_user(request: HttpRequest, code: Any) -> CloudService:
    try:
        return CloudService.objects.select_related("csp", "unit").get(code=code)
    except (CloudService.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def _crumbs(*extra: tuple[Any, Any]) -> list[tuple[Any, Any]]:
    return [(_("Reports"), reverse("reports:index")), *extra]


def quarters(today: dt.date, count: int = 8) -> list[str]:
    """This quarter and the ones before it, newest first."""
    year, q = today.year, (today.month - 1) // 3 + 1
    out = []
    for _i in range(count):
        out.append(f"{year}-Q{q}")
        q -= 1
        if q == 0:
            year, q = year - 1, 4
    return out


@require_GET
@require("reports.view")
def index(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    institution = [
        (spec, None)
        for spec in registry.REPORTS.values()
        if (not spec.subject or spec.subject_optional) and user.can(spec.capability)
    ]
    return render(
        request,
        "reports/index.html",
        {
            "institution_reports": institution,
            "record_reports": [
                s for s in registry.REPORTS.values() if s.subject and user.can(s.capability)
            ],
            "quarters": quarters(timezone.localdate()),
            "runs": selectors.runs_for(user),
            "crumbs": _crumbs(),
        },
    )


@require_GET
@require("reports.view")
def service_reports(request: HttpRequest, code: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    user: Any = request.user
    return render(
        request,
        "reports/service.html",
        {
            "service": service,
            "specs": [
                s for s in registry.available_for("service", service) if user.can(s.capability)
            ],
            "audits": selectors.audits_of(service) if user.can(registry.CAP_AUDIT) else [],
            "runs": selectors.runs_for(user, subject_code=service.code),
            "crumbs": _crumbs(
                (service.name, reverse("register:service_detail", args=[service.code])),
                (_("Reports"), None),
            ),
        },
    )


def _refused(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    if request.htmx:  # type: ignore[attr-defined]
        # htmx swaps only successful responses: the refusal is shown where the progress goes.
        return render(request, "reports/_refused.html", {"message": message})
    return render(
        request,
        "reports/refused.html",
        {"message": message, "crumbs": _crumbs((_("Refused"), None))},
        status=status,
    )


@require_POST
@require("reports.view")
def run_create(request: HttpRequest) -> HttpResponse:
    data = request.POST
    try:
        run = services.report_request(
            actor=request.user,
            name=data.get("report", ""),
            fmt=data.get("format", ""),
            subject_code=data.get("subject") or None,
            params={"quarter": data.get("quarter", "")},
            lang=translation.get_language(),
        )
    except ReportRefused as exc:
        return _refused(request, exc.message)
    except PermissionDenied as exc:
        return _refused(request, str(exc), status=403)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "reports/_run.html", {"run": run})
    return redirect("reports:run_detail", code=run.code)


@require_GET
@require("reports.view")
def run_detail(request: HttpRequest, code: Any) -> HttpResponse:
    run = get_run_for_user(request, code)
    spec = registry.REPORTS[run.report]
    return render(
        request,
        "reports/run.html",
        {"run": run, "spec": spec, "crumbs": _crumbs((spec.title, None))},
    )


@require_GET
@require("reports.view")
def run_progress(request: HttpRequest, code: Any) -> HttpResponse:
    """The progress panel, polled by htmx while the report is queued or being generated."""
    return render(request, "reports/_run.html", {"run": get_run_for_user(request, code)})


@require_GET
@require("reports.view")
def run_download(request: HttpRequest, code: Any) -> HttpResponseBase:
    run = get_run_for_user(request, code)
    if run.status != RunStatus.DONE or not run.stored:
        raise Http404
    path = services.report_download(actor=request.user, run=run)
    if not path.exists():
        raise Http404
    response = FileResponse(
        path.open("rb"), as_attachment=True, filename=run.file_name, content_type=run.content_type
    )
    response["X-Content-SHA256"] = run.sha256
    return response
