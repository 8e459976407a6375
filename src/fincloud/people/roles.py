"""Roles and what each may do.

Roles are Django groups (one per role, created by a migration); what a role may do is declared
here once, as capabilities, so every view and API endpoint names the capability it needs and a
test can walk the table. The examiner (read-only, Ch 1.4 separation of oversight from
operation) holds every read capability and no write capability.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    GOVERNANCE_OFFICER = "governance_officer", _("Cloud service governance unit officer")
    RISK = "risk", _("Risk and compliance")
    LEGAL = "legal", _("Legal")
    SECURITY = "security", _("Information security")
    INTERNAL_AUDITOR = "internal_auditor", _("Internal auditor")
    APPROVER = "approver", _("Approver")
    EXAMINER = "examiner", _("Examiner (read-only)")
    SYSADMIN = "sysadmin", _("System administrator")


@dataclass(frozen=True)
class Capability:
    name: str
    read_only: bool
    roles: frozenset[str]


_R = Role
CAPABILITIES: dict[str, Capability] = {}


def _cap(name: str, *roles: Role, read_only: bool = False) -> None:
    holders = {r.value for r in roles}
    if read_only:
        holders.add(Role.EXAMINER.value)
    CAPABILITIES[name] = Capability(name=name, read_only=read_only, roles=frozenset(holders))


ALL_STAFF = tuple(r for r in Role if r is not Role.EXAMINER)

# Everyone signed in with a role may see the home page and the lifecycle navigation.
_cap("web.view", *ALL_STAFF, read_only=True)
# The audit trail: auditors, examiners and administrators (Ch 5.4).
_cap("auditlog.view", _R.INTERNAL_AUDITOR, _R.SYSADMIN, read_only=True)
_cap("auditlog.export", _R.INTERNAL_AUDITOR, _R.SYSADMIN, read_only=True)
# People and access (Ch 1.4 (b): requesting, approving and granting access are separate duties).
_cap(
    "people.view",
    _R.SYSADMIN,
    _R.GOVERNANCE_OFFICER,
    _R.APPROVER,
    _R.INTERNAL_AUDITOR,
    read_only=True,
)
_cap("people.request_role", _R.SYSADMIN, _R.GOVERNANCE_OFFICER)
_cap("people.implement_role", _R.SYSADMIN)
_cap("people.manage_users", _R.SYSADMIN)
# Approving records that need approval (the shared workflow).
_cap("workflow.approve", _R.APPROVER)


def roles_for(capability: str) -> frozenset[str]:
    try:
        return CAPABILITIES[capability].roles
    except KeyError:
        raise KeyError(f"unknown capability {capability!r}") from None


def capability(name: str, *roles: Role, read_only: bool = False) -> str:
    """Declare a capability from another app (at import time of its ``permissions`` module)."""
    if name not in CAPABILITIES:
        _cap(name, *roles, read_only=read_only)
    return name
