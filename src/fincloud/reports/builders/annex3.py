"""Annex 3 (CSP合約檢核表) of one service, in the manual's layout: every row with its citation
bracket and wording, the form's 符合/未符合 boxes ticked from the pre-use assessment's judgement
(不適用: the boxes stay empty and the remark gives the reason), the covering documents, the
remarks and the Ch 3.3 alternative measures. Read through fincloud.assessments' selectors."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from fincloud.catalog import load_catalog
from fincloud.reports.builders import annex3_layout
from fincloud.reports.builders.base import (
    DASH,
    Lang,
    Progress,
    day,
    document,
    document_ref,
    no_progress,
    person,
    render,
    when,
    yes_no,
)
from fincloud.reports.document import (
    Block,
    Cell,
    Facts,
    Heading,
    Paragraph,
    ReportDocument,
    Table,
    boxes,
)
from fincloud.reports.errors import NO_ASSESSMENT, ReportRefused


def options(catalog: Any, lang: Lang) -> tuple[str, ...]:
    """The form's two boxes, as the catalog records them (符合, 未符合)."""
    data = catalog.get("a3").data
    return tuple(data["result_options_en" if lang == "en" else "result_options_zh"])


def ticked(judgement: str, opts: tuple[str, ...]) -> str | None:
    if judgement == "compliant":
        return opts[0]
    if judgement == "not_compliant":
        return opts[1]
    return None  # 不適用 and not judged: both boxes stay empty


def remark(row: Any | None, service: Any, judge: Any = None) -> str:
    """What the remarks column says: 不適用 with its reason, tailoring (footnote 1), the Ch 3.3
    impact assessment of a clause not agreed, the row's own remarks, who judged it."""
    if row is None:
        return _(
            "Not applicable: the rules do not list this row for the service (classification: "
            "%(classification)s)."
        ) % {"classification": service.get_classification_display() or DASH}
    out: list[str] = []
    if row.judgement == "not_applicable":
        out.append(_("Not applicable: %(reason)s") % {"reason": row.na_reason or DASH})
    elif not row.judgement:
        out.append(_("Not judged yet."))
    if row.tailored:
        out.append(
            _("Tailored (Annex 3 footnote 1): %(reason)s") % {"reason": row.tailoring_reason}
        )
    if row.judgement == "not_compliant":
        out.append(
            _("Impact on customer rights or operations: %(text)s (significant: %(sig)s)")
            % {"text": row.impact_assessment or DASH, "sig": yes_no(row.significant_impact)}
        )
    if row.remarks:
        out.append(row.remarks)
    if judge is not None:
        out.append(
            _("Judged by %(who)s, %(when)s") % {"who": person(judge), "when": when(row.updated_at)}
        )
    return "\n".join(out)


def documents_cell(row: Any | None) -> str:
    if row is None:
        return ""
    out = [document_ref(d) for d in row.documents.all()]
    if row.clauses:
        out.append(_("Clauses: %(clauses)s") % {"clauses": row.clauses})
    return "\n".join(out)


def measures_cell(row: Any | None) -> str:
    if row is None:
        return ""
    return "\n".join(
        _("%(kind)s: %(text)s (owner %(owner)s, due %(due)s)")
        % {
            "kind": m.get_kind_display(),
            "text": m.description,
            "owner": person(m.owner),
            "due": day(m.due_date),
        }
        for m in row.measures.all()
    )


def build(service: Any, lang: Lang, progress: Progress = no_progress) -> ReportDocument:
    from fincloud.assessments import selectors

    assessment = selectors.current_assessment(service)
    if assessment is None:
        raise ReportRefused("service", "no_assessment", str(NO_ASSESSMENT % {"service": service}))
    assessment = selectors.assessment_queryset().get(pk=assessment.pk)
    progress("collect", 20)
    rows = {r.row: r for r in selectors.contract_rows(assessment)}
    # contract_rows prefetches documents and measures (with owners); the judges in one query.
    judges = get_user_model().objects.in_bulk({r.updated_by_id for r in rows.values()} - {None})
    catalog = load_catalog(assessment.catalog_edition)
    opts = options(catalog, lang)
    progress("collect", 50)

    table_rows: list[tuple[Any, ...]] = []
    counts = {"compliant": 0, "not_compliant": 0, "not_applicable": 0, "": 0}
    for line in annex3_layout.lines(catalog, lang):
        if line.kind != "row":
            table_rows.append((Cell(line.text, bold=True, shade=True, span=5),))
            continue
        row = rows.get(line.node.id.removeprefix("a3."))
        if row is not None:
            counts[row.judgement] = counts.get(row.judgement, 0) + 1
        table_rows.append(
            (
                line.text,
                boxes(opts, ticked(row.judgement, opts) if row is not None else None),
                documents_cell(row),
                remark(row, service, judges.get(row.updated_by_id) if row else None),
                measures_cell(row),
            )
        )
    footnote = catalog.get("a3.part2.fn1")
    title = _("CSP contract checklist (Annex 3)")
    decided = (
        f"{person(assessment.decided_by)} {when(assessment.decided_at)}"
        if assessment.decided_at
        else DASH
    )
    blocks: list[Block] = [
        Facts(
            (
                (_("Cloud service"), service.name),
                (_("Cloud service provider"), service.csp.name),
                (_("Classification"), service.get_classification_display() or DASH),
                (
                    _("Pre-use assessment"),
                    f"v{assessment.version} · {assessment.get_state_display()}",
                ),
                (
                    _("Prepared by"),
                    f"{person(assessment.prepared_by)} {when(assessment.prepared_at)}",
                ),
                (_("Approved by"), decided),
                (
                    _("Rows"),
                    _(
                        "%(listed)s of %(all)s rows apply: %(ok)s compliant, %(no)s not "
                        "compliant, %(na)s not applicable, %(open)s not judged"
                    )
                    % {
                        "listed": len(rows),
                        "all": len(annex3_layout.row_ids(catalog)),
                        "ok": counts["compliant"],
                        "no": counts["not_compliant"],
                        "na": counts["not_applicable"],
                        "open": counts[""],
                    },
                ),
            )
        ),
        Heading(_("Check result"), sheet=title),
        Table(
            columns=(
                _("Requirement"),
                catalog.get("a3").data["result_column_en" if lang == "en" else "result_column_zh"],
                _("Covering documents"),
                _("Remarks"),
                _("Alternative measures (Ch 3.3)"),
            ),
            rows=tuple(table_rows),
            widths=(4.2, 1.3, 2.2, 2.4, 2.0),
        ),
        Paragraph(f"1 {footnote.text(lang)}", style="note"),
    ]
    progress("render", 60)
    return document(
        title=title,
        subtitle=f"{service.name} · {service.csp.name}",
        lang=lang,
        blocks=blocks,
        landscape=True,
        sheet=title,
    )


def produce(
    service: Any, fmt: str, lang: Lang, progress: Progress, params: dict[str, Any]
) -> bytes:
    doc = build(service, lang, progress)
    return render(doc, fmt)
