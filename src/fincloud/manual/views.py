"""The practice manual in the browser: tree, node pages with both languages, search, Annex 4."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from fincloud.manual import selectors, usage
from fincloud.people.access import require

SEARCH_LIMIT = 50


@require_GET
@require("manual.view")
def index(request: HttpRequest) -> HttpResponse:
    cat = selectors.catalog()
    return render(
        request,
        "manual/index.html",
        {
            "tree": selectors.tree(),
            "edition": cat.edition,
            "total": len(cat.nodes),
            "crumbs": [(_("Practice manual"), None)],
        },
    )


@require_GET
@require("manual.view")
def node(request: HttpRequest, node_id: str) -> HttpResponse:
    cat = selectors.catalog()
    item = cat.find(node_id)
    if item is None:
        raise Http404
    ancestors = list(cat.ancestors(node_id))
    crumbs: list[tuple[str, str | None]] = [(_("Practice manual"), "/manual/")]
    crumbs += [(a.id, f"/manual/node/{a.id}") for a in ancestors]
    crumbs.append((item.id, None))
    return render(
        request,
        "manual/node.html",
        {
            "item": item,
            "ancestors": ancestors,
            "children": list(cat.children(node_id)),
            "previous": cat.previous(node_id),
            "next": cat.next(node_id),
            "revisions": list(cat.revisions_for(node_id)),
            "usages": usage.usages(node_id),
            "data_items": sorted((str(k), v) for k, v in dict(item.data).items()),
            "crumbs": crumbs,
        },
    )


@require_GET
@require("manual.view")
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:200]
    hits: list[Any] = selectors.catalog().search(query, limit=SEARCH_LIMIT) if query else []
    context = {
        "query": query,
        "hits": hits,
        "crumbs": [(_("Practice manual"), "/manual/"), (_("Search"), None)],
    }
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "manual/_hits.html", context)
    return render(request, "manual/search.html", context)


@require_GET
@require("manual.view")
def annex4(request: HttpRequest) -> HttpResponse:
    example = selectors.annex4()
    cat = selectors.catalog()
    rows = [{"row": r, "node": cat.find(r.row)} for r in example.rows]
    return render(
        request,
        "manual/annex4.html",
        {
            "example": example,
            "rows": rows,
            "crumbs": [(_("Practice manual"), "/manual/"), (_("Annex 4 example"), None)],
        },
    )
