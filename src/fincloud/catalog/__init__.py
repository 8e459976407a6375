"""The practice manual as versioned, bilingual data (docs/catalog-format.md, docs/catalog.md).

    from fincloud.catalog import load_catalog
    catalog = load_catalog()             # edition "2025"
    catalog.get("ch1.4.sod.a").text_zh    # 啟動、核可及執行變更；
    catalog.children("ch1.4")             # tree walk
    catalog.search("金鑰")                # zh and en, exact phrase first

Plain Python: no Django import here or below.
"""

from fincloud.catalog.a4 import A4Cell, A4Example, A4Row, load_a4_example
from fincloud.catalog.errors import (
    CatalogError,
    CatalogFormatError,
    UnknownEditionError,
    UnknownNodeError,
)
from fincloud.catalog.loader import DEFAULT_EDITION, available_editions, load_catalog
from fincloud.catalog.model import KINDS, NODE_FILES, SERVICE_MODELS, STAGES, Catalog, Node, Note
from fincloud.catalog.search import SearchHit

__all__ = [
    "DEFAULT_EDITION",
    "KINDS",
    "NODE_FILES",
    "SERVICE_MODELS",
    "STAGES",
    "A4Cell",
    "A4Example",
    "A4Row",
    "Catalog",
    "CatalogError",
    "CatalogFormatError",
    "Node",
    "Note",
    "SearchHit",
    "UnknownEditionError",
    "UnknownNodeError",
    "available_editions",
    "load_a4_example",
    "load_catalog",
]
