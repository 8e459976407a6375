"""Personal API tokens: made (shown once), checked at each request, revoked.

Keyword-only functions, one transaction each, the audit event written in it; refusals are
``ValidationError``s naming the field, with the messages as module constants.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fincloud.api.models import ApiToken
from fincloud.auditlog.models import Action
from fincloud.auditlog.services import record_event, snapshot
from fincloud.people.roles import CAPABILITIES

TOKEN_PREFIX = "fc_"  # noqa: S105 (the marker every token starts with, not a secret)
PREFIX_HEX = 10
PREFIX_LENGTH = len(TOKEN_PREFIX) + PREFIX_HEX  # "fc_" and ten hex digits
CAP_TOKENS = "api.tokens"
MAX_ACTIVE_TOKENS = 20
# last_used_at is written at most once a minute per token, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)

NO_PERMISSION = _("You do not have the permission “%(capability)s”.")
NAME_REQUIRED = _("Name: required; say what the token is for.")
NAME_TOO_LONG = _("Name: at most %(limit)s characters.")
SCOPE_UNKNOWN = _("Scope: must be “read” or “write”.")
SCOPE_WRITE_NOT_HELD = _(
    "Scope: you hold no capability that changes records, so a token can only read."
)
EXPIRY_REQUIRED = _("Expires on: required; every token expires.")
EXPIRY_IN_PAST = _("Expires on: must be after today.")
EXPIRY_TOO_FAR = _("Expires on: at most %(days)s days from today.")
TOO_MANY = _("Name: you already have %(limit)s active tokens; revoke one first.")
ALREADY_REVOKED = _("Token: already revoked.")
NOT_OWNER = _("Token: you can only revoke your own tokens.")

# Why a presented token was refused (the API answers 401 with the rule).
TOKEN_MALFORMED = _("The API token is malformed.")
TOKEN_UNKNOWN = _("The API token is not known.")
TOKEN_REVOKED = _("The API token was revoked.")
TOKEN_EXPIRED = _("The API token has expired.")
TOKEN_USER_INACTIVE = _("The owner of the API token is no longer active.")


def _invalid(field: str, message: Any, code: str, **params: Any) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code, params=params or None)})


def digest_of(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def holds_write_capability(user: Any) -> bool:
    roles = user.role_names()
    return any(not cap.read_only and cap.roles & roles for cap in CAPABILITIES.values())


def _expiry(expires_on: dt.date | None, today: dt.date) -> dt.datetime:
    if expires_on is None:
        raise _invalid("expires_on", EXPIRY_REQUIRED, "required")
    if expires_on <= today:
        raise _invalid("expires_on", EXPIRY_IN_PAST, "future")
    if expires_on > today + dt.timedelta(days=ApiToken.MAX_DAYS):
        raise _invalid("expires_on", EXPIRY_TOO_FAR, "max_days", days=ApiToken.MAX_DAYS)
    # Valid through the whole of the last day, Asia/Taipei.
    start_of_next = dt.datetime.combine(expires_on + dt.timedelta(days=1), dt.time.min)
    return timezone.make_aware(start_of_next)


def _audit_view(token: ApiToken) -> dict[str, Any]:
    # The digest stays out of the audit log: it is the credential's stand-in.
    return snapshot(token, ["code", "user", "name", "prefix", "scope", "expires_at"])


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the whole token, to be shown once and never again


def token_create(*, actor: Any, name: str, scope: str, expires_on: dt.date | None) -> NewToken:
    """Make a personal token for ``actor``; the returned secret is the only copy."""
    if not actor.can(CAP_TOKENS):
        raise ValidationError(NO_PERMISSION, code="permission", params={"capability": CAP_TOKENS})
    name = (name or "").strip()
    if not name:
        raise _invalid("name", NAME_REQUIRED, "required")
    if len(name) > ApiToken.NAME_MAX:
        raise _invalid("name", NAME_TOO_LONG, "max_length", limit=ApiToken.NAME_MAX)
    if scope not in ApiToken.Scope.values:
        raise _invalid("scope", SCOPE_UNKNOWN, "choice")
    # The examiner (and anyone who only reads) gets read tokens only.
    if scope == ApiToken.Scope.WRITE and not holds_write_capability(actor):
        raise _invalid("scope", SCOPE_WRITE_NOT_HELD, "write_not_held")
    now = timezone.now()
    expires_at = _expiry(expires_on, timezone.localdate(now))
    with transaction.atomic():
        active = ApiToken.objects.filter(
            user=actor, revoked_at__isnull=True, expires_at__gt=now
        ).count()
        if active >= MAX_ACTIVE_TOKENS:
            raise _invalid("name", TOO_MANY, "too_many", limit=MAX_ACTIVE_TOKENS)
        prefix = f"{TOKEN_PREFIX}{secrets.token_hex(PREFIX_HEX // 2)}"
        secret = f"{prefix}_{secrets.token_urlsafe(32)}"
        token = ApiToken.objects.create(
            user=actor,
            name=name,
            prefix=prefix,
            digest=digest_of(secret),
            scope=scope,
            created_at=now,
            expires_at=expires_at,
        )
        record_event(actor=actor, action=Action.CREATE, obj=token, after=_audit_view(token))
    return NewToken(token=token, secret=secret)


def token_revoke(*, actor: Any, token: ApiToken) -> ApiToken:
    """Revoke one of one's own tokens; it is refused from the next request on."""
    if not actor.can(CAP_TOKENS):
        raise ValidationError(NO_PERMISSION, code="permission", params={"capability": CAP_TOKENS})
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.user_id != actor.pk:
            raise _invalid("token", NOT_OWNER, "not_owner")
        if token.revoked_at is not None:
            raise _invalid("token", ALREADY_REVOKED, "revoked")
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        record_event(
            actor=actor,
            action=Action.UPDATE,
            obj=token,
            changes={"revoked_at": [None, token.revoked_at.isoformat()]},
        )
    return token


class TokenRefused(Exception):
    """A presented token that does not authenticate; ``rule`` names why."""

    def __init__(self, rule: str, message: Any) -> None:
        super().__init__(str(message))
        self.rule = rule
        self.message = message


def token_authenticate(raw: str) -> ApiToken:
    """The active token ``raw`` stands for (with its user), or TokenRefused."""
    raw = raw.strip()
    prefix, sep, secret = (
        raw[:PREFIX_LENGTH],
        raw[PREFIX_LENGTH : PREFIX_LENGTH + 1],
        raw[PREFIX_LENGTH + 1 :],
    )
    if not (raw.startswith(TOKEN_PREFIX) and sep == "_" and secret) or len(raw) > 200:
        raise TokenRefused("token_malformed", TOKEN_MALFORMED)
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    # Compare in constant time even when the prefix is unknown.
    expected = token.digest if token is not None else digest_of("")
    if not hmac.compare_digest(expected, digest_of(raw)) or token is None:
        raise TokenRefused("token_unknown", TOKEN_UNKNOWN)
    now = timezone.now()
    if token.revoked_at is not None:
        raise TokenRefused("token_revoked", TOKEN_REVOKED)
    if token.expires_at <= now:
        raise TokenRefused("token_expired", TOKEN_EXPIRED)
    if not token.user.is_active:
        raise TokenRefused("token_user_inactive", TOKEN_USER_INACTIVE)
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def tokens_of(user: Any) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user).order_by("-created_at"))
