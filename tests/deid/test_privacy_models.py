"""Privacy models, their parameters, and the distances and estimators behind them."""

from __future__ import annotations

import math
import re

import numpy as np
import polars as pl
import pytest

from fincloud.deid.hierarchy import Hierarchy, interval_hierarchy
from fincloud.deid.privacy.encoding import encode_table
from fincloud.deid.privacy.metrics import MetricError, parse_metric
from fincloud.deid.privacy.models import (
    ClassStatistics,
    DistinctLDiversity,
    EntropyLDiversity,
    KAnonymity,
    ModelError,
    SensitiveContext,
    TCloseness,
    build_tree,
    classes_fulfilling,
    grassberger_g,
    parse_model,
)
from fincloud.deid.privacy.search import PrivacySearch
from fincloud.deid.privacy.transform import anonymise, suppression_mask


def test_parse_models_and_their_ranges() -> None:
    assert parse_model("k_anonymity:k=5") == KAnonymity(5)
    assert parse_model("distinct_l_diversity:l=3") == DistinctLDiversity(3)
    assert parse_model("entropy_l_diversity:l=5") == EntropyLDiversity(5.0, "shannon")
    assert parse_model("entropy_l_diversity:l=2.5:estimator=grassberger") == EntropyLDiversity(
        2.5, "grassberger"
    )
    assert parse_model("ordered_t_closeness:t=0.2") == TCloseness(0.2, "ordered")
    assert parse_model("hierarchical_t_closeness:t=1") == TCloseness(1.0, "hierarchical")
    for bad, needle in [
        ("k_anonymity:k=0", "k must be an integer >= 1"),
        ("k_anonymity:k=2.5", "integer"),
        ("k_anonymity", "'k' is required"),
        ("k_anonymity:q=2", "unknown parameter 'q'"),
        ("equal_t_closeness:t=0", "(0, 1]"),
        ("equal_t_closeness:t=1.01", "(0, 1]"),
        ("entropy_l_diversity:l=0.5", "l must be >= 1"),
        ("entropy_l_diversity:l=3:estimator=miller", "shannon or grassberger"),
        ("delta_presence:d=0.5", "unknown privacy model"),
    ]:
        with pytest.raises(ModelError, match=re.escape(needle)):
            parse_model(bad)


def test_parse_metrics() -> None:
    assert parse_metric("non_uniform_entropy:monotonic").monotonic
    assert not parse_metric("discernability").monotonic
    assert parse_metric("discernability:monotonic").describe() == "discernability:monotonic"
    with pytest.raises(MetricError, match="unknown metric"):
        parse_metric("loss:monotonic")


def test_grassberger_g_matches_the_published_values() -> None:
    # G(n) = psi(n) + (-1)^n (psi((n+1)/2) - psi(n/2)) / 2 (Grassberger 2003); the values ARX
    # ships for n = 1, 2, 100, and G(2k+1) = G(2k).
    assert grassberger_g(1) == pytest.approx(-1.2703628454614782, abs=1e-14)
    assert grassberger_g(2) == pytest.approx(0.7296371545385218, abs=1e-14)
    assert grassberger_g(100) == pytest.approx(4.605186851488337, abs=1e-13)
    assert grassberger_g(3) == grassberger_g(2)
    assert grassberger_g(99) == grassberger_g(98)
    # Beyond 100 the asymptotic series ARX uses; close to log(n) from above.
    assert 0 < grassberger_g(1000) - math.log(1000) < 1e-6


def _stats(classes: list[list[int]]) -> ClassStatistics:
    """Classes given as lists of sensitive codes."""
    pair_class, pair_value, pair_count = [], [], []
    for index, values in enumerate(classes):
        for value in sorted(set(values)):
            pair_class.append(index)
            pair_value.append(value)
            pair_count.append(values.count(value))
    return ClassStatistics(
        np.array([len(c) for c in classes], dtype=np.int64),
        np.array(pair_class, dtype=np.int64),
        np.array(pair_value, dtype=np.int64),
        np.array(pair_count, dtype=np.int64),
    )


def _context(classes: list[list[int]], size: int) -> SensitiveContext:
    everything = [v for c in classes for v in c]
    counts = np.bincount(np.array(everything), minlength=size).astype(np.int64)
    return SensitiveContext(len(everything), counts)


def test_grassberger_entropy_l_diversity_is_not_monotone_under_merging() -> None:
    # Two classes {a,b,c,d} are each 4-diverse under Grassberger's estimator; merged they are
    # not, so the search must not prune on it (ARX does). Shannon entropy is concave: merging
    # keeps diversity (3.9 rather than 4: uniform over exactly l values is ARX's boundary case).
    model = EntropyLDiversity(4.0, "grassberger")
    separate = _stats([[0, 1, 2, 3], [0, 1, 2, 3]])
    merged = _stats([[0, 0, 1, 1, 2, 2, 3, 3]])
    context = _context([[0, 1, 2, 3], [0, 1, 2, 3]], 4)
    assert classes_fulfilling([model], separate, context).all()
    assert not classes_fulfilling([model], merged, context).any()
    assert not model.monotone_with_generalisation
    shannon = EntropyLDiversity(3.9, "shannon")
    assert classes_fulfilling([shannon], separate, context).all()
    assert classes_fulfilling([shannon], merged, context).all()
    assert shannon.monotone_with_generalisation


def test_distinct_l_diversity_needs_l_values_and_l_records() -> None:
    stats = _stats([[0, 1], [0, 1, 1], [0, 0, 0]])
    context = _context([[0, 1], [0, 1, 1], [0, 0, 0]], 2)
    assert classes_fulfilling([DistinctLDiversity(2)], stats, context).tolist() == [
        True,
        True,
        False,
    ]
    assert classes_fulfilling([DistinctLDiversity(3)], stats, context).tolist() == [
        False,
        False,
        False,
    ]


