"""Write operations of the pre-use assessment (one function per business action).

Each function is keyword-only, runs in one transaction, writes its audit event in that
transaction, and refuses bad input with a ``ValidationError`` naming the field and the rule
(messages are module constants). Rules come from ``fincloud.rules`` (never re-implemented here),
checklists from the catalog (``fincloud.assessments.checklist``), segregation of duties from
``fincloud.workflow``, files from ``fincloud.evidence``, and the service's stage and
classification change only through ``fincloud.register.services``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fincloud.assessments import checklist
from fincloud.assessments.checks import (
    Exposure,
    Thresholds,
    exposure_growth,
    nature_changes,
)
from fincloud.assessments.matrix import MatrixError, default_matrix, parse_matrix
from fincloud.assessments.models import (
    AlternativeMeasure,
    Assessment,
    AssessmentSettings,
    ChecklistAnswer,
    ComparisonCell,
    ComparisonVendor,
    ContractRowCheck,
    DueDiligenceAnswer,
    FilingItem,
    InstitutionFilingItem,
    LocationReview,
    MaterialityRating,
    ReevaluationFlag,
    Risk,
    RiskMatrix,
    VendorComparison,
)
from fincloud.auditlog.models import Action
from fincloud.auditlog.services import record_event, snapshot
from fincloud.determinations.models import Determination
from fincloud.determinations.services import (
    current_determinations,
    determination_confirm,
    determination_record,
    determinations_mark_stale,
)
from fincloud.evidence.models import EvidenceFile
from fincloud.evidence.services import evidence_attach
from fincloud.workflow.models import State
from fincloud.workflow.services import (
    WorkflowError,
    check_can_decide,
    ensure_editable,
    record_approve,
    record_new_version,
    record_submit,
)

# -- messages (module constants: tests and the API match them) ------------------------------

NO_PERMISSION = _("You do not have the permission “%(capability)s”.")
OPEN_ASSESSMENT_EXISTS = _(
    "Service: an assessment of this service is already open (version %(version)s); "
    "continue that one."
)
APPROVED_EXISTS = _(
    "Service: this service already has an approved assessment (version %(version)s); "
    "start a new version of it instead."
)
SERVICE_CLOSED = _("Service: a cancelled or terminated service is not assessed.")
REQUIRED = _("%(field)s: required.")
PLANNED_START_REQUIRED = _(
    "Planned start of use: required, so that certificates can be checked against it (Ch 3.1 (g))."
)
FACTOR_LEVEL_UNKNOWN = _("Factor (%(factor)s) rating: must be low, medium or high.")
FACTORS_INCOMPLETE = _(
    "Materiality: rate all seven factors (a)–(g) of Ch 2.2, each with a note, before the "
    "judgement; missing: %(factors)s."
)
JUDGEMENT_NEEDS_REASON = _(
    "Reason: record why you judge the outsourcing material or not (Ch 2.2: the system "
    "proposes, a person judges)."
)
MATERIAL_REQUIRED = _("Judgement: choose material or not material.")
NEEDS_MATERIALITY = _(
    "Classification: the service is in scope; judge its materiality (Ch 2.2) before the "
    "classification can be computed."
)
LEVEL_RANGE = _("%(field)s: must be a whole number from 1 to 5.")
RISK_PAIR = _("%(field)s: give likelihood and impact together.")
RISK_SEEDED = _("Risk: the risks of Ch 2.2 (a)–(k) stay on the list; rate them instead.")
OWNER_INACTIVE = _("Owner: %(person)s cannot sign in; choose an active person.")
DEPTH_REASON = _("Why this depth: required (Ch 3.1: the depth follows the service and its risk).")
DD_ITEM_SECURITY = _(
    "Due-diligence item (%(item)s) is an information-security item; the security officer "
    "answers it."
)
DD_ITEM_GOVERNANCE = _(
    "Due-diligence item (%(item)s) is answered by the governance officer, not by security."
)
HEAD_OFFICE_NOT_RELIED = _(
    "Taken from the head office: this service does not rely on a head office for due "
    "diligence (Ch 9.1 (b))."
)
NA_NEEDS_REASON = _("Why not applicable: required for 不適用 (not applicable).")
JUDGEMENT_UNKNOWN = _("Judgement: must be 符合, 未符合 or 不適用.")
TAILORING_ONLY_COOPERATION = _(
    "Tailored: only the cooperation rows of Annex 3 part 2 may be tailored (Annex 3 "
    "footnote 1); row %(row)s is a mandatory clause."
)
TAILORING_NEEDS_REASON = _(
    "How and why tailored: required when the row is tailored to the service model and the "
    "split of duties (Annex 3 footnote 1)."
)
DOCUMENT_NOT_FOR_SERVICE = _(
    "Covering documents: “%(document)s” is not a document of this service or its CSP."
)
NO_INCIDENT_WRONG_KIND = _(
    "No-incident declaration: “%(document)s” is not a declaration of no incidents in the "
    "last three years (Annex 3 row 18.I.6)."
)
MEASURE_ONLY_NOT_COMPLIANT = _(
    "Alternative measure: only a row judged 未符合 needs alternative measures (Ch 3.3)."
)
MEASURE_KIND = _("Measure: must be one of (a), (b), (c), (d) of Ch 3.3.")
DUE_DATE_PAST = _("Due date: must not be in the past.")
STATUS_UNKNOWN = _("Status: unknown value “%(value)s”.")
SECTION_ITEM = _(
    "Status: this item is answered in its own section (%(section)s); its status follows from there."
)
FILING_NOT_CLASS_1 = _(
    "Regulator filing: only classification 1 (a material consumer-finance system processed "
    "offshore) is filed for approval (委外辦法 §18 I)."
)
FILING_INCOMPLETE = _("Ready to file: the filing checklist is incomplete; missing: %(items)s.")
FILING_NOT_READY = _("Filed on: mark the filing checklist ready to file first.")
FILING_NOT_FILED = _("Regulator approved on: record the filing date first.")
FILING_DATE_ORDER = _("Regulator approved on: must not be before the filing date.")
FILING_NEEDS_APPROVED = _(
    "Regulator approval: the internal approval of the assessment comes first."
)
FILING_SUPERSEDED = _("Regulator filing: this version has been superseded.")
BLOCKED = _("The assessment cannot be %(verb)s yet: %(problems)s")
CANNOT_NEW_VERSION_OPEN = _(
    "New version: version %(version)s of this service is already open; continue that one."
)
MATRIX_INVALID = _("Risk matrix: %(message)s")
MATRIX_REASON = _("Reason: say why the risk matrix changes.")
COUNTRY_UNKNOWN = _("FAQ-10 countries: “%(value)s” is not an ISO 3166-1 alpha-2 code.")
COMPARISON_ROWS_UNKNOWN = _("Rows: “%(row)s” is not an Annex 3 row.")
COMPARISON_NO_VENDOR = _("Vendors: name at least two candidate vendors to compare.")
COMPARISON_EXAMPLE_READ_ONLY = _(
    "The manual's Annex 4 example is kept as printed and cannot be edited."
)
VENDOR_DUPLICATE = _("Vendor: “%(label)s” is already in this comparison.")

MATRIX_MESSAGES: dict[str, Any] = {
    "five_rows": _("give five rows of ratings (likelihood 1–5)"),
    "five_columns": _("%(field)s: give five ratings (impact 1–5)"),
    "unknown_rating": _("%(field)s: “%(value)s” is not low, medium, high or critical"),
    "not_monotonic": _(
        "%(field)s: a rating must not fall as likelihood or impact rises "
        "(repeated assessments must stay comparable, Ch 2.2 mechanism (b))"
    ),
    "five_labels": _("%(field)s: give five labels"),
    "empty_label": _("%(field)s: a label is empty"),
}

# The register's capabilities, and ours (declared in apps.py).
CAP_PREPARE = "assessments.prepare"
CAP_RISK = "assessments.risk"
CAP_LEGAL = "assessments.legal"
CAP_SECURITY = "assessments.security"
CAP_CONFIGURE = "assessments.configure"
CAP_COMPARE = "assessments.compare"

OPEN_STATES = (State.DRAFT, State.SUBMITTED, State.REJECTED)
NATURE_FIELDS = (
    "service_model",
    "deployment_model",
    "business_process",
    "information_system",
    "involves_license_business",
    "customer_data",
    "personal_data",
    "consumer_finance_system",
    "exclusion",
)


def _invalid(
    errors: Mapping[str, Any], code: str = "invalid", params: Mapping[str, Any] | None = None
) -> ValidationError:
    """A field error whose message is formatted with ``params`` (Django leaves the params of
    a dict-shaped ValidationError unapplied)."""
    return ValidationError(
        {
            field: ValidationError(message, code=code, params=dict(params or {}))
            for field, message in errors.items()
        }
    )


def _require(actor: Any, capability: str) -> None:
    if actor is None:  # the demo loader and the CLI act as the system
        return
    if not actor.can(capability):
        raise ValidationError(NO_PERMISSION, code="permission", params={"capability": capability})


def _editable(assessment: Assessment, actor: Any, capability: str) -> None:
    _require(actor, capability)
    # Read the state from the database: the instance may predate a submission.
    assessment.state = (
        Assessment.objects.filter(pk=assessment.pk).values_list("state", flat=True).first()
        or assessment.state
    )
    ensure_editable(assessment)


def _actor(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


# -- institution-level settings -------------------------------------------------------------


def settings_get() -> AssessmentSettings:
    found = AssessmentSettings.objects.filter(singleton=1).first()
    if found is not None:
        return found
    settings_row, _created = AssessmentSettings.objects.get_or_create(singleton=1)
    return settings_row


def faq_countries(settings_row: AssessmentSettings | None = None) -> frozenset[str]:
    """Ch 1.2 (c): the configured FAQ-10 list, or the manual's own when none is configured."""
    from fincloud.rules.countries import FAQ10_ASSESSED

    row = settings_row or settings_get()
    return frozenset(row.faq_countries) if row.faq_countries else FAQ10_ASSESSED


