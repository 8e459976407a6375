"""The catalog's immutable data model: `Node`, `Note` and the `Catalog` that indexes them.

Plain Python (no Django): the CLI, the web app, the rules and the exporters all read the same
objects. A `Catalog` is built once by `fincloud.catalog.loader.load_catalog` and never changes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from fincloud.catalog.errors import UnknownNodeError
from fincloud.catalog.search import SearchHit, SearchIndex

Lang = Literal["zh", "en"]

# The node kinds of docs/catalog-format.md. Slips of the manual are never nodes: they go in
# the `errata` field of the node they concern.
KINDS: frozenset[str] = frozenset(
    {
        "chapter",
        "annex",
        "section",
        "purpose",
        "guidance",
        "paragraph",
        "item",
        "basic",
        "advanced",
        "table",
        "table_row",
        "table_cell",
        "contract_item",
        "cooperation_item",
        "model_clause",
        "audit_domain",
        "audit_check",
        "glossary_term",
        "stage",
        "domain",
        "checklist_item",
        "contract_row",
        "revision",
    }
)
ROOT_KINDS: frozenset[str] = frozenset({"chapter", "annex"})
SERVICE_MODELS: tuple[str, ...] = ("IaaS", "PaaS", "SaaS")
# Annex 2 groups the work in four stages; a node's lifecycle tag names one of them.
STAGES: tuple[str, ...] = ("daily", "before", "in_use", "after")

# Node files of an edition, in the manual's order. Annex 4 is a separate data set
# (`a4_example.yaml`), not nodes.
NODE_FILES: tuple[str, ...] = (
    "ch0",
    "ch1",
    "ch2",
    "ch3",
    "ch4",
    "ch5",
    "ch6",
    "ch7",
    "ch8",
    "ch9",
    "a1",
    "a2",
    "a3",
    "a5",
)
A4_FILE = "a4_example"

EMPTY_DATA: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Note:
    """A bilingual note: an erratum of the manual, or what a passage announces but lacks."""

    zh: str
    en: str

    def text(self, lang: Lang) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True, slots=True)
class Node:
    """One node of the manual: a chapter, section, paragraph, item, table row ..."""

    id: str
    parent: str | None
    kind: str
    level: int
    order: int
    text_zh: str
    text_en: str
    service_models: tuple[str, ...] = ()
    citations: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    fragments: tuple[str, ...] = ()
    missing: Note | None = None
    errata: tuple[Note, ...] = ()
    data: Mapping[str, Any] = field(default_factory=lambda: EMPTY_DATA)
    source: str = ""  # data file name, e.g. "ch1.yaml"
    line: int = 0  # line of the node in that file

    def __hash__(self) -> int:
        return hash(self.id)

    def text(self, lang: Lang) -> str:
        return self.text_zh if lang == "zh" else self.text_en

    @property
    def root(self) -> str:
        """The id of the chapter or annex the node belongs to (its data file's stem)."""
        return self.source.removesuffix(".yaml") if self.source else self.id.split(".", 1)[0]

    @property
    def stage(self) -> str | None:
        for tag in self.tags:
            if tag.startswith("stage:"):
                return tag.removeprefix("stage:")
        return None

    def to_dict(self) -> dict[str, Any]:
        """The node in the JSON interchange format (docs/catalog.md), keys in a fixed order."""
        return {
            "id": self.id,
            "parent": self.parent,
            "kind": self.kind,
            "level": self.level,
            "order": self.order,
            "text_zh": self.text_zh,
            "text_en": self.text_en,
            "service_models": list(self.service_models),
            "citations": list(self.citations),
            "tags": list(self.tags),
            "fragments": list(self.fragments),
            "missing": None
            if self.missing is None
            else {"zh": self.missing.zh, "en": self.missing.en},
            "errata": [{"zh": e.zh, "en": e.en} for e in self.errata],
            "data": thaw(self.data),
        }


def freeze(value: Any) -> Any:
    """Deep-freeze YAML/JSON data: mappings become read-only, lists become tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


def thaw(value: Any) -> Any:
    """The inverse of `freeze`, for JSON output."""
    if isinstance(value, Mapping):
        return {k: thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [thaw(v) for v in value]
    return value


class Catalog:
    """An immutable, indexed edition of the manual. Nodes are kept in document order."""

    __slots__ = (
        "_by_id",
        "_by_kind",
        "_children",
        "_index",
        "_position",
        "edition",
        "key",
        "nodes",
    )

    def __init__(self, edition: str, nodes: tuple[Node, ...], key: str = "") -> None:
        self.edition = edition
        self.nodes = nodes
        self.key = key  # content hash of the data files (and loader) it was built from
        by_id: dict[str, Node] = {}
        position: dict[str, int] = {}
        children: dict[str | None, list[Node]] = {}
        by_kind: dict[str, list[Node]] = {}
        for i, node in enumerate(nodes):
            by_id[node.id] = node
            position[node.id] = i
            children.setdefault(node.parent, []).append(node)
            by_kind.setdefault(node.kind, []).append(node)
        self._by_id: Mapping[str, Node] = MappingProxyType(by_id)
        self._position: Mapping[str, int] = MappingProxyType(position)
        self._children: Mapping[str | None, tuple[Node, ...]] = MappingProxyType(
            {k: tuple(v) for k, v in children.items()}
        )
        self._by_kind: Mapping[str, tuple[Node, ...]] = MappingProxyType(
            {k: tuple(v) for k, v in by_kind.items()}
        )
        self._index: SearchIndex | None = None

    def __setattr__(self, name: str, value: object) -> None:
        # Immutable after __init__: only the lazily built search index may be set later.
        if name != "_index" and hasattr(self, name):
            raise AttributeError(f"Catalog is immutable: cannot set {name!r}")
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return f"<Catalog edition={self.edition!r} nodes={len(self.nodes)}>"

    def __len__(self) -> int:
        return len(self.nodes)

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._by_id

    # Lookup -------------------------------------------------------------------------------
    def get(self, node_id: str) -> Node:
        """The node with this id; `UnknownNodeError` (a `KeyError`) if there is none."""
        try:
            return self._by_id[node_id]
        except KeyError:
            raise UnknownNodeError(node_id, self.edition) from None

    def find(self, node_id: str) -> Node | None:
        return self._by_id.get(node_id)

    def position(self, node_id: str) -> int:
        """Index of the node in document order."""
        self.get(node_id)
        return self._position[node_id]

    # Tree walk ----------------------------------------------------------------------------
    def roots(self) -> tuple[Node, ...]:
        """Chapters and annexes, in the manual's order."""
        return self._children.get(None, ())

    def children(self, node_id: str) -> tuple[Node, ...]:
        self.get(node_id)
        return self._children.get(node_id, ())

    def parent(self, node_id: str) -> Node | None:
        node = self.get(node_id)
        return None if node.parent is None else self._by_id[node.parent]

    def ancestors(self, node_id: str) -> tuple[Node, ...]:
        """From the root down to the parent (a breadcrumb); empty for a root."""
        chain: list[Node] = []
        node = self.get(node_id)
        while node.parent is not None:
            node = self._by_id[node.parent]
            chain.append(node)
        return tuple(reversed(chain))

    def root(self, node_id: str) -> Node:
        ancestors = self.ancestors(node_id)
        return ancestors[0] if ancestors else self.get(node_id)

    def descendants(self, node_id: str) -> tuple[Node, ...]:
        """All nodes under this one, in document order (parents come before children)."""
        start = self.position(node_id)
        level = self.nodes[start].level
        out: list[Node] = []
        # A subtree is contiguous in document order: the loader checks that each file is one
        # tree whose nodes follow their parents.
        for node in self.nodes[start + 1 :]:
            if node.level <= level:
                break
            out.append(node)
        return tuple(out)

    def subtree(self, node_id: str) -> tuple[Node, ...]:
        return (self.get(node_id), *self.descendants(node_id))

    def siblings(self, node_id: str) -> tuple[Node, ...]:
        node = self.get(node_id)
        return self._children.get(node.parent, ())

    def previous(self, node_id: str) -> Node | None:
        """The node before this one in document order (for 'previous' links)."""
        i = self.position(node_id)
        return self.nodes[i - 1] if i > 0 else None

    def next(self, node_id: str) -> Node | None:
        i = self.position(node_id)
        return self.nodes[i + 1] if i + 1 < len(self.nodes) else None

    # Selections ---------------------------------------------------------------------------
    def by_kind(self, kind: str) -> tuple[Node, ...]:
        return self._by_kind.get(kind, ())

    def kinds(self) -> dict[str, int]:
        """Node count per kind, in the order kinds first appear."""
        return {kind: len(nodes) for kind, nodes in self._by_kind.items()}

    def revisions_for(self, node_id: str) -> tuple[Node, ...]:
        """Annex 5 revision entries that list this node among the ones they changed."""
        self.get(node_id)
        return tuple(
            rev for rev in self.by_kind("revision") if node_id in rev.data.get("changes", ())
        )

    # Search -------------------------------------------------------------------------------
    def search(
        self, query: str, *, lang: Lang | None = None, limit: int | None = 50
    ) -> tuple[SearchHit, ...]:
        """Nodes whose zh or en text matches `query`; exact phrases first (see search.py)."""
        if self._index is None:
            self._index = SearchIndex(self.nodes)
        return self._index.search(query, lang=lang, limit=limit)
