"""Which models go through the workflow, so the home page can list what awaits whom."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from fincloud.workflow.models import ApprovableRecord, State


@dataclass(frozen=True)
class Registered:
    model: type[ApprovableRecord]
    url: Callable[[Any], str]


_REGISTRY: list[Registered] = []


def register(model: type[ApprovableRecord], url: Callable[[Any], str]) -> None:
    if all(r.model is not model for r in _REGISTRY):
        _REGISTRY.append(Registered(model, url))


def registered() -> list[Registered]:
    return list(_REGISTRY)


def awaiting_decision(user: Any, limit: int = 50) -> list[dict[str, Any]]:
    """Submitted records this approver may decide (never their own)."""
    if not user.can("workflow.approve"):
        return []
    unit_ids = list(user.approves_for.values_list("pk", flat=True))
    out: list[dict[str, Any]] = []
    for reg in _REGISTRY:
        qs: QuerySet[Any] = (
            reg.model._default_manager.filter(state=State.SUBMITTED, unit_id__in=unit_ids)
            .exclude(prepared_by=user)
            .exclude(submitted_by=user)
            .select_related("unit", "prepared_by")
            .order_by("submitted_at")[:limit]
        )
        out.extend(
            {"obj": o, "url": reg.url(o), "label": reg.model.workflow_type_label} for o in qs
        )
    return out


def drafts_of(user: Any, limit: int = 50) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for reg in _REGISTRY:
        qs: QuerySet[Any] = (
            reg.model._default_manager.filter(
                prepared_by=user, state__in=[State.DRAFT, State.REJECTED]
            )
            .select_related("unit")
            .order_by("-prepared_at")[:limit]
        )
        out.extend(
            {"obj": o, "url": reg.url(o), "label": reg.model.workflow_type_label} for o in qs
        )
    return out
