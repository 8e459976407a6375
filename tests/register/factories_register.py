"""Factories and helpers for the register's tests."""

from __future__ import annotations

from typing import Any

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from fincloud.register.models import (
    Certification,
    CloudService,
    CloudServiceProvider,
    Institution,
    ServiceLocation,
)

from factories import UnitFactory, UserFactory

# Valid unified business numbers (checked in test_register_services.py, not assumed here).
BN_VALID_BOTH_RULES = "04595257"  # weighted sum divisible by 10: valid before and after 2023
BN_VALID_NEW_RULE_ONLY = "86510007"  # divisible by 5, not by 10: issued since 2023-04-01
BN_SEVENTH_DIGIT_SEVEN = "10000073"  # valid only through the 7th-digit-7 exception


def pdf(name: str = "doc.pdf", body: bytes = b"content") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + body + b"\n%%EOF\n", "application/pdf")


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution
        django_get_or_create = ("singleton",)

    singleton = 1
    institution_type = "domestic_bank"
    name_zh = "測試銀行"
    name_en = "Test Bank"
    business_number = BN_VALID_NEW_RULE_ONLY


class CSPFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CloudServiceProvider

    name = factory.Sequence(lambda n: f"CSP {n}")
    country = "US"
    channel = "direct"


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CloudService

    name = factory.Sequence(lambda n: f"Service {n}")
    csp = factory.SubFactory(CSPFactory)
    service_model = "SaaS"
    business_process = "Deposits"
    unit = factory.SubFactory(UnitFactory)
    owner = factory.SubFactory(UserFactory)
    involves_license_business = True
    customer_data = True


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceLocation

    service = factory.SubFactory(ServiceFactory)
    country = "TW"
    region = "Taipei"


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Certification

    csp = factory.SubFactory(CSPFactory)
    standard = "iso27001"
    number = factory.Sequence(lambda n: f"IS {n}")
    scope = "Cloud services"
    issuer = "BSI"


def service_with(**kwargs: Any) -> CloudService:
    locations = kwargs.pop("locations", ["TW"])
    service = ServiceFactory(**kwargs)
    for country in locations:
        LocationFactory(service=service, country=country, region="")
    return service
