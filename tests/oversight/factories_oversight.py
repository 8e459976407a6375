"""Factories for oversight's tests: CSPs, services (in use when asked), and helpers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import factory
from django.contrib.contenttypes.models import ContentType

from fincloud.register.models import CloudService, CloudServiceProvider

from factories import UnitFactory, UserFactory


class CspFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CloudServiceProvider

    name = factory.Sequence(lambda n: f"Oversight CSP {n}")
    country = "TW"
    channel = "direct"


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CloudService

    name = factory.Sequence(lambda n: f"Oversight service {n}")
    csp = factory.SubFactory(CspFactory)
    service_model = "SaaS"
    business_process = "Deposits"
    unit = factory.SubFactory(UnitFactory)
    owner = factory.SubFactory(UserFactory)


def put_in_use(
    service: CloudService, started_on: dt.date, classification: str = ""
) -> CloudService:
    """Test data only: the way into use (an approved pre-use assessment) belongs to the register
    and the assessments; here a service simply is in use, with a placeholder approval reference
    (the database requires one) and, when given, a classification with a stand-in
    determination (the database requires one too)."""
    from fincloud.determinations.models import Determination

    fields: dict[str, Any] = {
        "stage": "in_use",
        "started_on": started_on,
        "use_approval_type": ContentType.objects.get_for_model(CloudService),
        "use_approval_id": str(service.pk),
    }
    if classification:
        det = Determination.objects.create(
            subject_type=ContentType.objects.get_for_model(CloudService),
            subject_id=str(service.pk),
            kind="test_classification",
            outcome=classification,
            rule_version="test",
            computed_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        )
        fields |= {"classification": classification, "classification_determination": det}
    CloudService.objects.filter(pk=service.pk).update(**fields)
    service.refresh_from_db()
    # .update() sends no post_save: refresh the review schedule as a save would.
    from fincloud.oversight.services import review_schedule_refresh

    review_schedule_refresh(service_ids=[service.pk])
    return service


def errors(exc: Any) -> dict[str, list[str]]:
    return {k: [str(m) for m in v] for k, v in exc.value.message_dict.items()}
