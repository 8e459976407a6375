"""The practice manual's catalog (fincloud.catalog): nodes, a node with its children, search."""

from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from fincloud.api.security import operation
from fincloud.catalog import KINDS
from fincloud.catalog.model import thaw
from fincloud.manual import selectors

router = Router(tags=["catalog"])


class NoteOut(Schema):
    zh: str
    en: str


class NodeOut(Schema):
    """A node in the catalog's JSON interchange format (docs/catalog.md §2)."""

    id: str
    parent: str | None
    kind: str
    level: int
    order: int
    text_zh: str
    text_en: str
    service_models: list[str]
    citations: list[str]
    tags: list[str]
    fragments: list[str]
    missing: NoteOut | None
    errata: list[NoteOut]
    data: dict[str, Any]

    @staticmethod
    def resolve_data(obj: Any) -> dict[str, Any]:
        if isinstance(obj, dict):
            return dict(obj["data"])
        return dict(thaw(obj.data))


class NodeDetailOut(NodeOut):
    ancestors: list[str]
    children: list[str]


class NodeFilters(Schema):
    q: str = Field("", max_length=200, description="Search zh and en (exact phrases first)")
    parent: str = Field("", max_length=80, description="Only the children of this node")
    kind: Literal["", *sorted(KINDS)] = ""  # type: ignore[valid-type]
    stage: str = Field("", max_length=20, description="Annex 2 stage tag, e.g. before_use")


@operation(
    router,
    "GET",
    "/catalog/nodes",
    capability="manual.view",
    response=list[NodeOut],
    ordering={"position": ()},
    summary="Nodes of the practice manual, in the manual's order (or by search rank)",
)
def node_list(request: HttpRequest, filters: Query[NodeFilters]) -> Any:
    cat = selectors.catalog()
    if filters.q.strip():
        nodes = [hit.node for hit in cat.search(filters.q.strip(), limit=None)]
    elif filters.parent:
        if cat.find(filters.parent) is None:
            return []
        nodes = list(cat.children(filters.parent))
    else:
        nodes = list(cat.nodes)
    if filters.kind:
        nodes = [n for n in nodes if n.kind == filters.kind]
    if filters.stage:
        nodes = [n for n in nodes if n.stage == filters.stage]
    return nodes


@operation(
    router, "GET", "/catalog/nodes/{node_id}", capability="manual.view", response=NodeDetailOut
)
def node_get(request: HttpRequest, node_id: str) -> Any:
    cat = selectors.catalog()
    node = cat.find(node_id)
    if node is None:
        raise Http404
    return {
        **node.to_dict(),
        "ancestors": [a.id for a in cat.ancestors(node_id)],
        "children": [c.id for c in cat.children(node_id)],
    }
