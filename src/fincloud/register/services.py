"""Write operations on the register (one function per business action).

Every function is keyword-only, runs in one transaction and writes its audit event in it;
refusals are ``ValidationError``s keyed by the field, with messages kept as module constants.
Stage changes happen here only; "in use" only through ``service_enter_use`` with an approved
pre-use assessment (docs/register.md).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fincloud.auditlog.models import Action
from fincloud.auditlog.services import record_event, snapshot
from fincloud.determinations.models import Determination
from fincloud.determinations.services import determinations_mark_stale
from fincloud.evidence.models import EvidenceFile
from fincloud.evidence.services import evidence_attach, evidence_for, evidence_new_revision
from fincloud.register.models import (
    Certification,
    Classification,
    CloudService,
    CloudServiceProvider,
    Document,
    HeadOfficeReliance,
    Institution,
    InstitutionType,
    ProviderContact,
    ServiceDependency,
    ServiceLocation,
    ServiceStatus,
    Stage,
    SubProcessor,
    TerminationEvent,
)
from fincloud.register.signals import service_inputs_changed, services_created

# -- messages (module constants so tests and the API can match them) ---------------------------

NO_PERMISSION = _("You do not have the permission “%(capability)s”.")
NO_INSTITUTION = _(
    "Institution: the institution profile is not filled in yet; its type decides the scope "
    "(Ch 9.2 (a))."
)
PARTNER_NEEDS_NAME = _("Partner or reseller: name the partner you buy through.")
RESELLER_NEEDS_ADDENDUM = _(
    "Contracting channel: buying through a partner or reseller needs the CSP's own financial "
    "services addendum (FSA) or commitment letter on file (Ch 3.3); upload it with the CSP."
)
ADDENDUM_WRONG_KIND = _(
    "Kind: the document for a partner channel must be an FSI addendum or a commitment letter."
)
STAGE_ONLY_THROUGH_SERVICES = _(
    "Stage: changes only through the stage actions; “in use” needs an approved pre-use assessment."
)
NOT_EDITABLE = _("%(field)s: is not edited here.")
ENTER_USE_NEEDS_APPROVED_ASSESSMENT = _(
    "Stage: a service moves to “in use” only with an approved pre-use assessment (Annex 2)."
)
ENTER_USE_WRONG_SERVICE = _("Stage: the approved assessment belongs to another service.")
ENTER_USE_WRONG_STAGE = _(
    "Stage: a service that is “%(stage)s” cannot be brought into use; register it again."
)
ENTER_USE_CANCELLED = _("Status: a cancelled service cannot be brought into use.")
LEAVE_USE_NOT_IN_USE = _("Stage: only a service in use can move to “after use”.")
REASON_REQUIRED = _("Reason: required.")
CANCEL_ONLY_BEFORE_USE = _("Status: only a service before use can be cancelled.")
TERMINATE_ONLY_AFTER_USE = _("Status: only a service after use can be terminated.")
STATUS_AFTER_TERMINATION = _("Status: a terminated service stays terminated.")
CLASSIFICATION_UNKNOWN = _("Classification: “%(value)s” is not one of the rules' classifications.")
CLASSIFICATION_INCONSISTENT = _(
    "Classification: “%(value)s” does not follow from in scope=%(in_scope)s, "
    "offshore=%(offshore)s, material=%(material)s (the rules give “%(expected)s”)."
)
CLASSIFICATION_NEEDS_DETERMINATION = _(
    "Determination: a classification is recorded with the stored determination that set it."
)
DEPENDENCY_SELF = _("Depends on: a service cannot depend on itself.")
DEPENDENCY_CYCLE = _(
    "Depends on: “%(other)s” already depends (directly or through others) on this service; "
    "a cycle is not allowed."
)
DEPENDENCY_DUPLICATE = _("Depends on: this dependency is already recorded.")
DEPENDENCY_GROUP_REQUIRED = _(
    "Redundancy group: name the group of redundant alternatives this dependency belongs to."
)
LOCATION_DUPLICATE = _("Country: this location is already recorded.")
SUB_PROCESSOR_OTHER_SERVICE = _("%(field)s: belongs to another service's sub-outsourcing chain.")
SUB_PROCESSOR_DUPLICATE = _("Name: this sub-processor is already in the chain.")
SUB_PROCESSOR_HAS_CHILDREN = _(
    "Sub-processor: others are sub-contracted under it; remove them first."
)
RELIANCE_ONLY_FOREIGN_BRANCH = _(
    "Responsible unit: only a foreign bank's branch or subsidiary in Taiwan relies on its head "
    "office (Ch 9.1); the institution profile names no foreign head office or parent bank."
)
RELIANCE_CONTRACT_NOT_SUB_OUTSOURCING = _(
    "Head office's contract: must be a contract recorded as sub-outsourcing (複委託) between "
    "the head office and the CSP (Ch 9.1)."
)
RELIANCE_AUDITOR_INDEPENDENCE_NEEDS_ASSESSMENT = _(
    "Assessment of independence and qualification: say how the auditor's independence and "
    "qualification were assessed (Ch 7.2)."
)
DOCUMENT_NOTICE_NEEDS_EXPIRY = _(
    "Expiry or end of term: a notice period counts back from the end of the term; give it."
)
DOCUMENT_RENEWAL_NEEDS_EXPIRY = _(
    "Expiry or end of term: an automatically renewing contract needs the end of its term."
)
DOCUMENT_CSP_MISMATCH = _(
    "Services covered: “%(service)s” is a service of another CSP than this document's."
)
CERT_OTHER_NEEDS_NAME = _("Other standard: name the standard.")

# The fields of a service that are inputs of the rules (Ch 9.2, Ch 7.1, Ch 2.2 (e)): a change
# makes the recorded classification and the assessment's determinations stale.
RULE_INPUT_FIELDS = frozenset(
    {
        "csp",
        "service_model",
        "involves_license_business",
        "customer_data",
        "personal_data",
        "consumer_finance_system",
        "csp_processes_or_stores_data",
        "exclusion",
    }
)
SERVICE_EDITABLE_FIELDS = frozenset(
    {
        "name",
        "csp",
        "description",
        "service_model",
        "deployment_model",
        "business_process",
        "information_system",
        "unit",
        "owner",
        "involves_license_business",
        "customer_data",
        "personal_data",
        "consumer_finance_system",
        "csp_processes_or_stores_data",
        "exclusion",
        "availability_target",
        "rto_minutes",
        "rpo_minutes",
        "planned_start",
        "annual_spend_twd",
        "data_records",
    }
)
CSP_EDITABLE_FIELDS = frozenset(
    {"name", "country", "channel", "partner_name", "website", "status_page_url", "note"}
)
DOCUMENT_EDITABLE_FIELDS = frozenset(
    {
        "kind",
        "title",
        "reference",
        "csp",
        "parties",
        "issuer",
        "sub_outsourcing",
        "signed_on",
        "effective_date",
        "expiry_date",
        "auto_renewal",
        "renewal_term_months",
        "notice_period_days",
        "free_trial_end",
        "note",
    }
)
INSTITUTION_FIELDS = frozenset(
    {
        "institution_type",
        "name_zh",
        "name_en",
        "business_number",
        "head_office_name",
        "head_office_country",
        "alert_window_days",
    }
)


@dataclass(frozen=True)
class Upload:
    """A file to store through ``fincloud.evidence`` with the record being created."""

    file: Any
    title: str = ""
    effective_date: dt.date | None = None
    expiry_date: dt.date | None = None
    note: str = ""


# -- helpers ---------------------------------------------------------------------------------


def _invalid(field: str, message: Any, code: str, /, **params: Any) -> ValidationError:
    """A refusal keyed by the field, keeping its code and filling its parameters (a dict given
    straight to ValidationError drops both)."""
    return ValidationError({field: ValidationError(message, code=code, params=params or None)})


def _require(actor: Any, capability: str) -> None:
    if actor is None:  # the CLI and the demo loader act as the system
        return
    if not actor.can(capability):
        raise ValidationError(NO_PERMISSION, code="permission", params={"capability": capability})


def _check_fields(given: Iterable[str], allowed: frozenset[str]) -> None:
    for name in given:
        if name == "stage":
            raise _invalid("stage", STAGE_ONLY_THROUGH_SERVICES, "stage")
        if name not in allowed:
            raise _invalid(name, NOT_EDITABLE, "not_editable", field=name)


def _save(instance: models.Model, *, exclude: Sequence[str] = ()) -> None:
    instance.full_clean(exclude=list(exclude))
    instance.save()


def institution_get() -> Institution | None:
    return Institution.objects.filter(singleton=1).first()


def _inputs_changed(*, service: CloudService, actor: Any, fields: Iterable[str]) -> None:
    """An input of the rules changed: the recorded classification and every determination
    about the service no longer hold until the assessment computes them again."""
    names = sorted(set(fields))
    if service.classification and not service.classification_stale:
        CloudService.objects.filter(pk=service.pk).update(classification_stale=True)
        service.classification_stale = True
    determinations_mark_stale(subject=service, actor=actor)
    service_inputs_changed.send(sender=CloudService, service=service, fields=names, actor=actor)


# -- the institution -------------------------------------------------------------------------


def institution_save(*, actor: Any, **fields: Any) -> Institution:
    """Create or update the one institution profile."""
    _require(actor, "register.edit")
    _check_fields(fields, INSTITUTION_FIELDS)
    with transaction.atomic():
        institution = Institution.objects.select_for_update().filter(singleton=1).first()
        creating = institution is None
        if institution is None:
            institution = Institution()
        before = None if creating else snapshot(institution)
        old_type = None if creating else institution.institution_type
        for name, value in fields.items():
            setattr(institution, name, value.strip() if isinstance(value, str) else value)
        _save(institution)
        record_event(
            actor=actor,
            action=Action.CREATE if creating else Action.UPDATE,
            obj=institution,
            before=before,
            after=snapshot(institution),
        )
        if old_type is not None and old_type != institution.institution_type:
            # Ch 9.2 (a): the institution's type is an input of every service's scope.
            services = CloudService.objects.only(
                "pk", "code", "name", "classification", "classification_stale"
            )
            for service in services:
                _inputs_changed(service=service, actor=actor, fields=["institution_type"])
    return institution


# -- cloud service providers -----------------------------------------------------------------


def csp_has_addendum(csp: CloudServiceProvider) -> bool:
    """Ch 3.3: the CSP's FSI addendum or commitment letter is registered with a file."""
    return Document.objects.filter(
        csp=csp, kind__in=Document.ADDENDUM_KINDS, current_file__isnull=False
    ).exists()


