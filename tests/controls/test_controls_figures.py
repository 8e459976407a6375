"""The hard figures of Ch 5 (RULES.md §7): retention >= 6 months, TLS >= 1.2, AES-256 or
stronger, HSM FIPS 140-2 Level 3 or higher; blank figures are not checked."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fincloud.catalog import load_catalog
from fincloud.controls.figures import (
    check_algorithm,
    check_figures,
    minimum_retention_months,
    parse_algorithm,
    parse_tls,
)

CATALOG = load_catalog()


def codes(values):
    return [(v.field, v.code, v.catalog_id) for v in check_figures(values, CATALOG)]


def test_retention_floor_is_the_catalogs_six_months():
    assert minimum_retention_months(CATALOG) == 6
    assert "六個月" in CATALOG.get("ch5.4.basic.a").text_zh


@pytest.mark.parametrize(("months", "ok"), [(5, False), (6, True), (12, True), (0, False)])
def test_audit_trail_retention(months, ok):
    result = codes({"retention_months": months})
    assert (result == []) is ok
    if not ok:
        assert result == [("retention_months", "retention_below_minimum", "ch5.4.basic.a")]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("TLS 1.2", True),
        ("TLS 1.3", True),
        ("TLSv1.2", True),
        ("1.3", True),
        ("TLS 1.1", False),
        ("TLS 1.0", False),
        ("SSL 3.0", False),
    ],
)
def test_tls_floor_is_1_2(value, ok):
    result = codes({"tls_min_version": value})
    assert (result == []) is ok
    if not ok:
        assert result == [("tls_min_version", "tls_below_minimum", "ch5.1.basic.a")]


def test_tls_not_understood_is_named():
    assert codes({"tls_min_version": "modern"}) == [
        ("tls_min_version", "tls_unknown", "ch5.1.basic.a")
    ]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("AES-256-GCM", None),
        ("aes256", None),
        ("AES 256", None),
        ("ChaCha20-Poly1305", None),
        ("Camellia-256-CBC", None),
        ("AES-128-GCM", "algorithm_key_too_short"),
        ("AES_192_CBC", "algorithm_key_too_short"),
        ("XTS-AES-128", "algorithm_key_too_short"),
        ("3DES", "algorithm_weak"),
        ("RC4", "algorithm_weak"),
        ("SM4", "algorithm_weak"),
        ("AES", "algorithm_no_key_length"),
        ("RSA-2048", "algorithm_unknown"),
    ],
)
def test_aes_256_or_stronger(value, code):
    violation = check_algorithm(value)
    assert (violation.code if violation else None) == code
    if violation:
        assert violation.field == "encryption_algorithm"
        assert violation.catalog_id == "ch5.1.basic.d"


@pytest.mark.parametrize(
    ("standard", "level", "code"),
    [
        ("140-2", 3, None),
        ("140-2", 4, None),
        ("140-3", 3, None),
        ("140-2", 2, "hsm_level_below_minimum"),
        ("140-3", 1, "hsm_level_below_minimum"),
        ("140-1", 3, "hsm_standard_unknown"),
        ("140-2", None, "hsm_level_missing"),
        ("140-2", 5, "hsm_level_unknown"),
    ],
)
def test_hsm_fips_140_2_level_3_or_higher(standard, level, code):
    result = check_figures({"hsm_fips_standard": standard, "hsm_fips_level": level}, CATALOG)
    assert [v.code for v in result] == ([code] if code else [])
    assert all(v.catalog_id == "ch5.1.advanced.b" for v in result)


def test_blank_figures_are_not_checked_and_several_violations_are_all_reported():
    assert check_figures({}, CATALOG) == []
    assert check_figures({"retention_months": None, "tls_min_version": ""}, CATALOG) == []
    result = codes(
        {"retention_months": 3, "tls_min_version": "TLS 1.0", "encryption_algorithm": "DES"}
    )
    assert [r[0] for r in result] == ["retention_months", "tls_min_version", "encryption_algorithm"]


@given(st.integers(min_value=-5, max_value=240))
def test_retention_is_accepted_exactly_from_six(months):
    assert (codes({"retention_months": months}) == []) is (months >= 6)


@given(st.sampled_from(["AES", "Camellia", "ARIA"]), st.sampled_from([128, 192, 256]))
def test_keyed_families_need_256_bits(family, bits):
    algo = parse_algorithm(f"{family}-{bits}-GCM")
    assert algo is not None and algo.bits == bits
    assert (check_algorithm(f"{family}-{bits}-GCM") is None) is (bits >= 256)


def test_parse_tls_orders_ssl_below_tls():
    assert parse_tls("SSL 3.0") < parse_tls("TLS 1.0") < parse_tls("TLS 1.2")
