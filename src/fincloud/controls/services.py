"""Write operations of the controls app: one function per business action, each in one
transaction with its audit event (STYLE.md §1, §3)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from fincloud.auditlog.models import Action
from fincloud.auditlog.services import record_event, snapshot
from fincloud.catalog import load_catalog
from fincloud.controls import messages as msg
from fincloud.controls.checklist import ControlSpec, controls_for
from fincloud.controls.figures import FIGURE_FIELDS, check_figures
from fincloud.controls.inventory import InventoryError, read_inventory
from fincloud.controls.models import (
    Advisory,
    AssetImport,
    AssetSource,
    CloudAsset,
    ControlAssessment,
    ControlItem,
    Decision,
    IntelSource,
    ServiceControl,
    Status,
    Strength,
)
from fincloud.evidence.models import EvidenceFile
from fincloud.evidence.services import evidence_attach, evidence_new_revision, max_bytes
from fincloud.workflow.models import State
from fincloud.workflow.services import ensure_editable, record_new_version, record_submit

ITEM_FIELDS = frozenset(
    {
        "decision",
        "decision_reason",
        "status",
        "status_note",
        "responsibility",
        "target_date",
        *FIGURE_FIELDS,
    }
)
# Item fields written with each save, for the audit diff.
_ITEM_SNAPSHOT = sorted(ITEM_FIELDS)
# How many item ids a refusal message lists before "…".
_LIST_IDS = 8


def _require(actor: Any, capability: str) -> None:
    if not actor.can(capability):
        raise ValidationError(
            msg.NO_PERMISSION, code="permission", params={"capability": capability}
        )


def _ids(items: Iterable[str]) -> str:
    items = list(items)
    head = ", ".join(items[:_LIST_IDS])
    return head + (" …" if len(items) > _LIST_IDS else "")


# -- assessments --------------------------------------------------------------------------------


def _ensure_controls(service: Any, catalog_ids: Iterable[str]) -> dict[str, ServiceControl]:
    ids = list(catalog_ids)
    ServiceControl.objects.bulk_create(
        [ServiceControl(service=service, catalog_id=cid) for cid in ids], ignore_conflicts=True
    )
    return {
        c.catalog_id: c for c in ServiceControl.objects.filter(service=service, catalog_id__in=ids)
    }


def _new_item(
    assessment: ControlAssessment, spec: ControlSpec, control: ServiceControl
) -> ControlItem:
    return ControlItem(
        assessment=assessment,
        control=control,
        catalog_id=spec.catalog_id,
        section_id=spec.section_id,
        strength=spec.strength,
        order=spec.order,
        # Basic items are proposed; advanced items wait for a recorded risk-based decision.
        decision=Decision.ADOPTED if spec.strength == Strength.BASIC else Decision.UNDECIDED,
    )


def assessment_start(
    *, actor: Any, service: Any, as_of: dt.date | None = None, scope_note: str = ""
) -> ControlAssessment:
    """The first assessment of a service: the Ch 5/6 checklist for its service model."""
    _require(actor, "controls.assess")
    if not service.service_model:
        raise ValidationError({"service": msg.SERVICE_WITHOUT_MODEL}, code="no_model")
    with transaction.atomic():
        if ControlAssessment.objects.filter(service=service).exists():
            raise ValidationError({"service": msg.ASSESSMENT_EXISTS}, code="exists")
        assessment = ControlAssessment(
            service=service,
            service_model=service.service_model,
            as_of=as_of or timezone.localdate(),
            scope_note=scope_note.strip(),
            unit=service.unit,
            prepared_by=actor,
            prepared_at=timezone.now(),
        )
        assessment.full_clean()
        assessment.save()
        specs = controls_for(load_catalog(), service.service_model)
        controls = _ensure_controls(service, (s.catalog_id for s in specs))
        ControlItem.objects.bulk_create(
            [_new_item(assessment, s, controls[s.catalog_id]) for s in specs]
        )
        after = snapshot(assessment)
        after["items"] = len(specs)
        record_event(actor=actor, action=Action.CREATE, obj=assessment, after=after)
    return assessment


_CARRIED = (
    "decision",
    "decision_reason",
    "decided_by_id",
    "decided_at",
    "status",
    "status_note",
    "responsibility",
    "target_date",
    *FIGURE_FIELDS,
)


def assessment_new_version(*, actor: Any, assessment: ControlAssessment) -> ControlAssessment:
    """A new draft from an approved assessment: the checklist is generated again for the
    service's current model; answers carry over for the items that still apply."""
    _require(actor, "controls.assess")
    service = assessment.service
    with transaction.atomic():
        if ControlAssessment.objects.filter(
            service=service, state__in=[State.DRAFT, State.SUBMITTED, State.REJECTED]
        ).exists():
            raise ValidationError({"service": msg.OPEN_VERSION_EXISTS}, code="open_version")
        new = record_new_version(
            record=assessment,
            actor=actor,
            service_model=service.service_model,
            as_of=timezone.localdate(),
        )
        old = {i.catalog_id: i for i in assessment.items.all()}
        specs = controls_for(load_catalog(), service.service_model)
        controls = _ensure_controls(service, (s.catalog_id for s in specs))
        items = []
        for spec in specs:
            item = _new_item(new, spec, controls[spec.catalog_id])
            previous = old.get(spec.catalog_id)
            if previous is not None:
                for name in _CARRIED:
                    setattr(item, name, getattr(previous, name))
            items.append(item)
        ControlItem.objects.bulk_create(items)
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=new,
            changes={"items": [None, len(items)], "carried_from": [None, str(assessment.code)]},
        )
    return new


