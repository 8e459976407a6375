"""The audit programme from the Ch 7.3 table: 13 domains, tailored per service model by the
institution (the manual maps no domain to a model), and the focus items (a)-(f) when material."""

from __future__ import annotations

from fincloud.audits.programme import build_programme, domains, focus_items
from fincloud.catalog import load_catalog

CATALOG = load_catalog()


def test_thirteen_domains_and_six_focus_items():
    assert [d.id for d in domains(CATALOG)] == [f"ch7.3.table.d{i:02d}" for i in range(1, 14)]
    assert [f.id for f in focus_items(CATALOG)] == [f"ch7.3.focus.{x}" for x in "abcdef"]
    assert domains(CATALOG)[0].text_zh.startswith("加密及金鑰管理")


def test_untailored_programme_has_every_check_and_no_focus_items():
    programme = build_programme(CATALOG, material=False)
    checks = [n.id for n in CATALOG.descendants("ch7.3.table") if n.kind == "audit_check"]
    assert [i.catalog_id for i in programme.items] == checks
    # The bullets the manual prints per domain, d01 .. d13.
    per_domain = [4, 3, 7, 6, 3, 5, 6, 5, 5, 5, 6, 2, 4]
    counts = [sum(1 for i in programme.items if i.domain_id == d.id) for d in domains(CATALOG)]
    assert counts == per_domain
    assert len(checks) == sum(per_domain) == 61
    assert programme.excluded_domains == ()
    assert [i.order for i in programme.items] == list(range(len(checks)))


def test_material_services_put_the_focus_items_first():
    programme = build_programme(CATALOG, material=True)
    assert [i.catalog_id for i in programme.items[:6]] == [f"ch7.3.focus.{x}" for x in "abcdef"]
    assert all(i.kind == "focus" and i.domain_id == "" for i in programme.items[:6])
    assert programme.focus_included


def test_tailoring_leaves_out_whole_domains_and_says_which():
    excluded = {"ch7.3.table.d04": "SaaS: physical security relied on from the SOC 2 report"}
    programme = build_programme(CATALOG, material=False, excluded=excluded)
    assert programme.excluded_domains == ("ch7.3.table.d04",)
    assert not any(i.domain_id == "ch7.3.table.d04" for i in programme.items)
    assert len(programme.items) == 61 - 6
