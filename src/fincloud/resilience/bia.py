"""Business impact analysis checks (Ch 8.1): plain Python, no Django.

Three checks over a BIA's figures, each a ``Determination`` (inputs, outcome, citations and an
explanation in zh-TW and en) that the web app stores as it is:

- ``check_rto_within_mtpd``: the recovery time objective cannot exceed the maximum tolerable
  period of disruption (a recovery planned for after the point where the impact becomes
  intolerable is no plan). Ch 8.1 (b) asks for the magnitude and duration of the impacts and the
  RTO / RPO; the MTPD is the duration the institution can bear.
- ``check_csp_commitment``: can the CSP's SLA and recovery commitment meet the RTO / RPO? An
  SLA of 99.9 % lets the provider be down 43.2 minutes a month (the Ch 3.4 table) while keeping
  its promise, so it cannot guarantee an RTO of 30 minutes; a provider that commits to recover
  in four hours cannot meet an RTO of one hour.
- ``check_composite``: the availability of a business process over its service dependencies
  (series and parallel, RULES.md §6, computed by ``fincloud.sla.composite``) against the target.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

from fincloud.rules.determination import Determination, JsonValue
from fincloud.sla.composite import composite
from fincloud.sla.downtime import MANUAL_TABLE, UNITS, downtime, format_duration, format_percent

# Catalog ids the checks rest on.
BIA_IMPACT_OVER_TIME: Final = "ch8.1.a"  # impact types and criteria over time
BIA_RTO_RPO: Final = "ch8.1.b"  # magnitude and duration of impacts; RTO and RPO
BIA_RESOURCES: Final = "ch8.1.c"  # resources needed and their resilience (RTO / RPO)
SLA_TABLE: Final = "ch3.4.sla_table"
SLA_COMPOSITE: Final = "ch5.4.basic.b"
BCP_MEETS_BIA: Final = "ch8.3.plan.a.1"  # the BCP meets the continuity requirements of the BIA
CITED_IDS: Final = (
    BIA_IMPACT_OVER_TIME,
    BIA_RTO_RPO,
    BIA_RESOURCES,
    SLA_TABLE,
    SLA_COMPOSITE,
    BCP_MEETS_BIA,
)

Period = Literal["month", "year", "week"]
PERIOD_INDEX: Final[dict[Period, int]] = {"year": 0, "month": 1, "week": 2}
PERIOD_ZH: Final[dict[Period, str]] = {"year": "每年", "month": "每月", "week": "每週"}
PERIOD_EN: Final[dict[Period, str]] = {"year": "a year", "month": "a month", "week": "a week"}

# Impact levels of the BIA's impact-over-time grid (Ch 8.1 (a)); the institution's criteria.
SEVERE: Final = 4


def minutes_text(minutes: int, lang: Literal["zh-TW", "en"] = "zh-TW") -> str:
    """120 -> '2小時'-style text in the manual's units (hours from two hours up)."""
    return format_duration(Decimal(minutes) * 60, lang)


# -- RTO within MTPD ---------------------------------------------------------------------------


def rto_exceeds_mtpd(rto_minutes: int | None, mtpd_minutes: int | None) -> bool:
    """True when both are known and the RTO is longer than the MTPD."""
    return rto_minutes is not None and mtpd_minutes is not None and rto_minutes > mtpd_minutes


def check_rto_within_mtpd(rto_minutes: int, mtpd_minutes: int) -> Determination:
    bad = rto_exceeds_mtpd(rto_minutes, mtpd_minutes)
    rto_zh, mtpd_zh = minutes_text(rto_minutes), minutes_text(mtpd_minutes)
    rto_en, mtpd_en = minutes_text(rto_minutes, "en"), minutes_text(mtpd_minutes, "en")
    if bad:
        zh = (
            f"RTO（{rto_zh}）長於最大可容忍中斷時間 MTPD（{mtpd_zh}）：復原時間目標須在衝擊"
            "變得無法容忍之前（第8章一 (b)）。",
        )
        en = (
            f"The RTO ({rto_en}) is longer than the maximum tolerable period of disruption, "
            f"MTPD ({mtpd_en}): recovery must come before the impact becomes intolerable "
            "(Ch 8.1 (b)).",
        )
    else:
        zh = (f"RTO（{rto_zh}）不長於 MTPD（{mtpd_zh}）。",)
        en = (f"The RTO ({rto_en}) is within the MTPD ({mtpd_en}).",)
    return Determination(
        kind="bia_rto_mtpd",
        inputs={"rto_minutes": rto_minutes, "mtpd_minutes": mtpd_minutes},
        outcome={"ok": not bad},
        citations=(BIA_RTO_RPO,),
        explanation_zh=zh,
        explanation_en=en,
    )


