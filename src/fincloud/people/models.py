"""Business units, users and their roles, sign-in attempts, and role grants."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils.translation import gettext_lazy as _

from fincloud.people.roles import CAPABILITIES, Role
from fincloud.workflow.models import ApprovableRecord


class BusinessUnit(models.Model):
    """A unit of the institution (Ch 1.4: management, operations, users, information security,
    and the cloud service governance unit 雲端服務專責單位)."""

    class Kind(models.TextChoices):
        GOVERNANCE = "governance", _("Cloud service governance unit")
        MANAGEMENT = "management", _("Management")
        OPERATIONS = "operations", _("Operations")
        BUSINESS = "business", _("Business (service user)")
        SECURITY = "security", _("Information security")
        RISK = "risk", _("Risk management and compliance")
        LEGAL = "legal", _("Legal")
        AUDIT = "audit", _("Internal audit")
        IT = "it", _("Information technology")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    short_name = models.SlugField(_("short name"), max_length=40, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)

    class Meta:
        ordering = ["short_name"]
        verbose_name = _("business unit")
        verbose_name_plural = _("business units")

    def __str__(self) -> str:
        return self.name_zh

    def display_name(self, language: str) -> str:
        return self.name_en if language.startswith("en") else self.name_zh


class User(AbstractUser):
    """A person who signs in. Roles are Django groups named after ``Role`` values."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    display_name = models.CharField(_("display name"), max_length=120, blank=True)
    unit = models.ForeignKey(
        BusinessUnit,
        verbose_name=_("business unit"),
        on_delete=models.PROTECT,
        related_name="members",
        null=True,
        blank=True,
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=[("zh-hant", "繁體中文"), ("en", "English")],
        default="zh-hant",
    )
    # The units whose records this person may approve (approvers only).
    approves_for = models.ManyToManyField(
        BusinessUnit,
        verbose_name=_("may approve for units"),
        related_name="approvers",
        blank=True,
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    # Roles are read many times per request; cache them on the instance.
    def role_names(self) -> frozenset[str]:
        cached: frozenset[str] | None = getattr(self, "_role_names", None)
        if cached is None:
            if not self.is_authenticated or not self.is_active:
                cached = frozenset()
            else:
                cached = frozenset(self.groups.values_list("name", flat=True))
            self._role_names = cached
        return cached

    def roles(self) -> list[Role]:
        return [Role(name) for name in sorted(self.role_names()) if name in Role.values]

    def has_role(self, role: Role | str) -> bool:
        return str(role) in self.role_names()

    def can(self, capability: str) -> bool:
        return bool(CAPABILITIES[capability].roles & self.role_names())

    def may_approve_for(self, unit: BusinessUnit | None) -> bool:
        if not self.has_role(Role.APPROVER) or unit is None:
            return False
        return self.approves_for.filter(pk=unit.pk).exists()


class LoginAttempt(models.Model):
    """One sign-in attempt; the lock-out counts recent failures per account and per address."""

    username = models.CharField(max_length=150, db_index=True)
    source_ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    succeeded = models.BooleanField(default=False)
    attempted_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-attempted_at"]
        indexes = [models.Index(fields=["username", "attempted_at"], name="login_user_time")]

    def __str__(self) -> str:
        return f"{self.username} {self.attempted_at:%Y-%m-%d %H:%M} {self.succeeded}"


class RoleGrant(ApprovableRecord):
    """A request to give a person a role. Ch 1.4 (b): requesting, approving and granting access
    are separate duties, so the requester, the approver and the administrator who grants it
    are three different people, and nobody handles a grant to themselves."""

    grantee = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.PROTECT, related_name="role_grants"
    )
    role = models.CharField(_("role"), max_length=40, choices=Role.choices)
    reason = models.TextField(_("reason"), max_length=2000)
    implemented_by = models.ForeignKey(
        User,
        verbose_name=_("granted by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    implemented_at = models.DateTimeField(_("granted at"), null=True, blank=True)

    workflow_type_label = _("role grant")

    class Meta:
        ordering = ["-prepared_at"]
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")

    def __str__(self) -> str:
        return f"{self.grantee} → {self.get_role_display()}"

    def role_group(self) -> Group:
        return Group.objects.get(name=self.role)
