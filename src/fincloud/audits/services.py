"""Write operations of the audits app: one function per business action, each in one
transaction with its audit event (STYLE.md §1, §3)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from fincloud.auditlog.models import Action
from fincloud.auditlog.services import record_event, snapshot
from fincloud.audits import messages as msg
from fincloud.audits.auditors import (
    CertificateRecord,
    ExperienceRecord,
    Qualification,
    check_independence,
    check_qualification,
    recognised_certifications,
)
from fincloud.audits.bulk import insert_rows, upsert_rows
from fincloud.audits.models import (
    Audit,
    AuditAssignment,
    Auditor,
    AuditorCertificate,
    AuditorExperience,
    AuditPlanEntry,
    AuditPolicy,
    AuditReport,
    Finding,
    JointParticipant,
    ProgrammeItem,
    ProgrammeTailoring,
    SecurityTest,
    WorkingPaper,
)
from fincloud.audits.plan import (
    PLAN_KIND,
    PLAN_VERSION,
    POLICY_CLASSES,
    PlanEntry,
    PlanInput,
    plan_for,
)
from fincloud.audits.programme import build_programme, domains
from fincloud.catalog import load_catalog
from fincloud.determinations.models import Determination
from fincloud.determinations.services import determination_record, determinations_mark_stale
from fincloud.evidence.models import EvidenceFile
from fincloud.evidence.services import evidence_attach
from fincloud.register.models import Classification, CloudService, ServiceStatus, Stage
from fincloud.rules.texts import CLASSIFICATION_NUMBER
from fincloud.workflow.models import State
from fincloud.workflow.services import WorkflowError, ensure_editable

_NUMBER = CLASSIFICATION_NUMBER
PLANNED_CLASSES = [c.value for c in Classification if c != Classification.OUT_OF_SCOPE]


def _require(actor: Any, capability: str) -> None:
    if not actor.can(capability):
        raise ValidationError(
            msg.NO_PERMISSION, code="permission", params={"capability": capability}
        )


def _today() -> dt.date:
    return timezone.localdate()


# -- the policy --------------------------------------------------------------------------------


def policy_get() -> AuditPolicy:
    policy, _created = AuditPolicy.objects.get_or_create(singleton=1)
    return policy


POLICY_FIELDS = frozenset(
    {
        "class34_interval_months",
        "csp_response_days_high",
        "csp_response_days_medium",
        "csp_response_days_low",
        "policy_reference",
    }
)


def policy_update(*, actor: Any, **fields: Any) -> AuditPolicy:
    """Change the institution's audit policy; a new interval for classes 3/4 regenerates the
    plan of those services at once (their determinations are superseded, not edited)."""
    _require(actor, "audits.policy")
    unknown = set(fields) - POLICY_FIELDS
    if unknown:
        raise ValueError(f"unknown policy fields: {sorted(unknown)}")
    with transaction.atomic():
        policy = AuditPolicy.objects.select_for_update().get(pk=policy_get().pk)
        before = snapshot(policy)
        for key, value in fields.items():
            setattr(policy, key, value)
        policy.updated_by = actor
        policy.updated_at = timezone.now()
        policy.full_clean()
        policy.save()
        record_event(
            actor=actor, action=Action.UPDATE, obj=policy, before=before, after=snapshot(policy)
        )
        if before["class34_interval_months"] != policy.class34_interval_months:
            ids = list(
                AuditPlanEntry.objects.filter(
                    classification__in=["non_material_offshore", "domestic"]
                ).values_list("service_id", flat=True)
            )
            AuditPlanEntry.objects.filter(service_id__in=ids).update(stale=True)
            _plan_regenerate(actor=actor, today=_today(), service_ids=ids)
    return policy


# -- the plan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanStats:
    planned: int  # services with a plan
    removed: int  # plan rows removed (service out of scope, after use ...)
    overdue: int
    written: int = 0  # plans whose result changed (new determination and row)


def plannable_services() -> Any:
    """In-scope, classified services that are (or are about to be) in use."""
    return (
        CloudService.objects.filter(in_scope=True, classification__in=PLANNED_CLASSES)
        .exclude(stage=Stage.AFTER_USE)
        .exclude(status__in=[ServiceStatus.CANCELLED, ServiceStatus.TERMINATED])
        .order_by()
    )


def _last_audits(service_ids: Iterable[int] | None) -> dict[tuple[int, str], dt.date]:
    qs = Audit.objects.filter(status=Audit.Status.CLOSED, completed_on__isnull=False)
    if service_ids is not None:
        qs = qs.filter(service_id__in=list(service_ids))
    rows = qs.values("service_id", "kind").annotate(last=Max("completed_on")).order_by()
    return {(r["service_id"], r["kind"]): r["last"] for r in rows}


def _input(row: dict[str, Any], last: dict[tuple[int, str], dt.date], policy: int) -> PlanInput:
    created = row["created_at"]
    baseline = row["started_on"] or row["planned_start"]
    if baseline is None and created is not None:
        baseline = timezone.localtime(created).date()
    return PlanInput(
        classification=row["classification"],
        service_model=row["service_model"],
        material=bool(row["material"]),
        last_general=last.get((row["pk"], Audit.Kind.GENERAL)),
        last_special=last.get((row["pk"], Audit.Kind.SPECIAL)),
        baseline=baseline,
        # The policy is an input only where it applies (classes 3 and 4), so a policy change
        # leaves the plans of classes 1 and 2 as they are.
        policy_months=policy if _NUMBER.get(row["classification"]) in POLICY_CLASSES else None,
    )


def _entry_values(entry: PlanEntry, inp: PlanInput, stale: bool = False) -> dict[str, Any]:
    return {
        "classification": inp.classification,
        "service_model": inp.service_model,
        "material": inp.material,
        "policy_months": inp.policy_months,
        "interval_months": entry.interval_months,
        "policy_applied": entry.policy_applied,
        "special_required": entry.special_required,
        "focus_items": entry.focus_items,
        "last_general": inp.last_general,
        "last_special": inp.last_special,
        "next_general_due": entry.next_general_due,
        "next_special_due": entry.next_special_due,
        # The classification itself awaits re-evaluation: the plan rests on it, so it is stale.
        "stale": stale,
    }


# The order of _entry_values()'s keys.
_ENTRY_VALUE_FIELDS = [
    "classification",
    "service_model",
    "material",
    "policy_months",
    "interval_months",
    "policy_applied",
    "special_required",
    "focus_items",
    "last_general",
    "last_special",
    "next_general_due",
    "next_special_due",
    "stale",
]
_DET_FIELDS = [
    "code",
    "subject_type",
    "subject_id",
    "kind",
    "inputs",
    "outcome",
    "rule_version",
    "citations",
    "explanation_zh",
    "explanation_en",
    "computed_at",
    "computed_by",
    "reason",
    "stale",
    "current",
]


def _det_row(  # noqa: PLR0917 - one positional argument per column group, private
    code: uuid.UUID, ctype_id: int, pk: int, det: Any, now: Any, actor_id: int | None
) -> tuple[Any, ...]:
    """A determinations row for ``bulk.insert_rows``, in the order of _DET_FIELDS."""
    return (
        code,
        ctype_id,
        str(pk),
        det.kind,
        dict(det.inputs),
        det.outcome,
        det.rule_version,
        list(det.citations),
        list(det.explanation_zh),
        list(det.explanation_en),
        now,
        actor_id,
        "",
        False,
        True,
    )


_BATCH = 2000
_PLAN_COLUMNS = (
    "pk",
    "classification",
    "service_model",
    "material",
    "started_on",
    "planned_start",
    "created_at",
    "classification_stale",
)


def plan_regenerate(
    *,
    actor: Any,
    today: dt.date | None = None,
    service_ids: Iterable[int] | None = None,
    force: bool = False,
) -> PlanStats:
    """Compute the plan of every plannable service (or of ``service_ids``) in bulk: the
    ``fincloud.rules`` cadence per service, stored as current ``audit_plan`` determinations
    (the previous ones kept, no longer current) and as plan rows; one audit event in all.
    A service whose result is what its current, fresh determination already says keeps it
    (the same inputs give the same result: no duplicate record), unless ``force``.
    ``actor=None`` is the system (the CLI, a scheduled task)."""
    if actor is not None:
        _require(actor, "audits.plan")
    return _plan_regenerate(
        actor=actor, today=today or _today(), service_ids=service_ids, force=force
    )


def _unchanged(ids: list[int] | None) -> dict[int, tuple[Any, ...]]:
    """Each planned service's stored plan values, for those whose determination is current,
    fresh and of this plan version."""
    qs = AuditPlanEntry.objects.filter(
        determination__current=True,
        determination__stale=False,
        determination__rule_version=PLAN_VERSION,
    )
    if ids is not None:
        qs = qs.filter(service_id__in=ids)
    return {
        row[0]: tuple(row[1:])
        for row in qs.values_list("service_id", *_ENTRY_VALUE_FIELDS).iterator(chunk_size=5000)
    }


def _plan_regenerate(
    *, actor: Any, today: dt.date, service_ids: Iterable[int] | None, force: bool = False
) -> PlanStats:
    policy = policy_get().class34_interval_months
    ids = None if service_ids is None else list(service_ids)
    rows_qs = plannable_services()
    if ids is not None:
        rows_qs = rows_qs.filter(pk__in=ids)
    rows = list(rows_qs.values(*_PLAN_COLUMNS))
    last = _last_audits(ids)
    ctype = ContentType.objects.get_for_model(CloudService)
    now = timezone.now()
    computed: list[tuple[int, PlanInput, PlanEntry]] = []
    stale_ids = set()
    for row in rows:
        inp = _input(row, last, policy)
        entry = plan_for(inp, today)
        if entry is not None:
            computed.append((row["pk"], inp, entry))
            if row["classification_stale"]:
                stale_ids.add(row["pk"])
    actor_id = actor.pk if getattr(actor, "pk", None) else None
    all_planned = computed
    if not force:
        stored = _unchanged(ids)
        computed = [
            (pk, inp, entry)
            for pk, inp, entry in computed
            if stored.get(pk) != tuple(_entry_values(entry, inp, pk in stale_ids).values())
        ]
    with transaction.atomic():
        planned_ids = [pk for pk, _i, _e in computed]
        for start in range(0, len(planned_ids), _BATCH):
            chunk = [str(pk) for pk in planned_ids[start : start + _BATCH]]
            Determination.objects.filter(
                subject_type=ctype, subject_id__in=chunk, kind=PLAN_KIND, current=True
            ).update(current=False)
        # One row per service in each table, written in bulk (fincloud.audits.bulk).
        codes = [uuid.uuid4() for _ in computed]
        insert_rows(
            Determination,
            _DET_FIELDS,
            (
                _det_row(code, ctype.pk, pk, entry.determination, now, actor_id)
                for code, (pk, _inp, entry) in zip(codes, computed, strict=True)
            ),
        )
        det_ids: dict[uuid.UUID, int] = {}
        for start in range(0, len(codes), _BATCH):
            det_ids.update(
                Determination.objects.filter(code__in=codes[start : start + _BATCH]).values_list(
                    "code", "pk"
                )
            )
        upsert_rows(
            AuditPlanEntry,
            ["service", "determination", "computed_at", *_ENTRY_VALUE_FIELDS],
            (
                (
                    pk,
                    det_ids[code],
                    now,
                    *_entry_values(entry, inp, pk in stale_ids).values(),
                )
                for code, (pk, inp, entry) in zip(codes, computed, strict=True)
            ),
            conflict="service",
        )
        removed = 0
        if ids is None:
            removed, _detail = AuditPlanEntry.objects.exclude(
                service_id__in=plannable_services()
            ).delete()
        overdue = sum(1 for _pk, _i, e in all_planned if e.overdue(today))
        record_event(
            actor=actor,
            action=Action.UPDATE,
            object_type="audits.auditplan",
            object_id="all" if ids is None else f"{len(all_planned)} services",
            object_repr="Audit plan",
            changes={
                "planned": [None, len(all_planned)],
                "written": [None, len(computed)],
                "removed": [None, removed],
                "overdue": [None, overdue],
                "class34_interval_months": [None, policy],
                "as_of": [None, today.isoformat()],
            },
        )
    return PlanStats(
        planned=len(all_planned), removed=removed, overdue=overdue, written=len(computed)
    )


def plan_recompute_service(
    *, actor: Any, service: CloudService, today: dt.date | None = None
) -> AuditPlanEntry | None:
    """One service's plan, recorded with ``determination_record`` (its own audit event)."""
    today = today or _today()
    policy = policy_get().class34_interval_months
    row = plannable_services().filter(pk=service.pk).values(*_PLAN_COLUMNS).first()
    with transaction.atomic():
        if row is None:
            AuditPlanEntry.objects.filter(service_id=service.pk).delete()
            return None
        inp = _input(row, _last_audits([service.pk]), policy)
        entry = plan_for(inp, today)
        if entry is None:
            AuditPlanEntry.objects.filter(service_id=service.pk).delete()
            return None
        det = determination_record(subject=service, result=entry.determination, actor=actor)
        plan, _created = AuditPlanEntry.objects.update_or_create(
            service_id=service.pk,
            defaults={
                "determination": det,
                "computed_at": det.computed_at,
                **_entry_values(entry, inp, bool(row["classification_stale"])),
            },
        )
    return plan