def thresholds(settings_row: AssessmentSettings | None = None) -> Thresholds:
    row = settings_row or settings_get()
    return Thresholds(
        services_increase=row.services_increase,
        data_growth_percent=Decimal(row.data_growth_percent),
        spend_growth_percent=Decimal(row.spend_growth_percent),
    )


def settings_save(*, actor: Any, **fields: Any) -> AssessmentSettings:
    from fincloud.rules.countries import ISO_3166_ALPHA2

    _require(actor, CAP_CONFIGURE)
    allowed = {
        "services_increase",
        "data_growth_percent",
        "spend_growth_percent",
        "reevaluation_due_days",
        "certificate_warning_days",
        "faq_countries",
    }
    for name in fields:
        if name not in allowed:
            raise _invalid({name: REQUIRED}, code="unknown", params={"field": name})
    countries = fields.get("faq_countries")
    if countries is not None:
        for code in countries:
            if code not in ISO_3166_ALPHA2:
                raise _invalid(
                    {"faq_countries": COUNTRY_UNKNOWN}, code="country", params={"value": code}
                )
        fields["faq_countries"] = sorted(set(countries))
    with transaction.atomic():
        row = settings_get()
        row = AssessmentSettings.objects.select_for_update().get(pk=row.pk)
        before = snapshot(row)
        for name, value in fields.items():
            setattr(row, name, value)
        row.updated_by = _actor(actor)
        row.updated_at = timezone.now()
        row.full_clean()
        row.save()
        record_event(actor=actor, action=Action.UPDATE, obj=row, before=before, after=snapshot(row))
    return row


def current_matrix() -> RiskMatrix:
    found = RiskMatrix.objects.filter(current=True).first()
    if found is not None:
        return found
    with transaction.atomic():
        found = RiskMatrix.objects.select_for_update().filter(current=True).first()
        if found is None:
            found = RiskMatrix.objects.create(
                version=1,
                data=default_matrix().to_json(),
                current=True,
                created_at=timezone.now(),
                reason="default",
            )
    return found


def _matrix_message(exc: MatrixError) -> str:
    template = MATRIX_MESSAGES.get(exc.code, exc.code)
    return str(template) % {"field": exc.field, **exc.params}


def risk_matrix_save(*, actor: Any, data: Mapping[str, object], reason: str) -> RiskMatrix:
    """A new version of the institution's matrix; assessments keep the version they used."""
    _require(actor, CAP_CONFIGURE)
    if not _text(reason):
        raise _invalid({"reason": MATRIX_REASON}, code="reason")
    try:
        matrix = parse_matrix(data)
    except MatrixError as exc:
        raise _invalid(
            {"cells": MATRIX_INVALID}, code=exc.code, params={"message": _matrix_message(exc)}
        ) from None
    with transaction.atomic():
        previous = current_matrix()
        RiskMatrix.objects.filter(pk=previous.pk).update(current=False)
        new = RiskMatrix.objects.create(
            version=previous.version + 1,
            data=matrix.to_json(),
            current=True,
            created_by=_actor(actor),
            created_at=timezone.now(),
            reason=_text(reason),
        )
        record_event(
            actor=actor,
            action=Action.CREATE,
            obj=new,
            changes={"version": [previous.version, new.version], "data": [previous.data, new.data]},
        )
    return new


def institution_filing_item_add(
    *, actor: Any, title: str, description: str = "", order: int = 100
) -> InstitutionFilingItem:
    _require(actor, CAP_PREPARE)
    if not _text(title):
        raise _invalid({"title": REQUIRED}, code="required", params={"field": _("Document")})
    with transaction.atomic():
        item = InstitutionFilingItem.objects.create(
            title=_text(title),
            description=_text(description),
            order=order,
            created_by=actor,
            created_at=timezone.now(),
        )
        record_event(actor=actor, action=Action.CREATE, obj=item, after=snapshot(item))
    return item


def institution_filing_item_retire(*, actor: Any, item: InstitutionFilingItem) -> None:
    _require(actor, CAP_PREPARE)
    with transaction.atomic():
        InstitutionFilingItem.objects.filter(pk=item.pk).update(active=False)
        record_event(actor=actor, action=Action.UPDATE, obj=item, changes={"active": [True, False]})


# -- starting an assessment -----------------------------------------------------------------


def _seed(assessment: Assessment) -> None:
    """The backbone and the starting lists, generated from the catalog."""
    ChecklistAnswer.objects.bulk_create(
        ChecklistAnswer(assessment=assessment, item_id=item.id)
        for item in checklist.before_use_items()
    )
    MaterialityRating.objects.bulk_create(
        MaterialityRating(assessment=assessment, factor=checklist.node_letter(node))
        for node in checklist.materiality_factors()
    )
    # Ch 2.2 risk items (a)-(k) are the starting risk list.
    Risk.objects.bulk_create(
        Risk(assessment=assessment, catalog_id=node.id, title=node.text_zh.rstrip("；;。"), order=i)
        for i, node in enumerate(checklist.risk_items())
    )
    DueDiligenceAnswer.objects.bulk_create(
        DueDiligenceAnswer(assessment=assessment, item_id=node.id)
        for node in checklist.due_diligence_items()
    )


def _open_assessment(service: Any) -> Assessment | None:
    return (
        Assessment.objects.filter(service=service, state__in=OPEN_STATES)
        .order_by("-version")
        .first()
    )


def assessment_start(
    *, actor: Any, service: Any, planned_start: dt.date | None = None
) -> Assessment:
    """Start version 1 of a service's pre-use assessment (Annex 2 使用前評估)."""
    from fincloud.register.models import ServiceStatus

    _require(actor, CAP_PREPARE)
    if service.status in {ServiceStatus.CANCELLED, ServiceStatus.TERMINATED}:
        raise _invalid({"service": SERVICE_CLOSED}, code="closed")
    with transaction.atomic():
        existing = (
            Assessment.objects.select_for_update()
            .filter(service=service)
            .exclude(state=State.SUPERSEDED)
            .order_by("-version")
            .first()
        )
        if existing is not None and existing.state in OPEN_STATES:
            raise _invalid(
                {"service": OPEN_ASSESSMENT_EXISTS},
                code="open_exists",
                params={"version": existing.version},
            )
        if existing is not None:
            raise _invalid(
                {"service": APPROVED_EXISTS},
                code="approved_exists",
                params={"version": existing.version},
            )
        assessment = Assessment.objects.create(
            service=service,
            unit_id=service.unit_id,
            prepared_by=actor,
            prepared_at=timezone.now(),
            matrix=current_matrix(),
            planned_start=planned_start or service.planned_start,
        )
        _seed(assessment)
        locations_sync(assessment)
        after = snapshot(assessment, ["service", "version", "planned_start", "matrix"])
        after["checklist_items"] = [i.id for i in checklist.before_use_items()]
        record_event(actor=actor, action=Action.CREATE, obj=assessment, after=after)
    return assessment


def _carry_evidence(old: models.Model, new: models.Model, actor: Any) -> None:
    """A new version keeps the evidence of the one it supersedes: the same stored blobs,
    attached to the new version's rows (the old rows keep theirs; nothing is copied on disk)."""
    files = EvidenceFile.objects.filter(
        owner_type=ContentType.objects.get_for_model(old), owner_id=str(old.pk)
    ).order_by("document_code", "revision")
    owner_type = ContentType.objects.get_for_model(new)
    codes: dict[Any, Any] = {}
    for f in files:
        doc = codes.setdefault(f.document_code, uuid.uuid4())
        EvidenceFile.objects.create(
            owner_type=owner_type,
            owner_id=str(new.pk),
            document_code=doc,
            revision=f.revision,
            title=f.title,
            kind=f.kind,
            blob_id=f.blob_id,
            original_name=f.original_name,
            effective_date=f.effective_date,
            expiry_date=f.expiry_date,
            catalog_ids=f.catalog_ids,
            note=f.note,
            uploaded_by=f.uploaded_by,
            uploaded_at=f.uploaded_at,
        )


