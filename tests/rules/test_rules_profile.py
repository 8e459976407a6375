"""Profile validation: every bad input names the field and the rule (issue 5, "Bad input")."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import pytest

from fincloud.rules import ProfileError, parse_profile
from fincloud.rules.countries import FAQ10_ASSESSED, ISO_3166_ALPHA2
from fincloud.rules.inputs import InputError, load_profile_text, read_csv, read_jsonl

BASE = {
    "institution_type": "domestic_bank",
    "license_business_or_customer_data": True,
    "csp_processes_or_stores_data": True,
    "service_model": "SaaS",
    "locations": ["TW"],
    "material": False,
}


def error_for(**changes: object) -> ProfileError:
    data = {**BASE, **changes}
    for key, value in changes.items():
        if value is _DROP:
            del data[key]
    with pytest.raises(ProfileError) as info:
        parse_profile(data)
    return info.value


_DROP = object()


def test_defaults() -> None:
    profile = parse_profile(BASE)
    assert profile.exclusion == "none"
    assert profile.consumer_finance_system is False
    assert profile.materiality_factors is None


def test_unknown_key() -> None:
    err = error_for(materiality=True)
    assert err.field == "materiality"
    assert "unknown key" in err.rule_en
    assert "未知的欄位" in err.rule_zh


@pytest.mark.parametrize("key", ["institution_type", "service_model", "locations", "material"])
def test_missing_required_key(key: str) -> None:
    err = error_for(**{key: _DROP})
    assert err.field == key
    assert "required" in err.rule_en


@pytest.mark.parametrize(
    ("key", "value", "expect"),
    [
        ("material", "true", "must be true or false, got a string"),
        ("material", 1, "must be true or false, got a number"),
        ("consumer_finance_system", "no", "must be true or false"),
        ("institution_type", 3, "must be a string"),
        ("locations", "TW", "must be a list"),
        ("locations", [1], "ISO 3166-1 alpha-2 country code (a string), got a number"),
    ],
)
def test_wrong_type(key: str, value: object, expect: str) -> None:
    err = error_for(**{key: value})
    assert err.field.startswith(key)
    assert expect in err.rule_en


def test_unknown_institution_type_lists_the_allowed_ones() -> None:
    err = error_for(institution_type="insurer")
    assert err.field == "institution_type"
    assert "unknown value 'insurer'" in err.rule_en
    assert "domestic_bank" in err.rule_en


def test_unknown_exclusion_and_service_model() -> None:
    assert error_for(exclusion="email").field == "exclusion"
    assert error_for(service_model="saas").field == "service_model"  # case matters


def test_lower_case_country_code_is_refused_with_the_rule_and_a_hint() -> None:
    err = error_for(locations=["JP", "tw"])
    assert err.field == "locations[1]"
    assert "upper case" in err.rule_en
    assert "'TW'" in err.rule_en
    assert "大寫" in err.rule_zh


@pytest.mark.parametrize("code", ["XX", "UK", "TWN", "", "EU"])
def test_unknown_country_code(code: str) -> None:
    err = error_for(locations=[code])
    assert err.field == "locations[0]"
    assert "not an ISO 3166-1 alpha-2 country code" in err.rule_en


def test_empty_location_list() -> None:
    err = error_for(locations=[])
    assert err.field == "locations"
    assert "must not be empty" in err.rule_en


def test_message_is_one_line_in_either_language() -> None:
    err = error_for(locations=["tw"])
    for lang in ("zh-TW", "en"):
        message = err.message(lang)  # type: ignore[arg-type]
        assert "\n" not in message
        assert message.startswith("locations[0]")


def test_materiality_factors_need_all_seven_with_level_and_note() -> None:
    good = {k: {"level": "low", "note": "n"} for k in "abcdefg"}
    assert parse_profile({**BASE, "materiality_factors": good}).materiality_factors is not None
    missing = {k: v for k, v in good.items() if k != "g"}
    assert error_for(materiality_factors=missing).field == "materiality_factors.g"
    assert error_for(materiality_factors={**good, "h": good["a"]}).field == "materiality_factors.h"
    bad_level = {**good, "b": {"level": "severe", "note": "n"}}
    err = error_for(materiality_factors=bad_level)
    assert err.field == "materiality_factors.b.level"
    assert "unknown value 'severe'" in err.rule_en
    no_level = {**good, "d": {"note": "n"}}
    assert error_for(materiality_factors=no_level).field == "materiality_factors.d.level"
    no_note = {**good, "c": {"level": "high", "note": " "}}
    assert error_for(materiality_factors=no_note).field == "materiality_factors.c.note"


def test_profile_must_be_an_object() -> None:
    with pytest.raises(ProfileError) as info:
        parse_profile(["TW"])
    assert info.value.field == "profile"


# -- country table ------------------------------------------------------------------------------


def iso3166_tab() -> str:
    """The IANA time-zone database's list of ISO 3166 codes: from the tzdata package (installed
    with the dependencies), else from the system's zoneinfo."""
    try:
        return importlib.resources.files("tzdata").joinpath("zoneinfo/iso3166.tab").read_text()
    except ModuleNotFoundError:
        return Path("/usr/share/zoneinfo/iso3166.tab").read_text(encoding="utf-8")


