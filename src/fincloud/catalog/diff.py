"""What changed between two editions of the catalog, node by node.

Ids are stable across editions (DESIGN.md "Catalog ids"), so nodes are matched by id: a node only
in the new edition is added, one only in the old is removed, one in both whose content differs is
changed (with the fields that differ). `level` and `order` are derived, so an insertion does not
make its later siblings "changed"; a node that moved gets `parent` among its changed fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fincloud.catalog.model import Catalog, Node

COMPARED = (
    "parent",
    "kind",
    "text_zh",
    "text_en",
    "service_models",
    "citations",
    "tags",
    "fragments",
    "missing",
    "errata",
    "data",
)


@dataclass(frozen=True, slots=True)
class Change:
    id: str
    fields: tuple[str, ...]
    old: Node
    new: Node

    def to_dict(self) -> dict[str, Any]:
        old, new = self.old.to_dict(), self.new.to_dict()
        return {"id": self.id, "changes": {f: {"old": old[f], "new": new[f]} for f in self.fields}}


@dataclass(frozen=True, slots=True)
class EditionDiff:
    old: str
    new: str
    added: tuple[Node, ...]
    removed: tuple[Node, ...]
    changed: tuple[Change, ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "added": [n.to_dict() for n in self.added],
            "removed": [n.to_dict() for n in self.removed],
            "changed": [c.to_dict() for c in self.changed],
        }

    def format(self, *, lang: str = "zh-TW") -> str:
        zh = lang == "zh-TW"
        lines = [
            f"{self.old} → {self.new}: "
            + (
                f"新增 {len(self.added)}，刪除 {len(self.removed)}，修改 {len(self.changed)}"
                if zh
                else f"{len(self.added)} added, {len(self.removed)} removed, "
                f"{len(self.changed)} changed"
            )
        ]
        text = "text_zh" if zh else "text_en"
        lines += [f"+ {n.id}  [{n.kind}]  {getattr(n, text)}" for n in self.added]
        lines += [f"- {n.id}  [{n.kind}]  {getattr(n, text)}" for n in self.removed]
        for change in self.changed:
            lines.append(f"~ {change.id}  ({', '.join(change.fields)})")
            for name in change.fields:
                old, new = change.old.to_dict()[name], change.new.to_dict()[name]
                lines.append(f"    {name}: {old!r}")
                lines.append(f"    {' ' * len(name)}→ {new!r}")
        return "\n".join(lines)


def diff(old: Catalog, new: Catalog) -> EditionDiff:
    added = tuple(n for n in new if n.id not in old)
    removed = tuple(n for n in old if n.id not in new)
    changed = []
    for node in new:
        before = old.find(node.id)
        if before is None:
            continue
        fields = tuple(f for f in COMPARED if getattr(before, f) != getattr(node, f))
        if fields:
            changed.append(Change(node.id, fields, before, node))
    return EditionDiff(old.edition, new.edition, added, removed, tuple(changed))
