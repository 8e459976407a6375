"""Commands that run the Django application: `fincloud manage ...`."""

from __future__ import annotations

import os

import typer


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fincloud.web.settings")
    import django

    django.setup()


def register(app: typer.Typer) -> None:
    @app.command(
        "manage",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
        help="Run a Django management command (migrate, runserver, createsuperuser ...).",
    )
    def manage(ctx: typer.Context) -> None:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fincloud.web.settings")
        from django.core.management import execute_from_command_line

        execute_from_command_line(["fincloud manage", *ctx.args])
