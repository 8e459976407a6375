"""The decision rules of RULES.md §1-§5 against the manual (Ch 1.2, 2.2, 3.3, 7.1, 9.2, A3)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from fincloud.rules import (
    RULE_VERSION,
    Evaluation,
    evaluate,
    parse_profile,
)
from fincloud.rules import citations as cit
from fincloud.rules.countries import FAQ10_ASSESSED

BASE = {
    "institution_type": "domestic_bank",
    "license_business_or_customer_data": True,
    "csp_processes_or_stores_data": True,
    "service_model": "SaaS",
    "locations": ["TW"],
    "material": False,
}


def run(**changes: object) -> Evaluation:
    return evaluate(parse_profile({**BASE, **changes}))


# -- scope (Ch 9.2) ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "institution_type",
    [
        "domestic_bank",
        "foreign_bank_branch",
        "credit_cooperative",
        "bills_finance_company",
        "credit_card_institution",
    ],
)
def test_the_five_institution_types_of_criterion_a_are_in_scope(institution_type: str) -> None:
    assert run(institution_type=institution_type).in_scope


def test_each_failed_criterion_is_named_and_the_result_is_out_of_scope() -> None:
    for changes, letter in (
        ({"institution_type": "other"}, "(a)"),
        ({"license_business_or_customer_data": False}, "(b)"),
        ({"csp_processes_or_stores_data": False}, "(c)"),
    ):
        result = run(**changes)
        assert not result.in_scope
        assert result.classification == "out_of_scope"
        assert any(f"判斷原則 {letter} 不符" in line for line in result.explanation_zh)
        assert any(f"test {letter} fails" in line for line in result.explanation_en)


def test_all_failed_criteria_are_reported_not_only_the_first() -> None:
    result = run(institution_type="other", csp_processes_or_stores_data=False)
    failing = [line for line in result.explanation_en if "fails" in line]
    assert len(failing) == 2


EXCLUSIONS = {
    "market_information_platform": "a",
    "no_customer_data_environment": "b",
    "non_identifying_marketing": "c",
    "video_conferencing": "d",
    "internal_collaboration": "e",
}


@pytest.mark.parametrize(("exclusion", "letter"), EXCLUSIONS.items())
def test_an_exclusion_takes_an_otherwise_in_scope_service_out(exclusion: str, letter: str) -> None:
    result = run(exclusion=exclusion, locations=["TW", "JP"], material=True)
    assert not result.in_scope
    assert result.classification == "out_of_scope"
    assert result.audit is None
    assert result.contract_rows == ()
    assert not result.regulator_approval_required
    assert f"ch9.2.exclusion.{letter}" in result.citations
    assert any(f"排除情境 ({letter})" in line for line in result.explanation_zh)
    # Ch 9.2 / Preface 2: out of scope still calls for risk-based management
    assert any("風險管理" in line for line in result.explanation_zh)
    assert any("risk management" in line for line in result.explanation_en)


def test_marketing_exclusion_reminds_of_the_privacy_points() -> None:
    result = run(exclusion="non_identifying_marketing")
    assert set(cit.PRIVACY_POINTS) <= set(result.citations)
    assert any("SHA256" in line for line in result.explanation_zh)
    other = run(exclusion="video_conferencing")
    assert not set(cit.PRIVACY_POINTS) & set(other.citations)


def test_internal_collaboration_explains_the_business_licence_condition() -> None:
    result = run(exclusion="internal_collaboration")
    assert any("營業執照所載業務項目" in line for line in result.explanation_zh)


def test_foreign_branch_in_scope_cites_ch9_1() -> None:
    result = run(institution_type="foreign_bank_branch")
    assert set(cit.FOREIGN_BRANCH_ITEMS) <= set(result.citations)
    assert not set(cit.FOREIGN_BRANCH_ITEMS) & set(run().citations)


# -- classification, cadence, approval (Ch 7.1, RULES.md §2-§4) ---------------------------------


@pytest.mark.parametrize(
    "case",
    [
        (["TW", "JP"], True, True, "material_consumer_finance_offshore", 12, True),
        (["JP"], True, False, "material_offshore", 12, False),
        (["JP"], False, True, "non_material_offshore", 24, False),
        (["JP"], False, False, "non_material_offshore", 24, False),
        (["TW"], True, True, "domestic", 24, False),
        (["TW"], False, False, "domestic", 24, False),
    ],
)
def test_classification_and_cadence_follow_the_ch7_1_table(
    case: tuple[list[str], bool, bool, str, int, bool],
) -> None:
    locations, material, consumer_finance, classification, months, special = case
    result = run(locations=locations, material=material, consumer_finance_system=consumer_finance)
    assert result.classification == classification
    assert result.audit is not None
    assert result.audit.interval_months == months
    assert result.audit.special_audit_required is special
    # RULES.md §4: only classification 1 needs the regulator's approval (委外辦法 §18 I)
    assert result.regulator_approval_required is (classification.startswith("material_consumer"))


def test_cadence_citation_names_the_row_of_the_classification() -> None:
    for locations, material, cf, row in (
        (["JP"], True, True, "ch7.1.cadence.r1"),
        (["JP"], True, False, "ch7.1.cadence.r2"),
        (["JP"], False, False, "ch7.1.cadence.r3"),
        (["TW"], False, False, "ch7.1.cadence.r4"),
    ):
        result = run(locations=locations, material=material, consumer_finance_system=cf)
        rows = [c for c in result.citations if c.startswith("ch7.1.cadence.r")]
        assert rows == [row]


def test_material_services_get_the_ch7_3_focus_items() -> None:
    assert set(cit.AUDIT_FOCUS) <= set(run(locations=["JP"], material=True).citations)
    assert set(cit.AUDIT_FOCUS) <= set(run(material=True).citations)  # domestic, material
    assert not set(cit.AUDIT_FOCUS) & set(run(locations=["JP"]).citations)


# -- contract rows (Ch 3.3, Annex 3) -------------------------------------------------------------

EVERY = ["10.I." + str(i) for i in range(1, 11)] + ["10.II"]
TAIL = ["19.3", "19.4", "19.5", "19.6.1"]


def test_contract_rows_per_classification() -> None:
    assert list(run().contract_rows) == EVERY + TAIL
    assert list(run(locations=["JP"]).contract_rows) == [*EVERY, "17.I.3", "17.I.5", *TAIL]
    assert list(run(locations=["JP"], material=True).contract_rows) == [
        *EVERY,
        "17.I.3",
        "17.I.5",
        *TAIL,
    ]
    class_1 = run(locations=["JP"], material=True, consumer_finance_system=True)
    assert list(class_1.contract_rows) == list(cit.CONTRACT_ROWS)  # all 22


def test_row_18_ii_6_applies_to_a_domestic_material_consumer_finance_system_and_says_why() -> None:
    result = run(material=True, consumer_finance_system=True)
    assert result.classification == "domestic"
    assert list(result.contract_rows) == [*EVERY, "18.II.6", *TAIL]
    # RULES.md §4 note: the stricter reading, stated in the explanation in both languages
    assert any("18.II.6" in line and "較嚴格" in line for line in result.explanation_zh)
    assert any("18.II.6" in line and "stricter reading" in line for line in result.explanation_en)
    assert cit.MANDATORY_ITEM_11 in result.citations
    # not for a non-material one
    assert "18.II.6" not in run(consumer_finance_system=True).contract_rows


def test_contract_row_order_is_the_order_of_annex_3_in_the_manual(manual_path: Path) -> None:
    text = manual_path.read_text(encoding="utf-8")
    annex = text[text.index(" 附件 3 CSP合約檢核表") : text.index(" 附件 4 CSP合約檢核表2")]
    circled = "①②③④⑤⑥⑦⑧⑨⑩"
    markers = [f"【委外辦法§10 I{circled[i]}】" for i in range(10)] + [
        "【委外辦法§10II】",
        "【委外辦法§18 II⑥】",
        "三、應要求受託機構確實遵守",
        "五、受委託機構所在地金融主管機關",
        "1. 資料安全管理措施",
        "2. 資料儲存地之管理政策",
        "五、受委託機構出具之同意函",
        "六、受委託機構出具近三年內",
        "三、金融機構得自行委託",
        "四、金融機構傳輸及儲存客戶",
        "五、對委託雲端處理之資料",
        "六、委託雲端服務業者處理之",
    ]
    positions = [annex.index(marker) for marker in markers]
    assert positions == sorted(positions)
    assert len(markers) == len(cit.CONTRACT_ROWS) == 22


# -- locations (Ch 1.2) -------------------------------------------------------------------------

FAQ10_ZH = {
    "德國": "DE",
    "法國": "FR",
    "荷蘭": "NL",
    "奧地利": "AT",
    "愛爾蘭": "IE",
    "芬蘭": "FI",
    "瑞士": "CH",
    "冰島": "IS",
    "美國": "US",
    "英國": "GB",
    "印度": "IN",
    "日本": "JP",
    "韓國": "KR",
    "香港": "HK",
    "菲律賓": "PH",
    "馬來西亞": "MY",
    "新加坡": "SG",
    "澳洲": "AU",
}


def test_faq10_list_is_exactly_the_countries_named_in_ch1_2_c(manual_path: Path) -> None:
    text = re.sub(r"\s+", "", manual_path.read_text(encoding="utf-8"))
    start = text.index("已曾經評估屬當地資料保護法規不低於我國要求之國家")
    item_c = text[start : text.index("(d)建議金融機構可要求", start)]
    for name in FAQ10_ZH:
        assert name in item_c
    assert set(FAQ10_ZH.values()) == FAQ10_ASSESSED


def test_offshore_locations_off_the_list_need_assessment_sorted() -> None:
    result = run(locations=["VN", "TW", "JP", "CN", "JP"])
    assert result.offshore
    assert result.locations_needing_assessment == ("CN", "VN")
    assert run(locations=["TW"]).locations_needing_assessment == ()
    assert not run(locations=["TW", "TW"]).offshore


def test_the_faq10_list_is_configurable() -> None:
    profile = parse_profile({**BASE, "locations": ["JP", "VN"]})
    assert evaluate(profile).locations_needing_assessment == ("VN",)
    widened = evaluate(profile, assessed=FAQ10_ASSESSED | {"VN"})
    assert widened.locations_needing_assessment == ()


def test_class_1_asks_for_a_stability_assessment_of_every_location() -> None:
    result = run(locations=["JP"], material=True, consumer_finance_system=True)
    assert result.locations_needing_assessment == ()  # JP is on the list ...
    assert cit.LOCATION_STABILITY in result.citations  # ... but 18.I.4.3.2 still asks
    assert any("18.I.4.3.2" in line and "安定性" in line for line in result.explanation_zh)


# -- materiality proposal (Ch 2.2) -----------------------------------------------------------------


def factors(**levels: str) -> dict[str, dict[str, str]]:
    return {key: {"level": levels.get(key, "low"), "note": f"note {key}"} for key in "abcdefg"}


def test_one_high_factor_proposes_material() -> None:
    result = run(materiality_factors=factors(c="high"), material=True)
    proposal = result.materiality_proposal
    assert proposal is not None
    assert proposal.proposed
    assert not proposal.disagrees_with_material
    assert any(reason.startswith("(c)") for reason in proposal.reasons_en)


def test_three_medium_factors_propose_material_two_do_not() -> None:
    three = run(
        materiality_factors=factors(a="medium", d="medium", f="medium")
    ).materiality_proposal
    two = run(materiality_factors=factors(a="medium", d="medium")).materiality_proposal
    assert three is not None and three.proposed
    assert two is not None and not two.proposed


def test_the_proposal_never_overrides_the_confirmed_materiality() -> None:
    result = run(locations=["JP"], materiality_factors=factors(a="high"), material=False)
    assert result.classification == "non_material_offshore"
    assert result.materiality_proposal is not None
    assert result.materiality_proposal.disagrees_with_material
    assert any("不一致" in line for line in result.explanation_zh)
    out = result.to_output("en")
    assert out["materiality_proposal"]["disagrees_with_material"] is True  # type: ignore[index,call-overload]


def test_without_factors_there_is_no_proposal_key() -> None:
    assert "materiality_proposal" not in run().to_output()


# -- results as Determinations ------------------------------------------------------------------

OUTPUT_KEYS = [
    "in_scope",
    "offshore",
    "classification",
    "regulator_approval_required",
    "audit",
    "contract_rows",
    "locations_needing_assessment",
    "citations",
    "explanation",
]


def test_output_has_exactly_the_issue_keys_and_is_json() -> None:
    out = run(locations=["JP"]).to_output("zh-TW")
    assert list(out) == OUTPUT_KEYS
    again = json.loads(json.dumps(out, ensure_ascii=False))
    assert again["audit"] == {"interval_months": 24, "special_audit_required": False}
    assert all(not row.startswith("a3.") for row in again["contract_rows"])
    assert "a3.10.I.1" in again["citations"]


def test_record_carries_inputs_outcome_version_citations_and_both_explanations() -> None:
    result = run(locations=["JP"], materiality_factors=factors(b="high"))
    record = json.loads(json.dumps(result.to_record(), ensure_ascii=False))
    assert {
        "inputs",
        "outcome",
        "rule_version",
        "citations",
        "explanation_zh",
        "explanation_en",
    } <= set(record)
    assert record["rule_version"] == RULE_VERSION
    assert parse_profile(record["inputs"]) == result.profile
    assert record["outcome"]["classification"] == "non_material_offshore"
    assert len(record["explanation_zh"]) == len(record["explanation_en"])
    for part in result.parts:
        part_record = json.loads(json.dumps(part.to_record(), ensure_ascii=False))
        assert part_record["rule_version"] == RULE_VERSION
        assert len(part.explanation_zh) == len(part.explanation_en)


def test_every_citation_emitted_is_declared_in_the_citations_module() -> None:
    declared = set(cit.all_cited_ids())
    profiles = [
        run(
            institution_type=it,
            locations=locs,
            material=m,
            consumer_finance_system=cf,
            exclusion=ex,
            materiality_factors=factors(a="high"),
        )
        for it in ("foreign_bank_branch", "other")
        for locs in (["TW"], ["JP", "VN"])
        for m in (True, False)
        for cf in (True, False)
        for ex in ("none", *EXCLUSIONS)
    ]
    for result in profiles:
        assert set(result.citations) <= declared


def test_profile_is_frozen() -> None:
    profile = parse_profile(BASE)
    with pytest.raises(AttributeError):
        profile.material = True  # type: ignore[misc]
    assert replace(profile, material=True).material
