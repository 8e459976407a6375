"""Stored rule results (DESIGN.md, "Determinations").

The system proposes (a ``fincloud.rules`` result: inputs, outcome, rule version, citations,
explanation in zh-TW and en); where a person must decide, they confirm or override it with a
reason; both are kept. A newer result for the same subject and kind supersedes the older one;
an input change marks results stale until they are computed again.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Determination(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subject_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    subject_id = models.CharField(max_length=64)
    subject = GenericForeignKey("subject_type", "subject_id")
    kind = models.CharField(_("kind"), max_length=40)
    inputs = models.JSONField(_("inputs"), default=dict)
    outcome = models.JSONField(_("outcome"), null=True)
    rule_version = models.CharField(_("rule version"), max_length=40)
    citations = models.JSONField(_("citations"), default=list)
    explanation_zh = models.JSONField(_("explanation (Chinese)"), default=list)
    explanation_en = models.JSONField(_("explanation (English)"), default=list)
    computed_at = models.DateTimeField(_("computed at"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("computed for"),
    )
    # A person's confirmation or override of the proposal.
    confirmed_outcome = models.JSONField(_("confirmed outcome"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True, max_length=4000)
    stale = models.BooleanField(_("stale"), default=False)
    current = models.BooleanField(_("current"), default=True)

    class Meta:
        ordering = ["-computed_at"]
        verbose_name = _("determination")
        verbose_name_plural = _("determinations")
        indexes = [
            models.Index(
                fields=["subject_type", "subject_id", "kind", "current"],
                name="determination_subject",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_id", "kind"],
                condition=models.Q(current=True),
                name="determination_one_current",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.effective_outcome}"

    @property
    def effective_outcome(self) -> Any:
        """What holds: the person's confirmation when there is one, else the proposal."""
        return self.confirmed_outcome if self.confirmed_by_id else self.outcome

    @property
    def overridden(self) -> bool:
        return bool(self.confirmed_by_id) and self.confirmed_outcome != self.outcome

    def explanation(self, language: str) -> list[str]:
        return list(self.explanation_en if language.startswith("en") else self.explanation_zh)


def subject_filter(subject: models.Model) -> dict[str, Any]:
    return {
        "subject_type": ContentType.objects.get_for_model(subject),
        "subject_id": str(subject.pk),
    }