def _item_errors(item: ControlItem) -> dict[str, list[Any]]:
    errors: dict[str, list[Any]] = {}

    def add(field: str, message: Any, **params: Any) -> None:
        errors.setdefault(field, []).append(
            ValidationError(message, code=field, params=params or None)
        )

    if item.decision == Decision.UNDECIDED and item.strength == Strength.BASIC:
        add("decision", msg.BASIC_CANNOT_BE_UNDECIDED)
    if item.decision == Decision.NOT_ADOPTED and not item.decision_reason.strip():
        add("decision_reason", msg.NOT_ADOPTED_NEEDS_REASON)
    if (
        item.decision == Decision.ADOPTED
        and item.strength == Strength.ADVANCED
        and not item.decision_reason.strip()
    ):
        add("decision_reason", msg.ADVANCED_NEEDS_REASON)
    if item.decision != Decision.ADOPTED and item.status:
        add("status", msg.STATUS_ONLY_IF_ADOPTED)
    if item.status == Status.NOT_APPLICABLE and not item.status_note.strip():
        add("status_note", msg.NOT_APPLICABLE_NEEDS_REASON)
    if item.status in {Status.PARTIAL, Status.NOT_IMPLEMENTED} and item.target_date is None:
        add("target_date", msg.GAP_NEEDS_TARGET)
    values = {name: getattr(item, name) for name in FIGURE_FIELDS}
    for violation in check_figures(values, load_catalog()):
        add(violation.field, msg.FIGURE_MESSAGES[violation.code], **dict(violation.params))
    return errors


def item_update(*, actor: Any, item: ControlItem, **fields: Any) -> ControlItem:
    """Record the decision, status, responsibility and figures of one item."""
    _require(actor, "controls.assess")
    unknown = set(fields) - ITEM_FIELDS
    if unknown:
        raise ValueError(f"unknown item fields: {sorted(unknown)}")
    with transaction.atomic():
        item = ControlItem.objects.select_for_update().select_related("assessment").get(pk=item.pk)
        ensure_editable(item.assessment)
        before = snapshot(item, _ITEM_SNAPSHOT)
        decision_before = (item.decision, item.decision_reason)
        for name, value in fields.items():
            setattr(item, name, value.strip() if isinstance(value, str) else value)
        if item.decision != Decision.ADOPTED:
            # A status belongs to an adopted item only; not adopting clears it.
            item.status = Status.NOT_ASSESSED
        errors = _item_errors(item)
        if errors:
            raise ValidationError(errors)
        item.full_clean(exclude=["control"])
        if (item.decision, item.decision_reason) != decision_before:
            item.decided_by = actor
            item.decided_at = timezone.now()
        item.updated_by = actor
        item.updated_at = timezone.now()
        item.save()
        after = snapshot(item, _ITEM_SNAPSHOT)
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=item,
            object_repr=f"{item.assessment} · {item.catalog_id}",
            before=before,
            after=after,
        )
    return item


