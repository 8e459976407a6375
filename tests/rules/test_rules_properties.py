"""Property tests (hypothesis): the rules are total and consistent over every valid profile."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fincloud.rules import CLASSIFICATIONS, ProfileError, evaluate, parse_profile
from fincloud.rules import citations as cit
from fincloud.rules.countries import DOMESTIC, FAQ10_ASSESSED, ISO_3166_ALPHA2
from fincloud.rules.profile import EXCLUSIONS, INSTITUTION_TYPES, SERVICE_MODELS

codes = st.sampled_from(sorted(ISO_3166_ALPHA2))
levels = st.sampled_from(["low", "medium", "high"])
factor_sets = st.fixed_dictionaries(
    {k: st.fixed_dictionaries({"level": levels, "note": st.just("n")}) for k in "abcdefg"}
)
profiles = st.fixed_dictionaries(
    {
        "institution_type": st.sampled_from(INSTITUTION_TYPES),
        "license_business_or_customer_data": st.booleans(),
        "csp_processes_or_stores_data": st.booleans(),
        "service_model": st.sampled_from(SERVICE_MODELS),
        "locations": st.lists(codes, min_size=1, max_size=6),
        "material": st.booleans(),
    },
    optional={
        "exclusion": st.sampled_from(EXCLUSIONS),
        "consumer_finance_system": st.booleans(),
        "materiality_factors": factor_sets,
    },
)


@given(profiles)
def test_classification_is_total_and_consistent(data: dict[str, object]) -> None:
    profile = parse_profile(data)
    result = evaluate(profile)
    assert result.classification in CLASSIFICATIONS
    assert result.in_scope == (result.classification != "out_of_scope")
    assert result.offshore == any(code != DOMESTIC for code in profile.locations)
    assert (result.audit is None) == (not result.in_scope)
    assert (result.contract_rows == ()) == (not result.in_scope)
    assert result.regulator_approval_required == (
        result.classification == "material_consumer_finance_offshore"
    )
    if result.in_scope:
        assert (result.classification == "domestic") == (not result.offshore)
        material_offshore = profile.material and result.offshore
        assert (
            result.classification in ("material_consumer_finance_offshore", "material_offshore")
        ) == material_offshore
        assert (result.classification == "material_consumer_finance_offshore") == (
            material_offshore and profile.consumer_finance_system
        )


@given(profiles)
def test_contract_rows_keep_the_manual_order(data: dict[str, object]) -> None:
    rows = evaluate(parse_profile(data)).contract_rows
    positions = [cit.CONTRACT_ROWS.index(row) for row in rows]
    assert positions == sorted(positions)
    assert len(set(rows)) == len(rows)


@given(profiles)
def test_locations_needing_assessment_are_sorted_offshore_and_off_the_list(
    data: dict[str, object],
) -> None:
    profile = parse_profile(data)
    needing = evaluate(profile).locations_needing_assessment
    assert list(needing) == sorted(set(needing))
    assert set(needing) == {c for c in profile.locations if c != DOMESTIC} - FAQ10_ASSESSED


@given(profiles)
def test_the_materiality_proposal_never_changes_the_outcome(data: dict[str, object]) -> None:
    with_factors = evaluate(parse_profile(data))
    without = evaluate(parse_profile({k: v for k, v in data.items() if k != "materiality_factors"}))
    assert with_factors.classification == without.classification
    assert with_factors.contract_rows == without.contract_rows
    assert with_factors.audit == without.audit
    if with_factors.materiality_proposal is not None:
        assert with_factors.materiality_proposal.disagrees_with_material == (
            with_factors.materiality_proposal.proposed != data["material"]
        )


@given(profiles)
def test_both_languages_give_the_same_number_of_reasons(data: dict[str, object]) -> None:
    result = evaluate(parse_profile(data))
    assert len(result.explanation_zh) == len(result.explanation_en) > 0
    assert set(result.citations) <= set(cit.all_cited_ids())


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)
keys = st.sampled_from(
    [
        "institution_type",
        "license_business_or_customer_data",
        "csp_processes_or_stores_data",
        "exclusion",
        "service_model",
        "locations",
        "consumer_finance_system",
        "material",
        "materiality_factors",
        "colour",
    ]
)


@given(
    st.one_of(
        json_values,
        st.dictionaries(keys, json_values),
        profiles.flatmap(
            lambda p: st.fixed_dictionaries({k: st.just(v) for k, v in p.items()}).map(dict)
        ).flatmap(
            lambda p: st.sampled_from(sorted(p)).flatmap(
                lambda k: json_values.map(lambda v: {**p, k: v})
            )
        ),
    )
)
def test_any_json_input_gives_a_profile_or_a_profile_error(data: object) -> None:
    """Bad input never escapes as another exception (the CLI would print a traceback)."""
    try:
        profile = parse_profile(data)
    except ProfileError as err:
        assert err.field
        assert "\n" not in err.message("en")
        assert "\n" not in err.message("zh-TW")
    else:
        evaluate(profile)
