"""The risk and utility report of a de-identified table, before and after (Ch 9.3).

One function for the CLI (`fincloud deid assess`) and the web job alike: the approver sees the
same numbers the command prints.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from fincloud.deid.hierarchy import Hierarchy
from fincloud.deid.privacy.risk import DEFAULT_THRESHOLD, RiskReport, assess_risk
from fincloud.deid.privacy.utility import UtilityReport, assess_utility

if TYPE_CHECKING:
    import polars as pl


@dataclass(frozen=True)
class Assessment:
    quasi_identifiers: tuple[str, ...]
    before: RiskReport | None  # the original on its own, when it is given
    after: RiskReport  # the release, with the original as the attacker's background knowledge
    utility: UtilityReport | None  # needs the original

    def as_dict(self) -> dict[str, Any]:
        return {
            "quasi_identifiers": list(self.quasi_identifiers),
            "before": None if self.before is None else self.before.as_dict(),
            "after": self.after.as_dict(),
            "utility": None if self.utility is None else self.utility.as_dict(),
        }


def assess(
    release: pl.DataFrame,
    quasi_identifiers: Sequence[str],
    *,
    original: pl.DataFrame | None = None,
    hierarchies: Mapping[str, Hierarchy] | None = None,
    sensitive: Sequence[str] = (),
    target: str | None = None,
    threshold: float = DEFAULT_THRESHOLD,
) -> Assessment:
    """Risk after (and before, with the original), the three tests, and utility.

    Raises `RiskError` or `UtilityError` (both ValueError) with a one-line message.
    """
    names = tuple(quasi_identifiers)
    known = dict(hierarchies or {})
    after = assess_risk(
        release,
        names,
        original=original,
        hierarchies=known,
        sensitive=sensitive,
        threshold=threshold,
    )
    before = None
    utility = None
    if original is not None:
        before = assess_risk(original, names, sensitive=sensitive, threshold=threshold)
        utility = assess_utility(original, release, names, hierarchies=known, target=target)
    return Assessment(names, before, after, utility)
