"""The `fincloud` command (Typer).

Each sub-command lives in its own module and imports what it needs inside the command
function, so that `fincloud sla ...` and `fincloud evaluate ...` never import Django.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="fincloud",
    help="fincloud: cloud-service governance after the Taiwan practice manual "
    "(金融機構使用雲端服務實務手冊).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    from fincloud.cli import auditlog, deid, web

    web.register(app)
    auditlog.register(app)
    deid.register(app)
    from fincloud.cli import evaluate, sla

    evaluate.register(app)
    sla.register(app)
    from fincloud.cli import catalog

    catalog.register(app)
    from fincloud.cli import imports

    imports.register(app)
    from fincloud.cli import oversight

    oversight.register(app)
    from fincloud.cli import assessments

    assessments.register(app)
    from fincloud.cli import audits

    audits.register(app)
    from fincloud.cli import report

    report.register(app)


_register()


def main() -> None:
    app()
