"""The audit-trail page for auditors and examiners, and its CSV export."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fincloud.auditlog.forms import EventFilterForm
from fincloud.auditlog.models import Action
from fincloud.auditlog.selectors import search_events
from fincloud.auditlog.services import record_event
from fincloud.people.access import require
from fincloud.web.spreadsheet import safe_cell

TAIPEI = ZoneInfo("Asia/Taipei")
PAGE_SIZE = 50


@require_GET
@require("auditlog.view")
def event_list(request: HttpRequest) -> HttpResponse:
    form = EventFilterForm(request.GET or None)
    events = search_events(form.to_filter())
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    template = "auditlog/_rows.html" if request.htmx else "auditlog/event_list.html"  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "query": request.GET.urlencode(),
            "crumbs": [(_("Audit trail"), None)],
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@require_GET
@require("auditlog.export")
def event_export(request: HttpRequest) -> StreamingHttpResponse:
    form = EventFilterForm(request.GET or None)
    event_filter = form.to_filter()
    events = search_events(event_filter)
    count = events.count()
    record_event(
        actor=request.user,
        action=Action.EXPORT,
        object_type="auditlog.auditevent",
        object_repr=_("audit trail CSV"),
        changes={
            "filter": [None, {k: str(v) for k, v in vars(event_filter).items() if v}],
            "rows": [None, count],
        },
    )
    writer = csv.writer(_Echo())
    header = [
        _("Sequence"),
        _("Time (Asia/Taipei)"),
        _("Time (UTC)"),
        _("Actor"),
        _("Action"),
        _("Object type"),
        _("Object id"),
        _("Object"),
        _("Changes"),
        _("Request id"),
        _("Source address"),
        _("Hash"),
    ]

    def rows() -> Iterator[str]:
        yield "\ufeff"  # Excel in Taiwan opens UTF-8 correctly only with a BOM
        yield writer.writerow(header)
        for e in events.iterator(chunk_size=2000):
            yield writer.writerow(
                [
                    safe_cell(v)
                    for v in (
                        e.seq,
                        timezone.localtime(e.created_at, TAIPEI).strftime("%Y-%m-%d %H:%M:%S"),
                        e.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        e.actor_label,
                        e.get_action_display(),
                        e.object_type,
                        e.object_id,
                        e.object_repr,
                        e.changes,
                        e.request_id,
                        e.source_ip or "",
                        e.hash,
                    )
                ]
            )

    stamp = timezone.localtime(timezone.now(), TAIPEI).strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-trail-{stamp}.csv"'
    return response
