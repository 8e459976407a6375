"""The two services the bulk import added to other apps: register.service_create_many (many
new services in batches, the same records, checks and audit events as one by one) and
auditlog.record_events (many events chained at once)."""

from __future__ import annotations

import itertools
import uuid

import pytest
from django.utils import translation

from fincloud.auditlog.models import AuditEvent
from fincloud.auditlog.services import EventEntry, record_event, record_events, verify_chain
from fincloud.register import services as register
from fincloud.register.models import CloudService, ServiceLocation, SubProcessor
from fincloud.register.signals import services_created

from assessments.factories_assessments import institution

L = register.LocationInput


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def setup(personas):
    institution()
    gov = personas["governance_officer"]
    csp = register.csp_create(actor=None, name="Nimbus", country="US")
    return gov, csp


def _fields(csp, unit, name):
    return {
        "name": name,
        "csp": csp,
        "unit": unit,
        "service_model": "SaaS",
        "business_process": "Card authorisation",
        "customer_data": True,
    }


def _chain():
    return [
        register.SubProcessorInput("Backup Co", "JP", "backup", "DC SG", [L("JP", "Osaka")]),
        register.SubProcessorInput("DC SG", "SG", "colocation", "", [L("SG", "Singapore")]),
    ]


def _shape(service):
    """What a service is, without its identity (codes, keys, times)."""
    locs = sorted(
        (loc.country, loc.region, loc.role, loc.sub_processor.name if loc.sub_processor else "")
        for loc in service.locations.select_related("sub_processor")
    )
    subs = sorted(
        (s.name, s.country, s.function, s.parent.name if s.parent else "")
        for s in service.sub_processors.select_related("parent")
    )
    fields = {
        f.name: getattr(service, f.attname)
        for f in CloudService._meta.concrete_fields
        if f.name not in {"id", "code", "name", "created_at", "updated_at"}
    }
    return fields, locs, subs


def test_many_at_once_makes_what_one_by_one_makes(setup):
    gov, csp = setup
    one = register.service_create(
        actor=gov,
        locations=[L("JP", "Tokyo"), L("SG", "Singapore", "backup")],
        **_fields(csp, gov.unit, "one by one"),
    )
    dc = register.sub_processor_add(
        actor=gov,
        service=one,
        name="DC SG",
        country="SG",
        function="colocation",
        locations=[L("SG", "Singapore")],
    )
    register.sub_processor_add(
        actor=gov,
        service=one,
        name="Backup Co",
        country="JP",
        function="backup",
        parent=dc,
        locations=[L("JP", "Osaka")],
    )
    events_before = AuditEvent.objects.count()
    code = uuid.uuid4()
    (many,) = register.service_create_many(
        actor=gov,
        items=[
            register.NewService(
                fields=_fields(csp, gov.unit, "many at once"),
                locations=[L("JP", "Tokyo"), L("SG", "Singapore", "backup")],
                sub_processors=_chain(),
                code=code,
            )
        ],
    )
    assert many.code == code
    assert _shape(CloudService.objects.get(pk=many.pk)) == _shape(one)
    # One event per record, as one by one: the service, two links, four locations.
    new = AuditEvent.objects.filter(seq__gt=events_before)
    assert sorted(new.values_list("object_type", flat=True)) == sorted(
        ["register.cloudservice"] + ["register.subprocessor"] * 2 + ["register.servicelocation"] * 4
    )
    assert set(new.values_list("actor_label", flat=True)) == {"governance_officer"}
    assert verify_chain().ok


def test_refusals_name_each_item_and_nothing_is_stored(setup):
    gov, csp = setup
    taken = register.service_create(actor=gov, **_fields(csp, gov.unit, "taken")).code
    items = [
        register.NewService(fields=_fields(csp, gov.unit, "fine")),
        register.NewService(fields={**_fields(csp, gov.unit, "bad"), "service_model": "FaaS"}),
        register.NewService(
            fields=_fields(csp, gov.unit, "dup"), locations=[L("JP", "Tokyo"), L("JP", "Tokyo")]
        ),
        register.NewService(fields=_fields(csp, gov.unit, "code"), code=taken),
        register.NewService(
            fields=_fields(csp, gov.unit, "orphan"),
            sub_processors=[register.SubProcessorInput("Child", "JP", "x", "Nobody")],
        ),
        register.NewService(fields={**_fields(csp, gov.unit, "stage"), "stage": "in_use"}),
    ]
    with pytest.raises(register.BulkCreateError) as exc:
        register.service_create_many(actor=gov, items=items)
    by_index = {i: e.message_dict for i, e in exc.value.by_index.items()}
    assert set(by_index) == {1, 2, 3, 4, 5}
    assert "service_model" in by_index[1]
    assert by_index[2] == {"locations": ["line 2: " + str(register.LOCATION_DUPLICATE)]}
    assert by_index[3] == {"code": [str(register.CODE_IN_USE) % {"code": taken}]}
    assert by_index[4] == {
        "parent": [str(register.SUB_PROCESSOR_UNKNOWN_PARENT) % {"parent": "Nobody"}]
    }
    assert by_index[5] == {"stage": [str(register.STAGE_ONLY_THROUGH_SERVICES)]}
    assert set(CloudService.objects.values_list("name", flat=True)) == {"taken"}


def test_only_the_register_keeper_may(setup, personas):
    _gov, csp = setup
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        register.service_create_many(
            actor=personas["legal"],
            items=[register.NewService(fields=_fields(csp, personas["legal"].unit, "x"))],
        )
    assert exc.value.code == "permission"


def test_the_apps_hear_of_the_new_services_once(setup):
    gov, csp = setup
    heard = []

    def listen(sender, *, services, actor, **kwargs):
        heard.append(([s.name for s in services], actor))

    services_created.connect(listen, dispatch_uid="test-listen")
    try:
        register.service_create_many(
            actor=gov,
            items=[register.NewService(fields=_fields(csp, gov.unit, f"s{i}")) for i in range(3)],
        )
    finally:
        services_created.disconnect(dispatch_uid="test-listen")
    assert heard == [(["s0", "s1", "s2"], gov)]
    assert ServiceLocation.objects.count() == 0 and SubProcessor.objects.count() == 0


def test_a_batch_of_events_chains_like_single_events(db):
    first = record_event(actor=None, action="create", object_type="t", object_id="1")
    csp = register.csp_create(actor=None, name="Chained", country="TW")
    written = record_events(
        actor=None,
        entries=[EventEntry("update", csp, changes={"n": [i, i + 1]}) for i in range(5)],
    )
    last = record_event(actor=None, action="create", object_type="t", object_id="2")
    assert written == 5
    events = list(AuditEvent.objects.filter(seq__gte=first.seq).order_by("seq"))
    # The first event, the CSP's own, the batch of five, the last: one unbroken chain.
    assert [e.seq for e in events] == list(range(first.seq, first.seq + 8))
    for before, after in itertools.pairwise(events):
        assert after.prev_hash == before.hash
    assert events[-1].pk == last.pk
    assert verify_chain().ok
