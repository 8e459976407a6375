"""Checklists generated from the catalog: the Ch 8.5 exit phases and items, the Ch 8.3 event
types a BCP answers, and the Ch 8.4 drill result against the RTO / RPO."""

from __future__ import annotations

import pytest

from fincloud.catalog import load_catalog
from fincloud.resilience import bia, checklists, deadlines, recurrence
from fincloud.resilience.checklists import (
    SCENARIOS,
    Answer,
    Scenario,
    bcp_event_types,
    deletion_items,
    drill_result,
    exit_checklist,
    exit_depth,
    exit_phases,
    not_done,
    unanswered,
    uncovered_events,
)


def test_every_cited_id_exists_in_the_catalog() -> None:
    catalog = load_catalog()
    for module in (bia, checklists, deadlines, recurrence):
        for cid in module.CITED_IDS:
            assert catalog.find(cid) is not None, (module.__name__, cid)


def test_the_three_exit_phases_are_the_manuals() -> None:
    assert [zh for _id, zh, _en in exit_phases()] == ["事前評估", "事中處理", "事後確認"]


def test_exit_checklist_is_the_catalogs_phase_items_then_the_termination_items() -> None:
    catalog = load_catalog()
    items = exit_checklist()
    phase_items = [n.id for p in checklists.EXIT_PHASES for n in catalog.children(p)]
    assert [i.id for i in items if i.group != "termination"] == phase_items
    assert len(phase_items) == 9
    assert [i.id for i in items if i.group == "termination"] == [
        f"ch8.5.termination.{x}" for x in "abcdefg"
    ]
    by_id = {i.id: i for i in items}
    assert by_id["ch8.5.pre.2"].text_zh == "盤點應返還、移轉之資料及資源。"
    assert by_id["ch8.5.during.2"].text_zh == catalog.get("ch8.5.during.2").text_zh
    assert [d[0] for d in deletion_items()] == [f"ch8.5.deletion.{x}" for x in "abc"]
    assert "電子覆蓋或加密刪除" in deletion_items()[0][1]


def test_depth_follows_the_risk() -> None:
    assert exit_depth(material=True, classification=None) == "full"
    assert exit_depth(material=False, classification=2) == "full"
    assert exit_depth(material=False, classification=4) == "standard"
    assert exit_depth(material=None, classification=None) == "standard"


def test_what_a_plan_still_lacks() -> None:
    items = exit_checklist()
    first, second = items[0].id, items[1].id
    answers = {i.id: Answer() for i in items}
    assert unanswered(items, answers, "standard") == []
    # A full plan says how each item will be done.
    assert len(unanswered(items, answers, "full")) == len(items)
    answers[first] = Answer(applicable=False)
    assert unanswered(items, answers, "standard") == [first]  # not applicable needs a reason
    answers[first] = Answer(applicable=False, note="No data returned: none held.")
    del answers[second]
    assert unanswered(items, answers, "standard") == [second]
    done = {i.id: Answer(done=True) for i in items}
    done[first] = Answer(applicable=False, note="n/a")
    assert not_done(items, done) == []
    done[second] = Answer(done=False)
    assert not_done(items, done) == [second]


def test_event_types_are_ch83_a_to_f_then_the_paragraph_scenarios() -> None:
    catalog = load_catalog()
    events = bcp_event_types()
    assert [e.catalog_id for e in events[:6]] == [f"ch8.3.events.{x}" for x in "abcdef"]
    assert events[1].text_zh == "地緣政治風險。"  # geopolitical events
    assert [e.key for e in events[6:]] == ["single_point", "region_loss", "csp_failure"]
    for scenario in SCENARIOS:
        assert scenario.quote in catalog.get(scenario.catalog_id).text_zh


def test_a_plan_must_answer_or_set_aside_every_event() -> None:
    events = bcp_event_types()
    scenarios = {e.key: Scenario(response="Fail over to the second region.") for e in events}
    assert uncovered_events(events, scenarios) == []
    scenarios["ch8.3.events.b"] = Scenario()
    scenarios.pop("region_loss")
    assert uncovered_events(events, scenarios) == ["ch8.3.events.b", "region_loss"]
    scenarios["ch8.3.events.b"] = Scenario(not_applicable_reason="Domestic provider only.")
    assert uncovered_events(events, scenarios) == ["region_loss"]


@pytest.mark.parametrize(
    ("recovery", "loss", "met"),
    [(45, 10, True), (75, 10, False), (45, 20, False), (None, None, None)],
)
def test_drill_result_against_rto_and_rpo(recovery, loss, met) -> None:
    det = drill_result(
        rto_minutes=60, rpo_minutes=15, recovery_minutes=recovery, data_loss_minutes=loss
    )
    assert det.outcome == {"met": met}
    if recovery == 75:
        assert det.explanation_zh[0] == "演練復原時間 75分鐘，RTO 60分鐘：未達。"
