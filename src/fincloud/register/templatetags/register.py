"""Small template helpers of the register."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def deadline_state(date: dt.date | None, today: dt.date, soon: dt.date) -> str:
    """ "overdue", "soon" (within the alert window) or "" for a deadline."""
    if date is None:
        return ""
    if date < today:
        return "overdue"
    if date <= soon:
        return "soon"
    return ""


@register.filter
def percent(value: Any) -> str:
    """0.4166 -> "41.7%"."""
    try:
        return f"{float(value) * 100:.1f}%"
    except (TypeError, ValueError):
        return ""


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping[key]
    except (KeyError, TypeError, IndexError):
        return None


@register.simple_tag
def query_url(base: str, **params: Any) -> str:
    """A list URL with filters, e.g. {% query_url list_url stage="in_use" %}."""
    from urllib.parse import urlencode

    clean = {k: v for k, v in params.items() if v not in (None, "")}
    return f"{base}?{urlencode(clean)}" if clean else base


@register.filter
def in_language(obj: Any) -> str:
    """A business unit's name in the user's language."""
    from django.utils.translation import get_language

    if obj is None:
        return ""
    namer = getattr(obj, "display_name", None)
    return str(namer(get_language() or "")) if callable(namer) else str(obj)
