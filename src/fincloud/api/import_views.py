"""Pages of the bulk import: one per kind (CSPs, services, outages), a dry run first, then the
import of the checked file (all or nothing), and the templates in zh-TW and en."""

from __future__ import annotations

import hashlib
import os
import re
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from fincloud.api import imports
from fincloud.api.forms import ImportForm
from fincloud.api.imports.reading import FileRefused, read_limited
from fincloud.api.imports.template_files import template_csv, template_xlsx
from fincloud.people.access import require

# A multipart body carries a little more than the file itself (boundaries, the CSRF field).
MULTIPART_OVERHEAD = 64 * 1024
STAGING_HOURS = 24
SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _lang() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh"


def _kind(kind: str) -> str:
    if kind not in imports.KINDS:
        raise Http404
    return kind


def _title(kind: str) -> str:
    return {
        "csps": _("Import cloud service providers"),
        "services": _("Import cloud services"),
        "outages": _("Import outages"),
    }[kind]


@require_GET
@require("register.import")
def import_index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "api/import_index.html",
        {
            "kinds": [(k, _title(k)) for k in imports.KINDS],
            "limit_mb": imports.max_bytes() // (1024 * 1024),
            "crumbs": [
                (_("Cloud services"), reverse("register:service_list")),
                (_("Bulk import"), None),
            ],
        },
    )


@require_GET
@require("register.import")
def import_template(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    kind = _kind(kind)
    lang = "en" if request.GET.get("lang") == "en" else "zh-TW"
    columns = imports.handler_for(kind).columns
    if fmt == "csv":
        body = template_csv(columns, lang)
        content_type = "text/csv; charset=utf-8"
    elif fmt == "xlsx":
        body = template_xlsx(kind, columns, lang)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        raise Http404
    response = HttpResponse(body, content_type=content_type)
    name = f"fincloud-import-{kind}-{lang}.{fmt}"
    response["Content-Disposition"] = f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
    return response


EXPORTABLE = ("csps", "services")


@require_GET
@require("register.import")
def import_current(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """The register as it stands, in this import's columns (edit and import it back)."""
    from django.utils import timezone

    from fincloud.api.imports.exporting import export

    if kind not in EXPORTABLE or fmt not in {"csv", "xlsx"}:
        raise Http404
    lang = "en" if request.GET.get("lang") == "en" else "zh-TW"
    body = export(kind, imports.handler_for(kind).columns, lang, fmt)
    content_type = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response = HttpResponse(body, content_type=content_type)
    name = f"fincloud-{kind}-{timezone.localdate():%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _staging_dir(request: HttpRequest) -> Path:
    return Path(settings.MEDIA_ROOT) / "import-staging" / str(request.user.pk)


def _stage(request: HttpRequest, sha256: str, data: bytes) -> None:
    folder = _staging_dir(request)
    folder.mkdir(parents=True, exist_ok=True)
    cutoff = time.time() - STAGING_HOURS * 3600
    for old in folder.iterdir():
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    path = folder / sha256
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _staged(request: HttpRequest, sha256: str) -> bytes | None:
    if not SHA256.match(sha256):
        return None
    path = _staging_dir(request) / sha256
    if not path.is_file():
        return None
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != sha256:
        return None
    return data


def _unstage(request: HttpRequest, sha256: str) -> None:
    if SHA256.match(sha256):
        (_staging_dir(request) / sha256).unlink(missing_ok=True)


def _import_page(
    request: HttpRequest,
    kind: str,
    form: ImportForm,
    report: Any = None,
    *,
    status: int = 200,
    refusal: str = "",
) -> HttpResponse:
    lang = _lang()
    context: dict[str, Any] = {
        "refusal": refusal,
        "kind": kind,
        "title": _title(kind),
        "form": form,
        "limit_mb": imports.max_bytes() // (1024 * 1024),
        "exportable": kind in EXPORTABLE,
        "columns": [
            {
                "header": c.header("en" if lang == "en" else "zh"),
                "key": c.key,
                "required": c.required,
                "help": c.help("en" if lang == "en" else "zh"),
            }
            for c in imports.handler_for(kind).columns
            if not c.read_only
        ],
        "crumbs": [
            (_("Cloud services"), reverse("register:service_list")),
            (_("Bulk import"), reverse("apiweb:import_index")),
            (_title(kind), None),
        ],
    }
    if report is not None:
        data = report.to_dict(lang)
        context["report"] = data
        context["shown_actions"] = [a for a in data["actions"] if a["action"] != "unchanged"][:500]
    return render(request, "api/import.html", context, status=status)


def _too_large(request: HttpRequest, kind: str, size: int) -> HttpResponse:
    refusal = _(
        "The upload is %(size)s MB; an import file may be at most %(limit)s MB. Split it."
    ) % {
        "size": f"{size / 1024 / 1024:.1f}",
        "limit": f"{imports.max_bytes() / 1024 / 1024:.0f}",
    }
    return _import_page(request, kind, ImportForm(), status=413, refusal=refusal)


@csrf_exempt  # the size is checked before the body is read; CSRF is checked right after
@require_http_methods(["GET", "POST"])
@require("register.import")
def import_kind(request: HttpRequest, kind: str) -> HttpResponse:
    kind = _kind(kind)
    if request.method == "POST":
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > imports.max_bytes() + MULTIPART_OVERHEAD:
            # Refused from the Content-Length alone: not one byte of the body is read.
            return _too_large(request, kind, length)
    return _import_kind(request, kind)


@csrf_protect
def _import_kind(request: HttpRequest, kind: str) -> HttpResponse:
    if request.method != "POST":
        return _import_page(request, kind, ImportForm())
    staged = request.POST.get("staged", "")
    if staged:
        return _import_staged(request, kind, staged, request.POST.get("file_name", ""))
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _import_page(request, kind, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        data = read_limited(upload, imports.max_bytes())
    except FileRefused as exc:
        form.add_error("file", exc.fault.message(_lang()))
        return _import_page(request, kind, form, status=400)
    name = Path(upload.name).name[:200]
    report = imports.import_file(
        kind=kind, data=data, file_name=name, actor=request.user, dry_run=True
    )
    if report.ok and report.rows:
        _stage(request, report.sha256, data)
    return _import_page(request, kind, form, report)


def _import_staged(request: HttpRequest, kind: str, sha256: str, name: str) -> HttpResponse:
    data = _staged(request, sha256)
    if data is None:
        messages.error(request, _("The checked file is no longer here; upload it again."))
        return redirect("apiweb:import_kind", kind=kind)
    report = imports.import_file(
        kind=kind, data=data, file_name=name[:200] or sha256, actor=request.user, dry_run=False
    )
    if report.applied:
        _unstage(request, sha256)
        messages.success(
            request,
            _(
                "Imported: %(created)s created, %(updated)s changed, %(unchanged)s unchanged "
                "(file SHA-256 %(sha)s…)."
            )
            % {
                "created": report.count("created"),
                "updated": report.count("updated"),
                "unchanged": report.count("unchanged"),
                "sha": sha256[:12],
            },
        )
    return _import_page(request, kind, ImportForm(), report)
