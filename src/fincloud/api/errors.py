"""One error shape for every refusal of the API.

    {"status": 422, "rule": "validation", "message": "...",
     "errors": [{"field": "name", "rule": "required", "message": "Name: required."}]}

``rule`` says which rule refused the request (``not_authenticated``, ``token_expired``,
``permission``, ``token_scope``, ``not_found``, ``sod_preparer``, ``validation`` ...);
``errors`` lists each field-level refusal with the field (``null`` when it concerns the whole
request) and its own rule. A service's ``ValidationError`` becomes 422 with its fields and codes;
a missing capability 403; a record that does not exist or is not the caller's 404.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from fincloud.api.services import TokenRefused
from fincloud.workflow.services import WorkflowError

# Workflow refusals that are about who may act (segregation of duties, approver, unit): 403.
# The others (the record's state) are conflicts with the record as it is: 409.
SOD_RULES = frozenset(
    {"sod_preparer", "sod_submitter", "not_approver", "unit_scope", "not_preparer"}
)


SOURCES = frozenset({"body", "query", "path", "form", "file", "header", "cookie"})
ARGUMENTS = frozenset({"payload", "filters", "meta", "ninja_pagination"})


class ErrorItem(Schema):
    field: str | None
    rule: str
    message: str


class ErrorOut(Schema):
    status: int
    rule: str
    message: str
    errors: list[ErrorItem]


class ApiForbidden(Exception):
    """Refused before the operation runs: a missing capability or token scope (403)."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


class ApiNotAuthenticated(Exception):
    """No valid credentials (401)."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(message)
        self.rule = rule
        self.message = message


def error_body(
    status: int, rule: str, message: str, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {"status": status, "rule": rule, "message": message, "errors": errors or []}


def _respond(  # noqa: PLR0917 (a private helper; every call passes all six)
    api: NinjaAPI,
    request: HttpRequest,
    status: int,
    rule: str,
    message: str,
    errors: list[dict[str, Any]] | None = None,
) -> HttpResponse:
    response = api.create_response(
        request, error_body(status, rule, message, errors), status=status
    )
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="fincloud"'
    return response


def validation_items(exc: DjangoValidationError) -> list[dict[str, Any]]:
    """Each message of a Django ValidationError with its field and code (the rule)."""
    items: list[dict[str, Any]] = []
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                items.extend(
                    {"field": None if field == "__all__" else field, **item}
                    for item in _messages(error)
                )
    else:
        items.extend({"field": None, **item} for item in _messages(exc))
    return items


def _messages(exc: DjangoValidationError) -> list[dict[str, str]]:
    out = []
    for error in exc.error_list if hasattr(exc, "error_list") else [exc]:
        message = error.message
        if error.params:
            try:
                message = message % error.params
            except (TypeError, KeyError, ValueError):
                message = str(message)
        out.append({"rule": error.code or "invalid", "message": str(message)})
    return out


def _status_for(exc: DjangoValidationError, items: list[dict[str, Any]]) -> int:
    rules = {item["rule"] for item in items}
    if "permission" in rules:
        return 403
    if isinstance(exc, WorkflowError):
        return 403 if rules & SOD_RULES else 409
    return 422


def install(api: NinjaAPI) -> None:
    """Register the handlers that give every refusal the one error shape."""

    @api.exception_handler(ApiNotAuthenticated)
    def not_authenticated(request: HttpRequest, exc: ApiNotAuthenticated) -> HttpResponse:
        return _respond(api, request, 401, exc.rule, exc.message)

    @api.exception_handler(TokenRefused)
    def token_refused(request: HttpRequest, exc: TokenRefused) -> HttpResponse:
        return _respond(api, request, 401, exc.rule, str(exc.message))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return _respond(
            api,
            request,
            401,
            "not_authenticated",
            _("Sign in, or send a personal API token: Authorization: Bearer <token>."),
        )

    @api.exception_handler(ApiForbidden)
    def forbidden(request: HttpRequest, exc: ApiForbidden) -> HttpResponse:
        return _respond(api, request, 403, exc.rule, exc.message)

    @api.exception_handler(PermissionDenied)
    def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return _respond(api, request, 403, "permission", str(exc) or _("Not allowed."))

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return _respond(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        rule = "csrf" if "CSRF" in exc.message else "http"
        return _respond(api, request, exc.status_code, rule, exc.message)

    @api.exception_handler(NinjaValidationError)
    def request_invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        items = []
        for error in exc.errors:
            loc = [str(part) for part in error.get("loc", ())]
            # ("query", "limit") -> "limit"; ("body", "payload", "name") -> "name": the source
            # and the view's argument name are not what the client sent.
            if loc and loc[0] in SOURCES:
                loc.pop(0)
                if len(loc) > 1 and loc[0] in ARGUMENTS:
                    loc.pop(0)
            items.append(
                {
                    "field": ".".join(loc) or None,
                    "rule": str(error.get("type", "invalid")),
                    "message": str(error.get("msg", "")),
                }
            )
        return _respond(
            api, request, 422, "validation", _("The request is not valid; see errors."), items
        )

    @api.exception_handler(DjangoValidationError)
    def service_refused(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        items = validation_items(exc)
        status = _status_for(exc, items)
        rule = items[0]["rule"] if len(items) == 1 else "validation"
        message = items[0]["message"] if items else _("The request is not valid.")
        return _respond(api, request, status, rule, message, items)


# The statuses every operation may answer with the error shape (documented in OpenAPI so that
# a client, and schemathesis, know them).
ERROR_RESPONSES: dict[int, type[ErrorOut]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}