def csp_create(
    *,
    actor: Any,
    name: str,
    country: str,
    channel: str = CloudServiceProvider.Channel.DIRECT,
    partner_name: str = "",
    website: str = "",
    status_page_url: str = "",
    note: str = "",
    addendum: Upload | None = None,
    addendum_kind: str = Document.Kind.FSI_ADDENDUM,
) -> CloudServiceProvider:
    """Register a CSP. Through a partner (Ch 3.3) the CSP-issued FSI addendum or commitment
    letter comes with it (``addendum``), in the same transaction."""
    _require(actor, "register.edit")
    partner = channel == CloudServiceProvider.Channel.PARTNER
    if partner and not partner_name.strip():
        raise _invalid("partner_name", PARTNER_NEEDS_NAME, "partner_name")
    if partner and addendum is None:
        raise _invalid("channel", RESELLER_NEEDS_ADDENDUM, "addendum_required")
    if partner and addendum_kind not in Document.ADDENDUM_KINDS:
        raise _invalid("addendum_kind", ADDENDUM_WRONG_KIND, "addendum_kind")
    with transaction.atomic():
        csp = CloudServiceProvider(
            name=name.strip(),
            country=country,
            channel=channel,
            partner_name=partner_name.strip() if partner else "",
            website=website,
            status_page_url=status_page_url,
            note=note,
        )
        _save(csp)
        record_event(actor=actor, action=Action.CREATE, obj=csp, after=snapshot(csp))
        if partner and addendum is not None:
            document_create(
                actor=actor,
                kind=addendum_kind,
                title=addendum.title or f"{csp.name} {Document.Kind(addendum_kind).label}",
                csp=csp,
                issuer=csp.name,
                effective_date=addendum.effective_date,
                expiry_date=addendum.expiry_date,
                upload=addendum,
                capability="register.edit",
            )
    return csp


