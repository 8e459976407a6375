"""Composite availability of a business service from its dependency graph (Ch 5.4 basic (b):
SLAs over several tiers considered together), compared with its target and its RTO.

The register keeps the graph (``ServiceDependency``: ``series`` = required, ``parallel`` =
redundant alternatives in the same ``redundancy_group``). Here it becomes an expression of
fincloud.sla.composite (series ``*``, parallel ``|``), which computes it: nothing of the
arithmetic is done twice.

A dependency reached twice along series links (A needs B and C, both need D) is multiplied
once, since D failing is one event. Inside a parallel group each alternative is evaluated on
its own, so a dependency shared by two alternatives counts in each: the result is then
conservative (lower than the truth), and the explanation says so.

Plain Python: no Django.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from fincloud.rules import citations as cit
from fincloud.rules.determination import RULE_VERSION, Determination, JsonValue
from fincloud.sla.composite import Component, Node, Parallel, Series, composite, render
from fincloud.sla.downtime import format_duration, format_percent

KIND: Final = "sla_composite_service"
MAX_DEPTH: Final = 40


@dataclass(frozen=True)
class GraphNode:
    key: int
    name: str
    percent: Decimal | None  # the component's own SLA; None when nobody entered one
    series: tuple[int, ...] = ()
    parallel: tuple[tuple[str, tuple[int, ...]], ...] = ()  # (group, members)


@dataclass(frozen=True)
class Tree:
    node: Node | None  # None when no component has a figure
    components: tuple[str, ...]  # names whose SLA went in, in order
    missing: tuple[str, ...]  # names without an SLA figure (left out, i.e. taken as 100 %)
    shared_in_parallel: bool


class GraphError(ValueError):
    pass


def build_tree(root: int, graph: Mapping[int, GraphNode]) -> Tree:
    components: list[str] = []
    missing: list[str] = []
    shared = False
    counted: set[int] = set()  # every component multiplied in somewhere

    def factors(key: int, in_product: set[int], depth: int) -> list[Node]:
        if depth > MAX_DEPTH:
            raise GraphError(f"dependencies nested deeper than {MAX_DEPTH} (a cycle?)")
        nonlocal shared
        if key in in_product:
            return []  # already multiplied into this series product
        in_product.add(key)
        if key in counted:
            shared = True  # counted again, in another redundant alternative
        counted.add(key)
        node = graph[key]
        out: list[Node] = []
        if node.percent is None:
            if node.name not in missing:
                missing.append(node.name)
        else:
            out.append(Component(node.percent))
            if node.name not in components:
                components.append(node.name)
        for dep in node.series:
            out += factors(dep, in_product, depth + 1)
        for _group, members in node.parallel:
            group = _group_node([factors(m, set(), depth + 1) for m in members])
            if group is not None:
                out.append(group)
        return out

    parts = factors(root, set(), 0)
    tree: Node | None
    if not parts:
        tree = None
    elif len(parts) == 1:
        tree = parts[0]
    else:
        tree = Series(tuple(parts))
    return Tree(tree, tuple(components), tuple(missing), shared)


def _group_node(branches: list[list[Node]]) -> Node | None:
    """Redundant alternatives in parallel. An alternative with no figure at all is unknown and
    not counted as redundancy (taking it as 100 % would hide the whole group)."""
    nodes = [b[0] if len(b) == 1 else Series(tuple(b)) for b in branches if b]
    if not nodes:
        return None
    return nodes[0] if len(nodes) == 1 else Parallel(tuple(nodes))


def assess(
    *,
    name: str,
    tree: Tree,
    target_percent: Decimal | None,
    rto_minutes: int | None,
) -> Determination:
    """The composite availability (by fincloud.sla.composite), whether it reaches the service's
    target, and whether the downtime it allows in a month exceeds the RTO."""
    citations = (cit.SLA_COMPOSITE, cit.SLA_REVIEW, cit.SLA_TABLE)
    inputs: dict[str, JsonValue] = {
        "service": name,
        "components": list(tree.components),
        "missing": list(tree.missing),
        "target_percent": None if target_percent is None else str(target_percent),
        "rto_minutes": rto_minutes,
    }
    zh: list[str] = []
    en: list[str] = []
    if tree.node is None:
        zh.append(
            f"{name}：相依之服務皆無 SLA 數值，無法計算複合可用性；請於契約之 SLA 填入可用性目標。"
        )
        en.append(
            f"{name}: no component has an SLA figure, so no composite availability can be "
            "computed; enter the availability targets from the contracts."
        )
        return Determination(KIND, inputs, None, citations, tuple(zh), tuple(en), RULE_VERSION)
    expression = render(tree.node)
    result = composite(expression)
    percent = result.availability_percent
    per_month = result.downtime.per_month_seconds
    inputs["expression"] = expression
    zh += list(result.explanation_zh)
    en += list(result.explanation_en)
    if tree.shared_in_parallel:
        zh.append("同一相依服務出現於並聯之多個備援路徑，各路徑分別計入，結果偏保守（低於實際）。")
        en.append(
            "A dependency shared by several redundant alternatives is counted in each, so the "
            "result is conservative (lower than the truth)."
        )
    if tree.missing:
        zh.append(
            f"以下元件無 SLA 數值，未計入（視為 100%），結果偏高：{'、'.join(tree.missing)}。"
        )
        en.append(
            "These components have no SLA figure and were left out (taken as 100 %), so the "
            f"result is optimistic: {', '.join(tree.missing)}."
        )
    meets: bool | None = None
    if target_percent is not None:
        meets = percent >= target_percent
        shown = format_percent(percent.quantize(Decimal("0.0001")))
        if meets:
            zh.append(f"複合可用性 {shown} 達到服務之目標 {format_percent(target_percent)}。")
            en.append(
                f"The composite {shown} reaches the service's target "
                f"{format_percent(target_percent)}."
            )
        else:
            zh.append(
                f"複合可用性 {shown} 低於服務之目標 {format_percent(target_percent)}："
                "相依服務之 SLA 合計無法支持此目標（第5章四基本項目 (b)）。"
            )
            en.append(
                f"The composite {shown} is below the service's target "
                f"{format_percent(target_percent)}: the dependencies' SLAs together cannot "
                "support it (Ch 5.4 basic (b))."
            )
    exceeds_rto: bool | None = None
    if rto_minutes is not None:
        exceeds_rto = per_month > Decimal(rto_minutes) * 60
        allowed_zh = format_duration(per_month, "zh-TW")
        allowed_en = format_duration(per_month, "en")
        if exceeds_rto:
            zh.append(
                f"依此複合可用性，每月容許停機 {allowed_zh}，可能為一次連續中斷，超過 RTO "
                f"{rto_minutes} 分鐘：SLA 未保證於 RTO 內恢復。"
            )
            en.append(
                f"At this availability the SLAs allow {allowed_en} of downtime a month, "
                f"possibly in one stretch, longer than the RTO of {rto_minutes} minutes: they "
                "do not guarantee recovery within the RTO."
            )
        else:
            zh.append(f"每月容許停機 {allowed_zh}，未超過 RTO {rto_minutes} 分鐘。")
            en.append(
                f"The SLAs allow {allowed_en} of downtime a month, within the RTO of "
                f"{rto_minutes} minutes."
            )
    outcome: dict[str, JsonValue] = {
        "availability_percent": str(percent),
        "per_month_seconds": str(per_month),
        "meets_target": meets,
        "allowed_downtime_exceeds_rto": exceeds_rto,
        "incomplete": bool(tree.missing),
    }
    return Determination(KIND, inputs, outcome, citations, tuple(zh), tuple(en), RULE_VERSION)
