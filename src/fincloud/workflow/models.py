"""The shared approval workflow: every record that needs approval inherits ``ApprovableRecord``.

draft -> submitted -> approved | rejected; an approved record is frozen and a newer approved
version marks it superseded. The rules live in ``fincloud.workflow.services``.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SUPERSEDED = "superseded", _("Superseded")


class ApprovableRecord(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    state = models.CharField(
        _("state"), max_length=12, choices=State.choices, default=State.DRAFT, db_index=True
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    supersedes = models.OneToOneField(
        "self",
        verbose_name=_("supersedes"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
    )
    # The unit the record belongs to: an approver must be allowed to approve for it.
    unit = models.ForeignKey(
        "people.BusinessUnit",
        verbose_name=_("business unit"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("prepared by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    prepared_at = models.DateTimeField(_("prepared at"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True, max_length=4000)

    # A human name for the kind of record, used in messages ("role grant", "assessment" ...).
    workflow_type_label: ClassVar[str | Promise] = _("record")

    class Meta:
        abstract = True

    @property
    def is_frozen(self) -> bool:
        return self.state in {State.SUBMITTED, State.APPROVED, State.SUPERSEDED}

    def on_approved(self, actor: models.Model) -> None:
        """Hook run inside the approving transaction (e.g. a role grant becomes grantable)."""

    def on_rejected(self, actor: models.Model) -> None:
        """Hook run inside the rejecting transaction."""
