"""Template filters of 日常執行與控管: catalog texts in the current language, activity names."""

from __future__ import annotations

from typing import Any

from django import template

from fincloud.catalog import Node
from fincloud.governance import labels

register = template.Library()


@register.filter
def ntext(node: Node | str) -> str:
    """A catalog node's text (or a node id's) in the page's language."""
    return labels.node_text(node)


@register.filter
def letter(node_id: str) -> str:
    return labels.item_letter(node_id)


@register.filter
def duty_name(node: Node | str) -> str:
    if isinstance(node, str):
        from fincloud.governance import manual

        node = manual.catalog().get(node)
    return labels.short_duty(node)


@register.filter
def activity(name: str) -> str:
    return labels.activity_label(name)


@register.filter
def topic(topic_id: str) -> str:
    return labels.topic_label(topic_id)


@register.filter
def group(group_id: str) -> str:
    return labels.group_label(group_id)


@register.filter
def get(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(key)
    except AttributeError:
        return None
