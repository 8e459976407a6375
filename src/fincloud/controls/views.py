"""Pages of the controls app: coverage overview, a service's assessments, items with evidence,
the Ch 6.1 asset inventory and the Ch 5.6 threat-intelligence log."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fincloud.catalog import load_catalog
from fincloud.controls import selectors, services
from fincloud.controls.checklist import FIGURES_BY_CONTROL
from fincloud.controls.forms import (
    AdvisoryForm,
    AssessmentStartForm,
    AssetForm,
    AssetImportForm,
    ControlEvidenceForm,
    ControlItemForm,
    IntelSourceForm,
)
from fincloud.controls.models import (
    Advisory,
    AssetImport,
    CloudAsset,
    ControlAssessment,
    ControlItem,
    IntelSource,
)
from fincloud.evidence.models import EvidenceFile
from fincloud.evidence.services import evidence_for
from fincloud.people.access import require
from fincloud.register.models import CloudService, Stage
from fincloud.web.forms import attach_errors
from fincloud.workflow import views as workflow_views
from fincloud.workflow.models import State
from fincloud.workflow.services import WorkflowError, check_can_decide


def _home() -> tuple[str, str]:
    return (_("Control assessments"), reverse("controls:overview"))


# -- object lookups (not found and not allowed look the same) ------------------------------------


def get_service_for_user(request: HttpRequest, code: Any) -> CloudService:
    try:
        return CloudService.objects.select_related("csp", "unit", "owner").get(code=code)
    except (CloudService.DoesNotExist, ValidationError):
        raise Http404 from None


def get_assessment_for_user(request: HttpRequest, code: Any) -> ControlAssessment:
    try:
        return selectors.assessment_detail(code)
    except (ControlAssessment.DoesNotExist, ValidationError):
        raise Http404 from None


def get_item_for_user(request: HttpRequest, code: Any) -> ControlItem:
    try:
        return ControlItem.objects.select_related(
            "assessment",
            "assessment__service",
            "assessment__unit",
            "assessment__prepared_by",
            "control",
        ).get(code=code)
    except (ControlItem.DoesNotExist, ValidationError):
        raise Http404 from None


def get_asset_for_user(request: HttpRequest, code: Any) -> CloudAsset:
    try:
        return CloudAsset.objects.select_related("service", "owner").get(code=code)
    except (CloudAsset.DoesNotExist, ValidationError):
        raise Http404 from None


def get_advisory_for_user(request: HttpRequest, code: Any) -> Advisory:
    try:
        return Advisory.objects.select_related("source", "handled_by", "recorded_by").get(code=code)
    except (Advisory.DoesNotExist, ValidationError):
        raise Http404 from None


def get_source_for_user(request: HttpRequest, code: Any) -> IntelSource:
    try:
        return IntelSource.objects.get(code=code)
    except (IntelSource.DoesNotExist, ValidationError):
        raise Http404 from None


# -- overview -----------------------------------------------------------------------------------


@require_GET
@require("controls.view")
def overview(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    stage = request.GET.get("stage", "")
    if stage not in Stage.values:
        stage = ""
    only_gaps = request.GET.get("gaps") == "1"
    page = Paginator(
        selectors.overview_services(query=query, stage=stage, only_gaps=only_gaps), 25
    ).get_page(request.GET.get("page"))
    services_on_page = list(page.object_list)
    latest = selectors.latest_assessment_ids(s.pk for s in services_on_page)
    coverage = selectors.coverage_by_assessment(latest.values())
    states = dict(
        ControlAssessment.objects.filter(pk__in=latest.values()).values_list("pk", "state")
    )
    section_nodes = [(s.id, s.text_zh, s.text_en) for s in selectors.sections(load_catalog())]
    rows = []
    for service in services_on_page:
        aid = latest.get(service.pk)
        by_section = coverage.get(aid, {}) if aid else {}
        rows.append(
            {
                "service": service,
                "state": states.get(aid) if aid else None,
                "state_label": State(states[aid]).label if aid in states else "",
                "total": selectors.total(by_section),
                "cells": [by_section.get(sid) for sid, _zh, _en in section_nodes],
            }
        )
    return render(
        request,
        "controls/overview.html",
        {
            "page": page,
            "rows": rows,
            "sections": section_nodes,
            "q": query,
            "stage": stage,
            "stages": Stage.choices,
            "only_gaps": only_gaps,
            "crumbs": [(_("Control assessments"), None)],
        },
    )


# -- one service --------------------------------------------------------------------------------


@require_GET
@require("controls.view")
def service_controls(request: HttpRequest, code: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    assessments = list(
        ControlAssessment.objects.filter(service=service)
        .select_related("prepared_by", "decided_by")
        .order_by("-version")
    )
    coverage = selectors.coverage_by_assessment(a.pk for a in assessments[:1])
    current = assessments[0] if assessments else None
    by_section = coverage.get(current.pk, {}) if current else {}
    user: Any = request.user
    return render(
        request,
        "controls/service.html",
        {
            "service": service,
            "assessments": assessments,
            "current": current,
            "rows": selectors.section_rows(by_section),
            "total": selectors.total(by_section),
            "assets": selectors.asset_summary(service),
            "start_form": AssessmentStartForm(initial={"as_of": timezone.localdate()})
            if not assessments and user.can("controls.assess")
            else None,
            "crumbs": [_home(), (service.name, None)],
        },
    )


@require_POST
@require("controls.assess")
def assessment_start(request: HttpRequest, code: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    form = AssessmentStartForm(request.POST)
    if form.is_valid():
        try:
            assessment = services.assessment_start(
                actor=request.user, service=service, **form.cleaned_data
            )
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
        else:
            messages.success(request, _("Assessment started from the Ch 5 and Ch 6 checklist."))
            return redirect("controls:assessment", code=assessment.code)
    else:
        messages.error(request, _("The assessment date is required."))
    return redirect("controls:service", code=service.code)


@require_GET
@require("controls.view")
def assessment_detail(request: HttpRequest, code: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    items = list(selectors.items_of(assessment))
    catalog = load_catalog()
    coverage = selectors.coverage_by_assessment([assessment.pk]).get(assessment.pk, {})
    rows = selectors.section_rows(coverage)
    by_section: dict[str, list[ControlItem]] = {}
    for item in items:
        item.node = catalog.get(item.catalog_id)  # type: ignore[attr-defined]
        by_section.setdefault(item.section_id, []).append(item)
    for row in rows:
        row.items = by_section.get(row.section_id, [])  # type: ignore[attr-defined]
    user: Any = request.user
    can_approve = user.can("workflow.approve")
    return render(
        request,
        "controls/assessment.html",
        {
            "assessment": assessment,
            "record": assessment,
            "service": assessment.service,
            "rows": rows,
            "total": selectors.total(coverage),
            "gaps": [i for i in items if i.is_gap],
            "problems": services.assessment_problems(assessment)
            if assessment.state == "draft"
            else [],
            "editable": assessment.state in {"draft", "rejected"} and user.can("controls.assess"),
            "can_approve": can_approve,
            "decide_refusal": check_can_decide(assessment, user) if can_approve else None,
            "transition_url": reverse("controls:assessment", kwargs={"code": assessment.code}),
            "crumbs": [
                _home(),
                (
                    assessment.service.name,
                    reverse("controls:service", args=[assessment.service.code]),
                ),
                (_("Version %(n)s") % {"n": assessment.version}, None),
            ],
        },
    )


@require_POST
@require("controls.view")
def assessment_transition(request: HttpRequest, code: Any, action: str) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    user: Any = request.user
    url = reverse("controls:assessment", kwargs={"code": assessment.code})
    if action not in workflow_views.ACTIONS:
        raise Http404
    if action in {"submit", "reopen"} and not user.can("controls.assess"):
        raise PermissionDenied("controls.assess")
    if action == "submit":
        # Completeness first (every item decided, assessed, assigned), then the workflow.
        try:
            services.assessment_submit(actor=user, assessment=assessment)
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
        else:
            messages.success(request, _("Submitted for approval."))
        return redirect(url)
    return workflow_views.transition(request, assessment, action, success_url=url)


@require_POST
@require("controls.assess")
def assessment_new_version(request: HttpRequest, code: Any) -> HttpResponse:
    assessment = get_assessment_for_user(request, code)
    try:
        new = services.assessment_new_version(actor=request.user, assessment=assessment)
    except (ValidationError, WorkflowError) as exc:
        for error in exc.messages:
            messages.error(request, error)
        return redirect("controls:assessment", code=assessment.code)
    messages.success(
        request, _("New version started; the answers of the approved one carried over.")
    )
    return redirect("controls:assessment", code=new.code)


# -- one item -----------------------------------------------------------------------------------


def _item_context(
    request: HttpRequest, item: ControlItem, form: Any, upload: Any
) -> dict[str, Any]:
    catalog = load_catalog()
    node = catalog.get(item.catalog_id)
    assessment = item.assessment
    user: Any = request.user
    return {
        "item": item,
        "node": node,
        "sub_items": [
            catalog.get(d.id)
            for d in catalog.descendants(item.catalog_id)
            if d.kind == "item"
            and (not d.service_models or assessment.service_model in d.service_models)
        ],
        "assessment": assessment,
        "form": form,
        "upload_form": upload,
        "files": evidence_for(item.control),
        "history": evidence_for(item.control, latest_only=False),
        "editable": assessment.state in {"draft", "rejected"} and user.can("controls.assess"),
        "can_upload": user.can("controls.assess"),
        "crumbs": [
            _home(),
            (assessment.service.name, reverse("controls:service", args=[assessment.service.code])),
            (
                _("Version %(n)s") % {"n": assessment.version},
                reverse("controls:assessment", args=[assessment.code]),
            ),
            (item.catalog_id, None),
        ],
    }


@require_http_methods(["GET", "POST"])
@require("controls.view")
def item_detail(request: HttpRequest, code: Any) -> HttpResponse:
    item = get_item_for_user(request, code)
    figures = FIGURES_BY_CONTROL.get(item.catalog_id, ())
    user: Any = request.user
    if request.method == "POST":
        if not user.can("controls.assess"):
            raise PermissionDenied("controls.assess")
        form = ControlItemForm(request.POST, item=item, figures=figures)
        if form.is_valid():
            try:
                services.item_update(actor=user, item=item, **form.cleaned_data)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("controls:item", code=item.code)
    else:
        form = ControlItemForm(item=item, figures=figures)
    return render(
        request,
        "controls/item.html",
        _item_context(request, item, form, ControlEvidenceForm()),
    )


@require_POST
@require("controls.assess")
def item_evidence(request: HttpRequest, code: Any) -> HttpResponse:
    item = get_item_for_user(request, code)
    upload = ControlEvidenceForm(request.POST, request.FILES)
    if upload.is_valid():
        data = upload.cleaned_data
        try:
            revise = request.POST.get("revises", "")
            if revise:
                previous = EvidenceFile.objects.filter(
                    code=revise, owner_id=str(item.control.pk)
                ).first()
                if previous is None:
                    raise Http404
                services.control_evidence_revise(
                    actor=request.user,
                    previous=previous,
                    upload=data["file"],
                    effective_date=data["effective_date"],
                    expiry_date=data["expiry_date"],
                    note=data["note"],
                )
            else:
                services.control_evidence_attach(
                    actor=request.user,
                    item=item,
                    upload=data["file"],
                    title=data["title"],
                    effective_date=data["effective_date"],
                    expiry_date=data["expiry_date"],
                    note=data["note"],
                )
        except ValidationError as exc:
            attach_errors(upload, exc)
        else:
            messages.success(request, _("Evidence file stored."))
            return redirect("controls:item", code=item.code)
    figures = FIGURES_BY_CONTROL.get(item.catalog_id, ())
    return render(
        request,
        "controls/item.html",
        _item_context(request, item, ControlItemForm(item=item, figures=figures), upload),
        status=400,
    )


# -- the Ch 6.1 inventory -------------------------------------------------------------------------


@require_GET
@require("controls.view")
def asset_list(request: HttpRequest, code: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    page = Paginator(selectors.assets_of(service), 50).get_page(request.GET.get("page"))
    imports = AssetImport.objects.filter(service=service).select_related("imported_by")[:10]
    return render(
        request,
        "controls/assets.html",
        {
            "service": service,
            "page": page,
            "summary": selectors.asset_summary(service),
            "imports": imports,
            "import_form": AssetImportForm(),
            "crumbs": [
                _home(),
                (service.name, reverse("controls:service", args=[service.code])),
                (_("Cloud asset inventory"), None),
            ],
        },
    )


@require_POST
@require("controls.inventory")
def asset_import(request: HttpRequest, code: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    form = AssetImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            result = services.asset_import(
                actor=request.user, service=service, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(
                request,
                _("Imported: %(created)s added, %(updated)s updated, %(not_seen)s not in the file.")
                % {
                    "created": result.created,
                    "updated": result.updated,
                    "not_seen": result.not_seen,
                },
            )
            return redirect("controls:assets", code=service.code)
    page = Paginator(selectors.assets_of(service), 50).get_page(1)
    return render(
        request,
        "controls/assets.html",
        {
            "service": service,
            "page": page,
            "summary": selectors.asset_summary(service),
            "imports": AssetImport.objects.filter(service=service)[:10],
            "import_form": form,
            "crumbs": [
                _home(),
                (service.name, reverse("controls:service", args=[service.code])),
                (_("Cloud asset inventory"), None),
            ],
        },
        status=400,
    )


def _asset_form_page(
    request: HttpRequest, service: CloudService, asset: CloudAsset | None
) -> HttpResponse:
    initial: dict[str, Any] = {}
    if asset is not None:
        initial = {
            "external_id": asset.external_id,
            "name": asset.name,
            "category": asset.category,
            "resource_type": asset.resource_type,
            "region": asset.region,
            "owner": asset.owner.code if asset.owner else None,
            "custodian": asset.custodian,
            "classification": asset.classification,
            "retired_on": asset.retired_on,
        }
    form = AssetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.asset_save(
                actor=request.user, service=service, asset=asset, **form.cleaned_data
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("controls:assets", code=service.code)
    title = asset.name if asset else _("New asset")
    return render(
        request,
        "controls/form.html",
        {
            "form": form,
            "title": title,
            "cancel_url": reverse("controls:assets", args=[service.code]),
            "crumbs": [
                _home(),
                (service.name, reverse("controls:service", args=[service.code])),
                (_("Cloud asset inventory"), reverse("controls:assets", args=[service.code])),
                (title, None),
            ],
        },
    )


@require_http_methods(["GET", "POST"])
@require("controls.inventory")
def asset_create(request: HttpRequest, code: Any) -> HttpResponse:
    return _asset_form_page(request, get_service_for_user(request, code), None)


@require_http_methods(["GET", "POST"])
@require("controls.inventory")
def asset_edit(request: HttpRequest, code: Any) -> HttpResponse:
    asset = get_asset_for_user(request, code)
    return _asset_form_page(request, asset.service, asset)


# -- Ch 5.6 threat intelligence -------------------------------------------------------------------


@require_GET
@require("controls.view")
def intel(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    if state not in Advisory.State.values:
        state = ""
    page = Paginator(selectors.advisories(state=state), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "controls/intel.html",
        {
            "sources": IntelSource.objects.annotate(n=Count("advisories")).order_by("name"),
            "page": page,
            "state": state,
            "states": Advisory.State.choices,
            "node": load_catalog().get("ch5.6.basic.a.2"),
            "crumbs": [(_("Threat intelligence"), None)],
        },
    )


def _simple_form(
    request: HttpRequest, form: Any, title: str, cancel: str, crumbs: list[Any]
) -> HttpResponse:
    return render(
        request,
        "controls/form.html",
        {"form": form, "title": title, "cancel_url": cancel, "crumbs": crumbs},
    )


@require_http_methods(["GET", "POST"])
@require("controls.threat_intel")
def source_create(request: HttpRequest) -> HttpResponse:
    form = IntelSourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.intel_source_save(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Source registered."))
            return redirect("controls:intel")
    return _simple_form(
        request,
        form,
        _("New threat-intelligence source"),
        reverse("controls:intel"),
        [(_("Threat intelligence"), reverse("controls:intel")), (_("New source"), None)],
    )


@require_http_methods(["GET", "POST"])
@require("controls.threat_intel")
def advisory_create(request: HttpRequest) -> HttpResponse:
    return _advisory_page(request, None)


@require_http_methods(["GET", "POST"])
@require("controls.view")
def advisory_detail(request: HttpRequest, code: Any) -> HttpResponse:
    advisory = get_advisory_for_user(request, code)
    user: Any = request.user
    if request.method == "POST" and not user.can("controls.threat_intel"):
        raise PermissionDenied("controls.threat_intel")
    if not user.can("controls.threat_intel"):
        return render(
            request,
            "controls/advisory.html",
            {
                "advisory": advisory,
                "crumbs": [
                    (_("Threat intelligence"), reverse("controls:intel")),
                    (advisory.title, None),
                ],
            },
        )
    return _advisory_page(request, advisory)


def _advisory_page(request: HttpRequest, advisory: Advisory | None) -> HttpResponse:
    form = AdvisoryForm(request.POST or None, instance=advisory)
    form.fields["services"].queryset = CloudService.objects.filter(  # type: ignore[attr-defined]
        stage=Stage.IN_USE
    ).order_by("name")
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        linked = data.pop("services")
        try:
            saved = services.advisory_save(
                actor=request.user, advisory=advisory, services=linked, **data
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Advisory saved."))
            return redirect("controls:advisory", code=saved.code)
    title = advisory.title if advisory else _("New advisory")
    return _simple_form(
        request,
        form,
        title,
        reverse("controls:intel"),
        [(_("Threat intelligence"), reverse("controls:intel")), (title, None)],
    )