def assessment_new_version(*, actor: Any, assessment: Assessment) -> Assessment:
    """A change to an approved assessment starts a new version that supersedes it once it is
    approved itself; the answers, ratings, risks and checks are carried over."""
    _require(actor, CAP_PREPARE)
    with transaction.atomic():
        open_one = _open_assessment(assessment.service)
        if open_one is not None:
            raise WorkflowError(
                CANNOT_NEW_VERSION_OPEN, code="open_exists", params={"version": open_one.version}
            )
        new = record_new_version(
            record=assessment,
            actor=actor,
            matrix_id=current_matrix().pk,
            filing_ready_at=None,
            filing_ready_by_id=None,
            filed_on=None,
            regulator_approved_on=None,
            regulator_reference="",
        )
        _copy_children(assessment, new, actor)
        locations_sync(new)
        # The determinations are the old version's; the new one computes its own.
    return new


def _clone(obj: Any, **changes: Any) -> Any:
    """Save a copy of a row as a new row (new id, new code), with ``changes`` applied."""
    obj.pk = None
    obj.id = None
    # A prefetched relation of the old row would make ``.set()`` on the copy a no-op.
    obj._prefetched_objects_cache = {}
    if hasattr(obj, "code"):
        obj.code = _new_code()
    for name, value in changes.items():
        setattr(obj, name, value)
    obj.save()
    return obj


def _copy_children(assessment: Assessment, new: Assessment, actor: Any) -> None:
    """Carry the rows of an approved version over to its new draft version, with the evidence
    attached to them."""
    for answer in assessment.checklist_answers.all():
        old = ChecklistAnswer(pk=answer.pk)
        _carry_evidence(old, _clone(answer, assessment=new), actor)
    for rating in assessment.materiality_ratings.all():
        _clone(rating, assessment=new)
    for risk in assessment.risks.all():
        _clone(risk, assessment=new)
    for review in assessment.location_reviews.all():
        _clone(review, assessment=new)
    for dd in assessment.due_diligence_answers.all():
        old_dd = DueDiligenceAnswer(pk=dd.pk)
        _carry_evidence(old_dd, _clone(dd, assessment=new), actor)
    for row in assessment.contract_rows.prefetch_related("documents", "revisions", "measures"):
        documents = list(row.documents.all())
        revisions = list(row.revisions.all())
        measures = list(row.measures.all())
        copy = _clone(row, assessment=new)
        copy.documents.set(documents)
        copy.revisions.set(revisions)
        for measure in measures:
            _clone(measure, row=copy)
    for item in assessment.filing_items.prefetch_related("documents"):
        documents = list(item.documents.all())
        old_item = FilingItem(pk=item.pk)
        copy = _clone(item, assessment=new)
        copy.documents.set(documents)
        _carry_evidence(old_item, copy, actor)


def _new_code() -> uuid.UUID:
    return uuid.uuid4()


# -- suitability (Ch 1.2) -------------------------------------------------------------------

SUITABILITY_FIELDS = (
    "planned_start",
    "suitability_business",
    "suitability_technical",
    "suitability_financial",
    "suitability_csp",
    "migration_path",
    "migration_reason",
    "multi_cloud",
    "portability",
)


def assessment_update_suitability(
    *, actor: Any, assessment: Assessment, **fields: Any
) -> Assessment:
    """Ch 1.2 雲適性評估: business, technical, financial and CSP items (a)-(d), the 5R path with
    its reasons, single or multi-cloud, availability/interoperability/portability."""
    _editable(assessment, actor, CAP_PREPARE)
    for name in fields:
        if name not in SUITABILITY_FIELDS:
            raise _invalid({name: REQUIRED}, code="unknown", params={"field": name})
    with transaction.atomic():
        assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
        before = snapshot(assessment, SUITABILITY_FIELDS)
        for name, value in fields.items():
            setattr(assessment, name, value.strip() if isinstance(value, str) else value)
        assessment.full_clean(exclude=["unit", "prepared_by", "service", "matrix"])
        assessment.save()
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=assessment,
            before=before,
            after=snapshot(assessment, SUITABILITY_FIELDS),
        )
    return assessment


# -- scope, locations and classification (RULES.md §1, §2, §5) -------------------------------


@dataclass(frozen=True)
class _Recorded:
    """Adapts a rules result so ``determination_record`` stores it under our kind."""

    record: dict[str, Any]

    def to_record(self) -> dict[str, Any]:
        return self.record


def _service_where(service: Any) -> dict[str, list[str]]:
    """Country -> where the register lists it (role, region, sub-processor)."""
    where: dict[str, list[str]] = {}
    for loc in service.locations.select_related("sub_processor").order_by("country", "region"):
        text = str(loc.get_role_display())
        if loc.region:
            text += f" {loc.region}"
        if loc.sub_processor_id is not None:
            text += f" ({loc.sub_processor.name})"
        where.setdefault(loc.country, []).append(text)
    return where


def locations_sync(assessment: Assessment) -> None:
    """One review per country where the service or its sub-processors process or store the
    data (Ch 1.2). Countries no longer listed are kept, marked not present."""
    where = _service_where(assessment.service)
    existing = {r.country: r for r in assessment.location_reviews.all()}
    for country, places in where.items():
        text = "; ".join(places)[:500]
        review = existing.get(country)
        if review is None:
            LocationReview.objects.create(assessment=assessment, country=country, where=text)
        elif review.where != text or not review.present:
            LocationReview.objects.filter(pk=review.pk).update(where=text, present=True)
    gone = [r.pk for c, r in existing.items() if c not in where and r.present]
    if gone:
        LocationReview.objects.filter(pk__in=gone).update(present=False)


@dataclass(frozen=True)
class EvaluationOutcome:
    determinations: dict[str, Determination]
    classification: str | None  # None while the materiality judgement is missing


def assessment_evaluate(*, actor: Any, assessment: Assessment) -> EvaluationOutcome:
    """Compute scope, locations and classification with ``fincloud.rules`` from the service's
    data and the materiality judgement; store each as a Determination (inputs, rule version,
    citations, explanation) and record the classification on the service through the
    register."""
    from fincloud.register import services as register
    from fincloud.rules import determine_locations, determine_scope, evaluate, parse_profile

    _editable(assessment, actor, CAP_PREPARE)
    service = assessment.service
    with transaction.atomic():
        assessment = (
            Assessment.objects.select_for_update().select_related("service").get(pk=assessment.pk)
        )
        service = assessment.service
        locations_sync(assessment)
        inputs = register.service_rule_inputs(service, material=bool(assessment.material))
        if not inputs["locations"]:
            raise _invalid(
                {"locations": REQUIRED},
                code="no_locations",
                params={"field": _("Processing and storage locations")},
            )
        profile = parse_profile(inputs)
        assessed = faq_countries()
        scope = determine_scope(
            profile.institution_type,
            profile.license_business_or_customer_data,
            profile.csp_processes_or_stores_data,
            profile.exclusion,
        )
        in_scope = bool(dict(scope.outcome)["in_scope"])  # type: ignore[arg-type]
        stored: dict[str, Determination] = {}
        if in_scope and assessment.material is None:
            stored["scope"] = determination_record(subject=assessment, result=scope, actor=actor)
            stored["locations"] = determination_record(
                subject=assessment,
                result=determine_locations(profile.locations, assessed),
                actor=actor,
            )
            # The classification of an earlier computation no longer holds.
            Determination.objects.filter(
                subject_type=ContentType.objects.get_for_model(assessment),
                subject_id=str(assessment.pk),
                current=True,
                kind__in=["classification", "regulator_approval", "audit_cadence", "contract_rows"],
            ).update(current=False)
            _sync_contract_rows(assessment, ())
            _sync_filing(assessment, False)
            record_event(
                actor=actor,
                action=Action.UPDATE,
                obj=assessment,
                changes={"evaluated": [None, "scope, locations"], "classification": [None, None]},
            )
            return EvaluationOutcome(stored, None)
        result = evaluate(profile, assessed=assessed)
        for part in result.parts:
            stored[part.kind] = determination_record(subject=assessment, result=part, actor=actor)
        register.service_record_classification(
            service=service,
            actor=actor,
            determination=stored["classification"],
            in_scope=result.in_scope,
            offshore=result.offshore,
            material=bool(assessment.material),
            classification=result.classification,
        )
        _sync_contract_rows(assessment, result.contract_rows)
        _sync_filing(assessment, result.regulator_approval_required)
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=assessment,
            changes={
                "classification": [None, result.classification],
                "contract_rows": [None, list(result.contract_rows)],
                "rule_version": [None, result.rule_version],
            },
        )
    return EvaluationOutcome(stored, result.classification)