def first_severe_minutes(impacts: Mapping[str, Mapping[str, int]]) -> int | None:
    """The earliest time point (minutes) at which any impact type reaches the severe level."""
    times = [
        int(after)
        for levels in impacts.values()
        for after, level in levels.items()
        if int(level) >= SEVERE
    ]
    return min(times) if times else None


# -- the CSP's SLA and recovery commitment against the RTO / RPO --------------------------------


def allowed_downtime_text(percent: Decimal, period: Period, lang: Literal["zh-TW", "en"]) -> str:
    """The downtime an availability allows per period, as the Ch 3.4 table prints it for its
    five rows and computed otherwise."""
    printed = MANUAL_TABLE.get(percent)
    if printed is not None:
        figure, unit = printed[PERIOD_INDEX[period]]
        return f"{figure}{UNITS[lang][unit]}"
    dt = downtime(percent)
    seconds = {
        "year": dt.per_year_seconds,
        "month": dt.per_month_seconds,
        "week": dt.per_week_seconds,
    }[period]
    return format_duration(seconds, lang)


COMMITMENT_LABELS: Final = {
    "csp_sla_percent": ("業者服務水準（SLA）", "the provider's SLA"),
    "csp_rto_minutes": ("業者承諾之復原時間", "the provider's committed recovery time"),
    "csp_rpo_minutes": ("業者承諾之復原時間點", "the provider's committed recovery point"),
}


@dataclass(frozen=True, slots=True)
class Flag:
    code: str
    field: str  # the BIA field the flag is about
    zh: str
    en: str


