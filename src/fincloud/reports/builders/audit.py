"""The report of one audit of a cloud service (Ch 7: "個別金融機構仍就其各自之委外項目及雲端服務
應用情形，依風險基礎方法進行查核並分別出具查核報告"): scope and arrangement (Ch 7.1), the auditors
and their independence (Ch 7.2), the programme by Ch 7.3 domain with each item's result, the
findings with severity and status, and the sign-off (the approved audit report, through the
workflow). Read through fincloud.audits' selectors."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fincloud.catalog import load_catalog
from fincloud.reports.builders.base import (
    DASH,
    Lang,
    Progress,
    day,
    document,
    no_progress,
    person,
    render,
    when,
)
from fincloud.reports.document import Cell, Facts, Heading, Paragraph, ReportDocument, Table
from fincloud.workflow.models import State


def sign_off(audit: Any) -> Any:
    """The approved report of the audit (its newest version), else the newest one at all."""
    reports = list(
        audit.reports.select_related("prepared_by", "submitted_by", "decided_by").order_by(
            "-version"
        )
    )
    approved = [r for r in reports if r.state == State.APPROVED]
    return approved[0] if approved else (reports[0] if reports else None)


def build(audit: Any, lang: Lang, progress: Progress = no_progress) -> ReportDocument:
    from fincloud.audits import selectors

    catalog = load_catalog()
    service = audit.service
    programme = list(selectors.programme_of(audit))
    findings = list(selectors.findings_of(audit))
    assignments = list(
        audit.assignments.select_related("auditor", "auditor__unit").order_by("role", "pk")
    )
    participants = list(audit.participants.all())
    report = sign_off(audit)
    progress("collect", 50)
    today = timezone.localdate()

    blocks: list[Any] = [
        Facts(
            (
                (_("Cloud service"), service.name),
                (_("Cloud service provider"), service.csp.name),
                (_("Classification"), service.get_classification_display() or DASH),
                (_("Kind"), audit.get_kind_display()),
                (
                    _("Arrangement"),
                    audit.get_arrangement_display()
                    + (f" · {audit.third_party}" if audit.third_party else ""),
                ),
                (_("Audit period"), f"{day(audit.planned_start)} – {day(audit.planned_end)}"),
                (_("Status"), audit.get_status_display()),
                (_("Completed on"), day(audit.completed_on)),
                (_("Single point of contact"), person(audit.contact)),
                (_("CSP's contact for the audit"), audit.csp_contact or DASH),
            )
        ),
        Heading(_("Scope")),
        Paragraph(audit.scope or DASH),
        Paragraph(
            _("Service model %(model)s; material: %(material)s.")
            % {"model": audit.service_model, "material": _("yes") if audit.material else _("no")},
            "note",
        ),
    ]
    if participants:
        blocks.append(
            Table(
                columns=(_("Joint with"), _("Its own report"), _("Report date")),
                rows=tuple(
                    (p.institution, p.own_report_reference or DASH, day(p.own_report_date))
                    for p in participants
                ),
                widths=(3, 3, 1.2),
            )
        )
    blocks += [
        Heading(_("Auditors (Ch 7.2)")),
        Table(
            columns=(_("Auditor"), _("Role"), _("Kind"), _("Unit or firm")),
            rows=tuple(
                (
                    a.auditor.name,
                    a.get_role_display(),
                    a.auditor.get_kind_display(),
                    a.auditor.firm or (str(a.auditor.unit) if a.auditor.unit_id else DASH),
                )
                for a in assignments
            ),
            widths=(2, 1.4, 1.6, 2.4),
        ),
        Heading(_("Programme (Ch 7.3)")),
    ]
    programme_rows: list[tuple[Any, ...]] = []
    domain = None
    for item in programme:
        key = item.domain_id or "focus"
        if key != domain:
            domain = key
            title = (
                catalog.get(item.domain_id).text(lang)
                if item.domain_id
                else _("Focus items (a)–(f) for a material service")
            )
            programme_rows.append((Cell(title, bold=True, shade=True, span=5),))
        node = catalog.find(item.catalog_id)
        programme_rows.append(
            (
                item.catalog_id,
                node.text(lang) if node else DASH,
                item.get_result_display(),
                item.conclusion or DASH,
                f"{person(item.tested_by)} {when(item.tested_at)}" if item.tested_at else DASH,
            )
        )
    blocks.append(
        Table(
            columns=(_("Item"), _("Check"), _("Result"), _("Conclusion"), _("Tested by")),
            rows=tuple(programme_rows),
            widths=(1.1, 3.4, 1.2, 2.6, 1.5),
        )
    )
    severity_counts = {
        s: sum(1 for f in findings if f.severity == s) for s in ("high", "medium", "low")
    }
    blocks += [
        Heading(_("Findings")),
        Paragraph(
            _("%(n)s findings: %(high)s high, %(medium)s medium, %(low)s low; %(open)s not closed.")
            % {
                "n": len(findings),
                "high": severity_counts["high"],
                "medium": severity_counts["medium"],
                "low": severity_counts["low"],
                "open": sum(1 for f in findings if f.status != "closed"),
            }
        ),
        Table(
            columns=(
                _("Finding"),
                _("Severity"),
                _("Status"),
                _("Owner"),
                _("Due"),
                _("CSP's response"),
                _("Remediation and verification"),
            ),
            rows=tuple(
                (
                    f"{f.title}\n{f.description}"
                    + (f"\n{_('Recommendation')}: {f.recommendation}" if f.recommendation else ""),
                    f.get_severity_display(),
                    f.get_status_display()
                    + (f"\n{_('overdue')}" if f.status != "closed" and f.due_date < today else ""),
                    person(f.owner),
                    day(f.due_date),
                    (f.csp_response or DASH)
                    + (f"\n{day(f.csp_responded_on)}" if f.csp_responded_on else ""),
                    "\n".join(
                        x
                        for x in (
                            f.remediation,
                            f"{person(f.remediated_by)} {when(f.remediated_at)}"
                            if f.remediated_at
                            else "",
                            f.verification,
                            f"{_('Verified by')} {person(f.verified_by)} {when(f.verified_at)}"
                            if f.verified_at
                            else "",
                        )
                        if x
                    )
                    or DASH,
                )
                for f in findings
            ),
            widths=(3.2, 0.9, 1.3, 1.3, 1.0, 2.0, 2.4),
        ),
        Heading(_("Sign-off")),
    ]
    if report is None:
        blocks.append(Paragraph(_("No audit report has been prepared yet.")))
    else:
        blocks += [
            Facts(
                (
                    (_("Audit report"), f"v{report.version} · {report.get_state_display()}"),
                    (_("Report date"), day(report.report_date)),
                    (_("Prepared by"), f"{person(report.prepared_by)} {when(report.prepared_at)}"),
                    (
                        _("Submitted by"),
                        f"{person(report.submitted_by)} {when(report.submitted_at)}"
                        if report.submitted_at
                        else DASH,
                    ),
                    (
                        _("Approved by"),
                        f"{person(report.decided_by)} {when(report.decided_at)}"
                        if report.state == State.APPROVED
                        else _("Not approved yet"),
                    ),
                )
            ),
            Heading(_("Summary"), level=2),
            Paragraph(report.summary),
            Heading(_("Overall conclusion"), level=2),
            Paragraph(report.conclusion),
        ]
    progress("render", 60)
    return document(
        title=_("Audit report"),
        subtitle=audit.title,
        lang=lang,
        blocks=blocks,
        landscape=True,
    )


def produce(audit: Any, fmt: str, lang: Lang, progress: Progress, params: dict[str, Any]) -> bytes:
    return render(build(audit, lang, progress), fmt)