def _sync_contract_rows(assessment: Assessment, rows: Sequence[str]) -> None:
    """Exactly the Annex 3 rows the rules list for the service; rows that no longer apply are
    kept (with their answers) but not shown or counted."""
    existing = {r.row: r for r in assessment.contract_rows.all()}
    for order, row in enumerate(rows):
        found = existing.get(row)
        if found is None:
            ContractRowCheck.objects.create(assessment=assessment, row=row, order=order)
        elif not found.applicable or found.order != order:
            ContractRowCheck.objects.filter(pk=found.pk).update(applicable=True, order=order)
    stale = [r.pk for row, r in existing.items() if row not in rows and r.applicable]
    if stale:
        ContractRowCheck.objects.filter(pk__in=stale).update(applicable=False)


def _sync_filing(assessment: Assessment, required: bool) -> None:
    """Classification 1: the §18 I documents of Annex 3 plus the institution's own items."""
    from fincloud.catalog import load_catalog

    items = list(assessment.filing_items.all())
    if not required:
        if any(i.active for i in items):
            FilingItem.objects.filter(assessment=assessment).update(active=False)
        return
    catalog = load_catalog(assessment.catalog_edition)
    by_row = {i.row: i for i in items if i.source == FilingItem.Source.ANNEX3}
    by_inst = {i.institution_item_id: i for i in items if i.source == FilingItem.Source.INSTITUTION}
    for order, row in enumerate(checklist.FILING_ROWS):
        node = catalog.get("a3." + row)
        if row in by_row:
            FilingItem.objects.filter(pk=by_row[row].pk).update(active=True)
        else:
            FilingItem.objects.create(
                assessment=assessment,
                source=FilingItem.Source.ANNEX3,
                row=row,
                title=f"{row} {node.text_zh}"[:300],
                order=order,
            )
    for inst in InstitutionFilingItem.objects.filter(active=True):
        if inst.pk in by_inst:
            FilingItem.objects.filter(pk=by_inst[inst.pk].pk).update(active=True)
        else:
            FilingItem.objects.create(
                assessment=assessment,
                source=FilingItem.Source.INSTITUTION,
                institution_item=inst,
                title=inst.title,
                order=100 + inst.order,
            )
    FilingItem.objects.filter(assessment=assessment, source=FilingItem.Source.ASSESSMENT).update(
        active=True
    )


def location_review_save(
    *,
    actor: Any,
    review: LocationReview,
    data_protection_assessment: str = "",
    stability_assessment: str = "",
) -> LocationReview:
    """Ch 1.2 (c) data-protection law of an offshore country off the FAQ-10 list; Ch 1.2 (a)
    and row 18.I.4.3.2 the legal, political and economic stability of the location."""
    _editable(review.assessment, actor, CAP_PREPARE)
    with transaction.atomic():
        review = LocationReview.objects.select_for_update().get(pk=review.pk)
        before = snapshot(review, ["data_protection_assessment", "stability_assessment"])
        review.data_protection_assessment = _text(data_protection_assessment)
        review.stability_assessment = _text(stability_assessment)
        review.updated_by = actor
        review.updated_at = timezone.now()
        review.save()
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=review,
            before=before,
            after=snapshot(review, ["data_protection_assessment", "stability_assessment"]),
        )
    return review


LOCATION_TERMS = ("designation_right", "designation_note", "disclosure_notice", "disclosure_note")


def assessment_update_location_terms(
    *, actor: Any, assessment: Assessment, **fields: Any
) -> Assessment:
    """Ch 1.2 location items (b) the right to designate locations and (d) notice when local
    law compels disclosure to a third party."""
    _editable(assessment, actor, CAP_PREPARE)
    for name in fields:
        if name not in LOCATION_TERMS:
            raise _invalid({name: REQUIRED}, code="unknown", params={"field": name})
    with transaction.atomic():
        assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
        before = snapshot(assessment, LOCATION_TERMS)
        for name, value in fields.items():
            setattr(assessment, name, value.strip() if isinstance(value, str) else value)
        assessment.save()
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=assessment,
            before=before,
            after=snapshot(assessment, LOCATION_TERMS),
        )
    return assessment


# -- materiality (Ch 2.2) --------------------------------------------------------------------


def materiality_save_factors(
    *, actor: Any, assessment: Assessment, ratings: Mapping[str, tuple[str, str]]
) -> None:
    """Ratings and notes of the seven factors (a)-(g); a partial save is allowed."""
    _editable(assessment, actor, CAP_RISK)
    valid = {c.value for c in MaterialityRating.Level}
    for factor, (level, _note) in ratings.items():
        if level and level not in valid:
            raise _invalid(
                {f"level_{factor}": FACTOR_LEVEL_UNKNOWN}, code="level", params={"factor": factor}
            )
    with transaction.atomic():
        rows = {r.factor: r for r in assessment.materiality_ratings.select_for_update()}
        before = {f: [r.level, r.note] for f, r in rows.items()}
        for factor, (level, note) in ratings.items():
            row = rows.get(factor)
            if row is None:
                continue
            row.level = level or ""
            row.note = _text(note)
            row.save(update_fields=["level", "note"])
        after = {f: [r.level, r.note] for f, r in rows.items()}
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=assessment,
            changes={"materiality_factors": [before, after]},
        )


def materiality_factors_of(assessment: Assessment) -> tuple[Any, ...] | None:
    """The seven factors as ``fincloud.rules`` reads them, or None while one is unrated."""
    from fincloud.rules import MaterialityFactor

    rows = sorted(assessment.materiality_ratings.all(), key=lambda r: r.factor)
    if len(rows) != 7 or any(not r.level or not r.note.strip() for r in rows):
        return None
    return tuple(MaterialityFactor(level=r.level, note=r.note.strip()) for r in rows)  # type: ignore[arg-type]


def materiality_proposal(assessment: Assessment) -> Any:
    """The system's proposal for the current ratings (None while a factor is unrated)."""
    from fincloud.rules import propose_materiality

    factors = materiality_factors_of(assessment)
    if factors is None:
        return None
    judged = assessment.material
    proposal, _det = propose_materiality(factors, bool(judged) if judged is not None else False)
    return proposal


def _exposure(csp_id: Any) -> Exposure:
    """The scale of outsourcing to one CSP now: services not cancelled or ended, their
    customer records and annual spend (Ch 2.2 (f))."""
    from fincloud.register.models import CloudService, ServiceStatus, Stage

    row = (
        CloudService.objects.filter(csp_id=csp_id, stage__in=[Stage.BEFORE_USE, Stage.IN_USE])
        .exclude(status__in=[ServiceStatus.CANCELLED, ServiceStatus.TERMINATED])
        .aggregate(n=Count("pk"), records=Sum("data_records"), spend=Sum("annual_spend_twd"))
    )
    return Exposure(
        services=int(row["n"] or 0),
        data_volume=None if row["records"] is None else Decimal(row["records"]),
        annual_spend=None if row["spend"] is None else Decimal(row["spend"]),
    )


def _nature(service: Any) -> dict[str, Any]:
    from fincloud.register.services import service_countries

    data = {name: getattr(service, name) for name in NATURE_FIELDS}
    data["countries"] = list(service_countries(service))
    return data


def materiality_judge(
    *, actor: Any, assessment: Assessment, material: bool | None, reason: str
) -> Determination:
    """The person's judgement, beside the system's proposal: both kept, with the reason
    (Ch 2.2; determination_confirm). Snapshots the exposure to the CSP and the nature of the
    work, which later re-evaluation checks compare against."""
    from fincloud.rules import propose_materiality

    _editable(assessment, actor, CAP_RISK)
    if material is None:
        raise _invalid({"material": MATERIAL_REQUIRED}, code="required")
    if not _text(reason):
        raise _invalid({"reason": JUDGEMENT_NEEDS_REASON}, code="reason")
    factors = materiality_factors_of(assessment)
    if factors is None:
        missing = [
            f"({r.factor})"
            for r in assessment.materiality_ratings.all()
            if not r.level or not r.note.strip()
        ]
        raise _invalid(
            {"material": FACTORS_INCOMPLETE}, code="factors", params={"factors": " ".join(missing)}
        )
    proposal, det = propose_materiality(factors, material)
    record = dict(det.to_record())
    record["kind"] = "materiality"
    record["outcome"] = proposal.proposed
    with transaction.atomic():
        assessment = (
            Assessment.objects.select_for_update().select_related("service").get(pk=assessment.pk)
        )
        stored = determination_record(subject=assessment, result=_Recorded(record), actor=actor)
        determination_confirm(
            determination=stored, actor=actor, outcome=material, reason=_text(reason)
        )
        before = snapshot(assessment, ["material", "materiality_reason"])
        assessment.material = material
        assessment.materiality_reason = _text(reason)
        assessment.materiality_judged_by = actor
        assessment.materiality_judged_at = timezone.now()
        assessment.exposure_snapshot = _exposure(assessment.service.csp_id).to_json()
        assessment.nature_snapshot = _nature(assessment.service)
        assessment.save()
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=assessment,
            before=before,
            after=snapshot(assessment, ["material", "materiality_reason"])
            | {"proposal": proposal.proposed},
        )
        # A new judgement answers every open re-evaluation flag of the service.
        ReevaluationFlag.objects.filter(
            assessment__service_id=assessment.service_id, resolved_at__isnull=True
        ).update(
            resolved_at=timezone.now(),
            resolved_by=actor,
            resolution=str(_("Materiality judged again in version %(v)s."))
            % {"v": assessment.version},
        )
        # The classification rests on the judgement: compute it again.
        determinations_mark_stale(
            subject=assessment,
            kinds=["classification", "regulator_approval", "audit_cadence", "contract_rows"],
            actor=actor,
        )
    return stored


