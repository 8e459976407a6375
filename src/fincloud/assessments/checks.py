"""The pure checks a pre-use assessment runs before it can be submitted or approved.

Each check returns codes (stable keys); the services turn them into translated messages that
name the row, the certificate or the field. Plain Python: no Django, no database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

# -- certificates (Ch 3.1 (g)) ------------------------------------------------------------------

CertificateStatus = Literal["valid", "expiring", "expired", "no_expiry"]
DEFAULT_EXPIRY_WARNING_DAYS: Final = 90


def certificate_status(
    expiry: dt.date | None,
    *,
    planned_start: dt.date,
    today: dt.date,
    warn_days: int = DEFAULT_EXPIRY_WARNING_DAYS,
) -> CertificateStatus:
    """A certificate must be valid on the planned start date of the service (and today):
    expired before then blocks submission; expiring within ``warn_days`` after it warns."""
    if expiry is None:
        return "no_expiry"
    reference = max(planned_start, today)
    if expiry < reference:
        return "expired"
    if expiry <= reference + dt.timedelta(days=warn_days):
        return "expiring"
    return "valid"


# -- contract rows (Annex 3, Ch 3.3) -------------------------------------------------------------

Judgement = Literal["", "compliant", "not_compliant", "not_applicable"]


@dataclass(frozen=True, slots=True)
class RowState:
    row: str
    judgement: Judgement
    na_reason: str = ""
    impact_assessment: str = ""
    # Ch 3.3: does leaving the clause out risk customer rights or operations? None = not said.
    significant_impact: bool | None = None
    # Alternative measures that name an owner and a date.
    complete_measures: int = 0
    tailored: bool = False
    tailoring_reason: str = ""
    # Stored contract documents linked as covering the row.
    documents: int = 0


RowProblem = Literal[
    "unjudged",
    "compliant_without_document",
    "na_without_reason",
    "nc_without_impact",
    "nc_without_measure",
    "tailored_without_reason",
]


def row_problems(state: RowState) -> tuple[RowProblem, ...]:
    """What keeps a contract row from being complete.

    Ch 3.3 (last part): a mandatory clause that cannot be agreed is first assessed for its risk
    to customer rights or operations; with no significant impact no alternative measure is
    needed, otherwise alternative measures (a)-(d) are planned. A 未符合 row with neither the
    assessment nor (when the impact is significant) a measure blocks submission and approval.
    """
    problems: list[RowProblem] = []
    if state.judgement == "":
        problems.append("unjudged")
    elif state.judgement == "compliant" and state.documents == 0:
        # Annex 4 names, per row, the documents that cover it; a 符合 needs at least one.
        problems.append("compliant_without_document")
    elif state.judgement == "not_applicable" and not state.na_reason.strip():
        problems.append("na_without_reason")
    elif state.judgement == "not_compliant":
        if not state.impact_assessment.strip() or state.significant_impact is None:
            problems.append("nc_without_impact")
        elif state.significant_impact and state.complete_measures == 0:
            problems.append("nc_without_measure")
    if state.tailored and not state.tailoring_reason.strip():
        problems.append("tailored_without_reason")
    return tuple(problems)


# -- materiality re-evaluation (Ch 2.2) ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Exposure:
    """The scale of outsourcing to one CSP at a moment: services, data and spend."""

    services: int
    data_volume: Decimal | None = None  # GB of data the CSP holds for the institution
    annual_spend: Decimal | None = None  # TWD a year

    def to_json(self) -> dict[str, str | int | None]:
        return {
            "services": self.services,
            "data_volume": None if self.data_volume is None else str(self.data_volume),
            "annual_spend": None if self.annual_spend is None else str(self.annual_spend),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Exposure:
        def dec(value: object) -> Decimal | None:
            return None if value in (None, "") else Decimal(str(value))

        services = data.get("services", 0)
        return cls(
            services=int(services) if isinstance(services, int | str) else 0,
            data_volume=dec(data.get("data_volume")),
            annual_spend=dec(data.get("annual_spend")),
        )


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When growth of the exposure to the same CSP calls for a new materiality judgement."""

    services_increase: int = 1  # this many more services than at the judgement
    data_growth_percent: Decimal = Decimal(25)
    spend_growth_percent: Decimal = Decimal(25)


@dataclass(frozen=True, slots=True)
class Growth:
    kind: Literal["services", "data_volume", "annual_spend"]
    before: str
    after: str


def _grew(before: Decimal | None, after: Decimal | None, percent: Decimal) -> bool:
    if after is None:
        return False
    if before is None or before == 0:
        return after > 0
    return (after - before) * 100 >= before * percent


def exposure_growth(before: Exposure, now: Exposure, thresholds: Thresholds) -> tuple[Growth, ...]:
    """Ch 2.2: a non-material outsourcing may become material when the outsourcing to the same
    CSP grows; name each measure that grew past its threshold since the last judgement."""
    found: list[Growth] = []
    if now.services - before.services >= thresholds.services_increase:
        found.append(Growth("services", str(before.services), str(now.services)))
    if _grew(before.data_volume, now.data_volume, thresholds.data_growth_percent):
        found.append(Growth("data_volume", str(before.data_volume or 0), str(now.data_volume)))
    if _grew(before.annual_spend, now.annual_spend, thresholds.spend_growth_percent):
        found.append(Growth("annual_spend", str(before.annual_spend or 0), str(now.annual_spend)))
    return tuple(found)


def nature_changes(before: Mapping[str, object], now: Mapping[str, object]) -> tuple[str, ...]:
    """Ch 2.2: the nature of the work changed: the fields whose values differ, sorted."""
    keys = set(before) | set(now)
    return tuple(sorted(k for k in keys if _norm(before.get(k)) != _norm(now.get(k))))


def _norm(value: object) -> object:
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(sorted(str(v) for v in value))
    return value