def plan_inputs_changed(*, service: CloudService, actor: Any = None) -> bool:
    """A plan input of the service changed (classification, materiality, model, stage):
    the plan entry and its determination become stale, and the plan is recomputed for that
    service once the change is committed. Returns whether the service had a plan."""
    entry = AuditPlanEntry.objects.filter(service_id=service.pk).first()
    if entry is None:
        return False
    AuditPlanEntry.objects.filter(pk=entry.pk).update(stale=True)
    determinations_mark_stale(subject=service, kinds=[PLAN_KIND], actor=actor)
    return True


# -- auditors ----------------------------------------------------------------------------------


AUDITOR_FIELDS = frozenset({"name", "kind", "user", "unit", "firm", "email", "active"})


def auditor_save(*, actor: Any, auditor: Auditor | None = None, **fields: Any) -> Auditor:
    _require(actor, "audits.plan")
    unknown = set(fields) - AUDITOR_FIELDS
    if unknown:
        raise ValueError(f"unknown auditor fields: {sorted(unknown)}")
    with transaction.atomic():
        before = snapshot(auditor) if auditor else {}
        auditor = auditor or Auditor()
        for key, value in fields.items():
            setattr(auditor, key, value.strip() if isinstance(value, str) else value)
        if auditor.user is not None and auditor.unit is None:
            auditor.unit = auditor.user.unit
        errors: dict[str, Any] = {}
        if auditor.kind == Auditor.Kind.INTERNAL and auditor.unit is None:
            errors["unit"] = msg.INTERNAL_NEEDS_UNIT
        if auditor.kind == Auditor.Kind.EXTERNAL and not auditor.firm:
            errors["firm"] = msg.EXTERNAL_NEEDS_FIRM
        if errors:
            raise ValidationError(errors)
        auditor.full_clean()
        auditor.save()
        record_event(
            actor=actor,
            action=Action.UPDATE if before else Action.CREATE,
            obj=auditor,
            before=before,
            after=snapshot(auditor),
        )
    return auditor


