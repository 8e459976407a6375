from __future__ import annotations

from typing import Any

from django import template

from fincloud.resilience.bia import minutes_text

register = template.Library()


@register.filter
def lang_text(item: Any, language: str) -> str:
    """``{{ item|lang_text:LANGUAGE_CODE }}``: a catalog-derived item's text in the language."""
    return str(item.text("en" if str(language).startswith("en") else "zh-TW"))


@register.filter
def minutes(value: Any, language: str = "zh-hant") -> str:
    """``{{ 90|minutes:LANGUAGE_CODE }}`` -> "90分鐘" / "90 min"; empty for None."""
    if value is None or value == "":
        return "—"
    return minutes_text(int(value), "en" if str(language).startswith("en") else "zh-TW")


@register.filter
def category_labels(values: Any) -> str:
    """Incident category keys as their translated labels, comma-separated."""
    from fincloud.resilience.models import IncidentCategory

    labels = dict(IncidentCategory.choices)
    return ", ".join(str(labels.get(v, v)) for v in values or ())


@register.filter
def trigger_labels(values: Any) -> str:
    from fincloud.resilience.models import ExitTrigger

    labels = dict(ExitTrigger.choices)
    return ", ".join(str(labels.get(v, v)) for v in values or ())


@register.filter
def percent(value: Any) -> str:
    """``{{ 99.95000|percent }}`` -> "99.95%"; "—" for None."""
    if value is None or value == "":
        return "—"
    from decimal import Decimal

    return format(Decimal(value).normalize(), "f") + "%"