# -- risks (Ch 2.2) ---------------------------------------------------------------------------

RISK_FIELDS = (
    "title",
    "cause",
    "consequence",
    "existing_controls",
    "likelihood",
    "impact",
    "treatment",
    "treatment_plan",
    "residual_likelihood",
    "residual_impact",
    "owner",
    "due_date",
)


def _check_risk(fields: Mapping[str, Any]) -> None:
    labels = {
        "likelihood": _("Likelihood"),
        "impact": _("Impact"),
        "residual_likelihood": _("Residual likelihood"),
        "residual_impact": _("Residual impact"),
    }
    for name, label in labels.items():
        value = fields.get(name)
        if value is not None and (not isinstance(value, int) or not 1 <= value <= 5):
            raise _invalid({name: LEVEL_RANGE}, code="range", params={"field": label})
    for a, b in (("likelihood", "impact"), ("residual_likelihood", "residual_impact")):
        if (fields.get(a) is None) != (fields.get(b) is None):
            missing = a if fields.get(a) is None else b
            raise _invalid({missing: RISK_PAIR}, code="pair", params={"field": labels[missing]})
    owner = fields.get("owner")
    if owner is not None and not owner.is_active:
        raise _invalid({"owner": OWNER_INACTIVE}, code="owner", params={"person": owner})
    if "title" in fields and not _text(fields["title"]):
        raise _invalid({"title": REQUIRED}, code="required", params={"field": _("Risk")})


def risk_add(*, actor: Any, assessment: Assessment, **fields: Any) -> Risk:
    _editable(assessment, actor, CAP_RISK)
    _check_risk(fields)
    with transaction.atomic():
        last = assessment.risks.order_by("-order").values_list("order", flat=True).first() or 0
        risk = Risk(assessment=assessment, order=last + 1)
        for name in RISK_FIELDS:
            if name in fields:
                value = fields[name]
                setattr(risk, name, value.strip() if isinstance(value, str) else value)
        risk.full_clean(exclude=["assessment"])
        risk.save()
        record_event(actor=actor, action=Action.CREATE, obj=risk, after=snapshot(risk))
    return risk


def risk_update(*, actor: Any, risk: Risk, **fields: Any) -> Risk:
    _editable(risk.assessment, actor, CAP_RISK)
    _check_risk(fields)
    with transaction.atomic():
        risk = Risk.objects.select_for_update().get(pk=risk.pk)
        before = snapshot(risk)
        for name in RISK_FIELDS:
            if name in fields:
                value = fields[name]
                setattr(risk, name, value.strip() if isinstance(value, str) else value)
        if risk.catalog_id and not risk.title:
            risk.title = before["title"]
        risk.full_clean(exclude=["assessment"])
        risk.save()
        record_event(
            actor=actor, action=Action.UPDATE, obj=risk, before=before, after=snapshot(risk)
        )
    return risk


def risk_remove(*, actor: Any, risk: Risk) -> None:
    _editable(risk.assessment, actor, CAP_RISK)
    if risk.catalog_id:
        raise ValidationError(RISK_SEEDED, code="seeded")
    with transaction.atomic():
        record_event(actor=actor, action=Action.DELETE, obj=risk, before=snapshot(risk))
        risk.delete()


# -- due diligence (Ch 3.1) -------------------------------------------------------------------


def due_diligence_depth_save(
    *, actor: Any, assessment: Assessment, depth: str, reason: str
) -> Assessment:
    _editable(assessment, actor, CAP_PREPARE)
    if not depth:
        raise _invalid(
            {"due_diligence_depth": REQUIRED},
            code="required",
            params={"field": _("Due-diligence depth")},
        )
    if not _text(reason):
        raise _invalid({"due_diligence_depth_reason": DEPTH_REASON}, code="reason")
    with transaction.atomic():
        assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
        before = snapshot(assessment, ["due_diligence_depth", "due_diligence_depth_reason"])
        assessment.due_diligence_depth = depth
        assessment.due_diligence_depth_reason = _text(reason)
        assessment.full_clean(exclude=["unit", "prepared_by", "service", "matrix"])
        assessment.save()
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=assessment,
            before=before,
            after=snapshot(assessment, ["due_diligence_depth", "due_diligence_depth_reason"]),
        )
    return assessment


def due_diligence_capability(item_id: str) -> str:
    """Security answers the information-security items of Ch 3.1, governance the others."""
    return CAP_SECURITY if item_id in checklist.SECURITY_DUE_DILIGENCE else CAP_PREPARE


def _check_dd_actor(actor: Any, answer: DueDiligenceAnswer) -> None:
    capability = due_diligence_capability(answer.item_id)
    if actor is not None and not actor.can(capability):
        letter = answer.item_id.rsplit(".", 1)[-1]
        message = DD_ITEM_SECURITY if capability == CAP_SECURITY else DD_ITEM_GOVERNANCE
        raise ValidationError(message, code="permission", params={"item": letter})


def _relies_on_head_office(service: Any, what: str) -> bool:
    reliance = getattr(service, "head_office_reliance", None)
    try:
        return bool(reliance and getattr(reliance, what))
    except Exception:
        return False


def due_diligence_answer_save(
    *,
    actor: Any,
    answer: DueDiligenceAnswer,
    result: str,
    answer_text: str = "",
    from_head_office: bool = False,
) -> DueDiligenceAnswer:
    _editable(answer.assessment, None, CAP_PREPARE)
    _check_dd_actor(actor, answer)
    if result not in DueDiligenceAnswer.Result.values:
        raise _invalid({"result": STATUS_UNKNOWN}, code="status", params={"value": result})
    if result == DueDiligenceAnswer.Result.NOT_APPLICABLE and not _text(answer_text):
        raise _invalid({"answer": NA_NEEDS_REASON}, code="reason")
    if from_head_office and not _relies_on_head_office(
        answer.assessment.service, "relies_due_diligence"
    ):
        raise _invalid({"from_head_office": HEAD_OFFICE_NOT_RELIED}, code="head_office")
    with transaction.atomic():
        answer = DueDiligenceAnswer.objects.select_for_update().get(pk=answer.pk)
        before = snapshot(answer, ["result", "answer", "from_head_office"])
        answer.result = result
        answer.answer = _text(answer_text)
        answer.from_head_office = from_head_office
        answer.updated_by = actor
        answer.updated_at = timezone.now()
        answer.save()
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=answer,
            before=before,
            after=snapshot(answer, ["result", "answer", "from_head_office"]),
        )
    return answer


def due_diligence_evidence_attach(
    *, actor: Any, answer: DueDiligenceAnswer, upload: Any, **fields: Any
) -> EvidenceFile:
    _editable(answer.assessment, None, CAP_PREPARE)
    _check_dd_actor(actor, answer)
    return evidence_attach(
        actor=actor, owner=answer, upload=upload, catalog_ids=[answer.item_id], **fields
    )


def due_diligence_answer_many(
    *,
    actor: Any,
    answers: Sequence[DueDiligenceAnswer],
    result: str,
    answer_text: str = "",
    from_head_office: bool = False,
    upload: Any = None,
    title: str = "",
) -> int:
    """Answer several items the same way, with one file as the evidence of each (one report
    often covers several items; the bytes are stored once, content-addressed)."""
    with transaction.atomic():
        for answer in answers:
            due_diligence_answer_save(
                actor=actor,
                answer=answer,
                result=result,
                answer_text=answer_text,
                from_head_office=from_head_office,
            )
            if upload is not None:
                due_diligence_evidence_attach(
                    actor=actor,
                    answer=answer,
                    upload=upload,
                    title=title,
                    kind="head_office_report" if from_head_office else "due_diligence",
                )
    return len(answers)


def no_incident_save(
    *, actor: Any, assessment: Assessment, document: Any, note: str = ""
) -> Assessment:
    """Annex 3 row 18.I.6: the CSP's declaration that no fraud, security or other incident
    harmed customers or the institution's sound operation in the last three years."""
    from fincloud.register.models import Document

    _editable(assessment, actor, CAP_PREPARE)
    if document is not None:
        if document.kind != Document.Kind.NO_INCIDENT_DECLARATION:
            raise _invalid(
                {"no_incident_document": NO_INCIDENT_WRONG_KIND},
                code="kind",
                params={"document": document.title},
            )
        _check_document_for(assessment, [document], "no_incident_document")
    with transaction.atomic():
        assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
        before = snapshot(assessment, ["no_incident_document", "no_incident_note"])
        assessment.no_incident_document = document
        assessment.no_incident_note = _text(note)
        assessment.save()
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=assessment,
            before=before,
            after=snapshot(assessment, ["no_incident_document", "no_incident_note"]),
        )
    return assessment