def certificate_add(
    *,
    actor: Any,
    auditor: Auditor,
    name: str,
    number: str = "",
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
    upload: Any = None,
) -> AuditorCertificate:
    _require(actor, "audits.plan")
    if valid_from and valid_until and valid_until < valid_from:
        raise ValidationError({"valid_until": msg.VALID_ORDER})
    with transaction.atomic():
        cert = AuditorCertificate(
            auditor=auditor,
            name=name.strip(),
            number=number.strip(),
            valid_from=valid_from,
            valid_until=valid_until,
        )
        cert.full_clean()
        cert.save()
        record_event(actor=actor, action=Action.CREATE, obj=cert, after=snapshot(cert))
        if upload is not None:
            evidence_attach(
                actor=actor,
                owner=cert,
                upload=upload,
                title=f"{auditor.name} · {cert.name}",
                kind="auditor_certificate",
                effective_date=valid_from,
                expiry_date=valid_until,
                catalog_ids=["ch7.2.a"],
            )
    return cert


def experience_add(
    *,
    actor: Any,
    auditor: Auditor,
    description: str,
    reference: str,
    period_from: dt.date | None = None,
    period_to: dt.date | None = None,
    upload: Any = None,
) -> AuditorExperience:
    _require(actor, "audits.plan")
    errors: dict[str, Any] = {}
    if not description.strip():
        errors["description"] = msg.EXPERIENCE_UNDOCUMENTED
    if not reference.strip():
        errors["reference"] = msg.EXPERIENCE_UNDOCUMENTED
    if period_from and period_to and period_to < period_from:
        errors["period_to"] = msg.VALID_ORDER
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        exp = AuditorExperience.objects.create(
            auditor=auditor,
            description=description.strip(),
            reference=reference.strip(),
            period_from=period_from,
            period_to=period_to,
        )
        record_event(actor=actor, action=Action.CREATE, obj=exp, after=snapshot(exp))
        if upload is not None:
            evidence_attach(
                actor=actor,
                owner=exp,
                upload=upload,
                title=f"{auditor.name} · {exp.reference}",
                kind="auditor_experience",
                catalog_ids=["ch7.2.b"],
            )
    return exp


