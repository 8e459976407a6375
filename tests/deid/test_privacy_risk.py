"""Re-identification risk, the three tests of Ch 9.3 and utility, on tables small enough to
check by hand, and on the Taiwan credit data before and after a k-anonymous release."""

from __future__ import annotations

from itertools import product
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from fincloud.deid.hierarchy import Hierarchy, flat_hierarchy, interval_hierarchy
from fincloud.deid.privacy.risk import RiskError, assess_risk, class_sizes
from fincloud.deid.privacy.transform import anonymise
from fincloud.deid.privacy.utility import assess_utility, model_quality, roc_auc

AGES = Hierarchy(tuple((str(a), f"{a // 10 * 10}-{a // 10 * 10 + 9}", "*") for a in range(20, 60)))


def _release() -> pl.DataFrame:
    # Classes on (age, sex): (20-29, F) x1, (30-39, M) x2, (40-49, F) x3.
    return pl.DataFrame(
        {
            "age": ["20-29", "30-39", "30-39", "40-49", "40-49", "40-49"],
            "sex": ["F", "M", "M", "F", "F", "F"],
            "ill": ["yes", "no", "yes", "no", "no", "no"],
        }
    )


def test_prosecutor_risk_from_class_sizes() -> None:
    report = assess_risk(_release(), ["age", "sex"], threshold=0.4, sensitive=["ill"])
    assert class_sizes(_release(), ["age", "sex"]).tolist() == [1, 2, 2, 3, 3, 3]
    assert report.classes == 3
    assert report.smallest_class == 1
    assert report.prosecutor.highest == 1.0
    assert report.prosecutor.average == pytest.approx(3 / 6)  # classes / records
    assert report.prosecutor.records_at_risk == pytest.approx(3 / 6)  # risks 1, 1/2, 1/2 > 0.4
    # Without a population the journalist is the prosecutor and the marketer their average.
    assert report.journalist == report.prosecutor
    assert report.journalist_population == "release"
    assert report.marketer == pytest.approx(0.5)
    assert report.singling_out.sample_unique_records == 1
    assert report.singling_out.possible
    assert report.linkability is None
    (ill,) = report.inference
    # Majority guess per class: yes (1 of 1), a tie no/yes (1 of 2), no (3 of 3): 5 of 6 right;
    # guessing the overall majority "no" is right 4 times of 6.
    assert ill.success_rate == pytest.approx(5 / 6)
    assert ill.baseline == pytest.approx(4 / 6)
    assert ill.advantage == pytest.approx((5 / 6 - 4 / 6) / (1 - 4 / 6))
    assert ill.certain_records == 4  # the lone record and the three in (40-49, F)


def test_journalist_and_linkability_against_the_original() -> None:
    original = pl.DataFrame(
        {
            "age": ["21", "33", "35", "41", "44", "47", "48", "25"],
            "sex": ["F", "M", "M", "F", "F", "F", "F", "M"],
            "ill": ["yes", "no", "yes", "no", "no", "no", "yes", "no"],
        }
    )
    report = assess_risk(
        _release(), ["age", "sex"], original=original, hierarchies={"age": AGES}, threshold=0.2
    )
    # Matching people in the original: (20-29, F) 1, (30-39, M) 2, (40-49, F) 4.
    assert report.journalist_population == "original"
    assert report.journalist.highest == 1.0
    assert report.journalist.average == pytest.approx((1 + 1 / 2 + 1 / 2 + 3 / 4) / 6)
    assert report.marketer == pytest.approx(report.journalist.average)
    assert report.singling_out.population_unique_records == 1
    link = report.linkability
    assert link is not None
    assert link.quasi_identifiers.unique_links == 1
    assert link.quasi_identifiers.baseline == pytest.approx(1 / 8)
    # "ill" is unchanged and joins the link: (40-49, F, no) matches 3 people of the original.
    assert set(link.shared_columns.columns) == {"age", "sex", "ill"}


def test_suppressed_cells_match_anyone_and_unchanged_columns_link() -> None:
    original = pl.DataFrame({"age": ["21", "22", "23", "24"], "amount": ["10", "20", "30", "40"]})
    release = pl.DataFrame({"age": ["*", "*", "*", "*"], "amount": ["10", "20", "30", "40"]})
    report = assess_risk(release, ["age"], original=original, hierarchies={"age": AGES})
    assert report.journalist.highest == pytest.approx(1 / 4)
    assert report.singling_out.possible is False
    link = report.linkability
    assert link is not None
    # The amounts were left as they are: every record links to its owner.
    assert link.shared_columns.unique_links == 4
    assert link.shared_columns.expected_correct_links == 1.0
    assert link.possible


