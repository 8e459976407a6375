"""The search against a plain restatement of ARX's definitions, on random small tables.

The oracle below computes, for every transformation of the lattice, the equivalence classes with
Python dictionaries, applies the privacy models and the metric straight from their definitions
(ARX's formulas, one loop at a time) and takes the minimum. The vectorised search must find a
transformation with exactly that minimal loss which satisfies the models, or report that none
does exactly when the oracle finds none.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Sequence

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fincloud.deid.hierarchy import Hierarchy
from fincloud.deid.privacy.encoding import encode_table
from fincloud.deid.privacy.metrics import METRIC_CHOICES, parse_metric
from fincloud.deid.privacy.models import (
    DistinctLDiversity,
    EntropyLDiversity,
    KAnonymity,
    PrivacyModel,
    TCloseness,
    grassberger_g,
)
from fincloud.deid.privacy.search import PrivacySearch

# --- small hierarchies --------------------------------------------------------------------------

# Values 0..7: exact, pairs, quads, all. Letters a..f: exact, vowel/consonant, all.
# Thresholds t have four decimals: no class of these tables can sit exactly on them.
NUMBERS = Hierarchy(
    tuple(
        (str(v), f"{v // 2 * 2}-{v // 2 * 2 + 1}", "0-3" if v < 4 else "4-7", "*") for v in range(8)
    )
)
LETTERS = Hierarchy(tuple((c, "vowel" if c in "ae" else "consonant", "*") for c in "abcdef"))
COLOURS = Hierarchy(
    (("red", "warm", "*"), ("orange", "warm", "*"), ("blue", "cold", "*"), ("green", "cold", "*"))
)
SENSITIVE = Hierarchy(
    (
        ("flu", "respiratory", "*"),
        ("cold", "respiratory", "*"),
        ("ulcer", "digestive", "*"),
        ("gastritis", "digestive", "*"),
        ("none", "none", "*"),
    )
)
QI_HIERARCHIES = {"num": NUMBERS, "letter": LETTERS, "colour": COLOURS}


# --- the oracle ---------------------------------------------------------------------------------


def _psi(n: int, estimator: str) -> float:
    return math.log(n) if estimator == "shannon" else grassberger_g(n)


def _passes(  # noqa: PLR0911 - one return per model
    model: PrivacyModel, values: list[str], overall: Counter[str], order: list[str]
) -> bool:
    n = len(values)
    counts = Counter(values)
    if isinstance(model, KAnonymity):
        return n >= model.k
    if isinstance(model, DistinctLDiversity):
        return n >= model.l and len(counts) >= model.l
    if isinstance(model, EntropyLDiversity):
        need = math.ceil(model.l)
        if n < need or len(counts) < need:
            return False
        total = sum(f * _psi(f, model.estimator) for f in counts.values())
        return not n * (_psi(n, model.estimator) - math.log(model.l)) < total
    assert isinstance(model, TCloseness)
    size = sum(overall.values())
    p = {v: overall[v] / size for v in order}
    q = {v: counts.get(v, 0) / n for v in order}
    if model.distance == "equal":
        return 0.5 * sum(abs(p[v] - q[v]) for v in order) <= model.t
    if model.distance == "ordered":
        running, distance = 0.0, 0.0
        for v in order:
            running += q[v] - p[v]
            distance += abs(running)
        return distance / (len(order) - 1) <= model.t
    # Hierarchical: walk the tree level by level, cost = level/height * min(positive, negative).
    height = SENSITIVE.height - 1
    extra = {v: p[v] - q[v] for v in order}
    cost = 0.0
    for level in range(1, SENSITIVE.height):
        children: dict[str, dict[str, float]] = defaultdict(dict)
        for row in SENSITIVE.rows:
            if row[0] in extra or level > 1:
                children[row[level]][row[level - 1]] = extra.get(row[level - 1], 0.0)
        nxt = {}
        for node, kids in children.items():
            positive = sum(e for e in kids.values() if e > 0)
            negative = -sum(e for e in kids.values() if e < 0)
            cost += level / height * min(positive, negative)
            nxt[node] = positive - negative
        extra = nxt
    return cost <= model.t


def _entropy(column: list[str], hierarchy: Hierarchy, level: int) -> float:
    original = Counter(column)
    generalised = Counter(hierarchy.generalise(v, level) for v in column)
    return -sum(
        c * math.log2(c / generalised[hierarchy.generalise(v, level)]) for v, c in original.items()
    )


def _floor10(value: float) -> float:
    return math.floor(value * 1e10) / 1e10


def _oracle_loss(  # noqa: PLR0917 - the oracle's inputs, in the order they are derived
    metric: str,
    rows: list[dict[str, str]],
    qis: Sequence[str],
    levels: Sequence[int],
    classes: dict[tuple[str, ...], list[int]],
    suppressed: set[tuple[str, ...]],
) -> float:
    n = len(rows)
    name, _, variant = metric.partition(":")
    kept = sum(len(m) for k, m in classes.items() if k not in suppressed)
    s = n - kept
    if name == "height":
        return float(sum(levels))
    if name == "discernability":
        if variant == "monotonic":
            return float(sum(len(m) ** 2 for m in classes.values()))
        return float(
            sum(len(m) ** 2 if k not in suppressed else n * len(m) for k, m in classes.items())
        )
    if name == "precision":
        return sum(
            (kept * (lv / (QI_HIERARCHIES[q].height - 1)) + s) / n
            for q, lv in zip(qis, levels, strict=True)
        ) / len(qis)
    if name == "loss":
        product = 1.0
        for j, (q, lv) in enumerate(zip(qis, levels, strict=True)):
            h = QI_HIERARCHIES[q]
            domain = len(h.rows)
            share = Counter(h.level(lv))
            raw = s + sum(
                len(m) * share[key[j]] / domain
                for key, m in classes.items()
                if key not in suppressed
            )
            low = n / domain
            product *= (_floor10(max((raw - low) / (n - low), 0.0)) + 1) ** (1 / len(qis))
        return product - 1
    total = 0.0
    for j, (q, lv) in enumerate(zip(qis, levels, strict=True)):
        value = _entropy([r[q] for r in rows], QI_HIERARCHIES[q], lv)
        if variant != "monotonic" and s:
            groups = Counter()
            for key in suppressed:
                groups[key[j]] += len(classes[key])
            value -= sum(c * math.log2(c / s) for c in groups.values())
        total += _floor10(value) if value else 0.0
    return total


def _oracle(
    rows: list[dict[str, str]],
    qis: Sequence[str],
    models: Sequence[PrivacyModel],
    suppression: float,
    metric: str,
) -> tuple[float, list[tuple[int, ...]]] | None:
    """(minimal loss, every transformation reaching it) or None if nothing is acceptable."""
    limit = math.floor(suppression * len(rows))
    overall = Counter(r["disease"] for r in rows)
    order = sorted(overall)
    found: list[tuple[float, tuple[int, ...]]] = []
    for levels in itertools.product(*(range(QI_HIERARCHIES[q].height) for q in qis)):
        classes: dict[tuple[str, ...], list[int]] = defaultdict(list)
        for i, r in enumerate(rows):
            key = tuple(
                QI_HIERARCHIES[q].generalise(r[q], lv) for q, lv in zip(qis, levels, strict=True)
            )
            classes[key].append(i)
        failing = {
            key
            for key, members in classes.items()
            if not all(
                _passes(m, [rows[i]["disease"] for i in members], overall, order) for m in models
            )
        }
        if sum(len(classes[k]) for k in failing) > limit:
            continue
        found.append((_oracle_loss(metric, rows, qis, levels, classes, failing), levels))
    if not found:
        return None
    best = min(loss for loss, _ in found)
    return best, [lv for loss, lv in found if math.isclose(loss, best, rel_tol=1e-9, abs_tol=1e-12)]


# --- strategies ---------------------------------------------------------------------------------

MODEL_SETS: list[list[PrivacyModel]] = [
    [KAnonymity(2)],
    [KAnonymity(4)],
    [DistinctLDiversity(2)],
    [EntropyLDiversity(1.8)],
    [EntropyLDiversity(2.3, "grassberger")],
    [TCloseness(0.3317, "equal")],
    [TCloseness(0.2093, "ordered")],
    [TCloseness(0.1709, "hierarchical")],
    [KAnonymity(3), EntropyLDiversity(1.5), TCloseness(0.4013, "equal")],
]

records = st.fixed_dictionaries(
    {
        "num": st.sampled_from(NUMBERS.values),
        "letter": st.sampled_from(LETTERS.values),
        "colour": st.sampled_from(COLOURS.values),
        "disease": st.sampled_from(SENSITIVE.values),
    }
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(records, min_size=6, max_size=40),
    qis=st.sampled_from([("num", "letter"), ("num", "letter", "colour"), ("colour", "num")]),
    models=st.sampled_from(MODEL_SETS),
    suppression=st.sampled_from([0.0, 0.1, 0.3]),
    metric=st.sampled_from(METRIC_CHOICES),
)
def test_search_finds_the_oracle_optimum(
    rows: list[dict[str, str]],
    qis: tuple[str, ...],
    models: list[PrivacyModel],
    suppression: float,
    metric: str,
) -> None:
    frame = pl.DataFrame(rows)
    table = encode_table(
        frame,
        {q: QI_HIERARCHIES[q] for q in qis},
        sensitive="disease",
        sensitive_hierarchy=SENSITIVE,
    )
    result = PrivacySearch(
        table, models, suppression=suppression, metric=parse_metric(metric)
    ).run()
    expected = _oracle(rows, qis, models, suppression, metric)
    if expected is None:
        assert result.transformation is None
        assert result.nearest is not None
        assert result.nearest.violating_records > math.floor(suppression * len(rows))
        return
    loss, optima = expected
    assert result.transformation is not None
    assert result.information_loss == pytest.approx(loss, rel=1e-9, abs=1e-12)
    assert result.transformation in optima


@settings(max_examples=25, deadline=None)
@given(
    rows=st.lists(records, min_size=6, max_size=40),
    k=st.integers(1, 6),
    suppression=st.sampled_from([0.0, 0.05, 0.2]),
)
def test_search_agrees_with_checking_every_node(
    rows: list[dict[str, str]], k: int, suppression: float
) -> None:
    """Pruning never discards the optimum: same answer as evaluating the whole lattice."""
    frame = pl.DataFrame(rows)
    table = encode_table(frame, QI_HIERARCHIES)
    for metric in METRIC_CHOICES:
        searcher = PrivacySearch(
            table, [KAnonymity(k)], suppression=suppression, metric=parse_metric(metric)
        )
        result = searcher.run()
        exhaustive = PrivacySearch(
            table, [KAnonymity(k)], suppression=suppression, metric=parse_metric(metric)
        )
        losses = [
            ev.information_loss
            for node in range(exhaustive.lattice.size)
            if (ev := exhaustive.evaluate(node)).anonymous and ev.information_loss is not None
        ]
        if not losses:
            assert result.transformation is None
            continue
        assert result.information_loss == min(losses)
        assert result.nodes_checked <= exhaustive.lattice.size