# -- contract checklist (Annex 3, Ch 3.3) -----------------------------------------------------


def documents_for(assessment: Assessment) -> models.QuerySet[Any]:
    """The register's documents that may cover a row: those of the service, its CSP's, and the
    head office's contract with the CSP (複委託, Ch 9.1)."""
    from fincloud.register.models import Document

    service = assessment.service
    q = Q(services=service) | Q(csp_id=service.csp_id, services__isnull=True)
    reliance_contract = None
    try:
        reliance_contract = service.head_office_reliance.head_office_contract_id
    except Exception:
        reliance_contract = None
    if reliance_contract:
        q |= Q(pk=reliance_contract)
    return (
        Document.objects.filter(q)
        .distinct()
        .select_related("current_file")
        .order_by("kind", "title")
    )


def _check_document_for(assessment: Assessment, documents: Iterable[Any], field: str) -> None:
    allowed = set(documents_for(assessment).values_list("pk", flat=True))
    for doc in documents:
        if doc.pk not in allowed:
            raise _invalid(
                {field: DOCUMENT_NOT_FOR_SERVICE}, code="document", params={"document": doc.title}
            )


def contract_row_save(
    *,
    actor: Any,
    row: ContractRowCheck,
    judgement: str,
    na_reason: str = "",
    documents: Sequence[Any] = (),
    clauses: str = "",
    remarks: str = "",
    tailored: bool = False,
    tailoring_reason: str = "",
    impact_assessment: str = "",
    significant_impact: bool | None = None,
) -> ContractRowCheck:
    """Judge an Annex 3 row 符合 / 未符合 / 不適用 with the documents and clauses that cover it.
    A 未符合 row carries the Ch 3.3 assessment of its impact on customer rights or operations
    (alternative measures are added to it separately)."""
    _editable(row.assessment, actor, CAP_LEGAL)
    if judgement and judgement not in ContractRowCheck.Judgement.values:
        raise _invalid({"judgement": JUDGEMENT_UNKNOWN}, code="judgement")
    if judgement == ContractRowCheck.Judgement.NOT_APPLICABLE and not _text(na_reason):
        raise _invalid({"na_reason": NA_NEEDS_REASON}, code="reason")
    if tailored and not checklist.is_cooperation_row(row.row):
        raise _invalid(
            {"tailored": TAILORING_ONLY_COOPERATION}, code="tailoring", params={"row": row.row}
        )
    if tailored and not _text(tailoring_reason):
        raise _invalid({"tailoring_reason": TAILORING_NEEDS_REASON}, code="reason")
    _check_document_for(row.assessment, documents, "documents")
    fields = (
        "judgement",
        "na_reason",
        "clauses",
        "remarks",
        "tailored",
        "tailoring_reason",
        "impact_assessment",
        "significant_impact",
    )
    with transaction.atomic():
        row = ContractRowCheck.objects.select_for_update().get(pk=row.pk)
        before = snapshot(row, fields)
        before["documents"] = sorted(str(d.code) for d in row.documents.all())
        row.judgement = judgement
        row.na_reason = _text(na_reason) if judgement == "not_applicable" else ""
        row.clauses = _text(clauses)
        row.remarks = _text(remarks)
        row.tailored = tailored
        row.tailoring_reason = _text(tailoring_reason) if tailored else ""
        not_compliant = judgement == ContractRowCheck.Judgement.NOT_COMPLIANT
        row.impact_assessment = _text(impact_assessment) if not_compliant else ""
        row.significant_impact = significant_impact if not_compliant else None
        row.updated_by = actor
        row.updated_at = timezone.now()
        row.save()
        row.documents.set(list(documents))
        # The revision each document had when the row was judged (a later upload is a new
        # revision; the judgement was made on this one).
        revisions = [d.current_file_id for d in documents if d.current_file_id]
        row.revisions.set(revisions)
        after = snapshot(row, fields)
        after["documents"] = sorted(str(d.code) for d in documents)
        after["revisions"] = sorted(revisions)
        record_event(actor=actor, action=Action.UPDATE, obj=row, before=before, after=after)
    return row


def contract_rows_judge_compliant(
    *,
    actor: Any,
    rows: Sequence[ContractRowCheck],
    documents: Sequence[Any],
    clauses: str = "",
    remarks: str = "",
) -> int:
    """Judge several rows 符合 with the same covering documents (Annex 4: one commitment
    letter often covers every row); each row keeps its tailoring."""
    with transaction.atomic():
        for row in rows:
            contract_row_save(
                actor=actor,
                row=row,
                judgement=ContractRowCheck.Judgement.COMPLIANT,
                documents=documents,
                clauses=clauses,
                remarks=remarks,
                tailored=row.tailored,
                tailoring_reason=row.tailoring_reason,
            )
    return len(rows)


def measure_add(
    *,
    actor: Any,
    row: ContractRowCheck,
    kind: str,
    description: str,
    owner: Any,
    due_date: dt.date | None,
) -> AlternativeMeasure:
    """Ch 3.3 (a)-(d): an alternative measure for a clause that could not be agreed."""
    row = ContractRowCheck.objects.select_related("assessment").get(pk=row.pk)
    _editable(row.assessment, actor, CAP_LEGAL)
    if row.judgement != ContractRowCheck.Judgement.NOT_COMPLIANT:
        raise _invalid({"kind": MEASURE_ONLY_NOT_COMPLIANT}, code="not_nc")
    if kind not in AlternativeMeasure.Kind.values:
        raise _invalid({"kind": MEASURE_KIND}, code="kind")
    if not _text(description):
        raise _invalid(
            {"description": REQUIRED}, code="required", params={"field": _("What will be done")}
        )
    if owner is None:
        raise _invalid({"owner": REQUIRED}, code="required", params={"field": _("Owner")})
    if not owner.is_active:
        raise _invalid({"owner": OWNER_INACTIVE}, code="owner", params={"person": owner})
    if due_date is None:
        raise _invalid({"due_date": REQUIRED}, code="required", params={"field": _("Due date")})
    if due_date < timezone.localdate():
        raise _invalid({"due_date": DUE_DATE_PAST}, code="past")
    with transaction.atomic():
        measure = AlternativeMeasure.objects.create(
            row=row,
            kind=kind,
            description=_text(description),
            owner=owner,
            due_date=due_date,
            created_by=actor,
            created_at=timezone.now(),
        )
        after = snapshot(measure)
        after["row"] = row.row
        record_event(actor=actor, action=Action.CREATE, obj=measure, after=after)
    return measure


def measure_remove(*, actor: Any, measure: AlternativeMeasure) -> None:
    _editable(measure.row.assessment, actor, CAP_LEGAL)
    with transaction.atomic():
        record_event(actor=actor, action=Action.DELETE, obj=measure, before=snapshot(measure))
        measure.delete()


# -- the Annex 2 backbone -------------------------------------------------------------------


def checklist_answer_save(
    *, actor: Any, answer: ChecklistAnswer, status: str, answer_text: str = ""
) -> ChecklistAnswer:
    _editable(answer.assessment, actor, CAP_PREPARE)
    if status not in ChecklistAnswer.Status.values:
        raise _invalid({"status": STATUS_UNKNOWN}, code="status", params={"value": status})
    item = next(i for i in checklist.before_use_items() if i.id == answer.item_id)
    if item.section != "answer" and status != ChecklistAnswer.Status.OPEN:
        raise _invalid(
            {"status": SECTION_ITEM},
            code="section",
            params={"section": section_label(item.section)},
        )
    if status == ChecklistAnswer.Status.NOT_APPLICABLE and not _text(answer_text):
        raise _invalid({"answer": NA_NEEDS_REASON}, code="reason")
    with transaction.atomic():
        answer = ChecklistAnswer.objects.select_for_update().get(pk=answer.pk)
        before = snapshot(answer, ["status", "answer"])
        answer.status = status
        answer.answer = _text(answer_text)
        answer.updated_by = actor
        answer.updated_at = timezone.now()
        answer.save()
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=answer,
            before=before,
            after=snapshot(answer, ["status", "answer"]),
        )
    return answer


def checklist_evidence_attach(
    *, actor: Any, answer: ChecklistAnswer, upload: Any, **fields: Any
) -> EvidenceFile:
    _editable(answer.assessment, actor, CAP_PREPARE)
    return evidence_attach(
        actor=actor, owner=answer, upload=upload, catalog_ids=[answer.item_id], **fields
    )


SECTION_LABELS: dict[str, Any] = {
    "locations": _("Locations"),
    "due_diligence": _("Due diligence"),
    "risks": _("Risk assessment"),
    "contract": _("Contract checklist"),
    "answer": _("Answer"),
}


