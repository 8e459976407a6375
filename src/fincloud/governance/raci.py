"""Checks of a responsibility (RACI) matrix of the Ch 1.4 duties (pure functions).

Ch 1.4 asks the institution to divide the duties (a)-(i) among its units; a RACI matrix states
for each duty who is Responsible, Accountable, Consulted and Informed. The usual RACI discipline
(our rule, not the manual's wording): every duty has exactly one accountable unit and at least
one responsible unit, so that no duty is left without an owner.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

LETTERS = ("R", "A", "AR", "C", "I")


@dataclass(frozen=True)
class Problem:
    duty_id: str
    code: str  # "no_accountable", "many_accountable", "no_responsible", "bad_letter"
    units: tuple[str, ...] = ()


def problems(
    cells: Mapping[str, Mapping[str, str]], duty_ids: Iterable[str], unit_codes: Iterable[str]
) -> list[Problem]:
    """What stops the matrix from being submitted, duty by duty in the manual's order.

    ``cells`` maps duty id -> unit code -> letters; units not in ``unit_codes`` are ignored
    (a unit that no longer exists cannot hold a duty).
    """
    known = set(unit_codes)
    found: list[Problem] = []
    for duty in duty_ids:
        row = {u: v for u, v in (cells.get(duty) or {}).items() if u in known and v}
        bad = tuple(sorted(u for u, v in row.items() if v not in LETTERS))
        if bad:
            found.append(Problem(duty, "bad_letter", bad))
        accountable = tuple(sorted(u for u, v in row.items() if v in {"A", "AR"}))
        responsible = [u for u, v in row.items() if v in {"R", "AR"}]
        if not accountable:
            found.append(Problem(duty, "no_accountable"))
        elif len(accountable) > 1:
            found.append(Problem(duty, "many_accountable", accountable))
        if not responsible:
            found.append(Problem(duty, "no_responsible"))
    return found
