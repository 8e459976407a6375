"""Who may audit a cloud service: qualification (Ch 7.2 (a)/(b)) and independence (Ch 7.2 (c)).

Plain Python (no Django), so the rules are tested without a database and used alike by the
web app, the CLI and reports.

Ch 7.2 says the qualification "may include any one of" (資格建議可包含下列任一經驗或證照):
(a) cloud-security certifications: (1) ISO 27001, ISO 27017, CCSP, CCSK, CISSP; (2) AWS CCP,
Azure AZ-900, GCP Cloud Digital Leader; (3) AWS Certified Security Specialty, Azure AZ-500, GCP
Professional Cloud Security Engineer; or (b) experience of cloud-security audits. The list of
certifications is the catalog's (``ch7.2.a`` data), not typed here. A certificate counts when
it is valid on the audit date; experience counts when it is documented.

(c) The auditor is independent of the unit that outsources the work or runs the cloud service;
RULES.md §8 applies the same principle: an auditor cannot audit a service of their own unit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from fincloud.catalog import Catalog

CERTIFICATIONS_NODE: Final = "ch7.2.a"
EXPERIENCE_NODE: Final = "ch7.2.b"
INDEPENDENCE_NODE: Final = "ch7.2.c"


def recognised_certifications(catalog: Catalog) -> tuple[str, ...]:
    """The certifications Ch 7.2 (a) names, in the manual's order."""
    return tuple(catalog.get(CERTIFICATIONS_NODE).data["certifications"])


@dataclass(frozen=True, slots=True)
class CertificateRecord:
    name: str  # one of recognised_certifications(), or another name (which does not count)
    valid_from: dt.date | None = None
    valid_until: dt.date | None = None

    def valid_on(self, day: dt.date) -> bool:
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_until is None or day <= self.valid_until


@dataclass(frozen=True, slots=True)
class ExperienceRecord:
    description: str
    documented: bool = True  # backed by a reference or evidence (an engagement, a report)


@dataclass(frozen=True, slots=True)
class Qualification:
    qualified: bool
    certificates: tuple[str, ...]  # recognised certificates valid on the date
    experience: bool
    expired: tuple[str, ...]  # recognised certificates not valid on the date
    unrecognised: tuple[str, ...]  # certificates held that Ch 7.2 (a) does not name
    on: dt.date
    citations: tuple[str, ...]

    @property
    def basis(self) -> tuple[str, ...]:
        return self.certificates + (("experience",) if self.experience else ())


def check_qualification(
    *,
    certificates: Iterable[CertificateRecord],
    experience: Iterable[ExperienceRecord],
    on: dt.date,
    recognised: Iterable[str],
) -> Qualification:
    """Qualified by any one recognised certificate valid on ``on``, or documented cloud-security
    audit experience (Ch 7.2 (a), (b))."""
    names = set(recognised)
    valid: list[str] = []
    expired: list[str] = []
    unrecognised: list[str] = []
    for cert in certificates:
        if cert.name not in names:
            unrecognised.append(cert.name)
        elif cert.valid_on(on):
            valid.append(cert.name)
        else:
            expired.append(cert.name)
    has_experience = any(e.documented and e.description.strip() for e in experience)
    valid_t = tuple(dict.fromkeys(valid))
    return Qualification(
        qualified=bool(valid_t) or has_experience,
        certificates=valid_t,
        experience=has_experience,
        expired=tuple(dict.fromkeys(n for n in expired if n not in valid_t)),
        unrecognised=tuple(dict.fromkeys(unrecognised)),
        on=on,
        citations=(CERTIFICATIONS_NODE, EXPERIENCE_NODE),
    )


@dataclass(frozen=True, slots=True)
class Independence:
    independent: bool
    # Which rule refuses: "owning_unit" (the auditor's unit outsources/owns the service),
    # "running_unit" (the auditor's unit runs it), "service_owner" (the auditor is its owner).
    conflicts: tuple[str, ...]
    citations: tuple[str, ...] = (INDEPENDENCE_NODE,)


def check_independence(
    *,
    auditor_unit: object | None,
    auditor_person: object | None,
    owning_units: Iterable[object],
    running_units: Iterable[object] = (),
    service_owners: Iterable[object] = (),
) -> Independence:
    """Ch 7.2 (c): independent of the unit that outsources (owns) or runs the service. Units and
    people are compared by identity keys (primary keys); None never matches."""
    conflicts: list[str] = []
    if auditor_unit is not None and auditor_unit in set(owning_units):
        conflicts.append("owning_unit")
    if auditor_unit is not None and auditor_unit in set(running_units):
        conflicts.append("running_unit")
    if auditor_person is not None and auditor_person in set(service_owners):
        conflicts.append("service_owner")
    return Independence(independent=not conflicts, conflicts=tuple(conflicts))
