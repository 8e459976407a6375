"""Pages of the audits app (Ch 7): the plan, a service's audits and security tests, an audit
with its team, programme, working papers and findings, the report, and the auditors."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fincloud.audits import messages as msg
from fincloud.audits import selectors, services
from fincloud.audits.forms import (
    AssignForm,
    AuditForm,
    AuditorForm,
    CertificateForm,
    ExperienceForm,
    FileForm,
    FindingForm,
    PolicyForm,
    ProgrammeResultForm,
    RemediationForm,
    ReportForm,
    ResponseForm,
    SecurityTestForm,
    TailoringForm,
    VerifyForm,
    WorkingPaperForm,
)
from fincloud.audits.models import (
    Audit,
    Auditor,
    AuditPlanEntry,
    AuditReport,
    Finding,
    JointParticipant,
    ProgrammeItem,
    ProgrammeTailoring,
    SecurityTest,
    WorkingPaper,
)
from fincloud.audits.programme import domains
from fincloud.catalog import load_catalog
from fincloud.determinations.models import Determination
from fincloud.evidence.services import evidence_for
from fincloud.people.access import require
from fincloud.register.models import Classification, CloudService
from fincloud.web.forms import attach_errors, flash_errors
from fincloud.workflow import views as workflow_views
from fincloud.workflow.services import WorkflowError, check_can_decide


def _plan_crumb() -> tuple[str, str]:
    return (_("Audit plan"), reverse("audits:plan"))


def _get(model: Any, code: Any, *related: str) -> Any:
    try:
        return model.objects.select_related(*related).get(code=code)
    except (model.DoesNotExist, ValidationError):
        raise Http404 from None


# One lookup helper per object: not found and not allowed both 404.
def get_service_for_user(request: HttpRequest, code: Any) -> CloudService:
    return _get(CloudService, code, "csp", "unit", "owner")


def get_audit_for_user(request: HttpRequest, code: Any) -> Audit:
    try:
        return selectors.audit_detail(code)
    except (Audit.DoesNotExist, ValidationError):
        raise Http404 from None


def get_finding_for_user(request: HttpRequest, code: Any) -> Finding:
    return _get(
        Finding,
        code,
        "audit",
        "audit__service",
        "owner",
        "remediated_by",
        "verified_by",
        "raised_by",
        "programme_item",
    )


def get_item_for_user(request: HttpRequest, code: Any) -> ProgrammeItem:
    return _get(ProgrammeItem, code, "audit", "audit__service", "tested_by")


def get_paper_for_user(request: HttpRequest, code: Any) -> WorkingPaper:
    return _get(WorkingPaper, code, "audit", "audit__service", "programme_item", "prepared_by")


def get_report_for_user(request: HttpRequest, code: Any) -> AuditReport:
    return _get(
        AuditReport,
        code,
        "audit",
        "audit__service",
        "unit",
        "prepared_by",
        "submitted_by",
        "decided_by",
    )


def get_auditor_for_user(request: HttpRequest, code: Any) -> Auditor:
    return _get(Auditor, code, "unit", "user")


def get_test_for_user(request: HttpRequest, code: Any) -> SecurityTest:
    return _get(SecurityTest, code, "service", "audit", "recorded_by")


def get_participant_for_user(request: HttpRequest, code: Any) -> JointParticipant:
    return _get(JointParticipant, code, "audit")


# -- the plan -----------------------------------------------------------------------------------


@require_GET
@require("audits.view")
def plan(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    cls = request.GET.get("classification", "")
    if cls not in Classification.values:
        cls = ""
    filters = selectors.PlanFilters(
        query=request.GET.get("q", "").strip()[:100],
        classification=cls,
        overdue=request.GET.get("overdue") == "1",
        stale=request.GET.get("stale") == "1",
    )
    page = Paginator(selectors.plan_entries(filters, today=today), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "audits/plan.html",
        {
            "page": page,
            "filters": filters,
            "classifications": [c for c in Classification.choices if c[0] != "out_of_scope"],
            "figures": selectors.plan_figures(today=today),
            "policy": services.policy_get(),
            "today": today,
            "crumbs": [(_("Audit plan"), None)],
        },
    )


@require_POST
@require("audits.plan")
def plan_regenerate(request: HttpRequest) -> HttpResponse:
    stats = services.plan_regenerate(actor=request.user)
    messages.success(
        request,
        _("Audit plan regenerated: %(planned)s services planned, %(overdue)s overdue.")
        % {"planned": stats.planned, "overdue": stats.overdue},
    )
    return redirect("audits:plan")


@require_http_methods(["GET", "POST"])
@require("audits.policy")
def policy(request: HttpRequest) -> HttpResponse:
    current = services.policy_get()
    form = PolicyForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_update(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Audit policy saved; the plan follows it."))
            return redirect("audits:plan")
    return render(
        request,
        "audits/form.html",
        {
            "form": form,
            "title": _("Audit policy"),
            "lead": _(
                "Ch 7.1 (a) lets the institution set the interval for classifications 3 and 4 "
                "(“every two years, or as the institution's resources decide”); Ch 7.1 (e) asks "
                "for the CSP's answer to findings “within a reasonable time”, which the "
                "institution defines here."
            ),
            "cancel_url": reverse("audits:plan"),
            "crumbs": [_plan_crumb(), (_("Audit policy"), None)],
        },
    )


@require_http_methods(["GET", "POST"])
@require("audits.view")
def tailoring(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    form = TailoringForm(request.POST or None, language=get_language() or "")
    if request.method == "POST":
        if not user.can("audits.plan"):
            raise PermissionDenied("audits.plan")
        if form.is_valid():
            try:
                services.tailoring_set(actor=user, **form.cleaned_data)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("Tailoring recorded."))
                return redirect("audits:tailoring")
    rows = {
        (t.service_model, t.domain_id): t
        for t in ProgrammeTailoring.objects.select_related("decided_by")
    }
    table = [
        {"domain": d, "cells": [rows.get((m, d.id)) for m in ("IaaS", "PaaS", "SaaS")]}
        for d in domains(load_catalog())
    ]
    return render(
        request,
        "audits/tailoring.html",
        {
            "table": table,
            "form": form if user.can("audits.plan") else None,
            "crumbs": [_plan_crumb(), (_("Programme tailoring"), None)],
        },
    )


# -- a service ----------------------------------------------------------------------------------


@require_GET
@require("audits.view")
def service_audits(request: HttpRequest, code: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    entry = AuditPlanEntry.objects.select_related("determination").filter(service=service).first()
    history = Determination.objects.filter(
        subject_type__model="cloudservice", subject_id=str(service.pk), kind="audit_plan"
    ).order_by("-computed_at")[:10]
    return render(
        request,
        "audits/service.html",
        {
            "service": service,
            "entry": entry,
            "det": entry.determination if entry else None,
            "history": history,
            "today": timezone.localdate(),
            "audits": Audit.objects.filter(service=service)
            .select_related("contact")
            .order_by("-planned_start"),
            "tests": SecurityTest.objects.filter(service=service)
            .select_related("audit")
            .order_by("-planned_on"),
            "crumbs": [_plan_crumb(), (service.name, None)],
        },
    )


@require_http_methods(["GET", "POST"])
@require("audits.plan")
def audit_create(request: HttpRequest, code: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    entry = AuditPlanEntry.objects.filter(service=service).first()
    initial = {
        "title": _("%(year)s audit of %(service)s")
        % {"year": timezone.localdate().year, "service": service.name},
        "planned_start": entry.next_general_due if entry else timezone.localdate(),
        "planned_end": entry.next_general_due if entry else timezone.localdate(),
    }
    form = AuditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        participants = data.pop("participants")
        try:
            audit = services.audit_plan(
                actor=request.user, service=service, participants=participants, **data
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(
                request, _("Audit planned; its programme was generated from the Ch 7.3 table.")
            )
            return redirect("audits:audit", code=audit.code)
    return render(
        request,
        "audits/form.html",
        {
            "form": form,
            "title": _("Plan an audit"),
            "lead": service.name,
            "cancel_url": reverse("audits:service", args=[service.code]),
            "crumbs": [
                _plan_crumb(),
                (service.name, reverse("audits:service", args=[service.code])),
                (_("Plan an audit"), None),
            ],
        },
    )


def _test_page(
    request: HttpRequest, service: CloudService, test: SecurityTest | None
) -> HttpResponse:
    form = SecurityTestForm(request.POST or None, instance=test)
    if request.method == "POST" and form.is_valid():
        try:
            services.security_test_save(
                actor=request.user, service=service, test=test, **form.cleaned_data
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Security test saved."))
            return redirect("audits:service", code=service.code)
    title = _("Security test") if test else _("Plan a security test")
    return render(
        request,
        "audits/test.html",
        {
            "form": form,
            "test": test,
            "service": service,
            "files": evidence_for(test) if test else [],
            "file_form": FileForm() if test else None,
            "title": title,
            "crumbs": [
                _plan_crumb(),
                (service.name, reverse("audits:service", args=[service.code])),
                (title, None),
            ],
        },
    )


@require_http_methods(["GET", "POST"])
@require("audits.security_test")
def test_create(request: HttpRequest, code: Any) -> HttpResponse:
    return _test_page(request, get_service_for_user(request, code), None)


@require_http_methods(["GET", "POST"])
@require("audits.security_test")
def test_edit(request: HttpRequest, code: Any) -> HttpResponse:
    test = get_test_for_user(request, code)
    return _test_page(request, test.service, test)


@require_POST
@require("audits.security_test")
def test_file(request: HttpRequest, code: Any) -> HttpResponse:
    test = get_test_for_user(request, code)
    form = FileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.security_test_attach(
                actor=request.user,
                test=test,
                upload=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("File stored."))
    else:
        flash_errors(request, ValidationError(list(form.errors.get("file") or [])))
    return redirect("audits:test", code=test.code)


# -- audits -------------------------------------------------------------------------------------


@require_GET
@require("audits.view")
def audit_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in Audit.Status.values:
        status = ""
    page = Paginator(selectors.audit_list(status=status), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "audits/audit_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Audit.Status.choices,
            "crumbs": [(_("Audits"), None)],
        },
    )


@require_GET
@require("audits.view")
def audit_detail(request: HttpRequest, code: Any) -> HttpResponse:
    audit = get_audit_for_user(request, code)
    catalog = load_catalog()
    programme = list(selectors.programme_of(audit))
    groups: list[dict[str, Any]] = []
    for item in programme:
        item.node = catalog.get(item.catalog_id)  # type: ignore[attr-defined]
        key = item.domain_id or "focus"
        if not groups or groups[-1]["key"] != key:
            groups.append(
                {
                    "key": key,
                    "domain": catalog.get(item.domain_id) if item.domain_id else None,
                    "items": [],
                }
            )
        groups[-1]["items"].append(item)
    for group in groups:
        results = [i.result for i in group["items"]]
        group["done"] = sum(1 for r in results if r != ProgrammeItem.Result.NOT_STARTED)
        group["exceptions"] = results.count(ProgrammeItem.Result.EXCEPTION)
    user: Any = request.user
    return render(
        request,
        "audits/audit.html",
        {
            "audit": audit,
            "service": audit.service,
            "assignments": audit.assignments.select_related(
                "auditor", "auditor__unit", "assigned_by"
            ),
            "participants": audit.participants.all(),
            "programme": programme,
            "groups": groups,
            "papers": audit.working_papers.select_related("programme_item", "prepared_by"),
            "findings": selectors.findings_of(audit),
            "reports": audit.reports.select_related("prepared_by", "decided_by").order_by(
                "-version"
            ),
            "assign_form": AssignForm() if user.can("audits.plan") else None,
            "open": audit.status not in {"closed", "cancelled"},
            "statuses": Audit.Status.choices,
            "today": timezone.localdate(),
            "crumbs": [
                _plan_crumb(),
                (audit.service.name, reverse("audits:service", args=[audit.service.code])),
                (audit.title, None),
            ],
        },
    )


@require_POST
@require("audits.plan")
def audit_assign(request: HttpRequest, code: Any) -> HttpResponse:
    audit = get_audit_for_user(request, code)
    form = AssignForm(request.POST)
    if form.is_valid():
        try:
            services.audit_assign(actor=request.user, audit=audit, **form.cleaned_data)
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(
                request, _("Auditor assigned: qualified and independent on the audit date.")
            )
    else:
        messages.error(request, _("Choose an auditor and a role."))
    return redirect("audits:audit", code=audit.code)


@require_POST
@require("audits.plan")
def audit_advance(request: HttpRequest, code: Any) -> HttpResponse:
    audit = get_audit_for_user(request, code)
    try:
        audit = services.audit_advance(actor=request.user, audit=audit)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(
            request, _("The audit is now “%(status)s”.") % {"status": audit.get_status_display()}
        )
    return redirect("audits:audit", code=audit.code)


@require_POST
@require("audits.plan")
def participant_report(request: HttpRequest, code: Any) -> HttpResponse:
    participant = get_participant_for_user(request, code)
    date_text = request.POST.get("own_report_date", "")
    try:
        from datetime import date

        report_date = date.fromisoformat(date_text) if date_text else None
        services.participant_report(
            actor=request.user,
            participant=participant,
            reference=request.POST.get("own_report_reference", "")[:200],
            report_date=report_date,
        )
    except ValueError:
        messages.error(request, _("Its own report date: enter a date (YYYY-MM-DD)."))
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Saved."))
    return redirect("audits:audit", code=participant.audit.code)


@require_http_methods(["GET", "POST"])
@require("audits.view")
def programme_item(request: HttpRequest, code: Any) -> HttpResponse:
    item = get_item_for_user(request, code)
    user: Any = request.user
    form = ProgrammeResultForm(
        request.POST or None, initial={"result": item.result, "conclusion": item.conclusion}
    )
    if request.method == "POST":
        if not user.can("audits.plan"):
            raise PermissionDenied("audits.plan")
        if form.is_valid():
            try:
                services.programme_record(actor=user, item=item, **form.cleaned_data)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("Result recorded."))
                return redirect("audits:audit", code=item.audit.code)
    return render(
        request,
        "audits/programme_item.html",
        {
            "item": item,
            "node": load_catalog().get(item.catalog_id),
            "form": form if user.can("audits.plan") else None,
            "papers": item.working_papers.select_related("prepared_by"),
            "crumbs": [
                _plan_crumb(),
                (item.audit.title, reverse("audits:audit", args=[item.audit.code])),
                (item.catalog_id, None),
            ],
        },
    )


@require_http_methods(["GET", "POST"])
@require("audits.plan")
def paper_create(request: HttpRequest, code: Any) -> HttpResponse:
    audit = get_audit_for_user(request, code)
    form = WorkingPaperForm(
        request.POST or None,
        request.FILES or None,
        audit=audit,
        initial={"programme_item": request.GET.get("item")},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        upload = data.pop("file")
        try:
            paper = services.working_paper_add(
                actor=request.user, audit=audit, upload=upload, **data
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Working paper saved."))
            return redirect("audits:paper", code=paper.code)
    return render(
        request,
        "audits/form.html",
        {
            "form": form,
            "title": _("New working paper"),
            "lead": audit.title,
            "cancel_url": reverse("audits:audit", args=[audit.code]),
            "crumbs": [
                _plan_crumb(),
                (audit.title, reverse("audits:audit", args=[audit.code])),
                (_("New working paper"), None),
            ],
        },
    )


@require_GET
@require("audits.view")
def paper_detail(request: HttpRequest, code: Any) -> HttpResponse:
    paper = get_paper_for_user(request, code)
    user: Any = request.user
    return render(
        request,
        "audits/paper.html",
        {
            "paper": paper,
            "files": evidence_for(paper),
            "file_form": FileForm() if user.can("audits.plan") else None,
            "crumbs": [
                _plan_crumb(),
                (paper.audit.title, reverse("audits:audit", args=[paper.audit.code])),
                (paper.reference, None),
            ],
        },
    )


@require_POST
@require("audits.plan")
def paper_file(request: HttpRequest, code: Any) -> HttpResponse:
    paper = get_paper_for_user(request, code)
    form = FileForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.working_paper_attach(
                actor=request.user,
                paper=paper,
                upload=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("File stored."))
    else:
        flash_errors(request, ValidationError(list(form.errors.get("file") or [])))
    return redirect("audits:paper", code=paper.code)


# -- findings -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require("audits.plan")
def finding_create(request: HttpRequest, code: Any) -> HttpResponse:
    audit = get_audit_for_user(request, code)
    form = FindingForm(
        request.POST or None, audit=audit, initial={"programme_item": request.GET.get("item")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            finding = services.finding_raise(actor=request.user, audit=audit, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(
                request,
                _("Finding raised; the CSP's response is due by %(date)s.")
                % {"date": finding.csp_response_due},
            )
            return redirect("audits:finding", code=finding.code)
    return render(
        request,
        "audits/form.html",
        {
            "form": form,
            "title": _("Raise a finding"),
            "lead": audit.title,
            "cancel_url": reverse("audits:audit", args=[audit.code]),
            "crumbs": [
                _plan_crumb(),
                (audit.title, reverse("audits:audit", args=[audit.code])),
                (_("Raise a finding"), None),
            ],
        },
    )


@require_GET
@require("audits.view")
def finding_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in Finding.Status.values:
        status = ""
    mine = request.GET.get("mine") == "1"
    page = Paginator(
        selectors.finding_list(status=status, owner=request.user if mine else None), 50
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "audits/finding_list.html",
        {
            "page": page,
            "status": status,
            "mine": mine,
            "statuses": Finding.Status.choices,
            "today": timezone.localdate(),
            "crumbs": [(_("Audit findings"), None)],
        },
    )


def _finding_page(
    request: HttpRequest, finding: Finding, forms: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    user: Any = request.user
    forms = forms or {}
    context: dict[str, Any] = {
        "finding": finding,
        "today": timezone.localdate(),
        "late": bool(
            finding.csp_response_due
            and (
                (finding.csp_responded_on and finding.csp_responded_on > finding.csp_response_due)
                or (
                    not finding.csp_responded_on and finding.csp_response_due < timezone.localdate()
                )
            )
        ),
        "crumbs": [
            _plan_crumb(),
            (finding.audit.title, reverse("audits:audit", args=[finding.audit.code])),
            (finding.title, None),
        ],
    }
    if finding.status == Finding.Status.OPEN and user.can("audits.respond"):
        context["response_form"] = forms.get("respond") or ResponseForm(
            initial={"csp_responded_on": timezone.localdate()}
        )
    if finding.status in {Finding.Status.OPEN, Finding.Status.RESPONDED} and user.can(
        "audits.respond"
    ):
        context["remediation_form"] = forms.get("remediate") or RemediationForm()
    if finding.status == Finding.Status.REMEDIATED and user.can("audits.plan"):
        context["verify_form"] = forms.get("verify") or VerifyForm()
        if finding.remediated_by_id == user.pk:
            context["verify_refusal"] = msg.VERIFIER_IS_REMEDIATOR
    return render(request, "audits/finding.html", context, status=status)


@require_GET
@require("audits.view")
def finding_detail(request: HttpRequest, code: Any) -> HttpResponse:
    return _finding_page(request, get_finding_for_user(request, code))


def _finding_step(request: HttpRequest, code: Any, step: str) -> HttpResponse:
    finding = get_finding_for_user(request, code)
    form_class = {"respond": ResponseForm, "remediate": RemediationForm, "verify": VerifyForm}[step]
    form = form_class(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if step == "respond":
                services.finding_csp_response(
                    actor=request.user,
                    finding=finding,
                    response=data["csp_response"],
                    responded_on=data["csp_responded_on"],
                )
            elif step == "remediate":
                services.finding_remediate(
                    actor=request.user, finding=finding, remediation=data["remediation"]
                )
            else:
                services.finding_verify(
                    actor=request.user,
                    finding=finding,
                    verification=data["verification"],
                    accepted=data["accepted"],
                )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                attach_errors(form, exc)
            else:
                flash_errors(request, exc)
                return redirect("audits:finding", code=finding.code)
        else:
            messages.success(request, _("Saved."))
            return redirect("audits:finding", code=finding.code)
    finding.refresh_from_db()
    return _finding_page(request, finding, {step: form}, status=400)


@require_POST
@require("audits.respond")
def finding_respond(request: HttpRequest, code: Any) -> HttpResponse:
    return _finding_step(request, code, "respond")


@require_POST
@require("audits.respond")
def finding_remediate(request: HttpRequest, code: Any) -> HttpResponse:
    return _finding_step(request, code, "remediate")


@require_POST
@require("audits.plan")
def finding_verify(request: HttpRequest, code: Any) -> HttpResponse:
    return _finding_step(request, code, "verify")


# -- reports ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require("audits.plan")
def report_create(request: HttpRequest, code: Any) -> HttpResponse:
    audit = get_audit_for_user(request, code)
    form = ReportForm(request.POST or None, initial={"report_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            report = services.report_draft(actor=request.user, audit=audit, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Report drafted. Submit it for approval."))
            return redirect("audits:report", code=report.code)
    return render(
        request,
        "audits/form.html",
        {
            "form": form,
            "title": _("Audit report"),
            "lead": audit.title,
            "cancel_url": reverse("audits:audit", args=[audit.code]),
            "crumbs": [
                _plan_crumb(),
                (audit.title, reverse("audits:audit", args=[audit.code])),
                (_("Audit report"), None),
            ],
        },
    )


@require_GET
@require("audits.view")
def report_detail(request: HttpRequest, code: Any) -> HttpResponse:
    report = get_report_for_user(request, code)
    user: Any = request.user
    can_approve = user.can("workflow.approve")
    return render(
        request,
        "audits/report.html",
        {
            "report": report,
            "record": report,
            "audit": report.audit,
            "findings": selectors.findings_of(report.audit),
            "files": evidence_for(report),
            "file_form": FileForm()
            if user.can("audits.plan") and report.state in {"draft", "rejected"}
            else None,
            "can_approve": can_approve,
            "decide_refusal": check_can_decide(report, user) if can_approve else None,
            "transition_url": reverse("audits:report", kwargs={"code": report.code}),
            "crumbs": [
                _plan_crumb(),
                (report.audit.title, reverse("audits:audit", args=[report.audit.code])),
                (_("Report v%(n)s") % {"n": report.version}, None),
            ],
        },
    )


@require_POST
@require("audits.view")
def report_transition(request: HttpRequest, code: Any, action: str) -> HttpResponse:
    report = get_report_for_user(request, code)
    user: Any = request.user
    if action not in workflow_views.ACTIONS:
        raise Http404
    if action in {"submit", "reopen"} and not user.can("audits.plan"):
        raise PermissionDenied("audits.plan")
    return workflow_views.transition(
        request, report, action, success_url=reverse("audits:report", kwargs={"code": report.code})
    )


@require_POST
@require("audits.plan")
def report_file(request: HttpRequest, code: Any) -> HttpResponse:
    report = get_report_for_user(request, code)
    form = FileForm(request.POST, request.FILES)
    if form.is_valid():
        from fincloud.evidence.services import evidence_attach
        from fincloud.workflow.services import ensure_editable

        try:
            ensure_editable(report)
            evidence_attach(
                actor=request.user,
                owner=report,
                upload=form.cleaned_data["file"],
                title=form.cleaned_data["title"] or str(report),
                kind="audit_report",
                effective_date=report.report_date,
            )
        except (ValidationError, WorkflowError) as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("File stored."))
    else:
        flash_errors(request, ValidationError(list(form.errors.get("file") or [])))
    return redirect("audits:report", code=report.code)


# -- auditors -----------------------------------------------------------------------------------


@require_GET
@require("audits.view")
def auditor_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    rows = []
    for auditor in selectors.auditors():
        rows.append(
            {"auditor": auditor, "qualification": services.auditor_qualification(auditor, today)}
        )
    return render(
        request,
        "audits/auditor_list.html",
        {"rows": rows, "today": today, "crumbs": [_plan_crumb(), (_("Auditors"), None)]},
    )


@require_http_methods(["GET", "POST"])
@require("audits.plan")
def auditor_create(request: HttpRequest) -> HttpResponse:
    form = AuditorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            auditor = services.auditor_save(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Auditor registered; add certificates or experience."))
            return redirect("audits:auditor", code=auditor.code)
    return render(
        request,
        "audits/form.html",
        {
            "form": form,
            "title": _("New auditor"),
            "cancel_url": reverse("audits:auditors"),
            "crumbs": [
                _plan_crumb(),
                (_("Auditors"), reverse("audits:auditors")),
                (_("New auditor"), None),
            ],
        },
    )


def _auditor_page(
    request: HttpRequest,
    auditor: Auditor,
    cert_form: Any = None,
    exp_form: Any = None,
    status: int = 200,
) -> HttpResponse:
    user: Any = request.user
    today = timezone.localdate()
    editable = user.can("audits.plan")
    certs = list(auditor.certificates.all())
    return render(
        request,
        "audits/auditor.html",
        {
            "auditor": auditor,
            "certificates": certs,
            "experience": auditor.experience.all(),
            "qualification": services.auditor_qualification(auditor, today),
            "today": today,
            "cert_form": (cert_form or CertificateForm()) if editable else None,
            "exp_form": (exp_form or ExperienceForm()) if editable else None,
            "assignments": auditor.assignments.select_related("audit", "audit__service"),
            "crumbs": [
                _plan_crumb(),
                (_("Auditors"), reverse("audits:auditors")),
                (auditor.name, None),
            ],
        },
        status=status,
    )


@require_GET
@require("audits.view")
def auditor_detail(request: HttpRequest, code: Any) -> HttpResponse:
    return _auditor_page(request, get_auditor_for_user(request, code))


@require_POST
@require("audits.plan")
def auditor_certificate(request: HttpRequest, code: Any) -> HttpResponse:
    auditor = get_auditor_for_user(request, code)
    form = CertificateForm(request.POST, request.FILES)
    if form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("other_name", None)
        upload = data.pop("file")
        try:
            services.certificate_add(actor=request.user, auditor=auditor, upload=upload, **data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Certificate recorded."))
            return redirect("audits:auditor", code=auditor.code)
    return _auditor_page(request, auditor, cert_form=form, status=400)


@require_POST
@require("audits.plan")
def auditor_experience(request: HttpRequest, code: Any) -> HttpResponse:
    auditor = get_auditor_for_user(request, code)
    form = ExperienceForm(request.POST, request.FILES)
    if form.is_valid():
        data = dict(form.cleaned_data)
        upload = data.pop("file")
        try:
            services.experience_add(actor=request.user, auditor=auditor, upload=upload, **data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Experience recorded."))
            return redirect("audits:auditor", code=auditor.code)
    return _auditor_page(request, auditor, exp_form=form, status=400)
