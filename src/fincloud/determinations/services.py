"""Recording, confirming and invalidating determinations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fincloud.auditlog.models import Action
from fincloud.auditlog.services import EventEntry, record_event, record_events
from fincloud.determinations.models import Determination, subject_filter

OVERRIDE_NEEDS_REASON = _(
    "Reason: required when the confirmed outcome differs from the system's proposal."
)
STALE_CANNOT_CONFIRM = _("This result is stale (its inputs changed); compute it again first.")


def _new(subject: models.Model, record: dict[str, Any], *, at: Any, by: Any) -> Determination:
    """A determination of ``subject`` from a rules result's record (not yet saved)."""
    return Determination(
        **subject_filter(subject),
        kind=record["kind"],
        inputs=record["inputs"],
        outcome=record["outcome"],
        rule_version=record["rule_version"],
        citations=list(record["citations"]),
        explanation_zh=list(record["explanation_zh"]),
        explanation_en=list(record["explanation_en"]),
        computed_at=at,
        computed_by=by if getattr(by, "pk", None) else None,
    )


def _created(det: Determination, subject: models.Model) -> dict[str, Any]:
    """The audit event's changes for a stored determination."""
    return {
        "kind": [None, det.kind],
        "outcome": [None, det.outcome],
        "rule_version": [None, det.rule_version],
        "subject": [None, f"{subject._meta.label_lower}:{subject.pk}"],
    }


def determination_record(*, subject: models.Model, result: Any, actor: Any = None) -> Determination:
    """Store a ``fincloud.rules`` result (anything with ``to_record()``) as the current
    determination of its kind for the subject; the previous one stays, no longer current."""
    record = result.to_record()
    with transaction.atomic():
        Determination.objects.filter(
            **subject_filter(subject), kind=record["kind"], current=True
        ).update(current=False)
        det = _new(subject, record, at=timezone.now(), by=actor)
        det.save()
        record_event(actor=actor, action=Action.CREATE, obj=det, changes=_created(det, subject))
    return det


def determination_record_many(
    *, pairs: Iterable[tuple[models.Model, Any]], actor: Any = None
) -> list[Determination]:
    """``determination_record`` for many subjects at once (a month's SLA attainment over
    thousands of services): the same rows and the same audit events, in one transaction, with
    one UPDATE per subject type and kind for each 500 subjects, the inserts in batches and the
    events chained under one lock of the audit log's head."""
    records = [(subject, result.to_record()) for subject, result in pairs]
    if not records:
        return []
    now = timezone.now()
    with transaction.atomic():
        made = [_new(subject, record, at=now, by=actor) for subject, record in records]
        subjects: dict[tuple[int, str], list[str]] = defaultdict(list)
        for det in made:
            subjects[(det.subject_type_id, det.kind)].append(det.subject_id)
        for (type_id, kind), ids in subjects.items():
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                Determination.objects.filter(
                    subject_type_id=type_id, subject_id__in=chunk, kind=kind, current=True
                ).update(current=False)
        dets = Determination.objects.bulk_create(made, batch_size=500)
        record_events(
            actor=actor,
            entries=[
                EventEntry(action=Action.CREATE, obj=det, changes=_created(det, subject))
                for det, (subject, _record) in zip(dets, records, strict=True)
            ],
        )
    return dets


def determination_confirm(
    *, determination: Determination, actor: Any, outcome: Any, reason: str = ""
) -> Determination:
    """A person confirms the proposal, or overrides it with a reason; both are kept."""
    if determination.stale:
        raise ValidationError(STALE_CANNOT_CONFIRM, code="stale")
    if outcome != determination.outcome and not reason.strip():
        raise ValidationError({"reason": OVERRIDE_NEEDS_REASON}, code="reason_required")
    with transaction.atomic():
        determination.confirmed_outcome = outcome
        determination.confirmed_by = actor
        determination.confirmed_at = timezone.now()
        determination.reason = reason.strip()
        determination.save(
            update_fields=["confirmed_outcome", "confirmed_by", "confirmed_at", "reason"]
        )
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=determination,
            changes={
                "confirmed_outcome": [None, outcome],
                "proposal": [None, determination.outcome],
                "reason": [None, determination.reason],
            },
        )
    return determination


def determinations_mark_stale(
    *, subject: models.Model, kinds: list[str] | None = None, actor: Any = None
) -> int:
    """An input changed: the current results of these kinds no longer hold until recomputed."""
    qs = Determination.objects.filter(**subject_filter(subject), current=True, stale=False)
    if kinds is not None:
        qs = qs.filter(kind__in=kinds)
    count = qs.update(stale=True)
    if count:
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=subject,
            changes={"determinations_stale": [None, kinds or "all"]},
        )
    return count


def current_determinations(subject: models.Model) -> dict[str, Determination]:
    rows = Determination.objects.filter(**subject_filter(subject), current=True).select_related(
        "confirmed_by", "computed_by"
    )
    return {d.kind: d for d in rows}