def auditor_qualification(auditor: Auditor, on: dt.date) -> Qualification:
    """Ch 7.2 (a)/(b) on the given date, from the auditor's recorded certificates and
    experience."""
    return check_qualification(
        certificates=[
            CertificateRecord(c.name, c.valid_from, c.valid_until)
            for c in auditor.certificates.all()
        ],
        experience=[
            ExperienceRecord(e.description, documented=bool(e.reference.strip()))
            for e in auditor.experience.all()
        ],
        on=on,
        recognised=recognised_certifications(load_catalog()),
    )


# -- audits ------------------------------------------------------------------------------------


def tailoring_for(service_model: str) -> dict[str, str]:
    return dict(
        ProgrammeTailoring.objects.filter(service_model=service_model).values_list(
            "domain_id", "reason"
        )
    )


def tailoring_set(
    *, actor: Any, service_model: str, domain_id: str, excluded: bool, reason: str = ""
) -> None:
    """The institution's tailoring of the Ch 7.3 domains to a service model (recorded)."""
    _require(actor, "audits.plan")
    if domain_id not in {d.id for d in domains(load_catalog())}:
        raise ValidationError(
            {
                "domain_id": ValidationError(
                    msg.TAILORING_UNKNOWN_DOMAIN, params={"value": domain_id}
                )
            }
        )
    with transaction.atomic():
        existing = ProgrammeTailoring.objects.filter(
            service_model=service_model, domain_id=domain_id
        ).first()
        if excluded:
            if not reason.strip():
                raise ValidationError({"reason": msg.TAILORING_NEEDS_REASON})
            row, _c = ProgrammeTailoring.objects.update_or_create(
                service_model=service_model,
                domain_id=domain_id,
                defaults={
                    "reason": reason.strip(),
                    "decided_by": actor,
                    "decided_at": timezone.now(),
                },
            )
            record_event(
                actor=actor,
                action=Action.UPDATE if existing else Action.CREATE,
                obj=row,
                changes={"excluded": [None, domain_id], "reason": [None, reason.strip()]},
            )
        elif existing is not None:
            record_event(
                actor=actor,
                action=Action.DELETE,
                obj=existing,
                changes={"excluded": [domain_id, None], "reason": [existing.reason, None]},
            )
            existing.delete()


AUDIT_FIELDS = frozenset(
    {
        "kind",
        "title",
        "arrangement",
        "third_party",
        "planned_start",
        "planned_end",
        "contact",
        "csp_contact",
        "operating_unit",
        "scope",
    }
)


