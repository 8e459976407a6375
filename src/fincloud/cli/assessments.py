"""`fincloud assessments ...`: the pre-use assessments from the command line."""

from __future__ import annotations

import json

import typer

from fincloud.cli._common import fail


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Pre-use assessments (Annex 2 使用前評估).", no_args_is_help=True)
    app.add_typer(group, name="assessments")

    @group.command("rescan")
    def rescan(
        output: str = typer.Option("text", "--format", help="text or json"),
    ) -> None:
        """Flag the materiality judgements to re-evaluate (Ch 2.2): the outsourcing to the
        same CSP grew past the configured thresholds, or the nature of the work changed.
        Idempotent; run it daily. Exit 1 when something is flagged for the first time."""
        if output not in {"text", "json"}:
            fail(f"--format: must be text or json, not {output!r}")
        from fincloud.cli.web import django_setup

        django_setup()
        from fincloud.assessments.services import reevaluation_scan
        from fincloud.web.context import RequestContext, bound, new_request_id

        with bound(RequestContext(request_id=new_request_id(), channel="cli")):
            flags = reevaluation_scan()
        rows = [
            {
                "service": f.assessment.service.name,
                "assessment": str(f.assessment.code),
                "reason": f.reason,
                "details": f.details,
                "due": f.due_date.isoformat(),
            }
            for f in flags
        ]
        if output == "json":
            typer.echo(json.dumps({"flagged": rows}, ensure_ascii=False))
        else:
            for r in rows:
                changes = "; ".join(
                    f"{d['kind']} {d['before']} → {d['after']}" for d in r["details"]
                )
                typer.echo(f"{r['due']}  {r['service']}  {r['reason']}: {changes}")
            typer.echo(f"{len(rows)} newly flagged")
        if rows:
            raise typer.Exit(1)
