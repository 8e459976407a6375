"""The page of personal API tokens: make one (shown once), see one's tokens, revoke one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fincloud.api import services
from fincloud.api.forms import TokenForm
from fincloud.api.models import ApiToken
from fincloud.people.access import require
from fincloud.web.forms import attach_errors

# -- API tokens ------------------------------------------------------------------------------


def get_token_for_user(request: HttpRequest, code: Any) -> ApiToken:
    """One's own tokens only: another person's token is "not found"."""
    try:
        return ApiToken.objects.get(code=code, user=request.user)  # type: ignore[misc]
    except (ApiToken.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def _tokens_page(
    request: HttpRequest, form: TokenForm, new_secret: str = "", new_token: Any = None
) -> HttpResponse:
    response = render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": services.tokens_of(request.user),
            "new_secret": new_secret,
            "new_token": new_token,
            "docs_url": reverse("api:openapi-view"),
            "crumbs": [(_("API tokens"), None)],
        },
    )
    # The page that shows a new token is never stored by a browser or a proxy.
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@require("api.tokens")
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.token_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            # Shown once, on this response only; only its SHA-256 is kept.
            return _tokens_page(request, TokenForm(), made.secret, made.token)
    return _tokens_page(request, form)


@require_POST
@require("api.tokens")
def token_revoke(request: HttpRequest, code: Any) -> HttpResponse:
    token = get_token_for_user(request, code)
    try:
        services.token_revoke(actor=request.user, token=token)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("apiweb:tokens")
