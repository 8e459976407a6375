"""Pages of the register: three steps each (permission, one service call, render)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import select_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fincloud.evidence.services import evidence_for
from fincloud.people.access import require
from fincloud.register import forms as rf
from fincloud.register import selectors, services
from fincloud.register.due import KINDS as DUE_KINDS
from fincloud.register.models import (
    Certification,
    Classification,
    CloudService,
    CloudServiceProvider,
    Document,
    Institution,
    ProviderContact,
    ServiceDependency,
    ServiceLocation,
    Stage,
    SubProcessor,
)
from fincloud.web import due
from fincloud.web.forms import attach_errors

ASSESSMENT_SUMMARY_TEMPLATE = "assessments/_service_summary.html"
PAGE_SIZE = 50


def _form_page(
    request: HttpRequest,
    form: Any,
    *,
    title: str,
    crumbs: list[tuple[str, str | None]],
    lead: str = "",
    cancel_url: str | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "register/form.html",
        {"form": form, "title": title, "crumbs": crumbs, "lead": lead, "cancel_url": cancel_url},
        status=status,
    )


def _upload(data: dict[str, Any], prefix: str = "") -> services.Upload:
    return services.Upload(
        file=data[f"{prefix}file"],
        title=data.get(f"{prefix}title") or "",
        effective_date=data.get(f"{prefix}effective_date"),
        expiry_date=data.get(f"{prefix}expiry_date"),
        note=data.get(f"{prefix}note") or "",
    )


def _today() -> dt.date:
    return timezone.localdate()


def _services_crumb() -> tuple[str, str]:
    return (_("Cloud services"), reverse("register:service_list"))


def _csps_crumb() -> tuple[str, str]:
    return (_("Cloud service providers"), reverse("register:csp_list"))


def _documents_crumb() -> tuple[str, str]:
    return (_("Contracts and documents"), reverse("register:document_list"))


# -- object lookups: not found and not allowed look the same (404) --------------------------


def get_service_for_user(request: HttpRequest, code: Any) -> CloudService:
    try:
        return CloudService.objects.select_related("csp", "unit").get(code=code)
    except (CloudService.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def get_csp_for_user(request: HttpRequest, code: Any) -> CloudServiceProvider:
    try:
        return CloudServiceProvider.objects.get(code=code)
    except (CloudServiceProvider.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def get_document_for_user(request: HttpRequest, code: Any) -> Document:
    try:
        return Document.objects.select_related("csp").get(code=code)
    except (Document.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def _get(model: Any, **lookup: Any) -> Any:
    try:
        return model.objects.get(**lookup)
    except (model.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


# -- institution -----------------------------------------------------------------------------


@require_GET
@require("register.view")
def institution(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "register/institution.html",
        {
            "institution": services.institution_get(),
            "crumbs": [(_("Institution profile"), None)],
        },
    )


@require_http_methods(["GET", "POST"])
@require("register.edit")
def institution_edit(request: HttpRequest) -> HttpResponse:
    current = services.institution_get()
    form = rf.InstitutionForm(request.POST or None, instance=current or Institution())
    if request.method == "POST" and form.is_valid():
        try:
            services.institution_save(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Institution profile saved."))
            return redirect("register:institution")
    return _form_page(
        request,
        form,
        title=_("Edit the institution profile"),
        crumbs=[(_("Institution profile"), reverse("register:institution")), (_("Edit"), None)],
        cancel_url=reverse("register:institution"),
    )


# -- services --------------------------------------------------------------------------------


def _filters(form: rf.ServiceFilterForm) -> selectors.ServiceFilters:
    data = form.cleaned_data if form.is_valid() else {}
    return selectors.ServiceFilters(
        csp=data.get("csp") or "",
        classification=data.get("classification") or "",
        stage=data.get("stage") or "",
        unit=data.get("unit") or "",
        material=data.get("material") or "",
        overdue=bool(data.get("overdue")),
        q=data.get("q") or "",
        sort=data.get("sort") or "name",
    )


def _sort_columns(request: HttpRequest, current: str) -> dict[str, dict[str, Any]]:
    """Header links: clicking a column sorts by it, clicking again reverses."""
    out = {}
    params = {k: v for k, v in request.GET.items() if k not in {"sort", "page"}}
    for key in ("name", "csp", "classification", "stage", "unit", "updated"):
        target = f"-{key}" if current == key else key
        out[key] = {
            "url": "?" + urlencode({**params, "sort": target}),
            "active": current.lstrip("-") == key,
            "descending": current.startswith("-"),
        }
    return out


@require_GET
@require("register.view")
def service_list(request: HttpRequest) -> HttpResponse:
    form = rf.ServiceFilterForm(request.GET or None)
    filters = _filters(form)
    qs = selectors.service_list(filters, today=_today())
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "register/service_list.html",
        {
            "page": page,
            "form": form,
            "filters": filters,
            "columns": _sort_columns(request, filters.sort),
            "crumbs": [(_("Cloud services"), None)],
        },
    )


@require_http_methods(["GET", "POST"])
@require("register.edit")
def service_create(request: HttpRequest) -> HttpResponse:
    initial = {}
    if request.GET.get("csp"):
        initial["csp"] = request.GET["csp"]
    form = rf.ServiceCreateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        locations = services.parse_locations(data.pop("locations") or "")
        try:
            service = services.service_create(actor=request.user, locations=locations, **data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Cloud service registered; it is “before use”."))
            return redirect("register:service_detail", code=service.code)
    return _form_page(
        request,
        form,
        title=_("Register a cloud service"),
        crumbs=[_services_crumb(), (_("Register a cloud service"), None)],
        lead=_(
            "The service starts “before use”. It moves to “in use” only when its pre-use "
            "assessment is approved (Annex 2)."
        ),
        cancel_url=reverse("register:service_list"),
    )


def _assessment_summary_available() -> bool:
    """The assessments app provides a summary for the service page; include it when present."""
    try:
        select_template([ASSESSMENT_SUMMARY_TEMPLATE])
    except TemplateDoesNotExist:
        return False
    return True


def _percent(value: Decimal | None) -> str:
    if value is None:
        return ""
    from fincloud.sla.downtime import format_percent

    return format_percent(value)


def _downtime(target: Decimal | None) -> dict[str, str] | None:
    """Allowed downtime per year, month and week for the SLA target (Ch 3.4, fincloud.sla)."""
    if target is None or not (Decimal(0) < target <= Decimal(100)):
        return None
    from fincloud.rules.determination import Lang
    from fincloud.sla.downtime import downtime, format_duration

    lang: Lang = "en" if (get_language() or "").startswith("en") else "zh-TW"
    result = downtime(target)
    return {
        "year": format_duration(result.per_year_seconds, lang),
        "month": format_duration(result.per_month_seconds, lang),
        "week": format_duration(result.per_week_seconds, lang),
    }


def _data_categories(service: CloudService) -> list[str]:
    flags = [
        (service.customer_data, _("customer data")),
        (service.personal_data, _("personal data")),
        (service.consumer_finance_system, _("consumer-finance system")),
        (service.involves_license_business, _("business-licence items")),
    ]
    return [label for on, label in flags if on]


@require_GET
@require("register.view")
def service_detail(request: HttpRequest, code: Any) -> HttpResponse:
    service = selectors.service_detail(code)
    today = _today()
    window = selectors.alert_window_days()
    documents = list(service.documents.all())
    csp_wide = selectors.csp_wide_documents(service)
    reliance = getattr(service, "head_office_reliance", None)
    return render(
        request,
        "register/service_detail.html",
        {
            "service": service,
            "data_categories": _data_categories(service),
            "locations": selectors.location_rows(service),
            "sub_tree": selectors.sub_processor_tree(service),
            "documents": documents,
            "csp_wide_documents": csp_wide,
            "certifications": list(service.csp.certifications.all()),
            "reliance": reliance,
            "reliance_files": evidence_for(reliance) if reliance else [],
            "today": today,
            "soon": today + dt.timedelta(days=window),
            "downtime": _downtime(service.availability_target),
            "availability": _percent(service.availability_target),
            "assessment_summary": _assessment_summary_available(),
            "assessment_summary_template": ASSESSMENT_SUMMARY_TEMPLATE,
            "crumbs": [_services_crumb(), (service.name, None)],
        },
    )


@require_GET
@require("register.view")
def service_due(request: HttpRequest, code: Any) -> HttpResponse:
    """The service's "what is due" from every app (web/due.py), within the alert window: asked
    for by the service page once it is shown (HTMX), so that the page does not wait for every
    app's deadlines; also a page of its own without JavaScript."""
    service = get_service_for_user(request, code)
    today = _today()
    soon = today + dt.timedelta(days=selectors.alert_window_days())
    items = due.collect(due.DueQuery(service_code=str(service.code), end=soon))
    context = {"service": service, "due_items": items, "today": today, "soon": soon}
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "register/_service_due.html", context)
    detail = reverse("register:service_detail", kwargs={"code": service.code})
    context["crumbs"] = [_services_crumb(), (service.name, detail), (_("What is due"), None)]
    return render(request, "register/service_due.html", context)