def _audit_errors(audit: Audit) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if audit.contact_id is None:
        errors["contact"] = msg.CONTACT_REQUIRED
    if audit.arrangement != Audit.Arrangement.OWN and not audit.third_party.strip():
        errors["third_party"] = msg.THIRD_PARTY_REQUIRED
    if audit.planned_start and audit.planned_end and audit.planned_end < audit.planned_start:
        errors["planned_end"] = msg.PLANNED_ORDER
    return errors


def audit_plan(
    *, actor: Any, service: CloudService, participants: Iterable[str] = (), **fields: Any
) -> Audit:
    """Plan an audit of a service; its programme is generated from the Ch 7.3 table with the
    institution's tailoring for the service model, plus the focus items (a)-(f) when material."""
    _require(actor, "audits.plan")
    unknown = set(fields) - AUDIT_FIELDS
    if unknown:
        raise ValueError(f"unknown audit fields: {sorted(unknown)}")
    if not service.classification or service.classification == Classification.OUT_OF_SCOPE:
        raise ValidationError({"service": msg.SERVICE_NOT_PLANNABLE})
    names = [p.strip() for p in participants if p.strip()]
    audit = Audit(
        service=service,
        service_model=service.service_model,
        material=bool(service.material),
        created_by=actor,
        created_at=timezone.now(),
        **{k: (v.strip() if isinstance(v, str) else v) for k, v in fields.items()},
    )
    errors = _audit_errors(audit)
    if audit.arrangement == Audit.Arrangement.JOINT and not names:
        errors["participants"] = msg.JOINT_NEEDS_PARTICIPANTS
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        audit.full_clean()
        audit.save()
        catalog = load_catalog()
        programme = build_programme(
            catalog, material=audit.material, excluded=tailoring_for(audit.service_model)
        )
        ProgrammeItem.objects.bulk_create(
            [
                ProgrammeItem(
                    audit=audit,
                    catalog_id=spec.catalog_id,
                    domain_id=spec.domain_id,
                    kind=spec.kind,
                    order=spec.order,
                )
                for spec in programme.items
            ]
        )
        for name in dict.fromkeys(names):
            JointParticipant.objects.create(audit=audit, institution=name[:200])
        after = snapshot(audit)
        after["programme_items"] = len(programme.items)
        after["excluded_domains"] = list(programme.excluded_domains)
        after["participants"] = names
        record_event(actor=actor, action=Action.CREATE, obj=audit, after=after)
    return audit


def _ensure_open(audit: Audit) -> None:
    # Read the status from the database, not from a possibly stale instance.
    audit.status = Audit.objects.filter(pk=audit.pk).values_list("status", flat=True).get()
    if audit.status in {Audit.Status.CLOSED, Audit.Status.CANCELLED}:
        raise ValidationError(
            msg.AUDIT_CLOSED, code="closed", params={"status": audit.get_status_display()}
        )


def _refused(audit: Audit, actor: Any, rule: str, auditor: Auditor) -> None:
    # Written after the refused transaction (none was opened), so the refusal stays on record.
    record_event(
        actor=actor,
        action=Action.DENIED,
        obj=audit,
        changes={
            "attempted": [None, "assign_auditor"],
            "auditor": [None, str(auditor.code)],
            "rule": [None, rule],
        },
    )


def audit_assign(*, actor: Any, audit: Audit, auditor: Auditor, role: str) -> AuditAssignment:
    """Assign an auditor: qualified on the audit date (Ch 7.2 (a)/(b)) and independent of the
    units that own and run the service (Ch 7.2 (c)); a refusal names the rule."""
    _require(actor, "audits.plan")
    _ensure_open(audit)
    service = audit.service
    on = audit.planned_start
    if not auditor.active:
        raise ValidationError(
            {"auditor": ValidationError(msg.AUDITOR_INACTIVE, params={"auditor": str(auditor)})}
        )
    independence = check_independence(
        auditor_unit=auditor.unit_id,
        auditor_person=auditor.user_id,
        owning_units=[service.unit_id],
        running_units=[audit.operating_unit_id] if audit.operating_unit_id else [],
        service_owners=[service.owner_id] if service.owner_id else [],
    )
    if not independence.independent:
        conflict = independence.conflicts[0]
        unit = audit.operating_unit if conflict == "running_unit" else service.unit
        what = msg.CONFLICT_TEXT[conflict] % {"unit": str(unit)}
        _refused(audit, actor, f"independence:{conflict}", auditor)
        raise ValidationError(
            {
                "auditor": ValidationError(
                    msg.NOT_INDEPENDENT,
                    code="independence",
                    params={"auditor": str(auditor), "what": what},
                )
            }
        )
    qualification = auditor_qualification(auditor, on)
    if not qualification.qualified:
        _refused(audit, actor, "qualification", auditor)
        errors = [
            ValidationError(
                msg.NOT_QUALIFIED,
                code="qualification",
                params={"auditor": str(auditor), "date": on.isoformat()},
            )
        ]
        if qualification.expired:
            errors.append(
                ValidationError(
                    msg.NOT_QUALIFIED_EXPIRED,
                    code="qualification_expired",
                    params={"names": ", ".join(qualification.expired)},
                )
            )
        raise ValidationError({"auditor": errors})
    with transaction.atomic():
        if AuditAssignment.objects.filter(audit=audit, auditor=auditor).exists():
            raise ValidationError(
                {"auditor": ValidationError(msg.ALREADY_ASSIGNED, params={"auditor": str(auditor)})}
            )
        if role == AuditAssignment.Role.LEAD:
            lead = (
                AuditAssignment.objects.filter(audit=audit, role=role)
                .select_related("auditor")
                .first()
            )
            if lead is not None:
                raise ValidationError(
                    {"role": ValidationError(msg.ONE_LEAD, params={"auditor": str(lead.auditor)})}
                )
        assignment = AuditAssignment.objects.create(
            audit=audit,
            auditor=auditor,
            role=role,
            qualification={
                "on": on.isoformat(),
                "certificates": list(qualification.certificates),
                "experience": qualification.experience,
                "independent": True,
                "citations": [*qualification.citations, *independence.citations],
            },
            assigned_by=actor,
            assigned_at=timezone.now(),
        )
        record_event(
            actor=actor,
            action=Action.CREATE,
            obj=assignment,
            object_repr=f"{audit} · {auditor}",
            after=snapshot(assignment),
        )
    return assignment


