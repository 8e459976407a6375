"""The Ch 6.1 asset inventory imported from real formats, all or nothing; and the Ch 5.6
threat-intelligence log with the advisories acted on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from factories_controls import classified

from fincloud.controls import messages as msg
from fincloud.controls import services
from fincloud.controls.models import Advisory, AssetImport, CloudAsset, IntelSource
from fincloud.evidence.models import EvidenceFile

from paths import REPO_ROOT

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages in English, so the assertions read the message constants' own words."""
    with translation.override("en"):
        yield


DATA = REPO_ROOT / "tests" / "data" / "inventory"


def file(name):
    return SimpleUploadedFile(name, (DATA / name).read_bytes())


@pytest.fixture
def service(personas):
    return classified("domestic", service_model="IaaS", unit=personas["governance_officer"].unit)


def test_import_aws_config_then_again_updates_not_duplicates(service, personas):
    actor = personas["sysadmin"]
    first = services.asset_import(
        actor=actor, service=service, upload=file("aws-config-snapshot.json")
    )
    assert (first.source, first.created, first.updated, first.not_seen) == ("aws_config", 5, 0, 0)
    assert CloudAsset.objects.filter(service=service).count() == 5
    # The file is kept as evidence of the inventory at that date.
    kept = EvidenceFile.objects.get(owner_id=str(first.pk))
    assert kept.catalog_ids == ["ch6.1.basic.a", "ch6.1.advanced.a"]
    # A person classifies one asset; the next import keeps what the file does not state.
    trail = CloudAsset.objects.get(service=service, name="org-trail")
    services.asset_save(actor=actor, service=service, asset=trail, classification="internal")
    second = services.asset_import(
        actor=actor, service=service, upload=file("aws-config-snapshot.json")
    )
    assert (second.created, second.updated, second.not_seen) == (0, 5, 0)
    trail.refresh_from_db()
    assert trail.classification == "internal"
    # A different account's export: its assets join, the earlier ones are "not in the file".
    third = services.asset_import(
        actor=actor, service=service, upload=file("aws-config-select.json")
    )
    assert (third.created, third.not_seen) == (2, 5)


def test_owner_labels_match_usernames(service, personas):
    actor = personas["sysadmin"]
    services.asset_import(actor=actor, service=service, upload=file("azure-resource-graph.json"))
    portal = CloudAsset.objects.get(service=service, name="crm-portal-prod")
    assert portal.owner is None and portal.owner_label == "retail.owner"
    assert portal.classification == "restricted"


def test_a_bad_file_names_line_and_field_and_saves_nothing(service, personas):
    actor = personas["sysadmin"]
    bad = SimpleUploadedFile(
        "assets.csv", "id,name,classification\na1,主機一,機密\na2,主機二,top secret\n".encode()
    )
    with pytest.raises(ValidationError) as exc:
        services.asset_import(actor=actor, service=service, upload=bad)
    text = exc.value.message_dict["file"][0]
    assert "line 3" in text and "classification" in text and "top secret" in text
    assert CloudAsset.objects.filter(service=service).count() == 0
    assert AssetImport.objects.count() == 0


def test_only_csv_and_json_and_not_another_roles_job(service, personas):
    with pytest.raises(ValidationError) as exc:
        services.asset_import(
            actor=personas["sysadmin"], service=service, upload=SimpleUploadedFile("a.xml", b"<a/>")
        )
    assert ".csv and .json" in exc.value.message_dict["file"][0]
    with pytest.raises(ValidationError, match=r"controls\.inventory"):
        services.asset_import(actor=personas["legal"], service=service, upload=file("assets.csv"))


def test_manual_asset_duplicate_id_is_named(service, personas):
    actor = personas["security"]
    services.asset_save(
        actor=actor, service=service, external_id="vm-1", name="VM", category="compute"
    )
    with pytest.raises(ValidationError) as exc:
        services.asset_save(
            actor=actor, service=service, external_id="vm-1", name="VM 2", category="compute"
        )
    assert exc.value.message_dict == {"external_id": [str(msg.ASSET_DUPLICATE)]}


@pytest.fixture
def twcert(personas):
    return services.intel_source_save(
        actor=personas["security"],
        name="TWCERT/CC",
        kind="national_cert",
        url="https://www.twcert.org.tw/",
    )


def test_advisory_acted_on_needs_the_action_and_the_date(twcert, service, personas):
    actor = personas["security"]
    advisory = services.advisory_save(
        actor=actor,
        services=[service],
        source=twcert,
        reference="TWCERT-2026-0042",
        title="Hypervisor escape in a popular VM image",
        published_on=dt.date(2026, 10, 1),
        received_on=dt.date(2026, 10, 2),
        severity="high",
        respond_by=dt.date(2026, 10, 9),
    )
    assert advisory.state == "received"
    with pytest.raises(ValidationError) as exc:
        services.advisory_save(actor=actor, advisory=advisory, state="acted")
    assert set(exc.value.message_dict) == {"action", "acted_on"}
    with pytest.raises(ValidationError) as exc:
        services.advisory_save(actor=actor, advisory=advisory, state="not_applicable")
    assert set(exc.value.message_dict) == {"impact"}
    services.advisory_save(
        actor=actor,
        advisory=advisory,
        state="acted",
        impact="Two IaaS hosts used the image.",
        action="Images patched and redeployed.",
        acted_on=dt.date(2026, 10, 5),
    )
    advisory.refresh_from_db()
    assert (advisory.state, advisory.acted_on) == ("acted", dt.date(2026, 10, 5))
    assert list(advisory.services.all()) == [service]


def test_advisories_only_for_security(twcert, personas):
    with pytest.raises(ValidationError, match=r"controls\.threat_intel"):
        services.intel_source_save(actor=personas["governance_officer"], name="F-ISAC", kind="isac")
    assert IntelSource.objects.count() == 1
    assert Advisory.objects.count() == 0
