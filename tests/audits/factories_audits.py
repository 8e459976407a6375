"""Services for the audits tests, classified by fincloud.rules and stored with their
determination as the pre-use assessment would leave them (the same helpers as
tests/controls/factories_controls.py: the test tree has no packages, so each folder keeps its
own copy)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from fincloud.determinations.services import determination_record
from fincloud.register.models import CloudService, CloudServiceProvider
from fincloud.rules import classify

from factories import UnitFactory, UserFactory

# classification -> (offshore, material, consumer_finance)
CLASSES = {
    "material_consumer_finance_offshore": (True, True, True),
    "material_offshore": (True, True, False),
    "non_material_offshore": (True, False, False),
    "domestic": (False, False, False),
}


class CSPFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CloudServiceProvider
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Test CSP {n}")
    country = "US"
    channel = "direct"


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CloudService

    name = factory.Sequence(lambda n: f"Test service {n}")
    csp = factory.SubFactory(CSPFactory)
    service_model = "SaaS"
    business_process = "Deposits"
    unit = factory.SubFactory(UnitFactory)
    owner = factory.SubFactory(UserFactory)
    involves_license_business = True
    customer_data = True


def classified(
    classification: str = "material_offshore",
    *,
    started_on: dt.date | None = dt.date(2025, 1, 15),
    stage: str = "in_use",
    **fields: Any,
) -> CloudService:
    """A service with the classification fincloud.rules gives for its inputs."""
    offshore, material, consumer = CLASSES[classification]
    service = ServiceFactory(consumer_finance_system=consumer, started_on=started_on, **fields)
    result = classify(True, offshore, material, consumer)
    assert result.outcome == classification
    det = determination_record(subject=service, result=result)
    CloudService.objects.filter(pk=service.pk).update(
        in_scope=True,
        offshore=offshore,
        material=material,
        classification=classification,
        classification_determination=det,
        stage=stage,
        use_approval_id="test" if stage != "before_use" else "",
    )
    service.refresh_from_db()
    return service


def upload(name: str = "evidence.pdf", body: bytes = b"retention settings") -> SimpleUploadedFile:
    if name.endswith(".pdf"):
        body = b"%PDF-1.4\n" + body + b"\n%%EOF\n"
    return SimpleUploadedFile(name, body)
