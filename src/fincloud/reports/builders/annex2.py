"""Annex 2 (使用雲端服務建議檢核表): the institution-level 日常執行與控管 part, and for one service
its 使用前評估 / 使用中評估 / 使用後 parts. Every row of the form (階段, 領域, 子領域) with its
status, what it rests on, the evidence references, who confirmed it and when.

Where the answers come from (each through the owning app's selectors):
- 日常執行與控管: the governance app's Annex 2 answers and its approved records
  (fincloud.governance.selectors.checklist_rows);
- 使用前評估: the service's pre-use assessment, item by item as its overview judges them
  (fincloud.assessments.readiness);
- 使用中評估 and 使用後: the records the manual's sections name for each row (Ch 3.4 attainment
  and periodic reviews, Ch 5/6 control assessments, Ch 7 audits, Ch 8 BIA, BCP, drills,
  incidents, exit and deletion). A row is 已完成 on an approved (or completed) record,
  進行中 while one is being prepared, 有缺失 when the record shows a shortfall (an SLA breach,
  an overdue audit, an overdue notification), 尚無紀錄 when nothing is recorded, and 尚未適用
  for the after-use rows of a service still in use.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from fincloud.catalog import Catalog, Node, load_catalog
from fincloud.reports.builders.base import (
    DASH,
    Lang,
    Progress,
    document,
    document_ref,
    evidence_ref,
    no_progress,
    person,
    render,
    when,
)
from fincloud.reports.document import Block, Cell, Facts, Heading, Paragraph, ReportDocument, Table
from fincloud.workflow.models import State

MET, IN_PROGRESS, SHORTFALL, MISSING, NOT_YET, NOT_APPLICABLE = (
    "met",
    "in_progress",
    "shortfall",
    "missing",
    "not_yet",
    "not_applicable",
)


def status_label(status: str) -> str:
    return {
        MET: _("Done"),
        IN_PROGRESS: _("In progress"),
        SHORTFALL: _("Shortfall"),
        MISSING: _("Nothing recorded"),
        NOT_YET: _("Not yet due"),
        NOT_APPLICABLE: _("Not applicable"),
    }[status]


@dataclass
class Row:
    node: Node
    status: str  # a label, in the report's language
    basis: str = ""  # what the status rests on
    evidence: list[str] = field(default_factory=list)
    confirmed_by: str = DASH
    confirmed_at: str = DASH


# -- the form's columns ------------------------------------------------------------------------


def _columns(catalog: Catalog, lang: Lang) -> tuple[str, ...]:
    form = tuple(catalog.get("a2").data["columns_en" if lang == "en" else "columns_zh"])
    return (*form, _("Status"), _("Basis"), _("Evidence"), _("Confirmed by"), _("Confirmed at"))


def _table_rows(catalog: Catalog, stage: str, rows: list[Row], lang: Lang) -> tuple[Any, ...]:
    """Rows as the form prints them: the stage and domain beside each sub-domain; a domain
    without sub-domains (雲端委外查核) is its own row."""
    out: list[tuple[Any, ...]] = []
    stage_text = catalog.get(stage).text(lang)
    for row in rows:
        node = row.node
        if node.kind == "domain":
            domain, item = node.text(lang), DASH
        else:
            parent = catalog.parent(node.id)
            domain, item = (parent.text(lang) if parent else DASH), node.text(lang)
        out.append(
            (
                stage_text,
                domain,
                Cell(item, bold=node.kind == "domain"),
                row.status,
                row.basis,
                "\n".join(row.evidence) or DASH,
                row.confirmed_by,
                row.confirmed_at,
            )
        )
    return tuple(out)


def _part(catalog: Catalog, stage: str, rows: list[Row], lang: Lang, sheet: str) -> list[Block]:
    return [
        Heading(catalog.get(stage).text(lang), sheet=sheet),
        Table(
            columns=_columns(catalog, lang),
            rows=_table_rows(catalog, stage, rows, lang),
            widths=(1.1, 1.6, 1.8, 1.0, 2.8, 2.8, 1.3, 1.2),
        ),
    ]


def _rows_of(catalog: Catalog, stage: str) -> list[Node]:
    """The form's rows of a stage: its sub-domains, and the domains that have none."""
    out: list[Node] = []
    for domain in catalog.children(stage):
        items = [n for n in catalog.children(domain.id) if n.kind == "checklist_item"]
        out.extend(items or [domain])
    return out


# -- 日常執行與控管 (governance) -------------------------------------------------------------------


