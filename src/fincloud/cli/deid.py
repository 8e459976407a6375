"""`fincloud deid ...`: the de-identification toolkit (Ch 9.3).

Part 1 (techniques, scan, apply, fake) registers its commands from `deid_tools`; part 2 (privacy
models, search, assess) from `deid_privacy`.
"""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    from fincloud.cli import deid_privacy, deid_tools

    deid_app = typer.Typer(
        help="De-identification (Ch 9.3): scan, apply a policy, search, assess risk.",
        no_args_is_help=True,
    )
    deid_tools.register(deid_app)
    deid_privacy.register(deid_app)
    app.add_typer(deid_app, name="deid")
