"""Permission checks for views: every view names the capability it needs.

Anonymous -> redirect to sign-in; signed in without the capability -> 403 (and an audit event).
Object lookups go through one helper per object so that "not found" and "not allowed" look the
same (404), and a read-only user trying to write gets 403 (STYLE.md §6).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from fincloud.people.roles import CAPABILITIES

F = TypeVar("F", bound=Callable[..., HttpResponseBase])


def require(capability: str) -> Callable[[F], F]:
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}")

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.can(capability):  # type: ignore[union-attr]
                raise PermissionDenied(capability)
            return view(request, *args, **kwargs)

        wrapped.required_capability = capability  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def public(view: F) -> F:
    """Mark a view that needs no sign-in (sign-in page, health check, language switch)."""
    view.required_capability = None  # type: ignore[attr-defined]
    return view
