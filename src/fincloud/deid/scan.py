"""`fincloud deid scan`: which columns hold which Taiwanese identifiers (never the values).

The JSON is a contract other tools read:

    {"rows": N, "columns": {"COLUMN": [{"type": TYPE, "valid": n, "invalid": m,
                                        "rows": [first 10 data-row numbers, 1-based]}, ...]}}

TYPE is one of `fincloud.identifiers.IdentifierType`; a column with nothing found has `[]`.
`valid` counts matches (whole values, or several in free text) that pass the type's check rule,
`invalid` those with the shape that fail it; `rows` are the first ten rows with a match of the
type, valid or not.

The work is vectorised: one regular expression (the alternation of
`fincloud.identifiers.detect.SHAPES`) extracts every candidate of a column at once in Polars'
Rust regex engine, and the check rules run as integer arithmetic over the candidates.
`fincloud.identifiers.find_identifiers` is the one-text reference this is tested against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from fincloud.identifiers import phone, tw_id
from fincloud.identifiers.detect import (
    FULLWIDTH,
    SHAPES,
    IdentifierType,
    rust_pattern,
    shape_pattern,
)
from fincloud.identifiers.email import EMAIL_VALID

ROWS_SHOWN = 10
_RUST_B = r"(?-u:\b)"
_TYPE_ORDER = {t.value: i for i, t in enumerate(IdentifierType)}


@dataclass(frozen=True)
class Finding:
    type: str
    valid: int
    invalid: int
    rows: tuple[int, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "valid": self.valid,
            "invalid": self.invalid,
            "rows": list(self.rows),
        }


@dataclass(frozen=True)
class ScanReport:
    rows: int
    columns: dict[str, tuple[Finding, ...]]

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "columns": {c: [f.as_json() for f in fs] for c, fs in self.columns.items()},
        }

    def types_in(self, column: str, *, valid_only: bool = False) -> set[str]:
        return {
            f.type
            for f in self.columns.get(column, ())
            if f.valid or (f.invalid and not valid_only)
        }


@dataclass
class _Tally:
    valid: int = 0
    invalid: int = 0
    rows: list[int] = field(default_factory=list)


def _digit(x: pl.Expr, k: int) -> pl.Expr:
    """The k-th decimal digit from the right of an integer expression."""
    digit: pl.Expr = (x // 10**k) % 10
    return digit


def _luhn_ok(number: pl.Expr) -> pl.Expr:
    """Luhn check over an unsigned integer column (up to 19 digits): a doubled digit d counts
    2d - 9 when d >= 5, i.e. 2d - 9 * (d // 5). Pass a materialised column: Polars would
    recompute an expression under it for every digit."""
    total = pl.lit(0, dtype=pl.UInt64)
    for k in range(19):
        d = _digit(number, k)
        total = total + (2 * d - 9 * (d // 5) if k % 2 == 1 else d)
    return (total % 10) == 0


_NUMBER = "_number"


def _with_number(part: pl.DataFrame) -> pl.DataFrame:
    digits = (
        pl.col("m").str.replace_all("-", "", literal=True).str.replace_all(" ", "", literal=True)
    )
    return part.with_columns(digits.cast(pl.UInt64, strict=False).alias(_NUMBER))


def _tw_id_ok(m: pl.Expr) -> pl.Expr:
    up = m.str.to_uppercase()
    code = up.str.slice(0, 1).replace_strict(tw_id.LETTER_CODES, default=0, return_dtype=pl.Int64)
    second_char = up.str.slice(1, 1)
    second_letter = {k: v % 10 for k, v in tw_id.LETTER_CODES.items() if k in "ABCD"}
    second = second_char.replace_strict(
        {**{str(d): d for d in range(10)}, **second_letter}, default=0, return_dtype=pl.Int64
    )
    rest = up.str.slice(2, 8).cast(pl.Int64, strict=False)  # 7 serial digits and the check
    total = code // 10 + (code % 10) * 9 + second * 8
    for i, weight in enumerate((7, 6, 5, 4, 3, 2, 1, 1)):
        total = total + _digit(rest, 7 - i) * weight
    return (total % 10) == 0


def _ubn_ok(m: pl.Expr) -> pl.Expr:
    x = m.cast(pl.Int64, strict=False)
    z = pl.lit(0, dtype=pl.Int64)
    for i, weight in enumerate((1, 2, 1, 2, 1, 2, 4, 1)):
        product = _digit(x, 7 - i) * weight
        z = z + product // 10 + product % 10
    seventh_is_7 = _digit(x, 1) == 7
    return ((z % 5) == 0) | (seventh_is_7 & (((z + 1) % 5) == 0))


def _phone_digits(m: pl.Expr) -> pl.Expr:
    return m.str.replace_all(r"[ \-().]", "").str.replace(r"^(?:\+886|00886|886)", "0")


def _judge(family: str, m: pl.Expr) -> tuple[pl.Expr, pl.Expr]:  # noqa: PLR0911 - one per family
    """(type or null, valid) for matched texts of one shape family."""
    digits = m.str.replace_all("-", "", literal=True).str.replace_all(" ", "", literal=True)
    n = digits.str.len_chars()
    if family == "email":
        local_len = m.str.extract(r"^(.*)@", 1).str.len_chars()
        ok = m.str.contains(f"^(?:{EMAIL_VALID})$") & (m.str.len_chars() <= 254)
        return pl.lit("email"), ok & (local_len <= 64)
    if family == "tw_id":
        national = m.str.slice(1, 1).is_in(["1", "2"])
        typ = pl.when(national).then(pl.lit("tw_national_id"))
        return typ.otherwise(pl.lit("tw_resident_certificate")), _tw_id_ok(m)
    if family == "card_grouped":
        return pl.lit("payment_card"), _luhn_ok(pl.col(_NUMBER)) & n.is_between(13, 19)
    if family == "mobile":
        return pl.lit("tw_mobile_phone"), _phone_digits(m).str.contains(
            f"^(?:{phone.MOBILE_PLAN})$"
        )
    if family == "landline":
        return pl.lit("tw_landline_phone"), _phone_digits(m).str.contains(
            f"^(?:{phone.LANDLINE_PLAN})$"
        )
    if family == "bank_grouped":
        return pl.when(n.is_between(10, 16)).then(pl.lit("bank_account")), pl.lit(True)
    if family == "digits":
        card_like = n.is_between(13, 19) & digits.str.contains("^[2-6]")
        luhn = _luhn_ok(pl.col(_NUMBER))
        is_card = card_like & (luhn | (n >= 15))
        card_type = (
            pl.when(is_card)
            .then(pl.lit("payment_card"))
            .when(n.is_between(10, 16))
            .then(pl.lit("bank_account"))
        )
        return card_type, pl.when(is_card).then(luhn).otherwise(True)
    return pl.lit("tw_business_number"), _ubn_ok(m)


def _family_expr(m: pl.Expr) -> pl.Expr:
    """The index (in SHAPES order) of the first shape family that matches the whole text."""
    expr: Any = None
    for i, name in enumerate(SHAPES):
        cond = m.str.contains(f"^(?:{shape_pattern(name, _RUST_B)})$")
        expr = pl.when(cond).then(i) if expr is None else expr.when(cond).then(i)
    family: pl.Expr = expr.otherwise(None).cast(pl.Int8)
    return family


_FULLWIDTH_RE = "[" + "".join(FULLWIDTH) + "]"
_EMPTY_SCHEMA = {"row": "UInt32", "type": "String", "valid": "Boolean"}


def column_matches(values: pl.Series, row_offset: int = 0) -> pl.DataFrame:
    """One row per identifier found: row (1-based, plus `row_offset`), type, valid."""
    empty = pl.DataFrame(schema={"row": pl.UInt32, "type": pl.String, "valid": pl.Boolean})
    s = values if values.dtype == pl.String else values.cast(pl.String)
    frame = pl.DataFrame({"v": s}).with_row_index("row", offset=row_offset + 1)
    frame = frame.filter(pl.col("v").str.contains(r"[0-9@０-９＠]"))
    if frame.height == 0:
        return empty
    if frame["v"].str.contains(_FULLWIDTH_RE).any():
        frame = frame.with_columns(
            pl.col("v").str.replace_many(list(FULLWIDTH), list(FULLWIDTH.values()))
        )
    # A cell that is exactly one identifier (the usual case in a structured column) is its
    # own match; only the others (free text) go through extract_all.
    whole = pl.col("v").str.contains(f"^(?:{rust_pattern()})$")
    frame = frame.with_columns(_whole=whole)
    single = frame.filter(pl.col("_whole")).select("row", m=pl.col("v"))
    text = frame.filter(~pl.col("_whole"))
    if text.height:
        text_matches = (
            text.select("row", m=pl.col("v").str.extract_all(rust_pattern()))
            .explode("m")
            .drop_nulls("m")
        )
        single = pl.concat([single, text_matches])
    found = single.with_columns(family=_family_expr(pl.col("m")))
    parts = []
    for index, name in enumerate(SHAPES):
        part = found.filter(pl.col("family") == index)
        if part.height:
            if name in ("card_grouped", "digits"):
                part = _with_number(part)
            typ, ok = _judge(name, pl.col("m"))
            parts.append(part.select(pl.col("row").cast(pl.UInt32), type=typ, valid=ok))
    if not parts:
        return empty
    return pl.concat(parts).drop_nulls("type").sort("row", maintain_order=True)


class Scanner:
    """Accumulates findings over the batches of one file."""

    def __init__(self, columns: Iterable[str]) -> None:
        self.columns = list(columns)
        self.rows = 0
        self._tally: dict[str, dict[str, _Tally]] = {c: {} for c in self.columns}

    def add(self, frame: pl.DataFrame) -> None:
        for column in self.columns:
            matches = column_matches(frame[column], self.rows)
            if matches.height == 0:
                continue
            summary = matches.group_by("type").agg(
                valid=pl.col("valid").sum(),
                invalid=(~pl.col("valid")).sum(),
                rows=pl.col("row").unique(maintain_order=True).head(ROWS_SHOWN),
            )
            for typ, valid, invalid, rows in summary.iter_rows():
                tally = self._tally[column].setdefault(typ, _Tally())
                tally.valid += int(valid)
                tally.invalid += int(invalid)
                room = ROWS_SHOWN - len(tally.rows)
                if room > 0:
                    tally.rows.extend(int(r) for r in rows[:room])
        self.rows += frame.height

    def report(self) -> ScanReport:
        columns = {}
        for column in self.columns:
            items = sorted(self._tally[column].items(), key=lambda kv: _TYPE_ORDER[kv[0]])
            columns[column] = tuple(
                Finding(typ, t.valid, t.invalid, tuple(t.rows)) for typ, t in items
            )
        return ScanReport(self.rows, columns)


def scan_frames(
    frames: Iterable[pl.DataFrame],
    columns: list[str],
    progress: Callable[[int], None] | None = None,
) -> ScanReport:
    scanner = Scanner(columns)
    for frame in frames:
        scanner.add(frame)
        if progress is not None:
            progress(frame.height)
    return scanner.report()


def scan_frame(frame: pl.DataFrame) -> ScanReport:
    return scan_frames([frame], frame.columns)


def render_text(report: ScanReport, lang: str = "zh-TW") -> str:
    zh = lang != "en"
    lines = [f"{'資料列數' if zh else 'rows'}: {report.rows}"]
    for column, findings in report.columns.items():
        if not findings:
            lines.append(f"  {column}: {'未發現識別資料' if zh else 'nothing found'}")
            continue
        for f in findings:
            rows = ", ".join(str(r) for r in f.rows)
            if zh:
                lines.append(
                    f"  {column}: {f.type} 有效 {f.valid}、無效 {f.invalid}（前幾列：{rows}）"
                )
            else:
                lines.append(
                    f"  {column}: {f.type} valid {f.valid}, invalid {f.invalid} (rows {rows})"
                )
    return "\n".join(lines)
