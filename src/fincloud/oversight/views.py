"""Pages of in-use oversight: the calendar, service levels and outages, KPI/KRI, periodic
reviews and the reviews of the CSP's reports. Views parse, check, call one service, render."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, Literal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fincloud.auditlog.models import Action
from fincloud.auditlog.services import record_event
from fincloud.catalog import load_catalog
from fincloud.determinations.services import current_determinations
from fincloud.evidence.services import evidence_attach, evidence_for
from fincloud.oversight import forms, ical, selectors, services
from fincloud.oversight import kpi as kpi_rules
from fincloud.oversight.dates import add_months, month_label, periods_touching, quarter_label
from fincloud.oversight.models import (
    AttainmentRecord,
    CreditClaim,
    Indicator,
    Outage,
    PeriodicReview,
    ReportException,
    ReportReview,
    ReviewFinding,
    ReviewItem,
    ReviewSchedule,
    SlaTarget,
)
from fincloud.people.access import require
from fincloud.register.models import Classification, CloudService
from fincloud.web import due
from fincloud.web.forms import flash_errors
from fincloud.workflow import views as workflow_views
from fincloud.workflow.services import WorkflowError, check_can_decide

PAGE = 50


def _attach(form: Any, exc: ValidationError) -> None:
    """A service's refusal onto the form: at the field it names (whose label the form already
    shows before each error, so the message's own "Field: " prefix is dropped there)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            if field in form.fields:
                form.add_error(field, [forms.without_label(form, field, e) for e in errors])
            else:
                form.add_error(None, errors)
    else:
        form.add_error(None, exc)


def _get(model: type[Model], code: Any, *related: str) -> Any:
    try:
        return model._default_manager.select_related(*related).get(code=code)
    except (model.DoesNotExist, ValidationError):  # type: ignore[attr-defined]
        raise Http404 from None


# One lookup helper per object: not found and not allowed both 404 (every signed-in role may
# read oversight records; writes are checked by capability and by the services).
def get_service_for_user(request: HttpRequest, code: Any) -> CloudService:
    return _get(CloudService, code, "csp", "unit", "owner")  # type: ignore[no-any-return]


def get_outage_for_user(request: HttpRequest, code: Any) -> Outage:
    return _get(Outage, code, "csp", "recorded_by", "imported_by_file")  # type: ignore[no-any-return]


def get_claim_for_user(request: HttpRequest, code: Any) -> CreditClaim:
    return _get(CreditClaim, code, "attainment__service")  # type: ignore[no-any-return]


def get_indicator_for_user(request: HttpRequest, code: Any) -> Indicator:
    return _get(Indicator, code, "service", "owner")  # type: ignore[no-any-return]


def get_review_for_user(request: HttpRequest, code: Any) -> PeriodicReview:
    return _get(  # type: ignore[no-any-return]
        PeriodicReview, code, "service", "unit", "prepared_by", "submitted_by", "decided_by"
    )


def get_report_for_user(request: HttpRequest, code: Any) -> ReportReview:
    return _get(  # type: ignore[no-any-return]
        ReportReview, code, "csp", "unit", "prepared_by", "certification", "document"
    )


def get_finding_for_user(request: HttpRequest, code: Any) -> ReviewFinding:
    return _get(ReviewFinding, code, "review", "review__service", "owner")  # type: ignore[no-any-return]


def get_exception_for_user(request: HttpRequest, code: Any) -> ReportException:
    return _get(ReportException, code, "review", "review__csp", "owner")  # type: ignore[no-any-return]


def service_page_url(service: CloudService) -> str | None:
    try:
        return reverse("register:service_detail", kwargs={"code": service.code})
    except NoReverseMatch:
        return None