def csp_update(*, actor: Any, csp: CloudServiceProvider, **fields: Any) -> CloudServiceProvider:
    _require(actor, "register.edit")
    _check_fields(fields, CSP_EDITABLE_FIELDS)
    with transaction.atomic():
        csp = CloudServiceProvider.objects.select_for_update().get(pk=csp.pk)
        before = snapshot(csp)
        for name, value in fields.items():
            setattr(csp, name, value.strip() if isinstance(value, str) else value)
        if csp.channel == CloudServiceProvider.Channel.PARTNER:
            if not csp.partner_name:
                raise _invalid("partner_name", PARTNER_NEEDS_NAME, "partner_name")
            if not csp_has_addendum(csp):
                raise _invalid("channel", RESELLER_NEEDS_ADDENDUM, "addendum_required")
        else:
            csp.partner_name = ""
        _save(csp)
        record_event(actor=actor, action=Action.UPDATE, obj=csp, before=before, after=snapshot(csp))
    return csp


def contact_add(*, actor: Any, csp: CloudServiceProvider, **fields: Any) -> ProviderContact:
    _require(actor, "register.edit")
    with transaction.atomic():
        contact = ProviderContact(csp=csp, **fields)
        _save(contact)
        record_event(actor=actor, action=Action.CREATE, obj=contact, after=snapshot(contact))
    return contact


def contact_remove(*, actor: Any, contact: ProviderContact) -> None:
    _require(actor, "register.edit")
    with transaction.atomic():
        record_event(actor=actor, action=Action.DELETE, obj=contact, before=snapshot(contact))
        contact.delete()


def certification_add(
    *, actor: Any, csp: CloudServiceProvider, upload: Upload | None = None, **fields: Any
) -> Certification:
    """Ch 3.1 (g): a certification of the CSP, with its certificate file if given."""
    _require(actor, "register.edit")
    if (
        fields.get("standard") == Certification.Standard.OTHER
        and not (fields.get("standard_other") or "").strip()
    ):
        raise _invalid("standard_other", CERT_OTHER_NEEDS_NAME, "other_named")
    with transaction.atomic():
        cert = Certification(csp=csp, **fields)
        _save(cert)
        record_event(actor=actor, action=Action.CREATE, obj=cert, after=snapshot(cert))
        if upload is not None:
            evidence_attach(
                actor=actor,
                owner=cert,
                upload=upload.file,
                title=upload.title or f"{cert.standard_label} {cert.number}".strip(),
                kind=Document.Kind.CERTIFICATE,
                effective_date=upload.effective_date or cert.issued_on,
                expiry_date=upload.expiry_date or cert.expiry_date,
                note=upload.note,
            )
    return cert


def certification_update(
    *, actor: Any, certification: Certification, **fields: Any
) -> Certification:
    _require(actor, "register.edit")
    with transaction.atomic():
        cert = Certification.objects.select_for_update().get(pk=certification.pk)
        before = snapshot(cert)
        for name, value in fields.items():
            setattr(cert, name, value)
        if cert.standard == Certification.Standard.OTHER and not cert.standard_other.strip():
            raise _invalid("standard_other", CERT_OTHER_NEEDS_NAME, "other_named")
        _save(cert)
        record_event(
            actor=actor, action=Action.UPDATE, obj=cert, before=before, after=snapshot(cert)
        )
    return cert


def certification_upload(
    *, actor: Any, certification: Certification, upload: Upload
) -> EvidenceFile:
    """A (new revision of the) certificate file; earlier revisions stay readable."""
    _require(actor, "register.edit")
    with transaction.atomic():
        existing = evidence_for(certification)
        if existing:
            return evidence_new_revision(
                actor=actor,
                previous=existing[0],
                upload=upload.file,
                effective_date=upload.effective_date,
                expiry_date=upload.expiry_date,
                note=upload.note,
            )
        return evidence_attach(
            actor=actor,
            owner=certification,
            upload=upload.file,
            title=upload.title or str(certification),
            kind=Document.Kind.CERTIFICATE,
            effective_date=upload.effective_date,
            expiry_date=upload.expiry_date,
            note=upload.note,
        )


def termination_event_record(
    *, actor: Any, csp: CloudServiceProvider, **fields: Any
) -> TerminationEvent:
    """Log an event that gives a termination right (Ch 3.3); events are never edited."""
    _require(actor, "register.edit")
    with transaction.atomic():
        event = TerminationEvent(csp=csp, recorded_by=actor, recorded_at=timezone.now(), **fields)
        _save(event, exclude=["recorded_by"] if actor is None else ())
        record_event(actor=actor, action=Action.CREATE, obj=event, after=snapshot(event))
    return event


# -- cloud services --------------------------------------------------------------------------


@dataclass(frozen=True)
class LocationInput:
    country: str
    region: str = ""
    role: str = ServiceLocation.Role.BOTH
    line: int = 0  # where it was typed, for error messages (0: not from a text field)


def service_create(
    *,
    actor: Any,
    locations: Sequence[LocationInput] = (),
    code: uuid.UUID | None = None,
    **fields: Any,
) -> CloudService:
    """Register a service; it starts "before use" (Annex 2). ``code`` keeps the code a
    service already has elsewhere (a bulk import of another installation's register); it must
    not be in use."""
    _require(actor, "register.edit")
    _check_fields(fields, SERVICE_EDITABLE_FIELDS)
    with transaction.atomic():
        service = CloudService(
            code=code or uuid.uuid4(),
            stage=Stage.BEFORE_USE,
            status=ServiceStatus.ACTIVE,
            created_by=actor if getattr(actor, "pk", None) else None,
            **{k: v.strip() if isinstance(v, str) else v for k, v in fields.items()},
        )
        _save(service)
        record_event(actor=actor, action=Action.CREATE, obj=service, after=snapshot(service))
        for i, loc in enumerate(locations):
            try:
                _location_insert(service=service, actor=actor, loc=loc, sub_processor=None)
            except ValidationError as exc:
                raise _prefix(exc, "locations", loc.line or i + 1) from None
    return service


LOCATION_LINE = _("line %(line)s: %(message)s")


def _prefix(exc: ValidationError, field: str, line: int) -> ValidationError:
    messages = [str(LOCATION_LINE) % {"line": line, "message": m} for m in exc.messages]
    return ValidationError({field: messages}, code="line")


