"""`fincloud audits ...`: the audit plan from the command line (issue 8 §4).

    fincloud audits plan [--as-of 2026-11-26] [--force] [--format text|json]

Regenerates the audit plan of every plannable service (Ch 7.1 (a) cadence from
fincloud.rules, the institution's policy for classes 3 and 4), e.g. nightly from a scheduler.
Django is imported inside the command, so `fincloud --help` stays fast.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Annotated

import typer

from fincloud.cli._common import fail

audits = typer.Typer(
    name="audits", help="Cloud service audits (Ch 7): the audit plan.", no_args_is_help=True
)


@audits.command("plan")
def plan(
    as_of: Annotated[
        str, typer.Option("--as-of", help="The day the plan is computed for (YYYY-MM-DD).")
    ] = "",
    force: Annotated[
        bool, typer.Option("--force", help="Write every plan again, even when unchanged.")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """Regenerate the audit plan of every service (stored as determinations; one audit event)."""
    if fmt not in ("json", "text"):
        fail(f"--format: must be json or text, got {fmt!r}")
    day: dt.date | None = None
    if as_of:
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError:
            fail(f"--as-of: must be a date YYYY-MM-DD, got {as_of!r}")
    from fincloud.cli.web import django_setup

    django_setup()
    from fincloud.audits.services import plan_regenerate
    from fincloud.web.context import RequestContext, bound, new_request_id

    with bound(RequestContext(request_id=new_request_id(), channel="cli")):
        stats = plan_regenerate(actor=None, today=day, force=force)
    if fmt == "json":
        sys.stdout.write(json.dumps(stats.__dict__) + "\n")
    else:
        typer.echo(
            f"Audit plan: {stats.planned} services planned, {stats.written} written, "
            f"{stats.overdue} overdue, {stats.removed} removed."
        )


def register(app: typer.Typer) -> None:
    app.add_typer(audits)
