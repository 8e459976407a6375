"""Allowed downtime for an availability (Ch 3.4), in decimal arithmetic.

Downtime allowed = (1 - availability) x period, with a year of 365 days, a month of 30 days and
a week of 7 days (RULES.md §6). The text form uses the manual's units, and for the five rows of
the manual's table prints exactly what the manual prints (its rounding is inconsistent: 99.99 %
per week is 1.008 minutes, printed 1.01).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

from fincloud.rules import citations as cit
from fincloud.rules.determination import RULE_VERSION, Determination, JsonValue, Lang

HUNDRED: Final = Decimal(100)
SECONDS_PER_YEAR: Final = Decimal(365 * 86400)
SECONDS_PER_MONTH: Final = Decimal(30 * 86400)
SECONDS_PER_WEEK: Final = Decimal(7 * 86400)

# Ch 3.4, the table as printed: 服務水準 每年停機時間 每月停機時間 每週停機時間.
TABLE_HEADER_ZH: Final = "服務水準 每年停機時間 每月停機時間 每週停機時間"
TABLE_HEADER_EN: Final = "availability per-year per-month per-week"
# Each cell as (figure, unit) so the English form prints the same figures.
MANUAL_TABLE: Final[dict[Decimal, tuple[tuple[str, str], ...]]] = {
    Decimal("99"): (("87.6", "h"), ("7.2", "h"), ("100.8", "min")),
    Decimal("99.9"): (("8.76", "h"), ("43.2", "min"), ("10.08", "min")),
    Decimal("99.95"): (("4.38", "h"), ("21.6", "min"), ("5.04", "min")),
    Decimal("99.99"): (("52.56", "min"), ("4.32", "min"), ("1.01", "min")),
    Decimal("99.999"): (("5.256", "min"), ("25.92", "s"), ("6.048", "s")),
}
_TABLE_ROW_IDS: Final = dict(zip(MANUAL_TABLE, cit.SLA_TABLE_ROWS, strict=True))

UNITS: Final = {
    "zh-TW": {"h": "小時", "min": "分鐘", "s": "秒"},
    "en": {"h": " h", "min": " min", "s": " s"},
}
SIGNIFICANT_DIGITS: Final = 4


class SlaError(ValueError):
    """Bad SLA input; `where` names the argument, field or position."""

    def __init__(self, where: str, rule_en: str, rule_zh: str) -> None:
        super().__init__(f"{where}: {rule_en}")
        self.where = where
        self.rule_en = rule_en
        self.rule_zh = rule_zh

    def message(self, lang: Lang = "zh-TW") -> str:
        if lang == "zh-TW":
            return f"{self.where}：{self.rule_zh}"
        return f"{self.where}: {self.rule_en}"


def check_percent(value: Decimal, where: str) -> Decimal:
    """An availability must lie in (0, 100]."""
    if not value.is_finite() or value <= 0 or value > HUNDRED:
        raise SlaError(
            where,
            f"availability must be a percentage in (0, 100], got {value}",
            f"可用性須為 (0, 100] 之百分比，收到 {value}",
        )
    return value


def parse_percent(text: str, where: str = "AVAILABILITY") -> Decimal:
    """'99.9' or '99.9%' -> Decimal('99.9'); rejects anything outside (0, 100]."""
    raw = text.strip().removesuffix("%").strip()
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise SlaError(
            where,
            f"not a number: {text!r} (a percentage in (0, 100], e.g. 99.95)",
            f"不是數字：{text!r}（須為 (0, 100] 之百分比，如 99.95）",
        ) from None
    return check_percent(value, where)


def format_percent(value: Decimal) -> str:
    """99.90 -> '99.9%', 100 -> '100%'."""
    text = format(value.normalize(), "f")
    return f"{text}%"


def _round_significant(value: Decimal, digits: int = SIGNIFICANT_DIGITS) -> Decimal:
    if value == 0:
        return Decimal(0)
    exponent = value.adjusted() - digits + 1
    rounded = value.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
    return rounded.normalize()


def format_duration(seconds: Decimal, lang: Lang = "zh-TW") -> str:
    """The manual's units: hours from two hours up, seconds under a minute, minutes between
    (so 100.8 minutes stays in minutes, as the table prints it); at most four significant
    digits, which every figure in the table has."""
    units = UNITS[lang]
    if seconds >= 7200:
        value, unit = seconds / 3600, units["h"]
    elif seconds >= 60:
        value, unit = seconds / 60, units["min"]
    else:
        value, unit = seconds, units["s"]
    return f"{format(_round_significant(value), 'f')}{unit}"


def _to_json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True, slots=True)
class Downtime:
    availability_percent: Decimal
    per_year_seconds: Decimal
    per_month_seconds: Decimal
    per_week_seconds: Decimal
    citations: tuple[str, ...]
    explanation_zh: tuple[str, ...]
    explanation_en: tuple[str, ...]
    rule_version: str = RULE_VERSION

    def to_json(self) -> dict[str, JsonValue]:
        """The keys `fincloud sla downtime --format json` prints."""
        return {
            "availability_percent": _to_json_number(self.availability_percent),
            "per_year_seconds": _to_json_number(self.per_year_seconds),
            "per_month_seconds": _to_json_number(self.per_month_seconds),
            "per_week_seconds": _to_json_number(self.per_week_seconds),
        }

    def row(self, lang: Lang = "zh-TW") -> str:
        """One line of the Ch 3.4 table: the manual's own text for its five rows."""
        printed = MANUAL_TABLE.get(self.availability_percent)
        if printed is not None:
            cells = tuple(f"{figure}{UNITS[lang][unit]}" for figure, unit in printed)
        else:
            cells = tuple(
                format_duration(s, lang)
                for s in (self.per_year_seconds, self.per_month_seconds, self.per_week_seconds)
            )
        return " ".join((format_percent(self.availability_percent), *cells))

    def determination(self) -> Determination:
        return Determination(
            kind="sla_downtime",
            inputs={"availability_percent": str(self.availability_percent)},
            outcome={k: str(v) for k, v in self.to_json().items()},
            citations=self.citations,
            explanation_zh=self.explanation_zh,
            explanation_en=self.explanation_en,
            rule_version=self.rule_version,
        )


