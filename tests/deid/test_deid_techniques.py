"""Each technique of the manual's Ch 9.3 table on the Taiwan credit data and on generated rows.

The credit data (30,000 card holders) has no names, IDs, addresses or dates, so the techniques
for those (masking names, administrative areas, date truncation) run on generated customers
(`fincloud deid fake`); every technique that applies to the credit data's numbers and codes
runs on it.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from fincloud.deid import fake
from fincloud.deid.engine import FrameResult, apply_to_frame
from fincloud.deid.errors import InputFileError, PolicyError
from fincloud.deid.hierarchy import UncoveredValueError, read_hierarchy
from fincloud.deid.keys import KeyRing
from fincloud.deid.policy import parse_policy
from fincloud.deid.techniques.encryption import decrypt_values

KEY_A = bytes(range(32))
KEY_B = bytes(range(1, 33))


@pytest.fixture(scope="module")
def credit(shared_data: Path) -> pl.DataFrame:
    return pl.read_csv(
        shared_data / "taiwan-credit-default" / "UCI_Credit_Card.csv", infer_schema=False
    )


@pytest.fixture(scope="module")
def customers() -> pl.DataFrame:
    return fake.generate(5_000, seed=11)


def run(
    frame: pl.DataFrame,
    columns: dict[str, Any] | None = None,
    table: list[dict[str, Any]] | None = None,
    key: bytes = KEY_A,
    policy_dir: Path | None = None,
    **extra: Any,
) -> FrameResult:
    policy = parse_policy(
        {
            "fincloud_deid_policy": 1,
            "name": "test",
            "purpose": "analytics",
            "other_columns": "keep",
            "columns": columns or {},
            "table": table or [],
            **extra,
        }
    )
    return apply_to_frame(frame, policy, keyring=KeyRing({"main": key}), policy_dir=policy_dir)


def num(frame: pl.DataFrame, column: str) -> pl.Series:
    return frame[column].cast(pl.Float64)


# --- statistical tools -----------------------------------------------------------------------


@pytest.mark.parametrize("dataset", ["credit", "customers"])
def test_sampling_is_reproducible_by_seed(dataset: str, request: pytest.FixtureRequest) -> None:
    frame: pl.DataFrame = request.getfixturevalue(dataset)
    ident = frame.columns[0]
    first = run(frame, table=[{"technique": "sample", "fraction": 0.1, "seed": 1}])
    again = run(frame, table=[{"technique": "sample", "fraction": 0.1, "seed": 1}])
    other = run(frame, table=[{"technique": "sample", "fraction": 0.1, "seed": 2}])
    n = frame.height
    sigma = math.sqrt(n * 0.1 * 0.9)
    assert abs(first.frame.height - 0.1 * n) < 5 * sigma
    assert first.frame[ident].to_list() == again.frame[ident].to_list()
    assert first.frame[ident].to_list() != other.frame[ident].to_list()
    assert first.records_not_sampled == n - first.frame.height


def test_aggregation_with_small_cell_suppression_on_credit(credit: pl.DataFrame) -> None:
    result = run(
        credit,
        table=[
            {
                "technique": "aggregate",
                "group_by": ["X2", "X3"],
                "means": ["X1"],
                "sums": ["Y"],
                "min_count": 100,
            }
        ],
    )
    out = result.frame
    direct = credit.group_by("X2", "X3").agg(
        n=pl.len(), mean=pl.col("X1").cast(pl.Float64).mean(), y=pl.col("Y").cast(pl.Int64).sum()
    )
    kept = direct.filter(pl.col("n") >= 100)
    assert out.height == kept.height < direct.height  # education codes 0, 5, 6 are rare
    assert out["count"].min() >= 100
    assert result.records_suppressed == direct.filter(pl.col("n") < 100)["n"].sum()
    joined = out.join(kept, on=["X2", "X3"])
    assert joined.height == kept.height
    assert np.allclose(joined["X1_mean"], joined["mean"])
    assert (joined["Y_sum"] == joined["y"]).all()


def test_aggregation_on_customers(customers: pl.DataFrame) -> None:
    out = run(
        customers,
        table=[{"technique": "aggregate", "group_by": ["occupation"], "means": ["balance"]}],
    ).frame
    assert set(out.columns) == {"occupation", "count", "balance_mean"}
    assert out["count"].sum() == customers.height  # ten occupations, none below 5


# --- cryptographic tools ---------------------------------------------------------------------


@pytest.mark.parametrize(("dataset", "column"), [("credit", "ID"), ("customers", "account_no")])
def test_deterministic_encryption_round_trips_for_the_key_holder_only(
    dataset: str, column: str, request: pytest.FixtureRequest
) -> None:
    frame: pl.DataFrame = request.getfixturevalue(dataset)
    step = {"technique": "encrypt", "key": "main", "reversible_by_key_holder": True}
    a = run(frame, {column: step}).frame[column]
    assert a.n_unique() == frame[column].n_unique()
    assert not a.is_in(frame[column].implode()).any()
    assert a.to_list() == run(frame, {column: step}).frame[column].to_list()  # deterministic
    assert (a != run(frame, {column: step}, key=KEY_B).frame[column]).all()
    assert decrypt_values(a.head(50).to_list(), KEY_A) == frame[column].head(50).to_list()
    with pytest.raises(Exception, match="wrong key"):
        decrypt_values(a.head(1).to_list(), KEY_B)


def test_encryption_needs_the_policy_to_say_it_is_reversible(credit: pl.DataFrame) -> None:
    with pytest.raises(PolicyError, match="reversible_by_key_holder"):
        run(credit, {"ID": {"technique": "encrypt", "key": "main"}})


def test_order_preserving_tokens_keep_the_order_of_credit_limits(credit: pl.DataFrame) -> None:
    step = {"technique": "order_preserving", "key": "main", "min": 0, "max": 10_000_000}
    tokens = run(credit, {"X1": step}).frame["X1"]
    values = num(credit, "X1")
    order = np.argsort(values.to_numpy(), kind="stable")
    v, t = values.to_numpy()[order], tokens.to_numpy()[order]
    assert np.all(np.diff(t)[np.diff(v) > 0] > 0)
    assert np.all(np.diff(t)[np.diff(v) == 0] == 0)
    assert not np.array_equal(t, v)
    assert (run(credit, {"X1": step}, key=KEY_B).frame["X1"] != tokens).any()


def test_order_preserving_dates_of_customers(customers: pl.DataFrame) -> None:
    step = {
        "technique": "order_preserving",
        "key": "main",
        "kind": "date",
        "date_min": "1990-01-01",
        "date_max": "2030-12-31",
    }
    tokens = run(customers, {"opened_on": step}).frame["opened_on"].to_numpy()
    days = customers["opened_on"].str.to_date().cast(pl.Int64).to_numpy()
    order = np.argsort(days, kind="stable")
    assert np.all(np.diff(tokens[order])[np.diff(days[order]) > 0] > 0)


def test_order_preserving_refuses_values_outside_the_domain(credit: pl.DataFrame) -> None:
    step = {"technique": "order_preserving", "key": "main", "min": 0, "max": 100_000}
    with pytest.raises(InputFileError, match=r"column 'X1' row \d+: outside"):
        run(credit, {"X1": step})


# --- suppression -----------------------------------------------------------------------------


def test_masking_keeps_the_first_character_of_chinese_names(customers: pl.DataFrame) -> None:
    out = run(customers, {"name": {"technique": "mask", "keep_first": 1}}).frame["name"]
    assert (out.str.slice(0, 1) == customers["name"].str.slice(0, 1)).all()
    assert (out.str.slice(1) == "**").all()
    mobile = run(
        customers, {"mobile": {"technique": "mask", "keep_first": 4, "keep_last": 3}}
    ).frame["mobile"]
    assert (mobile.str.len_chars() == customers["mobile"].str.len_chars()).all()
    assert (mobile.str.slice(0, 4) == customers["mobile"].str.slice(0, 4)).all()
    assert mobile.str.contains(r"^09[0-9]{2}\*+[0-9]{3}$").all()


def test_masking_credit_ids_and_short_values(credit: pl.DataFrame) -> None:
    out = run(credit, {"ID": {"technique": "mask", "keep_last": 2, "char": "#"}}).frame["ID"]
    assert out[0] == "#"  # "1" is not longer than what would be kept: covered completely
    assert out[29_999] == "###00"  # "30000"


def test_drop_and_cell_suppression_of_rare_education_codes(credit: pl.DataFrame) -> None:
    dropped = run(credit, {"Y": {"technique": "drop"}}).frame
    assert "Y" not in dropped.columns
    result = run(credit, {"X3": {"technique": "suppress", "when": "rare", "min_count": 100}})
    counts = credit["X3"].value_counts()
    rare = counts.filter(pl.col("count") < 100)["X3"]
    assert (
        result.frame["X3"].null_count() == credit.filter(pl.col("X3").is_in(rare.implode())).height
    )
    assert result.suppressed_cells["X3"] == result.frame["X3"].null_count() > 0
    kept = result.frame["X3"].drop_nulls().value_counts()
    assert kept["count"].min() >= 100


def test_cell_suppression_of_customers_employers(customers: pl.DataFrame) -> None:
    step = {"technique": "suppress", "replacement": "[已抑制]"}
    result = run(customers, {"employer_ubn": step})
    present = customers["employer_ubn"].is_not_null()
    out = result.frame["employer_ubn"]
    assert (out.filter(present) == "[已抑制]").all() and out.filter(~present).is_null().all()
    assert result.suppressed_cells["employer_ubn"] == int(present.sum())


def test_record_suppression_leaves_only_k_anonymous_classes(credit: pl.DataFrame) -> None:
    qis = ["X2", "X3", "X4", "X5"]
    result = run(
        credit, table=[{"technique": "suppress_records", "quasi_identifiers": qis, "k": 5}]
    )
    sizes = credit.group_by(qis).len()
    small = sizes.filter(pl.col("len") < 5)["len"].sum()
    assert result.records_suppressed == small > 0
    assert result.frame.height == credit.height - small
    assert result.frame.group_by(qis).len()["len"].min() >= 5


def test_local_suppression_blanks_cells_not_records(customers: pl.DataFrame) -> None:
    frame = run(customers, {"birth_date": {"technique": "truncate_date", "to": "year"}}).frame
    qis = ["gender", "birth_date", "occupation"]
    result = run(frame, table=[{"technique": "suppress_local", "quasi_identifiers": qis, "k": 5}])
    assert result.frame.height == frame.height
    assert result.frame.group_by(qis).len()["len"].min() >= 5
    assert sum(result.suppressed_cells.values()) == sum(
        int((result.frame[c] == "*").sum()) for c in qis
    )
    # Birth year has the most distinct values: it is blanked first, occupation is untouched.
    assert result.suppressed_cells.get("birth_date", 0) > 0


def test_local_suppression_on_credit(credit: pl.DataFrame) -> None:
    qis = ["X2", "X3", "X4", "X5"]
    result = run(credit, table=[{"technique": "suppress_local", "quasi_identifiers": qis, "k": 3}])
    assert result.frame.height == credit.height
    assert result.frame.group_by(qis).len()["len"].min() >= 3


# --- splitting -------------------------------------------------------------------------------


def test_split_moves_identifiers_to_a_table_joined_by_a_random_key(customers: pl.DataFrame) -> None:
    ids = ["name", "id_number", "mobile"]
    result = run(customers, table=[{"technique": "split", "columns": ids}])
    main = result.frame
    (identifiers,) = result.context.split_frames
    assert not set(ids) & set(main.columns)
    assert main.columns[0] == "link_id" and identifiers.columns == ["link_id", *ids]
    assert main["link_id"].n_unique() == customers.height
    assert main["link_id"].str.contains("^[0-9a-f]{32}$").all()
    rejoined = main.join(identifiers, on="link_id").select(customers.columns)
    assert rejoined.sort("customer_no").equals(customers.sort("customer_no"))
    again = run(customers, table=[{"technique": "split", "columns": ids}]).frame
    assert not main["link_id"].is_in(again["link_id"].implode()).any()  # random, not derived


def test_split_on_credit(credit: pl.DataFrame) -> None:
    result = run(credit, table=[{"technique": "split", "columns": ["ID"]}])
    assert "ID" not in result.frame.columns and result.frame.height == credit.height


# --- generalisation --------------------------------------------------------------------------


def test_arx_hierarchy_on_credit_ages(credit: pl.DataFrame, shared_data: Path) -> None:
    path = shared_data / "adult" / "adult_hierarchy_age.csv"
    out = run(credit, {"X5": {"technique": "hierarchy", "file": str(path), "level": 2}}).frame
    expected = read_hierarchy(path).mapping(2)
    assert out["X5"].to_list() == [expected[v] for v in credit["X5"].to_list()]
    assert out["X5"][0] == "20-29"  # age 24


def test_hierarchy_relative_to_the_policy_and_uncovered_values(
    customers: pl.DataFrame, shared_data: Path
) -> None:
    adult = shared_data / "adult"
    step = {"technique": "hierarchy", "file": "adult_hierarchy_sex.csv", "level": 1}
    with pytest.raises(UncoveredValueError) as caught:
        run(customers, {"gender": step}, policy_dir=adult)
    assert caught.value.value in {"M", "F"}
    assert "adult_hierarchy_sex.csv" in str(caught.value) and "gender" in str(caught.value)


def test_interval_and_rounding(credit: pl.DataFrame, customers: pl.DataFrame) -> None:
    ages = run(credit, {"X5": {"technique": "interval", "width": 10}}).frame["X5"]
    assert ages[0] == "20-29" and ages[1] == "20-29"
    lows = ages.str.split("-").list.first().cast(pl.Int64)
    assert ((num(credit, "X5") - lows).is_between(0, 9)).all()
    limits = run(credit, {"X1": {"technique": "round", "base": 50_000}}).frame["X1"]
    assert (limits % 50_000 == 0).all()
    assert ((limits - num(credit, "X1")).abs() <= 25_000).all()
    balance = run(customers, {"balance": {"technique": "round", "base": 1000}}).frame["balance"]
    assert balance.dtype == pl.Int64 and (balance % 1000 == 0).all()
    income = run(customers, {"annual_income": {"technique": "interval", "width": 100_000}}).frame[
        "annual_income"
    ]
    assert income.str.contains(r"^\d+-\d*99999$").all()


def test_date_truncation(customers: pl.DataFrame) -> None:
    years = run(customers, {"birth_date": {"technique": "truncate_date", "to": "year"}}).frame
    assert (years["birth_date"] == customers["birth_date"].str.slice(0, 4)).all()
    months = run(customers, {"opened_on": {"technique": "truncate_date", "to": "month"}}).frame
    assert (months["opened_on"] == customers["opened_on"].str.slice(0, 7)).all()
    quarters = run(customers, {"opened_on": {"technique": "truncate_date", "to": "quarter"}})
    assert quarters.frame["opened_on"].str.contains(r"^\d{4}-Q[1-4]$").all()
    roc = pl.DataFrame({"d": ["113/01/05", "1120228", "89/12/31"]})
    out = run(roc, {"d": {"technique": "truncate_date", "to": "month", "calendar": "roc"}})
    assert out.frame["d"].to_list() == ["2024-01", "2023-02", "2000-12"]


def test_date_truncation_names_the_row_of_a_bad_date() -> None:
    frame = pl.DataFrame({"d": ["2024-01-05", "not a date"]})
    with pytest.raises(InputFileError, match=r"column 'd' row 2: not a date"):
        run(frame, {"d": {"technique": "truncate_date", "to": "year"}})
    roc = pl.DataFrame({"d": ["113/02/29", "112/02/29"]})  # 2024 is a leap year, 2023 not
    with pytest.raises(InputFileError, match=r"column 'd' row 2: not a date \(YYY/MM/DD"):
        run(roc, {"d": {"technique": "truncate_date", "to": "year", "calendar": "roc"}})


def test_top_coding_of_credit_limits(credit: pl.DataFrame) -> None:
    result = run(credit, {"X1": {"technique": "top_bottom", "top_quantile": 0.99}})
    out = num(result.frame, "X1")
    q = num(credit, "X1").quantile(0.99, "lower")
    assert out.max() == q
    assert result.suppressed_cells["X1"] == int((num(credit, "X1") > q).sum()) > 0
    fixed = run(credit, {"X1": {"technique": "top_bottom", "top": 500_000, "bottom": 20_000}})
    assert num(fixed.frame, "X1").max() == 500_000 and num(fixed.frame, "X1").min() == 20_000


def test_top_coding_of_incomes(customers: pl.DataFrame) -> None:
    out = run(customers, {"annual_income": {"technique": "top_bottom", "top": 2_000_000}})
    assert out.frame["annual_income"].max() == 2_000_000


def test_taiwan_admin_areas(customers: pl.DataFrame) -> None:
    district = run(customers, {"address": {"technique": "tw_admin_area"}}).frame["address"]
    assert district.null_count() == 0
    assert (customers["address"].str.starts_with(district.str.slice(0, 5)) | True).all()
    assert all(a.startswith(d) for a, d in zip(customers["address"], district, strict=True))
    city = run(customers, {"address": {"technique": "tw_admin_area", "level": "city"}})
    assert city.frame["address"].n_unique() == 22
    region = run(customers, {"address": {"technique": "tw_admin_area", "level": "region"}})
    assert set(region.frame["address"].unique()) == {"北部", "中部", "南部", "東部", "離島"}
    bad = pl.DataFrame({"address": ["臺北市大安區", "巴黎"]})
    with pytest.raises(InputFileError, match="row 2"):
        run(bad, {"address": {"technique": "tw_admin_area"}})
    blank = run(bad, {"address": {"technique": "tw_admin_area", "on_unknown": "blank"}})
    assert blank.frame["address"].to_list() == ["臺北市大安區", None]


# --- randomisation ---------------------------------------------------------------------------


def test_laplace_noise_on_credit_limits(credit: pl.DataFrame) -> None:
    step = {"technique": "noise", "distribution": "laplace", "scale": 1000, "key": "main"}
    out = num(run(credit, {"X1": step}).frame, "X1")
    diff = (out - num(credit, "X1")).to_numpy()
    assert abs(diff.mean()) < 4 * math.sqrt(2) * 1000 / math.sqrt(len(diff))
    assert abs(np.abs(diff).mean() - 1000) < 40  # E|Laplace(b)| = b
    assert out.to_list() == num(run(credit, {"X1": step}).frame, "X1").to_list()
    assert out.to_list() != num(run(credit, {"X1": step}, key=KEY_B).frame, "X1").to_list()
    fresh = {k: v for k, v in step.items() if k != "key"}
    assert (
        num(run(credit, {"X1": fresh}).frame, "X1").to_list()
        != num(run(credit, {"X1": fresh}).frame, "X1").to_list()
    )


def test_laplace_mechanism_parameters_and_gaussian(customers: pl.DataFrame) -> None:
    step = {"technique": "noise", "distribution": "laplace", "epsilon": 0.5, "sensitivity": 1000}
    diff = num(run(customers, {"balance": step}).frame, "balance") - num(customers, "balance")
    assert abs(diff.abs().mean() - 2000) < 150  # b = sensitivity / epsilon
    gauss = {"technique": "noise", "distribution": "gaussian", "sigma": 500, "clip_min": 0}
    out = num(run(customers, {"balance": gauss}).frame, "balance")
    assert out.min() >= 0
    with pytest.raises(PolicyError, match="laplace needs scale"):
        run(customers, {"balance": {"technique": "noise", "distribution": "laplace"}})
    with pytest.raises(PolicyError, match="seed"):
        run(
            customers,
            {"balance": {"technique": "noise", "distribution": "laplace", "scale": 1, "seed": 3}},
        )


def test_swapping_within_groups_keeps_each_groups_values(credit: pl.DataFrame) -> None:
    step = {"technique": "swap", "within": ["X2"], "key": "main"}
    out = run(credit, {"X1": step}).frame
    for sex in ("1", "2"):
        before = sorted(credit.filter(pl.col("X2") == sex)["X1"].to_list())
        after = sorted(out.filter(pl.col("X2") == sex)["X1"].to_list())
        assert before == after
    moved = (out["X1"] != credit["X1"]).mean()
    assert moved > 0.8  # most limits now sit with another card holder


def test_swapping_customers_balances(customers: pl.DataFrame) -> None:
    out = run(customers, {"balance": {"technique": "swap", "within": ["occupation"]}}).frame
    assert out["balance"].sum() == customers["balance"].sum()


def test_microaggregation_groups_of_k(credit: pl.DataFrame, customers: pl.DataFrame) -> None:
    out = num(run(credit, {"X1": {"technique": "microaggregate", "k": 3}}).frame, "X1")
    assert out.value_counts()["count"].min() >= 3
    assert math.isclose(out.sum(), num(credit, "X1").sum(), rel_tol=1e-9)
    bal = run(customers, {"balance": {"technique": "microaggregate", "k": 5, "round_to": 1}})
    assert bal.frame["balance"].value_counts()["count"].min() >= 5


# --- synthetic data --------------------------------------------------------------------------


def test_synthetic_credit_data_keeps_marginals_and_correlations(credit: pl.DataFrame) -> None:
    cols = ["X1", "X2", "X5", "X12", "Y"]
    step = {"technique": "synthesize", "columns": cols, "categorical": ["X2", "Y"], "seed": 5}
    synth = run(credit, table=[step]).frame
    assert synth.columns == cols and synth.height == credit.height
    real = credit.select(pl.col(c).cast(pl.Float64) for c in cols)
    fake_ = synth.select(pl.col(c).cast(pl.Float64) for c in cols)
    for c in ("X1", "X5"):
        assert abs(fake_[c].mean() - real[c].mean()) < 0.03 * real[c].mean()
        assert abs(fake_[c].median() - real[c].median()) <= 0.05 * real[c].median()
    for c in ("X2", "Y"):
        assert abs(fake_[c].mean() - real[c].mean()) < 0.01

    # The copula keeps rank (Spearman) correlations; the bill amount X12 is so skewed that
    # its Pearson correlation with the limit (0.29) is not the same thing as its rank one (0.05).
    def spearman(frame: pl.DataFrame) -> np.ndarray:
        ranks = [frame[c].rank().to_numpy() for c in cols]
        return np.corrcoef(np.column_stack(ranks), rowvar=False)

    assert np.abs(spearman(real) - spearman(fake_)).max() < 0.08
    real_y = real.select(pl.corr("X1", "Y")).item()
    assert abs(fake_.select(pl.corr("X1", "Y")).item() - real_y) < 0.03  # default vs limit
    # No synthetic record is a copy of a real one more often than chance would give.
    as_text = [pl.col(c).cast(pl.String) for c in cols]
    matches = synth.select(as_text).join(credit.select(cols).unique(), on=cols, how="semi").height
    assert matches < 0.05 * synth.height


def test_synthetic_customers_categories(customers: pl.DataFrame) -> None:
    step = {"technique": "synthesize", "columns": ["occupation", "balance"], "rows": 2000}
    synth = run(customers, table=[step]).frame
    assert synth.height == 2000
    assert set(synth["occupation"].unique()) <= set(customers["occupation"].unique())
