"""Auditor qualification (Ch 7.2 (a)/(b): any one certification valid on the audit date, or
documented cloud-security audit experience) and independence (Ch 7.2 (c), RULES.md §8)."""

from __future__ import annotations

import datetime as dt

import pytest

from fincloud.audits.auditors import (
    CertificateRecord,
    ExperienceRecord,
    check_independence,
    check_qualification,
    recognised_certifications,
)
from fincloud.catalog import load_catalog

CATALOG = load_catalog()
RECOGNISED = recognised_certifications(CATALOG)
AUDIT_DAY = dt.date(2026, 12, 1)


def qualify(certs=(), experience=()):
    return check_qualification(
        certificates=certs, experience=experience, on=AUDIT_DAY, recognised=RECOGNISED
    )


def test_the_eleven_certifications_of_ch7_2():
    assert RECOGNISED == (
        "ISO 27001", "ISO 27017", "CCSP", "CCSK", "CISSP",
        "AWS CCP", "Azure AZ-900", "GCP Cloud Digital Leader",
        "AWS Certified Security Specialty", "Azure AZ-500",
        "GCP Professional Cloud Security Engineer",
    )  # fmt: skip


@pytest.mark.parametrize("name", RECOGNISED)
def test_any_one_recognised_certificate_valid_on_the_audit_date_qualifies(name):
    q = qualify([CertificateRecord(name, dt.date(2024, 1, 1), dt.date(2027, 1, 1))])
    assert q.qualified
    assert q.certificates == (name,)
    assert q.basis == (name,)


def test_certificate_validity_is_judged_on_the_audit_date():
    expired = CertificateRecord("CISSP", dt.date(2020, 1, 1), dt.date(2026, 11, 30))
    not_yet = CertificateRecord("CCSP", dt.date(2026, 12, 2), None)
    last_day = CertificateRecord("CCSK", None, AUDIT_DAY)
    q = qualify([expired, not_yet])
    assert not q.qualified
    assert q.expired == ("CISSP", "CCSP")
    assert qualify([last_day]).qualified


def test_unrecognised_certificates_do_not_qualify():
    q = qualify([CertificateRecord("CISA", None, None), CertificateRecord("PMP", None, None)])
    assert not q.qualified
    assert q.unrecognised == ("CISA", "PMP")


def test_documented_experience_alone_qualifies():
    q = qualify(experience=[ExperienceRecord("2024 cloud security audit of the CRM SaaS")])
    assert q.qualified and q.experience and q.basis == ("experience",)
    assert not qualify(experience=[ExperienceRecord("   ")]).qualified
    assert not qualify(experience=[ExperienceRecord("rumoured", documented=False)]).qualified


def test_neither_certificate_nor_experience_is_not_qualified():
    q = qualify()
    assert not q.qualified
    assert q.citations == ("ch7.2.a", "ch7.2.b")


def test_independence_refuses_the_owning_and_the_running_unit_and_the_owner():
    ok = check_independence(
        auditor_unit=6, auditor_person=60, owning_units=[7], running_units=[2], service_owners=[70]
    )
    assert ok.independent and ok.conflicts == ()
    owning = check_independence(auditor_unit=7, auditor_person=61, owning_units=[7])
    assert not owning.independent and owning.conflicts == ("owning_unit",)
    running = check_independence(
        auditor_unit=2, auditor_person=62, owning_units=[7], running_units=[2]
    )
    assert running.conflicts == ("running_unit",)
    owner = check_independence(
        auditor_unit=6, auditor_person=70, owning_units=[7], service_owners=[70]
    )
    assert owner.conflicts == ("service_owner",)
    assert owner.citations == ("ch7.2.c",)


def test_an_external_auditor_without_a_unit_is_independent_of_every_unit():
    result = check_independence(
        auditor_unit=None, auditor_person=None, owning_units=[None, 7], running_units=[None]
    )
    assert result.independent
