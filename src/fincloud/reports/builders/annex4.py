"""Annex 4 (CSP合約檢核表2, the vendor comparison): the Annex 3 rows down the side, one column
per candidate vendor (檢核結果-廠商 A ...), each cell with its judgement, the covering documents
and the remarks. Read through fincloud.assessments' selectors."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from fincloud.catalog import load_a4_example, load_catalog
from fincloud.reports.builders import annex3_layout
from fincloud.reports.builders.base import (
    DASH,
    Lang,
    Progress,
    document,
    no_progress,
    person,
    render,
    when,
)
from fincloud.reports.document import Cell, Facts, Paragraph, ReportDocument, Table


def cell_text(cell: Any, lang: Lang) -> str:
    if cell is None:
        return ""
    documents = (cell.documents_en if lang == "en" and cell.documents_en else cell.documents) or ""
    remarks = (cell.remarks_en if lang == "en" and cell.remarks_en else cell.remarks) or ""
    out = []
    if cell.judgement:
        out.append(cell.get_judgement_display())
    if documents:
        out.append(_("Documents: %(docs)s") % {"docs": documents})
    if remarks:
        out.append(remarks)
    return "\n".join(out)


def build(comparison: Any, lang: Lang, progress: Progress = no_progress) -> ReportDocument:
    from fincloud.assessments import selectors

    vendors = selectors.comparison_detail(comparison)
    catalog = load_catalog(comparison.catalog_edition)
    chosen = set(comparison.rows)
    progress("collect", 40)
    cells = {(v.pk, c.row): c for v in vendors for c in v.cells.all()}
    width = 1 + len(vendors)
    pending: list[tuple[Any, ...]] = []  # part and group lines wait for a row under them
    table_rows: list[tuple[Any, ...]] = []
    for line in annex3_layout.lines(catalog, lang):
        if line.kind != "row":
            if line.kind == "part":
                pending = []
            pending.append((Cell(line.text, bold=True, shade=True, span=width),))
            continue
        row_id = line.node.id.removeprefix("a3.")
        if row_id not in chosen:
            continue
        table_rows.extend(pending)
        pending = []
        table_rows.append(
            (line.text, *(cell_text(cells.get((v.pk, row_id)), lang) for v in vendors))
        )
    prefix = _("Check result – vendor ")
    columns = (
        _("Items the outsourcing contract shall state"),
        *(f"{prefix}{v.label}" + (f"\n{v.csp.name}" if v.csp is not None else "") for v in vendors),
    )
    blocks: list[Any] = [
        Facts(
            (
                (_("Comparison"), comparison.title),
                (_("Purpose"), comparison.description or DASH),
                (_("For the service"), comparison.service.name if comparison.service_id else DASH),
                (_("Vendors"), "、".join(v.label for v in vendors) or DASH),
                (
                    _("Prepared by"),
                    f"{person(comparison.created_by)} {when(comparison.created_at)}",
                ),
            )
        ),
    ]
    if comparison.is_example:
        example = load_a4_example(comparison.catalog_edition)
        blocks.append(
            Paragraph(example.disclaimer_en if lang == "en" else example.disclaimer_zh, "note")
        )
    blocks.append(
        Table(
            columns=columns,
            rows=tuple(table_rows),
            widths=(3.6, *(2.4 for _v in vendors)),
        )
    )
    if comparison.is_example:
        example = load_a4_example(comparison.catalog_edition)
        blocks.extend(
            Paragraph(note.en if lang == "en" else note.zh, "note") for note in example.footnotes
        )
    progress("render", 60)
    return document(
        title=_("Vendor comparison (Annex 4)"),
        subtitle=comparison.title,
        lang=lang,
        blocks=blocks,
        landscape=True,
        sheet=_("Vendor comparison"),
    )


def produce(
    comparison: Any, fmt: str, lang: Lang, progress: Progress, params: dict[str, Any]
) -> bytes:
    return render(build(comparison, lang, progress), fmt)