def assessment_problems(assessment: ControlAssessment) -> list[tuple[str, str]]:
    """What stops a submission: (code, catalog ids)."""
    undecided, unassessed, unassigned, invalid = [], [], [], []
    for item in assessment.items.order_by("order"):
        if item.decision == Decision.UNDECIDED:
            undecided.append(item.catalog_id)
        elif item.decision == Decision.ADOPTED:
            if not item.status:
                unassessed.append(item.catalog_id)
            if not item.responsibility:
                unassigned.append(item.catalog_id)
        if _item_errors(item):
            invalid.append(item.catalog_id)
    out = []
    if undecided:
        out.append(("undecided", _ids(undecided)))
    if unassessed:
        out.append(("unassessed", _ids(unassessed)))
    if unassigned:
        out.append(("unassigned", _ids(unassigned)))
    if invalid:
        out.append(("invalid", _ids(invalid)))
    return out


def assessment_submit(*, actor: Any, assessment: ControlAssessment) -> ControlAssessment:
    """Submit for approval once every item is decided, assessed and assigned."""
    _require(actor, "controls.assess")
    problems = assessment_problems(assessment)
    if problems:
        raise ValidationError(
            [
                ValidationError(msg.SUBMIT_PROBLEMS[code], code=code, params={"ids": ids})
                for code, ids in problems
            ]
        )
    return record_submit(record=assessment, actor=actor)


def control_evidence_attach(
    *,
    actor: Any,
    item: ControlItem,
    upload: Any,
    title: str = "",
    effective_date: dt.date | None = None,
    expiry_date: dt.date | None = None,
    note: str = "",
) -> EvidenceFile:
    """Evidence for a control of a service; it belongs to the service's control, so it stays
    with the control across assessment versions."""
    _require(actor, "controls.assess")
    return evidence_attach(
        actor=actor,
        owner=item.control,
        upload=upload,
        title=title,
        kind="control_evidence",
        effective_date=effective_date,
        expiry_date=expiry_date,
        catalog_ids=[item.catalog_id],
        note=note,
    )


def control_evidence_revise(
    *,
    actor: Any,
    previous: EvidenceFile,
    upload: Any,
    effective_date: dt.date | None = None,
    expiry_date: dt.date | None = None,
    note: str = "",
) -> EvidenceFile:
    _require(actor, "controls.assess")
    return evidence_new_revision(
        actor=actor,
        previous=previous,
        upload=upload,
        effective_date=effective_date,
        expiry_date=expiry_date,
        note=note,
    )


# -- the Ch 6.1 inventory ----------------------------------------------------------------------


def _users_by_username(labels: Iterable[str]) -> dict[str, Any]:
    names = {label for label in labels if label}
    if not names:
        return {}
    user_model = get_user_model()
    return {u.username: u for u in user_model.objects.filter(username__in=names, is_active=True)}


