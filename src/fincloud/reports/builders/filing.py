"""The regulator filing pack of a classification-1 service (委外辦法 §18 I: a material
consumer-finance information system processed offshore needs the regulator's approval): the
service as filed, the materiality judgement, the locations with their stability assessments,
the §18 I rows of Annex 3 as judged, and the list of attachments with each file's SHA-256.
Read through fincloud.register's and fincloud.assessments' selectors."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from fincloud.catalog import load_catalog
from fincloud.reports.builders import annex3_layout
from fincloud.reports.builders.annex3 import documents_cell, options, remark, ticked
from fincloud.reports.builders.base import (
    DASH,
    Lang,
    Progress,
    day,
    document,
    document_ref,
    evidence_ref,
    institution_name,
    no_progress,
    person,
    render,
    when,
    yes_no,
)
from fincloud.reports.document import Facts, Heading, Paragraph, ReportDocument, Table, boxes
from fincloud.reports.errors import NO_ASSESSMENT, NOT_CLASS_1, ReportRefused

CLASS_1 = "material_consumer_finance_offshore"


def _minutes(value: int | None) -> str:
    return DASH if value is None else _("%(n)s minutes") % {"n": value}


def attachments(assessment: Any) -> list[dict[str, Any]]:
    """The filing's items (Annex 3 §18 I documents, the institution's own list, added ones),
    each with its linked documents and attached files, in the filing page's order."""
    from fincloud.assessments import selectors
    from fincloud.assessments.models import FilingItem

    items = list(
        assessment.filing_items.filter(active=True)
        .prefetch_related("documents__current_file")
        .select_related("institution_item")
        .order_by("order", "id")
    )
    files = selectors.evidence_by_owner(FilingItem, [i.pk for i in items])
    return [
        {
            "item": item,
            "documents": list(item.documents.all()),
            "files": files.get(str(item.pk), []),
        }
        for item in items
    ]


