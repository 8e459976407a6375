"""Segregation of duties through the API: the same services, the same refusals as the web.
Ch 1.4 / RULES.md §8: whoever prepared or submitted a pre-use assessment never approves it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.utils import translation

from fincloud.assessments.models import Assessment
from fincloud.auditlog.models import AuditEvent
from fincloud.workflow.models import State
from fincloud.workflow.services import SOD_PREPARER_CANNOT_DECIDE

from assessments.factories_assessments import complete, csp, institution, service


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def prepared(personas, client, make_token, bearer):
    """An assessment started and submitted through the API by a governance officer who is also
    an approver for the unit (the hardest case: the capability is there, the duty is not)."""
    institution()
    gov = personas["governance_officer"]
    gov.groups.add(Group.objects.get_or_create(name="approver")[0])
    gov.approves_for.add(gov.unit)
    srv = service(csp(), gov.unit)
    token = make_token(gov)
    response = client.post(
        "/api/v1/assessments",
        data={"service": str(srv.code)},
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "draft" and body["prepared_by"]["username"] == "governance_officer"
    code = body["code"]
    # The sections are filled by their owners (risk, legal, security), as in the web.
    from fincloud.assessments import services as svc

    assessment = Assessment.objects.get(code=code)
    svc.assessment_evaluate(actor=gov, assessment=assessment)
    from assessments.factories_assessments import judged

    judged(assessment, personas, material=False)
    svc.assessment_evaluate(actor=gov, assessment=assessment)
    complete(Assessment.objects.get(code=code), personas)
    response = client.post(f"/api/v1/assessments/{code}/submit", **bearer(token))
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "submitted"
    return code, token, srv


def test_the_api_cannot_approve_ones_own_assessment(client, bearer, prepared):
    code, token, _srv = prepared
    response = client.post(
        f"/api/v1/assessments/{code}/approve",
        data={"comment": "looks fine to me"},
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 403
    body = response.json()
    assert body["rule"] == "sod_preparer"
    assert body["message"] == str(SOD_PREPARER_CANNOT_DECIDE)
    assert body["errors"] == [
        {"field": None, "rule": "sod_preparer", "message": str(SOD_PREPARER_CANNOT_DECIDE)}
    ]
    assert Assessment.objects.get(code=code).state == State.SUBMITTED
    # The refusal itself is on the audit trail, marked as coming through the API.
    denied = AuditEvent.objects.get(object_id=code, action="denied")
    assert denied.channel == "api" and denied.actor_label == "governance_officer"
    # Nor can it reject it.
    response = client.post(
        f"/api/v1/assessments/{code}/reject",
        data={"comment": "no"},
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 403 and response.json()["rule"] == "sod_preparer"


def test_the_session_cannot_either(client, personas, prepared):
    code, _token, _srv = prepared
    client.force_login(personas["governance_officer"])
    response = client.post(
        f"/api/v1/assessments/{code}/approve", data={}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["rule"] == "sod_preparer"


def test_someone_without_the_approver_role_is_refused_before_the_workflow(
    client, personas, prepared, make_token, bearer
):
    code, _token, _srv = prepared
    token = make_token(personas["risk"])
    response = client.post(
        f"/api/v1/assessments/{code}/approve",
        data={},
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 403
    assert response.json()["rule"] == "permission"
    assert not AuditEvent.objects.filter(object_id=code, action="denied", actor_label="risk")


def test_another_approver_approves_and_the_service_enters_use(
    client, personas, prepared, make_token, bearer
):
    code, _token, srv = prepared
    token = make_token(personas["approver"])
    response = client.post(
        f"/api/v1/assessments/{code}/approve",
        data={"comment": "approved after review"},
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "approved"
    assert body["decided_by"]["username"] == "approver"
    srv.refresh_from_db()
    assert srv.stage == "in_use"
    event = AuditEvent.objects.get(object_id=code, action="approve")
    assert event.channel == "api"
    # An approved assessment is frozen: submitting it again is a conflict with its state.
    gov_token = _token
    response = client.post(f"/api/v1/assessments/{code}/submit", **bearer(gov_token))
    assert response.status_code == 409
    assert response.json()["rule"] == "state"


def test_the_csrf_token_is_needed_with_a_session(personas, prepared):
    from django.test import Client

    code, _token, _srv = prepared
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas["approver"])
    response = browser.post(
        f"/api/v1/assessments/{code}/approve", data={}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["rule"] == "csrf"
    assert Assessment.objects.get(code=code).state == State.SUBMITTED
    browser.get("/api-tokens/")  # any page sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    response = browser.post(
        f"/api/v1/assessments/{code}/approve",
        data={},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert response.status_code == 200, response.content
