"""Template helpers of the assessment pages, and the service-page summary."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key, [])
    except AttributeError:
        return []


@register.simple_tag
def service_assessment(service: Any) -> dict[str, Any]:
    """The register's service page: the current assessment, its classification with reasons
    and what still blocks it (a few queries, whatever the register already loaded)."""
    from fincloud.assessments.selectors import current_assessment
    from fincloud.determinations.services import current_determinations

    assessment = current_assessment(service)
    if assessment is None:
        return {"assessment": None}
    dets = current_determinations(assessment)
    return {
        "assessment": assessment,
        "classification": dets.get("classification"),
        "scope": dets.get("scope"),
        "materiality": dets.get("materiality"),
    }