def section_label(section: str) -> str:
    return str(SECTION_LABELS.get(section, section))


# -- regulator filing (classification 1) ----------------------------------------------------


def _filing_editable(assessment: Assessment, actor: Any) -> None:
    """The filing is prepared alongside the assessment and after its internal approval; only a
    superseded version's filing is closed."""
    _require(actor, CAP_PREPARE)
    if assessment.state == State.SUPERSEDED:
        raise ValidationError(FILING_SUPERSEDED, code="superseded")


def _is_class_1(assessment: Assessment) -> bool:
    det = current_determinations(assessment).get("classification")
    return bool(det and not det.stale and det.outcome == "material_consumer_finance_offshore")


def filing_item_save(
    *, actor: Any, item: FilingItem, documents: Sequence[Any], note: str = ""
) -> FilingItem:
    _filing_editable(item.assessment, actor)
    _check_document_for(item.assessment, documents, "documents")
    with transaction.atomic():
        before = sorted(str(d.code) for d in item.documents.all())
        item.note = _text(note)
        item.save(update_fields=["note"])
        item.documents.set(list(documents))
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=item,
            changes={
                "documents": [before, sorted(str(d.code) for d in documents)],
                "note": [None, item.note],
            },
        )
    return item


def filing_evidence_attach(*, actor: Any, item: FilingItem, upload: Any, **fields: Any) -> Any:
    _filing_editable(item.assessment, actor)
    return evidence_attach(actor=actor, owner=item, upload=upload, **fields)


def filing_item_add(*, actor: Any, assessment: Assessment, title: str) -> FilingItem:
    _filing_editable(assessment, actor)
    if not _is_class_1(assessment):
        raise ValidationError(FILING_NOT_CLASS_1, code="not_class_1")
    if not _text(title):
        raise _invalid({"title": REQUIRED}, code="required", params={"field": _("Document")})
    with transaction.atomic():
        item = FilingItem.objects.create(
            assessment=assessment,
            source=FilingItem.Source.ASSESSMENT,
            title=_text(title)[:300],
            order=200 + assessment.filing_items.count(),
        )
        record_event(actor=actor, action=Action.CREATE, obj=item, after=snapshot(item))
    return item


def filing_missing(assessment: Assessment) -> list[FilingItem]:
    """The active filing items with neither a linked document nor an uploaded file."""
    from fincloud.assessments.selectors import evidence_counts

    items = list(assessment.filing_items.filter(active=True).annotate(n_docs=Count("documents")))
    files = evidence_counts(FilingItem, [i.pk for i in items])
    return [i for i in items if not i.n_docs and not files.get(i.pk)]  # type: ignore[attr-defined]


def filing_mark_ready(*, actor: Any, assessment: Assessment) -> Assessment:
    """Ready to file only when every item of the filing checklist is there."""
    _filing_editable(assessment, actor)
    if not _is_class_1(assessment):
        raise ValidationError(FILING_NOT_CLASS_1, code="not_class_1")
    missing = filing_missing(assessment)
    if missing:
        raise ValidationError(
            FILING_INCOMPLETE,
            code="incomplete",
            params={"items": "、".join(i.title for i in missing)},
        )
    with transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(
            filing_ready_at=timezone.now(), filing_ready_by=actor
        )
        assessment.refresh_from_db()
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=assessment,
            changes={"filing_ready_at": [None, assessment.filing_ready_at]},
        )
    return assessment


def filing_record_filed(*, actor: Any, assessment: Assessment, filed_on: dt.date) -> Assessment:
    _filing_editable(assessment, actor)
    if assessment.filing_ready_at is None:
        raise _invalid({"filed_on": FILING_NOT_READY}, code="not_ready")
    with transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(filed_on=filed_on)
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=assessment,
            changes={"filed_on": [assessment.filed_on, filed_on]},
        )
        assessment.filed_on = filed_on
    return assessment


def filing_record_regulator_approval(
    *, actor: Any, assessment: Assessment, approved_on: dt.date, reference: str
) -> Assessment:
    """委外辦法 §18 I: a classification-1 service enters use once the regulator approved it
    (after the internal approval of the assessment)."""
    from fincloud.register import services as register

    _filing_editable(assessment, actor)
    if assessment.state != State.APPROVED:
        raise _invalid({"regulator_approved_on": FILING_NEEDS_APPROVED}, code="not_approved")
    if assessment.filed_on is None:
        raise _invalid({"regulator_approved_on": FILING_NOT_FILED}, code="not_filed")
    if approved_on < assessment.filed_on:
        raise _invalid({"regulator_approved_on": FILING_DATE_ORDER}, code="date_order")
    if not _text(reference):
        raise _invalid(
            {"regulator_reference": REQUIRED},
            code="required",
            params={"field": _("Regulator reference")},
        )
    with transaction.atomic():
        Assessment.objects.filter(pk=assessment.pk).update(
            regulator_approved_on=approved_on, regulator_reference=_text(reference)
        )
        assessment.regulator_approved_on = approved_on
        assessment.regulator_reference = _text(reference)
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=assessment,
            changes={
                "regulator_approved_on": [None, approved_on],
                "regulator_reference": [None, assessment.regulator_reference],
            },
        )
        register.service_enter_use(service=assessment.service, actor=actor, assessment=assessment)
    return assessment


# -- submission and approval -----------------------------------------------------------------


def _blocked(verb: Any, problems: Sequence[Any]) -> WorkflowError:
    text = " ".join(str(p.message) for p in problems)
    return WorkflowError(BLOCKED, code="blocked", params={"verb": verb, "problems": text})


def assessment_submit(*, actor: Any, assessment: Assessment) -> Assessment:
    """Submit for approval once nothing blocks it (every blocker named in the message)."""
    from fincloud.assessments.readiness import readiness

    _require(actor, CAP_PREPARE)
    assessment = Assessment.objects.select_related("service", "matrix").get(pk=assessment.pk)
    report = readiness(assessment)
    if report.blockers:
        raise _blocked(_("submitted"), report.blockers)
    return record_submit(record=assessment, actor=actor)


def assessment_approve(*, actor: Any, assessment: Assessment, comment: str = "") -> Assessment:
    """Approve through the shared workflow (preparer != approver is enforced there). The
    blockers are checked again: a certificate may have expired since the submission."""
    from fincloud.assessments.readiness import readiness

    assessment = Assessment.objects.select_related("service", "matrix").get(pk=assessment.pk)
    if check_can_decide(assessment, actor) is None:
        report = readiness(assessment)
        if report.blockers:
            exc = _blocked(_("approved"), report.blockers)
            record_event(
                actor=actor,
                action=Action.DENIED,
                obj=assessment,
                changes={
                    "attempted": [None, "approve"],
                    "rule": [None, "blocked"],
                    "blockers": [None, [p.code for p in report.blockers]],
                },
            )
            raise exc
    return record_approve(record=assessment, actor=actor, comment=comment)


def on_assessment_approved(assessment: Assessment, actor: Any) -> None:
    """Inside the approving transaction: the service enters use through the register, unless
    it is classification 1, which waits for the regulator's approval (委外辦法 §18 I)."""
    from fincloud.register import services as register

    if not _is_class_1(assessment):
        register.service_enter_use(service=assessment.service, actor=actor, assessment=assessment)
    reevaluation_scan(csp_id=assessment.service.csp_id, actor=actor)


# -- materiality re-evaluation flags (Ch 2.2) -------------------------------------------------


def reevaluation_scan(
    *, csp_id: Any = None, actor: Any = None, today: dt.date | None = None
) -> list[ReevaluationFlag]:
    """Flag each latest materiality judgement whose CSP's outsourcing grew past the configured
    thresholds, or whose service's nature changed, since the judgement (Ch 2.2). Idempotent:
    an open flag of the same reason is kept, not repeated."""
    today = today or timezone.localdate()
    row = settings_get()
    limits = thresholds(row)
    qs = (
        Assessment.objects.exclude(state=State.SUPERSEDED)
        .filter(materiality_judged_at__isnull=False)
        .select_related("service")
        .order_by("service_id", "-version")
    )
    if csp_id is not None:
        qs = qs.filter(service__csp_id=csp_id)
    latest: dict[Any, Assessment] = {}
    for a in qs:
        latest.setdefault(a.service_id, a)
    if not latest:
        return []
    open_flags = set(
        ReevaluationFlag.objects.filter(
            assessment__in=list(latest.values()), resolved_at__isnull=True
        ).values_list("assessment_id", "reason")
    )
    exposures: dict[Any, Exposure] = {}
    created: list[ReevaluationFlag] = []
    for a in latest.values():
        csp = a.service.csp_id
        if csp not in exposures:
            exposures[csp] = _exposure(csp)
        found: list[tuple[str, list[dict[str, str]]]] = []
        if a.exposure_snapshot:
            growth = exposure_growth(
                Exposure.from_json(a.exposure_snapshot), exposures[csp], limits
            )
            if growth:
                found.append(
                    (
                        ReevaluationFlag.Reason.EXPOSURE,
                        [{"kind": g.kind, "before": g.before, "after": g.after} for g in growth],
                    )
                )
        if a.nature_snapshot:
            now = _nature(a.service)
            changed = nature_changes(a.nature_snapshot, now)
            if changed:
                found.append(
                    (
                        ReevaluationFlag.Reason.NATURE,
                        [
                            {
                                "kind": f,
                                "before": str(a.nature_snapshot.get(f)),
                                "after": str(now.get(f)),
                            }
                            for f in changed
                        ],
                    )
                )
        for reason, details in found:
            if (a.pk, reason) in open_flags:
                continue
            flag = ReevaluationFlag.objects.create(
                assessment=a,
                reason=reason,
                details=details,
                detected_on=today,
                due_date=today + dt.timedelta(days=row.reevaluation_due_days),
            )
            record_event(actor=actor, action=Action.CREATE, obj=flag, after=snapshot(flag))
            created.append(flag)
    return created


