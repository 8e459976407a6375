"""The loader: validation with file, line and field; derived level and order; the Catalog API;
the compiled cache that rebuilds itself when a data file changes."""

from __future__ import annotations

import dataclasses
import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fincloud.catalog import (
    CatalogFormatError,
    UnknownEditionError,
    UnknownNodeError,
    load_catalog,
)
from fincloud.catalog.loader import cache_dir, clear_memo

CH0 = """\
nodes:
  - id: ch0
    parent: null
    kind: chapter
    text_zh: 總則
    text_en: General
  - id: ch0.1
    parent: ch0
    kind: section
    text_zh: 目的
    text_en: Purpose
  - id: ch0.1.p1
    parent: ch0.1
    kind: paragraph
    text_zh: 本實務手冊係屬建議性質
    text_en: The manual is advisory
  - id: ch0.2
    parent: ch0
    kind: section
    text_zh: 使用建議
    text_en: Recommended use
"""

CH1 = """\
nodes:
  - id: ch1
    parent: null
    kind: chapter
    text_zh: 雲端服務策略發展與治理
    text_en: Cloud service strategy and governance
  - id: ch1.4
    parent: ch1
    kind: section
    text_zh: 雲端治理架構與權責劃分
    text_en: Cloud governance structure and responsibilities
  - id: ch1.4.sod.a
    parent: ch1.4
    kind: item
    text_zh: 啟動、核可及執行變更；
    text_en: Initiating, approving and executing changes;
    service_models: [SaaS, IaaS]
    tags: [stage:daily]
    errata:
      - {zh: 勘誤, en: an erratum}
    data: {activities: [initiate, approve, execute]}
  - id: ch1.4.sod.b
    parent: ch1.4
    kind: item
    text_zh: 申請、核可及實作存取權限；
    text_en: Requesting, approving and granting access rights;
"""


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("FINCLOUD_CACHE_DIR", str(cache))
    clear_memo()
    return cache


def make_edition(root: Path, files: dict[str, str], edition: str = "2099") -> Path:
    folder = root / "editions" / edition
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return root / "editions"


def load_error(tmp_path: Path, files: dict[str, str]) -> CatalogFormatError:
    data_root = make_edition(tmp_path, files)
    with pytest.raises(CatalogFormatError) as info:
        load_catalog("2099", data_root=data_root, use_cache=False)
    return info.value


def test_nodes_in_manual_order_with_level_and_order_derived(tmp_path: Path) -> None:
    # ch1 written first on disk; the catalog still follows the manual: ch0 before ch1.
    data_root = make_edition(tmp_path, {"ch1.yaml": CH1, "ch0.yaml": CH0})
    catalog = load_catalog("2099", data_root=data_root)
    assert [n.id for n in catalog] == [
        "ch0", "ch0.1", "ch0.1.p1", "ch0.2", "ch1", "ch1.4", "ch1.4.sod.a", "ch1.4.sod.b",
    ]  # fmt: skip
    assert [(n.level, n.order) for n in catalog.nodes[:4]] == [(0, 0), (1, 0), (2, 0), (1, 1)]
    assert catalog.get("ch1").order == 1  # the second root
    sod_a = catalog.get("ch1.4.sod.a")
    assert (sod_a.level, sod_a.order, sod_a.source, sod_a.line) == (2, 0, "ch1.yaml", 12)
    assert sod_a.service_models == ("IaaS", "SaaS")  # canonical order, whatever the file says
    assert sod_a.stage == "daily"
    assert sod_a.errata[0].en == "an erratum"
    assert sod_a.data["activities"] == ("initiate", "approve", "execute")


def test_tree_walk_and_lookup(tmp_path: Path) -> None:
    catalog = load_catalog(
        "2099", data_root=make_edition(tmp_path, {"ch0.yaml": CH0, "ch1.yaml": CH1})
    )
    assert [n.id for n in catalog.roots()] == ["ch0", "ch1"]
    assert [n.id for n in catalog.children("ch0")] == ["ch0.1", "ch0.2"]
    assert [n.id for n in catalog.ancestors("ch0.1.p1")] == ["ch0", "ch0.1"]
    assert [n.id for n in catalog.descendants("ch0")] == ["ch0.1", "ch0.1.p1", "ch0.2"]
    assert [n.id for n in catalog.siblings("ch1.4.sod.b")] == ["ch1.4.sod.a", "ch1.4.sod.b"]
    assert catalog.root("ch1.4.sod.b").id == "ch1"
    assert catalog.parent("ch1.4").id == "ch1"  # type: ignore[union-attr]
    assert catalog.parent("ch1") is None
    assert [n.id for n in catalog.by_kind("section")] == ["ch0.1", "ch0.2", "ch1.4"]
    assert catalog.next("ch0.2").id == "ch1"  # type: ignore[union-attr]
    assert "ch1.4.sod.b" in catalog and "ch1.4.sod.z" not in catalog
    with pytest.raises(UnknownNodeError) as info:
        catalog.get("ch1.4.sod.z")
    assert str(info.value) == "unknown catalog id 'ch1.4.sod.z' in edition 2099"