def test_iso_table_matches_the_tzdata_iso3166_tab() -> None:
    tab = iso3166_tab()
    codes = {line.split("\t")[0] for line in tab.splitlines() if line and not line.startswith("#")}
    assert codes == ISO_3166_ALPHA2
    assert len(ISO_3166_ALPHA2) == 249
    assert FAQ10_ASSESSED <= ISO_3166_ALPHA2


# -- reading files ------------------------------------------------------------------------------


def test_yaml_keeps_norway_a_string() -> None:
    data = load_profile_text("locations: [NO, no, TW]\nmaterial: false\n", "p.yaml")
    assert data == {"locations": ["NO", "no", "TW"], "material": False}


def test_yaml_and_json_errors_carry_line_and_column() -> None:
    with pytest.raises(InputError) as info:
        load_profile_text("a: [1, 2\nb: 3\n", "p.yaml")
    assert info.value.where.startswith("p.yaml line ")
    assert ", column " in info.value.where
    with pytest.raises(InputError) as info:
        load_profile_text('{"a": 1,\n "b": }', "p.json")
    assert info.value.where == "p.json line 2, column 7"


def test_jsonl_reports_bad_lines_and_skips_blank_ones() -> None:
    items = list(read_jsonl(['{"a": 1}\n', "\n", "{oops\n", '{"b": 2}\n']))
    assert [item.line for item in items] == [1, 3, 4]
    assert items[1].error is not None
    assert items[1].error.message("en").startswith("line 3, column 2: invalid JSON")
    assert items[2].data == {"b": 2}


def test_csv_converts_cells_and_refuses_a_header_without_the_needed_columns() -> None:
    header = (
        "institution_type,license_business_or_customer_data,csp_processes_or_stores_data,"
        "service_model,locations,material,consumer_finance_system\n"
    )
    rows = [
        header,
        "domestic_bank,true,TRUE,SaaS,TW;JP,false,\n",
        "domestic_bank,yes,true,SaaS,TW,false,\n",
    ]
    items = list(read_csv(rows))
    assert items[0].data is not None
    profile = parse_profile(items[0].data)
    assert profile.locations == ("TW", "JP")
    assert profile.consumer_finance_system is False  # empty optional cell -> default
    assert items[1].error is not None
    assert (
        items[1]
        .error.message("en")
        .startswith("line 3, column license_business_or_customer_data: must be true or false")
    )
    with pytest.raises(InputError) as info:
        list(read_csv(["institution_type,material\n", "domestic_bank,true\n"]))
    assert "required column(s)" in info.value.rule_en
    assert "locations" in info.value.rule_en
    with pytest.raises(InputError) as info:
        list(read_csv([header.strip() + ",colour\n"]))
    assert "'colour'" in info.value.where