def service_update(*, actor: Any, service: CloudService, **fields: Any) -> CloudService:
    _require(actor, "register.edit")
    _check_fields(fields, SERVICE_EDITABLE_FIELDS)
    with transaction.atomic():
        service = CloudService.objects.select_for_update().get(pk=service.pk)
        before = snapshot(service)
        for name, value in fields.items():
            setattr(service, name, value.strip() if isinstance(value, str) else value)
        _save(service)
        after = snapshot(service)
        record_event(actor=actor, action=Action.UPDATE, obj=service, before=before, after=after)
        changed = [
            name
            for name in RULE_INPUT_FIELDS
            if before.get(name) != after.get(name) and name in fields
        ]
        if changed:
            _inputs_changed(service=service, actor=actor, fields=changed)
    return service


def service_set_status(
    *, actor: Any, service: CloudService, status: str, reason: str
) -> CloudService:
    """Put a service on hold, back to active, cancel it before use, or mark it terminated
    after use; the stage itself changes only through the stage actions."""
    _require(actor, "register.edit")
    if not reason.strip():
        raise _invalid("reason", REASON_REQUIRED, "reason")
    with transaction.atomic():
        service = CloudService.objects.select_for_update().get(pk=service.pk)
        if service.status == ServiceStatus.TERMINATED:
            raise _invalid("status", STATUS_AFTER_TERMINATION, "terminated")
        if status == ServiceStatus.CANCELLED and service.stage != Stage.BEFORE_USE:
            raise _invalid("status", CANCEL_ONLY_BEFORE_USE, "cancel")
        if status == ServiceStatus.TERMINATED and service.stage != Stage.AFTER_USE:
            raise _invalid("status", TERMINATE_ONLY_AFTER_USE, "terminate")
        old = service.status
        service.status = status
        _save(service)
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=service,
            changes={"status": [old, status], "reason": [None, reason.strip()]},
        )
    return service


def _location_insert(
    *, service: CloudService, actor: Any, loc: LocationInput, sub_processor: SubProcessor | None
) -> ServiceLocation:
    location = ServiceLocation(
        service=service,
        sub_processor=sub_processor,
        country=loc.country.strip(),
        region=loc.region.strip(),
        role=loc.role,
    )
    location.full_clean(validate_constraints=False)
    if ServiceLocation.objects.filter(
        service=service,
        sub_processor=sub_processor,
        country=location.country,
        region=location.region,
        role=location.role,
    ).exists():
        raise _invalid("country", LOCATION_DUPLICATE, "duplicate")
    location.save()
    record_event(actor=actor, action=Action.CREATE, obj=location, after=snapshot(location))
    return location


def location_add(
    *,
    actor: Any,
    service: CloudService,
    country: str,
    region: str = "",
    role: str = ServiceLocation.Role.BOTH,
    sub_processor: SubProcessor | None = None,
) -> ServiceLocation:
    """A processing or storage location of the service (or of a sub-processor of its chain).
    Ch 1.2: the locations decide offshore and which need a data-protection assessment."""
    _require(actor, "register.edit")
    if sub_processor is not None and sub_processor.service_id != service.pk:
        raise _invalid(
            "sub_processor", SUB_PROCESSOR_OTHER_SERVICE, "other_service", field=_("Sub-processor")
        )
    with transaction.atomic():
        location = _location_insert(
            service=service,
            actor=actor,
            loc=LocationInput(country, region, role),
            sub_processor=sub_processor,
        )
        _inputs_changed(service=service, actor=actor, fields=["locations"])
    return location


def location_remove(*, actor: Any, location: ServiceLocation) -> None:
    _require(actor, "register.edit")
    with transaction.atomic():
        service = location.service
        record_event(actor=actor, action=Action.DELETE, obj=location, before=snapshot(location))
        location.delete()
        _inputs_changed(service=service, actor=actor, fields=["locations"])


def sub_processor_add(
    *,
    actor: Any,
    service: CloudService,
    name: str,
    country: str,
    function: str,
    parent: SubProcessor | None = None,
    consent_document: Document | None = None,
    note: str = "",
    locations: Sequence[LocationInput] = (),
) -> SubProcessor:
    """A link of the sub-outsourcing chain (委外辦法 §10 II), with its own locations."""
    _require(actor, "register.edit")
    if parent is not None and parent.service_id != service.pk:
        raise _invalid(
            "parent", SUB_PROCESSOR_OTHER_SERVICE, "other_service", field=_("Sub-contracted by")
        )
    if SubProcessor.objects.filter(service=service, name=name.strip()).exists():
        raise _invalid("name", SUB_PROCESSOR_DUPLICATE, "duplicate")
    with transaction.atomic():
        sub = SubProcessor(
            service=service,
            parent=parent,
            name=name.strip(),
            country=country.strip(),
            function=function.strip(),
            consent_document=consent_document,
            note=note,
        )
        _save(sub)
        record_event(actor=actor, action=Action.CREATE, obj=sub, after=snapshot(sub))
        for i, loc in enumerate(locations):
            try:
                _location_insert(service=service, actor=actor, loc=loc, sub_processor=sub)
            except ValidationError as exc:
                raise _prefix(exc, "locations", loc.line or i + 1) from None
        _inputs_changed(service=service, actor=actor, fields=["sub_processors"])
    return sub


def sub_processor_remove(*, actor: Any, sub_processor: SubProcessor) -> None:
    _require(actor, "register.edit")
    if sub_processor.children.exists():
        raise _invalid("sub_processor", SUB_PROCESSOR_HAS_CHILDREN, "has_children")
    with transaction.atomic():
        service = sub_processor.service
        record_event(
            actor=actor, action=Action.DELETE, obj=sub_processor, before=snapshot(sub_processor)
        )
        sub_processor.delete()
        _inputs_changed(service=service, actor=actor, fields=["sub_processors"])


def _reaches(start: CloudService, target: CloudService) -> bool:
    """Does ``start`` depend, directly or through others, on ``target``?"""
    seen: set[int] = set()
    frontier = {start.pk}
    while frontier:
        if target.pk in frontier:
            return True
        seen |= frontier
        frontier = (
            set(
                ServiceDependency.objects.filter(service_id__in=frontier).values_list(
                    "depends_on_id", flat=True
                )
            )
            - seen
        )
    return False


