"""`/api/v1/`: the django-ninja API, plus the files of its interactive docs."""

from __future__ import annotations

from pathlib import Path

import ninja
from django.http import FileResponse, Http404, HttpRequest
from django.urls import path
from django.views.decorators.http import require_GET

from fincloud.api.api import api

# Swagger UI's files, from the installed django-ninja (never a CDN: the CSP allows self only).
ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui-init.js": "text/javascript",
}
ASSET_DIR = Path(ninja.__file__).resolve().parent / "static" / "ninja"


@require_GET
def docs_asset(request: HttpRequest, name: str) -> FileResponse:
    if name not in ASSETS:
        raise Http404
    response = FileResponse((ASSET_DIR / name).open("rb"), content_type=ASSETS[name])
    response["Cache-Control"] = "public, max-age=86400"
    return response


docs_asset.required_capability = None  # type: ignore[attr-defined]  # public, like the docs

# The API's own patterns, plus the docs' files, under its namespace "api". (No module-level
# ``app_name`` here: include() would take it as this module's namespace.)
_patterns, _app, _namespace = api.urls
urlpatterns = [
    path(
        "",
        (
            [*_patterns, path("docs/assets/<str:name>", docs_asset, name="docs_asset")],
            _app,
            _namespace,
        ),
    )
]