def test_generalised_values_are_mapped_per_value_at_any_level() -> None:
    # Local recoding: some ages at level 1, one at level 2.
    original = pl.DataFrame({"age": ["21", "25", "31", "55"]})
    release = pl.DataFrame({"age": ["20-29", "20-29", "30-39", "*"]})
    report = assess_risk(release, ["age"], original=original, hierarchies={"age": AGES})
    assert report.journalist.highest == 1.0  # 30-39 matches only 31
    with pytest.raises(RiskError, match="cannot be matched"):
        assess_risk(release, ["age"], original=original)


def test_roc_auc_is_the_share_of_correctly_ordered_pairs() -> None:
    rng = np.random.default_rng(7)
    y = (rng.random(200) < 0.3).astype(np.float64)
    score = np.round(rng.normal(size=200) + y, 1)  # rounded: ties occur
    positives = score[y == 1]
    negatives = score[y == 0]
    pairs = [(p > n) + 0.5 * (p == n) for p, n in product(positives, negatives)]
    assert roc_auc(y, score) == pytest.approx(float(np.mean(pairs)), abs=1e-12)


def test_model_quality_falls_when_the_signal_is_suppressed() -> None:
    rng = np.random.default_rng(3)
    n = 2000
    signal = rng.integers(0, 10, n)
    noise = rng.integers(0, 5, n)
    target = (rng.random(n) < np.where(signal > 5, 0.9, 0.1)).astype(int)
    original = pl.DataFrame(
        {"signal": signal.astype(str), "noise": noise.astype(str), "target": target.astype(str)}
    )
    release = original.with_columns(pl.lit("*").alias("signal"))
    quality = model_quality(original, release, "target")
    assert quality.positive == "1"
    assert quality.auc_before > 0.85
    assert quality.auc_after < 0.6
    utility = assess_utility(
        original, release, ["signal"], hierarchies={"signal": flat_hierarchy(map(str, range(10)))}
    )
    assert utility.records_suppressed == n
    assert utility.records_lost == n
    (signal_column,) = (c for c in utility.columns if c.column == "signal")
    assert signal_column.changed_share == 1.0
    assert signal_column.generalisation_loss == 1.0


def test_generalisation_loss_is_arx_loss_per_cell() -> None:
    ages = interval_hierarchy([str(a) for a in range(20, 40)], [10])  # 20 values; 20-29, 30-39
    original = pl.DataFrame({"age": ["21", "35"]})
    # Level 1 covers 10 of 20 values: share 1/2, rescaled (1/2 - 1/20) / (1 - 1/20) = 9/19.
    release = pl.DataFrame({"age": ["20-29", "35"]})
    utility = assess_utility(original, release, ["age"], hierarchies={"age": ages})
    (age,) = utility.columns
    assert age.generalisation_loss == pytest.approx((9 / 19 + 0) / 2)
    assert age.changed_share == 0.5
    assert utility.records_lost == 0


@pytest.fixture(scope="module")
def credit(shared_data: Path) -> pl.DataFrame:
    path = shared_data / "taiwan-credit-default" / "UCI_Credit_Card.csv"
    return pl.read_csv(path, infer_schema=False).drop("ID")


def test_credit_data_before_and_after_k_anonymity(credit: pl.DataFrame) -> None:
    """Ch 9.3 on real data: X1 credit limit, X2 sex, X3 education, X4 marriage, X5 age."""
    hierarchies = {
        "X1": interval_hierarchy(credit.get_column("X1").unique().to_list(), [50000, 100000]),
        "X2": flat_hierarchy(credit.get_column("X2").unique().to_list()),
        "X3": flat_hierarchy(credit.get_column("X3").unique().to_list()),
        "X4": flat_hierarchy(credit.get_column("X4").unique().to_list()),
        "X5": interval_hierarchy(credit.get_column("X5").unique().to_list(), [5, 10, 20]),
    }
    released = anonymise(credit, hierarchies, ["k_anonymity:k=5"], suppression=0.02, metric="loss")
    assert released.result.found
    names = list(hierarchies)
    before = assess_risk(credit, names, sensitive=["Y"])
    after = assess_risk(
        released.frame, names, original=credit, hierarchies=hierarchies, sensitive=["Y"]
    )
    assert before.prosecutor.highest == 1.0 and before.singling_out.possible
    assert after.smallest_class >= 5
    assert after.prosecutor.highest <= 0.2
    assert after.prosecutor.records_at_risk == 0.0
    assert after.singling_out.population_unique_records == 0
    assert after.prosecutor.average < before.prosecutor.average
    # Bill and payment amounts are left as they are, so linking on them still works: the
    # measurement shows it although the quasi-identifiers are k-anonymous.
    assert after.linkability is not None
    assert after.linkability.shared_columns.expected_correct_links > 0.9
    utility = assess_utility(credit, released.frame, names, hierarchies=hierarchies, target="Y")
    assert utility.records_suppressed == released.suppressed_records
    assert utility.model is not None
    assert utility.model.auc_before > 0.65
    assert abs(utility.model.auc_after - utility.model.auc_before) < 0.05
