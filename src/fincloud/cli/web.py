"""Commands that run the Django application: `fincloud manage ...`, `fincloud demo`."""

from __future__ import annotations

import os

import typer


def django_setup() -> None:
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

    @app.command("demo")
    def demo(
        reset_passwords: bool = typer.Option(
            False, "--reset-passwords", help="Give the demo sign-ins new passwords."
        ),
        quiet: bool = typer.Option(False, "--quiet", help="Do not print the sign-ins."),
        services: int = typer.Option(
            0,
            "--services",
            min=0,
            max=1_000_000,
            help="Also generate a large register of N services for benchmarks.",
        ),
        csps: int = typer.Option(
            50, "--csps", min=1, max=10_000, help="With --services: how many CSPs."
        ),
        seed: int = typer.Option(
            1, "--seed", help="With --services: the seed (the same seed, the same register)."
        ),
    ) -> None:
        """Load the demo institution (idempotent: running it twice changes nothing) and print
        one sign-in per role. With --services N, also generate a large register."""
        django_setup()
        from fincloud.web.demo import load_demo

        logins = load_demo(reset_passwords=reset_passwords)
        if services:
            import time

            from fincloud.register.scale import generate

            started = time.perf_counter()
            result = generate(services=services, csps=csps, seed=seed)
            took = time.perf_counter() - started
            if not result.created:
                typer.echo(
                    f"Seed {seed} already generated: {result.csps} CSPs, "
                    f"{result.services} services (nothing changed)."
                )
            else:
                typer.echo(
                    f"Generated {result.services} services, {result.csps} CSPs, "
                    f"{result.locations} locations, {result.documents} documents, "
                    f"{result.certifications} certifications in {took:.1f} s (seed {seed})."
                )
        if not quiet:
            typer.echo("Demo sign-ins (one per role) / 示範帳號（每個角色一個）:")
            for login in logins:
                typer.echo(f"  {login.role:<20} {login.username:<16} {login.password}")
