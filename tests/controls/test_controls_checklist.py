"""The Ch 5/Ch 6 checklist comes from the catalog and follows the service model (RULES.md §7)."""

from __future__ import annotations

import pytest

from fincloud.catalog import load_catalog
from fincloud.controls.checklist import FIGURES_BY_CONTROL, controls_for, sections

CATALOG = load_catalog()


def test_sections_are_the_eleven_of_ch5_and_ch6_in_order():
    assert [s.id for s in sections(CATALOG)] == [
        "ch5.1", "ch5.2", "ch5.3", "ch5.4", "ch5.5", "ch5.6",
        "ch6.1", "ch6.2", "ch6.3", "ch6.4", "ch6.5",
    ]  # fmt: skip


def test_every_basic_and_advanced_node_is_a_control_when_no_model_is_given():
    ids = {c.catalog_id for c in controls_for(CATALOG, None)}
    expected = {
        n.id
        for ch in ("ch5", "ch6")
        for n in CATALOG.descendants(ch)
        if n.kind in {"basic", "advanced"}
    }
    assert ids == expected


@pytest.mark.parametrize(
    ("model", "present", "absent"),
    [
        ("IaaS", "ch6.2.basic.a", {"ch6.2.basic.b", "ch6.2.basic.c"}),
        ("PaaS", "ch6.2.basic.b", {"ch6.2.basic.a", "ch6.2.basic.c"}),
        ("SaaS", "ch6.2.basic.c", {"ch6.2.basic.a", "ch6.2.basic.b"}),
    ],
)
def test_ch6_2_deployment_items_follow_the_service_model(model, present, absent):
    ids = {c.catalog_id for c in controls_for(CATALOG, model)}
    assert present in ids
    assert not (absent & ids)
    # Items the manual does not limit stay for every model.
    assert {"ch5.1.basic.a", "ch6.2.advanced.a", "ch6.1.basic.a"} <= ids


def test_iaas_only_sub_item_of_ch6_3_appears_for_iaas_only():
    by_id = {c.catalog_id: c for c in controls_for(CATALOG, "IaaS")}
    assert "ch6.3.basic.a.2" in by_id["ch6.3.basic.a"].sub_items
    for model in ("PaaS", "SaaS"):
        by_id = {c.catalog_id: c for c in controls_for(CATALOG, model)}
        assert "ch6.3.basic.a.2" not in by_id["ch6.3.basic.a"].sub_items
        assert "ch6.3.basic.a.1" in by_id["ch6.3.basic.a"].sub_items


def test_basic_items_are_proposed_and_advanced_wait_for_a_decision():
    for spec in controls_for(CATALOG, "SaaS"):
        if spec.strength == "basic":
            assert spec.proposed_adopted is True, spec.catalog_id
        else:
            assert spec.proposed_adopted is None, spec.catalog_id


def test_counts_per_section_match_the_manual():
    # Ch 5.1 has basic (a)-(d) and advanced (a)-(c); Ch 6.4 has basic (a)-(g) and no advanced.
    specs = controls_for(CATALOG, "IaaS")
    s51 = [s for s in specs if s.section_id == "ch5.1"]
    assert [(s.strength, s.catalog_id[-1]) for s in s51] == [
        ("basic", "a"), ("basic", "b"), ("basic", "c"), ("basic", "d"),
        ("advanced", "a"), ("advanced", "b"), ("advanced", "c"),
    ]  # fmt: skip
    s64 = [s for s in specs if s.section_id == "ch6.4"]
    assert len(s64) == 7
    assert all(s.strength == "basic" for s in s64)


def test_figure_controls_exist_in_the_catalog():
    for cid in FIGURES_BY_CONTROL:
        assert CATALOG.find(cid) is not None, cid


def test_unknown_service_model_is_refused():
    with pytest.raises(ValueError, match="unknown service model"):
        controls_for(CATALOG, "FaaS")