_STATUS_NEXT = {
    Audit.Status.PLANNED: Audit.Status.FIELDWORK,
    Audit.Status.FIELDWORK: Audit.Status.REPORTING,
}


def audit_advance(*, actor: Any, audit: Audit) -> Audit:
    """planned -> fieldwork (with a lead auditor) -> reporting."""
    _require(actor, "audits.plan")
    with transaction.atomic():
        audit = Audit.objects.select_for_update().get(pk=audit.pk)
        target = _STATUS_NEXT.get(Audit.Status(audit.status))
        if target is None:
            raise ValidationError(msg.STATUS_ORDER, params={"status": audit.get_status_display()})
        if (
            target == Audit.Status.FIELDWORK
            and not audit.assignments.filter(role=AuditAssignment.Role.LEAD).exists()
        ):
            raise ValidationError(msg.FIELDWORK_NEEDS_LEAD, code="no_lead")
        before = audit.status
        audit.status = target
        audit.save(update_fields=["status"])
        record_event(
            actor=actor, action=Action.UPDATE, obj=audit, changes={"status": [before, target]}
        )
    return audit


def participant_report(
    *, actor: Any, participant: JointParticipant, reference: str, report_date: dt.date | None
) -> JointParticipant:
    """Record the report another institution of a joint audit issued on its own (Ch 7.3)."""
    _require(actor, "audits.plan")
    with transaction.atomic():
        before = snapshot(participant)
        participant.own_report_reference = reference.strip()
        participant.own_report_date = report_date
        participant.full_clean()
        participant.save()
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=participant,
            before=before,
            after=snapshot(participant),
        )
    return participant


def programme_record(
    *, actor: Any, item: ProgrammeItem, result: str, conclusion: str = ""
) -> ProgrammeItem:
    _require(actor, "audits.plan")
    _ensure_open(item.audit)
    if (
        result in {ProgrammeItem.Result.EXCEPTION, ProgrammeItem.Result.NOT_TESTED}
        and not conclusion.strip()
    ):
        raise ValidationError({"conclusion": msg.PROGRAMME_RESULT_NEEDS_CONCLUSION})
    with transaction.atomic():
        before = snapshot(item, ["result", "conclusion"])
        item.result = result
        item.conclusion = conclusion.strip()
        item.tested_by = actor
        item.tested_at = timezone.now()
        item.full_clean(exclude=["tested_by"])
        item.save()
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=item,
            object_repr=f"{item.audit} · {item.catalog_id}",
            before=before,
            after=snapshot(item, ["result", "conclusion"]),
        )
    return item


def working_paper_add(
    *,
    actor: Any,
    audit: Audit,
    reference: str,
    title: str,
    procedure: str,
    conclusion: str = "",
    programme_item: ProgrammeItem | None = None,
    upload: Any = None,
    effective_date: dt.date | None = None,
) -> WorkingPaper:
    _require(actor, "audits.plan")
    _ensure_open(audit)
    with transaction.atomic():
        paper = WorkingPaper(
            audit=audit,
            programme_item=programme_item,
            reference=reference.strip(),
            title=title.strip(),
            procedure=procedure.strip(),
            conclusion=conclusion.strip(),
            prepared_by=actor,
            prepared_at=timezone.now(),
        )
        paper.full_clean()
        paper.save()
        record_event(actor=actor, action=Action.CREATE, obj=paper, after=snapshot(paper))
        if upload is not None:
            evidence_attach(
                actor=actor,
                owner=paper,
                upload=upload,
                title=paper.title,
                kind="working_paper",
                effective_date=effective_date,
                catalog_ids=[programme_item.catalog_id] if programme_item else [],
            )
    return paper


def working_paper_attach(
    *, actor: Any, paper: WorkingPaper, upload: Any, title: str = ""
) -> EvidenceFile:
    _require(actor, "audits.plan")
    _ensure_open(paper.audit)
    return evidence_attach(
        actor=actor,
        owner=paper,
        upload=upload,
        title=title or paper.title,
        kind="working_paper",
        catalog_ids=[paper.programme_item.catalog_id] if paper.programme_item else [],
    )


