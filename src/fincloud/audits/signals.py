"""Keeping the audit plan in step with the register: a change of a plan input marks the
service's plan (entry and determination) stale, and the plan is computed again once the change
is committed (DESIGN.md: "Changing an input re-computes and marks dependent records stale")."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from fincloud.audits.models import AuditPlanEntry

# The CloudService fields the plan reads (fincloud.audits.services._input).
PLAN_FIELDS = frozenset(
    {
        "classification",
        "material",
        "in_scope",
        "service_model",
        "stage",
        "status",
        "started_on",
        "planned_start",
        "classification_stale",
    }
)


def _differs(entry: AuditPlanEntry, service: Any) -> bool:
    return (
        entry.classification != service.classification
        or entry.material != bool(service.material)
        or entry.service_model != service.service_model
        or not service.in_scope
        or service.stage == "after_use"
        or service.status in {"cancelled", "terminated"}
    )


def on_service_saved(
    sender: Any, instance: Any, created: bool, update_fields: Any, **kwargs: Any
) -> None:
    if created:
        return  # a new service has no plan yet; the next regeneration plans it
    if update_fields is not None and not (set(update_fields) & PLAN_FIELDS):
        return
    entry = AuditPlanEntry.objects.filter(service_id=instance.pk).first()
    if entry is None or not (entry.stale or _differs(entry, instance)):
        return
    from fincloud.audits.services import plan_inputs_changed, plan_recompute_service

    plan_inputs_changed(service=instance, actor=None)
    if instance.classification_stale:
        return  # recomputed when the assessment records the classification again

    def recompute() -> None:
        plan_recompute_service(actor=None, service=instance)

    transaction.on_commit(recompute)


def on_inputs_changed(sender: Any, *, service: Any, fields: Any, actor: Any, **kwargs: Any) -> None:
    """An input of the classification changed: the classification itself is stale until the
    assessment records it again, so the plan that rests on it is stale too (no recompute)."""
    from fincloud.audits.services import plan_inputs_changed

    plan_inputs_changed(service=service, actor=actor)