def daily_rows(catalog: Catalog) -> list[Row]:
    from fincloud.governance import selectors

    found = {r.node.id: r for r in selectors.checklist_rows()}
    out: list[Row] = []
    for node in _rows_of(catalog, "a2.daily"):
        row = found.get(node.id)
        answer = row.answer if row else None
        system = [s for s in row.system if s.ok] if row else []
        evidence = [s.label for s in system] + [evidence_ref(f) for f in (row.files if row else [])]
        if answer is not None:
            out.append(
                Row(
                    node,
                    answer.get_answer_display(),
                    answer.note,
                    evidence,
                    person(answer.answered_by),
                    when(answer.answered_at),
                )
            )
        elif system:
            out.append(Row(node, status_label(MET), _("Approved records in fincloud"), evidence))
        else:
            out.append(Row(node, status_label(MISSING), "", evidence))
    return out


# -- 使用前評估 (the pre-use assessment) ----------------------------------------------------------


def before_rows(catalog: Catalog, service: Any) -> tuple[list[Row], Any]:
    from fincloud.assessments import selectors
    from fincloud.assessments.models import ChecklistAnswer
    from fincloud.assessments.readiness import readiness
    from fincloud.assessments.services import section_label

    assessment = selectors.current_assessment(service)
    nodes = _rows_of(catalog, "a2.before")
    if assessment is None:
        return [Row(n, status_label(MISSING), _("No pre-use assessment yet.")) for n in nodes], None
    report = readiness(assessment)
    by_item = {r.item.id: r for r in report.checklist}
    answers = [r.answer for r in report.checklist]
    files = selectors.evidence_by_owner(ChecklistAnswer, [a.pk for a in answers])
    contract = {r.row: r for r in selectors.contract_rows(assessment)}
    users = _users({a.updated_by_id for a in answers})
    out: list[Row] = []
    for node in nodes:
        item = by_item.get(node.id)
        if item is None:
            out.append(Row(node, status_label(MISSING)))
            continue
        answer = item.answer
        if answer.status == ChecklistAnswer.Status.NOT_APPLICABLE:
            status = status_label(NOT_APPLICABLE)
        else:
            status = status_label(MET if item.done else IN_PROGRESS)
        basis = answer.answer
        evidence = [evidence_ref(f) for f in files.get(str(answer.pk), [])]
        if item.item.section == "contract":
            rows = [contract[r] for r in item.item.contract_rows if r in contract]
            judged = sum(1 for r in rows if r.judgement)
            basis = _("Annex 3 rows %(rows)s: %(judged)s of %(n)s judged") % {
                "rows": ", ".join(item.item.contract_rows),
                "judged": judged,
                "n": len(rows),
            }
            evidence += sorted({document_ref(d) for r in rows for d in r.documents.all()})
        elif item.item.section != "answer":
            basis = _("Answered in the assessment's section “%(section)s”") % {
                "section": section_label(item.item.section)
            }
        out.append(
            Row(
                node,
                status,
                basis,
                evidence,
                person(users.get(answer.updated_by_id)) if answer.updated_by_id else DASH,
                when(answer.updated_at),
            )
        )
    return out, assessment


def _users(ids: set[Any]) -> dict[Any, Any]:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.in_bulk(ids - {None})


# -- 使用中評估 and 使用後 (oversight, controls, audits, resilience) ------------------------------


def _record_row(node: Node, record: Any, basis: str, evidence: list[str] | None = None) -> Row:
    """A row that rests on an approvable record: approved -> done (confirmed by the approver),
    otherwise in progress (prepared by ...)."""
    if record is None:
        return Row(node, status_label(MISSING), basis, evidence or [])
    label = f"{record.workflow_type_label} v{record.version} · {record.get_state_display()}"
    if record.state == State.APPROVED:
        return Row(
            node,
            status_label(MET),
            basis,
            [label, *(evidence or [])],
            person(record.decided_by),
            when(record.decided_at),
        )
    return Row(
        node,
        status_label(IN_PROGRESS),
        basis,
        [label, *(evidence or [])],
        person(record.prepared_by),
        when(record.prepared_at),
    )


def _latest(queryset: Any) -> Any:
    """The approved version if there is one, else the newest one being prepared."""
    rows = list(queryset.exclude(state=State.SUPERSEDED).order_by("-version", "-pk")[:5])
    approved = [r for r in rows if r.state == State.APPROVED]
    return approved[0] if approved else (rows[0] if rows else None)


def _attainment(node: Node, service: Any) -> Row:
    from fincloud.oversight import selectors

    found = selectors.service_attainments(service, limit=3)
    latest = found["months"][:1] + found["quarters"][:1]
    review = _latest(selectors.reviews(service=service))
    evidence = [
        _("%(period)s: %(actual)s %% (target %(target)s %%)%(breach)s")
        % {
            "period": r.period,
            "actual": f"{r.availability_percent:.3f}"
            if r.availability_percent is not None
            else DASH,
            "target": f"{r.target_percent:g}",
            "breach": _(", breach") if r.breach else "",
        }
        for r in latest
    ]
    if not latest:
        row = _record_row(node, review, _("No SLA attainment computed yet."))
        if review is None:
            return row
        return row
    breach = any(r.breach for r in latest)
    basis = _("SLA attainment (Ch 3.4 (b)) computed %(when)s") % {
        "when": when(latest[0].computed_at)
    }
    if review is not None:
        row = _record_row(node, review, basis, evidence)
    else:
        row = Row(node, status_label(MET), basis, evidence)
    if breach:
        row.status = status_label(SHORTFALL)
    return row


