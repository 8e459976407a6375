"""`fincloud sla ...`: service-level arithmetic of Ch 3.4 and Ch 5.4 (b) (issue 5).

The SLA modules (decimal, zoneinfo, csv) are imported inside the commands. Required values are
declared optional and checked here, so that a missing one gives the one-line error of
`_common.fail` (exit 2) rather than Click's usage box.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer

from fincloud.cli._common import fail
from fincloud.cli.evaluate import check_lang

if TYPE_CHECKING:
    from fincloud.rules.determination import Lang


def _check_format(fmt: str) -> None:
    if fmt not in ("json", "text"):
        fail(f"--format: must be json or text, got {fmt!r}")


def _print_json(data: object) -> None:
    import json

    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def _header(lang: Lang) -> str:
    from fincloud.sla.downtime import TABLE_HEADER_EN, TABLE_HEADER_ZH

    return TABLE_HEADER_ZH if lang == "zh-TW" else TABLE_HEADER_EN


FormatOption = Annotated[str, typer.Option("--format", help="text or json.")]
LangOption = Annotated[str, typer.Option("--lang", help="zh-TW or en.")]
# "-5" would otherwise be taken for an unknown option; let it reach the range check.
_NUMBER_ARGS = {"ignore_unknown_options": True}


def downtime_command(
    availability: Annotated[
        str | None, typer.Argument(help="Availability in percent, e.g. 99.95.")
    ] = None,
    table: Annotated[bool, typer.Option("--table", help="Print the whole Ch 3.4 table.")] = False,
    fmt: FormatOption = "text",
    lang: LangOption = "zh-TW",
) -> None:
    """Allowed downtime per year, month and week (Ch 3.4). 容許停機時間。"""
    from fincloud.sla.downtime import MANUAL_TABLE, SlaError, downtime, parse_percent
    from fincloud.sla.downtime import table as sla_table

    language = check_lang(lang)
    _check_format(fmt)
    if table:
        if availability is not None:
            fail("AVAILABILITY: give an availability or --table, not both")
        if fmt == "json":
            _print_json([downtime(a).to_json() for a in MANUAL_TABLE])
        else:
            sys.stdout.write(sla_table(language) + "\n")
        return
    if availability is None:
        fail("AVAILABILITY: missing: give a percentage in (0, 100], e.g. 99.9, or --table")
    try:
        result = downtime(parse_percent(availability))
    except SlaError as exc:
        fail(exc.message(language))
    if fmt == "json":
        _print_json(result.to_json())
    else:
        sys.stdout.write(f"{_header(language)}\n{result.row(language)}\n")


def composite_command(
    expression: Annotated[
        str | None, typer.Argument(metavar="EXPR", help="The expression.")
    ] = None,
    fmt: FormatOption = "text",
    lang: LangOption = "zh-TW",
) -> None:
    """Composite availability: "*" in series, "|" in parallel, parentheses group, numbers are
    percents, e.g. "99.9 * (99.95 | 99.95)" (Ch 5.4 (b)). 複合可用性。"""
    from fincloud.sla.composite import composite
    from fincloud.sla.downtime import SlaError

    language = check_lang(lang)
    _check_format(fmt)
    if expression is None:
        fail('EXPR: missing: give an expression such as "99.9 * (99.95 | 99.95)"')
    try:
        result = composite(expression)
    except SlaError as exc:
        fail(exc.message(language))
    if fmt == "json":
        _print_json(result.to_json())
        return
    explanation = result.explanation_zh if language == "zh-TW" else result.explanation_en
    sys.stdout.write(f"{_header(language)}\n{result.downtime.row(language)}\n")
    sys.stdout.write("".join(f"- {line}\n" for line in explanation))


def attainment_command(
    outages: Annotated[
        str | None,
        typer.Argument(metavar="OUTAGES.csv", help="CSV with the header start,end,planned."),
    ] = None,
    *,
    period: Annotated[
        str | None, typer.Option("--period", help="YYYY-MM, YYYY-Qn or YYYY (Asia/Taipei).")
    ] = None,
    target: Annotated[
        str | None, typer.Option("--target", help="Target availability in percent.")
    ] = None,
    include_planned: Annotated[
        bool, typer.Option("--include-planned", help="Count planned maintenance as downtime.")
    ] = False,
    fmt: FormatOption = "text",
    lang: LangOption = "zh-TW",
) -> None:
    """SLA attainment over a period from outage records, against a target (Ch 3.4 (b)).
    服務水準達成情形。"""
    from pathlib import Path

    from fincloud.sla.attainment import attainment, parse_period, read_outages
    from fincloud.sla.downtime import SlaError, parse_percent

    language = check_lang(lang)
    _check_format(fmt)
    if outages is None:
        fail("OUTAGES.csv: missing: give a CSV with the header start,end,planned")
    if period is None:
        fail("--period: missing: YYYY-MM, YYYY-Qn or YYYY")
    if target is None:
        fail("--target: missing: the target availability in percent, e.g. 99.95")
    try:
        target_percent = parse_percent(target, "--target")
        the_period = parse_period(period)
        with Path(outages).open(encoding="utf-8-sig", newline="") as handle:
            records = read_outages(handle, outages)
        result = attainment(records, the_period, target_percent, include_planned=include_planned)
    except SlaError as exc:
        fail(exc.message(language))
    except FileNotFoundError:
        fail(f"OUTAGES.csv: {outages}: no such file")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"OUTAGES.csv: {outages}: {exc}")
    if fmt == "json":
        _print_json(result.to_json())
        return
    explanation = result.explanation_zh if language == "zh-TW" else result.explanation_en
    sys.stdout.write("".join(f"{line}\n" for line in explanation))


def register(app: typer.Typer) -> None:
    sla_app = typer.Typer(
        help="SLA arithmetic (Ch 3.4, Ch 5.4 (b)): downtime, composite availability, "
        "attainment. 服務水準：停機時間、複合可用性、達成情形。",
        no_args_is_help=True,
    )
    sla_app.command("downtime", context_settings=_NUMBER_ARGS)(downtime_command)
    sla_app.command("composite", context_settings=_NUMBER_ARGS)(composite_command)
    sla_app.command("attainment", context_settings=_NUMBER_ARGS)(attainment_command)
    app.add_typer(sla_app, name="sla")
