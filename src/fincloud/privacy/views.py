"""De-identification jobs: list, create, run with progress, reports, approval, download,
source decisions and the deletion of marketing data with the CSP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fincloud.evidence.services import evidence_for
from fincloud.people.access import require
from fincloud.privacy import reports, selectors, services
from fincloud.privacy.forms import DeletionForm, JobForm, KeepSourceForm, PolicyUpdateForm
from fincloud.privacy.models import DeidJob, Purpose, RunStatus
from fincloud.web.forms import attach_errors
from fincloud.workflow import views as workflow_views
from fincloud.workflow.models import State
from fincloud.workflow.services import WorkflowError, check_can_decide


def _crumbs(*items: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [(_("De-identification jobs"), reverse("privacy:job_list")), *items]


def get_job_for_user(request: HttpRequest, code: Any) -> DeidJob:
    try:
        return selectors.job_detail(code)
    except (DeidJob.DoesNotExist, ValidationError):
        raise Http404 from None


@require_GET
@require("privacy.view")
def job_list(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    purpose = request.GET.get("purpose", "")
    qs = selectors.jobs(
        state=state if state in State.values else "",
        purpose=purpose if purpose in Purpose.values else "",
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "privacy/job_list.html",
        {
            "page": page,
            "state": state,
            "purpose": purpose,
            "states": State.choices,
            "purposes": Purpose.choices,
            "crumbs": [(_("De-identification jobs"), None)],
        },
    )


@require_http_methods(["GET", "POST"])
@require("privacy.run")
def job_create(request: HttpRequest) -> HttpResponse:
    form = JobForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = services.job_create(
                actor=request.user,
                title=data["title"],
                policy_text=data["policy"],
                upload=data["source_file"] or None,
                path=data["source_path"] or "",
                separator=data["separator"],
                encoding=data["encoding"],
                output_format=data["output_format"],
                cloud_service=data["cloud_service"],
                quasi_identifiers=data["quasi_identifiers"],
                sensitive=data["sensitive"],
                target=data["target"],
                keep_source=data["keep_source"],
                keep_reason=data["keep_reason"],
            )
        except ValidationError as exc:
            attach_errors(form, exc, {"policy": form.policy_field()})
        else:
            messages.success(request, _("Job created. Check it and run it."))
            return redirect("privacy:job_detail", code=job.code)
    return render(
        request,
        "privacy/job_form.html",
        {"form": form, "crumbs": _crumbs((_("New job"), None))},
    )


def _detail_context(request: HttpRequest, job: DeidJob) -> dict[str, Any]:
    user: Any = request.user
    can_approve = user.can("workflow.approve")
    deletions = selectors.deletions_of(job) if job.is_marketing else []
    return {
        "job": job,
        "record": job,
        "can_approve": can_approve,
        "decide_refusal": check_can_decide(job, user) if can_approve else None,
        "transition_url": reverse("privacy:job_detail", kwargs={"code": job.code}),
        "can_run": user.can("privacy.run") and job.prepared_by_id == user.pk,
        "can_export": user.can("privacy.export"),
        "editable": job.state in {State.DRAFT, State.REJECTED},
        "scan": reports.scan_view(job.scan_before, job.scan_after),
        "risk": reports.risk_view(job.assessment),
        "utility": reports.utility_view(job.assessment),
        "summary": job.run_summary(),
        "deletions": [(d, evidence_for(d)) for d in deletions],
        "campaign_deleted": any(d.reason == "campaign_ended" for d in deletions),
        "policy_form": PolicyUpdateForm(
            initial={
                "policy_text": job.policy_text,
                "quasi_identifiers": ", ".join(job.quasi_identifiers),
                "sensitive": ", ".join(job.sensitive),
                "target": job.target,
            }
        ),
        "crumbs": _crumbs((job.title, None)),
    }


@require_GET
@require("privacy.view")
def job_detail(request: HttpRequest, code: Any) -> HttpResponse:
    job = get_job_for_user(request, code)
    return render(request, "privacy/job_detail.html", _detail_context(request, job))


@require_GET
@require("privacy.view")
def job_progress(request: HttpRequest, code: Any) -> HttpResponse:
    """The run panel, polled by htmx while the job is queued or running; when the run ends,
    the page reloads to show the reports."""
    job = get_job_for_user(request, code)
    response = render(
        request,
        "privacy/_run_panel.html",
        {"job": job, "can_run": False, "polling": job.is_active_run},
    )
    if not job.is_active_run and request.GET.get("was") in {RunStatus.QUEUED, RunStatus.RUNNING}:
        response["HX-Refresh"] = "true"
    return response


@require_POST
@require("privacy.run")
def job_run(request: HttpRequest, code: Any) -> HttpResponse:
    job = get_job_for_user(request, code)
    try:
        services.job_run(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.info(request, _("The job is queued; this page shows its progress."))
    return redirect("privacy:job_detail", code=job.code)


@require_POST
@require("privacy.run")
def job_policy(request: HttpRequest, code: Any) -> HttpResponse:
    job = get_job_for_user(request, code)
    form = PolicyUpdateForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.job_update_policy(
                actor=request.user,
                job=job,
                policy_text=data["policy"],
                quasi_identifiers=data["quasi_identifiers"],
                sensitive=data["sensitive"],
                target=data["target"],
            )
        except ValidationError as exc:
            attach_errors(form, exc, {"policy": form.policy_field()})
        else:
            messages.success(request, _("Policy changed. Run the job again."))
            return redirect("privacy:job_detail", code=job.code)
    context = _detail_context(request, job)
    context["policy_form"] = form
    return render(request, "privacy/job_detail.html", context, status=400)


@require_POST
@require("privacy.run")
def job_source(request: HttpRequest, code: Any) -> HttpResponse:
    """Record the decision about the source (keep, with a reason), or delete it now."""
    job = get_job_for_user(request, code)
    try:
        if request.POST.get("action") == "delete":
            services.job_delete_source(actor=request.user, job=job)
            messages.success(request, _("Source file deleted."))
        else:
            form = KeepSourceForm(request.POST)
            form.is_valid()
            services.job_decide_source(
                actor=request.user,
                job=job,
                keep=bool(form.cleaned_data.get("keep_source")),
                reason=form.cleaned_data.get("keep_reason") or "",
            )
            messages.success(request, _("Decision about the source recorded."))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("privacy:job_detail", code=job.code)


@require_GET
@require("privacy.export")
def job_download(request: HttpRequest, code: Any) -> HttpResponseBase:
    job = get_job_for_user(request, code)
    try:
        path = services.job_download(actor=request.user, job=job)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("privacy:job_detail", code=job.code)
    if not Path(path).exists():
        raise Http404
    content_type = "text/csv" if job.output_format == "csv" else "application/vnd.apache.parquet"
    response = FileResponse(
        Path(path).open("rb"),
        as_attachment=True,
        filename=job.output_name,
        content_type=content_type,
    )
    response["X-Content-SHA256"] = job.output_sha256
    return response


@require_POST
@require("privacy.view")
def job_transition(request: HttpRequest, code: Any, action: str) -> HttpResponse:
    job = get_job_for_user(request, code)
    user: Any = request.user
    if action not in workflow_views.ACTIONS:
        raise Http404
    if action in {"submit", "reopen"} and not user.can("privacy.run"):
        raise PermissionDenied("privacy.run")
    success_url = reverse("privacy:job_detail", kwargs={"code": job.code})
    if action == "submit":
        try:
            services.job_submit(actor=user, job=job)
        except (WorkflowError, ValidationError) as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, _("Submitted for approval."))
        return redirect(success_url)
    return workflow_views.transition(request, job, action, success_url=success_url)


@require_http_methods(["GET", "POST"])
@require("privacy.run")
def deletion_create(request: HttpRequest, code: Any) -> HttpResponse:
    job = get_job_for_user(request, code)
    if not job.is_marketing:
        raise Http404
    form = DeletionForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.deletion_record(
                actor=request.user,
                job=job,
                reason=data["reason"],
                institution_deleted_on=data["institution_deleted_on"],
                csp_deleted_on=data["csp_deleted_on"],
                csp_reference=data["csp_reference"],
                note=data["note"],
                upload=data["confirmation"] or None,
            )
        except ValidationError as exc:
            attach_errors(form, exc, {"file": "confirmation"})
        else:
            messages.success(request, _("Deletion with the CSP recorded."))
            return redirect("privacy:job_detail", code=job.code)
    return render(
        request,
        "privacy/deletion_form.html",
        {
            "form": form,
            "job": job,
            "crumbs": _crumbs(
                (job.title, reverse("privacy:job_detail", kwargs={"code": job.code})),
                (_("Deletion with the CSP"), None),
            ),
        },
    )