def _controls(node: Node, service: Any, sections: tuple[str, ...] | None) -> Row:
    """Ch 5 (security) or Ch 6.5 (resources): the newest control assessment's coverage."""
    from fincloud.controls import selectors
    from fincloud.controls.models import ControlAssessment

    latest = selectors.latest_assessment_ids([service.pk]).get(service.pk)
    if latest is None:
        return Row(node, status_label(MISSING), _("No control assessment yet (Ch 5, Ch 6)."))
    record = selectors.assessment_detail(ControlAssessment.objects.get(pk=latest).code)
    by_section = selectors.coverage_by_assessment([latest]).get(latest, {})
    chosen = {k: v for k, v in by_section.items() if sections is None or k.startswith(sections)}
    total = selectors.total(chosen)
    basis = _(
        "Control assessment of %(date)s: %(done)s of %(scope)s items implemented, %(gaps)s gaps"
    ) % {
        "date": record.as_of.isoformat(),
        "done": total.implemented,
        "scope": total.in_scope,
        "gaps": total.gaps,
    }
    row = _record_row(node, record, basis)
    if record.state == State.APPROVED and total.gaps:
        row.status = status_label(SHORTFALL)
    return row


def _audit(node: Node, service: Any, today: dt.date) -> Row:
    from fincloud.audits.models import Audit, AuditPlanEntry, AuditReport

    entry = AuditPlanEntry.objects.filter(service=service).first()
    closed = (
        Audit.objects.filter(service=service, status=Audit.Status.CLOSED)
        .order_by("-completed_on", "-planned_end")
        .first()
    )
    report = (
        AuditReport.objects.filter(audit=closed, state=State.APPROVED)
        .select_related("decided_by", "prepared_by")
        .order_by("-version")
        .first()
        if closed
        else None
    )
    basis = ""
    if entry is not None:
        basis = _("Next general audit due %(due)s (every %(months)s months, Ch 7.1)") % {
            "due": entry.next_general_due.isoformat(),
            "months": entry.interval_months,
        }
    evidence = [f"{closed.title} · {closed.completed_on or DASH}"] if closed else []
    if report is not None:
        row = _record_row(node, report, basis, evidence)
    elif Audit.objects.filter(service=service).exclude(status=Audit.Status.CANCELLED).exists():
        row = Row(node, status_label(IN_PROGRESS), basis, evidence)
    else:
        row = Row(node, status_label(MISSING), basis, evidence)
    overdue = entry is not None and (
        entry.next_general_due < today
        or (entry.next_special_due is not None and entry.next_special_due < today)
    )
    if overdue:
        row.status = status_label(SHORTFALL)
        row.basis = f"{basis} · {_('overdue')}"
    return row


def _incidents(node: Node, service: Any) -> Row:
    from fincloud.resilience import selectors
    from fincloud.resilience.models import NotificationRule

    rules = NotificationRule.objects.count()
    incidents = list(selectors.incidents().filter(service=service).order_by("-detected_at")[:5])
    overdue = (
        selectors.open_notices()
        .filter(incident__service=service, due_at__lt=timezone.now())
        .count()
    )
    basis = _("%(rules)s notification rules; %(n)s incidents of this service recorded") % {
        "rules": rules,
        "n": selectors.incidents().filter(service=service).count(),
    }
    evidence = [f"{i.reference} {i.title} · {i.get_status_display()}" for i in incidents]
    status = MET if rules else MISSING
    if overdue:
        status = SHORTFALL
        basis += " · " + _("%(n)s notifications overdue") % {"n": overdue}
    return Row(node, status_label(status), basis, evidence)


