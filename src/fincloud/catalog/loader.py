"""Loading an edition of the catalog from its YAML files, with validation and a compiled cache.

Cold path: every node file of the edition is composed with libyaml, each node is validated
(required fields, known kinds, unique ids, parents that exist and come first, service models,
tags, fragments ...) and a malformed file fails with its name, line and field. The result is
written as a compact JSON cache keyed by the SHA-256 of the data files and of this code, so the
warm path is: hash the files, read the cache, build the frozen nodes. A changed file changes the
key, so a stale cache is never served; an unwritable cache directory means no cache, not an error.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from fincloud.catalog import _yaml
from fincloud.catalog import model as _model
from fincloud.catalog._yaml import YamlDoc
from fincloud.catalog.errors import CatalogFormatError, UnknownEditionError
from fincloud.catalog.model import (
    A4_FILE,
    EMPTY_DATA,
    KINDS,
    NODE_FILES,
    ROOT_KINDS,
    SERVICE_MODELS,
    STAGES,
    Catalog,
    Node,
    Note,
    freeze,
    thaw,
)

DEFAULT_EDITION = "2025"
DATA_ROOT = Path(__file__).resolve().parent / "data"
# Bump when the cache layout changes; the code's own hash is part of the key as well.
CACHE_FORMAT = 1

REQUIRED_FIELDS = ("id", "parent", "kind", "text_zh", "text_en")
OPTIONAL_FIELDS = (
    "service_models",
    "citations",
    "tags",
    "fragments",
    "missing",
    "errata",
    "data",
)
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*(\.[A-Za-z0-9_\-]+)*$")
TAG_RE = re.compile(r"^[a-z][a-z0-9_\-]*(:[a-z0-9_\-]+)?$")

# The catalog last loaded from each folder, with its key: a long-running process (the web app)
# keeps one catalog per folder, and a changed file replaces it.
_memo: dict[Path, Catalog] = {}


# Editions ---------------------------------------------------------------------------------
def available_editions(data_root: Path | None = None) -> tuple[str, ...]:
    root = data_root or DATA_ROOT
    if not root.is_dir():
        return ()
    return tuple(sorted(p.name for p in root.iterdir() if p.is_dir() and any(p.glob("*.yaml"))))


def edition_dir(edition: str, data_root: Path | None = None) -> Path:
    root = data_root or DATA_ROOT
    path = root / edition
    if not edition or "/" in edition or edition.startswith(".") or not path.is_dir():
        raise UnknownEditionError(edition, available_editions(data_root))
    return path


def node_files(directory: Path) -> tuple[Path, ...]:
    """The node files present in an edition folder, in the manual's order. A YAML file the
    catalog does not know is refused rather than silently ignored."""
    present = {p.stem: p for p in directory.glob("*.yaml")}
    known = {*NODE_FILES, A4_FILE}
    for stem in sorted(present):
        if stem not in known:
            raise CatalogFormatError(
                present[stem].name,
                0,
                None,
                f"unknown data file (node files are {', '.join(NODE_FILES)}; plus {A4_FILE}.yaml)",
            )
    return tuple(present[stem] for stem in NODE_FILES if stem in present)


# Public entry point ------------------------------------------------------------------------
def load_catalog(
    edition: str = DEFAULT_EDITION,
    *,
    data_root: Path | None = None,
    directory: Path | None = None,
    use_cache: bool = True,
) -> Catalog:
    """Load an edition (`data_root/edition/*.yaml`), or the node files of `directory`.

    Raises `UnknownEditionError` for an unknown edition and `CatalogFormatError` (file, line,
    field) for a malformed file.
    """
    if directory is None:
        directory = edition_dir(edition, data_root)
    elif not directory.is_dir():
        raise UnknownEditionError(str(directory), available_editions(data_root))
    else:
        edition = directory.name
    files = node_files(directory)
    blobs = [(path.name, path.read_bytes()) for path in files]
    key = _key(edition, blobs)
    folder = directory.resolve()
    cached = _memo.get(folder)
    if cached is not None and cached.key == key:
        return cached
    catalog = None
    cache_path = _cache_path(directory, edition) if use_cache else None
    if cache_path is not None:
        catalog = _read_cache(cache_path, key, edition)
    if catalog is None:
        catalog = Catalog(edition, parse_nodes(blobs), key)
        if cache_path is not None:
            _write_cache(cache_path, catalog)
    _memo[folder] = catalog
    return catalog


def _key(edition: str, blobs: list[tuple[str, bytes]]) -> str:
    digest = hashlib.sha256()
    digest.update(f"fincloud-catalog/{CACHE_FORMAT}/{edition}\0".encode())
    # The loader's and the model's own code: a change in validation or derivation must not
    # be hidden by a cache written by older code.
    for module in (__file__, _model_file(), _yaml_file()):
        digest.update(Path(module).read_bytes())
    for name, blob in blobs:
        digest.update(name.encode() + b"\0" + str(len(blob)).encode() + b"\0")
        digest.update(blob)
    return digest.hexdigest()


def _model_file() -> str:
    return _model.__file__ or ""


def _yaml_file() -> str:
    return _yaml.__file__ or ""


# Parsing and validation --------------------------------------------------------------------
def parse_nodes(blobs: list[tuple[str, bytes]]) -> tuple[Node, ...]:
    """Parse and validate the node files (already in the manual's order)."""
    seen: dict[str, tuple[str, int]] = {}  # id -> (file, line)
    raw: list[dict[str, Any]] = []
    for name, blob in blobs:
        raw.extend(_parse_file(name, blob, seen))
    return _derive(raw)


def _parse_file(name: str, blob: bytes, seen: dict[str, tuple[str, int]]) -> list[dict[str, Any]]:
    stem = name.removesuffix(".yaml")
    try:
        text = blob.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogFormatError(name, 0, None, f"not UTF-8 ({exc.reason})") from None
    doc = YamlDoc(name, text)
    try:
        if doc.root is None:
            raise doc.error(None, "nodes", "the file is empty; expected a mapping with 'nodes'")
        top = doc.mapping(doc.root, "the file")
        for key, (key_node, _) in top.items():
            if key != "nodes":
                raise doc.error(key_node, key, "unknown top-level key (expected only 'nodes')")
        if "nodes" not in top:
            raise doc.error(doc.root, "nodes", "missing")
        nodes_node = top["nodes"][1]
        out: list[dict[str, Any]] = []
        file_ids: set[str] = set()
        for i, item in enumerate(doc.sequence(nodes_node, "nodes")):
            node, fields = _parse_node(doc, stem, item)
            nid = node["id"]
            if nid in seen:
                first_file, first_line = seen[nid]
                raise doc.error(
                    fields["id"][1],
                    "id",
                    f"duplicate id {nid!r} (first at {first_file}:{first_line})",
                )
            _check_place(doc, node, fields, index=i, nodes_node=nodes_node, file_ids=file_ids)
            seen[nid] = (name, node["line"])
            file_ids.add(nid)
            out.append(node)
        if not out:
            raise doc.error(nodes_node, "nodes", "no nodes")
        return out
    finally:
        doc.close()


def _check_place(
    doc: YamlDoc,
    node: dict[str, Any],
    fields: dict[str, tuple[yaml.Node, yaml.Node]],
    *,
    index: int,
    nodes_node: yaml.Node,
    file_ids: set[str],
) -> None:
    """A file is one tree: its first node is the root, every other node's parent is a node of
    the same file that comes before it."""
    stem = doc.name.removesuffix(".yaml")
    parent = node["parent"]
    parent_node = fields["parent"][1]
    if index == 0:
        if parent is not None or node["kind"] not in ROOT_KINDS or node["id"] != stem:
            raise doc.error(
                fields["id"][1],
                "id",
                f"the first node of {doc.name} must be its root: id {stem!r}, parent null, "
                "kind chapter or annex",
            )
    elif parent is None:
        raise doc.error(
            parent_node, "parent", f"only the root {stem!r} has parent null in {doc.name}"
        )
    elif parent not in file_ids:
        where = "comes later" if parent in _ids_after(nodes_node, index) else "is unknown"
        raise doc.error(
            parent_node,
            "parent",
            f"parent {parent!r} {where}: a parent must be a node of the same file "
            "that comes before its children",
        )


def _ids_after(nodes_node: yaml.Node, index: int) -> set[str]:
    later: set[str] = set()
    for item in list(nodes_node.value)[index:]:
        if isinstance(item, yaml.MappingNode):
            for key_node, value_node in item.value:
                if key_node.value == "id" and isinstance(value_node, yaml.ScalarNode):
                    later.add(str(value_node.value))
    return later


def _id_prefix_ok(stem: str, node_id: str) -> bool:
    if node_id == stem or node_id.startswith(stem + "."):
        return True
    # Annex 1 terms are `glossary.<slug>` (docs/catalog-format.md).
    return stem == "a1" and node_id.startswith("glossary.")


def _parse_node(
    doc: YamlDoc, stem: str, item: yaml.Node
) -> tuple[dict[str, Any], dict[str, tuple[yaml.Node, yaml.Node]]]:
    fields = doc.mapping(item, "a node")
    allowed = (*REQUIRED_FIELDS, *OPTIONAL_FIELDS)
    for key, (key_node, _) in fields.items():
        if key not in allowed:
            raise doc.error(key_node, key, f"unknown field (allowed: {', '.join(allowed)})")
    for key in REQUIRED_FIELDS:
        if key not in fields:
            raise doc.error(item, key, "missing (required: " + ", ".join(REQUIRED_FIELDS) + ")")

    id_node = fields["id"][1]
    node_id = doc.string(id_node, "id")
    assert node_id is not None  # noqa: S101
    if not ID_RE.match(node_id):
        raise doc.error(id_node, "id", f"{node_id!r} is not a valid id (letters, digits, _ - .)")
    if not _id_prefix_ok(stem, node_id):
        raise doc.error(id_node, "id", f"{node_id!r} does not belong in {stem}.yaml")

    parent = doc.string(fields["parent"][1], "parent", allow_null=True)

    kind_node = fields["kind"][1]
    kind = doc.string(kind_node, "kind")
    if kind not in KINDS:
        raise doc.error(
            kind_node, "kind", f"unknown kind {kind!r} (known: {', '.join(sorted(KINDS))})"
        )

    node: dict[str, Any] = {
        "id": node_id,
        "parent": parent,
        "kind": kind,
        "text_zh": doc.string(fields["text_zh"][1], "text_zh"),
        "text_en": doc.string(fields["text_en"][1], "text_en"),
        "service_models": (),
        "citations": (),
        "tags": (),
        "fragments": (),
        "missing": None,
        "errata": (),
        "data": EMPTY_DATA,
        "source": doc.name,
        "line": item.start_mark.line + 1,
    }
    for name, parse in _OPTIONAL_PARSERS.items():
        if name in fields:
            node[name] = parse(doc, fields[name][1])
    return node, fields


def _note(doc: YamlDoc, node: yaml.Node, field: str) -> Note:
    pairs = doc.mapping(node, field)
    for key, (key_node, _) in pairs.items():
        if key not in ("zh", "en"):
            raise doc.error(key_node, field, f"unknown key {key!r} in a note (zh, en)")
    for key in ("zh", "en"):
        if key not in pairs:
            raise doc.error(node, field, f"a note needs both zh and en (missing {key})")
    zh = doc.string(pairs["zh"][1], field)
    en = doc.string(pairs["en"][1], field)
    assert zh is not None and en is not None  # noqa: S101
    return Note(zh, en)


def _service_models(doc: YamlDoc, value: yaml.Node) -> tuple[str, ...]:
    models = doc.strings(value, "service_models")
    for name, name_node in models:
        if name not in SERVICE_MODELS:
            raise doc.error(
                name_node,
                "service_models",
                f"{name!r} is not a service model (one of {', '.join(SERVICE_MODELS)})",
            )
    names = [name for name, _ in models]
    if len(set(names)) != len(names) or not names:
        raise doc.error(value, "service_models", "empty or repeated")
    return tuple(m for m in SERVICE_MODELS if m in names)


def _citations(doc: YamlDoc, value: yaml.Node) -> tuple[str, ...]:
    return tuple(v for v, _ in doc.strings(value, "citations"))


def _tags(doc: YamlDoc, value: yaml.Node) -> tuple[str, ...]:
    tags = doc.strings(value, "tags")
    for tag, tag_node in tags:
        if not TAG_RE.match(tag):
            raise doc.error(tag_node, "tags", f"{tag!r}: tags are lower-case words")
        if tag.startswith("stage:") and tag.removeprefix("stage:") not in STAGES:
            raise doc.error(
                tag_node,
                "tags",
                f"{tag!r}: the stage is one of {', '.join('stage:' + s for s in STAGES)}",
            )
    names = [tag for tag, _ in tags]
    if len(set(names)) != len(names):
        raise doc.error(value, "tags", "repeated tag")
    return tuple(names)


def _fragments(doc: YamlDoc, value: yaml.Node) -> tuple[str, ...]:
    frags = doc.strings(value, "fragments")
    if not frags:
        raise doc.error(value, "fragments", "an empty list")
    return tuple(v for v, _ in frags)


def _missing(doc: YamlDoc, value: yaml.Node) -> Note:
    return _note(doc, value, "missing")


def _errata(doc: YamlDoc, value: yaml.Node) -> tuple[Note, ...]:
    notes = tuple(_note(doc, n, "errata") for n in doc.sequence(value, "errata"))
    if not notes:
        raise doc.error(value, "errata", "an empty list")
    return notes


def _data(doc: YamlDoc, value: yaml.Node) -> Any:
    doc.mapping(value, "data")  # a mapping without duplicate keys
    data = doc.value(value)
    try:
        json.dumps(data, ensure_ascii=False)
    except (TypeError, ValueError):
        raise doc.error(
            value, "data", "holds values JSON cannot carry (dates? use strings)"
        ) from None
    return freeze(data)


_OPTIONAL_PARSERS: dict[str, Callable[[YamlDoc, yaml.Node], Any]] = {
    "service_models": _service_models,
    "citations": _citations,
    "tags": _tags,
    "fragments": _fragments,
    "missing": _missing,
    "errata": _errata,
    "data": _data,
}


def _derive(raw: list[dict[str, Any]]) -> tuple[Node, ...]:
    """Level (depth from the root) and order (position among siblings) from parent links."""
    level: dict[str, int] = {}
    count: dict[str | None, int] = {}
    nodes: list[Node] = []
    for item in raw:
        parent = item["parent"]
        lvl = 0 if parent is None else level[parent] + 1
        level[item["id"]] = lvl
        order = count.get(parent, 0)
        count[parent] = order + 1
        nodes.append(Node(level=lvl, order=order, **item))
    return tuple(nodes)


# The compiled cache ------------------------------------------------------------------------
def cache_dir() -> Path | None:
    """FINCLOUD_CACHE_DIR, else $XDG_CACHE_HOME/fincloud, else ~/.cache/fincloud.
    FINCLOUD_CACHE_DIR set to an empty string turns the cache off."""
    configured = os.environ.get("FINCLOUD_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "fincloud"


def _cache_path(directory: Path, edition: str) -> Path | None:
    base = cache_dir()
    if base is None:
        return None
    where = hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:12]
    return base / f"catalog-{edition}-{where}.json"


def _read_cache(path: Path, key: str, edition: str) -> Catalog | None:
    try:
        payload = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(payload, dict) or payload.get("key") != key:
        return None
    try:
        nodes = tuple(_node_from_row(row) for row in payload["nodes"])
    except (KeyError, TypeError, ValueError):
        return None
    return Catalog(edition, nodes, key)


def _node_from_row(row: list[Any]) -> Node:
    (nid, parent, kind, level, order, zh, en, models, cites, tags, frags, missing, errata, data,
     source, line) = row  # fmt: skip
    return Node(
        nid,
        parent,
        kind,
        level,
        order,
        zh,
        en,
        tuple(models),
        tuple(cites),
        tuple(tags),
        tuple(frags),
        None if missing is None else Note(missing[0], missing[1]),
        tuple(Note(z, e) for z, e in errata),
        freeze(data) if data else EMPTY_DATA,
        source,
        line,
    )


def _row(node: Node) -> list[Any]:
    return [
        node.id,
        node.parent,
        node.kind,
        node.level,
        node.order,
        node.text_zh,
        node.text_en,
        list(node.service_models),
        list(node.citations),
        list(node.tags),
        list(node.fragments),
        None if node.missing is None else [node.missing.zh, node.missing.en],
        [[e.zh, e.en] for e in node.errata],
        thaw(node.data) if node.data else None,
        node.source,
        node.line,
    ]


def _write_cache(path: Path, catalog: Catalog) -> None:
    payload = {"key": catalog.key, "edition": catalog.edition, "nodes": [_row(n) for n in catalog]}
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    # Write to a temporary file and rename, so a reader never sees half a cache; any failure
    # (read-only home, full disk) just leaves the catalog uncached.
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def clear_memo() -> None:
    """Forget the in-process catalogs (tests and benchmarks use it for cold loads)."""
    _memo.clear()
