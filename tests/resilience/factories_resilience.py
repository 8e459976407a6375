"""Factories for the resilience tests."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile

from fincloud.register.models import CloudService, CloudServiceProvider, ServiceDependency

from factories import UnitFactory


def pdf(name: str = "evidence.pdf", body: bytes = b"content") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n" + body + b"\n%%EOF\n", "application/pdf")


class CSPFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CloudServiceProvider

    name = factory.Sequence(lambda n: f"Resilience CSP {n}")
    country = "TW"
    channel = "direct"


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CloudService

    name = factory.Sequence(lambda n: f"Resilience service {n}")
    csp = factory.SubFactory(CSPFactory)
    service_model = "SaaS"
    business_process = "Payments"
    unit = factory.SubFactory(UnitFactory)
    involves_license_business = True
    customer_data = True


def in_use(service: CloudService) -> CloudService:
    """Put a service in use. How a service gets there (an approved pre-use assessment through
    ``register.services.service_enter_use``) is the assessments app's business, tested there;
    here it only has to be in use, with the approval reference the database requires."""
    CloudService.objects.filter(pk=service.pk).update(
        stage="in_use",
        use_approval_type=ContentType.objects.get_for_model(CloudService),
        use_approval_id="pre-use-assessment",
    )
    service.refresh_from_db()
    return service


def depend(service: CloudService, on: CloudService, kind: str = "series", group: str = "") -> Any:
    return ServiceDependency.objects.create(
        service=service, depends_on=on, kind=kind, redundancy_group=group
    )