def in_use_rows(catalog: Catalog, service: Any) -> list[Row]:
    from fincloud.resilience import selectors as res

    today = timezone.localdate()
    out: list[Row] = []
    for node in _rows_of(catalog, "a2.in_use"):
        key = node.id
        if key == "a2.in_use.1.1":
            out.append(_attainment(node, service))
        elif key == "a2.in_use.1.2":
            out.append(_controls(node, service, ("ch6.5",)))
        elif key == "a2.in_use.1.3":
            out.append(_controls(node, service, ("ch5.",)))
        elif key == "a2.in_use.2":
            out.append(_audit(node, service, today))
        elif key == "a2.in_use.3.1":
            bia = _latest(res.impact_analyses().filter(service=service))
            out.append(_record_row(node, bia, _("Business impact analysis (Ch 8.1)")))
        elif key in {"a2.in_use.3.2", "a2.in_use.3.3"}:
            plan = _latest(res.plans().filter(service=service))
            basis = _("Business continuity plan (Ch 8.3)")
            if key == "a2.in_use.3.3" and plan is not None:
                basis = _("Backup in the BCP (Ch 8.3 (a)(2)): %(method)s; %(where)s") % {
                    "method": plan.backup_method,
                    "where": plan.backup_location,
                }
            out.append(_record_row(node, plan, basis))
        elif key == "a2.in_use.3.4":
            report = _latest(res.drill_reports().filter(drill__plan__service=service))
            out.append(_record_row(node, report, _("Drill results (Ch 8.4)")))
        elif key == "a2.in_use.3.5":
            out.append(_incidents(node, service))
        else:
            out.append(Row(node, status_label(MISSING)))
    return out


def after_rows(catalog: Catalog, service: Any) -> list[Row]:
    from fincloud.register.models import Stage
    from fincloud.resilience import selectors as res

    nodes = _rows_of(catalog, "a2.after")
    if service.stage != Stage.AFTER_USE and not res.executions().filter(service=service).exists():
        return [
            Row(n, status_label(NOT_YET), _("The service is not being exited (Ch 8.5)."))
            for n in nodes
        ]
    out: list[Row] = []
    for node in nodes:
        if node.id == "a2.after.1.1":
            record = _latest(res.deletions().filter(execution__service=service))
            basis = (
                f"{record.get_method_display()} · {record.performed_on.isoformat()}"
                if record
                else _("Deletion record (Ch 8.5)")
            )
            out.append(_record_row(node, record, basis))
        else:
            from fincloud.resilience.models import DataTransfer

            transfers = list(
                DataTransfer.objects.filter(execution__service=service)
                .select_related("recorded_by")
                .order_by("-started_on")
            )
            verified = " · " + _("integrity verified")
            evidence = [
                f"{t} · {t.completed_on or DASH}{verified if t.verified else ''}" for t in transfers
            ]
            done = bool(transfers) and all(t.verified for t in transfers)
            last = transfers[0] if transfers else None
            out.append(
                Row(
                    node,
                    status_label(MET if done else (IN_PROGRESS if transfers else MISSING)),
                    _("Data transfers (Ch 8.5)"),
                    evidence,
                    person(last.recorded_by) if last else DASH,
                    when(last.recorded_at) if last else DASH,
                )
            )
    return out


# -- the report ----------------------------------------------------------------------------------


def build(service: Any | None, lang: Lang, progress: Progress = no_progress) -> ReportDocument:
    catalog = load_catalog()
    progress("collect", 10)
    blocks: list[Block] = []
    title = catalog.get("a2").text(lang) + _(" (Annex 2)")
    if service is not None:
        blocks.append(
            Facts(
                (
                    (_("Cloud service"), service.name),
                    (_("Cloud service provider"), service.csp.name),
                    (_("Classification"), service.get_classification_display() or DASH),
                    (_("Stage"), service.get_stage_display()),
                )
            )
        )
    daily = catalog.get("a2.daily").text(lang)
    blocks += _part(catalog, "a2.daily", daily_rows(catalog), lang, daily)
    progress("collect", 30)
    if service is not None:
        before, assessment = before_rows(catalog, service)
        note = (
            _("Pre-use assessment v%(v)s · %(state)s%(approved)s")
            % {
                "v": assessment.version,
                "state": assessment.get_state_display(),
                "approved": (
                    _(", approved by %(who)s %(when)s")
                    % {"who": person(assessment.decided_by), "when": when(assessment.decided_at)}
                    if assessment.decided_at
                    else ""
                ),
            }
            if assessment is not None
            else _("No pre-use assessment yet.")
        )
        part = _part(catalog, "a2.before", before, lang, catalog.get("a2.before").text(lang))
        blocks += [part[0], Paragraph(note, style="note"), *part[1:]]
        progress("collect", 55)
        blocks += _part(
            catalog,
            "a2.in_use",
            in_use_rows(catalog, service),
            lang,
            catalog.get("a2.in_use").text(lang),
        )
        progress("collect", 75)
        blocks += _part(
            catalog,
            "a2.after",
            after_rows(catalog, service),
            lang,
            catalog.get("a2.after").text(lang),
        )
    progress("render", 80)
    return document(
        title=title,
        subtitle=(f"{service.name} · {service.csp.name}" if service is not None else daily),
        lang=lang,
        blocks=blocks,
        landscape=True,
        sheet=daily,
    )


def produce(
    service: Any, fmt: str, lang: Lang, progress: Progress, params: dict[str, Any]
) -> bytes:
    return render(build(service, lang, progress), fmt)
