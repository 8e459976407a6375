"""`fincloud report NAME ... -o FILE`: generate a report in the foreground (issue 9 §1).

    fincloud report annex3 --service 4c190840-... --format pdf -o annex3.pdf
    fincloud report annex2 --service CODE --format xlsx -o annex2.xlsx
    fincloud report annex2 --format pdf -o daily.pdf     # 日常執行與控管 only
    fincloud report annex4 --comparison CODE --format docx -o annex4.docx
    fincloud report filing --service CODE --format docx -o filing.docx
    fincloud report audit --audit CODE --format pdf -o audit.pdf
    fincloud report register --format csv -o register.csv
    fincloud report board --quarter 2026-Q4 --format pdf -o board.pdf

The report is checked like a request from the web (unknown report, record or format: one line
on standard error, exit 2), recorded as a generated report, and its SHA-256 written to the audit
log (action export), by --user when given (who must hold the report's permission), else as the
command line. Django is imported inside the command, so `fincloud --help` stays fast.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from fincloud.cli._common import fail

FLAGS = {
    "service": "--service",
    "audit": "--audit",
    "comparison": "--comparison",
    "format": "--format",
    "quarter": "--quarter",
    "report": "NAME",
}
NAMES = ("annex2", "annex3", "annex4", "filing", "audit", "register", "board")


def _flag(exc: object) -> str:
    """The refusal's message with the field named as the command line names it."""
    field = str(getattr(exc, "field", ""))
    message = str(getattr(exc, "message", exc))
    if field in FLAGS and message.startswith(field + ":"):
        return FLAGS[field] + message[len(field) :]
    return message


def register(app: typer.Typer) -> None:
    @app.command("report")
    def report(  # noqa: PLR0917 - Typer passes every option as a parameter
        name: Annotated[str, typer.Argument(help="Report: " + ", ".join(NAMES) + ".")],
        output: Annotated[
            Path, typer.Option("-o", "--output", help="The file to write ('-' for stdout).")
        ],
        service: Annotated[
            str, typer.Option("--service", help="The service's code (annex2, annex3, filing).")
        ] = "",
        audit: Annotated[str, typer.Option("--audit", help="The audit's code (audit).")] = "",
        comparison: Annotated[
            str, typer.Option("--comparison", help="The vendor comparison's code (annex4).")
        ] = "",
        quarter: Annotated[
            str, typer.Option("--quarter", help="The quarter of the board summary: 2026-Q4.")
        ] = "",
        fmt: Annotated[
            str, typer.Option("--format", help="xlsx, docx, pdf or csv (what the report has).")
        ] = "",
        lang: Annotated[str, typer.Option("--lang", help="zh-TW or en.")] = "zh-TW",
        user: Annotated[
            str, typer.Option("--user", help="Who generates it (a username); default: the CLI.")
        ] = "",
    ) -> None:
        """Generate one report and write it to FILE (its SHA-256 goes to the audit log)."""
        if lang not in ("zh-TW", "en"):
            fail(f"--lang: must be zh-TW or en, got {lang!r}")
        subjects = {
            k: v
            for k, v in (("service", service), ("audit", audit), ("comparison", comparison))
            if v
        }
        if len(subjects) > 1:
            fail("--service, --audit, --comparison: name at most one record")
        from fincloud.cli.web import django_setup

        django_setup()
        from django.utils import translation

        with translation.override("en" if lang == "en" else "zh-hant"):
            _generate(name, output, subjects, quarter, fmt, lang, user)


def _generate(  # noqa: PLR0917 - the command's options, passed on as they are
    name: str,
    output: Path,
    subjects: dict[str, str],
    quarter: str,
    fmt: str,
    lang: str,
    user: str,
) -> None:
    from fincloud.reports import registry
    from fincloud.reports.errors import ReportRefused
    from fincloud.reports.services import report_generate
    from fincloud.web.context import RequestContext, bound, new_request_id

    try:
        spec = registry.spec_for(name)
    except ReportRefused as exc:
        fail(_flag(exc))
    for given in subjects:
        if given != spec.subject:
            fail(f"--{given}: the report {name!r} is not about a {given}")
    fmt_ = fmt or spec.formats[0]
    actor = None
    if user:
        from fincloud.people.models import User

        actor = User.objects.filter(username=user, is_active=True).first()
        if actor is None:
            fail(f"--user: no active person has the username {user!r}")
        if not actor.can(spec.capability):
            fail(f"--user: {user} does not hold the permission {spec.capability}")
    code = next(iter(subjects.values()), None)
    with bound(RequestContext(request_id=new_request_id(), channel="cli")):
        try:
            run, data = report_generate(
                actor=actor,
                name=name,
                fmt=fmt_,
                subject_code=code,
                params={"quarter": quarter},
                lang="en" if lang == "en" else "zh-hant",
                channel="cli",
            )
        except ReportRefused as exc:
            fail(_flag(exc))
    if str(output) == "-":
        sys.stdout.buffer.write(data)
    else:
        try:
            output.write_bytes(data)
        except OSError as exc:
            fail(f"-o: cannot write {output}: {exc.strerror}")
    typer.echo(f"{run.file_name}: {len(data)} bytes, SHA-256 {run.sha256}", err=str(output) == "-")
