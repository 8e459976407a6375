"""Sign-in, failed sign-in and sign-out events (Django's auth signals)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from fincloud.auditlog.models import Action
from fincloud.auditlog.services import record_event


@receiver(user_logged_in, dispatch_uid="fincloud_audit_login")
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record_event(actor=user, action=Action.LOGIN, obj=user)


@receiver(user_logged_out, dispatch_uid="fincloud_audit_logout")
def _logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record_event(actor=user, action=Action.LOGOUT, obj=user)


@receiver(user_login_failed, dispatch_uid="fincloud_audit_login_failed")
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
) -> None:
    # Django has already replaced the password with asterisks; only the username is kept.
    username = str(credentials.get("username", ""))[:150]
    record_event(
        actor=None,
        action=Action.LOGIN_FAILED,
        actor_label=username,
        object_type="people.user",
        object_id="",
        object_repr=username,
    )
