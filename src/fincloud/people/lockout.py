"""Lock-out after repeated failed sign-ins, per account and per source address.

An account is locked after ``FINCLOUD_LOCKOUT_ACCOUNT_FAILURES`` failures within
``FINCLOUD_LOCKOUT_WINDOW``; an address after ``FINCLOUD_LOCKOUT_ADDRESS_FAILURES``. A success
clears the account's count (the address keeps its count: one right password must not hide a
password-spraying address). While locked, even the right password is refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from fincloud.people.models import LoginAttempt


@dataclass(frozen=True)
class Lock:
    until: datetime

    @property
    def minutes_left(self) -> int:
        return max(1, math.ceil((self.until - timezone.now()).total_seconds() / 60))


def _normalise(username: str) -> str:
    return (username or "").strip().lower()[:150]


def check(username: str, source_ip: str | None) -> Lock | None:
    """The active lock for this account or address, if any."""
    now = timezone.now()
    window: object = settings.FINCLOUD_LOCKOUT_WINDOW
    since = now - window  # type: ignore[operator]
    name = _normalise(username)
    last_success = LoginAttempt.objects.filter(
        username=name, succeeded=True, attempted_at__gte=since
    ).aggregate(at=Max("attempted_at"))["at"]
    account_failures = LoginAttempt.objects.filter(
        username=name, succeeded=False, attempted_at__gte=last_success or since
    )
    locks: list[datetime] = []
    if name:
        recent = list(
            account_failures.order_by("-attempted_at").values_list("attempted_at", flat=True)[
                : settings.FINCLOUD_LOCKOUT_ACCOUNT_FAILURES
            ]
        )
        if len(recent) >= settings.FINCLOUD_LOCKOUT_ACCOUNT_FAILURES:
            locks.append(recent[0] + window)  # type: ignore[operator]
    if source_ip:
        recent = list(
            LoginAttempt.objects.filter(
                Q(source_ip=source_ip), succeeded=False, attempted_at__gte=since
            )
            .order_by("-attempted_at")
            .values_list("attempted_at", flat=True)[: settings.FINCLOUD_LOCKOUT_ADDRESS_FAILURES]
        )
        if len(recent) >= settings.FINCLOUD_LOCKOUT_ADDRESS_FAILURES:
            locks.append(recent[0] + window)  # type: ignore[operator]
    active = [until for until in locks if until > now]
    return Lock(until=max(active)) if active else None


def record_attempt(username: str, source_ip: str | None, *, succeeded: bool) -> None:
    LoginAttempt.objects.create(
        username=_normalise(username),
        source_ip=source_ip,
        succeeded=succeeded,
        attempted_at=timezone.now(),
    )


def clear(username: str) -> None:
    """An administrator unlocks an account (the failures stay on record as attempts)."""
    record_attempt(username, None, succeeded=True)