def dependency_add(
    *,
    actor: Any,
    service: CloudService,
    depends_on: CloudService,
    kind: str = ServiceDependency.Kind.SERIES,
    redundancy_group: str = "",
    note: str = "",
) -> ServiceDependency:
    """Record that ``service`` relies on ``depends_on``; series or parallel decides how the
    composite availability is computed later (RULES.md §6)."""
    _require(actor, "register.edit")
    if depends_on.pk == service.pk:
        raise _invalid("depends_on", DEPENDENCY_SELF, "self")
    if kind == ServiceDependency.Kind.PARALLEL and not redundancy_group.strip():
        raise _invalid("redundancy_group", DEPENDENCY_GROUP_REQUIRED, "group")
    with transaction.atomic():
        if ServiceDependency.objects.filter(service=service, depends_on=depends_on).exists():
            raise _invalid("depends_on", DEPENDENCY_DUPLICATE, "duplicate")
        if _reaches(depends_on, service):
            raise _invalid("depends_on", DEPENDENCY_CYCLE, "cycle", other=depends_on.name)
        dep = ServiceDependency(
            service=service,
            depends_on=depends_on,
            kind=kind,
            redundancy_group=redundancy_group.strip()
            if kind == ServiceDependency.Kind.PARALLEL
            else "",
            note=note,
        )
        _save(dep)
        record_event(actor=actor, action=Action.CREATE, obj=dep, after=snapshot(dep))
    return dep


def dependency_remove(*, actor: Any, dependency: ServiceDependency) -> None:
    _require(actor, "register.edit")
    with transaction.atomic():
        record_event(actor=actor, action=Action.DELETE, obj=dependency, before=snapshot(dependency))
        dependency.delete()


def reliance_save(*, actor: Any, service: CloudService, **fields: Any) -> HeadOfficeReliance:
    """Ch 9.1: record (or update) that a foreign bank's branch relies on its head office for
    this service. The head office's contract with the CSP is sub-outsourcing (複委託)."""
    _require(actor, "register.edit")
    institution = institution_get()
    if institution is None:
        raise _invalid("institution", NO_INSTITUTION, "no_institution")
    # Ch 9.1: 外國銀行在臺分（子）行, the branch by type, the subsidiary by its foreign parent.
    if (
        institution.institution_type != InstitutionType.FOREIGN_BANK_BRANCH
        and not institution.head_office_name
    ):
        raise _invalid("responsible_kind", RELIANCE_ONLY_FOREIGN_BRANCH, "not_branch")
    contract = fields.get("head_office_contract")
    if contract is not None and not contract.sub_outsourcing:
        raise _invalid("head_office_contract", RELIANCE_CONTRACT_NOT_SUB_OUTSOURCING, "not_sub")
    if (
        fields.get("auditor_independent") is not None
        and not (fields.get("auditor_assessment") or "").strip()
    ):
        raise _invalid(
            "auditor_assessment", RELIANCE_AUDITOR_INDEPENDENCE_NEEDS_ASSESSMENT, "assessment"
        )
    with transaction.atomic():
        reliance = HeadOfficeReliance.objects.select_for_update().filter(service=service).first()
        creating = reliance is None
        if reliance is None:
            reliance = HeadOfficeReliance(service=service)
        before = None if creating else snapshot(reliance)
        for name, value in fields.items():
            setattr(reliance, name, value)
        if reliance.auditor_independent is not None and not reliance.auditor_assessed_on:
            reliance.auditor_assessed_on = timezone.localdate()
            reliance.auditor_assessed_by = actor if getattr(actor, "pk", None) else None
        _save(reliance)
        if contract is not None:
            contract.services.add(service)
        record_event(
            actor=actor,
            action=Action.CREATE if creating else Action.UPDATE,
            obj=reliance,
            before=before,
            after=snapshot(reliance),
        )
    return reliance


def reliance_upload(
    *, actor: Any, reliance: HeadOfficeReliance, upload: Upload, kind: str
) -> EvidenceFile:
    """A head-office report (due diligence, review, audit) kept as evidence (Ch 9.1 (b), (e))."""
    _require(actor, "register.edit")
    return evidence_attach(
        actor=actor,
        owner=reliance,
        upload=upload.file,
        title=upload.title or upload.file.name,
        kind=kind,
        effective_date=upload.effective_date,
        expiry_date=upload.expiry_date,
        note=upload.note,
    )


# -- what the pre-use assessment calls -------------------------------------------------------


def service_countries(service: CloudService) -> tuple[str, ...]:
    """Every country where the service's data is processed or stored, its sub-processors'
    included (Ch 9.2 (c): sub-outsourcing to a CSP counts), sorted."""
    return tuple(
        sorted(
            set(ServiceLocation.objects.filter(service=service).values_list("country", flat=True))
        )
    )


def service_rule_inputs(service: CloudService, *, material: bool) -> dict[str, Any]:
    """The profile ``fincloud.rules`` reads for this service (``parse_profile``)."""
    institution = institution_get()
    if institution is None:
        raise _invalid("institution", NO_INSTITUTION, "no_institution")
    return {
        "institution_type": institution.institution_type,
        # Ch 9.2 (b): business-licence items or customer information.
        "license_business_or_customer_data": bool(
            service.involves_license_business or service.customer_data
        ),
        "csp_processes_or_stores_data": service.csp_processes_or_stores_data,
        "exclusion": service.exclusion,
        "service_model": service.service_model,
        "locations": list(service_countries(service)),
        "consumer_finance_system": service.consumer_finance_system,
        "material": bool(material),
    }


