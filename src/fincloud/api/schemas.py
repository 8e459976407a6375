"""Schemas shared by the routers; limits come from the models' own field definitions."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import models
from django.utils import timezone
from ninja import Schema


def max_length(model: type[models.Model], field: str) -> int:
    """The model field's max_length (STYLE.md §10: limits at the edge come from the model)."""
    value = model._meta.get_field(field).max_length  # type: ignore[union-attr]
    if value is None:
        raise TypeError(f"{model.__name__}.{field} has no max_length")
    return int(value)


def aware(moment: dt.datetime) -> dt.datetime:
    """A time without an offset is Asia/Taipei (as everywhere in fincloud)."""
    if timezone.is_naive(moment):
        return timezone.make_aware(moment)
    return moment


def choices(enum: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in enum.values)


class Ref(Schema):
    """A related record: its code and its name."""

    code: uuid.UUID
    name: str


class UserRef(Schema):
    username: str
    display_name: str


def user_ref(user: Any) -> dict[str, str] | None:
    if user is None:
        return None
    return {"username": user.username, "display_name": str(user)}


class Created(Schema):
    code: uuid.UUID


class Message(Schema):
    message: str


class FileOut(Schema):
    code: uuid.UUID
    revision: int
    title: str
    original_name: str
    sha256: str
    size: int
    content_type: str
    uploaded_at: dt.datetime
    uploaded_by: str | None


def file_out(evidence: Any) -> dict[str, Any] | None:
    if evidence is None:
        return None
    return {
        "code": evidence.code,
        "revision": evidence.revision,
        "title": evidence.title,
        "original_name": evidence.original_name,
        "sha256": evidence.blob.sha256,
        "size": evidence.blob.size,
        "content_type": evidence.blob.content_type,
        "uploaded_at": evidence.uploaded_at,
        "uploaded_by": evidence.uploaded_by.username if evidence.uploaded_by_id else None,
    }
