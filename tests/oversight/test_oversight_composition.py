"""Composite availability of a business service from the dependency graph (Ch 5.4 basic (b)),
against its target and RTO; the arithmetic is fincloud.sla.composite's."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fincloud.oversight import composition as comp
from fincloud.sla.composite import availability


def node(
    key: int, percent: str | None, series: tuple[int, ...] = (), parallel: tuple = ()
) -> comp.GraphNode:
    return comp.GraphNode(key, f"s{key}", D(percent) if percent else None, series, parallel)


def value(tree: comp.Tree) -> D:
    assert tree.node is not None
    return availability(tree.node) * 100


def test_series_multiplies() -> None:
    graph = {1: node(1, "99.9", series=(2,)), 2: node(2, "99.9")}
    assert value(comp.build_tree(1, graph)) == D("99.8001")


def test_a_redundant_pair_in_parallel() -> None:
    graph = {
        1: node(1, "99.99", parallel=(("db", (2, 3)),)),
        2: node(2, "99.9"),
        3: node(3, "99.9"),
    }
    # 99.99 % x (1 - 0.001^2)
    assert value(comp.build_tree(1, graph)) == D("99.99") * (1 - D("0.001") ** 2)


def test_a_dependency_reached_twice_in_series_counts_once() -> None:
    graph = {
        1: node(1, "99.9", series=(2, 3)),
        2: node(2, "99.9", series=(4,)),
        3: node(3, "99.9", series=(4,)),
        4: node(4, "99.9"),
    }
    tree = comp.build_tree(1, graph)
    assert value(tree) == D("99.9") ** 4 / D(100) ** 3
    assert not tree.shared_in_parallel


def test_a_dependency_shared_by_alternatives_is_flagged_conservative() -> None:
    graph = {
        1: node(1, "99.9", parallel=(("g", (2, 3)),)),
        2: node(2, "99.9", series=(4,)),
        3: node(3, "99.9", series=(4,)),
        4: node(4, "99.5"),
    }
    tree = comp.build_tree(1, graph)
    assert tree.shared_in_parallel
    det = comp.assess(name="s1", tree=tree, target_percent=None, rto_minutes=None)
    assert any("conservative" in line for line in det.explanation_en)


def test_missing_figures_are_named_and_make_the_result_incomplete() -> None:
    graph = {1: node(1, "99.95", series=(2,)), 2: node(2, None)}
    tree = comp.build_tree(1, graph)
    assert tree.missing == ("s2",)
    det = comp.assess(name="s1", tree=tree, target_percent=D("99.95"), rto_minutes=None)
    assert det.outcome["incomplete"] is True
    assert any("s2" in line for line in det.explanation_en)


def test_nothing_known_gives_no_result() -> None:
    det = comp.assess(
        name="s1", tree=comp.build_tree(1, {1: node(1, None)}), target_percent=None, rto_minutes=60
    )
    assert det.outcome is None


def test_compared_with_the_target_and_the_rto_using_the_manuals_month() -> None:
    # Ch 3.4 table: 99.9 % allows 43.2 minutes a (30-day) month.
    graph = {1: node(1, "99.9")}
    tree = comp.build_tree(1, graph)
    short_rto = comp.assess(name="s1", tree=tree, target_percent=D("99.95"), rto_minutes=30)
    assert short_rto.outcome["meets_target"] is False
    assert short_rto.outcome["allowed_downtime_exceeds_rto"] is True
    assert D(short_rto.outcome["per_month_seconds"]) == D("2592")  # 43.2 minutes
    long_rto = comp.assess(name="s1", tree=tree, target_percent=D("99.9"), rto_minutes=44)
    assert long_rto.outcome["meets_target"] is True
    assert long_rto.outcome["allowed_downtime_exceeds_rto"] is False
    assert "ch5.4.basic.b" in long_rto.citations


def test_a_cycle_is_refused_not_a_recursion_error() -> None:
    graph = {1: node(1, "99", parallel=(("g", (2,)),)), 2: node(2, "99", parallel=(("g", (1,)),))}
    with pytest.raises(comp.GraphError):
        comp.build_tree(1, graph)


PERCENT = st.decimals(min_value=D("90"), max_value=D("100"), places=3)


@given(own=PERCENT, deps=st.lists(PERCENT, min_size=1, max_size=5))
def test_series_is_never_above_its_worst_part_and_parallel_never_below_its_best(
    own: D, deps: list[D]
) -> None:
    series = {1: node(1, str(own), series=tuple(range(2, 2 + len(deps))))}
    parallel = {1: node(1, "100", parallel=(("g", tuple(range(2, 2 + len(deps)))),))}
    for index, percent in enumerate(deps, 2):
        series[index] = node(index, str(percent))
        parallel[index] = node(index, str(percent))
    assert value(comp.build_tree(1, series)) <= min([own, *deps])
    assert value(comp.build_tree(1, parallel)) >= max(deps)
