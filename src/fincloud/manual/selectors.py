"""The catalog as the browser needs it, loaded once per process."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from fincloud.catalog import load_a4_example, load_catalog


@lru_cache(maxsize=1)
def catalog() -> Any:
    return load_catalog()


@lru_cache(maxsize=1)
def annex4() -> Any:
    return load_a4_example()


def tree() -> list[dict[str, Any]]:
    """Chapters and annexes with their sections (two levels), for the index page."""
    cat = catalog()
    out = []
    for root in cat.roots():
        children = [
            c
            for c in cat.children(root.id)
            if c.kind in {"section", "stage", "domain", "table", "contract_row"}
        ]
        out.append(
            {"node": root, "children": children, "count": sum(1 for _ in cat.descendants(root.id))}
        )
    return out
