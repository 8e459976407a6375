"""Sign-in and sign-out, people, units and role grants."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fincloud.people import services
from fincloud.people.access import public, require
from fincloud.people.forms import RoleGrantForm, SignInForm, UnitForm, UserCreateForm
from fincloud.people.models import BusinessUnit, RoleGrant, User
from fincloud.web.forms import attach_errors
from fincloud.workflow import views as workflow_views
from fincloud.workflow.services import WorkflowError, check_can_decide


@method_decorator(public, name="dispatch")
class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@method_decorator(public, name="dispatch")
class SignOutView(auth_views.LogoutView):
    pass


def _crumbs(*items: tuple[str, str | None]) -> list[tuple[str, str | None]]:
    return list(items)


@require_http_methods(["GET"])
@require("people.view")
def user_list(request: HttpRequest) -> HttpResponse:
    users = (
        User.objects.select_related("unit")
        .prefetch_related("groups", "approves_for")
        .order_by("username")
    )
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "people/user_list.html",
        {
            "page": page,
            "crumbs": _crumbs((_("People"), None)),
        },
    )


@require_http_methods(["GET", "POST"])
@require("people.manage_users")
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_create(
                actor=request.user,  # type: ignore[arg-type]
                username=data["username"],
                password=data["password"],
                display_name=data["display_name"],
                email=data["email"],
                unit=data["unit"],
                language=data["language"],
                approves_for=list(data["approves_for"]),
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Person created. Roles are given through role grants."))
            return redirect("people:user_list")
    return render(
        request,
        "people/form.html",
        {
            "form": form,
            "title": _("New person"),
            "crumbs": _crumbs((_("People"), reverse("people:user_list")), (_("New person"), None)),
        },
    )


@require_http_methods(["GET"])
@require("people.view")
def unit_list(request: HttpRequest) -> HttpResponse:
    units = BusinessUnit.objects.order_by("short_name")
    return render(
        request,
        "people/unit_list.html",
        {
            "units": units,
            "crumbs": _crumbs((_("Business units"), None)),
        },
    )


@require_http_methods(["GET", "POST"])
@require("people.manage_users")
def unit_create(request: HttpRequest) -> HttpResponse:
    form = UnitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_create(actor=request.user, **form.cleaned_data)  # type: ignore[arg-type]
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Business unit created."))
            return redirect("people:unit_list")
    return render(
        request,
        "people/form.html",
        {
            "form": form,
            "title": _("New business unit"),
            "crumbs": _crumbs(
                (_("Business units"), reverse("people:unit_list")), (_("New business unit"), None)
            ),
        },
    )


@require_http_methods(["GET"])
@require("people.view")
def grant_list(request: HttpRequest) -> HttpResponse:
    grants = RoleGrant.objects.select_related(
        "grantee", "unit", "prepared_by", "decided_by", "implemented_by"
    ).order_by("-prepared_at")
    state = request.GET.get("state", "")
    if state:
        grants = grants.filter(state=state)
    page = Paginator(grants, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "people/grant_list.html",
        {
            "page": page,
            "state": state,
            "crumbs": _crumbs((_("Role grants"), None)),
        },
    )


@require_http_methods(["GET", "POST"])
@require("people.request_role")
def grant_create(request: HttpRequest) -> HttpResponse:
    form = RoleGrantForm(request.POST or None, actor=request.user)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grant = services.role_grant_request(
                actor=request.user,  # type: ignore[arg-type]
                grantee=data["grantee"],
                role=data["role"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Role grant drafted. Submit it for approval."))
            return redirect("people:grant_detail", code=grant.code)
    return render(
        request,
        "people/form.html",
        {
            "form": form,
            "title": _("Request a role"),
            "crumbs": _crumbs(
                (_("Role grants"), reverse("people:grant_list")), (_("Request a role"), None)
            ),
        },
    )


def get_grant_for_user(request: HttpRequest, code: Any) -> RoleGrant:
    try:
        return RoleGrant.objects.select_related(
            "grantee", "unit", "prepared_by", "submitted_by", "decided_by", "implemented_by"
        ).get(code=code)
    except (RoleGrant.DoesNotExist, ValidationError):
        raise Http404 from None


@require_http_methods(["GET"])
@require("people.view")
def grant_detail(request: HttpRequest, code: Any) -> HttpResponse:
    grant = get_grant_for_user(request, code)
    user: Any = request.user
    can_approve = user.can("workflow.approve")
    return render(
        request,
        "people/grant_detail.html",
        {
            "grant": grant,
            "record": grant,
            "can_approve": can_approve,
            "decide_refusal": check_can_decide(grant, user) if can_approve else None,
            "transition_url": reverse("people:grant_detail", kwargs={"code": grant.code}),
            "can_implement": user.can("people.implement_role"),
            "crumbs": _crumbs((_("Role grants"), reverse("people:grant_list")), (str(grant), None)),
        },
    )


@require_POST
@require("web.view")
def grant_transition(request: HttpRequest, code: Any, action: str) -> HttpResponse:
    grant = get_grant_for_user(request, code)
    user: Any = request.user
    if action in {"submit", "reopen"} and not user.can("people.request_role"):
        raise PermissionDenied("people.request_role")
    if action not in workflow_views.ACTIONS:
        raise Http404
    return workflow_views.transition(
        request,
        grant,
        action,
        success_url=reverse("people:grant_detail", kwargs={"code": grant.code}),
    )


@require_POST
@require("people.implement_role")
def grant_implement(request: HttpRequest, code: Any) -> HttpResponse:
    grant = get_grant_for_user(request, code)
    try:
        services.role_grant_implement(actor=request.user, grant=grant)  # type: ignore[arg-type]
    except WorkflowError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Role granted."))
    return redirect("people:grant_detail", code=grant.code)
