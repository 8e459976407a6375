"""`fincloud catalog ...`: the practice manual as data (issue 4).

export (json / oscal / xlsx / csv), show, search, diff between editions, coverage and verify
(the honesty checks against the manual), stats. The catalog modules are imported inside the
commands so `fincloud --help` stays light.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, cast

import typer

from fincloud.cli._common import EXIT_PROBLEM, fail

if TYPE_CHECKING:
    from fincloud.catalog import Catalog, Node

CliLang = Literal["zh-TW", "en"]
FORMATS_EXPORT = ("json", "oscal", "xlsx", "csv")

catalog_app = typer.Typer(
    name="catalog",
    help="The practice manual as data: export, show, search, diff, coverage. 實務手冊目錄。",
    no_args_is_help=True,
)

EditionOption = Annotated[str, typer.Option("--edition", help="Catalog edition, e.g. 2025.")]
LangOption = Annotated[str, typer.Option("--lang", help="zh-TW or en.")]
FormatOption = Annotated[str, typer.Option("--format", help="text or json.")]


def _lang(lang: str) -> CliLang:
    if lang not in ("zh-TW", "en"):
        fail(f"--lang: must be zh-TW or en, got {lang!r}")
    return cast("CliLang", lang)


def _format(fmt: str, allowed: tuple[str, ...] = ("text", "json")) -> str:
    if fmt not in allowed:
        fail(f"--format: must be {' or '.join(allowed)}, got {fmt!r}")
    return fmt


def _load(edition: str) -> Catalog:
    """An edition by label, or the node files of a directory (for diff and fixtures)."""
    from fincloud.catalog import CatalogError, load_catalog

    try:
        path = Path(edition)
        if os.sep in edition or edition.startswith("."):
            if not path.is_dir():
                fail(f"edition: {edition!r} is not a directory of catalog files")
            return load_catalog(directory=path)
        return load_catalog(edition)
    except CatalogError as exc:
        fail(str(exc))


def _print_json(data: object) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _manual_path(option: str | None) -> Path:
    """--manual, else $FINCLOUD_MANUAL, else manual/practice-manual.zh-TW.txt under
    $FINCLOUD_SHARED, else under ../shared beside the checkout."""
    if option:
        candidates = [Path(option)]
    else:
        candidates = []
        if os.environ.get("FINCLOUD_MANUAL"):
            candidates.append(Path(os.environ["FINCLOUD_MANUAL"]))
        relative = Path("manual") / "practice-manual.zh-TW.txt"
        if os.environ.get("FINCLOUD_SHARED"):
            candidates.append(Path(os.environ["FINCLOUD_SHARED"]) / relative)
        repo = Path(__file__).resolve().parents[3]
        candidates += [repo.parent / "shared" / relative, Path.cwd().parent / "shared" / relative]
    for path in candidates:
        if path.is_file():
            return path
    shown = candidates[0] if candidates else "../shared/manual/practice-manual.zh-TW.txt"
    fail(f"--manual: the manual's text was not found (looked for {shown}); pass --manual PATH")


# export ---------------------------------------------------------------------------------------
def export_command(
    fmt: Annotated[str, typer.Option("--format", help="json, oscal, xlsx or csv.")] = "json",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="File to write (default: stdout).")
    ] = None,
    lang: LangOption = "zh-TW",
    edition: EditionOption = "2025",
) -> None:
    """Export every node: JSON (interchange), OSCAL 1.1 catalog, XLSX, CSV (UTF-8 with BOM)."""
    language = _lang(lang)
    _format(fmt, FORMATS_EXPORT)
    catalog = _load(edition)
    if fmt == "xlsx":
        from fincloud.catalog.export import write_xlsx

        if output is None:
            fail("-o: xlsx is a binary format; give a file name, e.g. -o catalog.xlsx")
        write_xlsx(catalog, output, lang=language)
        return
    if fmt == "csv":
        from fincloud.catalog.export import csv_bytes

        data = csv_bytes(catalog, lang=language)
    elif fmt == "oscal":
        from fincloud.catalog.oscal import to_oscal

        data = (
            json.dumps(to_oscal(catalog, lang=language), ensure_ascii=False, indent=1) + "\n"
        ).encode()
    else:
        from fincloud.catalog.export import to_interchange

        data = (json.dumps(to_interchange(catalog), ensure_ascii=False, indent=1) + "\n").encode()
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.write_bytes(data)


# show -----------------------------------------------------------------------------------------
def _node_text(node: Node, catalog: Catalog, lang: CliLang) -> str:
    zh = lang == "zh-TW"
    crumbs = " › ".join(n.text_zh if zh else n.text_en for n in catalog.ancestors(node.id))
    first, second = (node.text_zh, node.text_en) if zh else (node.text_en, node.text_zh)
    second_label = "（英文譯文，本專案翻譯）" if zh else "(the manual's Chinese text)"
    none = "—"
    lines = [
        f"{node.id}  [{node.kind}]  {crumbs}",
        "",
        first,
        "",
        f"{second_label} {second}",
        "",
        ("服務模式：" if zh else "service models: ") + (", ".join(node.service_models) or none),
        ("引用法規：" if zh else "citations: ") + ("; ".join(node.citations) or none),
        ("標籤：" if zh else "tags: ") + (", ".join(node.tags) or none),
    ]
    for erratum in node.errata:
        lines.append(("勘誤：" if zh else "erratum: ") + (erratum.zh if zh else erratum.en))
    if node.missing is not None:
        lines.append(("缺漏：" if zh else "missing: ") + node.missing.text("zh" if zh else "en"))
    if node.data:
        from fincloud.catalog.model import thaw

        lines.append("data: " + json.dumps(thaw(node.data), ensure_ascii=False))
    children = catalog.children(node.id)
    if children:
        lines.append(("下層：" if zh else "children: ") + ", ".join(c.id for c in children))
    revisions = catalog.revisions_for(node.id)
    if revisions:
        lines.append(("修正：" if zh else "revised by: ") + ", ".join(r.id for r in revisions))
    return "\n".join(lines)


def show_command(
    node_id: Annotated[str, typer.Argument(metavar="ID", help="A catalog id, e.g. ch1.4.sod.a")],
    fmt: FormatOption = "text",
    lang: LangOption = "zh-TW",
    edition: EditionOption = "2025",
) -> None:
    """Show one node with its text in both languages. 顯示單一節點。"""
    from fincloud.catalog import UnknownNodeError

    language = _lang(lang)
    _format(fmt)
    catalog = _load(edition)
    try:
        node = catalog.get(node_id)
    except UnknownNodeError as exc:
        fail(str(exc))
    if fmt == "json":
        payload: dict[str, Any] = node.to_dict()
        payload["children"] = [c.id for c in catalog.children(node.id)]
        payload["ancestors"] = [a.id for a in catalog.ancestors(node.id)]
        _print_json(payload)
    else:
        sys.stdout.write(_node_text(node, catalog, language) + "\n")


# search ---------------------------------------------------------------------------------------
def search_command(
    text: Annotated[str, typer.Argument(metavar="TEXT", help="Words or a phrase, zh or en.")],
    fmt: FormatOption = "text",
    lang: LangOption = "zh-TW",
    limit: Annotated[int, typer.Option("--limit", help="Most results to show.")] = 20,
    edition: EditionOption = "2025",
) -> None:
    """Search the zh and en texts; the exact phrase ranks first. 搜尋。"""
    language = _lang(lang)
    _format(fmt)
    if not text.strip():
        fail("TEXT: give a word or phrase to search for")
    if limit < 1:
        fail(f"--limit: must be at least 1, got {limit}")
    catalog = _load(edition)
    hits = catalog.search(text, limit=limit)
    if fmt == "json":
        _print_json(
            {"query": text, "edition": catalog.edition, "hits": [h.to_dict() for h in hits]}
        )
        return
    if not hits:
        sys.stdout.write(("沒有符合的節點。" if language == "zh-TW" else "No node matches.") + "\n")
        return
    for hit in hits:
        sys.stdout.write(f"{hit.node.id}  [{hit.node.kind}]  {' '.join(hit.snippet.split())}\n")


# diff -----------------------------------------------------------------------------------------
def diff_command(
    old: Annotated[str, typer.Argument(metavar="OLD", help="Edition label or directory.")],
    new: Annotated[str, typer.Argument(metavar="NEW", help="Edition label or directory.")],
    fmt: FormatOption = "text",
    lang: LangOption = "zh-TW",
) -> None:
    """Nodes added, removed and changed between two editions. 版本差異。"""
    from fincloud.catalog.diff import diff

    language = _lang(lang)
    _format(fmt)
    result = diff(_load(old), _load(new))
    if fmt == "json":
        _print_json(result.to_dict())
    else:
        sys.stdout.write(result.format(lang=language) + "\n")


# coverage and verify ----------------------------------------------------------------------------
def coverage_command(
    root: Annotated[
        list[str] | None,
        typer.Option("--root", help="Only this chapter or annex (ch0 … ch9, a1 … a3); repeatable."),
    ] = None,
    manual: Annotated[str | None, typer.Option("--manual", help="The manual's text file.")] = None,
    fmt: FormatOption = "text",
    lang: LangOption = "zh-TW",
    edition: EditionOption = "2025",
) -> None:
    """Does every item of the manual have a node? Exit 1 if one has not. 涵蓋檢查。"""
    from fincloud.catalog.coverage import SCOPE, check
    from fincloud.catalog.text import Manual

    language = _lang(lang)
    _format(fmt)
    roots = tuple(root or SCOPE)
    for name in roots:
        if name not in SCOPE:
            fail(f"--root: {name!r} is not one of {', '.join(SCOPE)}")
    report = check(_load(edition), Manual.read(_manual_path(manual)), roots)
    if fmt == "json":
        _print_json(report.to_dict())
    else:
        sys.stdout.write(report.format(lang=language) + "\n")
    if not report.ok:
        raise typer.Exit(EXIT_PROBLEM)


def verify_command(
    manual: Annotated[str | None, typer.Option("--manual", help="The manual's text file.")] = None,
    fmt: FormatOption = "text",
    edition: EditionOption = "2025",
) -> None:
    """Is every text_zh (or fragment) verbatim in the manual? Exit 1 if not. 原文核對。"""
    from fincloud.catalog.coverage import unverified_texts
    from fincloud.catalog.text import Manual

    _format(fmt)
    catalog = _load(edition)
    problems = unverified_texts(catalog, Manual.read(_manual_path(manual)))
    if fmt == "json":
        _print_json(
            {
                "edition": catalog.edition,
                "nodes": len(catalog),
                "problems": [{"id": p.node, "at": p.source, "text": p.text} for p in problems],
            }
        )
    else:
        for p in problems:
            sys.stdout.write(f"{p.source}  {p.node}: not in the manual: {p.text[:80]}\n")
        sys.stdout.write(f"{len(catalog)} nodes, {len(problems)} not verbatim\n")
    if problems:
        raise typer.Exit(EXIT_PROBLEM)


def stats_command(fmt: FormatOption = "text", edition: EditionOption = "2025") -> None:
    """Node counts by kind and by chapter/annex. 統計。"""
    _format(fmt)
    catalog = _load(edition)
    by_root = {root.id: len(catalog.subtree(root.id)) for root in catalog.roots()}
    by_kind = dict(sorted(catalog.kinds().items(), key=lambda kv: (-kv[1], kv[0])))
    if fmt == "json":
        _print_json(
            {
                "edition": catalog.edition,
                "nodes": len(catalog),
                "by_root": by_root,
                "by_kind": by_kind,
            }
        )
        return
    out = [f"edition {catalog.edition}: {len(catalog)} nodes", "", "by chapter / annex:"]
    out += [f"  {root:<5} {count:>5}" for root, count in by_root.items()]
    out += ["", "by kind:"]
    out += [f"  {kind:<17} {count:>5}" for kind, count in by_kind.items()]
    sys.stdout.write("\n".join(out) + "\n")


def register(app: typer.Typer) -> None:
    catalog_app.command("export")(export_command)
    catalog_app.command("show")(show_command)
    catalog_app.command("search")(search_command)
    catalog_app.command("diff")(diff_command)
    catalog_app.command("coverage")(coverage_command)
    catalog_app.command("verify")(verify_command)
    catalog_app.command("stats")(stats_command)
    app.add_typer(catalog_app, name="catalog")
