"""The append-only, hash-chained audit trail (Ch 5.4 稽核軌跡).

Each event's ``hash`` is SHA-256 over the previous event's hash and the canonical JSON of the
event (``fincloud.auditlog.chain.canonical``). The application never updates or deletes an
event, and database triggers (migration 0002) refuse UPDATE and DELETE on the table.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    LOGIN = "login", _("Signed in")
    LOGIN_FAILED = "login_failed", _("Failed sign-in")
    LOGIN_LOCKED = "login_locked", _("Sign-in refused (locked out)")
    LOGOUT = "logout", _("Signed out")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    SUBMIT = "submit", _("Submitted")
    APPROVE = "approve", _("Approved")
    REJECT = "reject", _("Rejected")
    REOPEN = "reopen", _("Reopened")
    SUPERSEDE = "supersede", _("Superseded")
    GRANT = "grant", _("Granted")
    EXPORT = "export", _("Exported")
    DENIED = "denied", _("Refused")


class AuditEvent(models.Model):
    seq = models.BigIntegerField(_("sequence"), unique=True)
    created_at = models.DateTimeField(_("time"), db_index=True)
    # No foreign key: an event must outlive (and never cascade from) the row it names.
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True, db_index=True)
    actor_label = models.CharField(_("actor"), max_length=150, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=80, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    # Canonical JSON text of {"field": [before, after], ...}; kept as text so that the bytes
    # that were hashed are the bytes that are stored.
    changes = models.TextField(_("changes"), default="{}")
    request_id = models.CharField(_("request id"), max_length=64, blank=True, db_index=True)
    # Text, not inet: the bytes hashed are the bytes read back on every database.
    source_ip = models.CharField(_("source address"), max_length=45, blank=True, default="")
    channel = models.CharField(_("channel"), max_length=10, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return (
            f"#{self.seq} {self.action} {self.object_type}:{self.object_id} by {self.actor_label}"
        )


class ChainHead(models.Model):
    """The last event's sequence number and hash: serialises writers (SELECT ... FOR UPDATE)
    and lets the verifier notice events removed from the end of the chain."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"head #{self.last_seq}"