def service_record_classification(
    *,
    service: CloudService,
    actor: Any,
    determination: Determination,
    in_scope: bool,
    offshore: bool,
    material: bool,
    classification: str,
) -> CloudService:
    """The pre-use assessment records scope, offshore, materiality and classification on the
    service, with the stored determination that set them; the values must be what the rules
    give (``fincloud.rules.classify``)."""
    from fincloud.rules import classify

    if classification not in Classification.values:
        raise _invalid("classification", CLASSIFICATION_UNKNOWN, "unknown", value=classification)
    if not isinstance(determination, Determination) or determination.pk is None:
        raise _invalid("determination", CLASSIFICATION_NEEDS_DETERMINATION, "determination")
    expected = classify(
        bool(in_scope), bool(offshore), bool(material), service.consumer_finance_system
    ).outcome
    if expected != classification:
        raise _invalid(
            "classification",
            CLASSIFICATION_INCONSISTENT,
            "inconsistent",
            value=classification,
            in_scope=in_scope,
            offshore=offshore,
            material=material,
            expected=expected,
        )
    with transaction.atomic():
        service = CloudService.objects.select_for_update().get(pk=service.pk)
        before = snapshot(
            service,
            ["in_scope", "offshore", "material", "classification", "classification_determination"],
        )
        service.in_scope = bool(in_scope)
        service.offshore = bool(offshore)
        service.material = bool(material)
        service.classification = classification
        service.classification_determination = determination
        service.classified_at = timezone.now()
        service.classified_by = actor if getattr(actor, "pk", None) else None
        service.classification_stale = False
        service.save(
            update_fields=[
                "in_scope",
                "offshore",
                "material",
                "classification",
                "classification_determination",
                "classified_at",
                "classified_by",
                "classification_stale",
                "updated_at",
            ]
        )
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=service,
            before=before,
            after=snapshot(
                service,
                [
                    "in_scope",
                    "offshore",
                    "material",
                    "classification",
                    "classification_determination",
                ],
            ),
        )
    return service


def _assessment_service_id(assessment: Any) -> Any:
    if hasattr(assessment, "service_id"):
        return assessment.service_id
    related = getattr(assessment, "service", None)
    return getattr(related, "pk", None)


def service_enter_use(
    *, service: CloudService, actor: Any, assessment: Any, started_on: dt.date | None = None
) -> CloudService:
    """The only way into "in use": an approved pre-use assessment of this very service
    (Annex 2 使用前評估; the assessments app calls this from its approval hook)."""
    from fincloud.workflow.models import ApprovableRecord, State

    if not isinstance(assessment, ApprovableRecord) or assessment.pk is None:
        raise _invalid("stage", ENTER_USE_NEEDS_APPROVED_ASSESSMENT, "no_assessment")
    if _assessment_service_id(assessment) != service.pk:
        raise _invalid("stage", ENTER_USE_WRONG_SERVICE, "wrong_service")
    with transaction.atomic():
        # Read the state from the database, not from a possibly stale instance.
        approved = (
            type(assessment)
            ._default_manager.filter(pk=assessment.pk, state=State.APPROVED)
            .exists()
        )
        if not approved:
            raise _invalid("stage", ENTER_USE_NEEDS_APPROVED_ASSESSMENT, "not_approved")
        service = CloudService.objects.select_for_update().get(pk=service.pk)
        if service.stage == Stage.AFTER_USE:
            raise _invalid(
                "stage", ENTER_USE_WRONG_STAGE, "stage", stage=service.get_stage_display()
            )
        if service.status == ServiceStatus.CANCELLED:
            raise _invalid("status", ENTER_USE_CANCELLED, "cancelled")
        before = snapshot(service, ["stage", "use_approval_id", "started_on"])
        service.stage = Stage.IN_USE
        service.use_approval_type = ContentType.objects.get_for_model(assessment)
        service.use_approval_id = str(assessment.pk)
        service.use_approved_at = timezone.now()
        if service.started_on is None:
            service.started_on = started_on or timezone.localdate()
        service.save(
            update_fields=[
                "stage",
                "use_approval_type",
                "use_approval_id",
                "use_approved_at",
                "started_on",
                "updated_at",
            ]
        )
        after = snapshot(service, ["stage", "use_approval_id", "started_on"])
        after["assessment"] = str(getattr(assessment, "code", assessment.pk))
        record_event(actor=actor, action=Action.UPDATE, obj=service, before=before, after=after)
    return service


AFTER_USE_NEEDS_APPROVED_RECORD = _(
    "Stage: a service moves to “after use” on an approved record of its data deletion (Ch 8.5)."
)
AFTER_USE_WRONG_SERVICE = _("Stage: the approved deletion record belongs to another service.")


def service_enter_after_use(
    *, service: CloudService, actor: Any, record: Any, ended_on: dt.date | None = None
) -> CloudService:
    """In use -> after use on an approved record of the exit's data deletion (Annex 2 使用後;
    the resilience app calls this from the approval hook of its deletion record). As with
    ``service_enter_use``, the approval is the authority: the approver needs no register.edit."""
    from fincloud.workflow.models import ApprovableRecord, State

    if (
        not isinstance(record, ApprovableRecord)
        or record.pk is None
        or not getattr(type(record), "ends_use", False)  # a data-deletion record, nothing else
    ):
        raise _invalid("stage", AFTER_USE_NEEDS_APPROVED_RECORD, "no_record")
    if _assessment_service_id(record) != service.pk:
        raise _invalid("stage", AFTER_USE_WRONG_SERVICE, "wrong_service")
    with transaction.atomic():
        approved = type(record)._default_manager.filter(pk=record.pk, state=State.APPROVED).exists()
        if not approved:
            raise _invalid("stage", AFTER_USE_NEEDS_APPROVED_RECORD, "not_approved")
        service = CloudService.objects.select_for_update().get(pk=service.pk)
        if service.stage == Stage.AFTER_USE:
            # Already after use (a second approved deletion record of the same exit): the
            # record is kept on the service's trail.
            record_event(
                actor=actor,
                action=Action.UPDATE,
                obj=service,
                changes={"deletion_record": [None, str(getattr(record, "code", record.pk))]},
            )
            return service
        if service.stage != Stage.IN_USE:
            raise _invalid("stage", LEAVE_USE_NOT_IN_USE, "stage")
        service.stage = Stage.AFTER_USE
        service.ended_on = ended_on or timezone.localdate()
        service.save(update_fields=["stage", "ended_on", "updated_at"])
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=service,
            changes={
                "stage": [Stage.IN_USE, Stage.AFTER_USE],
                "ended_on": [None, service.ended_on.isoformat()],
                "deletion_record": [None, str(getattr(record, "code", record.pk))],
            },
        )
    return service


# -- contracts and documents -----------------------------------------------------------------


def _notice_deadline(document: Document) -> dt.date | None:
    if document.expiry_date and document.notice_period_days:
        return document.expiry_date - dt.timedelta(days=document.notice_period_days)
    return None


