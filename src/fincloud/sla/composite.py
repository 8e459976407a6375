"""Composite availability (Ch 5.4 basic (b)): components in series and in parallel.

Ch 5.4 (b) asks to consider the SLA of several tiers or services together but gives no formula;
ours is the standard one for independent failures (RULES.md §6): components in series multiply,
redundant components in parallel give 1 - prod(1 - a_i).

Grammar (numbers are percents, an optional '%' after each):
    expr     := series ('|' series)*
    series   := operand ('*' operand)*
    operand  := NUMBER ['%'] | '(' expr ')'
so `*` binds tighter than `|`, as AND binds tighter than OR: "99.9 * 99.9 | 99" is
"(99.9 * 99.9) | 99". Parentheses make the intent plain.

All arithmetic is decimal with 100 significant digits, enough to be exact for any expression a
person writes (products of a few dozen short percents), so the order of the components never
changes the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Final

from fincloud.rules import citations as cit
from fincloud.rules.determination import RULE_VERSION, Determination, JsonValue
from fincloud.sla.downtime import HUNDRED, Downtime, SlaError, downtime, format_percent

_CONTEXT: Final = Context(prec=100)
_ONE: Final = Decimal(1)
_NUMBER: Final = re.compile(r"\d+(?:\.\d*)?|\.\d+")
MAX_DEPTH: Final = 50  # parentheses nested deeper than this are refused, not a RecursionError


@dataclass(frozen=True, slots=True)
class Component:
    percent: Decimal


@dataclass(frozen=True, slots=True)
class Series:
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Parallel:
    parts: tuple[Node, ...]


Node = Component | Series | Parallel


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.depth = 0

    def error(self, rule_en: str, rule_zh: str, pos: int | None = None) -> SlaError:
        column = (self.pos if pos is None else pos) + 1
        return SlaError(f"EXPR column {column}", rule_en, rule_zh)

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos].isspace():
            self.pos += 1

    def peek(self) -> str:
        self.skip()
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def found(self) -> tuple[str, str]:
        char = self.peek()
        if not char:
            return "the end of the expression", "運算式結尾"
        return repr(char), repr(char)

    def parse(self) -> Node:
        if not self.text.strip():
            raise self.error(
                "empty expression: expected a number or '('", "運算式為空：須為數字或 '('"
            )
        node = self.expr()
        if self.peek():
            char = self.peek()
            if char == ")":
                raise self.error("unmatched ')'", "多餘的 ')'")
            raise self.error(
                f"expected '*', '|' or the end, found {char!r}",
                f"須為 '*'、'|' 或結尾，收到 {char!r}",
            )
        return node

    def expr(self) -> Node:
        parts = [self.series()]
        while self.peek() == "|":
            self.pos += 1
            parts.append(self.series())
        return parts[0] if len(parts) == 1 else Parallel(tuple(parts))

    def series(self) -> Node:
        parts = [self.operand()]
        while self.peek() == "*":
            self.pos += 1
            parts.append(self.operand())
        return parts[0] if len(parts) == 1 else Series(tuple(parts))

    def operand(self) -> Node:
        char = self.peek()
        if char == "(":
            opened = self.pos
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.error(
                    f"parentheses nested deeper than {MAX_DEPTH}",
                    f"括號巢狀超過 {MAX_DEPTH} 層",
                )
            self.pos += 1
            node = self.expr()
            self.depth -= 1
            if self.peek() != ")":
                found_en, found_zh = self.found()
                raise self.error(
                    f"expected ')' to close the '(' at column {opened + 1}, found {found_en}",
                    f"須以 ')' 結束第 {opened + 1} 欄之 '('，收到 {found_zh}",
                )
            self.pos += 1
            return node
        match = _NUMBER.match(self.text, self.pos)
        if match is None:
            found_en, found_zh = self.found()
            raise self.error(
                f"expected a number or '(', found {found_en}",
                f"須為數字或 '('，收到 {found_zh}",
            )
        start = self.pos
        self.pos = match.end()
        if self.pos < len(self.text) and self.text[self.pos] == "%":
            self.pos += 1
        value = Decimal(match.group())
        if value <= 0 or value > HUNDRED:
            raise self.error(
                f"availability must be a percentage in (0, 100], got {match.group()}",
                f"可用性須為 (0, 100] 之百分比，收到 {match.group()}",
                start,
            )
        return Component(value)


def parse(expression: str) -> Node:
    """Parse an expression; SlaError names the column of the first fault."""
    return _Parser(expression).parse()


def availability(node: Node) -> Decimal:
    """The availability of a node as a fraction in (0, 1]."""
    if isinstance(node, Component):
        return _CONTEXT.divide(node.percent, HUNDRED)
    values = [availability(part) for part in node.parts]
    if isinstance(node, Series):
        result = _ONE
        for value in values:
            result = _CONTEXT.multiply(result, value)
        return result
    unavailable = _ONE
    for value in values:
        unavailable = _CONTEXT.multiply(unavailable, _CONTEXT.subtract(_ONE, value))
    return _CONTEXT.subtract(_ONE, unavailable)


def render(node: Node) -> str:
    """The expression back as text, fully parenthesised."""
    if isinstance(node, Component):
        return format(node.percent.normalize(), "f")
    joiner = " * " if isinstance(node, Series) else " | "
    return "(" + joiner.join(render(part) for part in node.parts) + ")"


@dataclass(frozen=True, slots=True)
class CompositeResult:
    expression: str
    tree: Node
    downtime: Downtime
    citations: tuple[str, ...]
    explanation_zh: tuple[str, ...]
    explanation_en: tuple[str, ...]
    rule_version: str = RULE_VERSION

    @property
    def availability_percent(self) -> Decimal:
        return self.downtime.availability_percent

    def to_json(self) -> dict[str, JsonValue]:
        """The keys `fincloud sla composite --format json` prints."""
        return self.downtime.to_json()

    def determination(self) -> Determination:
        return Determination(
            kind="sla_composite",
            inputs={"expression": self.expression},
            outcome={k: str(v) for k, v in self.to_json().items()},
            citations=self.citations,
            explanation_zh=self.explanation_zh,
            explanation_en=self.explanation_en,
            rule_version=self.rule_version,
        )


def composite(expression: str) -> CompositeResult:
    """Parse and evaluate; availability in percent, with the downtime it allows."""
    tree = parse(expression)
    percent = _CONTEXT.multiply(availability(tree), HUNDRED).normalize(_CONTEXT)
    dt = downtime(percent)
    shown = format_percent(percent)
    zh = (
        f"複合可用性 {render(tree)} = {shown}：串聯（*）元件相乘，並聯（|）為 1 − Π(1 − aᵢ)，"
        "假設各元件獨立失效（第5章四基本項目 (b) 未訂公式，本系統採通用公式）。",
        *dt.explanation_zh,
    )
    en = (
        f"Composite availability {render(tree)} = {shown}: components in series (*) multiply, "
        "in parallel (|) give 1 - prod(1 - a_i), assuming independent failures (Ch 5.4 basic "
        "(b) gives no formula; this is the standard one).",
        *dt.explanation_en,
    )
    return CompositeResult(
        expression=expression,
        tree=tree,
        downtime=dt,
        citations=(cit.SLA_COMPOSITE, *dt.citations),
        explanation_zh=zh,
        explanation_en=en,
    )
