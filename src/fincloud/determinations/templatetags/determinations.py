from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

from fincloud.determinations.models import Determination

register = template.Library()


@register.filter
def explanation_for(det: Determination, language: str) -> list[str]:
    return det.explanation(language or "zh-hant")


def _value_text(value: Any) -> str:
    if value is None or value in ([], {}, ""):
        return "—"
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, list | tuple):
        return ", ".join(_value_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k} {_value_text(v)}" for k, v in value.items())
    return str(value)


@register.filter
def outcome_text(value: Any) -> str:
    """An outcome as a reader sees it: a structured outcome as "key: value" pairs (yes/no in
    the reader's language, an empty list as a dash), not a Python literal."""
    if isinstance(value, dict):
        return " · ".join(f"{key}: {_value_text(v)}" for key, v in value.items())
    return _value_text(value)
