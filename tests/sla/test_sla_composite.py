"""Composite availability (Ch 5.4 basic (b)): parser, arithmetic and its properties."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fincloud.sla import SlaError
from fincloud.sla.composite import (
    Component,
    Parallel,
    Series,
    availability,
    composite,
    parse,
    render,
)


def test_the_issue_example() -> None:
    # 0.999 x (1 - 0.0005^2) = 0.999 x 0.99999975
    result = composite("99.9 * (99.95 | 99.95)")
    assert result.availability_percent == Decimal("99.899975025")
    assert result.to_json()["per_year_seconds"] == pytest.approx(31543.876116)
    assert set(result.to_json()) == {
        "availability_percent",
        "per_year_seconds",
        "per_month_seconds",
        "per_week_seconds",
    }
    assert "ch5.4.basic.b" in result.citations


def test_series_multiplies_and_parallel_is_one_minus_the_product_of_failures() -> None:
    assert composite("99 * 99").availability_percent == Decimal("98.01")
    assert composite("99 | 99").availability_percent == Decimal("99.99")
    assert composite("90%|90%|90%").availability_percent == Decimal("99.9")
    assert composite("100 * 99.95").availability_percent == Decimal("99.95")


def test_star_binds_tighter_than_bar() -> None:
    assert parse("99 * 98 | 97") == Parallel(
        (Series((Component(Decimal(99)), Component(Decimal(98)))), Component(Decimal(97)))
    )
    assert (
        composite("99 * 98 | 97").availability_percent
        == composite("(99 * 98) | 97").availability_percent
    )


@pytest.mark.parametrize(
    ("expression", "column", "rule"),
    [
        ("", 1, "empty expression"),
        ("99.9 *", 7, "expected a number or '('"),
        ("99.9 * (99.95 | )", 17, "expected a number or '('"),
        ("99.9 * (99.95 | 99", 19, "expected ')' to close the '(' at column 8"),
        ("99.9 ** 3", 7, "expected a number or '('"),
        ("99.9 99", 6, "expected '*', '|' or the end"),
        ("99.9)", 5, "unmatched ')'"),
        ("99.9 * 120", 8, "(0, 100]"),
        ("0 | 99", 1, "(0, 100]"),
        ("99.9 + 99", 6, "expected '*', '|' or the end"),
    ],
)
def test_malformed_expression_is_rejected_with_the_column(
    expression: str, column: int, rule: str
) -> None:
    with pytest.raises(SlaError) as info:
        parse(expression)
    assert info.value.where == f"EXPR column {column}"
    assert rule in info.value.rule_en


# -- properties --------------------------------------------------------------------------------

percents = st.decimals(
    min_value=Decimal("0.001"), max_value=Decimal(100), places=3, allow_nan=False
)
component_lists = st.lists(percents, min_size=1, max_size=8)


def expr(values: list[Decimal], op: str) -> str:
    return f" {op} ".join(format(v, "f") for v in values)


@given(component_lists)
def test_series_is_never_above_its_worst_component(values: list[Decimal]) -> None:
    assert composite(expr(values, "*")).availability_percent <= min(values)


@given(component_lists)
def test_parallel_is_never_below_its_best_component(values: list[Decimal]) -> None:
    assert composite(expr(values, "|")).availability_percent >= max(values)


@given(component_lists, st.randoms(use_true_random=False), st.sampled_from(["*", "|"]))
def test_order_of_components_is_irrelevant(values: list[Decimal], rnd: object, op: str) -> None:
    shuffled = list(values)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert (
        composite(expr(values, op)).availability_percent
        == composite(expr(shuffled, op)).availability_percent
    )


trees = st.recursive(
    percents.map(Component),
    lambda children: st.one_of(
        st.lists(children, min_size=2, max_size=3).map(lambda p: Series(tuple(p))),
        st.lists(children, min_size=2, max_size=3).map(lambda p: Parallel(tuple(p))),
    ),
    max_leaves=8,
)


@given(trees)
def test_any_tree_lies_in_zero_to_one_and_survives_a_round_trip(tree: object) -> None:
    value = availability(tree)  # type: ignore[arg-type]
    assert 0 < value <= 1
    assert availability(parse(render(tree))) == value  # type: ignore[arg-type]


def test_deep_nesting_is_refused_with_a_position_not_a_crash() -> None:
    with pytest.raises(SlaError) as info:
        parse("(" * 5000 + "99" + ")" * 5000)
    assert info.value.where == "EXPR column 51"
    assert "nested deeper than 50" in info.value.rule_en
    assert availability(parse("(" * 50 + "99" + ")" * 50)) == Decimal("0.99")