def check_csp_commitment(
    *,
    rto_minutes: int | None,
    rpo_minutes: int | None,
    sla_percent: Decimal | None,
    csp_rto_minutes: int | None,
    csp_rpo_minutes: int | None,
    period: Period = "month",
) -> Determination:
    """Flags where the CSP's SLA or recovery commitment cannot meet the BIA's RTO / RPO.

    The SLA check: the provider keeps its SLA while it is down for up to the allowed downtime of
    one measurement period, so one outage may last that long; if that is longer than the RTO,
    the SLA alone cannot meet the RTO (the allowed downtime as in the Ch 3.4 table).
    """
    flags: list[Flag] = []
    notes_zh: list[str] = []
    notes_en: list[str] = []
    citations: list[str] = [BIA_RTO_RPO]
    if sla_percent is not None and rto_minutes is not None:
        percent = Decimal(sla_percent).normalize()
        dt = downtime(percent)
        allowed_seconds = {
            "year": dt.per_year_seconds,
            "month": dt.per_month_seconds,
            "week": dt.per_week_seconds,
        }[period]
        allowed_zh = allowed_downtime_text(percent, period, "zh-TW")
        allowed_en = allowed_downtime_text(percent, period, "en")
        shown = format_percent(percent)
        citations.extend(dt.citations)
        if allowed_seconds > Decimal(rto_minutes) * 60:
            flags.append(
                Flag(
                    "sla_allows_outage_longer_than_rto",
                    "csp_sla_percent",
                    f"SLA {shown} {PERIOD_ZH[period]}容許停機 {allowed_zh}（第3章四），長於 RTO "
                    f"{minutes_text(rto_minutes)}：業者在符合 SLA 下仍可能中斷超過 RTO。",
                    f"An SLA of {shown} allows {allowed_en} of downtime {PERIOD_EN[period]} "
                    f"(Ch 3.4), longer than the RTO of {minutes_text(rto_minutes, 'en')}: the "
                    "provider may be down for longer than the RTO and still meet its SLA.",
                )
            )
        else:
            notes_zh.append(
                f"SLA {shown} {PERIOD_ZH[period]}容許停機 {allowed_zh}（第3章四），不長於 RTO "
                f"{minutes_text(rto_minutes)}。"
            )
            notes_en.append(
                f"An SLA of {shown} allows {allowed_en} of downtime {PERIOD_EN[period]} "
                f"(Ch 3.4), within the RTO of {minutes_text(rto_minutes, 'en')}."
            )
    if csp_rto_minutes is not None and rto_minutes is not None:
        if csp_rto_minutes > rto_minutes:
            flags.append(
                Flag(
                    "csp_rto_exceeds_rto",
                    "csp_rto_minutes",
                    f"業者承諾之復原時間 {minutes_text(csp_rto_minutes)} 長於 RTO "
                    f"{minutes_text(rto_minutes)}。",
                    f"The provider's committed recovery time, "
                    f"{minutes_text(csp_rto_minutes, 'en')}, is longer than the RTO of "
                    f"{minutes_text(rto_minutes, 'en')}.",
                )
            )
        else:
            notes_zh.append(f"業者承諾之復原時間 {minutes_text(csp_rto_minutes)} 符合 RTO。")
            notes_en.append(
                f"The provider's committed recovery time, {minutes_text(csp_rto_minutes, 'en')}, "
                "meets the RTO."
            )
    if csp_rpo_minutes is not None and rpo_minutes is not None:
        if csp_rpo_minutes > rpo_minutes:
            flags.append(
                Flag(
                    "csp_rpo_exceeds_rpo",
                    "csp_rpo_minutes",
                    f"業者承諾之復原時間點 {minutes_text(csp_rpo_minutes)} 長於 RPO "
                    f"{minutes_text(rpo_minutes)}：可能遺失較容許更多之資料。",
                    f"The provider's committed recovery point, "
                    f"{minutes_text(csp_rpo_minutes, 'en')}, is longer than the RPO of "
                    f"{minutes_text(rpo_minutes, 'en')}: more data could be lost than allowed.",
                )
            )
        else:
            notes_zh.append(f"業者承諾之復原時間點 {minutes_text(csp_rpo_minutes)} 符合 RPO。")
            notes_en.append(
                f"The provider's committed recovery point, {minutes_text(csp_rpo_minutes, 'en')}, "
                "meets the RPO."
            )
    unknown = [
        name
        for name, value in (
            ("csp_sla_percent", sla_percent),
            ("csp_rto_minutes", csp_rto_minutes),
            ("csp_rpo_minutes", csp_rpo_minutes),
        )
        if value is None
    ]
    if unknown:
        notes_zh.append(
            "未記錄之業者承諾：" + "、".join(COMMITMENT_LABELS[u][0] for u in unknown) + "。"
        )
        notes_en.append(
            "Provider commitments not recorded: "
            + ", ".join(COMMITMENT_LABELS[u][1] for u in unknown)
            + "."
        )
    outcome: dict[str, JsonValue] = {
        "meets": not flags if not unknown else (False if flags else None),
        "flags": tuple(f.code for f in flags),
        "unknown": tuple(unknown),
    }
    return Determination(
        kind="bia_csp_commitment",
        inputs={
            "rto_minutes": rto_minutes,
            "rpo_minutes": rpo_minutes,
            "csp_sla_percent": None if sla_percent is None else str(sla_percent),
            "csp_rto_minutes": csp_rto_minutes,
            "csp_rpo_minutes": csp_rpo_minutes,
            "period": period,
        },
        outcome=outcome,
        citations=tuple(dict.fromkeys(citations)),
        explanation_zh=(*(f.zh for f in flags), *notes_zh),
        explanation_en=(*(f.en for f in flags), *notes_en),
    )


def csp_flags(determination: Determination) -> list[str]:
    outcome = determination.outcome
    if isinstance(outcome, Mapping):
        flags = outcome.get("flags", [])
        if isinstance(flags, list | tuple):
            return [str(f) for f in flags]
    return []


# -- composite availability of a process over its dependencies ----------------------------------


@dataclass(frozen=True, slots=True)
class Dependency:
    depends_on: str
    kind: Literal["series", "parallel"] = "series"
    group: str = ""  # parallel members of the same redundancy group are alternatives


