"""SLA attainment over a calendar period, from outage records (Ch 3.4 (b): review whether the
SLA was met).

Periods are calendar months (YYYY-MM), quarters (YYYY-Qn) or years (YYYY) in Asia/Taipei.
Outages are clipped to the period and merged where they overlap or touch, so no minute is
counted twice; planned maintenance is left out unless asked for. A planned and an unplanned
record that overlap: with planned left out, the unplanned record counts in full.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Context, Decimal
from typing import Final
from zoneinfo import ZoneInfo

from fincloud.rules import citations as cit
from fincloud.rules.determination import RULE_VERSION, Determination, JsonValue
from fincloud.sla.downtime import HUNDRED, SlaError, check_percent, format_percent

TAIPEI: Final = ZoneInfo("Asia/Taipei")
_CONTEXT: Final = Context(prec=50)
_MICROSECONDS_PER_MINUTE: Final = Decimal(60_000_000)
_PERIOD: Final = re.compile(r"^(\d{4})(?:-(?:(\d{2})|Q([1-4])))?$")
REQUIRED_COLUMNS: Final = ("start", "end", "planned")


@dataclass(frozen=True, slots=True)
class Period:
    label: str
    start: datetime  # aware, UTC
    end: datetime  # aware, UTC, exclusive

    @property
    def length(self) -> timedelta:
        return self.end - self.start


def parse_period(text: str) -> Period:
    """'2026-01', '2026-Q1' or '2026', as a half-open interval in Asia/Taipei."""
    match = _PERIOD.match(text.strip())
    if match is None:
        raise SlaError(
            "--period",
            f"must be YYYY-MM, YYYY-Qn or YYYY (e.g. 2026-01, 2026-Q1, 2026), got {text!r}",
            f"須為 YYYY-MM、YYYY-Qn 或 YYYY（如 2026-01、2026-Q1、2026），收到 {text!r}",
        )
    year = int(match.group(1))
    if year < 1:
        raise SlaError("--period", f"year out of range: {text!r}", f"年份超出範圍：{text!r}")
    if match.group(2) is not None:
        month = int(match.group(2))
        if not 1 <= month <= 12:
            raise SlaError(
                "--period",
                f"month must be 01 to 12, got {text!r}",
                f"月份須為 01 至 12，收到 {text!r}",
            )
        first, months = month, 1
    elif match.group(3) is not None:
        first, months = (int(match.group(3)) - 1) * 3 + 1, 3
    else:
        first, months = 1, 12
    start = datetime(year, first, 1, tzinfo=TAIPEI)
    end_month = first + months
    end = datetime(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1, tzinfo=TAIPEI)
    return Period(text.strip(), start.astimezone(UTC), end.astimezone(UTC))


@dataclass(frozen=True, slots=True)
class Outage:
    start: datetime  # aware, UTC
    end: datetime  # aware, UTC
    planned: bool = False


def parse_time(text: str, where: str) -> datetime:
    """ISO 8601; a time without an offset is Asia/Taipei. Returned in UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise SlaError(
            where,
            f"not an ISO 8601 time: {text!r} (e.g. 2026-01-05T10:00 or 2026-01-05T02:00Z)",
            f"不是 ISO 8601 時間：{text!r}（如 2026-01-05T10:00 或 2026-01-05T02:00Z）",
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=TAIPEI)
    return value.astimezone(UTC)


def read_outages(lines: Iterable[str], name: str = "OUTAGES") -> list[Outage]:
    """The CSV with header start,end,planned (other columns are ignored)."""
    reader = csv.DictReader(lines)
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise SlaError(
            f"{name} line 1",
            f"the CSV needs the columns start,end,planned; missing {', '.join(missing)}",
            f"CSV 須有 start,end,planned 欄位；缺少 {', '.join(missing)}",
        )
    reader.fieldnames = header
    outages: list[Outage] = []
    for row in reader:
        line = reader.line_num
        if all(not (v or "").strip() for k, v in row.items() if k is not None):
            continue
        cells = {c: (row.get(c) or "") for c in REQUIRED_COLUMNS}
        start = parse_time(cells["start"], f"{name} line {line}, column start")
        end = parse_time(cells["end"], f"{name} line {line}, column end")
        if end < start:
            raise SlaError(
                f"{name} line {line}, column end",
                "the outage ends before it starts",
                "停機結束時間早於開始時間",
            )
        planned = cells["planned"].strip().lower()
        if planned not in ("true", "false"):
            raise SlaError(
                f"{name} line {line}, column planned",
                f"must be true or false, got {cells['planned']!r}",
                f"須為 true 或 false，收到 {cells['planned']!r}",
            )
        outages.append(Outage(start, end, planned == "true"))
    return outages


