"""`fincloud import KIND FILE`: bulk import of CSPs, cloud services or outages (CSV or XLSX).

    fincloud import services services.xlsx --dry-run            # what would happen, nothing stored
    fincloud import services services.xlsx --user gov.officer   # all rows or none
    fincloud import outages outages.csv --user gov.officer --format json

Exit 0: checked (dry run) or imported without a single error. Exit 1: the file was read but
some rows are refused; every error is listed with its row and column and nothing is stored.
Exit 2: bad input (an unknown kind, a missing file, a file over the size limit, not UTF-8,
wrong columns): one line on standard error.
"""

from __future__ import annotations

import json
import os
import sys
from enum import Enum
from pathlib import Path

import typer

from fincloud.cli._common import EXIT_PROBLEM, fail


class Kind(str, Enum):
    csps = "csps"
    services = "services"
    outages = "outages"


class Format(str, Enum):
    text = "text"
    json = "json"


class Lang(str, Enum):
    zh = "zh-TW"
    en = "en"


# The whole file is refused (not a row): bad input, exit 2.
FILE_RULES = frozenset(
    {
        "too_large",
        "empty",
        "file_type",
        "not_xlsx",
        "xlsx",
        "encoding",
        "encoding_big5",
        "binary",
        "csv",
        "too_many_rows",
        "unknown_column",
        "duplicate_column",
        "missing_columns",
        "expected_columns",
    }
)


def _text(report: dict[str, object], lang: str) -> str:
    zh = lang != "en"
    lines = []
    state = (
        ("已匯入" if zh else "imported")
        if report["applied"]
        else ("試算（未儲存）" if zh else "dry run (nothing stored)")
        if report["dry_run"] and not report["errors"]
        else ("未匯入（未儲存任何資料）" if zh else "not imported (nothing stored)")
    )
    lines.append(
        f"{report['kind']} {report['file']}: {state}; "
        + (
            f"{report['rows']} 列，新增 {report['created']}，變更 {report['updated']}，"
            f"未變 {report['unchanged']}，錯誤 {len(report['errors'])}"  # type: ignore[arg-type]
            if zh
            else f"{report['rows']} rows, {report['created']} created, {report['updated']} "
            f"changed, {report['unchanged']} unchanged, "
            f"{len(report['errors'])} errors"  # type: ignore[arg-type]
        )
    )
    for error in report["errors"]:  # type: ignore[attr-defined]
        where = []
        if error["row"]:
            where.append(f"第 {error['row']} 列" if zh else f"row {error['row']}")
        if error["column"]:
            where.append(f"欄位 {error['column']}" if zh else f"column {error['column']}")
        place = ("，".join(where) if zh else ", ".join(where)) or ("檔案" if zh else "file")
        lines.append(f"  {place}: {error['message']} [{error['rule']}]")
    for action in report["actions"]:  # type: ignore[attr-defined]
        if action["action"] == "unchanged":
            continue
        changes = "; ".join(f"{k}: {v[0]} → {v[1]}" for k, v in action["changes"].items())
        lines.append(
            f"  {'第 ' + str(action['row']) + ' 列' if zh else 'row ' + str(action['row'])}: "
            f"{action['action']} {action['label']}" + (f" ({changes})" if changes else "")
        )
    return "\n".join(lines) + "\n"


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_(  # noqa: PLR0917 (Typer passes the options positionally)
        kind: Kind = typer.Argument(..., help="csps, services or outages"),
        file: Path = typer.Argument(..., help="CSV (UTF-8) or XLSX, with the template's columns"),
        dry_run: bool = typer.Option(
            False, "--dry-run", help="Check and show what would change; store nothing."
        ),
        user: str = typer.Option(
            "",
            "--user",
            help="Who imports (a username holding register.import); outages need one. "
            "Without it the register's services act as the system.",
        ),
        fmt: Format = typer.Option(Format.text, "--format", help="text or json"),
        lang: Lang = typer.Option(Lang.zh, "--lang", help="zh-TW or en"),
    ) -> None:
        """Import CSPs, cloud services (with locations and sub-outsourcing) or outages:
        all rows or none, recorded in the audit trail."""
        if not file.is_file():
            fail(f"{file}: no such file")
        from fincloud.cli.web import django_setup

        django_setup()
        from fincloud.api import imports
        from fincloud.api.imports.reading import FileRefused, check_size

        try:
            # The size from the file system: a file over the limit is never read.
            check_size(os.stat(file).st_size, imports.max_bytes())
        except FileRefused as exc:
            fail(f"{file}: {exc.fault.message('en' if lang is Lang.en else 'zh')}")
        from django.utils import translation

        from fincloud.people.models import User
        from fincloud.web.context import RequestContext, bound, new_request_id

        actor = None
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                fail(f"--user: no active person has the username {user!r}")
            if not actor.can(imports.CAPABILITY):
                fail(f"--user: {user} does not hold the permission {imports.CAPABILITY}")
        elif kind is Kind.outages:
            fail("--user: outages are recorded by a person; name who imports them")
        data = file.read_bytes()
        language = "en" if lang is Lang.en else "zh-hant"
        short = "en" if lang is Lang.en else "zh"
        with (
            translation.override(language),
            bound(RequestContext(request_id=new_request_id(), channel="cli")),
        ):
            report = imports.import_file(
                kind=kind.value, data=data, file_name=file.name, actor=actor, dry_run=dry_run
            )
            out = report.to_dict(short)
        if report.errors and all(e.rule in FILE_RULES for e in report.errors):
            fail(f"{file}: " + "; ".join(e.message(short) for e in report.errors))
        if fmt is Format.json:
            sys.stdout.write(json.dumps(out, ensure_ascii=False, default=str) + "\n")
        else:
            sys.stdout.write(_text(out, short))
        if report.errors:
            raise typer.Exit(EXIT_PROBLEM)