def asset_import(*, actor: Any, service: Any, upload: Any) -> AssetImport:
    """Import a CSV or provider export into the service's inventory; all or nothing."""
    _require(actor, "controls.inventory")
    name = getattr(upload, "name", "file")
    size = getattr(upload, "size", 0) or 0
    if size > max_bytes():
        raise ValidationError({"file": msg.INVENTORY_TOO_LARGE}, code="too_large")
    upload.seek(0)
    content = upload.read()
    upload.seek(0)
    try:
        records = read_inventory(name, content)
    except InventoryError as exc:
        raise ValidationError(
            {
                "file": ValidationError(
                    msg.INVENTORY_ERROR,
                    code=exc.code,
                    params={
                        "where": exc.where,
                        "field": exc.field_name,
                        "rule": msg.INVENTORY_RULES.get(exc.code, exc.code),
                        "detail": exc.detail,
                    },
                )
            }
        ) from None
    if not records:
        raise ValidationError({"file": msg.INVENTORY_EMPTY}, code="empty")
    sources = {r.source for r in records}
    source = sources.pop() if len(sources) == 1 else AssetSource.CSV
    now = timezone.now()
    with transaction.atomic():
        existing = {a.external_id: a for a in CloudAsset.objects.filter(service=service)}
        users = _users_by_username(r.owner for r in records)
        created: list[CloudAsset] = []
        updated: list[CloudAsset] = []
        for record in records:
            asset = existing.get(record.external_id)
            values = {
                "name": record.name,
                "category": record.category,
                "resource_type": record.resource_type,
                "region": record.region,
                "owner": users.get(record.owner),
                "owner_label": record.owner,
                "custodian": record.custodian,
                "tags": dict(record.tags),
                "source": record.source,
                "retired_on": None,
                "last_seen_at": now,
                "updated_at": now,
            }
            if asset is None:
                created.append(
                    CloudAsset(service=service, external_id=record.external_id, **values)
                )
                created[-1].classification = record.classification
            else:
                for key, value in values.items():
                    setattr(asset, key, value)
                # A classification set in the inventory is kept unless the file states one.
                if record.classification:
                    asset.classification = record.classification
                updated.append(asset)
        CloudAsset.objects.bulk_create(created, batch_size=1000)
        CloudAsset.objects.bulk_update(
            updated,
            [
                "name",
                "category",
                "resource_type",
                "region",
                "owner",
                "owner_label",
                "custodian",
                "classification",
                "tags",
                "source",
                "retired_on",
                "last_seen_at",
                "updated_at",
            ],
            batch_size=1000,
        )
        seen = {r.external_id for r in records}
        not_seen = sum(1 for key, a in existing.items() if key not in seen and a.retired_on is None)
        result = AssetImport.objects.create(
            service=service,
            source=source,
            file_name=name[:255],
            created=len(created),
            updated=len(updated),
            not_seen=not_seen,
            imported_by=actor,
            imported_at=now,
        )
        # The imported file is kept as evidence of the inventory at that date (Ch 6.1 (d)).
        evidence_attach(
            actor=actor,
            owner=result,
            upload=upload,
            title=name,
            kind="asset_inventory",
            catalog_ids=["ch6.1.basic.a", "ch6.1.advanced.a"],
        )
        record_event(
            actor=actor,
            action=Action.CREATE,
            obj=result,
            changes={
                "service": [None, str(service.code)],
                "source": [None, source],
                "created": [None, len(created)],
                "updated": [None, len(updated)],
                "not_seen": [None, not_seen],
            },
        )
    return result


ASSET_FIELDS = frozenset(
    {
        "external_id",
        "name",
        "category",
        "resource_type",
        "region",
        "owner",
        "custodian",
        "classification",
        "retired_on",
    }
)


def asset_save(
    *, actor: Any, service: Any, asset: CloudAsset | None = None, **fields: Any
) -> CloudAsset:
    """Add an asset by hand, or change one (classification, owner, retirement)."""
    _require(actor, "controls.inventory")
    unknown = set(fields) - ASSET_FIELDS
    if unknown:
        raise ValueError(f"unknown asset fields: {sorted(unknown)}")
    with transaction.atomic():
        if asset is None:
            asset = CloudAsset(service=service, source=AssetSource.MANUAL)
            before: dict[str, Any] = {}
        else:
            asset = CloudAsset.objects.select_for_update().get(pk=asset.pk)
            before = snapshot(asset)
        for key, value in fields.items():
            setattr(asset, key, value.strip() if isinstance(value, str) else value)
        asset.updated_at = timezone.now()
        if asset.owner is not None:
            asset.owner_label = asset.owner.get_username()
        try:
            asset.full_clean()
        except ValidationError as exc:
            if "__all__" in getattr(exc, "error_dict", {}):
                raise ValidationError({"external_id": msg.ASSET_DUPLICATE}) from None
            raise
        asset.save()
        record_event(
            actor=actor,
            action=Action.CREATE if not before else Action.UPDATE,
            obj=asset,
            before=before,
            after=snapshot(asset),
        )
    return asset