def _crumbs(*items: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return list(items)


def _page(request: HttpRequest, rows: Any, size: int = PAGE) -> Any:
    return Paginator(rows, size).get_page(request.GET.get("page"))


def _user(request: HttpRequest) -> Any:
    return request.user


# -- the calendar -----------------------------------------------------------------------------

SCOPES = ("all", "mine", "unit")


def _calendar_scope(request: HttpRequest) -> dict[str, Any]:
    user = _user(request)
    scope = request.GET.get("scope", "all")
    if scope not in SCOPES:
        scope = "all"
    service_code = request.GET.get("service", "").strip() or None
    service = None
    if service_code:
        service = (
            CloudService.objects.filter(code=_uuid_or_404(service_code))
            .only("code", "name")
            .first()
        )
        if service is None:
            raise Http404
    unit_id = None
    if scope == "unit":
        unit_id = user.unit_id if user.unit_id is not None else -1
    return {
        "scope": scope,
        "service": service,
        "user": user if scope == "mine" else None,
        "unit_id": unit_id,
        "service_code": str(service.code) if service else None,
    }


def _uuid_or_404(text: str) -> Any:
    import uuid

    try:
        return uuid.UUID(text)
    except ValueError:
        raise Http404 from None


def _month(request: HttpRequest, today: dt.date) -> dt.date:
    text = request.GET.get("month", "")
    try:
        year, month = (int(p) for p in text.split("-"))
        return dt.date(year, month, 1)
    except ValueError:
        return today.replace(day=1)


@require_GET
@require("oversight.calendar")
def calendar(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    month = _month(request, today)
    scope = _calendar_scope(request)
    view = selectors.calendar_view(
        year=month.year,
        month=month.month,
        today=today,
        user=scope["user"],
        unit_id=scope["unit_id"],
        service_code=scope["service_code"],
    )
    query = {"scope": scope["scope"]}
    if scope["service"]:
        query["service"] = scope["service_code"]
    return render(
        request,
        "oversight/calendar.html",
        {
            "view": view,
            "today": today,
            "scope": scope["scope"],
            "service": scope["service"],
            "previous_month": month_label(add_months(month, -1)),
            "next_month": month_label(add_months(month, 1)),
            "this_month": month_label(today),
            "month_param": month_label(month),
            "query": query,
            "crumbs": _crumbs((_("What is due"), None)),
        },
    )


def _uid(item: due.DueItem) -> str:
    key = f"{item.kind}|{item.url}|{item.title}".encode()
    return f"{hashlib.sha256(key).hexdigest()[:32]}@fincloud"


@require_GET
@require("oversight.calendar")
def calendar_ics(request: HttpRequest) -> HttpResponse:
    """RFC 5545 export of the same scope: everything overdue and the next twelve months."""
    today = timezone.localdate()
    scope = _calendar_scope(request)
    items = due.collect(
        due.DueQuery(
            start=None,
            end=today + dt.timedelta(days=366),
            user=scope["user"],
            unit_id=scope["unit_id"],
            service_code=scope["service_code"],
            limit=2000,
        )
    )
    events = [
        ical.Event(
            uid=_uid(item),
            day=item.due,
            summary=f"{item.label}: {item.title}",
            description="\n".join(
                filter(
                    None,
                    [
                        str(item.label),
                        item.title,
                        _("Overdue") if item.overdue(today) else "",
                        request.build_absolute_uri(item.url),
                    ],
                )
            ),
            url=request.build_absolute_uri(item.url),
            categories=(item.kind,),
        )
        for item in items
    ]
    body = ical.write(events, name=_("fincloud: what is due"), stamp=timezone.now())
    record_event(
        actor=request.user,
        action=Action.EXPORT,
        object_type="oversight.calendar",
        object_id=scope["scope"],
        object_repr="calendar.ics",
        changes={"items": [None, len(events)], "scope": [None, scope["scope"]]},
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="fincloud-due.ics"'
    return response


# -- service levels -----------------------------------------------------------------------------


def _period_choices(today: dt.date) -> list[str]:
    months = [month_label(add_months(today.replace(day=1), -n)) for n in range(12)]
    quarters = list(
        dict.fromkeys(quarter_label(add_months(today.replace(day=1), -3 * n)) for n in range(4))
    )
    return months + quarters


@require_GET
@require("oversight.view")
def sla_overview(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    choices = _period_choices(today)
    period = request.GET.get("period", choices[0])
    if period not in choices:
        period = choices[0]
    breach_only = request.GET.get("breach") == "1"
    search = request.GET.get("q", "").strip()[:100]
    rows = selectors.attainments(period, breach_only=breach_only, search=search)
    return render(
        request,
        "oversight/sla_overview.html",
        {
            "page": _page(request, rows),
            "period": period,
            "periods": choices,
            "breach_only": breach_only,
            "q": search,
            "counts": selectors.attainment_counts(period),
            "crumbs": _crumbs((_("Service levels (SLA)"), None)),
        },
    )


@require_POST
@require("oversight.sla")
def sla_recompute(request: HttpRequest) -> HttpResponse:
    from fincloud.oversight.tasks import recompute_attainment

    period = request.POST.get("period", "")
    if period not in _period_choices(timezone.localdate()):
        raise Http404
    recompute_attainment.enqueue(period)
    messages.success(
        request, _("The attainment of %(period)s is being computed again.") % {"period": period}
    )
    return redirect(f"{reverse('oversight:sla_overview')}?period={period}")


def _composite(service: CloudService) -> Any:
    try:
        return services.composite_assess(service=service)
    except ValidationError:
        return None


@require_GET
@require("oversight.view")
def service_sla(request: HttpRequest, code: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    target = SlaTarget.objects.filter(service=service).select_related("document").first()
    language = getattr(request, "LANGUAGE_CODE", "zh-hant")
    composite = _composite(service)
    return render(
        request,
        "oversight/service_sla.html",
        {
            "service": service,
            "service_url": service_page_url(service),
            "target": target,
            "attainments": selectors.service_attainments(service),
            "outages": selectors.outages(service=service)[:20],
            "composite": composite,
            "composite_lines": composite.explanation("en" if language.startswith("en") else "zh-TW")
            if composite
            else [],
            "composite_stored": current_determinations(service).get("sla_composite_service"),
            "indicators": selectors.indicators(service=service),
            "crumbs": _crumbs(
                (_("Service levels (SLA)"), reverse("oversight:sla_overview")), (service.name, None)
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@require("oversight.sla")
def sla_target_edit(request: HttpRequest, code: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    target = SlaTarget.objects.filter(service=service).first()
    initial = (
        forms.SlaTargetForm.initial_for(target)
        if target
        else {
            "target_percent": service.availability_target,
            "planned_excluded": True,
            "claim_window_days": 30,
        }
    )
    form = forms.SlaTargetForm(request.POST or None, initial=initial, service=service)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.sla_target_save(actor=request.user, service=service, **data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(
                request, _("SLA target saved; the recent periods were computed again.")
            )
            return redirect("oversight:service_sla", code=service.code)
    return render(
        request,
        "oversight/form.html",
        {
            "form": form,
            "title": _("SLA target of %(service)s") % {"service": service.name},
            "intro": _(
                "From the contract: the availability it commits to, how it is measured, and the "
                "service credits."
            ),
            "cancel_url": reverse("oversight:service_sla", kwargs={"code": service.code}),
            "crumbs": _crumbs(
                (_("Service levels (SLA)"), reverse("oversight:sla_overview")),
                (service.name, reverse("oversight:service_sla", kwargs={"code": service.code})),
                (_("SLA target"), None),
            ),
        },
    )


@require_POST
@require("oversight.sla")
def composite_record(request: HttpRequest, code: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    try:
        services.composite_assess(service=service, actor=request.user, record=True)
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Composite availability recorded."))
    return redirect("oversight:service_sla", code=service.code)


@require_http_methods(["GET", "POST"])
@require("oversight.sla")
def claim_edit(request: HttpRequest, code: Any) -> HttpResponse:
    claim = get_claim_for_user(request, code)
    form = forms.ClaimForm(request.POST or None, instance=claim)
    service = claim.attainment.service
    if request.method == "POST" and form.is_valid():
        data = {
            k: form.cleaned_data[k]
            for k in ("status", "claimed_on", "reference", "amount_twd", "note")
        }
        try:
            services.claim_update(actor=request.user, claim=claim, **data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("Service credit claim saved."))
            return redirect("oversight:service_sla", code=service.code)
    return render(
        request,
        "oversight/form.html",
        {
            "form": form,
            "title": _("Service credit for %(service)s, %(period)s")
            % {"service": service.name, "period": claim.attainment.period},
            "intro": _(
                "Availability %(a)s%% against %(t)s%%; the contract gives a credit of %(c)s%%."
            )
            % {
                "a": claim.attainment.availability_percent.normalize(),
                "t": claim.attainment.target_percent.normalize(),
                "c": claim.attainment.credit_percent.normalize()
                if claim.attainment.credit_percent
                else "—",
            },
            "cancel_url": reverse("oversight:service_sla", kwargs={"code": service.code}),
            "crumbs": _crumbs(
                (_("Service levels (SLA)"), reverse("oversight:sla_overview")),
                (service.name, reverse("oversight:service_sla", kwargs={"code": service.code})),
                (_("Service credit"), None),
            ),
        },
    )


# -- outages ----------------------------------------------------------------------------------


@require_GET
@require("oversight.view")
def outage_list(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:100]
    ongoing = request.GET.get("ongoing") == "1"
    return render(
        request,
        "oversight/outage_list.html",
        {
            "page": _page(request, selectors.outages(search=search, ongoing=ongoing)),
            "q": search,
            "ongoing": ongoing,
            "crumbs": _crumbs((_("Outages"), None)),
        },
    )


def _service_label(service: CloudService) -> str:
    unique = not CloudService.objects.filter(name=service.name).exclude(pk=service.pk).exists()
    return service.name if unique else str(service.code)


def _resolve_listed(form: Any, names: list[str]) -> list[CloudService] | None:
    try:
        return services.resolve_service_names(names)
    except ValidationError as exc:
        errors = exc.error_dict["services"]
        form.add_error(
            "services_text", [forms.without_label(form, "services_text", e) for e in errors]
        )
        return None


def _outage_form_page(request: HttpRequest, form: Any, title: str, cancel: str) -> HttpResponse:
    return render(
        request,
        "oversight/form.html",
        {
            "form": form,
            "title": title,
            "cancel_url": cancel,
            "crumbs": _crumbs((_("Outages"), reverse("oversight:outage_list")), (title, None)),
        },
    )


@require_http_methods(["GET", "POST"])
@require("oversight.outage")
def outage_create(request: HttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {}
    service_code = request.GET.get("service", "")
    if service_code:
        service = get_service_for_user(request, service_code)
        initial["services_text"] = _service_label(service)
    form = forms.OutageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        affected = _resolve_listed(form, data["services_text"])
        if affected is not None:
            try:
                outage = services.outage_record(
                    actor=request.user,
                    services=affected,
                    start=data["start"],
                    end=data["end"],
                    planned=data["planned"],
                    cause=data["cause"],
                    csp_reference=data["csp_reference"],
                    title=data["title"],
                )
            except ValidationError as exc:
                _attach(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Outage recorded; the attainment of the affected services was computed "
                        "again."
                    ),
                )
                return redirect("oversight:outage_detail", code=outage.code)
    return _outage_form_page(request, form, _("Record an outage"), reverse("oversight:outage_list"))


@require_GET
@require("oversight.view")
def outage_detail(request: HttpRequest, code: Any) -> HttpResponse:
    outage = get_outage_for_user(request, code)
    affected = list(outage.services.select_related("csp"))
    # The periods the outage touches (Asia/Taipei months and quarters), for each service.
    end = outage.end or max(timezone.now(), outage.start)
    labels = periods_touching(outage.start, end)
    rows = (
        AttainmentRecord.objects.filter(service__in=affected, period__in=labels)
        .select_related("service")
        .order_by("service__name", "period_start", "period")
    )
    return render(
        request,
        "oversight/outage_detail.html",
        {
            "outage": outage,
            "services": affected,
            "attainments": rows[:200],
            "crumbs": _crumbs(
                (_("Outages"), reverse("oversight:outage_list")), (str(outage), None)
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@require("oversight.outage")
def outage_edit(request: HttpRequest, code: Any) -> HttpResponse:
    outage = get_outage_for_user(request, code)
    tz = timezone.get_current_timezone()
    initial = {
        "title": outage.title,
        "start": outage.start.astimezone(tz),
        "end": outage.end.astimezone(tz) if outage.end else None,
        "planned": outage.planned,
        "services_text": "\n".join(_service_label(s) for s in outage.services.all()),
        "cause": outage.cause,
        "csp_reference": outage.csp_reference,
    }
    form = forms.OutageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        affected = _resolve_listed(form, data["services_text"])
        if affected is not None:
            try:
                services.outage_update(
                    actor=request.user,
                    outage=outage,
                    services=affected,
                    start=data["start"],
                    end=data["end"],
                    planned=data["planned"],
                    cause=data["cause"],
                    csp_reference=data["csp_reference"],
                    title=data["title"],
                )
            except ValidationError as exc:
                _attach(form, exc)
            else:
                messages.success(request, _("Outage updated; the attainment was computed again."))
                return redirect("oversight:outage_detail", code=outage.code)
    return _outage_form_page(
        request,
        form,
        _("Edit outage"),
        reverse("oversight:outage_detail", kwargs={"code": outage.code}),
    )


@require_http_methods(["GET", "POST"])
@require("oversight.outage")
def outage_import(request: HttpRequest) -> HttpResponse:
    form = forms.CsvImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.outage_import_csv(
                actor=request.user, upload=form.cleaned_data["file"]
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(
                request,
                _("Imported: %(c)d new, %(u)d updated.")
                % {"c": result.created, "u": result.updated},
            )
            return redirect("oversight:outage_list")
    return render(
        request,
        "oversight/form.html",
        {
            "form": form,
            "title": _("Import outages from a CSV file"),
            "intro": _(
                "The whole file is imported or none of it: the first fault is named with its line"
                " and column."
            ),
            "cancel_url": reverse("oversight:outage_list"),
            "crumbs": _crumbs(
                (_("Outages"), reverse("oversight:outage_list")), (_("Import"), None)
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@require("oversight.outage")
def feed_import(request: HttpRequest, code: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    form = forms.FeedImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.outage_import_feed(
                actor=request.user,
                upload=form.cleaned_data["file"],
                service=service,
                component_filter=form.cleaned_data["component_filter"],
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(
                request,
                _("Imported from the feed: %(c)d new, %(u)d updated, %(s)d left out.")
                % {"c": result.created, "u": result.updated, "s": result.skipped},
            )
            return redirect("oversight:service_sla", code=service.code)
    return render(
        request,
        "oversight/form.html",
        {
            "form": form,
            "title": _("Import the CSP's status feed for %(service)s") % {"service": service.name},
            "intro": _(
                "Save the CSP's status feed to a file first; nothing is fetched from the network."
                " An incident imported again is updated, not duplicated."
            ),
            "cancel_url": reverse("oversight:service_sla", kwargs={"code": service.code}),
            "crumbs": _crumbs(
                (_("Service levels (SLA)"), reverse("oversight:sla_overview")),
                (service.name, reverse("oversight:service_sla", kwargs={"code": service.code})),
                (_("Status feed"), None),
            ),
        },
    )


# -- KPI / KRI ----------------------------------------------------------------------------------


@require_GET
@require("oversight.view")
def indicator_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in {"", kpi_rules.GREEN, kpi_rules.AMBER, kpi_rules.RED}:
        status = ""
    return render(
        request,
        "oversight/indicator_list.html",
        {
            "page": _page(request, selectors.indicators(status=status)),
            "status": status,
            "crumbs": _crumbs((_("KPI and KRI"), None)),
        },
    )


@require_http_methods(["GET", "POST"])
@require("oversight.kpi")
def indicator_create(request: HttpRequest, code: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    form = forms.IndicatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            indicator = services.indicator_create(
                actor=request.user, service=service, **form.cleaned_data
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("Indicator defined."))
            return redirect("oversight:indicator_detail", code=indicator.code)
    return render(
        request,
        "oversight/form.html",
        {
            "form": form,
            "title": _("New KPI or KRI for %(service)s") % {"service": service.name},
            "intro": _(
                "Ch 3.4 (d): define the key performance and risk indicators of the service and "
                "review them periodically."
            ),
            "cancel_url": reverse("oversight:service_sla", kwargs={"code": service.code}),
            "crumbs": _crumbs(
                (_("KPI and KRI"), reverse("oversight:indicator_list")), (_("New"), None)
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@require("oversight.kpi")
def indicator_edit(request: HttpRequest, code: Any) -> HttpResponse:
    indicator = get_indicator_for_user(request, code)
    form = forms.IndicatorForm(request.POST or None, instance=indicator)
    if request.method == "POST" and form.is_valid():
        try:
            services.indicator_update(actor=request.user, indicator=indicator, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("Indicator saved."))
            return redirect("oversight:indicator_detail", code=indicator.code)
    return render(
        request,
        "oversight/form.html",
        {
            "form": form,
            "title": _("Edit %(name)s") % {"name": indicator.name},
            "cancel_url": reverse("oversight:indicator_detail", kwargs={"code": indicator.code}),
            "crumbs": _crumbs(
                (_("KPI and KRI"), reverse("oversight:indicator_list")),
                (
                    indicator.name,
                    reverse("oversight:indicator_detail", kwargs={"code": indicator.code}),
                ),
                (_("Edit"), None),
            ),
        },
    )


def _chart(indicator: Indicator, points: list[Any]) -> str:
    svg = kpi_rules.trend_svg(
        [kpi_rules.Point(m.measured_on, m.value) for m in points],
        kpi_rules.Thresholds(
            kpi_rules.Direction(indicator.direction), indicator.green, indicator.amber
        ),
        title=_("Trend of %(name)s") % {"name": indicator.name},
        empty_text=_("No measurements yet."),
    )
    # Drawn on the server from numbers and escaped text (kpi.trend_svg escapes every string).
    return mark_safe(svg)  # noqa: S308


@require_http_methods(["GET", "POST"])
@require("oversight.view")
def indicator_detail(request: HttpRequest, code: Any) -> HttpResponse:
    indicator = get_indicator_for_user(request, code)
    points = list(indicator.measurements.select_related("recorded_by").order_by("measured_on"))
    form = forms.MeasurementForm(initial={"measured_on": timezone.localdate()})
    return render(
        request,
        "oversight/indicator_detail.html",
        {
            "indicator": indicator,
            "points": points[-60:],
            "chart": _chart(indicator, points[-60:]),
            "form": form,
            "crumbs": _crumbs(
                (_("KPI and KRI"), reverse("oversight:indicator_list")), (indicator.name, None)
            ),
        },
    )


@require_POST
@require("oversight.measure")
def indicator_measure(request: HttpRequest, code: Any) -> HttpResponse:
    indicator = get_indicator_for_user(request, code)
    form = forms.MeasurementForm(request.POST)
    if form.is_valid():
        try:
            measurement = services.measurement_record(
                actor=request.user, indicator=indicator, **form.cleaned_data
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            colour = {"green": _("Green"), "amber": _("Amber"), "red": _("Red")}[measurement.status]
            messages.success(request, _("Measurement recorded: %(status)s.") % {"status": colour})
            return redirect("oversight:indicator_detail", code=indicator.code)
    points = list(indicator.measurements.order_by("measured_on"))
    return render(
        request,
        "oversight/indicator_detail.html",
        {
            "indicator": indicator,
            "points": points[-60:],
            "chart": _chart(indicator, points[-60:]),
            "form": form,
            "crumbs": _crumbs(
                (_("KPI and KRI"), reverse("oversight:indicator_list")), (indicator.name, None)
            ),
        },
        status=400,
    )


# -- periodic reviews -------------------------------------------------------------------------


@require_GET
@require("oversight.view")
def review_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    overdue_only = request.GET.get("overdue") == "1"
    search = request.GET.get("q", "").strip()[:100]
    policies = services.review_policy_ensure()
    labels = dict(Classification.choices)
    return render(
        request,
        "oversight/review_list.html",
        {
            "page": _page(
                request, selectors.schedules(overdue_only=overdue_only, today=today, search=search)
            ),
            "overdue_only": overdue_only,
            "q": search,
            "today": today,
            "policies": [
                (key, labels.get(key, key), policies[key])
                for key in services.policy_keys()
                if key in policies
            ],
            "recent": selectors.reviews()[:20],
            "crumbs": _crumbs((_("Periodic reviews"), None)),
        },
    )


@require_http_methods(["GET", "POST"])
@require("oversight.policy")
def policy_edit(request: HttpRequest, classification: str) -> HttpResponse:
    policies = services.review_policy_ensure()
    policy = policies.get(classification)
    if policy is None:
        raise Http404
    form = forms.PolicyForm(
        request.POST or None,
        initial={
            "interval_months": policy.interval_months,
            "raised_interval_months": policy.raised_interval_months,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.review_policy_save(
                actor=request.user, classification=classification, **form.cleaned_data
            )
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(
                request, _("Review frequency saved; every service's next review date follows.")
            )
            return redirect("oversight:review_list")
    label = dict(Classification.choices).get(classification, classification)
    return render(
        request,
        "oversight/form.html",
        {
            "form": form,
            "title": _("Review frequency: %(label)s") % {"label": label},
            "intro": _(
                "Ch 3.4 sets no frequency: the institution's policy does, per classification."
            ),
            "cancel_url": reverse("oversight:review_list"),
            "crumbs": _crumbs(
                (_("Periodic reviews"), reverse("oversight:review_list")),
                (_("Review frequency"), None),
            ),
        },
    )


@require_GET
@require("oversight.view")
def service_reviews(request: HttpRequest, code: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    return render(
        request,
        "oversight/service_reviews.html",
        {
            "service": service,
            "service_url": service_page_url(service),
            "schedule": ReviewSchedule.objects.filter(service=service).first(),
            "reviews": selectors.reviews(service=service),
            "today": timezone.localdate(),
            "crumbs": _crumbs(
                (_("Periodic reviews"), reverse("oversight:review_list")), (service.name, None)
            ),
        },
    )


@require_POST
@require("oversight.review")
def review_start(request: HttpRequest, code: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    try:
        review = services.review_start(actor=request.user, service=service)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("oversight:service_reviews", code=service.code)
    messages.success(
        request, _("Review started: work through the checklist, then submit it for approval.")
    )
    return redirect("oversight:review_detail", code=review.code)


@require_http_methods(["GET", "POST"])
@require("oversight.policy")
def review_raise(request: HttpRequest, code: Any) -> HttpResponse:
    service = get_service_for_user(request, code)
    schedule = ReviewSchedule.objects.filter(service=service).first()
    form = forms.RaiseForm(
        request.POST or None,
        initial={
            "raised": bool(schedule and schedule.raised_manually),
            "reason": schedule.raised_reason if schedule else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.review_schedule_raise(actor=request.user, service=service, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("Review frequency of this service saved."))
            return redirect("oversight:service_reviews", code=service.code)
    return render(
        request,
        "oversight/form.html",
        {
            "form": form,
            "title": _("Review frequency of %(service)s") % {"service": service.name},
            "intro": _(
                "Ch 3.3 alternative measure (c): review a service more often when a mandatory "
                "contract clause could not be agreed. An approved pre-use assessment that adopted"
                " measure (c) raises it by itself."
            ),
            "cancel_url": reverse("oversight:service_reviews", kwargs={"code": service.code}),
            "crumbs": _crumbs(
                (_("Periodic reviews"), reverse("oversight:review_list")),
                (service.name, reverse("oversight:service_reviews", kwargs={"code": service.code})),
                (_("Review frequency"), None),
            ),
        },
    )


def _review_context(request: HttpRequest, review: PeriodicReview, **extra: Any) -> dict[str, Any]:
    user = _user(request)
    catalog = load_catalog(review.catalog_edition)
    language = getattr(request, "LANGUAGE_CODE", "zh-hant")
    lang: Literal["zh", "en"] = "en" if language.startswith("en") else "zh"
    items = list(review.items.all())
    findings = list(review.findings.select_related("owner", "item", "closed_by"))
    editable = review.state in {"draft", "rejected"} and user.can("oversight.review")
    can_approve = user.can("workflow.approve")
    nodes = {item.catalog_id: catalog.find(item.catalog_id) for item in items}
    context = {
        "review": review,
        "record": review,
        "rows": [
            {
                "item": item,
                "node": nodes[item.catalog_id],
                "text": node.text(lang) if (node := nodes[item.catalog_id]) else item.catalog_id,
                "form": forms.ReviewItemForm(
                    initial={"result": item.result or "ok", "notes": item.notes},
                    prefix=item.catalog_id.replace(".", "_"),
                ),
                "findings": [f for f in findings if f.item_id == item.pk],
            }
            for item in items
        ],
        "findings": findings,
        "editable": editable,
        "finding_form": forms.FindingForm(review=review),
        "evidence": evidence_for(review),
        "upload_form": forms.OversightEvidenceForm(),
        "can_approve": can_approve,
        "decide_refusal": check_can_decide(review, user) if can_approve else None,
        "transition_url": reverse("oversight:review_detail", kwargs={"code": review.code}),
        "crumbs": _crumbs(
            (_("Periodic reviews"), reverse("oversight:review_list")),
            (
                review.service.name,
                reverse("oversight:service_reviews", kwargs={"code": review.service.code}),
            ),
            (str(review.review_date), None),
        ),
    }
    context.update(extra)
    return context


@require_GET
@require("oversight.view")
def review_detail(request: HttpRequest, code: Any) -> HttpResponse:
    review = get_review_for_user(request, code)
    return render(request, "oversight/review_detail.html", _review_context(request, review))


@require_http_methods(["GET", "POST"])
@require("oversight.review")
def review_edit(request: HttpRequest, code: Any) -> HttpResponse:
    review = get_review_for_user(request, code)
    form = forms.ReviewForm(request.POST or None, instance=review)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_update(actor=request.user, review=review, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("Review saved."))
            return redirect("oversight:review_detail", code=review.code)
    return render(
        request,
        "oversight/form.html",
        {
            "form": form,
            "title": _("Review of %(service)s") % {"service": review.service.name},
            "cancel_url": reverse("oversight:review_detail", kwargs={"code": review.code}),
            "crumbs": _crumbs(
                (_("Periodic reviews"), reverse("oversight:review_list")),
                (
                    review.service.name,
                    reverse("oversight:review_detail", kwargs={"code": review.code}),
                ),
                (_("Edit"), None),
            ),
        },
    )


@require_POST
@require("oversight.review")
def review_item(request: HttpRequest, code: Any, catalog_id: str) -> HttpResponse:
    review = get_review_for_user(request, code)
    item = ReviewItem.objects.filter(review=review, catalog_id=catalog_id).first()
    if item is None:
        raise Http404
    form = forms.ReviewItemForm(request.POST, prefix=catalog_id.replace(".", "_"))
    if form.is_valid():
        try:
            services.review_item_update(actor=request.user, item=item, **form.cleaned_data)
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Checklist item %(id)s saved.") % {"id": catalog_id})
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return redirect(
        f"{reverse('oversight:review_detail', kwargs={'code': review.code})}#item-{catalog_id}"
    )


@require_POST
@require("oversight.review")
def review_finding_add(request: HttpRequest, code: Any) -> HttpResponse:
    review = get_review_for_user(request, code)
    form = forms.FindingForm(request.POST, review=review)
    if form.is_valid():
        data = form.cleaned_data
        item = ReviewItem.objects.filter(review=review, catalog_id=data.pop("catalog_id")).first()
        try:
            services.finding_add(actor=request.user, review=review, item=item, **data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("Finding recorded."))
            return redirect(
                f"{reverse('oversight:review_detail', kwargs={'code': review.code})}#findings"
            )
    return render(
        request,
        "oversight/review_detail.html",
        _review_context(request, review, finding_form=form),
        status=400,
    )


@require_POST
@require("oversight.review")
def review_evidence(request: HttpRequest, code: Any) -> HttpResponse:
    review = get_review_for_user(request, code)
    return _upload(
        request, review, ["ch3.4"], reverse("oversight:review_detail", kwargs={"code": review.code})
    )


def _upload(request: HttpRequest, owner: Any, catalog_ids: list[str], back: str) -> HttpResponse:
    form = forms.OversightEvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            evidence_attach(
                actor=request.user,
                owner=owner,
                upload=data["file"],
                title=data["title"] or data["file"].name,
                effective_date=data["effective_date"],
                expiry_date=data["expiry_date"],
                catalog_ids=catalog_ids,
                note=data["note"],
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("File attached."))
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else str(error))
    return redirect(f"{back}#evidence")


@require_POST
@require("web.view")
def review_transition(request: HttpRequest, code: Any, action: str) -> HttpResponse:
    review = get_review_for_user(request, code)
    user = _user(request)
    back = reverse("oversight:review_detail", kwargs={"code": review.code})
    if action in {"submit", "reopen"} and not user.can("oversight.review"):
        raise PermissionDenied("oversight.review")
    if action not in workflow_views.ACTIONS:
        raise Http404
    if action == "submit":
        try:
            services.review_submit(actor=user, review=review)
        except (WorkflowError, ValidationError) as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Submitted for approval."))
        return redirect(back)
    return workflow_views.transition(request, review, action, success_url=back)


def _owner_or_reviewer(request: HttpRequest, item: Any) -> None:
    """Findings and exceptions are followed up by their owner (any unit) or a reviewer."""
    user = _user(request)
    if not (user.can("oversight.review") or item.owner_id == user.pk):
        raise PermissionDenied("oversight.review")


def _close_page(request: HttpRequest, item: Any, back: str, title: str) -> HttpResponse:
    _owner_or_reviewer(request, item)
    form = forms.CloseForm(request.POST or None, initial={"closed_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.followup_close(actor=request.user, item=item, **form.cleaned_data)
        except ValidationError as exc:
            if getattr(exc, "code", None) == "permission":
                raise PermissionDenied from None
            _attach(form, exc)
        else:
            messages.success(request, _("Closed."))
            return redirect(back)
    return render(
        request,
        "oversight/form.html",
        {
            "form": form,
            "title": title,
            "intro": item.description,
            "cancel_url": back,
            "crumbs": _crumbs((title, None)),
        },
    )


@require_http_methods(["GET", "POST"])
@require("oversight.view")
def finding_close(request: HttpRequest, code: Any) -> HttpResponse:
    finding = get_finding_for_user(request, code)
    back = reverse("oversight:review_detail", kwargs={"code": finding.review.code}) + "#findings"
    return _close_page(request, finding, back, _("Close the finding"))


# -- reviews of the CSP's reports (Ch 3.4 (c)) ---------------------------------------------------


@require_GET
@require("oversight.view")
def report_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "oversight/report_list.html",
        {
            "page": _page(request, selectors.report_reviews()),
            "crumbs": _crumbs((_("CSP certification and SOC reports"), None)),
        },
    )


@require_http_methods(["GET", "POST"])
@require("oversight.review")
def report_create(request: HttpRequest) -> HttpResponse:
    form = forms.ReportReviewForm(
        request.POST or None, initial={"reviewed_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        csp = data.pop("csp")
        try:
            review = services.report_review_create(actor=request.user, csp=csp, **data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(
                request, _("Report review drafted: record its exceptions, then submit it.")
            )
            return redirect("oversight:report_detail", code=review.code)
    return render(
        request,
        "oversight/form.html",
        {
            "form": form,
            "title": _("Review a CSP report"),
            "intro": _(
                "Ch 3.4 (c): review the international security certification reports the CSP "
                "issues for the infrastructure it is responsible for, and follow up whether it "
                "fixes what they find."
            ),
            "cancel_url": reverse("oversight:report_list"),
            "crumbs": _crumbs(
                (_("CSP certification and SOC reports"), reverse("oversight:report_list")),
                (_("New"), None),
            ),
        },
    )


def _report_context(request: HttpRequest, review: ReportReview, **extra: Any) -> dict[str, Any]:
    user = _user(request)
    can_approve = user.can("workflow.approve")
    context = {
        "review": review,
        "record": review,
        "exceptions": list(review.exceptions.select_related("owner", "closed_by")),
        "editable": review.state in {"draft", "rejected"} and user.can("oversight.review"),
        "exception_form": forms.ExceptionForm(),
        "evidence": evidence_for(review),
        "upload_form": forms.OversightEvidenceForm(),
        "can_approve": can_approve,
        "decide_refusal": check_can_decide(review, user) if can_approve else None,
        "transition_url": reverse("oversight:report_detail", kwargs={"code": review.code}),
        "today": timezone.localdate(),
        "crumbs": _crumbs(
            (_("CSP certification and SOC reports"), reverse("oversight:report_list")),
            (review.title, None),
        ),
    }
    context.update(extra)
    return context


@require_GET
@require("oversight.view")
def report_detail(request: HttpRequest, code: Any) -> HttpResponse:
    review = get_report_for_user(request, code)
    return render(request, "oversight/report_detail.html", _report_context(request, review))


@require_http_methods(["GET", "POST"])
@require("oversight.review")
def report_edit(request: HttpRequest, code: Any) -> HttpResponse:
    review = get_report_for_user(request, code)
    form = forms.ReportReviewForm(request.POST or None, instance=review, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_review_update(actor=request.user, review=review, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("Report review saved."))
            return redirect("oversight:report_detail", code=review.code)
    return render(
        request,
        "oversight/form.html",
        {
            "form": form,
            "title": review.title,
            "cancel_url": reverse("oversight:report_detail", kwargs={"code": review.code}),
            "crumbs": _crumbs(
                (_("CSP certification and SOC reports"), reverse("oversight:report_list")),
                (_("Edit"), None),
            ),
        },
    )


@require_POST
@require("oversight.review")
def report_exception_add(request: HttpRequest, code: Any) -> HttpResponse:
    review = get_report_for_user(request, code)
    form = forms.ExceptionForm(request.POST)
    if form.is_valid():
        try:
            services.exception_add(actor=request.user, review=review, **form.cleaned_data)
        except ValidationError as exc:
            _attach(form, exc)
        else:
            messages.success(request, _("Exception recorded."))
            return redirect(
                f"{reverse('oversight:report_detail', kwargs={'code': review.code})}#exceptions"
            )
    return render(
        request,
        "oversight/report_detail.html",
        _report_context(request, review, exception_form=form),
        status=400,
    )


@require_POST
@require("oversight.review")
def report_evidence(request: HttpRequest, code: Any) -> HttpResponse:
    review = get_report_for_user(request, code)
    return _upload(
        request,
        review,
        ["ch3.4.c"],
        reverse("oversight:report_detail", kwargs={"code": review.code}),
    )


@require_POST
@require("web.view")
def report_transition(request: HttpRequest, code: Any, action: str) -> HttpResponse:
    review = get_report_for_user(request, code)
    user = _user(request)
    back = reverse("oversight:report_detail", kwargs={"code": review.code})
    if action in {"submit", "reopen"} and not user.can("oversight.review"):
        raise PermissionDenied("oversight.review")
    if action not in workflow_views.ACTIONS:
        raise Http404
    if action == "submit":
        try:
            services.report_review_submit(actor=user, review=review)
        except (WorkflowError, ValidationError) as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Submitted for approval."))
        return redirect(back)
    return workflow_views.transition(request, review, action, success_url=back)


@require_http_methods(["GET", "POST"])
@require("oversight.view")
def exception_follow_up(request: HttpRequest, code: Any) -> HttpResponse:
    exception = get_exception_for_user(request, code)
    back = (
        reverse("oversight:report_detail", kwargs={"code": exception.review.code}) + "#exceptions"
    )
    _owner_or_reviewer(request, exception)
    form = forms.FollowUpUpdateForm(
        request.POST or None,
        initial={
            "csp_response": exception.csp_response,
            "action": exception.action,
            "due_date": exception.due_date,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.exception_follow_up(
                actor=request.user, exception=exception, **form.cleaned_data
            )
        except ValidationError as exc:
            if getattr(exc, "code", None) == "permission":
                raise PermissionDenied from None
            _attach(form, exc)
        else:
            messages.success(request, _("Follow-up saved."))
            return redirect(back)
    return render(
        request,
        "oversight/form.html",
        {
            "form": form,
            "title": _("Follow up the exception"),
            "intro": exception.description,
            "cancel_url": back,
            "crumbs": _crumbs(
                (_("CSP certification and SOC reports"), reverse("oversight:report_list")),
                (exception.review.title, back),
                (_("Follow-up"), None),
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@require("oversight.view")
def exception_close(request: HttpRequest, code: Any) -> HttpResponse:
    exception = get_exception_for_user(request, code)
    back = (
        reverse("oversight:report_detail", kwargs={"code": exception.review.code}) + "#exceptions"
    )
    return _close_page(request, exception, back, _("Close the exception"))