@require_http_methods(["GET", "POST"])
@require("register.edit")
def service_edit(request: HttpRequest, code: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    form = rf.ServiceForm(request.POST or None, instance=service)
    if request.method == "POST" and form.is_valid():
        changed = {k: v for k, v in form.cleaned_data.items() if k in form.changed_data}
        try:
            services.service_update(actor=request.user, service=service, **changed)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Cloud service saved."))
            return redirect("register:service_detail", code=service.code)
    detail = reverse("register:service_detail", kwargs={"code": service.code})
    return _form_page(
        request,
        form,
        title=_("Edit %(name)s") % {"name": service.name},
        crumbs=[_services_crumb(), (service.name, detail), (_("Edit"), None)],
        lead=_(
            "Changing the CSP, service model, data categories or exclusion makes the "
            "recorded classification stale until the assessment computes it again."
        ),
        cancel_url=detail,
    )


@require_http_methods(["GET", "POST"])
@require("register.edit")
def service_status(request: HttpRequest, code: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    form = rf.StatusForm(request.POST or None, initial={"status": service.status})
    if request.method == "POST" and form.is_valid():
        try:
            services.service_set_status(actor=request.user, service=service, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Status changed."))
            return redirect("register:service_detail", code=service.code)
    detail = reverse("register:service_detail", kwargs={"code": service.code})
    return _form_page(
        request,
        form,
        title=_("Change the status of %(name)s") % {"name": service.name},
        crumbs=[_services_crumb(), (service.name, detail), (_("Status"), None)],
        cancel_url=detail,
    )


@require_http_methods(["GET", "POST"])
@require("register.edit")
def location_add(request: HttpRequest, code: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    form = rf.LocationForm(request.POST or None, service=service)
    if request.method == "POST" and form.is_valid():
        try:
            services.location_add(actor=request.user, service=service, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Location added."))
            return redirect(
                reverse("register:service_detail", kwargs={"code": service.code}) + "#locations"
            )
    detail = reverse("register:service_detail", kwargs={"code": service.code})
    return _form_page(
        request,
        form,
        title=_("Add a processing or storage location"),
        crumbs=[_services_crumb(), (service.name, detail), (_("Location"), None)],
        lead=_(
            "Ch 1.2: an offshore location off the FAQ-10 list needs its own assessment of its "
            "data-protection law in the pre-use assessment."
        ),
        cancel_url=detail,
    )


@require_POST
@require("register.edit")
def location_remove(request: HttpRequest, code: Any, location: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    loc = _get(ServiceLocation, code=location, service=service)
    services.location_remove(actor=request.user, location=loc)
    messages.success(request, _("Location removed."))
    return redirect(
        reverse("register:service_detail", kwargs={"code": service.code}) + "#locations"
    )


@require_http_methods(["GET", "POST"])
@require("register.edit")
def subprocessor_add(request: HttpRequest, code: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    form = rf.SubProcessorForm(request.POST or None, service=service)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        locations = services.parse_locations(data.pop("locations") or "")
        try:
            services.sub_processor_add(
                actor=request.user, service=service, locations=locations, **data
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Sub-processor added."))
            return redirect(
                reverse("register:service_detail", kwargs={"code": service.code}) + "#chain"
            )
    detail = reverse("register:service_detail", kwargs={"code": service.code})
    return _form_page(
        request,
        form,
        title=_("Add a sub-processor"),
        crumbs=[_services_crumb(), (service.name, detail), (_("Sub-processor"), None)],
        cancel_url=detail,
    )


@require_POST
@require("register.edit")
def subprocessor_remove(request: HttpRequest, code: Any, sub: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    sub_processor = _get(SubProcessor, code=sub, service=service)
    try:
        services.sub_processor_remove(actor=request.user, sub_processor=sub_processor)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Sub-processor removed."))
    return redirect(reverse("register:service_detail", kwargs={"code": service.code}) + "#chain")


@require_http_methods(["GET", "POST"])
@require("register.edit")
def dependency_add(request: HttpRequest, code: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    form = rf.DependencyForm(request.POST or None, service=service)
    if request.method == "POST" and form.is_valid():
        try:
            services.dependency_add(actor=request.user, service=service, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Dependency recorded."))
            return redirect(
                reverse("register:service_detail", kwargs={"code": service.code}) + "#dependencies"
            )
    detail = reverse("register:service_detail", kwargs={"code": service.code})
    return _form_page(
        request,
        form,
        title=_("Record a dependency"),
        crumbs=[_services_crumb(), (service.name, detail), (_("Dependency"), None)],
        lead=_(
            "Required services combine in series; redundant alternatives in parallel "
            "(for the composite availability, Ch 5.4 (b))."
        ),
        cancel_url=detail,
    )


@require_POST
@require("register.edit")
def dependency_remove(request: HttpRequest, code: Any, dependency: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    dep = _get(ServiceDependency, code=dependency, service=service)
    services.dependency_remove(actor=request.user, dependency=dep)
    messages.success(request, _("Dependency removed."))
    return redirect(
        reverse("register:service_detail", kwargs={"code": service.code}) + "#dependencies"
    )


@require_http_methods(["GET", "POST"])
@require("register.edit")
def reliance_edit(request: HttpRequest, code: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    current = getattr(service, "head_office_reliance", None)
    institution = services.institution_get()
    initial = {}
    if current is None and institution is not None:
        initial["responsible_name"] = institution.head_office_name
    form = rf.RelianceForm(request.POST or None, instance=current, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.reliance_save(actor=request.user, service=service, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Reliance on head office saved."))
            return redirect(
                reverse("register:service_detail", kwargs={"code": service.code}) + "#reliance"
            )
    detail = reverse("register:service_detail", kwargs={"code": service.code})
    return _form_page(
        request,
        form,
        title=_("Relies on head office"),
        crumbs=[_services_crumb(), (service.name, detail), (_("Relies on head office"), None)],
        lead=_(
            "Ch 9.1: a foreign bank's branch that only uses the service may take due diligence, "
            "reviews, contracts and audits from its head office, keeping the reports as "
            "evidence and assessing the auditors' independence and qualification (Ch 7.2)."
        ),
        cancel_url=detail,
    )


@require_http_methods(["GET", "POST"])
@require("register.edit")
def reliance_upload(request: HttpRequest, code: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    reliance = getattr(service, "head_office_reliance", None)
    if reliance is None:
        raise Http404
    form = rf.RelianceUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.reliance_upload(
                actor=request.user,
                reliance=reliance,
                upload=_upload(form.cleaned_data),
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Head office report stored."))
            return redirect(
                reverse("register:service_detail", kwargs={"code": service.code}) + "#reliance"
            )
    detail = reverse("register:service_detail", kwargs={"code": service.code})
    return _form_page(
        request,
        form,
        title=_("Store a head office report"),
        crumbs=[_services_crumb(), (service.name, detail), (_("Head office report"), None)],
        cancel_url=detail,
    )


# -- CSPs ------------------------------------------------------------------------------------


@require_GET
@require("register.view")
def csp_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.csp_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "register/csp_list.html",
        {"page": page, "today": _today(), "crumbs": [(_("Cloud service providers"), None)]},
    )


@require_http_methods(["GET", "POST"])
@require("register.edit")
def csp_create(request: HttpRequest) -> HttpResponse:
    form = rf.CSPCreateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        upload = None
        if data.get("addendum_file"):
            upload = services.Upload(
                file=data["addendum_file"],
                effective_date=data.get("addendum_effective"),
                expiry_date=data.get("addendum_expiry"),
            )
        try:
            csp = services.csp_create(
                actor=request.user,
                name=data["name"],
                country=data["country"],
                channel=data["channel"],
                partner_name=data.get("partner_name") or "",
                website=data.get("website") or "",
                status_page_url=data.get("status_page_url") or "",
                note=data.get("note") or "",
                addendum=upload,
                addendum_kind=data.get("addendum_kind") or Document.Kind.FSI_ADDENDUM,
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Cloud service provider registered."))
            return redirect("register:csp_detail", code=csp.code)
    return _form_page(
        request,
        form,
        title=_("Register a cloud service provider"),
        crumbs=[_csps_crumb(), (_("Register a cloud service provider"), None)],
        lead=_(
            "Ch 3.3: buying through a partner or reseller, the CSP still provides the service; "
            "its financial services addendum or commitment letter must be on file."
        ),
        cancel_url=reverse("register:csp_list"),
    )


@require_GET
@require("register.view")
def csp_detail(request: HttpRequest, code: Any) -> HttpResponse:
    csp = selectors.csp_detail(code)
    today = _today()
    window = selectors.alert_window_days()
    return render(
        request,
        "register/csp_detail.html",
        {
            "csp": csp,
            "today": today,
            "soon": today + dt.timedelta(days=window),
            "has_addendum": any(
                d.kind in Document.ADDENDUM_KINDS and d.current_file_id for d in csp.documents.all()
            ),
            "crumbs": [_csps_crumb(), (csp.name, None)],
        },
    )


@require_http_methods(["GET", "POST"])
@require("register.edit")
def csp_edit(request: HttpRequest, code: Any) -> HttpResponse:
    csp = get_csp_for_user(request, code)
    form = rf.CSPForm(request.POST or None, instance=csp)
    if request.method == "POST" and form.is_valid():
        try:
            services.csp_update(actor=request.user, csp=csp, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Cloud service provider saved."))
            return redirect("register:csp_detail", code=csp.code)
    detail = reverse("register:csp_detail", kwargs={"code": csp.code})
    return _form_page(
        request,
        form,
        title=_("Edit %(name)s") % {"name": csp.name},
        crumbs=[_csps_crumb(), (csp.name, detail), (_("Edit"), None)],
        cancel_url=detail,
    )


@require_http_methods(["GET", "POST"])
@require("register.edit")
def contact_add(request: HttpRequest, code: Any) -> HttpResponse:
    csp = get_csp_for_user(request, code)
    form = rf.ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_add(actor=request.user, csp=csp, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Contact added."))
            return redirect(reverse("register:csp_detail", kwargs={"code": csp.code}) + "#contacts")
    detail = reverse("register:csp_detail", kwargs={"code": csp.code})
    return _form_page(
        request,
        form,
        title=_("Add a contact"),
        crumbs=[_csps_crumb(), (csp.name, detail), (_("Contact"), None)],
        cancel_url=detail,
    )


@require_POST
@require("register.edit")
def contact_remove(request: HttpRequest, code: Any, contact: Any) -> HttpResponse:
    csp = get_csp_for_user(request, code)
    services.contact_remove(
        actor=request.user, contact=_get(ProviderContact, code=contact, csp=csp)
    )
    messages.success(request, _("Contact removed."))
    return redirect(reverse("register:csp_detail", kwargs={"code": csp.code}) + "#contacts")


@require_http_methods(["GET", "POST"])
@require("register.edit")
def certification_add(request: HttpRequest, code: Any) -> HttpResponse:
    csp = get_csp_for_user(request, code)
    form = rf.CertificationCreateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        file = data.pop("file", None)
        try:
            services.certification_add(
                actor=request.user,
                csp=csp,
                upload=services.Upload(file=file) if file else None,
                **data,
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Certification added."))
            return redirect(
                reverse("register:csp_detail", kwargs={"code": csp.code}) + "#certifications"
            )
    detail = reverse("register:csp_detail", kwargs={"code": csp.code})
    return _form_page(
        request,
        form,
        title=_("Add a certification"),
        crumbs=[_csps_crumb(), (csp.name, detail), (_("Certification"), None)],
        lead=_("Ch 3.1 (g): ISO 27001, 27701, 27017, 27018, 22301, CSA STAR, SOC reports ..."),
        cancel_url=detail,
    )


@require_http_methods(["GET", "POST"])
@require("register.edit")
def certification_edit(request: HttpRequest, code: Any, cert: Any) -> HttpResponse:
    csp = get_csp_for_user(request, code)
    certification = _get(Certification, code=cert, csp=csp)
    form = rf.CertificationForm(request.POST or None, instance=certification)
    upload_form = rf.EvidenceUploadForm(prefix="file")
    if request.method == "POST" and form.is_valid():
        try:
            services.certification_update(
                actor=request.user, certification=certification, **form.cleaned_data
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Certification saved."))
            return redirect(
                reverse("register:csp_detail", kwargs={"code": csp.code}) + "#certifications"
            )
    detail = reverse("register:csp_detail", kwargs={"code": csp.code})
    return render(
        request,
        "register/certification_edit.html",
        {
            "form": form,
            "upload_form": upload_form,
            "csp": csp,
            "certification": certification,
            "files": evidence_for(certification, latest_only=False),
            "crumbs": [_csps_crumb(), (csp.name, detail), (str(certification), None)],
            "cancel_url": detail,
        },
    )


@require_POST
@require("register.edit")
def certification_upload(request: HttpRequest, code: Any, cert: Any) -> HttpResponse:
    csp = get_csp_for_user(request, code)
    certification = _get(Certification, code=cert, csp=csp)
    form = rf.EvidenceUploadForm(request.POST, request.FILES, prefix="file")
    url = reverse(
        "register:certification_edit", kwargs={"code": csp.code, "cert": certification.code}
    )
    if form.is_valid():
        try:
            services.certification_upload(
                actor=request.user, certification=certification, upload=_upload(form.cleaned_data)
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Certificate file stored."))
            return redirect(url)
    return render(
        request,
        "register/certification_edit.html",
        {
            "form": rf.CertificationForm(instance=certification),
            "upload_form": form,
            "csp": csp,
            "certification": certification,
            "files": evidence_for(certification, latest_only=False),
            "crumbs": [
                _csps_crumb(),
                (csp.name, reverse("register:csp_detail", kwargs={"code": csp.code})),
                (str(certification), None),
            ],
        },
        status=400,
    )


@require_http_methods(["GET", "POST"])
@require("register.edit")
def event_add(request: HttpRequest, code: Any) -> HttpResponse:
    csp = get_csp_for_user(request, code)
    form = rf.TerminationEventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.termination_event_record(actor=request.user, csp=csp, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Event recorded."))
            return redirect(reverse("register:csp_detail", kwargs={"code": csp.code}) + "#events")
    detail = reverse("register:csp_detail", kwargs={"code": csp.code})
    return _form_page(
        request,
        form,
        title=_("Record an event that gives a termination right"),
        crumbs=[_csps_crumb(), (csp.name, detail), (_("Event"), None)],
        lead=_(
            "Ch 3.3, cooperation item 4: the institution may terminate on a regulator's notice, "
            "a change of ownership, bankruptcy or liquidation, supervision or judicial "
            "management, a security or confidentiality breach, or doubt about the CSP's "
            "ability to perform."
        ),
        cancel_url=detail,
    )


# -- documents -------------------------------------------------------------------------------


@require_GET
@require("register.view")
def document_list(request: HttpRequest) -> HttpResponse:
    form = rf.DocumentFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    filters = selectors.DocumentFilters(
        kind=data.get("kind") or "",
        csp=data.get("csp") or "",
        due=data.get("due") or "",
        q=data.get("q") or "",
    )
    today = _today()
    window = selectors.alert_window_days()
    qs = selectors.document_list(filters, today=today, window_days=window)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "register/document_list.html",
        {
            "page": page,
            "form": form,
            "today": today,
            "soon": today + dt.timedelta(days=window),
            "crumbs": [(_("Contracts and documents"), None)],
        },
    )


@require_http_methods(["GET", "POST"])
@require("register.contracts")
def document_create(request: HttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {}
    csp_code = request.GET.get("csp") or None
    service_code = request.GET.get("service")
    if service_code:
        service = (
            CloudService.objects.filter(code=service_code).select_related("csp").first()
            if _is_uuid(service_code)
            else None
        )
        if service is not None:
            csp_code = str(service.csp.code)
            initial["services"] = [service.code]
    if csp_code and _is_uuid(csp_code):
        initial["csp"] = csp_code
    else:
        csp_code = None
    form = rf.DocumentCreateForm(
        request.POST or None, request.FILES or None, initial=initial, csp_code=csp_code
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        file = data.pop("file", None)
        file_title = data.pop("file_title", "")
        chosen = list(data.pop("services") or [])
        upload = (
            services.Upload(
                file=file,
                title=file_title,
                effective_date=data.get("effective_date"),
                expiry_date=data.get("expiry_date"),
            )
            if file
            else None
        )
        try:
            document = services.document_create(
                actor=request.user, services=chosen, upload=upload, **data
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Document registered."))
            return redirect("register:document_detail", code=document.code)
    return _form_page(
        request,
        form,
        title=_("Register a contract or document"),
        crumbs=[_documents_crumb(), (_("Register a contract or document"), None)],
        lead=_(
            "Files are stored content-addressed (SHA-256); a later upload is a new revision and "
            "the earlier ones stay readable."
        ),
        cancel_url=reverse("register:document_list"),
    )


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@require_GET
@require("register.view")
def document_detail(request: HttpRequest, code: Any) -> HttpResponse:
    document = selectors.document_detail(code)
    today = _today()
    window = selectors.alert_window_days()
    return render(
        request,
        "register/document_detail.html",
        {
            "document": document,
            "files": evidence_for(document, latest_only=False),
            "upload_form": rf.EvidenceUploadForm(prefix="file"),
            "today": today,
            "soon": today + dt.timedelta(days=window),
            "crumbs": [_documents_crumb(), (document.title, None)],
        },
    )


@require_http_methods(["GET", "POST"])
@require("register.contracts")
def document_edit(request: HttpRequest, code: Any) -> HttpResponse:
    document = get_document_for_user(request, code)
    form = rf.DocumentForm(request.POST or None, instance=document)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        chosen = list(data.pop("services") or [])
        try:
            services.document_update(actor=request.user, document=document, services=chosen, **data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Document saved."))
            return redirect("register:document_detail", code=document.code)
    detail = reverse("register:document_detail", kwargs={"code": document.code})
    return _form_page(
        request,
        form,
        title=_("Edit %(name)s") % {"name": document.title},
        crumbs=[_documents_crumb(), (document.title, detail), (_("Edit"), None)],
        cancel_url=detail,
    )


@require_POST
@require("register.contracts")
def document_upload(request: HttpRequest, code: Any) -> HttpResponse:
    document = get_document_for_user(request, code)
    form = rf.EvidenceUploadForm(request.POST, request.FILES, prefix="file")
    if form.is_valid():
        try:
            services.document_upload(
                actor=request.user, document=document, upload=_upload(form.cleaned_data)
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("New revision stored."))
            return redirect("register:document_detail", code=document.code)
    document = selectors.document_detail(document.code)
    today = _today()
    window = selectors.alert_window_days()
    return render(
        request,
        "register/document_detail.html",
        {
            "document": document,
            "files": evidence_for(document, latest_only=False),
            "upload_form": form,
            "today": today,
            "soon": today + dt.timedelta(days=window),
            "crumbs": [_documents_crumb(), (document.title, None)],
        },
        status=400,
    )


# -- deadlines and the dashboard -------------------------------------------------------------


@require_GET
@require("register.view")
def deadlines(request: HttpRequest) -> HttpResponse:
    """Everything due within the alert window, and everything overdue, from every app."""
    today = _today()
    window = selectors.alert_window_days()
    when = request.GET.get("when", "")
    kind = request.GET.get("kind", "")
    if when == "overdue":
        query = due.DueQuery(end=today - dt.timedelta(days=1), limit=1000)
    elif when == "soon":
        query = due.DueQuery(start=today, end=today + dt.timedelta(days=window), limit=1000)
    else:
        query = due.DueQuery(end=today + dt.timedelta(days=window), limit=1000)
    found = due.collect(query)
    items = [i for i in found if not kind or i.kind == kind]
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = {k: str(v) for k, v in DUE_KINDS.items()}
    for item in found:
        labels.setdefault(item.kind, str(item.label))
    return render(
        request,
        "register/deadlines.html",
        {
            "page": page,
            "today": today,
            "window": window,
            "when": when,
            "kind": kind,
            "kind_labels": labels,
            "crumbs": [
                (_("Management dashboard"), reverse("register:dashboard")),
                (_("Deadlines"), None),
            ],
        },
    )


CHART_WIDTH = 640
CHART_LABEL = 180
CHART_BAR = 22
CHART_GAP = 8
CHART_TOP_CSPS = 10


def _concentration_chart(rows: list[selectors.ConcentrationRow]) -> dict[str, Any]:
    """Bars per CSP (count, the material part darker), drawn as SVG on the server."""
    top = rows[:CHART_TOP_CSPS]
    rest = rows[CHART_TOP_CSPS:]
    biggest = max((r.count for r in top), default=0) or 1
    span = CHART_WIDTH - CHART_LABEL - 110
    bars = []
    for i, r in enumerate(top):
        y = i * (CHART_BAR + CHART_GAP)
        bars.append(
            {
                "row": r,
                "y": y,
                "text_y": y + CHART_BAR * 0.7,
                "width": max(1, round(span * r.count / biggest)),
                "material_width": round(span * r.material / biggest),
                "label_x": CHART_LABEL + max(1, round(span * r.count / biggest)) + 6,
                "share": round(r.share * 100, 1),
            }
        )
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "label_width": CHART_LABEL,
        "bar_height": CHART_BAR,
        "height": max(1, len(bars)) * (CHART_BAR + CHART_GAP),
        "rest": {
            "csps": len(rest),
            "count": sum(r.count for r in rest),
            "material": sum(r.material for r in rest),
        },
    }


@require_GET
@require("register.view")
def dashboard(request: HttpRequest) -> HttpResponse:
    today = _today()
    window = selectors.alert_window_days()
    figures = selectors.dashboard(today=today, window_days=window)
    list_url = reverse("register:service_list")
    grid = [
        {
            "classification": c,
            "label": Classification(c).label if c else _("Not yet classified"),
            "filter": c or selectors.UNCLASSIFIED,
            "cells": [
                {"stage": s, "n": figures.by_classification_stage[c][s]} for s in Stage.values
            ],
            "total": figures.classification_totals[c],
        }
        for c in [*Classification.values, ""]
    ]
    return render(
        request,
        "register/dashboard.html",
        {
            "figures": figures,
            "grid": grid,
            "stages": Stage.choices,
            "list_url": list_url,
            "chart": _concentration_chart(figures.concentration),
            "today": today,
            "crumbs": [(_("Management dashboard"), None)],
        },
    )