# -- findings ----------------------------------------------------------------------------------


def finding_raise(
    *,
    actor: Any,
    audit: Audit,
    title: str,
    description: str,
    severity: str,
    owner: Any,
    due_date: dt.date,
    recommendation: str = "",
    programme_item: ProgrammeItem | None = None,
) -> Finding:
    """Raise a finding; the CSP's response is due within the policy's reasonable time for the
    severity (Ch 7.1 (e))."""
    _require(actor, "audits.plan")
    _ensure_open(audit)
    today = _today()
    if due_date < today:
        raise ValidationError({"due_date": msg.DUE_BEFORE_RAISED})
    policy = policy_get()
    with transaction.atomic():
        finding = Finding(
            audit=audit,
            programme_item=programme_item,
            title=title.strip(),
            description=description.strip(),
            recommendation=recommendation.strip(),
            severity=severity,
            owner=owner,
            due_date=due_date,
            csp_response_due=today + dt.timedelta(days=policy.response_days(severity)),
            raised_by=actor,
            raised_at=timezone.now(),
        )
        finding.full_clean()
        finding.save()
        record_event(actor=actor, action=Action.CREATE, obj=finding, after=snapshot(finding))
    return finding


def _lock_finding(finding: Finding) -> Finding:
    return Finding.objects.select_for_update().get(pk=finding.pk)


def finding_csp_response(
    *, actor: Any, finding: Finding, response: str, responded_on: dt.date
) -> Finding:
    """Record the CSP's answer (Ch 7.1 (e)); a late answer stays visible against its due date."""
    _require(actor, "audits.respond")
    if not response.strip():
        raise ValidationError({"csp_response": msg.RESPONSE_REQUIRED})
    if responded_on > _today():
        raise ValidationError({"csp_responded_on": msg.RESPONSE_IN_FUTURE})
    with transaction.atomic():
        finding = _lock_finding(finding)
        if finding.status != Finding.Status.OPEN:
            raise ValidationError(
                msg.FINDING_NOT_OPEN, params={"status": finding.get_status_display()}
            )
        before = snapshot(finding, ["status", "csp_response", "csp_responded_on"])
        finding.csp_response = response.strip()
        finding.csp_responded_on = responded_on
        finding.status = Finding.Status.RESPONDED
        finding.save(update_fields=["csp_response", "csp_responded_on", "status"])
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=finding,
            before=before,
            after=snapshot(finding, ["status", "csp_response", "csp_responded_on"]),
        )
    return finding


def finding_remediate(*, actor: Any, finding: Finding, remediation: str) -> Finding:
    _require(actor, "audits.respond")
    if not remediation.strip():
        raise ValidationError({"remediation": msg.REMEDIATION_REQUIRED})
    with transaction.atomic():
        finding = _lock_finding(finding)
        if finding.status not in {Finding.Status.OPEN, Finding.Status.RESPONDED}:
            raise ValidationError(
                msg.FINDING_NOT_REMEDIABLE, params={"status": finding.get_status_display()}
            )
        before = snapshot(finding, ["status", "remediation", "remediated_by"])
        finding.remediation = remediation.strip()
        finding.remediated_by = actor
        finding.remediated_at = timezone.now()
        finding.status = Finding.Status.REMEDIATED
        finding.save(update_fields=["remediation", "remediated_by", "remediated_at", "status"])
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=finding,
            before=before,
            after=snapshot(finding, ["status", "remediation", "remediated_by"]),
        )
    return finding


def finding_verify(*, actor: Any, finding: Finding, verification: str, accepted: bool) -> Finding:
    """Verify a remediation: never by the person who remediated (RULES.md §8). Accepted ->
    closed; not accepted -> open again, with the verification note saying why."""
    _require(actor, "audits.plan")
    if not verification.strip():
        raise ValidationError({"verification": msg.VERIFICATION_REQUIRED})
    try:
        with transaction.atomic():
            finding = _lock_finding(finding)
            if finding.status != Finding.Status.REMEDIATED:
                raise ValidationError(
                    msg.FINDING_NOT_REMEDIATED, params={"status": finding.get_status_display()}
                )
            if finding.remediated_by_id == actor.pk:
                raise WorkflowError(msg.VERIFIER_IS_REMEDIATOR, code="sod_verifier")
            before = snapshot(finding, ["status", "verification", "verified_by"])
            finding.verification = verification.strip()
            if accepted:
                finding.verified_by = actor
                finding.verified_at = timezone.now()
                finding.status = Finding.Status.CLOSED
            else:
                finding.status = Finding.Status.OPEN
                finding.remediated_by = None
                finding.remediated_at = None
            finding.save()
            record_event(
                actor=actor,
                action=Action.APPROVE if accepted else Action.REJECT,
                obj=finding,
                before=before,
                after=snapshot(finding, ["status", "verification", "verified_by"]),
            )
    except WorkflowError as exc:
        record_event(
            actor=actor,
            action=Action.DENIED,
            obj=finding,
            changes={"attempted": [None, "verify"], "rule": [None, exc.code]},
        )
        raise
    return finding