def merge(intervals: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Sorted, non-overlapping intervals covering the same time; touching ones are joined."""
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def clip(
    intervals: Iterable[tuple[datetime, datetime]], period: Period
) -> list[tuple[datetime, datetime]]:
    """The parts of the intervals inside the period (empty parts dropped)."""
    out = []
    for start, end in intervals:
        s, e = max(start, period.start), min(end, period.end)
        if s < e:
            out.append((s, e))
    return out


def _minutes(delta: timedelta) -> Decimal:
    micro = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return _CONTEXT.divide(Decimal(micro), _MICROSECONDS_PER_MINUTE)


@dataclass(frozen=True, slots=True)
class Attainment:
    period: Period
    target_percent: Decimal
    include_planned: bool
    period_minutes: Decimal
    downtime_minutes: Decimal
    allowed_minutes: Decimal
    availability_percent: Decimal
    breach: bool
    outages_counted: int
    citations: tuple[str, ...]
    explanation_zh: tuple[str, ...]
    explanation_en: tuple[str, ...]
    rule_version: str = RULE_VERSION

    def to_json(self) -> dict[str, JsonValue]:
        """The keys `fincloud sla attainment --format json` prints."""

        def number(value: Decimal) -> int | float:
            return int(value) if value == value.to_integral_value() else float(value)

        return {
            "availability_percent": number(self.availability_percent),
            "downtime_minutes": number(self.downtime_minutes),
            "allowed_minutes": number(self.allowed_minutes),
            "breach": self.breach,
        }

    def determination(self) -> Determination:
        return Determination(
            kind="sla_attainment",
            inputs={
                "period": self.period.label,
                "target_percent": str(self.target_percent),
                "include_planned": self.include_planned,
            },
            outcome={
                "availability_percent": str(self.availability_percent),
                "downtime_minutes": str(self.downtime_minutes),
                "allowed_minutes": str(self.allowed_minutes),
                "breach": self.breach,
            },
            citations=self.citations,
            explanation_zh=self.explanation_zh,
            explanation_en=self.explanation_en,
            rule_version=self.rule_version,
        )


def attainment(
    outages: Sequence[Outage],
    period: Period,
    target_percent: Decimal,
    *,
    include_planned: bool = False,
) -> Attainment:
    """Availability over the period against a target; a breach when the downtime exceeds what
    the target allows."""
    target = check_percent(Decimal(target_percent), "--target")
    chosen = [(o.start, o.end) for o in outages if include_planned or not o.planned]
    counted = merge(clip(chosen, period))
    down = _minutes(sum((e - s for s, e in counted), timedelta()))
    total = _minutes(period.length)
    allowed = _CONTEXT.divide(_CONTEXT.multiply(HUNDRED - target, total), HUNDRED)
    available = _CONTEXT.multiply(
        HUNDRED, _CONTEXT.divide(_CONTEXT.subtract(total, down), total)
    ).normalize(_CONTEXT)
    breach = down > allowed
    planned_zh = "計入計畫性維護" if include_planned else "不計計畫性維護"
    planned_en = (
        "planned maintenance included" if include_planned else "planned maintenance left out"
    )
    verdict_zh = "未達成（違反 SLA）" if breach else "達成"
    verdict_en = "breached" if breach else "met"
    shown = format(available.quantize(Decimal("0.0001")), "f")
    zh = (
        f"期間 {period.label}（Asia/Taipei，{format(total.normalize(), 'f')} 分鐘）：停機 "
        f"{format(down.normalize(), 'f')} 分鐘（{len(counted)} 段，已截至期間內並合併重疊，"
        f"{planned_zh}）。",
        f"可用性 {shown}%，目標 {format_percent(target)} 容許停機 "
        f"{format(allowed.normalize(), 'f')} 分鐘：{verdict_zh}"
        "（第3章四 (b) 審查服務水準達成情形）。",
    )
    en = (
        f"Period {period.label} (Asia/Taipei, {format(total.normalize(), 'f')} minutes): "
        f"{format(down.normalize(), 'f')} minutes down ({len(counted)} spans, clipped to the "
        f"period and merged where they overlap, {planned_en}).",
        f"Availability {shown}%; the target {format_percent(target)} allows "
        f"{format(allowed.normalize(), 'f')} minutes: {verdict_en} (Ch 3.4 (b), review SLA "
        "attainment).",
    )
    return Attainment(
        period=period,
        target_percent=target,
        include_planned=include_planned,
        period_minutes=total,
        downtime_minutes=down.normalize(_CONTEXT),
        allowed_minutes=allowed.normalize(_CONTEXT),
        availability_percent=available,
        breach=breach,
        outages_counted=len(counted),
        citations=(cit.SLA_REVIEW,),
        explanation_zh=zh,
        explanation_en=en,
    )
