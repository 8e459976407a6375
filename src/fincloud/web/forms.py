"""Form helpers every app's views share."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest


def attach_errors(form: Any, exc: ValidationError, aliases: dict[str, str] | None = None) -> None:
    """A service's refusal onto the form: each error at the field it names (``aliases`` maps a
    service's field name to the form's), the rest, and refusals without a field, at the top."""
    aliases = aliases or {}
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            name = aliases.get(field, field)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def flash_errors(request: HttpRequest, exc: ValidationError) -> None:
    """A refusal that has no form to stand on (a button's post), as error messages."""
    for message in exc.messages:
        messages.error(request, message)