def _check_document(document: Document, services: Iterable[CloudService]) -> None:
    if document.notice_period_days and not document.expiry_date:
        raise _invalid("expiry_date", DOCUMENT_NOTICE_NEEDS_EXPIRY, "notice")
    if document.auto_renewal and not document.expiry_date:
        raise _invalid("expiry_date", DOCUMENT_RENEWAL_NEEDS_EXPIRY, "renewal")
    if document.csp_id is not None and not document.sub_outsourcing:
        for service in services:
            if service.csp_id != document.csp_id:
                raise _invalid(
                    "services", DOCUMENT_CSP_MISMATCH, "csp_mismatch", service=service.name
                )


def document_create(
    *,
    actor: Any,
    kind: str,
    title: str,
    services: Iterable[CloudService] = (),
    upload: Upload | None = None,
    capability: str = "register.contracts",
    **fields: Any,
) -> Document:
    """Register a contract or document, with its first file if given (stored by evidence:
    SHA-256, size and type limits)."""
    _require(actor, capability)
    _check_fields(fields, DOCUMENT_EDITABLE_FIELDS)
    services = list(services)
    with transaction.atomic():
        document = Document(
            kind=kind,
            title=title.strip(),
            created_by=actor if getattr(actor, "pk", None) else None,
            **fields,
        )
        _check_document(document, services)
        document.notice_deadline = _notice_deadline(document)
        _save(document)
        if services:
            document.services.set(services)
        after = snapshot(document)
        after["services"] = sorted(str(s.code) for s in services)
        record_event(actor=actor, action=Action.CREATE, obj=document, after=after)
        if upload is not None:
            _document_file(actor=actor, document=document, upload=upload)
    return document


def document_update(
    *,
    actor: Any,
    document: Document,
    services: Iterable[CloudService] | None = None,
    **fields: Any,
) -> Document:
    _require(actor, "register.contracts")
    _check_fields(fields, DOCUMENT_EDITABLE_FIELDS)
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        before = snapshot(document)
        before["services"] = sorted(
            str(c) for c in document.services.values_list("code", flat=True)
        )
        for name, value in fields.items():
            setattr(document, name, value.strip() if isinstance(value, str) else value)
        new_services = list(services) if services is not None else list(document.services.all())
        _check_document(document, new_services)
        document.notice_deadline = _notice_deadline(document)
        _save(document)
        if services is not None:
            document.services.set(new_services)
        after = snapshot(document)
        after["services"] = sorted(str(s.code) for s in new_services)
        record_event(actor=actor, action=Action.UPDATE, obj=document, before=before, after=after)
    return document


def _document_file(*, actor: Any, document: Document, upload: Upload) -> EvidenceFile:
    if document.current_file_id is None:
        evidence = evidence_attach(
            actor=actor,
            owner=document,
            upload=upload.file,
            title=upload.title or document.title,
            kind=document.kind,
            effective_date=upload.effective_date or document.effective_date,
            expiry_date=upload.expiry_date or document.expiry_date,
            note=upload.note,
        )
    else:
        previous = EvidenceFile.objects.get(pk=document.current_file_id)
        evidence = evidence_new_revision(
            actor=actor,
            previous=previous,
            upload=upload.file,
            effective_date=upload.effective_date,
            expiry_date=upload.expiry_date,
            note=upload.note,
        )
    document.current_file = evidence
    # The latest revision's dates are the document's (a renewed SOC report, a new term).
    changed = ["current_file", "updated_at"]
    if upload.effective_date:
        document.effective_date = upload.effective_date
        changed.append("effective_date")
    if upload.expiry_date:
        document.expiry_date = upload.expiry_date
        changed.append("expiry_date")
    document.notice_deadline = _notice_deadline(document)
    changed.append("notice_deadline")
    document.full_clean(exclude=["services"])
    document.save(update_fields=changed)
    return evidence


def document_upload(*, actor: Any, document: Document, upload: Upload) -> EvidenceFile:
    """A new file revision of the document; the earlier ones stay readable."""
    _require(actor, "register.contracts")
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        return _document_file(actor=actor, document=document, upload=upload)


def parse_locations(text: str) -> list[LocationInput]:
    """Locations typed one a line, "country region" (``JP Tokyo``); empty lines skipped.
    The country is checked later, by the model's validator (named with its line)."""
    out: list[LocationInput] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        country, _sep, region = line.partition(" ")
        out.append(
            LocationInput(
                country=country.strip().rstrip(",;"), region=region.strip(" ,;"), line=number
            )
        )
    return out


# -- many services at once (a bulk import) -----------------------------------------------------


@dataclass(frozen=True)
class SubProcessorInput:
    """A link of a new service's sub-outsourcing chain; ``parent`` names another link of the
    same chain (empty: the CSP itself sub-contracts)."""

    name: str
    country: str
    function: str
    parent: str = ""
    locations: Sequence[LocationInput] = ()


@dataclass(frozen=True)
class NewService:
    """What ``service_create`` and ``sub_processor_add`` take for one new service."""

    fields: dict[str, Any]
    locations: Sequence[LocationInput] = ()
    sub_processors: Sequence[SubProcessorInput] = ()
    code: uuid.UUID | None = None


class BulkCreateError(ValidationError):
    """Some of the new services are refused; ``by_index`` maps the position of each refused
    one in the given list to its ValidationError (keyed by field, as service_create's)."""

    def __init__(self, by_index: dict[int, ValidationError]) -> None:
        super().__init__([e for _, e in sorted(by_index.items())])
        self.by_index = by_index


SUB_PROCESSOR_UNKNOWN_PARENT = _(
    "Sub-contracted by: “%(parent)s” is not a link of this service's sub-outsourcing chain."
)
SUB_PROCESSOR_CYCLE = _("Sub-contracted by: the sub-outsourcing chain goes round in a circle.")
CODE_IN_USE = _("Code: another service already has the code %(code)s.")


def _chain_order(subs: Sequence[SubProcessorInput]) -> list[SubProcessorInput]:
    """Parents before children (every parent must be a link of the chain)."""
    names = {s.name.strip() for s in subs}
    for sub in subs:
        if sub.parent.strip() and sub.parent.strip() not in names:
            raise _invalid("parent", SUB_PROCESSOR_UNKNOWN_PARENT, "parent", parent=sub.parent)
    ordered: list[SubProcessorInput] = []
    placed: set[str] = set()
    pending = list(subs)
    while pending:
        ready = [s for s in pending if not s.parent.strip() or s.parent.strip() in placed]
        if not ready:
            raise _invalid("parent", SUB_PROCESSOR_CYCLE, "cycle")
        for sub in ready:
            ordered.append(sub)
            placed.add(sub.name.strip())
            pending.remove(sub)
    return ordered


