"""Report buttons for the pages where the data is shown:

    {% load reports %}{% report_buttons "annex3" service %}
    {% load reports %}{% service_reports service %}

Each button queues the report (POST /reports/run) and the progress appears beside it (htmx);
a person without the report family's capability sees no button."""

from __future__ import annotations

from typing import Any

from django import template

from fincloud.reports import registry

register = template.Library()


def _entry(context: Any, spec: registry.ReportSpec, subject: Any) -> dict[str, Any]:
    code = str(getattr(subject, "code", "") or "")
    return {
        "spec": spec,
        "subject_code": code,
        "uid": f"{spec.name}-{code[:8] or 'institution'}",
    }


def _user(context: Any) -> Any:
    request = context.get("request")
    return getattr(request, "user", None)


@register.inclusion_tag("reports/_buttons.html", takes_context=True)
def report_buttons(context: Any, name: str, subject: Any = None) -> dict[str, Any]:
    spec = registry.REPORTS[name]
    user = _user(context)
    allowed = (
        user is not None
        and user.can(spec.capability)
        and (spec.condition is None or spec.condition(subject))
    )
    return {
        "entries": [_entry(context, spec, subject)] if allowed else [],
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("reports/_service_card.html", takes_context=True)
def service_reports(context: Any, service: Any) -> dict[str, Any]:
    user = _user(context)
    specs = [
        s
        for s in registry.available_for("service", service)
        if user is not None and user.can(s.capability)
    ]
    return {
        "service": service,
        "entries": [_entry(context, s, service) for s in specs],
        "csrf_token": context.get("csrf_token"),
        "can_view": user is not None and user.can(registry.CAP_VIEW),
    }