def on_service_inputs_changed(*, service: Any, fields: Sequence[str], actor: Any) -> None:
    """The register changed an input of the rules: our determinations for the service's open
    assessments no longer hold, and the nature of the work may have changed (Ch 2.2)."""
    for assessment in Assessment.objects.filter(service=service, state__in=OPEN_STATES):
        determinations_mark_stale(subject=assessment, actor=actor)
    reevaluation_scan(csp_id=service.csp_id, actor=actor)


# -- vendor comparison (Annex 4 layout) ------------------------------------------------------


def _check_rows(rows: Sequence[str]) -> list[str]:
    from fincloud.rules.citations import CONTRACT_ROWS

    for row in rows:
        if row not in CONTRACT_ROWS:
            raise _invalid({"rows": COMPARISON_ROWS_UNKNOWN}, code="row", params={"row": row})
    chosen = set(rows)
    return [r for r in CONTRACT_ROWS if r in chosen]  # the manual's order


def comparison_create(
    *,
    actor: Any,
    title: str,
    rows: Sequence[str],
    vendors: Sequence[tuple[str, Any]],
    description: str = "",
    service: Any = None,
) -> VendorComparison:
    """The same checklist across candidate CSPs (Annex 4 layout: rows x vendors)."""
    _require(actor, CAP_COMPARE)
    if not _text(title):
        raise _invalid({"title": REQUIRED}, code="required", params={"field": _("Title")})
    ordered = _check_rows(rows)
    if not ordered:
        raise _invalid({"rows": REQUIRED}, code="required", params={"field": _("Rows")})
    labels = [_text(label) for label, _csp in vendors if _text(label)]
    if len(labels) < 2:
        raise _invalid({"vendors": COMPARISON_NO_VENDOR}, code="vendors")
    if len(set(labels)) != len(labels):
        dup = next(label for label in labels if labels.count(label) > 1)
        raise _invalid({"vendors": VENDOR_DUPLICATE}, code="duplicate", params={"label": dup})
    with transaction.atomic():
        comparison = VendorComparison.objects.create(
            title=_text(title),
            description=_text(description),
            service=service,
            rows=ordered,
            created_by=_actor(actor),
            created_at=timezone.now(),
        )
        for i, (label, csp) in enumerate(vendors):
            if _text(label):
                ComparisonVendor.objects.create(
                    comparison=comparison, label=_text(label), csp=csp, order=i
                )
        after = snapshot(comparison)
        after["vendors"] = labels
        record_event(actor=actor, action=Action.CREATE, obj=comparison, after=after)
    return comparison


def comparison_vendor_add(
    *, actor: Any, comparison: VendorComparison, label: str, csp: Any = None
) -> ComparisonVendor:
    _require(actor, CAP_COMPARE)
    if comparison.is_example:
        raise ValidationError(COMPARISON_EXAMPLE_READ_ONLY, code="example")
    if not _text(label):
        raise _invalid({"label": REQUIRED}, code="required", params={"field": _("Vendor")})
    if comparison.vendors.filter(label=_text(label)).exists():
        raise _invalid(
            {"label": VENDOR_DUPLICATE}, code="duplicate", params={"label": _text(label)}
        )
    with transaction.atomic():
        vendor = ComparisonVendor.objects.create(
            comparison=comparison,
            label=_text(label),
            csp=csp,
            order=comparison.vendors.count(),
        )
        record_event(actor=actor, action=Action.CREATE, obj=vendor, after=snapshot(vendor))
    return vendor


def comparison_cell_save(
    *,
    actor: Any,
    vendor: ComparisonVendor,
    row: str,
    judgement: str = "",
    documents: str = "",
    remarks: str = "",
) -> ComparisonCell:
    _require(actor, CAP_COMPARE)
    comparison = vendor.comparison
    if comparison.is_example:
        raise ValidationError(COMPARISON_EXAMPLE_READ_ONLY, code="example")
    if row not in comparison.rows:
        raise _invalid({"row": COMPARISON_ROWS_UNKNOWN}, code="row", params={"row": row})
    if judgement and judgement not in ContractRowCheck.Judgement.values:
        raise _invalid({"judgement": JUDGEMENT_UNKNOWN}, code="judgement")
    if judgement == ContractRowCheck.Judgement.NOT_APPLICABLE and not _text(remarks):
        raise _invalid({"remarks": NA_NEEDS_REASON}, code="reason")
    with transaction.atomic():
        cell, _created = ComparisonCell.objects.select_for_update().get_or_create(
            vendor=vendor, row=row
        )
        before = snapshot(cell, ["judgement", "documents", "remarks"])
        cell.judgement = judgement
        cell.documents = _text(documents)
        cell.remarks = _text(remarks)
        cell.save()
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=cell,
            before=before,
            after=snapshot(cell, ["judgement", "documents", "remarks"]),
        )
    return cell


def comparison_load_a4_example(*, actor: Any = None, edition: str = "2025") -> VendorComparison:
    """The manual's Annex 4 vendor A/B/C example, as printed (documents and remarks per cell,
    no 符合/未符合 marks, shown with the manual's "for reference only" disclaimer).
    Idempotent: loading it again changes nothing."""
    from fincloud.catalog import load_a4_example

    existing = VendorComparison.objects.filter(is_example=True, catalog_edition=edition).first()
    if existing is not None:
        return existing
    example = load_a4_example(edition)
    with transaction.atomic():
        comparison = VendorComparison.objects.create(
            title="附件4 CSP合約檢核表（檢核案例示範）",
            description=example.disclaimer_zh,
            rows=[r.row.removeprefix("a3.") for r in example.rows],
            is_example=True,
            catalog_edition=edition,
            created_by=_actor(actor),
            created_at=timezone.now(),
        )
        vendors = {
            label: ComparisonVendor.objects.create(
                comparison=comparison, label=f"廠商 {label}", order=i
            )
            for i, label in enumerate(example.vendors)
        }
        cells = []
        for a4row in example.rows:
            for cell in a4row.cells:
                cells.append(
                    ComparisonCell(
                        vendor=vendors[cell.vendor],
                        row=a4row.row.removeprefix("a3."),
                        documents=cell.documents_zh or "",
                        remarks=cell.remarks_zh or "",
                        documents_en=cell.documents_en or "",
                        remarks_en=cell.remarks_en or "",
                    )
                )
        ComparisonCell.objects.bulk_create(cells)
        record_event(
            actor=actor,
            action=Action.CREATE,
            obj=comparison,
            after={"annex4_example": edition, "rows": comparison.rows, "cells": len(cells)},
        )
    return comparison


def comparison_from_assessment(
    *, actor: Any, assessment: Assessment, title: str
) -> VendorComparison:
    """Start a comparison with the assessment's applicable rows; the assessed CSP's column is
    filled from the contract checklist (documents, remarks and judgement)."""
    _require(actor, CAP_COMPARE)
    rows = list(
        assessment.contract_rows.filter(applicable=True)
        .order_by("order")
        .prefetch_related("documents")
    )
    if not rows:
        raise _invalid({"rows": REQUIRED}, code="required", params={"field": _("Rows")})
    with transaction.atomic():
        comparison = VendorComparison.objects.create(
            title=_text(title) or str(assessment),
            service=assessment.service,
            rows=[r.row for r in rows],
            created_by=_actor(actor),
            created_at=timezone.now(),
        )
        vendor = ComparisonVendor.objects.create(
            comparison=comparison, label=assessment.service.csp.name, csp=assessment.service.csp
        )
        ComparisonCell.objects.bulk_create(
            ComparisonCell(
                vendor=vendor,
                row=r.row,
                judgement=r.judgement,
                documents="、".join(d.title for d in r.documents.all()),
                remarks="\n".join(x for x in (r.clauses, r.remarks) if x),
            )
            for r in rows
        )
        record_event(
            actor=actor,
            action=Action.CREATE,
            obj=comparison,
            after={"from_assessment": str(assessment.code), "rows": comparison.rows},
        )
    return comparison
