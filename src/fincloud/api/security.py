"""Who may call an operation: a personal token or the browser's session, then the capability.

Every operation is declared through ``operation(...)``, which names the capability it needs
(the same capabilities as the web, ``fincloud.people.roles``) and puts it in the OpenAPI
document (``x-capability``, ``x-token-scope``), so tests/api can walk every operation.

- ``Authorization: Bearer fc_...``: a personal token (fincloud.api.services). A read token
  calls safe methods only (403 ``token_scope`` otherwise); a refused token is 401 with the rule.
- The session cookie (the browser, and /api/v1/docs): an unsafe method needs the CSRF token
  (header ``X-CSRFToken``), as every form of the web does.
- Neither: 401. A signed-in caller without the capability: 403 ``permission``.

The check runs before the request's parameters are read, so a caller who may not call an
operation learns nothing from its validation errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.pagination import paginate
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from fincloud.api.errors import ERROR_RESPONSES, ApiForbidden
from fincloud.api.pagination import KeysetPagination
from fincloud.api.services import token_authenticate
from fincloud.people.roles import CAPABILITIES

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
F = TypeVar("F", bound=Callable[..., Any])


def authorize(request: HttpRequest, user: Any, capability: str, token: Any = None) -> None:
    if token is not None and request.method not in SAFE_METHODS and not token.can_write:
        raise ApiForbidden(
            "token_scope",
            _("This token may only read (scope “read”); make a token with scope “write”."),
        )
    if not user.can(capability):
        raise ApiForbidden(
            "permission",
            _("You do not have the permission “%(capability)s”.") % {"capability": capability},
        )


class TokenAuth(HttpBearer):
    """A personal API token in ``Authorization: Bearer <token>``."""

    def __init__(self, capability: str) -> None:
        self.capability = capability
        super().__init__()

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = token_authenticate(token)  # TokenRefused -> 401 with the rule
        user = api_token.user
        request.user = user
        request.api_token = api_token  # type: ignore[attr-defined]
        authorize(request, user, self.capability, api_token)
        return user


class SessionAuth(APIKeyCookie):
    """The browser's Django session; unsafe methods carry the CSRF token."""

    param_name: str = settings.SESSION_COOKIE_NAME

    def __init__(self, capability: str) -> None:
        self.capability = capability
        # CSRF is checked below, only once we know a session is there: an anonymous call is
        # 401, not a CSRF failure.
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request) is not None:
            raise ApiForbidden(
                "csrf", _("The CSRF token is missing or wrong; send it in the X-CSRFToken header.")
            )
        authorize(request, user, self.capability)
        return user


def operation(
    router: Router,
    method: str,
    path: str,
    *,
    capability: str,
    response: Any,
    ordering: dict[str, tuple[str, ...]] | None = None,
    **kwargs: Any,
) -> Callable[[F], F]:
    """Declare an operation with the capability it needs (and, for lists, the keyset
    orderings it can be paged in; the first is the default)."""
    if capability not in CAPABILITIES:
        raise KeyError(f"unknown capability {capability!r}")
    method = method.upper()
    responses = dict(ERROR_RESPONSES)
    responses.update(response if isinstance(response, dict) else {200: response})

    extra = {
        "x-capability": capability,
        "x-token-scope": "read" if method in SAFE_METHODS else "write",
        **kwargs.pop("openapi_extra", {}),
    }

    def decorator(func: F) -> F:
        view: Any = func
        view.required_capability = capability
        if ordering is not None:
            view = paginate(KeysetPagination, orderings=ordering)(view)
        router.api_operation(
            [method],
            path,
            auth=[TokenAuth(capability), SessionAuth(capability)],
            response=responses,
            openapi_extra=extra,
            **kwargs,
        )(view)
        return func

    return decorator
