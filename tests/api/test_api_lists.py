"""Lists (cursor pagination, the web lists' filters, no query per row), the one error shape,
and documents' files through fincloud.evidence."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from fincloud.auditlog.models import AuditEvent
from fincloud.register import selectors
from fincloud.register import services as register
from fincloud.register.models import CloudServiceProvider

from assessments.factories_assessments import PDF, csp, document, institution, service


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def reader(personas, make_token, bearer):
    return bearer(make_token(personas["examiner"], "read"))


@pytest.fixture
def writer(personas, make_token, bearer):
    return bearer(make_token(personas["governance_officer"], "write"))


def _walk(client, url, headers):
    names, pages = [], 0
    while url:
        response = client.get(url, **headers)
        assert response.status_code == 200, response.content
        body = response.json()
        names += [row["name"] for row in body["results"]]
        pages += 1
        url = body["next"]
        assert bool(url) == bool(body["cursor"])
    return names, pages


def test_cursor_pages_cover_every_row_once_in_order(client, db, reader):
    for i in range(7):
        register.csp_create(actor=None, name=f"Cloud {i:02d}", country="TW")
    names, pages = _walk(client, "/api/v1/csps?limit=3", reader)
    assert names == [f"Cloud {i:02d}" for i in range(7)]
    assert pages == 3
    # Descending by update time, through the "sort" of the list.
    names, _ = _walk(client, "/api/v1/csps?limit=2&sort=-updated", reader)
    assert names == [f"Cloud {i:02d}" for i in reversed(range(7))]


def test_a_row_added_while_paging_does_not_shift_the_pages(client, db, reader):
    for i in range(6):
        register.csp_create(actor=None, name=f"Cloud {i * 2:02d}", country="TW")
    first = client.get("/api/v1/csps?limit=3", **reader).json()
    assert [r["name"] for r in first["results"]] == ["Cloud 00", "Cloud 02", "Cloud 04"]
    register.csp_create(actor=None, name="Cloud 01", country="TW")  # before the cursor
    second = client.get(first["next"], **reader).json()
    assert [r["name"] for r in second["results"]] == ["Cloud 06", "Cloud 08", "Cloud 10"]


def test_a_forged_cursor_is_refused(client, db, reader):
    for i in range(3):
        register.csp_create(actor=None, name=f"Cloud {i}", country="TW")
    page = client.get("/api/v1/csps?limit=1", **reader).json()
    for cursor in (page["cursor"][:-2] + "xx", "e30", "'; DROP TABLE x; --"):
        response = client.get(f"/api/v1/csps?limit=1&cursor={cursor}", **reader)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "cursor"
    # A cursor of one order is not valid in another.
    response = client.get(f"/api/v1/csps?limit=1&sort=-updated&cursor={page['cursor']}", **reader)
    assert response.status_code == 422


def test_the_limit_is_bounded(client, db, reader):
    response = client.get("/api/v1/csps?limit=1000", **reader)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "limit" and error["rule"] == "less_than_equal"


@pytest.fixture
def register_rows(personas):
    institution()
    unit = personas["governance_officer"].unit
    nimbus, formosa = csp("Nimbus"), csp("Formosa", country="TW")
    rows = [
        service(nimbus, unit, name="Card platform", countries=("JP",)),
        service(nimbus, unit, name="CRM", countries=("SG",), model="SaaS"),
        service(formosa, unit, name="Core banking DR", countries=("TW",), model="IaaS"),
    ]
    return nimbus, formosa, rows


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": "card"},
        {"stage": "before_use"},
        {"classification": "unclassified"},
        {"material": "no"},
        {"sort": "-name"},
    ],
)
def test_the_service_filters_are_the_web_lists(client, reader, register_rows, query):
    nimbus, _formosa, _rows = register_rows
    filters = selectors.ServiceFilters(**query)
    expected = [s.name for s in selectors.service_list(filters, today=timezone.localdate())]
    response = client.get("/api/v1/services", query, **reader)
    assert response.status_code == 200, response.content
    assert [r["name"] for r in response.json()["results"]] == expected
    by_csp = client.get("/api/v1/services", {"csp": str(nimbus.code)}, **reader).json()
    assert {r["name"] for r in by_csp["results"]} == {"Card platform", "CRM"}


def test_a_list_runs_the_same_queries_for_few_rows_and_many(client, personas, reader):
    institution()
    unit = personas["governance_officer"].unit
    provider = csp("Many")
    service(provider, unit, name="first")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/services?limit=100", **reader).status_code == 200
        return len(ctx.captured_queries)

    count()  # the token's first use of the minute also notes its time of use
    few = count()
    for i in range(12):
        service(provider, unit, name=f"svc {i}", owner=personas["legal"])
    assert count() == few


def test_the_one_error_shape(client, db, writer):
    # Input the schema refuses: the field and pydantic's rule.
    response = client.post(
        "/api/v1/csps", data={"country": "TW"}, content_type="application/json", **writer
    )
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == 422 and body["rule"] == "validation"
    assert {"field": "name", "rule": "missing", "message": "Field required"} in body["errors"]
    # Input the register's service refuses: its field, its code, its message.
    response = client.post(
        "/api/v1/csps",
        data={
            "name": "Reseller Cloud",
            "country": "TW",
            "channel": "partner",
            "partner_name": "ACME",
        },
        content_type="application/json",
        **writer,
    )
    assert response.status_code == 422
    body = response.json()
    assert body["rule"] == "addendum_required"
    assert body["errors"] == [
        {
            "field": "channel",
            "rule": "addendum_required",
            "message": str(register.RESELLER_NEEDS_ADDENDUM),
        }
    ]
    response = client.post(
        "/api/v1/csps",
        data={"name": "Lower", "country": "tw"},
        content_type="application/json",
        **writer,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "country"
    assert response.json()["errors"][0]["rule"] == "country_case"
    assert not CloudServiceProvider.objects.exists()
    # Not found (or not yours): 404 with the rule.
    response = client.get(
        "/api/v1/csps/00000000-0000-4000-8000-000000000000", HTTP_ACCEPT_LANGUAGE="en", **writer
    )
    assert response.status_code == 404
    assert response.json() == {
        "status": 404,
        "rule": "not_found",
        "message": "Not found.",
        "errors": [],
    }


def test_a_document_file_goes_in_and_out_through_evidence(client, personas, writer, reader):
    institution()
    provider = csp("Docs Cloud")
    srv = service(provider, personas["governance_officer"].unit)
    doc = document(provider, [srv], title="Master agreement")
    upload = SimpleUploadedFile("agreement.pdf", PDF, content_type="application/pdf")
    response = client.post(
        f"/api/v1/documents/{doc.code}/files", {"file": upload, "note": "signed copy"}, **writer
    )
    assert response.status_code == 201, response.content
    sha = hashlib.sha256(PDF).hexdigest()
    assert response.json()["sha256"] == sha and response.json()["revision"] == 1
    detail = client.get(f"/api/v1/documents/{doc.code}", **reader).json()
    assert detail["current_file"]["sha256"] == sha
    assert detail["services"] == [str(srv.code)]
    download = client.get(f"/api/v1/documents/{doc.code}/file", **reader)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["X-Content-SHA256"] == sha
    assert AuditEvent.objects.filter(
        action="export", actor_label="examiner", channel="api"
    ).exists()
    # A file type evidence refuses is refused here too, with evidence's rule.
    bad = SimpleUploadedFile("tool.exe", b"MZ\x90\x00" + b"\x00" * 64)
    response = client.post(f"/api/v1/documents/{doc.code}/files", {"file": bad}, **writer)
    assert response.status_code == 422
    assert response.json()["errors"][0] == {
        "field": "file",
        "rule": "file_type",
        "message": response.json()["errors"][0]["message"],
    }
    assert "tool.exe" in response.json()["message"]