def test_catalog_and_nodes_are_immutable(tmp_path: Path) -> None:
    catalog = load_catalog("2099", data_root=make_edition(tmp_path, {"ch0.yaml": CH0}))
    with pytest.raises(AttributeError):
        catalog.nodes = ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        catalog.nodes[0].text_zh = "changed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        catalog.get("ch0").data["x"] = 1  # type: ignore[index]


def test_unknown_edition_names_it_and_the_known_ones(tmp_path: Path) -> None:
    data_root = make_edition(tmp_path, {"ch0.yaml": CH0})
    with pytest.raises(UnknownEditionError) as info:
        load_catalog("1999", data_root=data_root)
    assert str(info.value) == "unknown catalog edition '1999' (known: 2099)"


ITEM_A = "parent: ch1.4\n    kind: item\n    text_zh: 啟動"
ITEM_B = "parent: ch1.4\n    kind: item\n    text_zh: 申請"
TEXT_EN_A = "    text_en: Initiating, approving and executing changes;\n"
# (replace this, with this) -> (line, field, rule) of the error
MALFORMED = {
    "unknown kind": (("kind: item", "kind: itme"), (14, "kind", "unknown kind 'itme'")),
    "missing field": ((TEXT_EN_A, ""), (12, "text_en", "missing")),
    "service model": (
        ("service_models: [SaaS, IaaS]", "service_models: [SaaS, Cloud]"),
        (17, "service_models", "'Cloud' is not a service model"),
    ),
    "stage tag": (
        ("tags: [stage:daily]", "tags: [stage:someday]"),
        (18, "tags", "the stage is one of"),
    ),
    "unknown field": (("tags: [stage:daily]", "tag: [stage:daily]"), (18, "tag", "unknown field")),
    "parent later": (
        (ITEM_A, ITEM_A.replace("ch1.4", "ch1.4.sod.b")),
        (13, "parent", "parent 'ch1.4.sod.b' comes later"),
    ),
    "parent unknown": (
        (ITEM_B, ITEM_B.replace("ch1.4", "ch9.9")),
        (23, "parent", "parent 'ch9.9' is unknown"),
    ),
    "duplicate id": (
        ("id: ch1.4.sod.b", "id: ch1.4.sod.a"),
        (22, "id", "duplicate id 'ch1.4.sod.a' (first at ch1.yaml:12)"),
    ),
    "id of another file": (
        ("id: ch1.4.sod.b", "id: ch2.4.sod.b"),
        (22, "id", "does not belong in ch1.yaml"),
    ),
    "text not a string": (
        ("text_zh: 申請、核可及實作存取權限；", "text_zh: 123"),
        (25, "text_zh", "must be a string, not int"),
    ),
    "erratum without en": (
        ("- {zh: 勘誤, en: an erratum}", "- {zh: 勘誤}"),
        (20, "errata", "needs both zh and en"),
    ),
    "duplicate key": (
        ("    kind: section\n", "    kind: section\n    kind: item\n"),
        (10, "kind", "duplicate key"),
    ),
}


