"""Annex 4, the vendor A/B/C example of the contract checklist, as its own typed data set.

The annex shows, per Annex 3 row and vendor, only the documents that cover the row and remarks;
it gives no 符合/未符合 marks, and the manual says the example is for reference only. It is demo
data, not catalog nodes. File: `data/<edition>/a4_example.yaml` (docs/catalog-format.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from fincloud.catalog._yaml import YamlDoc
from fincloud.catalog.errors import CatalogFormatError
from fincloud.catalog.loader import DEFAULT_EDITION, edition_dir
from fincloud.catalog.model import A4_FILE, Note

TOP_FIELDS = ("disclaimer_zh", "disclaimer_en", "vendors", "rows", "footnotes", "errata")
ROW_FIELDS = ("row", "cells", "missing", "errata")
CELL_FIELDS = (
    "documents_zh",
    "documents_en",
    "remarks_zh",
    "remarks_en",
    "fragments",
    "missing",
    "errata",
)


@dataclass(frozen=True, slots=True)
class A4Cell:
    vendor: str
    documents_zh: str | None
    documents_en: str | None
    remarks_zh: str | None
    remarks_en: str | None
    fragments: tuple[str, ...] = ()
    missing: Note | None = None
    errata: tuple[Note, ...] = ()


@dataclass(frozen=True, slots=True)
class A4Row:
    row: str  # the Annex 3 node id, e.g. "a3.10.I.1"
    cells: tuple[A4Cell, ...]
    missing: Note | None = None
    errata: tuple[Note, ...] = ()
    line: int = 0

    def cell(self, vendor: str) -> A4Cell | None:
        return next((c for c in self.cells if c.vendor == vendor), None)


@dataclass(frozen=True, slots=True)
class A4Example:
    edition: str
    disclaimer_zh: str
    disclaimer_en: str
    vendors: tuple[str, ...]
    rows: tuple[A4Row, ...]
    footnotes: tuple[Note, ...] = ()
    errata: tuple[Note, ...] = ()

    def row(self, row_id: str) -> A4Row | None:
        return next((r for r in self.rows if r.row == row_id), None)


def load_a4_example(
    edition: str = DEFAULT_EDITION, *, data_root: Path | None = None, path: Path | None = None
) -> A4Example:
    """Read and validate `a4_example.yaml`; `CatalogFormatError` names file, line and field."""
    if path is None:
        path = edition_dir(edition, data_root) / f"{A4_FILE}.yaml"
        if not path.is_file():
            raise CatalogFormatError(
                path.name, 0, None, f"edition {edition} has no Annex 4 example"
            )
    else:
        edition = path.parent.name
    doc = YamlDoc(path.name, path.read_text(encoding="utf-8"))
    try:
        return _parse(doc, edition)
    finally:
        doc.close()


def _known(
    doc: YamlDoc, pairs: dict[str, tuple[yaml.Node, yaml.Node]], allowed: tuple[str, ...]
) -> None:
    for key, (key_node, _) in pairs.items():
        if key not in allowed:
            raise doc.error(key_node, key, f"unknown field (allowed: {', '.join(allowed)})")


def _required(doc: YamlDoc, pairs: dict[str, Any], where: yaml.Node, *names: str) -> None:
    for name in names:
        if name not in pairs:
            raise doc.error(where, name, "missing")


def _text(doc: YamlDoc, pairs: dict[str, tuple[yaml.Node, yaml.Node]], name: str) -> str | None:
    return doc.string(pairs[name][1], name, allow_null=True) if name in pairs else None


def _note(doc: YamlDoc, node: yaml.Node, field: str) -> Note:
    pairs = doc.mapping(node, field)
    _known(doc, pairs, ("zh", "en"))
    _required(doc, pairs, node, "zh", "en")
    zh = doc.string(pairs["zh"][1], field)
    en = doc.string(pairs["en"][1], field)
    assert zh is not None and en is not None  # noqa: S101
    return Note(zh, en)


def _notes(
    doc: YamlDoc, pairs: dict[str, tuple[yaml.Node, yaml.Node]], name: str
) -> tuple[Note, ...]:
    if name not in pairs:
        return ()
    return tuple(_note(doc, n, name) for n in doc.sequence(pairs[name][1], name))


def _parse(doc: YamlDoc, edition: str) -> A4Example:
    if doc.root is None:
        raise doc.error(None, None, "the file is empty")
    top = doc.mapping(doc.root, "the file")
    _known(doc, top, TOP_FIELDS)
    _required(doc, top, doc.root, "disclaimer_zh", "disclaimer_en", "vendors", "rows")
    vendors = tuple(v for v, _ in doc.strings(top["vendors"][1], "vendors"))
    if not vendors or len(set(vendors)) != len(vendors):
        raise doc.error(top["vendors"][1], "vendors", "empty or repeated")
    rows: list[A4Row] = []
    seen: set[str] = set()
    for row_node in doc.sequence(top["rows"][1], "rows"):
        pairs = doc.mapping(row_node, "a row")
        _known(doc, pairs, ROW_FIELDS)
        _required(doc, pairs, row_node, "row", "cells")
        row_id = doc.string(pairs["row"][1], "row")
        assert row_id is not None  # noqa: S101
        if not row_id.startswith("a3."):
            raise doc.error(pairs["row"][1], "row", f"{row_id!r} is not an Annex 3 id (a3.…)")
        if row_id in seen:
            raise doc.error(pairs["row"][1], "row", f"duplicate row {row_id!r}")
        seen.add(row_id)
        cells_pairs = doc.mapping(pairs["cells"][1], "cells")
        cells: list[A4Cell] = []
        for vendor, (key_node, cell_node) in cells_pairs.items():
            if vendor not in vendors:
                raise doc.error(key_node, "cells", f"vendor {vendor!r} is not in vendors")
            cells.append(_cell(doc, vendor, cell_node))
        order = {v: i for i, v in enumerate(vendors)}
        rows.append(
            A4Row(
                row_id,
                tuple(sorted(cells, key=lambda c: order[c.vendor])),
                _note(doc, pairs["missing"][1], "missing") if "missing" in pairs else None,
                _notes(doc, pairs, "errata"),
                row_node.start_mark.line + 1,
            )
        )
    disclaimer_zh = doc.string(top["disclaimer_zh"][1], "disclaimer_zh")
    disclaimer_en = doc.string(top["disclaimer_en"][1], "disclaimer_en")
    assert disclaimer_zh is not None and disclaimer_en is not None  # noqa: S101
    return A4Example(
        edition,
        disclaimer_zh,
        disclaimer_en,
        vendors,
        tuple(rows),
        _notes(doc, top, "footnotes"),
        _notes(doc, top, "errata"),
    )


def _cell(doc: YamlDoc, vendor: str, node: yaml.Node) -> A4Cell:
    if isinstance(node, yaml.ScalarNode) and doc.value(node) is None:
        return A4Cell(vendor, None, None, None, None)  # the annex leaves the cell empty
    pairs = doc.mapping(node, f"the cell of vendor {vendor}")
    _known(doc, pairs, CELL_FIELDS)
    values = {name: _text(doc, pairs, name) for name in CELL_FIELDS[:4]}
    for zh, en in (("documents_zh", "documents_en"), ("remarks_zh", "remarks_en")):
        if (values[zh] is None) != (values[en] is None):
            raise doc.error(node, en if values[en] is None else zh, f"{zh} and {en} go together")
    fragments = (
        tuple(v for v, _ in doc.strings(pairs["fragments"][1], "fragments"))
        if "fragments" in pairs
        else ()
    )
    return A4Cell(
        vendor,
        values["documents_zh"],
        values["documents_en"],
        values["remarks_zh"],
        values["remarks_en"],
        fragments,
        _note(doc, pairs["missing"][1], "missing") if "missing" in pairs else None,
        _notes(doc, pairs, "errata"),
    )
