"""The REST API at /api/v1/ (django-ninja): one router per area, one error shape, one way to
authenticate and authorise (fincloud.api.security). OpenAPI at /api/v1/openapi.json, the
interactive docs at /api/v1/docs (served from this server: the CSP allows no other origin).

Another app adds its router by naming its module in ``OPTIONAL_ROUTERS`` (e.g. the reports
app's ``fincloud.reports.api`` exposing ``router``); it is mounted when the module exists.
"""

from __future__ import annotations

import importlib
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from ninja import NinjaAPI
from ninja.openapi.docs import DocsBase

from fincloud.api import errors
from fincloud.api.routers import (
    assessments,
    audits,
    catalog,
    determinations,
    documents,
    me,
    oversight,
    register,
    resilience,
)

DESCRIPTION = """
fincloud's REST API: the register of cloud services, contracts and documents, pre-use
assessments, determinations, outages, audit findings, incidents and the practice manual's
catalog.

**Authentication.** A personal API token (made on the page *API tokens*; shown once):
`Authorization: Bearer fc_...`. A token with scope `read` calls GET only. In the browser the
session works too; a POST, PATCH or DELETE then carries the CSRF token (`X-CSRFToken`).

**Permissions.** Each operation needs the capability named in `x-capability`, the same as the
web page that does the same thing; segregation of duties is enforced by the same services
(nobody approves what they prepared or submitted).

**Errors.** Always `{"status", "rule", "message", "errors": [{"field", "rule", "message"}]}`:
401 no or refused credentials, 403 missing capability, token scope or segregation of duties,
404 not found (or not yours), 409 the record's state does not allow it, 422 invalid input.

**Lists.** Cursor pagination: `limit` (1-200) and `cursor` (from the previous page's `cursor`
or `next`); `sort` where the web list sorts.
"""


class LocalSwagger(DocsBase):
    """Swagger UI from django-ninja's own files, served by this server (no CDN)."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        import json

        settings = {
            "url": self.get_openapi_url(api, kwargs),
            "layout": "BaseLayout",
            "deepLinking": True,
        }
        return render(
            request,
            "api/swagger.html",
            {
                "api": api,
                "swagger_settings": json.dumps(settings),
                "css_url": reverse("api:docs_asset", kwargs={"name": "swagger-ui.css"}),
                "bundle_url": reverse("api:docs_asset", kwargs={"name": "swagger-ui-bundle.js"}),
                "init_url": reverse("api:docs_asset", kwargs={"name": "swagger-ui-init.js"}),
            },
        )


api = NinjaAPI(
    title="fincloud API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    docs=LocalSwagger(),
)
errors.install(api)

api.add_router("/", me.router)
api.add_router("/", register.router)
api.add_router("/", documents.router)
api.add_router("/", assessments.router)
api.add_router("/", determinations.router)
api.add_router("/", oversight.router)
api.add_router("/", audits.router)
api.add_router("/", resilience.router)
api.add_router("/", catalog.router)

OPTIONAL_ROUTERS = [("/reports", "fincloud.reports.api")]
for prefix, module_name in OPTIONAL_ROUTERS:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        continue
    api.add_router(prefix, module.router)
