"""The attainment of many services for one calendar period, from one list of outage rows.

The database hands over (service, start, end, planned) rows from one query; this module groups
them per service and calls fincloud.sla's ``attainment`` for each (which clips to the period,
merges overlaps and leaves planned maintenance out when asked): the arithmetic is fincloud.sla's
alone. Service credits follow the contract's tiers. Plain Python: no Django.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from fincloud.sla.attainment import Attainment, Outage, Period
from fincloud.sla.attainment import attainment as sla_attainment

MONTHLY = "monthly"
QUARTERLY = "quarterly"


@dataclass(frozen=True)
class TargetSpec:
    percent: Decimal
    planned_excluded: bool = True
    period: str = MONTHLY  # the contract's measurement period
    credit_terms: tuple[Mapping[str, str], ...] = ()  # [{"below": "99.9", "credit_percent": "10"}]
    claim_window_days: int = 30
    owner_id: int | None = None


@dataclass(frozen=True)
class Result:
    attainment: Attainment
    credit_percent: Decimal | None  # None: no tier applies, or not the contract's period


Row = tuple[int, dt.datetime, dt.datetime | None, bool]


def credit_due(availability: Decimal, terms: Iterable[Mapping[str, str]]) -> Decimal | None:
    """The largest credit of the tiers the availability falls under; None when none does."""
    credits = [Decimal(t["credit_percent"]) for t in terms if availability < Decimal(t["below"])]
    return max(credits) if credits else None


def is_contract_period(label: str, period_kind: str) -> bool:
    return ("Q" in label) == (period_kind == QUARTERLY)


def compute(
    rows: Iterable[Row],
    targets: Mapping[int, TargetSpec],
    period: Period,
    now: dt.datetime,
) -> dict[int, Result]:
    """Every service of ``targets``, with the rows that concern it. An outage still going on
    (end None) counts up to ``now``."""
    outages: dict[int, list[Outage]] = defaultdict(list)
    for service_id, start, end, planned in rows:
        if service_id in targets:
            outages[service_id].append(Outage(start, end if end is not None else now, planned))
    results: dict[int, Result] = {}
    for service_id, spec in targets.items():
        result = sla_attainment(
            outages.get(service_id, ()),
            period,
            spec.percent,
            include_planned=not spec.planned_excluded,
        )
        credit = None
        if spec.credit_terms and is_contract_period(period.label, spec.period):
            credit = credit_due(result.availability_percent, spec.credit_terms)
        results[service_id] = Result(result, credit)
    return results
