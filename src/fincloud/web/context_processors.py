from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from fincloud.web import navigation


def shell(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    return {
        "nav_groups": navigation.for_user(user) if signed_in else [],
        "current_url_name": getattr(getattr(request, "resolver_match", None), "url_name", ""),
        "user_roles": user.roles() if signed_in else [],  # type: ignore[union-attr]
        "institution_name": settings.FINCLOUD_INSTITUTION_NAME,
        "available_languages": settings.LANGUAGES,
    }
