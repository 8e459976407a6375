"""`fincloud oversight ...`: the in-use oversight jobs from the command line (issue 8).

    fincloud oversight attainment --period 2026-10 [--format text|json]
    fincloud oversight reminders [--day 2026-11-26]
    fincloud oversight schedule

Django is imported inside the commands, so `fincloud --help` stays fast.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from fincloud.cli._common import fail

oversight = typer.Typer(
    name="oversight",
    help="In-use oversight: SLA attainment, reminder e-mails, the daily background run.",
    no_args_is_help=True,
)


def _setup() -> None:
    from fincloud.cli.web import django_setup

    django_setup()


@oversight.command("attainment")
def attainment(
    period: Annotated[
        str, typer.Option("--period", help="A month (YYYY-MM) or a quarter (YYYY-Qn).")
    ] = "",
    fmt: Annotated[str, typer.Option("--format", help="text or json.")] = "text",
) -> None:
    """Compute and store the SLA attainment of every service with a target for one period
    (fincloud.sla: overlaps merged, clipped to the period, planned maintenance per contract)."""
    if fmt not in ("json", "text"):
        fail(f"--format: must be json or text, got {fmt!r}")
    if not period:
        fail("--period: required, a month (YYYY-MM) or a quarter (YYYY-Qn), e.g. 2026-10")
    _setup()
    from django.core.exceptions import ValidationError

    from fincloud.oversight.services import attainment_compute
    from fincloud.web.context import RequestContext, bound, new_request_id

    try:
        with bound(RequestContext(request_id=new_request_id(), channel="cli")):
            summary = attainment_compute(period=period)
    except ValidationError as exc:
        fail(f"--period: {'; '.join(exc.messages)} (got {period!r})")
    if fmt == "json":
        sys.stdout.write(json.dumps(summary.__dict__) + "\n")
    else:
        typer.echo(
            f"{summary.period}: {summary.services} services, {summary.breaches} breaches, "
            f"{summary.changed} changed, {summary.determinations} determinations recorded"
        )


@oversight.command("reminders")
def reminders(
    day: Annotated[str, typer.Option("--day", help="YYYY-MM-DD (default: today).")] = "",
) -> None:
    """Send the day's reminder e-mails now (idempotent: nobody gets the same day's mail twice)."""
    import datetime as dt

    when = None
    if day:
        try:
            when = dt.date.fromisoformat(day)
        except ValueError:
            fail(f"--day: not a date YYYY-MM-DD: {day!r}")
    _setup()
    from fincloud.oversight.reminders import send_daily_reminders

    summary = send_daily_reminders(when)
    typer.echo(
        f"{summary.day}: {summary.sent} sent, {summary.already_sent} already sent, "
        f"{summary.nothing_due} with nothing due"
    )


@oversight.command("schedule")
def schedule() -> None:
    """Queue the daily run (07:30 Asia/Taipei) on the database task backend, unless queued."""
    _setup()
    from fincloud.oversight.tasks import ensure_scheduled, next_run_time

    result = ensure_scheduled()
    if result is None:
        typer.echo("Already queued, or the task backend cannot hold a run for later.")
    else:
        typer.echo(f"Queued for {next_run_time():%Y-%m-%d %H:%M %Z}.")


def register(app: typer.Typer) -> None:
    app.add_typer(oversight)
