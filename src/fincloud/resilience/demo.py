"""Demo data of the resilience app (idempotent: looked up by natural keys first)."""

from __future__ import annotations

from decimal import Decimal

from fincloud.resilience.models import NotificationRule

# The institution's own notification rules. The manual (Ch 8.2) says "immediately" without a
# number; these are the demo institution's choices, not the manual's or a regulator's.
DEMO_RULES: list[tuple[str, str, str, list[str], bool, Decimal, str]] = [
    # authority, kind, min severity, categories, customers only, hours, basis
    (
        "資訊作業中心 Operations centre",
        "internal",
        "major",
        [],
        False,
        Decimal(1),
        "本行資安事件通報程序",
    ),
    (
        "主管機關 Supervisory authority",
        "regulator",
        "high",
        [],
        False,
        Decimal(1),
        "本行資安事件通報程序（依主管機關規定）",
    ),
    (
        "雲端服務業者 Cloud service provider",
        "csp",
        "medium",
        [],
        False,
        Decimal(4),
        "雲端服務契約通報條款",
    ),
    (
        "受影響客戶 Affected customers",
        "customers",
        "medium",
        [],
        True,
        Decimal(72),
        "個人資料外洩通知作業",
    ),
]


def load_resilience_demo() -> None:
    for authority, kind, severity, categories, customers, hours, basis in DEMO_RULES:
        if NotificationRule.objects.filter(authority=authority).exists():
            continue
        NotificationRule.objects.create(
            authority=authority,
            recipient_kind=kind,
            min_severity=severity,
            categories=categories,
            customer_impact_only=customers,
            hours=hours,
            basis=basis,
        )
