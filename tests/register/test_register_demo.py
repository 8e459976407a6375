"""The demo institution and the scale generator."""

from __future__ import annotations

import pytest
from django.db import transaction

from fincloud.identifiers import is_valid_business_number
from fincloud.register.demo import load_register_demo
from fincloud.register.models import (
    Classification,
    CloudService,
    CloudServiceProvider,
    Document,
    Exclusion,
    HeadOfficeReliance,
    Institution,
)
from fincloud.register.scale import generate
from fincloud.register.services import csp_has_addendum, service_rule_inputs
from fincloud.rules import evaluate_mapping
from fincloud.web.demo import load_people

pytestmark = pytest.mark.django_db


def _counts():
    return tuple(
        m.objects.count() for m in (Institution, CloudServiceProvider, CloudService, Document)
    )


def test_demo_covers_every_classification_and_exclusion_and_is_idempotent(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    load_people()
    load_register_demo()
    first = _counts()
    load_register_demo()
    assert _counts() == first
    institution = Institution.objects.get()
    assert institution.institution_type == "domestic_bank"
    assert is_valid_business_number(institution.business_number)
    assert CloudServiceProvider.objects.count() == 3
    assert 12 <= CloudService.objects.count() <= 14
    assert set(CloudService.objects.values_list("classification", flat=True)) == set(
        Classification.values
    )
    assert set(CloudService.objects.values_list("exclusion", flat=True)) == set(Exclusion.values)
    # The recorded classification is what the rules give for the service as registered.
    for service in CloudService.objects.all():
        inputs = service_rule_inputs(service, material=bool(service.material))
        assert evaluate_mapping(inputs).classification == service.classification
        assert not service.classification_stale
    reliance = HeadOfficeReliance.objects.get()
    assert reliance.head_office_contract.sub_outsourcing
    partner = CloudServiceProvider.objects.get(channel="partner")
    assert csp_has_addendum(partner)
    assert CloudService.objects.filter(locations__country="VN").exists()  # off the FAQ-10 list


def test_scale_generator_is_reproducible_and_idempotent(tmp_path, settings):
    settings.VAR_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    load_people()

    def snapshot():
        return list(
            CloudService.objects.order_by("name").values_list(
                "name", "code", "csp__name", "classification", "material"
            )
        )

    with transaction.atomic():
        result = generate(services=80, csps=6, seed=3)
        first = snapshot()
        transaction.set_rollback(True)
    assert result.created and result.services == 80 and result.csps == 6
    assert not CloudService.objects.exists()
    generate(services=80, csps=6, seed=3)
    assert snapshot() == first
    again = generate(services=80, csps=6, seed=3)
    assert not again.created
    assert CloudService.objects.count() == 80
    # Classifications come from the rules engine, with their determinations.
    for service in CloudService.objects.select_related("classification_determination")[:20]:
        assert service.classification_determination.outcome["classification"] == (
            service.classification
        )
    # A partner-channel CSP has its commitment letter on file.
    for csp in CloudServiceProvider.objects.filter(channel="partner"):
        assert csp_has_addendum(csp)
