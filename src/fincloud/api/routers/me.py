"""Who the caller is: their roles, capabilities and (with a token) the token's scope."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from fincloud.api.security import operation
from fincloud.people.roles import CAPABILITIES

router = Router(tags=["me"])


class TokenInfo(Schema):
    name: str
    prefix: str
    scope: str
    expires_at: dt.datetime


class MeOut(Schema):
    username: str
    display_name: str
    unit: str | None
    roles: list[str]
    capabilities: list[str]
    token: TokenInfo | None


@operation(router, "GET", "/me", capability="web.view", response=MeOut, summary="Who am I")
def me(request: HttpRequest) -> Any:
    user: Any = request.user
    token = getattr(request, "api_token", None)
    return {
        "username": user.username,
        "display_name": str(user),
        "unit": user.unit.short_name if user.unit_id else None,
        "roles": sorted(user.role_names()),
        "capabilities": sorted(name for name in CAPABILITIES if user.can(name)),
        "token": token,
    }