def _checked_locations(
    service: CloudService, locations: Sequence[LocationInput], sub: SubProcessor | None
) -> list[ServiceLocation]:
    out: list[ServiceLocation] = []
    seen: set[tuple[str, str, str]] = set()
    for i, loc in enumerate(locations):
        location = ServiceLocation(
            service=service,
            sub_processor=sub,
            country=loc.country.strip(),
            region=loc.region.strip(),
            role=loc.role,
        )
        try:
            # The service and its links are new: the database holds no location of theirs, so
            # the duplicate check is within the list (as _location_insert's, for a new one).
            # (Its code is a fresh uuid4: nothing to look up for uniqueness.)
            location.full_clean(
                exclude=["service", "sub_processor"],
                validate_unique=False,
                validate_constraints=False,
            )
            key = (location.country, location.region, location.role)
            if key in seen:
                raise _invalid("country", LOCATION_DUPLICATE, "duplicate")
        except ValidationError as exc:
            raise _prefix(exc, "locations", loc.line or i + 1) from None
        seen.add(key)
        out.append(location)
    return out


@dataclass
class _CheckedService:
    service: CloudService
    locations: list[ServiceLocation]
    chain: list[SubProcessorInput]  # parents first


def _check_new(item: NewService, created_by: Any) -> _CheckedService:
    """service_create's checks of one new service, without writing it."""
    _check_fields(item.fields, SERVICE_EDITABLE_FIELDS)
    service = CloudService(
        code=item.code or uuid.uuid4(),
        stage=Stage.BEFORE_USE,
        status=ServiceStatus.ACTIVE,
        created_by=created_by,
        **{k: v.strip() if isinstance(v, str) else v for k, v in item.fields.items()},
    )
    # Related rows given as instances exist; a required one missing is refused by full_clean.
    given = [
        f.name
        for f in CloudService._meta.concrete_fields
        if f.is_relation and getattr(service, f.attname) is not None
    ]
    service.full_clean(exclude=given, validate_unique=False, validate_constraints=False)
    locations = _checked_locations(service, item.locations, None)
    chain = _chain_order(item.sub_processors)
    names: set[str] = set()
    for sub in chain:
        if sub.name.strip() in names:
            raise _invalid("name", SUB_PROCESSOR_DUPLICATE, "duplicate")
        names.add(sub.name.strip())
        probe = SubProcessor(
            service=service,
            name=sub.name.strip(),
            country=sub.country.strip(),
            function=sub.function.strip(),
        )
        probe.full_clean(
            exclude=["service", "parent"], validate_unique=False, validate_constraints=False
        )
        _checked_locations(service, sub.locations, probe)
    return _CheckedService(service, locations, chain)


def service_create_many(*, actor: Any, items: Sequence[NewService]) -> list[CloudService]:
    """Register many new services at once, each with its locations and sub-outsourcing chain:
    the same records, checks and audit events as ``service_create`` and ``sub_processor_add``
    one by one, with the rows inserted in batches (a bulk import of 10,000 services). All or
    none: any refused service raises ``BulkCreateError`` naming each, and nothing is stored.

    Each service is checked as service_create checks it (the model's full_clean, the
    locations' validators and duplicates); the related rows given (CSP, unit, owner) are
    instances that exist, so their existence is not asked of the database row by row, and the
    codes are checked in one query. The services start "before use" (Annex 2). Rows inserted
    in batches send no ``post_save``: ``signals.services_created`` is sent once with them all,
    for the apps that follow new services (the re-evaluation of materiality per CSP)."""
    _require(actor, "register.edit")
    created_by = actor if getattr(actor, "pk", None) else None
    errors: dict[int, ValidationError] = {}
    checked: list[tuple[int, _CheckedService]] = []
    for index, item in enumerate(items):
        try:
            checked.append((index, _check_new(item, created_by)))
        except ValidationError as exc:
            errors[index] = exc
    taken = set(
        CloudService.objects.filter(code__in=[c.service.code for _, c in checked]).values_list(
            "code", flat=True
        )
    )
    for index, c in checked:
        if c.service.code in taken:
            errors[index] = _invalid("code", CODE_IN_USE, "code_in_use", code=c.service.code)
    if errors:
        raise BulkCreateError(errors)
    with transaction.atomic():
        _insert_new(actor, [c for _, c in checked])
    return [c.service for _, c in checked]


def _insert_new(actor: Any, checked: Sequence[_CheckedService]) -> None:
    from fincloud.auditlog.services import EventEntry, record_events

    services = [c.service for c in checked]
    # bulk_create sets the primary keys (PostgreSQL, and SQLite >= 3.35: RETURNING).
    CloudService.objects.bulk_create(services, batch_size=500)
    entries = [EventEntry(Action.CREATE, s, after=snapshot(s)) for s in services]
    locations = [loc for c in checked for loc in c.locations]
    # The chains level by level: a parent is in the database before its children.
    levels: dict[int, list[tuple[SubProcessor, SubProcessorInput]]] = {}
    for c in checked:
        made: dict[str, tuple[SubProcessor, int]] = {}
        for sub in c.chain:
            parent = made.get(sub.parent.strip()) if sub.parent.strip() else None
            row = SubProcessor(
                service=c.service,
                parent=parent[0] if parent else None,
                name=sub.name.strip(),
                country=sub.country.strip(),
                function=sub.function.strip(),
            )
            depth = parent[1] + 1 if parent else 0
            made[row.name] = (row, depth)
            levels.setdefault(depth, []).append((row, sub))
    for depth in sorted(levels):
        rows = [row for row, _ in levels[depth]]
        SubProcessor.objects.bulk_create(rows, batch_size=500)
        entries.extend(EventEntry(Action.CREATE, row, after=snapshot(row)) for row in rows)
        for row, sub in levels[depth]:
            locations.extend(_checked_locations(row.service, sub.locations, row))
    ServiceLocation.objects.bulk_create(locations, batch_size=500)
    entries.extend(EventEntry(Action.CREATE, loc, after=snapshot(loc)) for loc in locations)
    record_events(actor=actor, entries=entries)
    services_created.send(sender=CloudService, services=services, actor=actor)
