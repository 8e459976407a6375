"""Pages of 日常執行與控管. Each view: method and capability decorators, one lookup helper,
one service call, then render or redirect. Refusals come back naming the field and the rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fincloud.evidence.services import evidence_for
from fincloud.governance import deadlines, forms, labels, manual, selectors, services
from fincloud.governance.models import (
    ActionItem,
    Attendance,
    CloudPolicy,
    CommitteeMember,
    Course,
    DutyAssignment,
    GapAction,
    Meeting,
    ResponsibilityMatrix,
    SodException,
    StrategyDocument,
    TrainingSession,
)
from fincloud.people.access import require
from fincloud.people.models import BusinessUnit, User
from fincloud.web.due import DueQuery
from fincloud.web.forms import attach_errors, flash_errors
from fincloud.workflow import views as workflow_views
from fincloud.workflow.services import WorkflowError, check_can_decide

Crumbs = list[tuple[str, str | None]]


def _home() -> tuple[str, str]:
    return (_("Daily execution and control"), reverse("governance:overview"))


def _crumbs(*items: tuple[str, str | None]) -> Crumbs:
    return [_home(), *items]


def _form_page(
    request: HttpRequest, form: Any, title: str, crumbs: Crumbs, **extra: Any
) -> HttpResponse:
    return render(
        request,
        "governance/form.html",
        {"form": form, "title": title, "crumbs": [*crumbs, (title, None)], **extra},
    )


def _get(qs: QuerySet[Any], **lookup: Any) -> Any:
    try:
        return qs.get(**lookup)
    except (qs.model.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def _today() -> dt.date:
    return timezone.localdate()


def _panel(request: HttpRequest, record: Any, transition_url: str) -> dict[str, Any]:
    user: Any = request.user
    can_approve = user.can("workflow.approve")
    return {
        "record": record,
        "can_approve": can_approve,
        "decide_refusal": check_can_decide(record, user) if can_approve else None,
        "transition_url": transition_url,
        "can_edit": user.can("governance.edit"),
    }


def _transition(
    request: HttpRequest,
    record: Any,
    action: str,
    *,
    submit: Callable[..., Any],
    success_url: str,
) -> HttpResponse:
    user: Any = request.user
    if action not in workflow_views.ACTIONS:
        raise Http404
    if action in {"submit", "reopen"} and not user.can("governance.edit"):
        raise PermissionDenied("governance.edit")
    if action == "submit":
        try:
            submit(actor=user, record=record)
        except WorkflowError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Submitted for approval."))
        return redirect(success_url)
    return workflow_views.transition(request, record, action, success_url=success_url)


# === Overview =============================================================================


OVERDUE_SHOWN = 30


def overdue_items(on: dt.date | None = None) -> list[Any]:
    """Everything of this app whose date has passed (for the page's "what is overdue")."""
    on = on or _today()
    query = DueQuery(end=on - dt.timedelta(days=1))
    items: list[Any] = []
    for provider in (
        deadlines.policy_items,
        deadlines.strategy_items,
        deadlines.committee_items,
        deadlines.sod_items,
        deadlines.training_items,
    ):
        items.extend(provider(query))
    return sorted(items, key=lambda i: i.due)


@require_GET
@require("governance.view")
def overview(request: HttpRequest) -> HttpResponse:
    on = _today()
    committee = selectors.committee()
    members = committee.active_members if committee else []  # type: ignore[attr-defined]
    matrix = selectors.current_matrix()
    matrix_units, matrix_rows = selectors.matrix_rows(matrix)
    conflicts = selectors.sod_report(on)
    training = selectors.training_matrix(on=on)
    done, required = training.coverage()
    next_meeting = selectors.next_meeting_due(committee)
    overdue = overdue_items(on)
    return render(
        request,
        "governance/overview.html",
        {
            "today": on,
            "overdue": overdue[:OVERDUE_SHOWN],
            "overdue_more": max(0, len(overdue) - OVERDUE_SHOWN),
            "stage": selectors.current_stage_record(),
            "policy": selectors.policy_status(on),
            "documents": selectors.strategy_documents(),
            "committee": committee,
            "members": members,
            "composition": selectors.composition(members),
            "next_meeting": next_meeting,
            "next_meeting_overdue": bool(next_meeting and next_meeting < on),
            "actions": selectors.open_actions()[:20],
            "matrix": matrix,
            "matrix_draft": selectors.open_draft(ResponsibilityMatrix),
            "matrix_units": matrix_units,
            "matrix_rows": matrix_rows,
            "governance_unit": selectors.governance_unit(),
            "conflicts": conflicts,
            "unaccepted": [c for c in conflicts if not c.accepted],
            "pending_exceptions": selectors.pending_exceptions()[:10],
            "mechanisms": _mechanism_summary(),
            "coverage_done": done,
            "coverage_required": required,
            "coverage_percent": round(100 * done / required) if required else 100,
            "coverage_groups": selectors.coverage_by(training, "group"),
            "expiring": selectors.expiring_certificates(on),
            "gaps": selectors.training_gaps(on),
            "checklist": selectors.checklist_rows(),
            "crumbs": [(_("Daily execution and control"), None)],
        },
    )


def _mechanism_summary() -> list[dict[str, Any]]:
    out = []
    for key, spec in services.MECHANISMS.items():
        current = selectors._current(spec.model)
        out.append(
            {
                "kind": key,
                "label": spec.label,
                "current": current,
                "draft": selectors.open_draft(spec.model),
            }
        )
    return out


# === Strategy and policy ==================================================================


@require_GET
@require("governance.view")
def policy(request: HttpRequest) -> HttpResponse:
    from fincloud.governance.models import AdoptionStageRecord, PolicyReview

    status = selectors.policy_status()
    return render(
        request,
        "governance/policy.html",
        {
            "status": status,
            "stages": AdoptionStageRecord.objects.select_related("recorded_by")[:20],
            "documents": selectors.strategy_documents(),
            "versions": selectors.versions(CloudPolicy),
            "reviews": PolicyReview.objects.select_related("policy", "reviewed_by")[:20],
            "factors": manual.review_factors(),
            "crumbs": _crumbs((_("Strategy and policy"), None)),
        },
    )


def _policy_crumbs() -> tuple[str, str]:
    return (_("Strategy and policy"), reverse("governance:policy"))


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def stage_create(request: HttpRequest) -> HttpResponse:
    form = forms.StageForm(request.POST or None, initial={"decided_on": _today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.adoption_stage_record(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Adoption stage recorded."))
            return redirect("governance:policy")
    return _form_page(
        request, form, _("Record the cloud adoption stage"), _crumbs(_policy_crumbs())
    )


def get_document_for_user(request: HttpRequest, code: Any) -> StrategyDocument:
    doc: StrategyDocument = _get(StrategyDocument.objects.select_related("owner"), code=code)
    return doc


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def strategy_create(request: HttpRequest) -> HttpResponse:
    form = forms.StrategyDocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            doc = services.strategy_document_create(
                actor=request.user,
                kind=data["kind"],
                title=data["title"],
                summary=data["summary"],
                owner=data["owner"],
                next_review_on=data["next_review_on"],
                upload=data["file"],
                effective_date=data["effective_date"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Strategy document saved."))
            return redirect("governance:strategy_detail", code=doc.code)
    return _form_page(request, form, _("New strategy document"), _crumbs(_policy_crumbs()))


@require_GET
@require("governance.view")
def strategy_detail(request: HttpRequest, code: Any) -> HttpResponse:
    doc = get_document_for_user(request, code)
    return render(
        request,
        "governance/strategy_detail.html",
        {
            "doc": doc,
            "files": evidence_for(doc, latest_only=False),
            "upload_form": forms.UploadForm(),
            "crumbs": _crumbs(_policy_crumbs(), (doc.title, None)),
        },
    )


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def strategy_edit(request: HttpRequest, code: Any) -> HttpResponse:
    doc = get_document_for_user(request, code)
    initial = {
        "title": doc.title,
        "summary": doc.summary,
        "owner": doc.owner.code,
        "next_review_on": doc.next_review_on,
    }
    form = forms.StrategyDocumentForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.strategy_document_update(actor=request.user, document=doc, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Strategy document saved."))
            return redirect("governance:strategy_detail", code=doc.code)
    return _form_page(
        request,
        form,
        _("Edit strategy document"),
        _crumbs(
            _policy_crumbs(),
            (doc.title, reverse("governance:strategy_detail", kwargs={"code": doc.code})),
        ),
    )


@require_POST
@require("governance.edit")
def strategy_upload(request: HttpRequest, code: Any) -> HttpResponse:
    doc = get_document_for_user(request, code)
    form = forms.UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.strategy_document_upload(
                actor=request.user,
                document=doc,
                upload=form.cleaned_data["file"],
                effective_date=form.cleaned_data["effective_date"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("New version uploaded."))
    else:
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label}: {error}")
    return redirect("governance:strategy_detail", code=doc.code)


def get_policy_for_user(request: HttpRequest, code: Any) -> CloudPolicy:
    policy: CloudPolicy = _get(
        CloudPolicy.objects.select_related(
            "unit", "prepared_by", "submitted_by", "decided_by", "supersedes"
        ),
        code=code,
    )
    return policy


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def policy_create(request: HttpRequest) -> HttpResponse:
    form = forms.PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.policy_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Policy drafted. Attach its document, then submit it."))
            return redirect("governance:policy_detail", code=record.code)
    return _form_page(
        request, form, _("New cloud service management policy"), _crumbs(_policy_crumbs())
    )


@require_GET
@require("governance.view")
def policy_detail(request: HttpRequest, code: Any) -> HttpResponse:
    record = get_policy_for_user(request, code)
    status = selectors.policy_status()
    return render(
        request,
        "governance/policy_detail.html",
        {
            "policy": record,
            "status": status,
            "is_current": status.policy is not None and status.policy.pk == record.pk,
            "files": evidence_for(record, latest_only=False),
            "upload_form": forms.UploadForm(),
            "reviews": record.reviews.select_related("reviewed_by"),
            "factors": manual.review_factors(),
            **_panel(
                request,
                record,
                reverse("governance:policy_detail", kwargs={"code": record.code}),
            ),
            "crumbs": _crumbs(_policy_crumbs(), (str(record), None)),
        },
    )


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def policy_edit(request: HttpRequest, code: Any) -> HttpResponse:
    record = get_policy_for_user(request, code)
    initial = {
        "title": record.title,
        "summary": record.summary,
        "effective_date": record.effective_date,
    }
    form = forms.PolicyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_update(actor=request.user, policy=record, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Policy saved."))
            return redirect("governance:policy_detail", code=record.code)
    return _form_page(
        request,
        form,
        _("Edit policy"),
        _crumbs(
            _policy_crumbs(),
            (str(record), reverse("governance:policy_detail", kwargs={"code": record.code})),
        ),
    )


@require_POST
@require("governance.edit")
def policy_upload(request: HttpRequest, code: Any) -> HttpResponse:
    record = get_policy_for_user(request, code)
    form = forms.UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.policy_attach(
                actor=request.user,
                policy=record,
                upload=form.cleaned_data["file"],
                effective_date=form.cleaned_data["effective_date"],
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Policy document attached."))
    else:
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label}: {error}")
    return redirect("governance:policy_detail", code=record.code)


@require_POST
@require("governance.edit")
def policy_new_version(request: HttpRequest, code: Any) -> HttpResponse:
    record = get_policy_for_user(request, code)
    try:
        new = services.policy_new_version(actor=request.user, policy=record)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("governance:policy_detail", code=record.code)
    messages.success(request, _("New version drafted."))
    return redirect("governance:policy_detail", code=new.code)


@require_POST
@require("web.view")
def policy_transition(request: HttpRequest, code: Any, action: str) -> HttpResponse:
    record = get_policy_for_user(request, code)
    return _transition(
        request,
        record,
        action,
        submit=lambda actor, record: services.policy_submit(actor=actor, policy=record),
        success_url=reverse("governance:policy_detail", kwargs={"code": record.code}),
    )


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def policy_review(request: HttpRequest) -> HttpResponse:
    status = selectors.policy_status()
    if status.policy is None:
        messages.error(request, services.REVIEW_NEEDS_APPROVED)
        return redirect("governance:policy")
    form = forms.PolicyReviewForm(request.POST or None, initial={"reviewed_on": _today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        answers = {}
        for node in manual.review_factors():
            choice = data.get(services.factor_field(node.id))
            answers[node.id] = services.FactorAnswer(
                affected=None if not choice else choice == "yes",
                note=data.get(services.factor_field(node.id) + "_note") or "",
            )
        try:
            services.policy_review_record(
                actor=request.user,
                policy=status.policy,
                reviewed_on=data["reviewed_on"],
                answers=answers,
                update_needed=data["update_needed"] == "yes",
                update_due=data["update_due"],
                conclusion=data["conclusion"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Yearly review recorded."))
            return redirect("governance:policy")
    return render(
        request,
        "governance/policy_review.html",
        {
            "form": form,
            "policy": status.policy,
            "status": status,
            "crumbs": _crumbs(_policy_crumbs(), (_("Yearly review"), None)),
        },
    )


# === Committee and units ==================================================================


def _committee_crumbs() -> tuple[str, str]:
    return (_("Committee and units"), reverse("governance:committee"))


@require_GET
@require("governance.view")
def committee(request: HttpRequest) -> HttpResponse:
    committee_obj = selectors.committee()
    members = committee_obj.active_members if committee_obj else []  # type: ignore[attr-defined]
    next_meeting = selectors.next_meeting_due(committee_obj)
    return render(
        request,
        "governance/committee.html",
        {
            "committee": committee_obj,
            "members": members,
            "composition": selectors.composition(members),
            "role_labels": dict(CommitteeMember.Role.choices),
            "meetings": selectors.meetings(committee_obj)[:50] if committee_obj else [],
            "next_meeting": next_meeting,
            "today": _today(),
            "actions": selectors.open_actions(),
            "units": selectors.units_with_profiles(),
            "proposed_roles": selectors.PROPOSED_ROLE,
            "governance_a": manual.governance_a(),
            "crumbs": _crumbs((_("Committee and units"), None)),
        },
    )


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def committee_edit(request: HttpRequest) -> HttpResponse:
    current = selectors.committee()
    form = forms.CommitteeForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.committee_save(
                actor=request.user,
                committee=current,
                name=data["name"],
                mandate=data["mandate"],
                established_on=data["established_on"],
                meeting_interval_months=data["meeting_interval_months"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Committee saved."))
            return redirect("governance:committee")
    title = _("Edit the committee") if current else _("Set up the governance committee")
    return _form_page(request, form, title, _crumbs(_committee_crumbs()))


def _committee_or_404() -> Any:
    found = selectors.committee()
    if found is None:
        raise Http404
    return found


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def member_add(request: HttpRequest) -> HttpResponse:
    committee_obj = _committee_or_404()
    form = forms.MemberForm(request.POST or None, initial={"joined_on": _today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.committee_member_add(
                actor=request.user, committee=committee_obj, **form.cleaned_data
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Member added."))
            return redirect("governance:committee")
    return _form_page(request, form, _("Add a committee member"), _crumbs(_committee_crumbs()))


@require_POST
@require("governance.edit")
def member_end(request: HttpRequest, code: Any) -> HttpResponse:
    member = _get(CommitteeMember.objects.filter(left_on__isnull=True), code=code)
    form = forms.EndForm(request.POST)
    if form.is_valid():
        try:
            services.committee_member_end(
                actor=request.user, member=member, left_on=form.cleaned_data["on"]
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Membership ended."))
    else:
        messages.error(request, _("Date: required."))
    return redirect("governance:committee")


def get_meeting_for_user(request: HttpRequest, code: Any) -> Meeting:
    meeting: Meeting = _get(
        Meeting.objects.select_related("committee", "recorded_by").prefetch_related(
            "attendees", "decisions"
        ),
        code=code,
    )
    return meeting


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def meeting_create(request: HttpRequest) -> HttpResponse:
    committee_obj = _committee_or_404()
    form = forms.MeetingForm(request.POST or None, initial={"held_on": _today()})
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_save(
                actor=request.user, committee=committee_obj, **form.cleaned_data
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Meeting recorded."))
            return redirect("governance:meeting_detail", code=meeting.code)
    return _form_page(request, form, _("New committee meeting"), _crumbs(_committee_crumbs()))


@require_GET
@require("governance.view")
def meeting_detail(request: HttpRequest, code: Any) -> HttpResponse:
    meeting = get_meeting_for_user(request, code)
    return render(
        request,
        "governance/meeting_detail.html",
        {
            "meeting": meeting,
            "held": meeting.is_held(_today()),
            "today": _today(),
            "decisions": meeting.decisions.all(),
            "actions": meeting.actions.select_related("owner", "decision"),
            "decision_form": forms.DecisionForm(),
            "action_form": forms.ActionForm(meeting=meeting),
            "files": evidence_for(meeting),
            "upload_form": forms.UploadForm(),
            "crumbs": _crumbs(_committee_crumbs(), (str(meeting), None)),
        },
    )


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def meeting_edit(request: HttpRequest, code: Any) -> HttpResponse:
    meeting = get_meeting_for_user(request, code)
    initial = {
        "title": meeting.title,
        "held_on": meeting.held_on,
        "agenda": meeting.agenda,
        "minutes": meeting.minutes,
        "attendees": [p.code for p in meeting.attendees.all()],
    }
    form = forms.MeetingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.meeting_save(
                actor=request.user,
                committee=meeting.committee,
                meeting=meeting,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Meeting saved."))
            return redirect("governance:meeting_detail", code=meeting.code)
    return _form_page(
        request,
        form,
        _("Edit meeting"),
        _crumbs(
            _committee_crumbs(),
            (str(meeting), reverse("governance:meeting_detail", kwargs={"code": meeting.code})),
        ),
    )


@require_POST
@require("governance.edit")
def meeting_upload(request: HttpRequest, code: Any) -> HttpResponse:
    from fincloud.evidence.services import evidence_attach

    meeting = get_meeting_for_user(request, code)
    form = forms.UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            evidence_attach(
                actor=request.user,
                owner=meeting,
                upload=form.cleaned_data["file"],
                title=str(meeting),
                kind="minutes",
                effective_date=meeting.held_on,
                catalog_ids=["ch1.4.governance.a"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("File attached."))
    else:
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label}: {error}")
    return redirect("governance:meeting_detail", code=meeting.code)


def _meeting_form_page(
    request: HttpRequest, meeting: Meeting, form: Any, title: str
) -> HttpResponse:
    return _form_page(
        request,
        form,
        title,
        _crumbs(
            _committee_crumbs(),
            (str(meeting), reverse("governance:meeting_detail", kwargs={"code": meeting.code})),
        ),
    )


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def decision_add(request: HttpRequest, code: Any) -> HttpResponse:
    meeting = get_meeting_for_user(request, code)
    form = forms.DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decision_add(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("governance:meeting_detail", code=meeting.code)
    return _meeting_form_page(request, meeting, form, _("Record a decision"))


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def action_add(request: HttpRequest, code: Any) -> HttpResponse:
    meeting = get_meeting_for_user(request, code)
    form = forms.ActionForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        decision = None
        if data["decision"]:
            decision = meeting.decisions.filter(code=data["decision"]).first()
        try:
            services.action_add(
                actor=request.user,
                meeting=meeting,
                title=data["title"],
                owner=data["owner"],
                due_on=data["due_on"],
                decision=decision,
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Follow-up action recorded."))
            return redirect("governance:meeting_detail", code=meeting.code)
    return _meeting_form_page(request, meeting, form, _("Add a follow-up action"))


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def action_close(request: HttpRequest, code: Any) -> HttpResponse:
    action = _get(ActionItem.objects.select_related("meeting", "owner"), code=code)
    form = forms.ActionCloseForm(request.POST or None, initial={"closed_on": _today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.action_close(
                actor=request.user,
                action=action,
                status=data["status"],
                closed_on=data["closed_on"],
                note=data["closing_note"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Action closed."))
            return redirect("governance:meeting_detail", code=action.meeting.code)
    return _meeting_form_page(request, action.meeting, form, _("Close: %s") % action.title)


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def unit_edit(request: HttpRequest, code: Any) -> HttpResponse:
    unit = _get(BusinessUnit.objects.select_related("governance_profile"), code=code)
    profile = getattr(unit, "governance_profile", None)
    initial = (
        {
            "cloud_role": profile.cloud_role,
            "mandate": profile.mandate,
            "contact": profile.contact.code if profile.contact else None,
        }
        if profile
        else {"cloud_role": selectors.PROPOSED_ROLE.get(unit.kind, "other")}
    )
    form = forms.UnitProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_profile_save(actor=request.user, unit=unit, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Unit's governance role saved."))
            return redirect("governance:committee")
    return _form_page(request, form, str(unit), _crumbs(_committee_crumbs()))


# === Responsibility matrix ================================================================


def _matrix_crumbs() -> tuple[str, str]:
    return (_("Responsibility matrix"), reverse("governance:matrix"))


def get_matrix_for_user(request: HttpRequest, code: Any) -> ResponsibilityMatrix:
    matrix: ResponsibilityMatrix = _get(
        ResponsibilityMatrix.objects.select_related(
            "unit", "prepared_by", "submitted_by", "decided_by"
        ),
        code=code,
    )
    return matrix


@require_GET
@require("governance.view")
def matrix(request: HttpRequest) -> HttpResponse:
    current = selectors.current_matrix()
    units, rows = selectors.matrix_rows(current)
    return render(
        request,
        "governance/matrix.html",
        {
            "matrix": current,
            "draft": selectors.open_draft(ResponsibilityMatrix),
            "matrix_units": units,
            "matrix_rows": rows,
            "versions": selectors.versions(ResponsibilityMatrix),
            "any_matrix": ResponsibilityMatrix.objects.exists(),
            "crumbs": _crumbs((_("Responsibility matrix"), None)),
        },
    )


def _matrix_form_page(
    request: HttpRequest, form: forms.MatrixForm, title: str, crumbs: Crumbs
) -> HttpResponse:
    return render(
        request,
        "governance/matrix_form.html",
        {"form": form, "title": title, "crumbs": [*crumbs, (title, None)]},
    )


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def matrix_create(request: HttpRequest) -> HttpResponse:
    form = forms.MatrixForm(request.POST or None, initial={"title": _("Cloud RACI matrix")})
    if request.method == "POST" and form.is_valid():
        try:
            record = services.matrix_create(
                actor=request.user,
                title=form.cleaned_data["title"],
                note=form.cleaned_data["note"],
                cells=form.cells(),
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Matrix drafted."))
            return redirect("governance:matrix_detail", code=record.code)
    return _matrix_form_page(
        request, form, _("New responsibility matrix"), _crumbs(_matrix_crumbs())
    )


@require_GET
@require("governance.view")
def matrix_detail(request: HttpRequest, code: Any) -> HttpResponse:
    record = get_matrix_for_user(request, code)
    units, rows = selectors.matrix_rows(record)
    return render(
        request,
        "governance/matrix_detail.html",
        {
            "matrix": record,
            "matrix_units": units,
            "matrix_rows": rows,
            "problems": services.matrix_problem_messages(record),
            **_panel(
                request, record, reverse("governance:matrix_detail", kwargs={"code": record.code})
            ),
            "crumbs": _crumbs(_matrix_crumbs(), (str(record), None)),
        },
    )


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def matrix_edit(request: HttpRequest, code: Any) -> HttpResponse:
    record = get_matrix_for_user(request, code)
    form = forms.MatrixForm(
        request.POST or None,
        cells=record.cells,
        initial={"title": record.title, "note": record.note},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.matrix_update(
                actor=request.user,
                matrix=record,
                title=form.cleaned_data["title"],
                note=form.cleaned_data["note"],
                cells=form.cells(),
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Matrix saved."))
            return redirect("governance:matrix_detail", code=record.code)
    return _matrix_form_page(
        request,
        form,
        _("Edit matrix"),
        _crumbs(
            _matrix_crumbs(),
            (str(record), reverse("governance:matrix_detail", kwargs={"code": record.code})),
        ),
    )


@require_POST
@require("governance.edit")
def matrix_new_version(request: HttpRequest, code: Any) -> HttpResponse:
    record = get_matrix_for_user(request, code)
    try:
        new = services.matrix_new_version(actor=request.user, matrix=record)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("governance:matrix_detail", code=record.code)
    messages.success(request, _("New version drafted."))
    return redirect("governance:matrix_detail", code=new.code)


@require_POST
@require("web.view")
def matrix_transition(request: HttpRequest, code: Any, action: str) -> HttpResponse:
    record = get_matrix_for_user(request, code)
    return _transition(
        request,
        record,
        action,
        submit=lambda actor, record: services.matrix_submit(actor=actor, matrix=record),
        success_url=reverse("governance:matrix_detail", kwargs={"code": record.code}),
    )


# === Segregation of duties ================================================================


def _sod_crumbs() -> tuple[str, str]:
    return (_("Segregation of duties"), reverse("governance:sod"))


@require_GET
@require("governance.view")
def sod_page(request: HttpRequest) -> HttpResponse:
    conflicts = selectors.sod_report()
    return render(
        request,
        "governance/sod.html",
        {
            "conflicts": conflicts,
            "unaccepted": [c for c in conflicts if not c.accepted],
            "assignments": selectors.assignments(),
            "pending": selectors.pending_exceptions(),
            "rules": manual.sod_items(),
            "today": _today(),
            "crumbs": _crumbs((_("Segregation of duties"), None)),
        },
    )


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def assignment_create(request: HttpRequest) -> HttpResponse:
    form = forms.AssignmentForm(request.POST or None, initial={"starts_on": _today()})
    conflicts: list[str] = []
    exception_url = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.assignment_create(
                actor=request.user,
                person=data["person"],
                activity=data["activity"],
                duty_id=data["duty_id"],
                service=data["service"],
                starts_on=data["starts_on"],
            )
        except services.SodConflictError as exc:
            conflicts = exc.messages
            exception_url = (
                reverse("governance:sod_exception_create")
                + "?"
                + urlencode(
                    {
                        "person": data["person"].code,
                        "activity": data["activity"],
                        "duty_id": data["duty_id"],
                        "service": data["service"].code if data["service"] else "",
                        "starts_on": data["starts_on"].isoformat(),
                    }
                )
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Assignment made."))
            return redirect("governance:sod")
    title = _("Assign a person to an activity")
    return render(
        request,
        "governance/assignment_form.html",
        {
            "form": form,
            "title": title,
            "conflicts": conflicts,
            "exception_url": exception_url,
            "crumbs": _crumbs(_sod_crumbs(), (title, None)),
        },
    )


@require_POST
@require("governance.edit")
def assignment_end(request: HttpRequest, code: Any) -> HttpResponse:
    assignment = _get(DutyAssignment.objects.select_related("person"), code=code)
    form = forms.EndForm(request.POST)
    if form.is_valid():
        try:
            services.assignment_end(
                actor=request.user, assignment=assignment, ends_on=form.cleaned_data["on"]
            )
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Assignment ended."))
    else:
        messages.error(request, _("Date: required."))
    return redirect("governance:sod")


def get_exception_for_user(request: HttpRequest, code: Any) -> SodException:
    exception: SodException = _get(
        SodException.objects.select_related(
            "person", "person__unit", "unit", "prepared_by", "submitted_by", "decided_by"
        ),
        code=code,
    )
    return exception


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def sod_exception_create(request: HttpRequest) -> HttpResponse:
    keys = ("person", "activity", "service", "duty_id", "starts_on")
    initial = {k: request.GET.get(k) for k in keys}
    form = forms.ExceptionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            exception = services.sod_exception_request(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Exception drafted. Submit it for an approver to decide."))
            return redirect("governance:sod_exception_detail", code=exception.code)
    return _form_page(
        request,
        form,
        _("Request acceptance of a conflict"),
        _crumbs(_sod_crumbs()),
        lead=_(
            "An approver may accept a conflict of duties with a reason and a mitigating "
            "control; until then the assignment is blocked (Ch 1.4)."
        ),
    )


@require_GET
@require("governance.view")
def sod_exception_detail(request: HttpRequest, code: Any) -> HttpResponse:
    exception = get_exception_for_user(request, code)
    cat = manual.catalog()
    conflicts = [
        {
            "rule": cat.get(c["rule"]),
            "letter": labels.item_letter(c["rule"]),
            "activity": labels.activity_label(c["activity"]),
        }
        for c in exception.conflicts
    ]
    return render(
        request,
        "governance/sod_exception_detail.html",
        {
            "exception": exception,
            "activity": labels.activity_label(exception.activity),
            "conflicts": conflicts,
            "assignment": DutyAssignment.objects.filter(exception=exception).first(),
            **_panel(
                request,
                exception,
                reverse("governance:sod_exception_detail", kwargs={"code": exception.code}),
            ),
            "crumbs": _crumbs(_sod_crumbs(), (str(exception), None)),
        },
    )


@require_POST
@require("web.view")
def sod_exception_transition(request: HttpRequest, code: Any, action: str) -> HttpResponse:
    exception = get_exception_for_user(request, code)
    from fincloud.workflow.services import record_submit

    return _transition(
        request,
        exception,
        action,
        submit=lambda actor, record: record_submit(record=record, actor=actor),
        success_url=reverse("governance:sod_exception_detail", kwargs={"code": exception.code}),
    )


# === Mechanisms ===========================================================================


def _mechanism_crumbs() -> tuple[str, str]:
    return (_("Risk, monitoring and exit mechanisms"), reverse("governance:mechanisms"))


def _spec(kind: str) -> services.MechanismKind:
    spec = services.MECHANISMS.get(kind)
    if spec is None:
        raise Http404
    return spec


def get_mechanism_for_user(request: HttpRequest, kind: str, code: Any) -> Any:
    spec = _spec(kind)
    return _get(
        spec.model._default_manager.select_related(
            "unit", "prepared_by", "submitted_by", "decided_by"
        ),
        code=code,
    )


@require_GET
@require("governance.view")
def mechanisms(request: HttpRequest) -> HttpResponse:
    rows = []
    for row in _mechanism_summary():
        row["versions"] = selectors.versions(services.MECHANISMS[row["kind"]].model)[:10]
        rows.append(row)
    return render(
        request,
        "governance/mechanisms.html",
        {"rows": rows, "crumbs": _crumbs((_("Risk, monitoring and exit mechanisms"), None))},
    )


def _mechanism_form_page(
    request: HttpRequest, form: forms.MechanismForm, title: str, crumbs: Crumbs
) -> HttpResponse:
    return render(
        request,
        "governance/mechanism_form.html",
        {"form": form, "title": title, "crumbs": [*crumbs, (title, None)]},
    )


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def mechanism_create(request: HttpRequest, kind: str) -> HttpResponse:
    spec = _spec(kind)
    form = forms.MechanismForm(request.POST or None, kind=kind, initial={"review_months": 12})
    if request.method == "POST" and form.is_valid():
        try:
            record = services.mechanism_create(actor=request.user, kind=kind, **form.values())
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Drafted."))
            return redirect("governance:mechanism_detail", kind=kind, code=record.code)
    return _mechanism_form_page(request, form, str(spec.label), _crumbs(_mechanism_crumbs()))


@require_GET
@require("governance.view")
def mechanism_detail(request: HttpRequest, kind: str, code: Any) -> HttpResponse:
    record = get_mechanism_for_user(request, kind, code)
    spec = _spec(kind)
    items = [(n, record.answers.get(n.id, "")) for n in services.mechanism_items(kind)]
    risk_items = []
    if kind == "risk":
        risk_items = [(n, n.id in record.covered_items) for n in manual.risk_assessment_items()]
    return render(
        request,
        "governance/mechanism_detail.html",
        {
            "mechanism": record,
            "kind": kind,
            "label": spec.label,
            "items": items,
            "risk_items": risk_items,
            "deletion_labels": [
                dict(services.DELETION_METHOD_CHOICES).get(m, m)
                for m in getattr(record, "deletion_methods", [])
            ],
            "problems": services.mechanism_problem_messages(record),
            **_panel(
                request,
                record,
                reverse("governance:mechanism_detail", kwargs={"kind": kind, "code": record.code}),
            ),
            "crumbs": _crumbs(_mechanism_crumbs(), (str(record), None)),
        },
    )


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def mechanism_edit(request: HttpRequest, kind: str, code: Any) -> HttpResponse:
    record = get_mechanism_for_user(request, kind, code)
    form = forms.MechanismForm(
        request.POST or None, kind=kind, initial=forms.MechanismForm.initial_from(record)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.mechanism_update(actor=request.user, record=record, **form.values())
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("governance:mechanism_detail", kind=kind, code=record.code)
    return _mechanism_form_page(
        request,
        form,
        _("Edit"),
        _crumbs(
            _mechanism_crumbs(),
            (
                str(record),
                reverse("governance:mechanism_detail", kwargs={"kind": kind, "code": record.code}),
            ),
        ),
    )


@require_POST
@require("governance.edit")
def mechanism_new_version(request: HttpRequest, kind: str, code: Any) -> HttpResponse:
    record = get_mechanism_for_user(request, kind, code)
    try:
        new = services.mechanism_new_version(actor=request.user, record=record)
    except ValidationError as exc:
        flash_errors(request, exc)
        return redirect("governance:mechanism_detail", kind=kind, code=record.code)
    messages.success(request, _("New version drafted."))
    return redirect("governance:mechanism_detail", kind=kind, code=new.code)


@require_POST
@require("web.view")
def mechanism_transition(request: HttpRequest, kind: str, code: Any, action: str) -> HttpResponse:
    record = get_mechanism_for_user(request, kind, code)
    return _transition(
        request,
        record,
        action,
        submit=lambda actor, record: services.mechanism_submit(actor=actor, record=record),
        success_url=reverse(
            "governance:mechanism_detail", kwargs={"kind": kind, "code": record.code}
        ),
    )


# === Training =============================================================================


def _training_crumbs() -> tuple[str, str]:
    return (_("Training"), reverse("governance:training"))


@require_GET
@require("governance.view")
def training(request: HttpRequest) -> HttpResponse:
    from fincloud.governance.models import AdoptionStage

    unit = None
    unit_code = request.GET.get("unit", "")
    if unit_code:
        unit = BusinessUnit.objects.filter(code=unit_code).first() if _is_uuid(unit_code) else None
    group = request.GET.get("group", "")
    if group and manual.training_table().group(group) is None:
        group = ""
    stage = request.GET.get("stage", "")
    if stage not in AdoptionStage.values:
        stage = ""
    result = selectors.training_matrix(unit=unit, group=group, stage=stage or None)
    done, required = result.coverage()
    return render(
        request,
        "governance/training.html",
        {
            "matrix": result,
            "topic_labels": {t: labels.topic_label(t) for t in result.topics},
            "units": BusinessUnit.objects.order_by("short_name"),
            "groups": labels.group_choices(),
            "stages": AdoptionStage.choices,
            "stage_labels": dict(AdoptionStage.choices),
            "current_stage": selectors.current_stage(),
            "filters": {"unit": unit_code if unit else "", "group": group, "stage": stage},
            "done": done,
            "required": required,
            "percent": round(100 * done / required) if required else 100,
            "by_unit": selectors.coverage_by(result, "unit"),
            "by_group": selectors.coverage_by(result, "group"),
            "expiring": selectors.expiring_certificates(),
            "table": manual.training_table(),
            "catalog": manual.catalog(),
            "crumbs": _crumbs((_("Training"), None)),
        },
    )


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def get_person_for_user(request: HttpRequest, code: Any) -> User:
    person: User = _get(User.objects.select_related("unit"), code=code)
    return person


@require_GET
@require("governance.view")
def person_training(request: HttpRequest, code: Any) -> HttpResponse:
    from fincloud.governance import training_rules

    person = get_person_for_user(request, code)
    data = selectors.person_training(person)
    profile = data["profile"]
    form = forms.TrainingProfileForm(
        initial={
            "group": profile.group if profile else "",
            "board_member": profile.board_member if profile else False,
        }
    )
    audiences = training_rules.audiences(
        group=profile.group if profile else None,
        board_member=bool(profile and profile.board_member),
    )
    on = _today()
    attendance = [
        (a, training_rules.completion_state(a.valid_until, on).value if a.passed() else "")
        for a in data["attendance"]
    ]
    return render(
        request,
        "governance/person_training.html",
        {
            "person": person,
            "profile": profile,
            "group_label": labels.group_label(profile.group if profile else ""),
            "audiences": [manual.catalog().get(a) for a in audiences],
            "needs": [(n, labels.topic_label(n.topic)) for n in data["needs"]],
            "attendance": attendance,
            "hours_total": data["hours_total"],
            "hours_year": data["hours_year"],
            "form": form,
            "today": on,
            "crumbs": _crumbs(_training_crumbs(), (str(person), None)),
        },
    )


@require_POST
@require("governance.edit")
def person_profile(request: HttpRequest, code: Any) -> HttpResponse:
    person = get_person_for_user(request, code)
    form = forms.TrainingProfileForm(request.POST)
    if form.is_valid():
        try:
            services.training_profile_set(actor=request.user, person=person, **form.cleaned_data)
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Training group saved; training needs updated."))
    else:
        flash_errors(request, ValidationError(form.errors))
    return redirect("governance:person_training", code=person.code)


def _course_crumbs() -> tuple[str, str]:
    return (_("Courses"), reverse("governance:courses"))


@require_GET
@require("governance.view")
def courses(request: HttpRequest) -> HttpResponse:
    rows = [
        (c, selectors.course_effectiveness(c), [labels.topic_label(t) for t in c.topics])
        for c in Course.objects.order_by("-active", "title")
    ]
    return render(
        request,
        "governance/courses.html",
        {"rows": rows, "crumbs": _crumbs(_training_crumbs(), (_("Courses"), None))},
    )


def get_course_for_user(request: HttpRequest, code: Any) -> Course:
    course: Course = _get(Course.objects.all(), code=code)
    return course


def _course_values(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": data["title"],
        "kind": data["kind"],
        "provider": data["provider"],
        "delivery_mode": data["delivery_mode"],
        "hours": data["hours"],
        "topics": data["topics"],
        "validity_months": data["validity_months"],
        "pass_score": data["pass_score"],
        "active": data["active"],
    }


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def course_create(request: HttpRequest) -> HttpResponse:
    form = forms.CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_save(actor=request.user, **_course_values(form.cleaned_data))
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Course saved."))
            return redirect("governance:course_detail", code=course.code)
    return _form_page(request, form, _("New course"), _crumbs(_training_crumbs(), _course_crumbs()))


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def course_edit(request: HttpRequest, code: Any) -> HttpResponse:
    course = get_course_for_user(request, code)
    fields = ["title", "kind", "provider", "delivery_mode", "hours", "topics"]
    fields += ["validity_months", "pass_score", "active"]
    initial = {f: getattr(course, f) for f in fields}
    form = forms.CourseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.course_save(
                actor=request.user, course=course, **_course_values(form.cleaned_data)
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Course saved."))
            return redirect("governance:course_detail", code=course.code)
    return _form_page(
        request,
        form,
        _("Edit course"),
        _crumbs(
            _training_crumbs(),
            _course_crumbs(),
            (str(course), reverse("governance:course_detail", kwargs={"code": course.code})),
        ),
    )


@require_GET
@require("governance.view")
def course_detail(request: HttpRequest, code: Any) -> HttpResponse:
    course = get_course_for_user(request, code)
    return render(
        request,
        "governance/course_detail.html",
        {
            "course": course,
            "topics": [labels.topic_label(t) for t in course.topics],
            "sessions": course.sessions.order_by("-starts_on"),
            "effectiveness": selectors.course_effectiveness(course),
            "crumbs": _crumbs(_training_crumbs(), _course_crumbs(), (str(course), None)),
        },
    )


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def session_create(request: HttpRequest, code: Any) -> HttpResponse:
    course = get_course_for_user(request, code)
    form = forms.SessionForm(request.POST or None, initial={"starts_on": _today()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.session_create(
                actor=request.user,
                course=course,
                starts_on=data["starts_on"],
                delivery_mode=data["delivery_mode"],
                trainer=data["trainer"],
                hours=data["hours"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Session scheduled."))
            return redirect("governance:session_detail", code=session.code)
    return _form_page(
        request,
        form,
        _("New session"),
        _crumbs(
            _training_crumbs(),
            _course_crumbs(),
            (str(course), reverse("governance:course_detail", kwargs={"code": course.code})),
        ),
    )


def get_session_for_user(request: HttpRequest, code: Any) -> TrainingSession:
    session: TrainingSession = _get(TrainingSession.objects.select_related("course"), code=code)
    return session


@require_http_methods(["GET", "POST"])
@require("governance.view")
def session_detail(request: HttpRequest, code: Any) -> HttpResponse:
    session = get_session_for_user(request, code)
    user: Any = request.user
    form = forms.AttendanceForm(request.POST or None)
    if request.method == "POST":
        if not user.can("governance.edit"):
            raise PermissionDenied("governance.edit")
        if form.is_valid():
            try:
                services.attendance_record(actor=user, session=session, **form.cleaned_data)
            except ValidationError as exc:
                attach_errors(form, exc)
            else:
                messages.success(request, _("Attendance recorded."))
                return redirect("governance:session_detail", code=session.code)
    rows = Attendance.objects.filter(session=session).select_related(
        "person", "person__unit", "session__course"
    )
    return render(
        request,
        "governance/session_detail.html",
        {
            "session": session,
            "rows": rows,
            "form": form,
            "crumbs": _crumbs(
                _training_crumbs(),
                _course_crumbs(),
                (
                    str(session.course),
                    reverse("governance:course_detail", kwargs={"code": session.course.code}),
                ),
                (f"{session.starts_on:%Y-%m-%d}", None),
            ),
        },
    )


@require_GET
@require("governance.view")
def training_gaps(request: HttpRequest) -> HttpResponse:
    gaps = selectors.training_gaps()
    return render(
        request,
        "governance/gaps.html",
        {
            "gaps": [(g, labels.topic_label(g.topic) if g.topic else "") for g in gaps],
            "actions": GapAction.objects.select_related("owner", "person").order_by(
                "status", "due_on"
            ),
            "today": _today(),
            "crumbs": _crumbs(_training_crumbs(), (_("Gaps and actions"), None)),
        },
    )


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def gap_action_create(request: HttpRequest) -> HttpResponse:
    initial = {k: request.GET.get(k) for k in ("person", "topic")}
    form = forms.GapActionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.gap_action_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Action recorded."))
            return redirect("governance:training_gaps")
    return _form_page(
        request,
        form,
        _("Act on a training gap"),
        _crumbs(_training_crumbs(), (_("Gaps and actions"), reverse("governance:training_gaps"))),
    )


@require_POST
@require("governance.edit")
def gap_action_close(request: HttpRequest, code: Any) -> HttpResponse:
    action = _get(GapAction.objects.all(), code=code)
    try:
        services.gap_action_close(actor=request.user, action=action, done_on=_today())
    except ValidationError as exc:
        flash_errors(request, exc)
    else:
        messages.success(request, _("Action done."))
    return redirect("governance:training_gaps")


# === Annex 2 checklist ====================================================================


@require_http_methods(["GET", "POST"])
@require("governance.edit")
def checklist_answer(request: HttpRequest, item_id: str) -> HttpResponse:
    row = next(
        (
            r
            for r in selectors.checklist_rows()
            if r.node.id == item_id and r.node.kind == "checklist_item"
        ),
        None,
    )
    if row is None:
        raise Http404
    initial = {"answer": row.answer.answer, "note": row.answer.note} if row.answer else {}
    form = forms.ChecklistAnswerForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.checklist_answer(
                actor=request.user,
                item_id=item_id,
                answer=form.cleaned_data["answer"],
                note=form.cleaned_data["note"],
                upload=form.cleaned_data["file"],
                has_system_evidence=row.has_system_evidence,
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Checklist answer saved."))
            return redirect(reverse("governance:overview") + "#checklist")
    return render(
        request,
        "governance/checklist_answer.html",
        {
            "row": row,
            "form": form,
            "crumbs": _crumbs((labels.node_text(row.node), None)),
        },
    )
