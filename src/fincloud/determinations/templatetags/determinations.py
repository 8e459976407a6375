from __future__ import annotations

from django import template

from fincloud.determinations.models import Determination

register = template.Library()


@register.filter
def explanation_for(det: Determination, language: str) -> list[str]:
    return det.explanation(language or "zh-hant")
