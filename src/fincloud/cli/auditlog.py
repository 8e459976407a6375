"""`fincloud auditlog verify`: walk the hash chain of the audit trail."""

from __future__ import annotations

import json
import sys
from enum import Enum

import typer

from fincloud.cli._common import EXIT_PROBLEM


class Format(str, Enum):
    text = "text"
    json = "json"


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="The append-only, hash-chained audit trail (Ch 5.4).", no_args_is_help=True
    )

    @group.command("verify")
    def verify(
        fmt: Format = typer.Option(Format.text, "--format", help="text or json"),
    ) -> None:
        """Check every event's hash and link; exit 0 with the count, or 1 naming the first
        broken event and why (changed content, removed event, reordered)."""
        from fincloud.cli.web import django_setup

        django_setup()
        from fincloud.auditlog.services import verify_chain

        result = verify_chain()
        if fmt is Format.json:
            sys.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False) + "\n")
        elif result.ok:
            sys.stdout.write(f"audit trail intact: {result.count} events verified\n")
        else:
            sys.stdout.write(
                f"audit trail BROKEN ({result.problem}) at event id {result.event_id}: "
                f"{result.reason}; {result.count} events verified before it\n"
            )
        if not result.ok:
            raise typer.Exit(EXIT_PROBLEM)

    app.add_typer(group, name="auditlog")