def test_ordered_distance_reproduces_the_t_closeness_paper() -> None:
    # Li, Li and Venkatasubramanian (2007), salaries 3k..11k, one record each: the class
    # {3k, 4k, 5k} is at 0.375 from the table, {6k, 8k, 11k} at 0.167.
    table = [list(range(9))]
    context = _context(table, 9)
    low = _stats([[0, 1, 2]])
    spread = _stats([[3, 5, 8]])
    model = TCloseness(0.375, "ordered")
    assert classes_fulfilling([model], low, context).all()
    assert not classes_fulfilling([TCloseness(0.374, "ordered")], low, context).any()
    assert classes_fulfilling([TCloseness(0.167, "ordered")], spread, context).all()
    assert not classes_fulfilling([TCloseness(0.166, "ordered")], spread, context).any()


def test_equal_distance_is_half_the_l1_distance() -> None:
    # Table: values 0, 0, 1, 1 (half each); the class {0} is at distance 1/2, {0, 1} at 0.
    context = SensitiveContext(4, np.array([2, 2], dtype=np.int64))
    stats = _stats([[0], [0, 1]])
    assert classes_fulfilling([TCloseness(0.5, "equal")], stats, context).tolist() == [True, True]
    assert classes_fulfilling([TCloseness(0.49, "equal")], stats, context).tolist() == [
        False,
        True,
    ]


def test_hierarchical_distance_uses_the_height_of_the_lowest_common_ancestor() -> None:
    # Leaves a, b under x; c, d under y; everything under *. Table uniform over a, b, c, d.
    # Level codes of the rows (a, x, *), (b, x, *), (c, y, *), (d, y, *).
    codes = [np.array([0, 1, 2, 3]), np.array([0, 0, 1, 1]), np.array([0, 0, 0, 0])]
    tree = build_tree(codes, np.array([0, 1, 2, 3]))
    context = SensitiveContext(4, np.array([1, 1, 1, 1], dtype=np.int64), tree)
    # A class {a, a}: to reach the table, 1/4 of the mass moves a->b inside x (distance 1/2)
    # and 1/2 moves across the root to c and d (distance 1): 1/8 + 1/2 = 0.625.
    only_a = _stats([[0, 0]])
    assert classes_fulfilling([TCloseness(0.625, "hierarchical")], only_a, context).all()
    assert not classes_fulfilling([TCloseness(0.62, "hierarchical")], only_a, context).any()
    # A class {a, b}: all mass must cross the root for c and d: 1/2 at distance 1.
    pair = _stats([[0, 1]])
    assert classes_fulfilling([TCloseness(0.5, "hierarchical")], pair, context).all()
    assert not classes_fulfilling([TCloseness(0.49, "hierarchical")], pair, context).any()


def _people() -> tuple[pl.DataFrame, dict[str, Hierarchy]]:
    ages = [str(a) for a in (21, 22, 23, 24, 31, 33, 35, 38, 39, 52)]
    frame = pl.DataFrame(
        {
            "age": ages,
            "zip": ["100", "100", "101", "101", "100", "100", "101", "101", "101", "100"],
            "disease": [
                "flu",
                "cold",
                "flu",
                "ulcer",
                "flu",
                "flu",
                "cold",
                "ulcer",
                "flu",
                "cold",
            ],
        }
    )
    hierarchies = {
        "age": interval_hierarchy(ages, [10, 20]),
        "zip": Hierarchy((("100", "10*", "*"), ("101", "10*", "*"))),
    }
    return frame, hierarchies


def test_anonymise_masks_exactly_the_failing_classes() -> None:
    frame, hierarchies = _people()
    result = anonymise(frame, hierarchies, ["k_anonymity:k=2"], suppression=0.1, metric="height")
    assert result.result.transformation == (1, 0)  # decades, zip kept
    # The 50-59 record is alone in its class and is the one record suppressed.
    assert result.suppressed_records == 1
    starred = result.frame.filter(pl.col("age") == "*")
    assert starred.get_column("zip").to_list() == ["*"]
    assert set(result.frame.get_column("age").to_list()) == {"20-29", "30-39", "*"}
    dropped = anonymise(
        frame, hierarchies, ["k_anonymity:k=2"], suppression=0.1, metric="height", suppressed="drop"
    )
    assert dropped.frame.height == 9


def test_suppression_mask_for_known_levels() -> None:
    frame, hierarchies = _people()
    mask = suppression_mask(frame, hierarchies, {"age": 1, "zip": 0}, ["k_anonymity:k=2"])
    assert mask.tolist() == [False] * 9 + [True]
    mask = suppression_mask(
        frame,
        hierarchies,
        {"age": 1, "zip": 1},
        ["distinct_l_diversity:l=2"],
        sensitive="disease",
    )
    # Classes by decade: 20s (flu, cold, flu, ulcer) and 30s (flu, flu, cold, ulcer, flu) are
    # diverse; the 50s record alone is not.
    assert mask.tolist() == [False] * 9 + [True]


def test_models_needing_a_sensitive_attribute_say_so() -> None:
    frame, hierarchies = _people()
    table = encode_table(frame, hierarchies)
    with pytest.raises(ModelError, match="needs a sensitive attribute"):
        PrivacySearch(
            table, [EntropyLDiversity(2.0)], suppression=0.0, metric=parse_metric("height")
        )
    table = encode_table(frame, hierarchies, sensitive="disease")
    with pytest.raises(ModelError, match="needs a hierarchy"):
        PrivacySearch(
            table, [TCloseness(0.2, "hierarchical")], suppression=0.0, metric=parse_metric("loss")
        )
