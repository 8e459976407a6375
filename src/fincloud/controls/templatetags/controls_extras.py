"""Template helpers shared by the controls and audits pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def ntext(node: Any, language: str) -> str:
    """A catalog node's text in the page's language (Chinese is the manual's own)."""
    if node is None:
        return ""
    return str(node.text_en if (language or "").startswith("en") else node.text_zh)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