def downtime(availability_percent: Decimal) -> Downtime:
    """Allowed downtime per year, month and week for an availability in percent (Ch 3.4)."""
    a = check_percent(Decimal(availability_percent), "availability_percent")
    unavailable = (HUNDRED - a) / HUNDRED
    per_year = unavailable * SECONDS_PER_YEAR
    per_month = unavailable * SECONDS_PER_MONTH
    per_week = unavailable * SECONDS_PER_WEEK
    cites: tuple[str, ...] = (cit.SLA_TABLE,)
    zh = [
        f"可用性 {format_percent(a)}：容許停機時間 = (1 − 可用性) × 期間，每年以365日、每月以30日、"
        "每週以7日計（第3章四）。"
    ]
    en = [
        f"Availability {format_percent(a)}: allowed downtime = (1 - availability) x period, "
        "with a year of 365 days, a month of 30 days and a week of 7 days (Ch 3.4)."
    ]
    row_id = _TABLE_ROW_IDS.get(a)
    if row_id is not None:
        cites = (cit.SLA_TABLE, row_id)
        zh.append("此可用性為手冊第3章四表列之一，文字格式依手冊所印數值輸出。")
        en.append(
            "This availability is a row of the Ch 3.4 table; the text form prints the "
            "manual's figures."
        )
    return Downtime(
        availability_percent=a,
        per_year_seconds=per_year,
        per_month_seconds=per_month,
        per_week_seconds=per_week,
        citations=cites,
        explanation_zh=tuple(zh),
        explanation_en=tuple(en),
    )


def table(lang: Lang = "zh-TW") -> str:
    """The whole Ch 3.4 table, header and five rows."""
    header = TABLE_HEADER_ZH if lang == "zh-TW" else TABLE_HEADER_EN
    return "\n".join([header, *(downtime(a).row(lang) for a in MANUAL_TABLE)])