@dataclass(frozen=True, slots=True)
class ServiceNode:
    key: str
    name: str
    availability_percent: Decimal | None
    dependencies: tuple[Dependency, ...] = ()


class CompositeInputError(ValueError):
    """The graph cannot be evaluated: a cycle, or a service without an availability figure."""

    def __init__(self, code: str, names: tuple[str, ...], zh: str, en: str) -> None:
        super().__init__(en)
        self.code = code
        self.names = names
        self.zh = zh
        self.en = en


def _number(percent: Decimal) -> str:
    return format(Decimal(percent).normalize(), "f")


def composite_expression(root: str, graph: Mapping[str, ServiceNode]) -> str:
    """The ``fincloud.sla.composite`` expression of ``root`` over its dependencies: the node's
    own availability in series with each required dependency, and each redundancy group of
    alternatives in parallel. A dependency shared by several paths is counted on each path
    (independent failures, RULES.md §6), which can only lower the result."""
    missing: list[str] = []

    def build(key: str, path: tuple[str, ...]) -> str:
        if key in path:
            cycle = (*path[path.index(key) :], key)
            names = tuple(graph[k].name if k in graph else k for k in cycle)
            raise CompositeInputError(
                "cycle",
                names,
                "相依關係成環：" + " → ".join(names),
                "The dependencies form a cycle: " + " → ".join(names),
            )
        node = graph.get(key)
        if node is None or node.availability_percent is None:
            missing.append(node.name if node is not None else key)
            own = "100"
        else:
            own = _number(node.availability_percent)
        parts = [own]
        groups: dict[str, list[str]] = {}
        for dep in node.dependencies if node is not None else ():
            inner = build(dep.depends_on, (*path, key))
            if dep.kind == "parallel":
                groups.setdefault(dep.group or dep.depends_on, []).append(inner)
            else:
                parts.append(inner)
        for members in groups.values():
            parts.append(members[0] if len(members) == 1 else "(" + " | ".join(members) + ")")
        return parts[0] if len(parts) == 1 else "(" + " * ".join(parts) + ")"

    expression = build(root, ())
    if missing:
        names = tuple(dict.fromkeys(missing))
        raise CompositeInputError(
            "missing_availability",
            names,
            "下列服務未記錄可用性，無法計算複合可用性：" + "、".join(names),
            "No availability recorded for: "
            + ", ".join(names)
            + "; the composite cannot be computed.",
        )
    return expression


def check_composite(
    *, process: str, root: str, graph: Mapping[str, ServiceNode], target_percent: Decimal
) -> Determination:
    """Is the composite availability of the process's services at least the target?"""
    expression = composite_expression(root, graph)
    result = composite(expression)
    value = result.availability_percent
    target = Decimal(target_percent).normalize()
    below = value < target
    shown, target_shown = format_percent(value.quantize(Decimal("0.0001"))), format_percent(target)
    if below:
        zh = f"「{process}」之相依服務複合可用性 {shown} 低於目標 {target_shown}。"
        en = (
            f"The composite availability of the services behind “{process}”, {shown}, is "
            f"below its target of {target_shown}."
        )
    else:
        zh = f"「{process}」之相依服務複合可用性 {shown} 達到目標 {target_shown}。"
        en = (
            f"The composite availability of the services behind “{process}”, {shown}, meets "
            f"its target of {target_shown}."
        )
    return Determination(
        kind="bia_composite",
        inputs={"process": process, "expression": expression, "target_percent": str(target)},
        outcome={"composite_percent": str(value), "below_target": below},
        citations=(SLA_COMPOSITE, BIA_RESOURCES),
        explanation_zh=(zh, *result.explanation_zh[:1]),
        explanation_en=(en, *result.explanation_en[:1]),
    )


def composite_unavailable(*, process: str, error: CompositeInputError) -> Determination:
    """The composite check's result when the graph cannot be evaluated (a cycle, or a service
    without an availability figure): no verdict, and the reason."""
    return Determination(
        kind="bia_composite",
        inputs={"process": process, "error": error.code, "names": error.names},
        outcome={"composite_percent": None, "below_target": None, "error": error.code},
        citations=(SLA_COMPOSITE, BIA_RESOURCES),
        explanation_zh=(error.zh,),
        explanation_en=(error.en,),
    )
