"""BIA checks (Ch 8.1) as pure functions: RTO within MTPD, the CSP's SLA and recovery
commitment against the RTO / RPO with the Ch 3.4 table's figures, and the composite
availability of a process over its dependencies (RULES.md §6)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fincloud.resilience.bia import (
    CompositeInputError,
    Dependency,
    ServiceNode,
    check_composite,
    check_csp_commitment,
    check_rto_within_mtpd,
    composite_expression,
    first_severe_minutes,
    rto_exceeds_mtpd,
)
from fincloud.sla.composite import composite


def test_rto_longer_than_mtpd_is_flagged_and_equal_is_not() -> None:
    assert rto_exceeds_mtpd(300, 240)
    assert not rto_exceeds_mtpd(240, 240)
    assert not rto_exceeds_mtpd(None, 240)
    bad = check_rto_within_mtpd(300, 240)
    assert bad.outcome == {"ok": False}
    assert "RTO（5小時）長於最大可容忍中斷時間 MTPD（4小時）" in bad.explanation_zh[0]
    assert "The RTO (5 h) is longer than" in bad.explanation_en[0]
    assert check_rto_within_mtpd(60, 240).outcome == {"ok": True}


# The Ch 3.4 table's monthly column, as the manual prints it, against an RTO of 30 minutes.
@pytest.mark.parametrize(
    ("sla", "allowed_zh", "flagged"),
    [
        ("99", "7.2小時", True),
        ("99.9", "43.2分鐘", True),
        ("99.95", "21.6分鐘", False),
        ("99.99", "4.32分鐘", False),
        ("99.999", "25.92秒", False),
    ],
)
def test_sla_against_rto_uses_the_manual_table(sla: str, allowed_zh: str, flagged: bool) -> None:
    det = check_csp_commitment(
        rto_minutes=30,
        rpo_minutes=None,
        sla_percent=Decimal(sla),
        csp_rto_minutes=None,
        csp_rpo_minutes=None,
    )
    assert ("sla_allows_outage_longer_than_rto" in det.outcome["flags"]) is flagged
    assert f"每月容許停機 {allowed_zh}（第3章四）" in det.explanation_zh[0]
    assert "ch3.4.sla_table" in det.citations


def test_sla_999_cannot_meet_a_30_minute_rto_in_words() -> None:
    det = check_csp_commitment(
        rto_minutes=30,
        rpo_minutes=15,
        sla_percent=Decimal("99.9"),
        csp_rto_minutes=240,
        csp_rpo_minutes=5,
    )
    assert det.outcome == {
        "meets": False,
        "flags": ("sla_allows_outage_longer_than_rto", "csp_rto_exceeds_rto"),
        "unknown": (),
    }
    assert det.explanation_en[0] == (
        "An SLA of 99.9% allows 43.2 min of downtime a month (Ch 3.4), longer than the RTO of "
        "30 min: the provider may be down for longer than the RTO and still meet its SLA."
    )
    assert "業者承諾之復原時間 4小時 長於 RTO 30分鐘。" in det.explanation_zh


def test_yearly_measurement_period_uses_the_yearly_column() -> None:
    # 99.99 % allows 52.56 minutes a year: fine for a one-hour RTO, not for 30 minutes.
    ok = check_csp_commitment(
        rto_minutes=60,
        rpo_minutes=None,
        sla_percent=Decimal("99.99"),
        csp_rto_minutes=None,
        csp_rpo_minutes=None,
        period="year",
    )
    assert ok.outcome["flags"] == ()
    assert "每年容許停機 52.56分鐘" in ok.explanation_zh[0]
    bad = check_csp_commitment(
        rto_minutes=30,
        rpo_minutes=None,
        sla_percent=Decimal("99.99"),
        csp_rto_minutes=None,
        csp_rpo_minutes=None,
        period="year",
    )
    assert bad.outcome["flags"] == ("sla_allows_outage_longer_than_rto",)


def test_an_sla_off_the_table_is_computed() -> None:
    # 99.5 % of 30 days = 216 minutes = 3.6 hours.
    det = check_csp_commitment(
        rto_minutes=240,
        rpo_minutes=None,
        sla_percent=Decimal("99.5"),
        csp_rto_minutes=None,
        csp_rpo_minutes=None,
    )
    assert det.outcome["flags"] == ()
    assert "每月容許停機 3.6小時" in det.explanation_zh[0]


def test_provider_recovery_point_longer_than_rpo_is_flagged() -> None:
    det = check_csp_commitment(
        rto_minutes=60,
        rpo_minutes=15,
        sla_percent=Decimal("99.99"),
        csp_rto_minutes=60,
        csp_rpo_minutes=60,
    )
    assert det.outcome["flags"] == ("csp_rpo_exceeds_rpo",)
    assert det.outcome["meets"] is False


def test_unknown_commitments_leave_the_answer_open() -> None:
    det = check_csp_commitment(
        rto_minutes=60,
        rpo_minutes=15,
        sla_percent=None,
        csp_rto_minutes=30,
        csp_rpo_minutes=None,
    )
    assert det.outcome["meets"] is None
    assert det.outcome["unknown"] == ("csp_sla_percent", "csp_rpo_minutes")
    assert "未記錄之業者承諾：業者服務水準（SLA）、業者承諾之復原時間點。" in det.explanation_zh


def test_first_severe_time_point() -> None:
    impacts = {"financial": {"60": 1, "240": 4}, "customer": {"60": 2, "1440": 4}}
    assert first_severe_minutes(impacts) == 240
    assert first_severe_minutes({"financial": {"60": 3}}) is None


def _graph() -> dict[str, ServiceNode]:
    return {
        "app": ServiceNode(
            "app",
            "Mobile banking",
            Decimal("99.95"),
            (
                Dependency("db"),
                Dependency("r1", "parallel", "regions"),
                Dependency("r2", "parallel", "regions"),
            ),
        ),
        "db": ServiceNode("db", "Database", Decimal("99.9")),
        "r1": ServiceNode("r1", "Region 1", Decimal("99.5")),
        "r2": ServiceNode("r2", "Region 2", Decimal("99.5")),
    }


def test_composite_expression_follows_series_and_redundancy_groups() -> None:
    assert composite_expression("app", _graph()) == "(99.95 * 99.9 * (99.5 | 99.5))"


def test_process_below_its_target_is_flagged_with_the_sla_composite() -> None:
    det = check_composite(
        process="Payments", root="app", graph=_graph(), target_percent=Decimal("99.9")
    )
    expected = composite("99.95 * 99.9 * (99.5 | 99.5)").availability_percent
    assert Decimal(det.outcome["composite_percent"]) == expected
    assert det.outcome["below_target"] is True
    assert "低於目標 99.9%" in det.explanation_zh[0]
    ok = check_composite(
        process="Payments", root="app", graph=_graph(), target_percent=Decimal("99.8")
    )
    assert ok.outcome["below_target"] is False


def test_transitive_dependencies_count() -> None:
    graph = _graph()
    graph["db"] = ServiceNode("db", "Database", Decimal("99.9"), (Dependency("storage"),))
    graph["storage"] = ServiceNode("storage", "Storage", Decimal("99.99"))
    assert composite_expression("app", graph) == "(99.95 * (99.9 * 99.99) * (99.5 | 99.5))"


def test_a_cycle_is_named() -> None:
    graph = _graph()
    graph["db"] = ServiceNode("db", "Database", Decimal("99.9"), (Dependency("app"),))
    with pytest.raises(CompositeInputError) as exc:
        composite_expression("app", graph)
    assert exc.value.code == "cycle"
    assert exc.value.names == ("Mobile banking", "Database", "Mobile banking")


def test_a_service_without_availability_is_named() -> None:
    graph = _graph()
    graph["r2"] = ServiceNode("r2", "Region 2", None)
    with pytest.raises(CompositeInputError) as exc:
        composite_expression("app", graph)
    assert exc.value.code == "missing_availability"
    assert exc.value.names == ("Region 2",)
    assert "Region 2" in exc.value.zh


percent = st.decimals(min_value=Decimal("90"), max_value=Decimal("100"), places=3)


@given(own=percent, deps=st.lists(percent, min_size=1, max_size=5))
def test_series_dependencies_never_raise_the_composite(own: Decimal, deps: list[Decimal]) -> None:
    graph = {
        "root": ServiceNode(
            "root", "root", own, tuple(Dependency(f"d{i}") for i in range(len(deps)))
        ),
        **{f"d{i}": ServiceNode(f"d{i}", f"d{i}", a) for i, a in enumerate(deps)},
    }
    value = composite(composite_expression("root", graph)).availability_percent
    assert value <= min(own, *deps)


@given(alternatives=st.lists(percent, min_size=2, max_size=4))
def test_a_redundancy_group_is_never_below_its_best_member(alternatives: list[Decimal]) -> None:
    graph = {
        "root": ServiceNode(
            "root",
            "root",
            Decimal(100),
            tuple(Dependency(f"a{i}", "parallel", "g") for i in range(len(alternatives))),
        ),
        **{f"a{i}": ServiceNode(f"a{i}", f"a{i}", a) for i, a in enumerate(alternatives)},
    }
    value = composite(composite_expression("root", graph)).availability_percent
    assert value >= max(alternatives)
