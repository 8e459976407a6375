"""Bulk import of CSPs, cloud services and outages from CSV or XLSX (issue 9 §3).

    from fincloud.api.imports import import_file
    report = import_file(kind="services", data=b"...", file_name="x.csv", actor=user,
                         dry_run=True)

The web pages (fincloud.api.views) and the command (``fincloud import``) both call
``import_file``; see docs/api.md for the columns and the rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fincloud.api.imports.reading import MAX_BYTES, FileRefused, check_size

if TYPE_CHECKING:  # the engine needs Django; reading a file does not
    from fincloud.api.imports.engine import Report

KINDS = ("csps", "services", "outages")
CAPABILITY = "register.import"


def max_bytes() -> int:
    from django.conf import settings

    return int(getattr(settings, "FINCLOUD_IMPORT_FILE_MAX_BYTES", MAX_BYTES))


def handler_for(kind: str) -> Any:
    from fincloud.api.imports.kinds import HANDLERS

    return HANDLERS[kind]()


def import_file(*, kind: str, data: bytes, file_name: str, actor: Any, dry_run: bool) -> Report:
    """Dry run (``dry_run=True``: everything checked and applied, then rolled back) or import
    (all rows or none). ``actor`` must hold ``register.import`` (None: the command line acting
    as the system, where the owning services allow it)."""
    from django.core.exceptions import ValidationError

    from fincloud.api.imports.engine import Report, run_import

    if kind not in KINDS:
        raise ValueError(f"unknown import kind {kind!r}")
    if actor is not None and not actor.can(CAPABILITY):
        from fincloud.register.services import NO_PERMISSION

        raise ValidationError(NO_PERMISSION, code="permission", params={"capability": CAPABILITY})
    try:
        check_size(len(data), max_bytes())
    except FileRefused as exc:
        return Report(kind=kind, file_name=file_name, dry_run=dry_run, errors=[exc.fault])
    return run_import(
        handler=handler_for(kind), data=data, file_name=file_name, actor=actor, dry_run=dry_run
    )


__all__ = ["CAPABILITY", "KINDS", "FileRefused", "check_size", "import_file", "max_bytes"]
