"""Pages of the resilience app: decorators, one lookup helper per object, one service call,
then render or redirect (STYLE.md §4, §6)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fincloud.determinations.services import current_determinations
from fincloud.evidence.forms import EvidenceUploadForm
from fincloud.evidence.services import evidence_for
from fincloud.people.access import require
from fincloud.resilience import checklists, deadlines, forms, selectors, services
from fincloud.resilience.models import (
    BusinessImpactAnalysis,
    ContinuityPlan,
    DataTransfer,
    DeletionRecord,
    Drill,
    DrillReport,
    ExitExecution,
    ExitPlan,
    FollowUp,
    Incident,
    IncidentNotice,
    NotificationRule,
    PostIncidentReview,
    Problem,
    ProviderContinuityReview,
)
from fincloud.web.forms import attach_errors
from fincloud.workflow import views as workflow_views
from fincloud.workflow.services import WorkflowError, check_can_decide, record_new_version

# -- helpers ---------------------------------------------------------------------------------------


def _lang() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh-TW"


def _get(queryset: QuerySet[Any], code: Any) -> Any:
    try:
        return queryset.get(code=code)
    except (queryset.model.DoesNotExist, ValidationError):
        raise Http404 from None


def _crumbs(*items: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return [(_("Resilience"), reverse("resilience:dashboard")), *items]


def _form_page(
    request: HttpRequest,
    form: Any,
    title: str,
    crumbs: list[tuple[str, str | None]],
    *,
    template: str = "resilience/form.html",
    cancel_url: str | None = None,
    **extra: Any,
) -> HttpResponse:
    context = {"form": form, "title": title, "crumbs": crumbs, "cancel_url": cancel_url}
    context.update(extra)
    return render(request, template, context)


def _workflow_context(request: HttpRequest, record: Any, detail_url: str) -> dict[str, Any]:
    user: Any = request.user
    can_approve = user.can("workflow.approve")
    return {
        "record": record,
        "can_approve": can_approve,
        "decide_refusal": check_can_decide(record, user) if can_approve else None,
        "transition_url": detail_url,
    }


def _transition(
    request: HttpRequest,
    record: Any,
    action: str,
    *,
    edit_capability: str,
    success_url: str,
    submit: Callable[..., Any] | None = None,
) -> HttpResponse:
    user: Any = request.user
    if action not in workflow_views.ACTIONS:
        raise Http404
    if action in {"submit", "reopen"} and not user.can(edit_capability):
        raise PermissionDenied(edit_capability)
    if action == "submit" and submit is not None:
        try:
            submit(actor=user, record=record)
        except WorkflowError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, _("Submitted for approval."))
        return redirect(success_url)
    return workflow_views.transition(request, record, action, success_url=success_url)


def _new_version(request: HttpRequest, record: Any, detail_name: str) -> HttpResponse:
    try:
        new = record_new_version(record=record, actor=request.user)
    except WorkflowError as exc:
        messages.error(request, exc.messages[0])
        return redirect(detail_name, code=record.code)
    messages.success(request, _("A new draft version was started."))
    return redirect(detail_name, code=new.code)


def _upload(
    request: HttpRequest,
    owner: Model,
    attach: Callable[..., Any],
    back: str,
    form_class: type[EvidenceUploadForm] = EvidenceUploadForm,
    **extra: Any,
) -> HttpResponse:
    form = form_class(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        kwargs = dict(
            actor=request.user,
            upload=data["file"],
            title=data["title"],
            effective_date=data["effective_date"],
            expiry_date=data["expiry_date"],
            note=data["note"],
            **extra,
        )
        if "certificate" in data:
            kwargs["certificate"] = data["certificate"]
        try:
            attach(**kwargs)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("File attached."))
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else str(error))
    return redirect(back)


# -- dashboard and settings ------------------------------------------------------------------------


@require_GET
@require("resilience.view")
def dashboard(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    lang = _lang()
    notices = [_notice_row(n, now, lang) for n in selectors.open_notices()[:50]]
    return render(
        request,
        "resilience/dashboard.html",
        {
            "notices": notices,
            "open_incidents": selectors.incidents().exclude(
                status__in=[Incident.Status.RESOLVED, Incident.Status.CLOSED]
            )[:20],
            "problems": selectors.problems().filter(status=Problem.Status.OPEN)[:20],
            "drills_due": selectors.drills_due(timezone.localdate() + dt.timedelta(days=60))[:20],
            "coverage": selectors.coverage(),
            "crumbs": [(_("Resilience"), None)],
        },
    )


@require_http_methods(["GET", "POST"])
@require("resilience.configure")
def settings_edit(request: HttpRequest) -> HttpResponse:
    current = services.settings_get()
    form = forms.SettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.settings_update(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("resilience:rule_list")
    return _form_page(
        request,
        form,
        _("Resilience settings"),
        _crumbs((_("Notification rules"), reverse("resilience:rule_list")), (_("Settings"), None)),
        lead=_(
            "The manual gives no numbers for these; the institution sets them: when incidents "
            "count as recurring (Ch 8.2), how soon reviews are due, and how often to drill "
            "(Ch 8.3 (b))."
        ),
    )


@require_GET
@require("resilience.view")
def rule_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "resilience/rule_list.html",
        {
            "rules": NotificationRule.objects.order_by("-active", "hours", "authority"),
            "conf": services.settings_get(),
            "crumbs": _crumbs((_("Notification rules"), None)),
        },
    )


def _rule_form(request: HttpRequest, rule: NotificationRule | None) -> HttpResponse:
    form = forms.NotificationRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            if rule is None:
                services.notification_rule_create(actor=request.user, **form.cleaned_data)
            else:
                services.notification_rule_update(
                    actor=request.user, rule=rule, **form.cleaned_data
                )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Notification rule saved."))
            return redirect("resilience:rule_list")
    title = _("New notification rule") if rule is None else _("Edit notification rule")
    return _form_page(
        request,
        form,
        title,
        _crumbs((_("Notification rules"), reverse("resilience:rule_list")), (title, None)),
        cancel_url=reverse("resilience:rule_list"),
    )


@require_http_methods(["GET", "POST"])
@require("resilience.configure")
def rule_create(request: HttpRequest) -> HttpResponse:
    return _rule_form(request, None)


@require_http_methods(["GET", "POST"])
@require("resilience.configure")
def rule_edit(request: HttpRequest, code: Any) -> HttpResponse:
    return _rule_form(request, _get(NotificationRule.objects.all(), code))


# -- business impact analysis ----------------------------------------------------------------------


def get_bia_for_user(request: HttpRequest, code: Any) -> BusinessImpactAnalysis:
    return _get(selectors.impact_analyses(), code)


@require_GET
@require("resilience.view")
def bia_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.impact_analyses().exclude(state="superseded"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "resilience/bia_list.html",
        {"page": page, "crumbs": _crumbs((_("Business impact analyses"), None))},
    )


@require_http_methods(["GET", "POST"])
@require("resilience.edit")
def bia_create(request: HttpRequest) -> HttpResponse:
    initial = {"service": request.GET.get("service")} if request.GET.get("service") else None
    form = forms.BiaForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.bia_create(
                actor=request.user, service=form.cleaned_data["service"], **form.service_values()
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Business impact analysis saved; the checks ran."))
            return redirect("resilience:bia_detail", code=record.code)
    title = _("New business impact analysis")
    return _form_page(
        request,
        form,
        title,
        _crumbs((_("Business impact analyses"), reverse("resilience:bia_list")), (title, None)),
        template="resilience/bia_form.html",
        cancel_url=reverse("resilience:bia_list"),
    )


@require_http_methods(["GET", "POST"])
@require("resilience.edit")
def bia_edit(request: HttpRequest, code: Any) -> HttpResponse:
    record = get_bia_for_user(request, code)
    form = forms.BiaForm(request.POST or None, instance=record, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.bia_update(actor=request.user, record=record, **form.service_values())
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Business impact analysis saved; the checks ran."))
            return redirect("resilience:bia_detail", code=record.code)
    title = _("Edit business impact analysis")
    detail = reverse("resilience:bia_detail", kwargs={"code": record.code})
    return _form_page(
        request,
        form,
        title,
        _crumbs(
            (_("Business impact analyses"), reverse("resilience:bia_list")),
            (str(record), detail),
            (title, None),
        ),
        template="resilience/bia_form.html",
        cancel_url=detail,
    )


@require_GET
@require("resilience.view")
def bia_detail(request: HttpRequest, code: Any) -> HttpResponse:
    record = get_bia_for_user(request, code)
    detail = reverse("resilience:bia_detail", kwargs={"code": record.code})
    impacts = record.impacts or {}
    grid = [
        (label, [impacts.get(kind, {}).get(str(m), 0) for m in forms.IMPACT_TIMES])
        for kind, label in forms.ImpactType.choices
    ]
    determinations = current_determinations(record)
    return render(
        request,
        "resilience/bia_detail.html",
        {
            "bia": record,
            "grid": grid,
            "times": forms.IMPACT_TIMES,
            "determinations": [
                determinations[k]
                for k in ("bia_rto_mtpd", "bia_csp_commitment", "bia_composite")
                if k in determinations
            ],
            "first_severe": services.bia_rules.first_severe_minutes(impacts),
            "crumbs": _crumbs(
                (_("Business impact analyses"), reverse("resilience:bia_list")), (str(record), None)
            ),
            **_workflow_context(request, record, detail),
        },
    )


@require_POST
@require("resilience.edit")
def bia_recheck(request: HttpRequest, code: Any) -> HttpResponse:
    record = get_bia_for_user(request, code)
    services.bia_recheck(actor=request.user, record=record)
    messages.success(request, _("The checks ran again."))
    return redirect("resilience:bia_detail", code=record.code)


@require_POST
@require("resilience.edit")
def bia_new_version(request: HttpRequest, code: Any) -> HttpResponse:
    return _new_version(request, get_bia_for_user(request, code), "resilience:bia_detail")


@require_POST
@require("resilience.view")
def bia_transition(request: HttpRequest, code: Any, action: str) -> HttpResponse:
    record = get_bia_for_user(request, code)
    return _transition(
        request,
        record,
        action,
        edit_capability="resilience.edit",
        success_url=reverse("resilience:bia_detail", kwargs={"code": record.code}),
    )


# -- incidents -------------------------------------------------------------------------------------


def get_incident_for_user(request: HttpRequest, code: Any) -> Incident:
    return _get(selectors.incidents(), code)


def _notice_row(notice: IncidentNotice, now: dt.datetime, lang: str) -> dict[str, Any]:
    countdown = deadlines.countdown(notice.due_at, now, notice.sent_at) if notice.due_at else None
    return {
        "notice": notice,
        "countdown": countdown,
        "delta": deadlines.duration_text(countdown.delta, lang) if countdown else "",  # type: ignore[arg-type]
    }


@require_GET
@require("resilience.view")
def incident_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.incidents()
    status = request.GET.get("status", "")
    if status in Incident.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "resilience/incident_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Incident.Status.choices,
            "crumbs": _crumbs((_("Incidents"), None)),
        },
    )


@require_http_methods(["GET", "POST"])
@require("resilience.report_incident")
def incident_report(request: HttpRequest) -> HttpResponse:
    form = forms.IncidentReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = services.incident_report(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(
                request,
                _("Incident %(ref)s reported. The incident team has been given it.")
                % {"ref": incident.reference},
            )
            user: Any = request.user
            if user.can("resilience.view"):
                return redirect("resilience:incident_detail", code=incident.code)
            return redirect("home")
    title = _("Report an incident")
    return _form_page(
        request,
        form,
        title,
        _crumbs((_("Incidents"), reverse("resilience:incident_list")), (title, None)),
        lead=_(
            "Every member of staff reports an information security incident in a cloud "
            "service as soon as it is found (Ch 8.2 (e)). Say what you saw; the incident team "
            "assesses it and notifies whoever must be told."
        ),
        submit_label=_("Report"),
    )


def _duties_context(incident: Incident) -> dict[str, Any]:
    now = timezone.now()
    lang = _lang()
    return {
        "incident": incident,
        "notices": [_notice_row(n, now, lang) for n in incident.notices.all()],
        "now": now,
    }


@require_GET
@require("resilience.view")
def incident_detail(request: HttpRequest, code: Any) -> HttpResponse:
    incident = get_incident_for_user(request, code)
    user: Any = request.user
    reviews = list(incident.reviews.select_related("prepared_by").order_by("-version"))
    context = {
        **_duties_context(incident),
        "events": incident.events.select_related("actor"),
        "files": evidence_for(incident),
        "reviews": reviews,
        "can_handle": user.can("resilience.handle_incident"),
        "step_form": forms.IncidentStepForm(),
        "add_notice_form": forms.NoticeAddForm(),
        "sent_form": forms.NoticeSentForm(),
        "upload_form": EvidenceUploadForm(),
        "crumbs": _crumbs(
            (_("Incidents"), reverse("resilience:incident_list")), (incident.reference, None)
        ),
    }
    return render(request, "resilience/incident_detail.html", context)


@require_GET
@require("resilience.view")
def incident_duties(request: HttpRequest, code: Any) -> HttpResponse:
    """The notification countdowns alone, refreshed by htmx every minute."""
    incident = get_incident_for_user(request, code)
    user: Any = request.user
    context = {
        **_duties_context(incident),
        "can_handle": user.can("resilience.handle_incident"),
        "sent_form": forms.NoticeSentForm(),
    }
    return render(request, "resilience/_duties.html", context)


@require_http_methods(["GET", "POST"])
@require("resilience.handle_incident")
def incident_handle(request: HttpRequest, code: Any) -> HttpResponse:
    incident = get_incident_for_user(request, code)
    form = forms.IncidentHandleForm(request.POST or None, instance=incident)
    if request.method == "POST" and form.is_valid():
        try:
            services.incident_update(actor=request.user, incident=incident, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Incident updated; notification duties recomputed."))
            return redirect("resilience:incident_detail", code=incident.code)
    detail = reverse("resilience:incident_detail", kwargs={"code": incident.code})
    title = _("Assess and handle")
    return _form_page(
        request,
        form,
        title,
        _crumbs(
            (_("Incidents"), reverse("resilience:incident_list")),
            (incident.reference, detail),
            (title, None),
        ),
        cancel_url=detail,
    )


@require_POST
@require("resilience.handle_incident")
def incident_step(request: HttpRequest, code: Any) -> HttpResponse:
    incident = get_incident_for_user(request, code)
    form = forms.IncidentStepForm(request.POST)
    if form.is_valid():
        try:
            services.incident_record_step(
                actor=request.user, incident=incident, **form.cleaned_data
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Timeline updated."))
    else:
        messages.error(request, _("Check the step: %(errors)s") % {"errors": form.errors.as_text()})
    return redirect("resilience:incident_detail", code=incident.code)


@require_POST
@require("resilience.handle_incident")
def notice_add(request: HttpRequest, code: Any) -> HttpResponse:
    incident = get_incident_for_user(request, code)
    form = forms.NoticeAddForm(request.POST)
    if form.is_valid():
        try:
            services.notice_add(actor=request.user, incident=incident, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Notice recorded."))
    else:
        messages.error(
            request, _("Check the notice: %(errors)s") % {"errors": form.errors.as_text()}
        )
    return redirect("resilience:incident_detail", code=incident.code)


@require_POST
@require("resilience.handle_incident")
def notice_sent(request: HttpRequest, code: Any) -> HttpResponse:
    notice = _get(IncidentNotice.objects.select_related("incident"), code)
    form = forms.NoticeSentForm(request.POST)
    if form.is_valid():
        try:
            services.notice_record_sent(actor=request.user, notice=notice, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(
                request, _("Notice to %(whom)s recorded as sent.") % {"whom": notice.recipient}
            )
    else:
        messages.error(
            request, _("Check the notice: %(errors)s") % {"errors": form.errors.as_text()}
        )
    return redirect("resilience:incident_detail", code=notice.incident.code)


@require_POST
@require("resilience.handle_incident")
def incident_upload(request: HttpRequest, code: Any) -> HttpResponse:
    incident = get_incident_for_user(request, code)
    back = reverse("resilience:incident_detail", kwargs={"code": incident.code})

    def attach(**kwargs: Any) -> Any:
        return services.incident_attach(incident=incident, **kwargs)

    return _upload(request, incident, attach, back)


# -- post-incident reviews and problems ------------------------------------------------------------


def get_review_for_user(request: HttpRequest, code: Any) -> PostIncidentReview:
    return _get(selectors.reviews(), code)


@require_http_methods(["GET", "POST"])
@require("resilience.handle_incident")
def review_create(request: HttpRequest, code: Any) -> HttpResponse:
    incident = get_incident_for_user(request, code)
    form = forms.ReviewForm(request.POST or None, initial={"root_cause": incident.root_cause})
    if request.method == "POST" and form.is_valid():
        try:
            review = services.review_create(
                actor=request.user, incident=incident, **form.cleaned_data
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Review drafted. Submit it for approval."))
            return redirect("resilience:review_detail", code=review.code)
    detail = reverse("resilience:incident_detail", kwargs={"code": incident.code})
    title = _("Post-incident review")
    return _form_page(
        request,
        form,
        title,
        _crumbs(
            (_("Incidents"), reverse("resilience:incident_list")),
            (incident.reference, detail),
            (title, None),
        ),
        cancel_url=detail,
    )


@require_http_methods(["GET", "POST"])
@require("resilience.handle_incident")
def review_edit(request: HttpRequest, code: Any) -> HttpResponse:
    review = get_review_for_user(request, code)
    form = forms.ReviewForm(request.POST or None, instance=review)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_update(actor=request.user, review=review, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Review saved."))
            return redirect("resilience:review_detail", code=review.code)
    detail = reverse("resilience:review_detail", kwargs={"code": review.code})
    title = _("Edit post-incident review")
    return _form_page(
        request, form, title, _crumbs((str(review), detail), (title, None)), cancel_url=detail
    )


@require_GET
@require("resilience.view")
def review_detail(request: HttpRequest, code: Any) -> HttpResponse:
    review = get_review_for_user(request, code)
    detail = reverse("resilience:review_detail", kwargs={"code": review.code})
    incident_url = reverse("resilience:incident_detail", kwargs={"code": review.incident.code})
    return render(
        request,
        "resilience/review_detail.html",
        {
            "review": review,
            "crumbs": _crumbs(
                (_("Incidents"), reverse("resilience:incident_list")),
                (review.incident.reference, incident_url),
                (_("Post-incident review"), None),
            ),
            **_workflow_context(request, review, detail),
        },
    )


@require_POST
@require("resilience.view")
def review_transition(request: HttpRequest, code: Any, action: str) -> HttpResponse:
    review = get_review_for_user(request, code)
    return _transition(
        request,
        review,
        action,
        edit_capability="resilience.handle_incident",
        success_url=reverse("resilience:review_detail", kwargs={"code": review.code}),
    )


def get_problem_for_user(request: HttpRequest, code: Any) -> Problem:
    return _get(selectors.problems(), code)


@require_GET
@require("resilience.view")
def problem_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "resilience/problem_list.html",
        {
            "problems": selectors.problems()[:200],
            "conf": services.settings_get(),
            "crumbs": _crumbs((_("Recurring problems"), None)),
        },
    )


@require_GET
@require("resilience.view")
def problem_detail(request: HttpRequest, code: Any) -> HttpResponse:
    problem = get_problem_for_user(request, code)
    user: Any = request.user
    return render(
        request,
        "resilience/problem_detail.html",
        {
            "problem": problem,
            "incidents": problem.incidents.select_related("service").order_by("detected_at"),
            "can_handle": user.can("resilience.handle_incident"),
            "form": forms.ProblemForm(
                initial={
                    "owner": problem.owner_id,
                    "due_date": problem.due_date,
                    "mitigation": problem.mitigation,
                }
            ),
            "close_form": forms.CloseProblemForm(initial={"mitigation": problem.mitigation}),
            "crumbs": _crumbs(
                (_("Recurring problems"), reverse("resilience:problem_list")), (str(problem), None)
            ),
        },
    )


@require_POST
@require("resilience.handle_incident")
def problem_edit(request: HttpRequest, code: Any) -> HttpResponse:
    problem = get_problem_for_user(request, code)
    form = forms.ProblemForm(request.POST)
    if form.is_valid():
        services.problem_update(actor=request.user, problem=problem, **form.cleaned_data)
        messages.success(request, _("Problem updated."))
    else:
        messages.error(
            request, _("Check the problem: %(errors)s") % {"errors": form.errors.as_text()}
        )
    return redirect("resilience:problem_detail", code=problem.code)


@require_POST
@require("resilience.handle_incident")
def problem_close(request: HttpRequest, code: Any) -> HttpResponse:
    problem = get_problem_for_user(request, code)
    form = forms.CloseProblemForm(request.POST)
    if form.is_valid():
        try:
            services.problem_close(actor=request.user, problem=problem, **form.cleaned_data)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Problem closed as mitigated."))
    else:
        messages.error(request, str(services.MITIGATION_REQUIRED))
    return redirect("resilience:problem_detail", code=problem.code)


# -- continuity plans, drills, provider reviews ----------------------------------------------------


def get_plan_for_user(request: HttpRequest, code: Any) -> ContinuityPlan:
    return _get(selectors.plans(), code)


@require_GET
@require("resilience.view")
def plan_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.plans().exclude(state="superseded"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "resilience/plan_list.html",
        {
            "page": page,
            "provider_reviews": selectors.provider_reviews()[:20],
            "crumbs": _crumbs((_("Continuity plans and drills"), None)),
        },
    )


def _plan_form(request: HttpRequest, plan: ContinuityPlan | None) -> HttpResponse:
    initial = None
    if plan is None and request.GET.get("service"):
        initial = {"service": request.GET.get("service")}
    form = forms.PlanForm(
        request.POST or None, instance=plan, editing=plan is not None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            if plan is None:
                plan = services.plan_create(
                    actor=request.user,
                    service=form.cleaned_data["service"],
                    **form.service_values(),
                )
            else:
                services.plan_update(actor=request.user, plan=plan, **form.service_values())
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Business continuity plan saved."))
            return redirect("resilience:plan_detail", code=plan.code)
    title = (
        _("New business continuity plan") if plan is None else _("Edit business continuity plan")
    )
    return _form_page(
        request,
        form,
        title,
        _crumbs((_("Continuity plans and drills"), reverse("resilience:plan_list")), (title, None)),
        template="resilience/plan_form.html",
        cancel_url=reverse("resilience:plan_list"),
    )


@require_http_methods(["GET", "POST"])
@require("resilience.edit")
def plan_create(request: HttpRequest) -> HttpResponse:
    return _plan_form(request, None)


@require_http_methods(["GET", "POST"])
@require("resilience.edit")
def plan_edit(request: HttpRequest, code: Any) -> HttpResponse:
    return _plan_form(request, get_plan_for_user(request, code))


@require_GET
@require("resilience.view")
def plan_detail(request: HttpRequest, code: Any) -> HttpResponse:
    plan = get_plan_for_user(request, code)
    lang = _lang()
    scenarios = plan.scenarios or {}
    rows = [
        {
            "event": e,
            "text": e.text(lang),
            "response": scenarios.get(e.key, {}).get("response", ""),
            "na": scenarios.get(e.key, {}).get("not_applicable_reason", ""),
        }
        for e in checklists.bcp_event_types()
    ]
    detail = reverse("resilience:plan_detail", kwargs={"code": plan.code})
    return render(
        request,
        "resilience/plan_detail.html",
        {
            "plan": plan,
            "rows": rows,
            "uncovered": services.plan_uncovered(plan),
            "drills": selectors.drills()
            .filter(plan__service=plan.service)
            .exclude(state="superseded"),
            "provider_reviews": selectors.provider_reviews().filter(csp=plan.service.csp)[:10],
            "today": timezone.localdate(),
            "crumbs": _crumbs(
                (_("Continuity plans and drills"), reverse("resilience:plan_list")),
                (plan.title, None),
            ),
            **_workflow_context(request, plan, detail),
        },
    )


@require_POST
@require("resilience.edit")
def plan_new_version(request: HttpRequest, code: Any) -> HttpResponse:
    return _new_version(request, get_plan_for_user(request, code), "resilience:plan_detail")


@require_POST
@require("resilience.view")
def plan_transition(request: HttpRequest, code: Any, action: str) -> HttpResponse:
    plan = get_plan_for_user(request, code)
    return _transition(
        request,
        plan,
        action,
        edit_capability="resilience.edit",
        success_url=reverse("resilience:plan_detail", kwargs={"code": plan.code}),
        submit=lambda actor, record: services.plan_submit(actor=actor, plan=record),
    )


def get_drill_for_user(request: HttpRequest, code: Any) -> Drill:
    return _get(selectors.drills(), code)


@require_http_methods(["GET", "POST"])
@require("resilience.edit")
def drill_create(request: HttpRequest, code: Any) -> HttpResponse:
    plan = get_plan_for_user(request, code)
    form = forms.DrillForm(request.POST or None, lang=_lang())
    if request.method == "POST" and form.is_valid():
        values = {
            k: v
            for k, v in form.cleaned_data.items()
            if v is not None or k not in {"rto_minutes", "rpo_minutes"}
        }
        try:
            drill = services.drill_create(actor=request.user, plan=plan, **values)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Drill planned. Submit the drill plan for approval."))
            return redirect("resilience:drill_detail", code=drill.code)
    detail = reverse("resilience:plan_detail", kwargs={"code": plan.code})
    title = _("Plan a drill")
    return _form_page(
        request,
        form,
        title,
        _crumbs(
            (_("Continuity plans and drills"), reverse("resilience:plan_list")),
            (plan.title, detail),
            (title, None),
        ),
        cancel_url=detail,
    )


@require_http_methods(["GET", "POST"])
@require("resilience.edit")
def drill_edit(request: HttpRequest, code: Any) -> HttpResponse:
    drill = get_drill_for_user(request, code)
    form = forms.DrillForm(request.POST or None, instance=drill, lang=_lang())
    if request.method == "POST" and form.is_valid():
        try:
            services.drill_update(actor=request.user, drill=drill, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Drill saved."))
            return redirect("resilience:drill_detail", code=drill.code)
    detail = reverse("resilience:drill_detail", kwargs={"code": drill.code})
    title = _("Edit drill")
    return _form_page(
        request, form, title, _crumbs((str(drill), detail), (title, None)), cancel_url=detail
    )


@require_GET
@require("resilience.view")
def drill_detail(request: HttpRequest, code: Any) -> HttpResponse:
    drill = get_drill_for_user(request, code)
    lang = _lang()
    scenario = next((e for e in checklists.bcp_event_types() if e.key == drill.scenario), None)
    detail = reverse("resilience:drill_detail", kwargs={"code": drill.code})
    user: Any = request.user
    return render(
        request,
        "resilience/drill_detail.html",
        {
            "drill": drill,
            "scenario_text": scenario.text(lang) if scenario else drill.scenario,
            "scenario": scenario,
            "reports": drill.reports.select_related("prepared_by").order_by("-version"),
            "follow_ups": drill.follow_ups.select_related("owner"),
            "follow_up_form": forms.FollowUpForm(),
            "can_edit": user.can("resilience.edit"),
            "crumbs": _crumbs(
                (_("Continuity plans and drills"), reverse("resilience:plan_list")),
                (
                    drill.plan.title,
                    reverse("resilience:plan_detail", kwargs={"code": drill.plan.code}),
                ),
                (drill.title, None),
            ),
            **_workflow_context(request, drill, detail),
        },
    )


@require_POST
@require("resilience.view")
def drill_transition(request: HttpRequest, code: Any, action: str) -> HttpResponse:
    drill = get_drill_for_user(request, code)
    return _transition(
        request,
        drill,
        action,
        edit_capability="resilience.edit",
        success_url=reverse("resilience:drill_detail", kwargs={"code": drill.code}),
    )


@require_POST
@require("resilience.edit")
def follow_up_add(request: HttpRequest, code: Any) -> HttpResponse:
    drill = get_drill_for_user(request, code)
    form = forms.FollowUpForm(request.POST)
    if form.is_valid():
        services.follow_up_add(actor=request.user, drill=drill, **form.cleaned_data)
        messages.success(request, _("Follow-up added."))
    else:
        messages.error(
            request, _("Check the follow-up: %(errors)s") % {"errors": form.errors.as_text()}
        )
    return redirect("resilience:drill_detail", code=drill.code)


@require_POST
@require("resilience.edit")
def follow_up_done(request: HttpRequest, code: Any) -> HttpResponse:
    item = _get(FollowUp.objects.select_related("drill"), code)
    try:
        services.follow_up_done(
            actor=request.user, follow_up=item, note=request.POST.get("note", "")
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Follow-up done."))
    return redirect("resilience:drill_detail", code=item.drill.code)


def get_report_for_user(request: HttpRequest, code: Any) -> DrillReport:
    return _get(selectors.drill_reports(), code)


@require_http_methods(["GET", "POST"])
@require("resilience.edit")
def report_create(request: HttpRequest, code: Any) -> HttpResponse:
    drill = get_drill_for_user(request, code)
    form = forms.DrillReportForm(request.POST or None, initial={"participants": drill.participants})
    if request.method == "POST" and form.is_valid():
        try:
            report = services.drill_report_create(
                actor=request.user, drill=drill, **form.cleaned_data
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Drill results recorded. Submit them for approval."))
            return redirect("resilience:report_detail", code=report.code)
    detail = reverse("resilience:drill_detail", kwargs={"code": drill.code})
    title = _("Record the drill results")
    return _form_page(
        request, form, title, _crumbs((drill.title, detail), (title, None)), cancel_url=detail
    )


@require_http_methods(["GET", "POST"])
@require("resilience.edit")
def report_edit(request: HttpRequest, code: Any) -> HttpResponse:
    report = get_report_for_user(request, code)
    form = forms.DrillReportForm(request.POST or None, instance=report)
    if request.method == "POST" and form.is_valid():
        try:
            services.drill_report_update(actor=request.user, report=report, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Drill results saved."))
            return redirect("resilience:report_detail", code=report.code)
    detail = reverse("resilience:report_detail", kwargs={"code": report.code})
    title = _("Edit the drill results")
    return _form_page(
        request, form, title, _crumbs((str(report), detail), (title, None)), cancel_url=detail
    )


@require_GET
@require("resilience.view")
def report_detail(request: HttpRequest, code: Any) -> HttpResponse:
    report = get_report_for_user(request, code)
    detail = reverse("resilience:report_detail", kwargs={"code": report.code})
    user: Any = request.user
    return render(
        request,
        "resilience/report_detail.html",
        {
            "report": report,
            "determinations": list(current_determinations(report).values()),
            "files": evidence_for(report),
            "upload_form": EvidenceUploadForm(),
            "can_edit": user.can("resilience.edit"),
            "crumbs": _crumbs(
                (
                    report.drill.title,
                    reverse("resilience:drill_detail", kwargs={"code": report.drill.code}),
                ),
                (_("Drill results"), None),
            ),
            **_workflow_context(request, report, detail),
        },
    )


@require_POST
@require("resilience.edit")
def report_upload(request: HttpRequest, code: Any) -> HttpResponse:
    report = get_report_for_user(request, code)

    def attach(**kwargs: Any) -> Any:
        return services.drill_report_attach(report=report, **kwargs)

    return _upload(
        request, report, attach, reverse("resilience:report_detail", kwargs={"code": report.code})
    )


@require_POST
@require("resilience.view")
def report_transition(request: HttpRequest, code: Any, action: str) -> HttpResponse:
    report = get_report_for_user(request, code)
    return _transition(
        request,
        report,
        action,
        edit_capability="resilience.edit",
        success_url=reverse("resilience:report_detail", kwargs={"code": report.code}),
    )


def get_provider_review_for_user(request: HttpRequest, code: Any) -> ProviderContinuityReview:
    return _get(selectors.provider_reviews(), code)


def _provider_review_form(
    request: HttpRequest, review: ProviderContinuityReview | None
) -> HttpResponse:
    form = forms.ProviderReviewForm(
        request.POST or None, instance=review, editing=review is not None
    )
    if request.method == "POST" and form.is_valid():
        values = dict(form.cleaned_data)
        try:
            if review is None:
                csp = values.pop("csp")
                review = services.provider_review_create(actor=request.user, csp=csp, **values)
            else:
                services.provider_review_update(actor=request.user, review=review, **values)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Review saved. Attach the report it rests on."))
            return redirect("resilience:provider_review_detail", code=review.code)
    title = _("Review of the CSP's continuity arrangements")
    return _form_page(
        request,
        form,
        title,
        _crumbs((_("Continuity plans and drills"), reverse("resilience:plan_list")), (title, None)),
        cancel_url=reverse("resilience:plan_list"),
        lead=_(
            "Ch 8.3: learn the CSP's business continuity plan from third-party reports such as "
            "SOC 2, and check that it can respond to and recover from interruptions."
        ),
    )


@require_http_methods(["GET", "POST"])
@require("resilience.edit")
def provider_review_create(request: HttpRequest) -> HttpResponse:
    return _provider_review_form(request, None)


@require_http_methods(["GET", "POST"])
@require("resilience.edit")
def provider_review_edit(request: HttpRequest, code: Any) -> HttpResponse:
    return _provider_review_form(request, get_provider_review_for_user(request, code))


@require_GET
@require("resilience.view")
def provider_review_detail(request: HttpRequest, code: Any) -> HttpResponse:
    review = get_provider_review_for_user(request, code)
    user: Any = request.user
    return render(
        request,
        "resilience/provider_review_detail.html",
        {
            "review": review,
            "files": evidence_for(review),
            "upload_form": EvidenceUploadForm(),
            "can_edit": user.can("resilience.edit"),
            "crumbs": _crumbs(
                (_("Continuity plans and drills"), reverse("resilience:plan_list")),
                (str(review), None),
            ),
        },
    )


@require_POST
@require("resilience.edit")
def provider_review_upload(request: HttpRequest, code: Any) -> HttpResponse:
    review = get_provider_review_for_user(request, code)

    def attach(**kwargs: Any) -> Any:
        return services.provider_review_attach(review=review, **kwargs)

    return _upload(
        request,
        review,
        attach,
        reverse("resilience:provider_review_detail", kwargs={"code": review.code}),
    )


# -- exit ------------------------------------------------------------------------------------------


def get_exit_plan_for_user(request: HttpRequest, code: Any) -> ExitPlan:
    return _get(selectors.exit_plans(), code)


@require_GET
@require("resilience.view")
def exit_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.exit_plans().exclude(state="superseded"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "resilience/exit_list.html",
        {
            "page": page,
            "without": selectors.services_without_exit_plan()[:50],
            "without_count": selectors.services_without_exit_plan().count(),
            "executions": selectors.executions()[:20],
            "strategy_url": selectors.exit_strategy_url(),
            "crumbs": [(_("Exit plans"), None)],
        },
    )


def _exit_form(request: HttpRequest, plan: ExitPlan | None) -> HttpResponse:
    initial = None
    if plan is None and request.GET.get("service"):
        initial = {"service": request.GET.get("service")}
    form = forms.ExitPlanForm(
        request.POST or None, instance=plan, editing=plan is not None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            if plan is None:
                plan = services.exit_plan_create(
                    actor=request.user,
                    service=form.cleaned_data["service"],
                    **form.service_values(),
                )
            else:
                services.exit_plan_update(actor=request.user, plan=plan, **form.service_values())
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Exit plan saved."))
            return redirect("resilience:exit_detail", code=plan.code)
    title = _("New exit plan") if plan is None else _("Edit exit plan")
    return _form_page(
        request,
        form,
        title,
        [(_("Exit plans"), reverse("resilience:exit_list")), (title, None)],
        template="resilience/exit_form.html",
        cancel_url=reverse("resilience:exit_list"),
        phases=checklists.exit_phases(),
    )


@require_http_methods(["GET", "POST"])
@require("resilience.exit")
def exit_create(request: HttpRequest) -> HttpResponse:
    return _exit_form(request, None)


@require_http_methods(["GET", "POST"])
@require("resilience.exit")
def exit_edit(request: HttpRequest, code: Any) -> HttpResponse:
    return _exit_form(request, get_exit_plan_for_user(request, code))


def _checklist_rows(answers: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    groups = {p: (zh if lang == "zh-TW" else en) for p, zh, en in checklists.exit_phases()}
    rows = []
    for item in checklists.exit_checklist():
        answer = answers.get(item.id, {})
        rows.append(
            {
                "item": item,
                "text": item.text(lang),
                "group": groups.get(item.parent_id, ""),
                "answered": item.id in answers,
                "applicable": answer.get("applicable", True),
                "note": answer.get("note", ""),
                "done": answer.get("done", False),
                "done_on": answer.get("done_on", ""),
                "by": answer.get("by", ""),
            }
        )
    return rows


@require_GET
@require("resilience.view")
def exit_detail(request: HttpRequest, code: Any) -> HttpResponse:
    plan = get_exit_plan_for_user(request, code)
    lang = _lang()
    detail = reverse("resilience:exit_detail", kwargs={"code": plan.code})
    user: Any = request.user
    return render(
        request,
        "resilience/exit_detail.html",
        {
            "plan": plan,
            "rows": _checklist_rows(plan.checklist or {}, lang),
            "unanswered": services.exit_plan_unanswered(plan),
            "executions": plan.executions.order_by("-started_on"),
            "start_form": forms.ExitStartForm(),
            "can_exit": user.can("resilience.exit"),
            "strategy_url": selectors.exit_strategy_url(),
            "crumbs": [(_("Exit plans"), reverse("resilience:exit_list")), (str(plan), None)],
            **_workflow_context(request, plan, detail),
        },
    )


@require_POST
@require("resilience.exit")
def exit_new_version(request: HttpRequest, code: Any) -> HttpResponse:
    return _new_version(request, get_exit_plan_for_user(request, code), "resilience:exit_detail")


@require_POST
@require("resilience.view")
def exit_transition(request: HttpRequest, code: Any, action: str) -> HttpResponse:
    plan = get_exit_plan_for_user(request, code)
    return _transition(
        request,
        plan,
        action,
        edit_capability="resilience.exit",
        success_url=reverse("resilience:exit_detail", kwargs={"code": plan.code}),
        submit=lambda actor, record: services.exit_plan_submit(actor=actor, plan=record),
    )


@require_POST
@require("resilience.exit")
def exit_start(request: HttpRequest, code: Any) -> HttpResponse:
    plan = get_exit_plan_for_user(request, code)
    form = forms.ExitStartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Check the exit: %(errors)s") % {"errors": form.errors.as_text()})
        return redirect("resilience:exit_detail", code=plan.code)
    try:
        execution = services.exit_start(actor=request.user, plan=plan, **form.cleaned_data)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("resilience:exit_detail", code=plan.code)
    messages.success(request, _("Exit started."))
    return redirect("resilience:execution_detail", code=execution.code)


def get_execution_for_user(request: HttpRequest, code: Any) -> ExitExecution:
    return _get(selectors.executions(), code)


@require_GET
@require("resilience.view")
def execution_detail(request: HttpRequest, code: Any) -> HttpResponse:
    execution = get_execution_for_user(request, code)
    user: Any = request.user
    deletions = list(execution.deletions.select_related("prepared_by").order_by("-version"))
    running = execution.status == ExitExecution.Status.IN_PROGRESS
    return render(
        request,
        "resilience/execution_detail.html",
        {
            "execution": execution,
            "form": forms.ProgressForm(
                progress=execution.progress or {},
                readonly=not (running and user.can("resilience.exit")),
            ),
            "lang": _lang(),
            "phases": {p: (zh, en) for p, zh, en in checklists.exit_phases()},
            "open_items": services.exit_open_items(execution),
            "transfers": execution.transfers.all(),
            "deletions": deletions,
            "can_exit": user.can("resilience.exit"),
            "running": running,
            "crumbs": [
                (_("Exit plans"), reverse("resilience:exit_list")),
                (
                    str(execution.plan),
                    reverse("resilience:exit_detail", kwargs={"code": execution.plan.code}),
                ),
                (_("Exit"), None),
            ],
        },
    )


@require_POST
@require("resilience.exit")
def execution_progress(request: HttpRequest, code: Any) -> HttpResponse:
    execution = get_execution_for_user(request, code)
    form = forms.ProgressForm(request.POST, progress=execution.progress or {})
    if form.is_valid():
        try:
            services.exit_record_progress(
                actor=request.user, execution=execution, done=form.done(), notes=form.notes()
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Progress saved."))
    return redirect("resilience:execution_detail", code=execution.code)


def _transfer_form(
    request: HttpRequest, execution: ExitExecution, transfer: DataTransfer | None
) -> HttpResponse:
    form = forms.TransferForm(request.POST or None, instance=transfer)
    if request.method == "POST" and form.is_valid():
        try:
            if transfer is None:
                services.transfer_record(
                    actor=request.user, execution=execution, **form.cleaned_data
                )
            else:
                services.transfer_update(actor=request.user, transfer=transfer, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Data transfer recorded."))
            return redirect("resilience:execution_detail", code=execution.code)
    detail = reverse("resilience:execution_detail", kwargs={"code": execution.code})
    title = _("Data transfer")
    return _form_page(
        request,
        form,
        title,
        [(_("Exit plans"), reverse("resilience:exit_list")), (_("Exit"), detail), (title, None)],
        cancel_url=detail,
        lead=_(
            "Ch 8.5: transfer the data with the mechanism the CSP offers and verify its "
            "integrity before anything is deleted."
        ),
    )


@require_http_methods(["GET", "POST"])
@require("resilience.exit")
def transfer_create(request: HttpRequest, code: Any) -> HttpResponse:
    return _transfer_form(request, get_execution_for_user(request, code), None)


@require_http_methods(["GET", "POST"])
@require("resilience.exit")
def transfer_edit(request: HttpRequest, code: Any) -> HttpResponse:
    transfer = _get(DataTransfer.objects.select_related("execution"), code)
    return _transfer_form(request, transfer.execution, transfer)


def get_deletion_for_user(request: HttpRequest, code: Any) -> DeletionRecord:
    return _get(selectors.deletions(), code)


def _deletion_form(
    request: HttpRequest, execution: ExitExecution, record: DeletionRecord | None
) -> HttpResponse:
    form = forms.DeletionForm(request.POST or None, instance=record)
    if request.method == "POST" and form.is_valid():
        try:
            if record is None:
                record = services.deletion_create(
                    actor=request.user, execution=execution, **form.cleaned_data
                )
            else:
                services.deletion_update(actor=request.user, record=record, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Deletion recorded. Attach the evidence, then submit it."))
            return redirect("resilience:deletion_detail", code=record.code)
    detail = reverse("resilience:execution_detail", kwargs={"code": execution.code})
    title = _("Deletion record")
    return _form_page(
        request,
        form,
        title,
        [(_("Exit plans"), reverse("resilience:exit_list")), (_("Exit"), detail), (title, None)],
        cancel_url=detail,
        lead=_(
            "Ch 8.5: choose the deletion method (electronic overwrite or crypto-erase), record "
            "the result, and obtain the certificate when an external deletion service is used."
        ),
    )


@require_http_methods(["GET", "POST"])
@require("resilience.exit")
def deletion_create(request: HttpRequest, code: Any) -> HttpResponse:
    return _deletion_form(request, get_execution_for_user(request, code), None)


@require_http_methods(["GET", "POST"])
@require("resilience.exit")
def deletion_edit(request: HttpRequest, code: Any) -> HttpResponse:
    record = get_deletion_for_user(request, code)
    return _deletion_form(request, record.execution, record)


@require_GET
@require("resilience.view")
def deletion_detail(request: HttpRequest, code: Any) -> HttpResponse:
    record = get_deletion_for_user(request, code)
    detail = reverse("resilience:deletion_detail", kwargs={"code": record.code})
    user: Any = request.user
    execution_url = reverse("resilience:execution_detail", kwargs={"code": record.execution.code})
    return render(
        request,
        "resilience/deletion_detail.html",
        {
            "deletion": record,
            "files": evidence_for(record),
            "problems": [e.messages[0] for e in services.deletion_problems(record)]
            if record.state in {"draft", "rejected"}
            else [],
            "upload_form": forms.DeletionUploadForm(),
            "can_exit": user.can("resilience.exit"),
            "deletion_items": [
                (cid, en if _lang() == "en" else zh) for cid, zh, en in checklists.deletion_items()
            ],
            "crumbs": [
                (_("Exit plans"), reverse("resilience:exit_list")),
                (_("Exit"), execution_url),
                (_("Deletion record"), None),
            ],
            **_workflow_context(request, record, detail),
        },
    )


@require_POST
@require("resilience.exit")
def deletion_upload(request: HttpRequest, code: Any) -> HttpResponse:
    record = get_deletion_for_user(request, code)

    def attach(**kwargs: Any) -> Any:
        return services.deletion_attach(record=record, **kwargs)

    return _upload(
        request,
        record,
        attach,
        reverse("resilience:deletion_detail", kwargs={"code": record.code}),
        form_class=forms.DeletionUploadForm,
    )


@require_POST
@require("resilience.view")
def deletion_transition(request: HttpRequest, code: Any, action: str) -> HttpResponse:
    record = get_deletion_for_user(request, code)
    return _transition(
        request,
        record,
        action,
        edit_capability="resilience.exit",
        success_url=reverse("resilience:deletion_detail", kwargs={"code": record.code}),
        submit=lambda actor, record: services.deletion_submit(actor=actor, record=record),
    )