# -- Ch 5.6 threat intelligence ------------------------------------------------------------------


def intel_source_save(
    *, actor: Any, source: IntelSource | None = None, **fields: Any
) -> IntelSource:
    _require(actor, "controls.threat_intel")
    with transaction.atomic():
        before = snapshot(source) if source else {}
        source = source or IntelSource()
        for key, value in fields.items():
            setattr(source, key, value.strip() if isinstance(value, str) else value)
        source.full_clean()
        source.save()
        record_event(
            actor=actor,
            action=Action.UPDATE if before else Action.CREATE,
            obj=source,
            before=before,
            after=snapshot(source),
        )
    return source


ADVISORY_FIELDS = frozenset(
    {
        "source",
        "reference",
        "title",
        "published_on",
        "received_on",
        "severity",
        "impact",
        "action",
        "state",
        "respond_by",
        "acted_on",
        "handled_by",
    }
)


def advisory_errors(advisory: Advisory) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if advisory.state == Advisory.State.ACTED:
        if not advisory.action.strip():
            errors["action"] = msg.ADVISORY_ACTED_NEEDS_ACTION
        if advisory.acted_on is None:
            errors["acted_on"] = msg.ADVISORY_ACTED_NEEDS_DATE
    if advisory.state == Advisory.State.NOT_APPLICABLE and not advisory.impact.strip():
        errors["impact"] = msg.ADVISORY_NA_NEEDS_REASON
    if advisory.acted_on and advisory.acted_on < advisory.received_on:
        errors["acted_on"] = msg.ADVISORY_ACTED_BEFORE_RECEIVED
    return errors


def advisory_save(
    *,
    actor: Any,
    advisory: Advisory | None = None,
    services: Iterable[Any] | None = None,
    **fields: Any,
) -> Advisory:
    """Record an advisory from a source, and later the impact assessed and the action taken."""
    _require(actor, "controls.threat_intel")
    unknown = set(fields) - ADVISORY_FIELDS
    if unknown:
        raise ValueError(f"unknown advisory fields: {sorted(unknown)}")
    with transaction.atomic():
        if advisory is None:
            advisory = Advisory(recorded_by=actor, recorded_at=timezone.now())
            before: dict[str, Any] = {}
        else:
            advisory = Advisory.objects.select_for_update().get(pk=advisory.pk)
            before = snapshot(advisory)
        for key, value in fields.items():
            setattr(advisory, key, value.strip() if isinstance(value, str) else value)
        errors = advisory_errors(advisory)
        if errors:
            raise ValidationError(errors)
        advisory.full_clean()
        advisory.save()
        after = snapshot(advisory)
        if services is not None:
            advisory.services.set(list(services))
            after["services"] = sorted(str(s.code) for s in advisory.services.all())
        record_event(
            actor=actor,
            action=Action.UPDATE if before else Action.CREATE,
            obj=advisory,
            before=before,
            after=after,
        )
    return advisory


def seed_intel_sources(*, actor: Any, sources: Mapping[str, tuple[str, str]]) -> None:
    """Create the named sources that do not exist yet (demo data; idempotent)."""
    existing = set(IntelSource.objects.values_list("name", flat=True))
    for name, (kind, url) in sources.items():
        if name not in existing:
            with transaction.atomic():
                source = IntelSource.objects.create(name=name, kind=kind, url=url)
                record_event(actor=actor, action=Action.CREATE, obj=source, after=snapshot(source))