@pytest.mark.parametrize("case", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_file_names_file_line_and_field(
    tmp_path: Path, case: tuple[tuple[str, str], tuple[int, str, str]]
) -> None:
    (old, new), (line, field, rule) = case
    assert old in CH1
    error = load_error(tmp_path, {"ch0.yaml": CH0, "ch1.yaml": CH1.replace(old, new, 1)})
    assert (error.file, error.line, error.field) == ("ch1.yaml", line, field)
    assert rule in error.message
    assert str(error).startswith(f"ch1.yaml:{line}: field '{field}': ")


def test_first_node_must_be_the_file_root(tmp_path: Path) -> None:
    error = load_error(tmp_path, {"ch1.yaml": CH1.replace("id: ch1\n", "id: ch1.0\n", 1)})
    assert (error.line, error.field) == (2, "id")
    assert "must be its root" in error.message


def test_invalid_yaml_reports_the_line(tmp_path: Path) -> None:
    error = load_error(tmp_path, {"ch0.yaml": CH0.replace("text_en: Purpose", "text_en: [Purpose")})
    assert error.file == "ch0.yaml"
    assert error.line >= 11
    assert "invalid YAML" in error.message


def test_unknown_data_file_is_refused_not_ignored(tmp_path: Path) -> None:
    error = load_error(tmp_path, {"ch0.yaml": CH0, "chapter10.yaml": CH0})
    assert error.file == "chapter10.yaml"
    assert "unknown data file" in error.message


def test_cache_is_written_then_served_and_rebuilt_when_a_file_changes(
    tmp_path: Path, _isolated_cache: Path
) -> None:
    data_root = make_edition(tmp_path, {"ch0.yaml": CH0, "ch1.yaml": CH1})
    first = load_catalog("2099", data_root=data_root)
    caches = list(_isolated_cache.glob("catalog-2099-*.json"))
    assert len(caches) == 1
    clear_memo()
    warm = load_catalog("2099", data_root=data_root)
    assert warm is not first  # rebuilt from the cache file, not the in-process memo
    assert warm.nodes == first.nodes and warm.key == first.key

    # Same size, same mtime: only the content differs. The key is a content hash, so the
    # cache is not served stale.
    path = data_root / "2099" / "ch0.yaml"
    stat = path.stat()
    path.write_text(textwrap.dedent(CH0).replace("使用建議", "使用說明"), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_size == stat.st_size
    fresh = load_catalog("2099", data_root=data_root)
    assert fresh.get("ch0.2").text_zh == "使用說明"
    clear_memo()
    assert load_catalog("2099", data_root=data_root).get("ch0.2").text_zh == "使用說明"


def test_a_broken_cache_file_is_ignored(tmp_path: Path, _isolated_cache: Path) -> None:
    data_root = make_edition(tmp_path, {"ch0.yaml": CH0})
    load_catalog("2099", data_root=data_root)
    (cache,) = _isolated_cache.glob("catalog-2099-*.json")
    cache.write_text('{"key": "', encoding="utf-8")
    clear_memo()
    assert load_catalog("2099", data_root=data_root).get("ch0.1").text_en == "Purpose"


def test_unwritable_cache_dir_means_no_cache_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be", encoding="utf-8")
    monkeypatch.setenv("FINCLOUD_CACHE_DIR", str(blocker / "cache"))
    data_root = make_edition(tmp_path, {"ch0.yaml": CH0})
    assert len(load_catalog("2099", data_root=data_root)) == 4


def test_cache_dir_setting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FINCLOUD_CACHE_DIR", "")
    assert cache_dir() is None
    monkeypatch.delenv("FINCLOUD_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "fincloud"


# Property: any well-formed tree loads with the right levels and orders, and the cached catalog
# equals the one parsed from YAML.
@st.composite
def trees(draw: st.DrawFn) -> list[tuple[str, str | None, str]]:
    """(id, parent, text) in document order: each new node hangs under an earlier one."""
    nodes: list[tuple[str, str | None, str]] = [("ch1", None, "雲端")]
    for i in range(draw(st.integers(0, 30))):
        parent = draw(st.sampled_from([n[0] for n in nodes]))
        text = draw(st.text(alphabet="雲端服務金鑰abc（）：、", min_size=1, max_size=12))
        nodes.append((f"{parent}.n{i}", parent, text))
    return nodes


def _yaml_of(nodes: list[tuple[str, str | None, str]]) -> str:
    out = ["nodes:"]
    for nid, parent, text in nodes:
        kind = "chapter" if parent is None else "item"
        out += [
            f"  - id: {nid}",
            f"    parent: {parent or 'null'}",
            f"    kind: {kind}",
            f'    text_zh: "{text}"',
            f'    text_en: "node {nid}"',
        ]
    return "\n".join(out) + "\n"


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(nodes=trees())
def test_any_tree_loads_with_derived_level_order_and_same_from_cache(
    tmp_path: Path, nodes: list[tuple[str, str | None, str]]
) -> None:
    folder = tmp_path / "h" / f"e{abs(hash(tuple(nodes)))}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ch1.yaml").write_text(_yaml_of(nodes), encoding="utf-8")
    parsed = load_catalog(directory=folder)
    clear_memo()
    cached = load_catalog(directory=folder)
    clear_memo()
    assert parsed is not cached and parsed.nodes == cached.nodes
    depth = {"ch1": 0}
    for nid, parent, _ in nodes[1:]:
        depth[nid] = depth[parent] + 1  # type: ignore[index]
    assert [n.level for n in parsed] == [depth[n[0]] for n in nodes]
    for node in parsed:
        siblings = [n[0] for n in nodes if n[1] == node.parent]
        assert node.order == siblings.index(node.id)
    assert [n.text_zh for n in parsed] == [text for _, _, text in nodes]
