from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def can(user: Any, capability: str) -> bool:
    """``{% if user|can:"people.manage_users" %}``: does the user hold the capability?"""
    checker = getattr(user, "can", None)
    return bool(checker and user.is_authenticated and checker(capability))
