"""What still keeps an assessment from submission and approval, section by section.

Every blocker names the row, item, country or certificate it is about and the rule, in the
reader's language; warnings (a certificate expiring soon) do not block. The overview page,
``assessment_submit`` and ``assessment_approve`` all read the same report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from fincloud.assessments import checklist
from fincloud.assessments.checks import RowState, certificate_status, row_problems
from fincloud.assessments.matrix import rating_label
from fincloud.assessments.models import (
    Assessment,
    ChecklistAnswer,
    ContractRowCheck,
    DueDiligenceAnswer,
    Risk,
)
from fincloud.assessments.selectors import evidence_counts
from fincloud.determinations.services import current_determinations

# Section keys, in the order the overview shows them.
SECTIONS = (
    "suitability",
    "scope",
    "materiality",
    "risks",
    "locations",
    "due_diligence",
    "contract",
    "head_office",
    "checklist",
)

SUITABILITY_MISSING = _("Suitability (Ch 1.2): %(fields)s not recorded.")
NOT_EVALUATED = _(
    "Scope and classification: not computed yet; compute them from the service's data."
)
STALE = _(
    "Scope and classification: the service's data changed since they were computed; compute "
    "them again."
)
NOT_JUDGED = _(
    "Materiality (Ch 2.2): not judged yet; it decides the classification of an in-scope "
    "service. Rate factors (a)–(g) and record the judgement with its reason."
)
NO_ROWS_YET = _(
    "Contract checklist (Annex 3): the rows that apply follow from the classification; "
    "compute it first."
)
NEEDS_JUDGEMENT = _(
    "Materiality (Ch 2.2): the service is in scope; rate factors (a)–(g) and record the "
    "judgement with its reason."
)
RISK_UNRATED = _("Risk “%(risk)s”: rate likelihood and impact.")
RISK_NO_OWNER = _("Risk “%(risk)s”: name its risk owner (Ch 2.2 mechanism (c)).")
RISK_UNTREATED = _(
    "Risk “%(risk)s” is rated %(rating)s, above what the matrix accepts: choose a treatment, "
    "describe it and rate the residual risk (Ch 2.2 mechanism (a), (d))."
)
RISK_NO_DUE = _("Risk “%(risk)s”: a mitigation needs a due date.")
LOCATION_DP = _(
    "Location %(country)s: offshore and not on the FAQ-10 list of Ch 1.2 (c); record the "
    "assessment that its data-protection law is not lower than Taiwan's."
)
LOCATION_STABILITY = _(
    "Location %(country)s: classification 1 needs the documented assessment of its legal, "
    "political and economic stability (Annex 3 row 18.I.4.3.2, Ch 1.2 (a))."
)
DESIGNATION_MISSING = _(
    "Locations: record whether the institution may designate the processing and storage "
    "locations (Ch 1.2 (b))."
)
DISCLOSURE_MISSING = _(
    "Locations: record whether the CSP notifies the institution when local law compels "
    "disclosure to a third party (Ch 1.2 (d))."
)
NO_LOCATIONS = _("Locations: the register lists no processing or storage location.")
DEPTH_MISSING = _("Due diligence (Ch 3.1): choose the depth by risk and record why.")
DD_OPEN = _("Due-diligence item (%(item)s): not answered.")
DD_NO_EVIDENCE = _("Due-diligence item (%(item)s): attach the evidence the answer rests on.")
CERT_EXPIRED = _(
    "Certificate %(cert)s of %(csp)s expired on %(date)s, before the planned start "
    "%(start)s: it must be valid when use starts (Ch 3.1 (g))."
)
CERT_EXPIRING = _(
    "Certificate %(cert)s of %(csp)s expires on %(date)s, within %(days)s days of the planned "
    "start %(start)s: ask for the renewal."
)
NO_CERTS = _("%(csp)s has no certification recorded in the register (Ch 3.1 (g)).")
NO_START = _(
    "Planned start of use: not recorded; certificates are checked against it (Ch 3.1 (g))."
)
NO_INCIDENT_MISSING = _(
    "Annex 3 row 18.I.6: link the CSP's declaration of no incidents in the last three years."
)
ROW_MESSAGES: Mapping[str, Any] = {
    "unjudged": _("Contract row %(row)s: judge it 符合, 未符合 or 不適用."),
    "compliant_without_document": _(
        "Contract row %(row)s (符合): link the stored documents that cover it."
    ),
    "na_without_reason": _("Contract row %(row)s (不適用): give the reason."),
    "nc_without_impact": _(
        "Contract row %(row)s (未符合): record the Ch 3.3 assessment of the impact on customer "
        "rights or operations, and whether it is significant."
    ),
    "nc_without_measure": _(
        "Contract row %(row)s (未符合) has a significant impact: plan an alternative measure "
        "(a)–(d) of Ch 3.3 with an owner and a date."
    ),
    "tailored_without_reason": _("Contract row %(row)s: say how and why it is tailored."),
}
NEWER_REVISION = _(
    "Contract row %(row)s was judged on an earlier revision of “%(document)s”; a newer one has "
    "been stored since: check the row again."
)
HO_NO_CONTRACT = _(
    "Head office: the head office's contract with the CSP (sub-outsourcing, 複委託) is not "
    "recorded; it is checked against Annex 3 like any other (Ch 9.1)."
)
HO_AUDITOR = _(
    "Head office: assess the independence and qualification of the head office's auditors "
    "whose reports are relied on (Ch 9.1 (e), Ch 7.2)."
)
HO_AUDITOR_NOT_INDEPENDENT = _(
    "Head office: the auditors relied on were assessed as not independent (Ch 7.2 (c)); "
    "their reports cannot stand in for an audit."
)
CHECKLIST_OPEN = _("Annex 2 item “%(item)s”: not answered.")
CHECKLIST_NO_EVIDENCE = _("Annex 2 item “%(item)s”: attach the evidence the answer rests on.")
CHECKLIST_SECTION = _("Annex 2 item “%(item)s”: complete the section %(section)s.")

SUITABILITY_LABELS = {
    "planned_start": _("planned start of use"),
    "suitability_business": _("business"),
    "suitability_technical": _("technical"),
    "suitability_financial": _("financial"),
    "suitability_csp": _("cloud service provider"),
    "migration_path": _("migration path (5R)"),
    "migration_reason": _("why this path"),
}


@dataclass(frozen=True)
class Problem:
    section: str
    code: str
    message: str


@dataclass
class ChecklistRow:
    item: checklist.ChecklistItem
    answer: ChecklistAnswer
    done: bool
    evidence: int


@dataclass
class Readiness:
    blockers: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    checklist: list[ChecklistRow] = field(default_factory=list)
    classification: str | None = None
    in_scope: bool | None = None
    head_office: bool = False  # the service relies on a head office (Ch 9.1)
    determinations: dict[str, Any] = field(default_factory=dict)

    def section_ok(self, section: str) -> bool:
        return not any(p.section == section for p in self.blockers)

    @property
    def sections(self) -> list[tuple[str, bool]]:
        return [(s, self.section_ok(s)) for s in SECTIONS]


def _msg(template: Any, **params: Any) -> str:
    return str(template) % params


def _blank(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, str) and not value.strip())


def readiness(  # noqa: PLR0912, PLR0915 - one pass over the sections, in order
    assessment: Assessment, *, today: dt.date | None = None
) -> Readiness:
    from fincloud.assessments.services import settings_get

    today = today or timezone.localdate()
    report = Readiness()
    add = report.blockers.append
    warn = report.warnings.append
    service = assessment.service
    lang_en = (get_language() or "").startswith("en")
    joiner = ", " if lang_en else "、"

    # Suitability (Ch 1.2).
    missing = [
        str(label)
        for name, label in SUITABILITY_LABELS.items()
        if _blank(getattr(assessment, name))
    ]
    if missing:
        add(
            Problem(
                "suitability",
                "suitability",
                _msg(SUITABILITY_MISSING, fields=joiner.join(missing)),
            )
        )

    # Scope and classification (RULES.md §1, §2).
    dets = current_determinations(assessment)
    report.determinations = dets
    scope = dets.get("scope")
    cls = dets.get("classification")
    locs = dets.get("locations")
    if scope is not None:
        report.in_scope = bool((scope.outcome or {}).get("in_scope"))
    if cls is not None:
        report.classification = cls.outcome
    if scope is None or locs is None:
        add(Problem("scope", "not_evaluated", str(NOT_EVALUATED)))
    elif any(d.stale for d in dets.values() if d.kind != "materiality") or getattr(
        service, "classification_stale", False
    ):
        add(Problem("scope", "stale", str(STALE)))
    if report.in_scope and assessment.material is None:
        add(Problem("materiality", "judgement", str(NEEDS_JUDGEMENT)))
    elif report.in_scope is None and assessment.material is None:
        add(Problem("materiality", "judgement", str(NOT_JUDGED)))
    elif scope is not None and cls is None and not any(p.code == "stale" for p in report.blockers):
        add(Problem("scope", "not_evaluated", str(NOT_EVALUATED)))
    class_1 = report.classification == "material_consumer_finance_offshore"

    # Risks (Ch 2.2 mechanism (a)-(d)).
    matrix = assessment.matrix.matrix()
    for risk in assessment.risks.all():
        name = risk.display_title("en" if lang_en else "zh")[:60]
        if risk.likelihood is None or risk.impact is None:
            add(Problem("risks", "unrated", _msg(RISK_UNRATED, risk=name)))
            continue
        if risk.owner_id is None:
            add(Problem("risks", "no_owner", _msg(RISK_NO_OWNER, risk=name)))
        rating = matrix.rating(risk.likelihood, risk.impact)
        if not matrix.accepted(rating):
            if (
                not risk.treatment
                or not risk.treatment_plan.strip()
                or risk.residual_likelihood is None
            ):
                label = rating_label(rating, "en" if lang_en else "zh")
                add(Problem("risks", "untreated", _msg(RISK_UNTREATED, risk=name, rating=label)))
            elif risk.treatment == Risk.Treatment.MITIGATE and risk.due_date is None:
                add(Problem("risks", "no_due", _msg(RISK_NO_DUE, risk=name)))

    # Locations (RULES.md §5, Ch 1.2).
    needing = set()
    if locs is not None and isinstance(locs.outcome, dict):
        needing = set(dict(locs.outcome).get("locations_needing_assessment") or ())
    reviews = [r for r in assessment.location_reviews.all() if r.present]
    if not reviews:
        add(Problem("locations", "none", str(NO_LOCATIONS)))
    for review in reviews:
        if review.country in needing and not review.data_protection_assessment.strip():
            add(Problem("locations", "data_protection", _msg(LOCATION_DP, country=review.country)))
        if class_1 and not review.stability_assessment.strip():
            add(Problem("locations", "stability", _msg(LOCATION_STABILITY, country=review.country)))
    if assessment.designation_right is None:
        add(Problem("locations", "designation", str(DESIGNATION_MISSING)))
    if assessment.disclosure_notice is None:
        add(Problem("locations", "disclosure", str(DISCLOSURE_MISSING)))

    # Due diligence (Ch 3.1).
    if not assessment.due_diligence_depth or not assessment.due_diligence_depth_reason.strip():
        add(Problem("due_diligence", "depth", str(DEPTH_MISSING)))
    dd = list(assessment.due_diligence_answers.all())
    dd_files = evidence_counts(DueDiligenceAnswer, [a.pk for a in dd])
    for answer in dd:
        letter = checklist.letter_of(answer.item_id)
        if answer.result == DueDiligenceAnswer.Result.OPEN:
            add(Problem("due_diligence", "open", _msg(DD_OPEN, item=letter)))
        elif answer.result != DueDiligenceAnswer.Result.NOT_APPLICABLE and not dd_files[answer.pk]:
            add(Problem("due_diligence", "evidence", _msg(DD_NO_EVIDENCE, item=letter)))
    start = assessment.planned_start
    warn_days = settings_get().certificate_warning_days
    certs = list(service.csp.certifications.all())
    if not certs:
        warn(Problem("due_diligence", "no_certs", _msg(NO_CERTS, csp=service.csp.name)))
    if start is None:
        warn(Problem("due_diligence", "no_start", str(NO_START)))
    else:
        for cert in certs:
            status = certificate_status(
                cert.expiry_date, planned_start=start, today=today, warn_days=warn_days
            )
            params = {
                "cert": str(cert),
                "csp": service.csp.name,
                "date": f"{cert.expiry_date:%Y-%m-%d}" if cert.expiry_date else "",
                "start": f"{start:%Y-%m-%d}",
                "days": warn_days,
            }
            if status == "expired":
                add(Problem("due_diligence", "cert_expired", _msg(CERT_EXPIRED, **params)))
            elif status == "expiring":
                warn(Problem("due_diligence", "cert_expiring", _msg(CERT_EXPIRING, **params)))
    if class_1 and assessment.no_incident_document_id is None:
        add(Problem("due_diligence", "no_incident", str(NO_INCIDENT_MISSING)))

    # Contract checklist (Annex 3, Ch 3.3).
    rows = list(
        assessment.contract_rows.filter(applicable=True)
        .annotate(
            n_docs=Count("documents", distinct=True),
            n_measures=Count(
                "measures",
                filter=Q(measures__owner__isnull=False, measures__due_date__isnull=False),
                distinct=True,
            ),
        )
        .order_by("order")
        .prefetch_related("documents", "revisions")
    )
    if cls is None:
        add(Problem("contract", "no_rows", str(NO_ROWS_YET)))
    row_ok: dict[str, bool] = {}
    for row in rows:
        problems = row_problems(
            RowState(
                row=row.row,
                judgement=row.judgement,  # type: ignore[arg-type]
                na_reason=row.na_reason,
                impact_assessment=row.impact_assessment,
                significant_impact=row.significant_impact,
                complete_measures=row.n_measures,  # type: ignore[attr-defined]
                tailored=row.tailored,
                tailoring_reason=row.tailoring_reason,
                documents=row.n_docs,  # type: ignore[attr-defined]
            )
        )
        row_ok[row.row] = not problems
        if row.judgement == "compliant":
            checked = {f.pk for f in row.revisions.all()}
            for doc in row.documents.all():
                if doc.current_file_id and doc.current_file_id not in checked:
                    warn(
                        Problem(
                            "contract",
                            "newer_revision",
                            _msg(NEWER_REVISION, row=row.row, document=doc.title),
                        )
                    )
        for code in problems:
            add(Problem("contract", code, _msg(ROW_MESSAGES[code], row=row.row)))

    # Foreign-bank branch relying on its head office (Ch 9.1).
    reliance = _reliance(service)
    report.head_office = reliance is not None
    if reliance is not None:
        if reliance.relies_contracts and reliance.head_office_contract_id is None:
            add(Problem("head_office", "contract", str(HO_NO_CONTRACT)))
        if reliance.relies_audits:
            if reliance.auditor_independent is None or not reliance.auditor_assessment.strip():
                add(Problem("head_office", "auditor", str(HO_AUDITOR)))
            elif reliance.auditor_independent is False:
                add(Problem("head_office", "auditor_independence", str(HO_AUDITOR_NOT_INDEPENDENT)))

    # The Annex 2 backbone: items answered directly, and items answered by their section.
    answers = {a.item_id: a for a in assessment.checklist_answers.all()}
    files = evidence_counts(ChecklistAnswer, [a.pk for a in answers.values()])
    from fincloud.assessments.services import section_label

    for item in checklist.before_use_items():
        item_answer = answers.get(item.id)
        if item_answer is None:
            continue
        text = item.text("en" if lang_en else "zh")
        if item.section == "answer":
            done = item_answer.status == ChecklistAnswer.Status.NOT_APPLICABLE or (
                item_answer.status == ChecklistAnswer.Status.DONE and files[item_answer.pk] > 0
            )
            if item_answer.status == ChecklistAnswer.Status.OPEN:
                add(Problem("checklist", "open", _msg(CHECKLIST_OPEN, item=text)))
            elif not done:
                add(Problem("checklist", "evidence", _msg(CHECKLIST_NO_EVIDENCE, item=text)))
        elif item.section == "contract":
            done = bool(item.contract_rows) and all(
                row_ok.get(r, report.in_scope is False) for r in item.contract_rows
            )
            if not done and report.in_scope is not False:
                add(
                    Problem(
                        "checklist",
                        "section",
                        _msg(CHECKLIST_SECTION, item=text, section=section_label("contract")),
                    )
                )
        else:
            done = report.section_ok(item.section)
        report.checklist.append(ChecklistRow(item, item_answer, done, files[item_answer.pk]))
    return report


def _reliance(service: Any) -> Any:
    try:
        return service.head_office_reliance
    except Exception:
        return None


def blockers_by_section(report: Readiness) -> dict[str, list[Problem]]:
    out: dict[str, list[Problem]] = {s: [] for s in SECTIONS}
    for p in report.blockers:
        out.setdefault(p.section, []).append(p)
    return out


def contract_row_states(rows: list[ContractRowCheck]) -> dict[str, tuple[str, ...]]:
    """Problems per row for the contract page (rows prefetched with documents and measures)."""
    out: dict[str, tuple[str, ...]] = {}
    for row in rows:
        measures = [m for m in row.measures.all() if m.owner_id and m.due_date]
        out[row.row] = row_problems(
            RowState(
                row=row.row,
                judgement=row.judgement,  # type: ignore[arg-type]
                na_reason=row.na_reason,
                impact_assessment=row.impact_assessment,
                significant_impact=row.significant_impact,
                complete_measures=len(measures),
                tailored=row.tailored,
                tailoring_reason=row.tailoring_reason,
                documents=len(row.documents.all()),
            )
        )
    return out
