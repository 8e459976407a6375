"""`fincloud evaluate`: the manual's decision rules for one profile or a batch (issue 5).

The rules are imported inside the command, so `fincloud --help` stays light.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TextIO, cast

import typer

from fincloud.cli._common import EXIT_PROBLEM, fail

if TYPE_CHECKING:
    from fincloud.rules.determination import Lang
    from fincloud.rules.engine import Evaluation
    from fincloud.rules.inputs import InputError
    from fincloud.rules.profile import ProfileError


def check_lang(lang: str) -> Lang:
    if lang in ("zh-TW", "en"):
        return cast("Lang", lang)
    fail(f"--lang: must be zh-TW or en, got {lang!r}")


def _check_format(fmt: str) -> str:
    if fmt not in ("json", "text"):
        fail(f"--format: must be json or text, got {fmt!r}")
    return fmt


def _read_text(path: str, lang: Lang) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        fail(
            f"PROFILE: {path}: 找不到檔案" if lang == "zh-TW" else f"PROFILE: {path}: no such file"
        )
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"PROFILE: {path}: {exc}")


def _render_text(result: Evaluation, lang: Lang) -> str:
    from fincloud.rules.texts import CLASSIFICATION_EN, CLASSIFICATION_ZH

    zh = lang == "zh-TW"
    names = CLASSIFICATION_ZH if zh else CLASSIFICATION_EN
    yes_no = ("是", "否") if zh else ("yes", "no")

    def yn(value: object) -> str:
        return yes_no[0] if value else yes_no[1]

    audit = result.audit
    if audit is None:
        audit_text = "不適用" if zh else "not applicable"
    elif zh:
        audit_text = f"每 {audit.interval_months} 個月" + (
            "，含專案查核" if audit.special_audit_required else ""
        )
    else:
        audit_text = f"every {audit.interval_months} months" + (
            ", with a special audit" if audit.special_audit_required else ""
        )
    none = "無" if zh else "none"
    labels = (
        ("屬範疇", "In scope", yn(result.in_scope)),
        ("境外", "Offshore", yn(result.offshore)),
        ("分級", "Classification", f"{names[result.classification]} ({result.classification})"),
        ("須主管機關核准", "Regulator's approval", yn(result.regulator_approval_required)),
        ("查核頻率", "Audit", audit_text),
        ("附件3合約檢核列", "Annex 3 rows", ", ".join(result.contract_rows) or none),
        (
            "待評估之境外地點",
            "Locations needing assessment",
            ", ".join(result.locations_needing_assessment) or none,
        ),
    )
    lines = [f"{zh_label if zh else en_label}: {value}" for zh_label, en_label, value in labels]
    if result.materiality_proposal is not None:
        p = result.materiality_proposal
        proposed = (
            ("具重大性" if p.proposed else "不具重大性")
            if zh
            else ("material" if p.proposed else "not material")
        )
        flag = (
            ("（與確認之判斷不一致）" if zh else " (differs from the confirmed judgement)")
            if (p.disagrees_with_material)
            else ""
        )
        lines.append(f"{'重大性建議' if zh else 'Materiality proposal'}: {proposed}{flag}")
    lines.append(f"{'依據' if zh else 'Citations'}: {', '.join(result.citations)}")
    lines.append(f"{'說明' if zh else 'Explanation'}:")
    lines.extend(f"- {line}" for line in (result.explanation_zh if zh else result.explanation_en))
    return "\n".join(lines)


def evaluate_one(profile: str, fmt: str, lang: Lang) -> None:
    import json

    from fincloud.rules.engine import evaluate
    from fincloud.rules.inputs import InputError, load_profile_text
    from fincloud.rules.profile import ProfileError, parse_profile

    text = _read_text(profile, lang)
    name = "PROFILE" if profile == "-" else profile
    try:
        data = load_profile_text(text, name, yaml_ok=not profile.endswith(".json"))
        result = evaluate(parse_profile(data))
    except (InputError, ProfileError) as exc:
        fail(exc.message(lang))
    if fmt == "json":
        sys.stdout.write(json.dumps(result.to_output(lang), ensure_ascii=False, indent=2) + "\n")
    else:
        sys.stdout.write(_render_text(result, lang) + "\n")


def _batch_message(
    item_line: int, error: ProfileError | InputError, is_csv: bool, lang: Lang
) -> str:
    """'line N: field: rule' (JSON Lines) or 'line N, column C: rule' (CSV)."""
    from fincloud.rules.profile import ProfileError

    if isinstance(error, ProfileError) and not error.field.startswith("line "):
        if is_csv:
            column = error.field.split("[", 1)[0].split(".", 1)[0]
            detail = error.message(lang).replace(error.field, column, 1)
            return f"line {item_line}, column {detail}"
        return f"line {item_line}: {error.message(lang)}"
    return error.message(lang)


def _open_batch(batch: str, output: str | None, is_csv: bool) -> tuple[TextIO, TextIO]:
    try:
        source = Path(batch).open(encoding="utf-8-sig", newline="" if is_csv else None)
    except OSError as exc:
        fail(f"--batch: {batch}: {exc.strerror or exc}")
    if output in (None, "-"):
        return source, sys.stdout
    try:
        return source, Path(str(output)).open("w", encoding="utf-8")
    except OSError as exc:
        source.close()
        fail(f"-o: {output}: {exc.strerror or exc}")


def evaluate_batch(batch: str, output: str | None, lang: Lang) -> None:
    """One result per input line, in order; a bad line gets {"line": n, "error": ...} in the
    output and a line on standard error, and the others still run (exit 1 if any failed)."""
    import json

    from fincloud.rules.engine import evaluate
    from fincloud.rules.inputs import InputError, read_csv, read_jsonl
    from fincloud.rules.profile import ProfileError, parse_profile

    is_csv = Path(batch).suffix.lower() == ".csv"
    source, sink = _open_batch(batch, output, is_csv)
    dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    write = sink.write
    done = failed = 0
    try:
        for item in read_csv(source) if is_csv else read_jsonl(source):
            error: ProfileError | InputError | None = item.error
            if error is None:
                try:
                    write(dumps(evaluate(parse_profile(item.data)).to_output(lang)) + "\n")
                    done += 1
                    continue
                except ProfileError as exc:
                    error = exc
            failed += 1
            message = _batch_message(item.line, error, is_csv, lang)
            sys.stderr.write(f"fincloud: error: {batch}: {message}\n")
            write(dumps({"line": item.line, "error": message}) + "\n")
    except InputError as exc:
        fail(f"{batch}: {exc.message(lang)}")
    except UnicodeDecodeError as exc:
        fail(f"{batch}: not UTF-8 text ({exc.reason} at byte {exc.start})")
    finally:
        source.close()
        if sink is not sys.stdout:
            sink.close()
    sys.stderr.write(
        f"fincloud: {done} 筆已評估，{failed} 筆失敗\n"
        if lang == "zh-TW"
        else f"fincloud: {done} evaluated, {failed} failed\n"
    )
    if failed:
        raise typer.Exit(EXIT_PROBLEM)


def register(app: typer.Typer) -> None:
    @app.command(
        "evaluate",
        help="Scope, offshore, classification, audit cadence, approval and Annex 3 rows of a "
        "service profile (RULES.md §1-§5). PROFILE: a YAML or JSON file, or - for stdin. "
        "判斷雲端委外範疇、分級、查核頻率與合約檢核列。",
    )
    def evaluate_command(
        profile: Annotated[
            str | None, typer.Argument(help="YAML or JSON profile file, or - for stdin.")
        ] = None,
        batch: Annotated[
            str | None,
            typer.Option("--batch", help="Evaluate every line of a .jsonl or .csv file."),
        ] = None,
        output: Annotated[
            str | None,
            typer.Option("--output", "-o", help="With --batch: write the JSON Lines here."),
        ] = None,
        fmt: Annotated[str, typer.Option("--format", help="json or text.")] = "json",
        lang: Annotated[str, typer.Option("--lang", help="zh-TW or en.")] = "zh-TW",
    ) -> None:
        language = check_lang(lang)
        _check_format(fmt)
        if batch is not None:
            if profile is not None:
                fail("PROFILE: give a PROFILE or --batch, not both")
            if fmt != "json":
                fail("--format: a batch is always written as JSON Lines")
            evaluate_batch(batch, output, language)
            return
        if profile is None:
            fail("PROFILE: missing: give a profile file, - for stdin, or --batch FILE")
        if output is not None:
            fail("-o: only with --batch")
        evaluate_one(profile, fmt, language)