# -- reports -----------------------------------------------------------------------------------


def report_draft(
    *, actor: Any, audit: Audit, report_date: dt.date, summary: str, conclusion: str
) -> AuditReport:
    _require(actor, "audits.plan")
    _ensure_open(audit)
    if audit.status != Audit.Status.REPORTING:
        raise ValidationError(
            msg.REPORT_AUDIT_STATUS, params={"status": audit.get_status_display()}
        )
    pending = list(
        audit.programme.filter(result=ProgrammeItem.Result.NOT_STARTED).values_list(
            "catalog_id", flat=True
        )[:9]
    )
    if pending:
        ids = ", ".join(pending[:8]) + (" …" if len(pending) > 8 else "")
        raise ValidationError(msg.REPORT_PROGRAMME_INCOMPLETE, params={"ids": ids})
    with transaction.atomic():
        if AuditReport.objects.filter(
            audit=audit, state__in=[State.DRAFT, State.SUBMITTED, State.REJECTED]
        ).exists():
            raise ValidationError(msg.REPORT_OPEN_VERSION)
        last = AuditReport.objects.filter(audit=audit).order_by("-version").first()
        report = AuditReport(
            audit=audit,
            report_date=report_date,
            summary=summary.strip(),
            conclusion=conclusion.strip(),
            version=(last.version + 1) if last else 1,
            supersedes=last if last and last.state == State.APPROVED else None,
            unit=actor.unit,
            prepared_by=actor,
            prepared_at=timezone.now(),
        )
        report.full_clean()
        report.save()
        record_event(actor=actor, action=Action.CREATE, obj=report, after=snapshot(report))
    return report


def report_update(*, actor: Any, report: AuditReport, **fields: Any) -> AuditReport:
    _require(actor, "audits.plan")
    with transaction.atomic():
        report = AuditReport.objects.select_for_update().get(pk=report.pk)
        ensure_editable(report)
        before = snapshot(report, ["report_date", "summary", "conclusion"])
        for key in ("report_date", "summary", "conclusion"):
            if key in fields:
                value = fields[key]
                setattr(report, key, value.strip() if isinstance(value, str) else value)
        report.full_clean()
        report.save()
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=report,
            before=before,
            after=snapshot(report, ["report_date", "summary", "conclusion"]),
        )
    return report


def audit_complete(*, audit: Audit, report: AuditReport, actor: Any) -> Audit:
    """Run inside the report's approving transaction: the audit is closed on its report date
    and the service's plan moves on from it."""
    audit = Audit.objects.select_for_update().get(pk=audit.pk)
    before = snapshot(audit, ["status", "completed_on"])
    audit.status = Audit.Status.CLOSED
    audit.completed_on = report.report_date
    audit.save(update_fields=["status", "completed_on"])
    record_event(
        actor=actor,
        action=Action.UPDATE,
        obj=audit,
        before=before,
        after=snapshot(audit, ["status", "completed_on"]),
    )
    plan_recompute_service(actor=actor, service=audit.service)
    return audit


# -- security testing (Ch 7.1 (b)) -------------------------------------------------------------


TEST_FIELDS = frozenset(
    {
        "kind",
        "scope",
        "tester",
        "planned_on",
        "performed_on",
        "status",
        "result",
        "high_issues",
        "audit",
    }
)


def security_test_save(
    *, actor: Any, service: CloudService, test: SecurityTest | None = None, **fields: Any
) -> SecurityTest:
    _require(actor, "audits.security_test")
    unknown = set(fields) - TEST_FIELDS
    if unknown:
        raise ValueError(f"unknown test fields: {sorted(unknown)}")
    with transaction.atomic():
        if test is None:
            test = SecurityTest(service=service, recorded_by=actor, recorded_at=timezone.now())
            before: dict[str, Any] = {}
        else:
            test = SecurityTest.objects.select_for_update().get(pk=test.pk)
            before = snapshot(test)
        for key, value in fields.items():
            setattr(test, key, value.strip() if isinstance(value, str) else value)
        errors: dict[str, Any] = {}
        if test.status == SecurityTest.Status.DONE:
            if test.performed_on is None:
                errors["performed_on"] = msg.TEST_DONE_NEEDS_RESULT
            if not test.result.strip():
                errors["result"] = msg.TEST_DONE_NEEDS_RESULT
        if errors:
            raise ValidationError(errors)
        test.full_clean()
        test.save()
        record_event(
            actor=actor,
            action=Action.UPDATE if before else Action.CREATE,
            obj=test,
            before=before,
            after=snapshot(test),
        )
    return test


def security_test_attach(
    *, actor: Any, test: SecurityTest, upload: Any, title: str = ""
) -> EvidenceFile:
    _require(actor, "audits.security_test")
    return evidence_attach(
        actor=actor,
        owner=test,
        upload=upload,
        title=title or f"{test.get_kind_display()} · {test.planned_on}",
        kind="security_test",
        effective_date=test.performed_on,
        catalog_ids=["ch7.1.b"],
    )