def build(service: Any, lang: Lang, progress: Progress = no_progress) -> ReportDocument:
    from fincloud.assessments import checklist, selectors
    from fincloud.register import selectors as register

    if service.classification != CLASS_1:
        raise ReportRefused("service", "classification", str(NOT_CLASS_1 % {"service": service}))
    current = selectors.current_assessment(service)
    if current is None:
        raise ReportRefused("service", "no_assessment", str(NO_ASSESSMENT % {"service": service}))
    assessment = selectors.assessment_queryset().get(pk=current.pk)
    detail = register.service_detail(service.code)
    catalog = load_catalog(assessment.catalog_edition)
    progress("collect", 20)

    blocks: list[Any] = [
        Paragraph(catalog.get("a3.18.I").text(lang), "lead"),
        Facts(
            (
                (_("Applicant"), institution_name(lang)),
                (_("Cloud service"), service.name),
                (_("Cloud service provider"), f"{service.csp.name} ({service.csp.country})"),
                (_("Classification"), service.get_classification_display()),
                (
                    _("Pre-use assessment"),
                    f"v{assessment.version} · {assessment.get_state_display()}"
                    + (
                        f" · {person(assessment.decided_by)} {when(assessment.decided_at)}"
                        if assessment.decided_at
                        else ""
                    ),
                ),
                (
                    _("Ready to file"),
                    f"{person(assessment.filing_ready_by)} {when(assessment.filing_ready_at)}"
                    if assessment.filing_ready_at
                    else _("Not yet"),
                ),
                (_("Filed with the regulator on"), day(assessment.filed_on)),
                (
                    _("Regulator approved on"),
                    f"{day(assessment.regulator_approved_on)} "
                    f"{assessment.regulator_reference}".strip(),
                ),
            )
        ),
        Heading(_("The outsourced work")),
        Facts(
            (
                (_("Business process served"), service.business_process or DASH),
                (_("Information system served"), service.information_system or DASH),
                (
                    _("Service and deployment model"),
                    f"{service.service_model} · {service.get_deployment_model_display()}",
                ),
                (_("Description"), service.description or DASH),
                (
                    _("Availability target (SLA)"),
                    f"{service.availability_target.normalize():f} %"
                    if service.availability_target is not None
                    else DASH,
                ),
                (_("Recovery time objective (RTO)"), _minutes(service.rto_minutes)),
                (_("Recovery point objective (RPO)"), _minutes(service.rpo_minutes)),
                (_("Planned start"), day(service.planned_start)),
            )
        ),
        Heading(_("Materiality (Ch 2.2)")),
        Facts(
            (
                (_("Material"), yes_no(assessment.material)),
                (_("Reason for the judgement"), assessment.materiality_reason or DASH),
                (
                    _("Judged by"),
                    f"{person(assessment.materiality_judged_by)} "
                    f"{when(assessment.materiality_judged_at)}",
                ),
            )
        ),
    ]
    # Locations (Ch 1.2) with the stability assessment Annex 3 row 18.I.4.3.2 asks for.
    reviews = {
        r.country: r for r in assessment.location_reviews.filter(present=True).order_by("country")
    }
    location_rows = []
    for loc in register.location_rows(detail):
        review = reviews.get(loc.country)
        location_rows.append(
            (
                loc.country,
                loc.region or DASH,
                loc.role,
                loc.by or _("the CSP"),
                review.data_protection_assessment if review else DASH,
                review.stability_assessment if review else DASH,
            )
        )
    blocks += [
        Heading(_("Processing and storage locations (Ch 1.2)")),
        Table(
            columns=(
                _("Country"),
                _("Region"),
                _("Role"),
                _("By"),
                _("Data-protection law"),
                _("Legal, political and economic stability"),
            ),
            rows=tuple(location_rows),
            widths=(0.7, 1.2, 1.0, 1.3, 3.0, 3.0),
        ),
    ]
    chain = [
        (
            "　" * depth + sub.name,
            sub.country,
            sub.function,
            document_ref(sub.consent_document) if sub.consent_document_id else DASH,
        )
        for depth, sub in register.sub_processor_tree(detail)
    ]
    blocks += [
        Heading(_("Sub-outsourcing (委外辦法 §10 II)")),
        Table(
            columns=(_("Sub-processor"), _("Country"), _("Function"), _("Written consent")),
            rows=tuple(chain),
            widths=(2.5, 0.8, 2.0, 2.5),
        )
        if chain
        else Paragraph(_("No sub-outsourcing recorded.")),
    ]
    progress("collect", 50)
    # The §18 I rows of Annex 3, judged in the assessment.
    rows = {r.row: r for r in selectors.contract_rows(assessment)}
    opts = options(catalog, lang)
    judged = []
    for row_id in checklist.FILING_ROWS:
        node = catalog.get("a3." + row_id)
        row = rows.get(row_id)
        # Out of the form's context, a row carries its citation and the group line it sits
        # under (四、（三）資訊安全及管理：), else 18.I.4.3.1 would read as a bare "1.".
        context = annex3_layout.brackets(node)
        parent = catalog.parent(node.id)
        if parent is not None and parent.id.count(".") > "a3.18.I".count("."):
            context.append(annex3_layout.marker(catalog, parent) + parent.text(lang))
        judged.append(
            (
                "\n".join([*context, annex3_layout.requirement(catalog, node, lang)]),
                boxes(opts, ticked(row.judgement, opts) if row else None),
                documents_cell(row),
                remark(row, service),
            )
        )
    blocks += [
        Heading(_("Documents of 委外辦法 §18 I (Annex 3)")),
        Table(
            columns=(
                _("Requirement"),
                opts[0] + "/" + opts[1],
                _("Covering documents"),
                _("Remarks"),
            ),
            rows=tuple(judged),
            widths=(4.0, 1.2, 2.4, 2.4),
        ),
    ]
    # The attachments list.
    listed = attachments(assessment)
    attachment_rows = []
    for number, entry in enumerate(listed, start=1):
        item = entry["item"]
        complete = bool(entry["documents"]) or bool(entry["files"])
        attachment_rows.append(
            (
                str(number),
                item.title,
                item.get_source_display() + (f" (a3.{item.row})" if item.row else ""),
                "\n".join(
                    [document_ref(d) for d in entry["documents"]]
                    + [evidence_ref(f) for f in entry["files"]]
                )
                or DASH,
                _("complete") if complete else _("missing"),
                item.note or "",
            )
        )
    missing = sum(1 for r in attachment_rows if r[4] == _("missing"))
    blocks += [
        Heading(_("Attachments"), sheet=_("Attachments")),
        Paragraph(
            _("%(n)s attachments, %(missing)s missing.")
            % {"n": len(attachment_rows), "missing": missing}
        ),
        Table(
            columns=(
                _("No."),
                _("Document"),
                _("Source"),
                _("Documents and files"),
                _("Status"),
                _("Note"),
            ),
            rows=tuple(attachment_rows),
            widths=(0.5, 2.6, 1.6, 3.6, 0.9, 1.6),
            sheet=_("Attachments"),
        ),
    ]
    progress("render", 60)
    return document(
        title=_("Regulator filing pack"),
        subtitle=f"{service.name} · {service.csp.name}",
        lang=lang,
        blocks=blocks,
    )


def produce(
    service: Any, fmt: str, lang: Lang, progress: Progress, params: dict[str, Any]
) -> bytes:
    return render(build(service, lang, progress), fmt)
